import { Annotations, type IAspect } from "../private/framework";
import type { IConstruct } from "constructs";
import { DataDockerImage, Image } from "../private/bindings";
import { isToken } from "../private/validation";

/**
 * Warns about images named without a tag or with `latest`: what they run
 * changes with every pull, and an offline host cannot pull at all.
 */
export class ImageTagWarning implements IAspect {
  public visit(node: IConstruct): void {
    if (!(node instanceof Image) && !(node instanceof DataDockerImage)) return;
    const name = node.nameInput;
    if (name === undefined || isToken(name)) return;
    const tag = imageTag(name);
    const message =
      tag === undefined
        ? `image "${name}" has no tag, so Docker uses "latest": pin a version tag (e.g. "${name}:1.2.3") or a digest`
        : tag === "latest"
          ? `image "${name}" uses the "latest" tag: pin a version tag or a digest`
          : undefined;
    // Aspects run on every synth (a test may synthesize twice): warn once.
    if (message !== undefined && !node.node.metadata.some((m) => m.data === message)) Annotations.of(node).addWarning(message);
  }
}

/** The tag of an image reference, `undefined` when it has none; digests count as pinned. */
export function imageTag(reference: string): string | undefined {
  if (reference.includes("@")) return "@digest";
  const lastSlash = reference.lastIndexOf("/");
  const lastColon = reference.lastIndexOf(":");
  return lastColon > lastSlash ? reference.slice(lastColon + 1) : undefined;
}
