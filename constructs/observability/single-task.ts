/**
 * What Prometheus and Alertmanager share as workloads: one instance with its
 * data on a volume, declared as a container on one engine or as a one-task
 * service on a Swarm, its image given or the default, and its UI published
 * on 127.0.0.1 with a Terraform output naming the URL.
 */
import { TerraformOutput } from "../private/framework";
import type { Construct } from "constructs";
import { report } from "../errors/problems";
import { ContainerImage, type BoundImage } from "../images/container-image";
import type { Container, Service } from "../private/bindings";
import { declareContainer, type ContainerSpec } from "../private/container-spec";
import { declareService } from "../private/service-spec";
import { terraformIdentifier } from "../private/terraform-text";
import { claimName } from "../private/validation";
import type { ResolvedSwarm } from "../provider/swarm-target";

/** The `image` prop bound to `scope`, or the default image when it is not given (a value that is no ContainerImage is reported). */
export function singleTaskImage(scope: Construct, given: unknown, defaultImage: string): BoundImage {
  if (given !== undefined && !(given instanceof ContainerImage)) {
    report(scope, "image is not a ContainerImage", given, `use ContainerImage.fromRegistry("${defaultImage}") or fromLocal(...)`);
  }
  return (given instanceof ContainerImage ? given : ContainerImage.fromRegistry(defaultImage)).bind(scope);
}

/**
 * Declares `spec` as `scope`'s default child: a container (id `container`),
 * or on a Swarm a one-task service (id `service`) on a manager unless
 * `constraints` say otherwise, the old task stopped before the new one
 * starts (two cannot share the data folder), secrets as files.
 */
export function declareSingleTask(
  scope: Construct,
  spec: ContainerSpec,
  options: { swarm?: ResolvedSwarm; constraints?: string[]; convergeTimeoutSeconds: number },
): { container?: Container; service?: Service } {
  if (options.swarm === undefined) {
    const container = declareContainer(scope, "container", spec);
    scope.node.defaultChild = container;
    return { container };
  }
  const service = declareService(
    scope,
    "service",
    { ...spec, ports: [], waitTimeoutSeconds: undefined },
    {
      swarm: options.swarm,
      replicas: 1,
      constraints: options.constraints ?? ["node.role==manager"],
      updateOrder: "stop-first",
      secretEnv: { mode: "files" },
      convergeTimeoutSeconds: options.convergeTimeoutSeconds,
    },
  );
  scope.node.defaultChild = service;
  return { service };
}

/** `http://127.0.0.1:<hostPort>`, also a Terraform output `<name>_url` (`<title> <name>: UI and API`); `fix` is said when the output name is taken. */
export function uiUrlOutput(scope: Construct, name: string, hostPort: number, title: string, fix: string): string {
  const url = `http://127.0.0.1:${hostPort}`;
  const outputName = `${terraformIdentifier(name)}_url`;
  claimName(scope, "terraform output", outputName, fix);
  new TerraformOutput(scope, "url", { value: url, description: `${title} ${name}: UI and API` }).overrideLogicalId(outputName);
  return url;
}
