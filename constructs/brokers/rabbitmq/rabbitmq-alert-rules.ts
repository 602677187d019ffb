import { scrapesFor, type PrometheusAlertRule } from "../../observability/alert-rules";

/**
 * The RabbitMQ kind's default alert rules (see defaultAlertRules), on the
 * metrics of its Prometheus plugin's per-object endpoint: a queue that grows
 * with nobody reading it, and a resource alarm that blocks every publisher.
 */
export function rabbitMqAlertRules(scrapeIntervalSeconds: number): PrometheusAlertRule[] {
  return [
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
      // A memory or disk alarm blocks every publisher of the cluster. Each
      // alarm is compared before `or`: `or` matches series by their labels,
      // not their names, and the two gauges of a node carry the same labels,
      // so `(memory or disk) == 1` kept the memory gauge (0) and dropped the
      // disk one: a disk alarm never fired (seen in the fault suite).
      expression:
        "max by (broker, node) (rabbitmq_alarms_memory_used_watermark) == 1" +
        " or max by (broker, node) (rabbitmq_alarms_free_disk_space_watermark) == 1",
      forSeconds: scrapesFor(scrapeIntervalSeconds, 2, 10),
      severity: "critical",
      summary: "RabbitMQ broker {{ $labels.broker }} node {{ $labels.node }} has a resource alarm: publishers are blocked",
    },
  ];
}
