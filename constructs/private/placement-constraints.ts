import type { IConstruct } from "constructs";
import { report } from "../errors/problems";

/** Docker's placement constraint grammar: `node.<attribute>` or `engine.labels.<key>`, `==` or `!=`, a value. */
const PLACEMENT_CONSTRAINT =
  /^(node\.(id|hostname|role|platform\.os|platform\.arch|labels\.[A-Za-z0-9._-]+)|engine\.labels\.[A-Za-z0-9._-]+)\s*(==|!=)\s*[^\s"',]+$/;

/**
 * The `placementConstraints` prop of a one-task service of the stack
 * (Prometheus, Alertmanager), checked: a non-empty list of Docker placement
 * constraints, and only on a Swarm. Undefined when unset or invalid.
 */
export function checkPlacementConstraints(scope: IConstruct, constraints: unknown, onSwarm: boolean): string[] | undefined {
  if (constraints === undefined) return undefined;
  if (!onSwarm) {
    report(
      scope,
      "placementConstraints mean something only on a Swarm: this stack deploys to one engine",
      constraints,
      "remove placementConstraints, or give the stack's DockerHost a swarm",
    );
    return undefined;
  }
  if (!Array.isArray(constraints) || constraints.length === 0) {
    report(scope, "placementConstraints must be a non-empty list", constraints, 'pass e.g. ["node.labels.monitoring==1"]');
    return undefined;
  }
  const bad = constraints.filter((c) => typeof c !== "string" || !PLACEMENT_CONSTRAINT.test(c));
  if (bad.length > 0) {
    report(
      scope,
      "placementConstraints must be Docker placement constraints (node.<attribute> or engine.labels.<key>, == or !=, a value)",
      bad,
      'use e.g. "node.labels.monitoring==1", "node.role==manager" or "node.hostname!=edge-1"',
    );
    return undefined;
  }
  return [...(constraints as string[])];
}
