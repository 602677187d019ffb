import { TerraformStack, type IAspect } from "../private/framework";
import type { IConstruct } from "constructs";
import { Container, DockerNetwork, DockerVolume, Image } from "../private/bindings";
import { Labels, labelList } from "../private/labels";
import { escapeTemplate } from "../private/terraform-text";

/** Props of the {@link CommonLabels} aspect. */
export interface CommonLabelsProps {
  /**
   * Labels to add everywhere (a resource's own label of the same name wins).
   * @default - none besides the stack and managed-by labels
   */
  readonly labels?: Record<string, string>;
}

/**
 * Adds the same labels to every container, network, volume and built image
 * in scope, plus `cdktf-docker-messaging.stack` (the stack name) and
 * `cdktf-docker-messaging.managed-by` = `cdktf`, so
 * `docker ps --filter label=cdktf-docker-messaging.stack=<stack>` finds them.
 * Pulled images and data sources carry no labels (the provider has none).
 */
export class CommonLabels implements IAspect {
  constructor(private readonly props: CommonLabelsProps = {}) {}

  public visit(node: IConstruct): void {
    const common = (): Record<string, string> => ({
      [Labels.managedBy]: "cdktf",
      [Labels.stack]: TerraformStack.of(node).node.id,
      // From JavaScript, props may be null: no labels then (addMessagingAspects reports bad labels).
      ...(this.props?.labels ?? {}),
    });
    if (node instanceof Container || node instanceof DockerNetwork || node instanceof DockerVolume) {
      const current = node.labelsInput;
      if (current !== undefined && !Array.isArray(current)) return; // a Token: leave it to its author
      // The resource's own labels are escaped already; the common ones are escaped here.
      const merged = new Map<string, string>();
      for (const { label, value } of labelList(common())) merged.set(label, value);
      for (const l of current ?? []) merged.set(l.label, l.value);
      const list = [...merged.keys()].sort().map((label) => ({ label, value: merged.get(label)! }));
      node.putLabels(list);
    } else if (node instanceof Image) {
      const build = node.buildAttributeInput;
      if (build === undefined) return;
      const escaped = Object.fromEntries(Object.entries(common()).map(([k, v]) => [escapeTemplate(k), escapeTemplate(v)]));
      // Both attributes: kreuzwerker/docker 4.6.0's BuildKit path labels the
      // image from `label` (docker_buildx_build.go), its legacy builder (a
      // Swarm's, or a DockerHost's `host` that is not $DOCKER_HOST's) from
      // `labels` (resource_docker_registry_image_funcs.go
      // createImageBuildOptions), each ignoring the other. `build` is in
      // ignore_changes: a deployed image is not rebuilt for this.
      const labels = { ...escaped, ...(build.labels ?? {}), ...(build.label ?? {}) };
      node.putBuildAttribute({ ...build, label: labels, labels });
    }
  }
}
