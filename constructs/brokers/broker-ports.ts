/**
 * A broker's host ports: node i publishes on base + i - 1, so each range
 * must stay under 65536 and clear of the broker's other ranges. (Unique in
 * the stack: declareContainer adds the UniqueHostPorts check.)
 */
import type { Construct } from "constructs";
import { report } from "../errors/problems";
import { isToken } from "../private/validation";

/** Node `count`, the last, publishes on `base + count - 1`: still a port. */
export function checkPortRange(scope: Construct, field: string, base: number | undefined, count: number): boolean {
  if (typeof base === "number" && base + count - 1 > 65535) {
    report(
      scope,
      `${field}: node ${count} would publish port ${base + count - 1}, above 65535`,
      base,
      `use a base port <= ${65536 - count}`,
    );
    return false;
  }
  return true;
}

/** `metrics.hostPort` must not share a host port with another published port of the broker (any node). */
export function checkMetricsHostPort(
  scope: Construct,
  metricsBase: number,
  count: number,
  others: Record<string, number | undefined>,
): boolean {
  let ok = true;
  for (const [field, base] of Object.entries(others)) {
    if (typeof base !== "number" || isToken(base)) continue;
    if (metricsBase <= base + count - 1 && base <= metricsBase + count - 1) {
      const range = (b: number) => (count === 1 ? `${b}` : `${b}-${b + count - 1}`);
      report(
        scope,
        `metrics.hostPort ${range(metricsBase)} collides with ${field} ${range(base)}${count > 1 ? ` (node i publishes base + i - 1)` : ""}`,
        metricsBase,
        `pick a metrics.hostPort outside ${range(base)}`,
      );
      ok = false;
    }
  }
  return ok;
}
