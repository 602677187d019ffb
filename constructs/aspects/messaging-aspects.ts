import { Aspects } from "../private/framework";
import type { IConstruct } from "constructs";
import { checkKnownKeys, checkLabels, optionsObject, requireScope } from "../private/validation";
import { CommonLabels } from "./common-labels";
import { ImageTagWarning } from "./image-tag-warning";
import { UniqueHostPorts } from "./unique-host-ports";

/** Options of {@link addMessagingAspects}. */
export interface MessagingAspectsOptions {
  /**
   * Labels added to every container, network, volume and built image.
   * @default - only the stack and managed-by labels
   */
  readonly labels?: Record<string, string>;
}

/** Adds the three cross-cutting rules to `scope` (usually a stack). */
export function addMessagingAspects(scope: IConstruct, options: MessagingAspectsOptions = {}): void {
  requireScope(scope, "addMessagingAspects", "addMessagingAspects");
  options = optionsObject(scope, "addMessagingAspects options", options); // null from JavaScript: reported, then {}
  checkKnownKeys(scope, "addMessagingAspects options", options, { labels: true } satisfies Record<keyof MessagingAspectsOptions, true>);
  checkLabels(scope, "addMessagingAspects labels", options.labels);
  Aspects.of(scope).add(new CommonLabels({ labels: options.labels }));
  // A container with a published port adds one to its stack too (ensureUniqueHostPorts); the nearest one checks.
  if (!Aspects.of(scope).all.some((a) => a instanceof UniqueHostPorts)) Aspects.of(scope).add(new UniqueHostPorts());
  Aspects.of(scope).add(new ImageTagWarning());
}
