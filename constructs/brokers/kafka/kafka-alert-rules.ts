import { AppMetricNames } from "../../apps/app-metric-names";
import { scrapesFor, type PrometheusAlertRule } from "../../observability/alert-rules";
import { KafkaMetricNames } from "./kafka-metrics";

/**
 * The Kafka kind's default alert rules (see defaultAlertRules): consumers
 * falling behind (the lag the shipped consumer app reports), partitions
 * without all their replicas in sync, and partitions without a leader.
 */
export function kafkaAlertRules(scrapeIntervalSeconds: number): PrometheusAlertRule[] {
  return [
    {
      name: "KafkaConsumerLagGrowing",
      // The lag the consumer apps report, summed over partitions, rising for 5 minutes.
      expression:
        `sum by (app, topic) (${AppMetricNames.consumerLag}) > 100` +
        ` and deriv(sum by (app, topic) (${AppMetricNames.consumerLag})[5m:]) > 0`,
      forSeconds: 300,
      severity: "warning",
      summary: "consumer {{ $labels.app }} falls behind on topic {{ $labels.topic }} (lag {{ $value }})",
    },
    {
      name: "KafkaUnderReplicatedPartitions",
      expression: `max by (broker, node) (${KafkaMetricNames.underReplicatedPartitions}) > 0`,
      forSeconds: scrapesFor(scrapeIntervalSeconds, 12, 60),
      severity: "warning",
      summary: "Kafka broker {{ $labels.broker }} node {{ $labels.node }} leads {{ $value }} under-replicated partitions",
    },
    {
      name: "KafkaOfflinePartitions",
      expression: `max by (broker) (${KafkaMetricNames.offlinePartitions}) > 0`,
      forSeconds: scrapesFor(scrapeIntervalSeconds, 2, 10),
      severity: "critical",
      summary: "Kafka broker {{ $labels.broker }} has {{ $value }} partitions without a leader",
    },
  ];
}
