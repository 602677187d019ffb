import { AppMetricNames } from "../apps/app-metric-names";
import { KafkaMetricNames } from "../brokers/kafka/kafka-metrics";

/** One Prometheus alerting rule. */
export interface PrometheusAlertRule {
  /** The alert's name: letters, digits and '_', not starting with a digit (e.g. `OrdersBacklog`). */
  readonly name: string;
  /** The PromQL expression; the alert is pending while it returns series. */
  readonly expression: string;
  /**
   * Seconds the expression must hold before the alert fires.
   * @default 0 - fires on the first evaluation that returns series
   */
  readonly forSeconds?: number;
  /**
   * The `severity` label.
   * @default "warning"
   */
  readonly severity?: "warning" | "critical";
  /** One line for a person: what is wrong (may use `{{ $labels.x }}`). */
  readonly summary: string;
}

/**
 * The alerts a messaging operator wants, on the metrics the brokers'
 * exporters and the apps serve (series carry the scrape labels `component`,
 * `kind`, `broker`, `node`, `app`: see ScrapeLabels). `for` durations scale
 * with the scrape interval so that one missed scrape never fires one.
 */
export function defaultAlertRules(scrapeIntervalSeconds: number): PrometheusAlertRule[] {
  const scrapes = (n: number, atLeast: number) => Math.max(n * scrapeIntervalSeconds, atLeast);
  return [
    {
      name: "MessagingBrokerNodeDown",
      expression: 'up{component="broker"} == 0',
      // Three missed scrapes: a node restarting under `restart: unless-stopped` is back by then.
      forSeconds: scrapes(3, 15),
      severity: "critical",
      summary: "{{ $labels.kind }} broker {{ $labels.broker }} node {{ $labels.node }} ({{ $labels.instance }}) is down",
    },
    {
      name: "MessagingAppDown",
      expression: 'up{component="app"} == 0',
      forSeconds: scrapes(6, 60),
      severity: "warning",
      summary: "app {{ $labels.app }} ({{ $labels.instance }}) serves no metrics: it is down or restarting",
    },
    {
      name: "RabbitMqQueueGrowingWithoutConsumers",
      // Per queue, over its members on every node: messages ready, rising, and no consumer anywhere.
      expression:
        "max by (broker, vhost, queue) (rabbitmq_detailed_queue_messages_ready) > 0" +
        " and max by (broker, vhost, queue) (delta(rabbitmq_detailed_queue_messages_ready[5m])) > 0" +
        " and max by (broker, vhost, queue) (rabbitmq_detailed_queue_consumers) == 0",
      forSeconds: 300,
      severity: "warning",
      summary: "queue {{ $labels.queue }} of RabbitMQ broker {{ $labels.broker }} grows and has no consumer",
    },
    {
      name: "RabbitMqResourceAlarm",
      // A memory or disk alarm blocks every publisher of the node.
      expression: "max by (broker, node) (rabbitmq_alarms_memory_used_watermark or rabbitmq_alarms_free_disk_space_watermark) == 1",
      forSeconds: scrapes(2, 10),
      severity: "critical",
      summary: "RabbitMQ broker {{ $labels.broker }} node {{ $labels.node }} has a resource alarm: publishers are blocked",
    },
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
      forSeconds: scrapes(12, 60),
      severity: "warning",
      summary: "Kafka broker {{ $labels.broker }} node {{ $labels.node }} leads {{ $value }} under-replicated partitions",
    },
    {
      name: "KafkaOfflinePartitions",
      expression: `max by (broker) (${KafkaMetricNames.offlinePartitions}) > 0`,
      forSeconds: scrapes(2, 10),
      severity: "critical",
      summary: "Kafka broker {{ $labels.broker }} has {{ $value }} partitions without a leader",
    },
    {
      name: "MessagingMessagesDeadLettered",
      expression: `sum by (app) (increase(${AppMetricNames.deadLettered}[5m])) > 0`,
      severity: "warning",
      summary: "consumer {{ $labels.app }} dead-lettered {{ $value }} messages in 5 minutes",
    },
  ];
}

/** The rules file as JSON (read as YAML by Prometheus): one group. */
export function renderAlertRules(rules: readonly PrometheusAlertRule[]): string {
  return JSON.stringify({
    groups: [
      {
        name: "cdktf-docker-messaging",
        rules: rules.map((r) => ({
          alert: r.name,
          expr: r.expression,
          ...(r.forSeconds ? { for: `${r.forSeconds}s` } : {}),
          labels: { severity: r.severity ?? "warning" },
          annotations: { summary: r.summary },
        })),
      },
    ],
  });
}
