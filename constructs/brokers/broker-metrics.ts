/**
 * A broker's Prometheus metrics: the `metrics` prop checked against the
 * kind and the broker's other host ports, each node's published metrics
 * port, and every node's scrape targets.
 */
import type { Construct } from "constructs";
import { report } from "../errors/problems";
import type { PublishedPort } from "../private/container-spec";
import { resolveBrokerMetrics, ScrapeLabels, type BrokerMetricsOptions, type ScrapeTarget } from "../observability/metrics";
import type { BrokerBase } from "./broker-base";
import type { BrokerKindDescription } from "./broker-kind";
import type { BrokerNode } from "./broker-naming";
import { checkMetricsHostPort, checkPortRange } from "./broker-ports";

/** The `metrics` prop as the base keeps it. */
export interface BrokerMetricsSettings {
  /** Whether the nodes serve metrics. */
  readonly enabled: boolean;
  /** The host port node 1's metrics are published on (node i: + i - 1), when published. */
  readonly hostPort?: number;
}

/** The `metrics` prop, checked: off for a kind that serves none. */
export function resolveMetricsSettings(
  scope: Construct,
  metricsProp: BrokerMetricsOptions | undefined,
  count: number,
  description: BrokerKindDescription,
): BrokerMetricsSettings {
  const metrics = description.metrics ? resolveBrokerMetrics(scope, metricsProp) : { enabled: false };
  if (!description.metrics && metricsProp !== undefined) {
    report(scope, `metrics: the ${description.kind} broker kind serves no metrics`, metricsProp, "remove metrics");
  }
  // A metrics host port that collides is reported and left out (one report, not a second from UniqueHostPorts).
  const metricsHostPortOk =
    metrics.hostPort === undefined ||
    (checkPortRange(scope, "metrics.hostPort", metrics.hostPort, count) &&
      checkMetricsHostPort(scope, metrics.hostPort, count, description.publishedHostPorts ?? {}));
  return metricsHostPortOk ? metrics : { enabled: metrics.enabled };
}

/** The metrics port `node` publishes on the host, when metrics are on and published. */
export function nodeMetricsPorts(
  node: BrokerNode,
  settings: BrokerMetricsSettings,
  description: BrokerKindDescription["metrics"],
): PublishedPort[] {
  return description && settings.enabled && settings.hostPort !== undefined
    ? [{ containerPort: description.port, hostPort: node.hostPort(settings.hostPort) }]
    : [];
}

/** Every node's metrics endpoints, for a `Prometheus` of the stack (BrokerBase.metricsTargets). */
export function brokerScrapeTargets(
  broker: Pick<BrokerBase, "nodes" | "kind" | "brokerName" | "network">,
  description: NonNullable<BrokerKindDescription["metrics"]>,
): ScrapeTarget[] {
  return broker.nodes.flatMap((node) =>
    description.endpoints.map(
      (endpoint): ScrapeTarget => ({
        job: endpoint.job,
        address: `${node.name}:${description.port}`,
        metricsPath: endpoint.path,
        ...(endpoint.params ? { params: endpoint.params } : {}),
        labels: {
          [ScrapeLabels.component]: "broker",
          [ScrapeLabels.kind]: broker.kind,
          [ScrapeLabels.broker]: broker.brokerName,
          [ScrapeLabels.node]: String(node.index),
        },
        network: broker.network,
        servedMetrics: description.served,
      }),
    ),
  );
}
