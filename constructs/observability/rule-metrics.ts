/**
 * Alert rules against the metrics a Prometheus's targets serve. A rule that
 * selects a metric no target serves returns nothing, so its alert can never
 * fire, and nothing says so: a misspelt name (`rabbitmq_queue_mesages_ready`)
 * or a metric of a broker kind the stack does not run.
 */
import { closestMatch } from "../errors/did-you-mean";
import type { Finding } from "../errors/finding";
import type { ServedMetrics } from "./metrics";
import type { PrometheusAlertRule } from "./alert-rules";
import { promqlMetricNames } from "./promql-syntax";

/** The series suffixes a histogram or summary adds to its name. */
const SERIES_SUFFIXES = ["_bucket", "_sum", "_count"];

/** What Prometheus serves about itself: its self-scrape, and the series of every scrape and alert. */
export const PROMETHEUS_SERVED_METRICS: ServedMetrics = {
  names: ["up", "scrape_duration_seconds", "scrape_samples_scraped", "scrape_samples_post_metric_relabeling", "scrape_series_added", "ALERTS", "ALERTS_FOR_STATE"],
  prefixes: ["prometheus_", "go_", "process_", "net_conntrack_", "promhttp_"],
}; // prettier-ignore

function serves(metrics: ServedMetrics, name: string): boolean {
  const base = SERIES_SUFFIXES.find((s) => name.endsWith(s));
  return (
    metrics.names.includes(name) ||
    (base !== undefined && metrics.names.includes(name.slice(0, -base.length))) ||
    (metrics.prefixes ?? []).some((p) => name.startsWith(p))
  );
}

/**
 * One finding per metric a rule selects that no target serves. `served` has
 * an entry per target, `undefined` where its metrics are unknown (an image
 * of the user's): then only a near miss of a known name is refused, since
 * that target may serve any other name.
 */
export function unservedMetricFindings(rules: readonly PrometheusAlertRule[], served: readonly (ServedMetrics | undefined)[]): Finding[] {
  const known = [PROMETHEUS_SERVED_METRICS, ...served.filter((m): m is ServedMetrics => m !== undefined)];
  const someUnknown = served.some((m) => m === undefined);
  const allNames = known.flatMap((m) => m.names);
  const findings: Finding[] = [];
  for (const rule of rules) {
    for (const name of promqlMetricNames(rule.expression)) {
      if (known.some((m) => serves(m, name))) continue;
      const guess = closestMatch(name, allNames);
      if (someUnknown && guess === undefined) continue;
      findings.push({
        problem: `alert rule "${rule.name}": no target of this Prometheus serves the metric "${name}", so the alert could never fire`,
        received: rule.expression,
        fix: guess
          ? `did you mean "${guess}"?`
          : "correct the name, or scrape what serves it: a broker of that kind, or an app with metrics on (its own image's names are not checked)",
      });
    }
  }
  return findings;
}
