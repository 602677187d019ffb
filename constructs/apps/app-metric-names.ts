/**
 * The names of the metrics the apps in `apps/` serve at /metrics: the
 * contract between the apps (apps/shared/metrics.ts) and what reads them
 * (the Prometheus construct's alert rules, dashboards, the e2e queries). Free
 * of cdktf: it is bundled into the apps, so the two sides cannot drift.
 */
export const AppMetricNames = {
  /** A gauge: 1 while the app holds a working broker connection, else 0. */
  brokerConnected: "messaging_app_broker_connected",
  /** A gauge, producers only: 1 while the broker blocks the producer's publishes (a RabbitMQ memory or disk alarm), else 0. */
  publishingBlocked: "messaging_app_publishing_blocked",
  /** Publishes (sends) of messages, re-sends included. */
  sent: "messaging_app_messages_sent_total",
  /** Distinct messages the broker confirmed. */
  confirmed: "messaging_app_messages_confirmed_total",
  /** Messages sent again after a broker refusal (nack, unroutable return, failed send) or a lost connection. */
  resent: "messaging_app_messages_resent_total",
  /** Deliveries handed to the app, redeliveries included. */
  received: "messaging_app_messages_received_total",
  /** Messages processed and acknowledged (RabbitMQ: acked; Kafka: offset resolved for commit). */
  acked: "messaging_app_messages_acked_total",
  /** Deliveries that were a second or later attempt of a message. */
  redelivered: "messaging_app_messages_redelivered_total",
  /** Messages given up on as poison (RabbitMQ: rejected to the dead-letter exchange; Kafka: skipped). */
  deadLettered: "messaging_app_messages_dead_lettered_total",
  /** Processed messages that had been processed before (the same producer and seq, within the last 262,144 of each producer's sequence numbers). */
  duplicates: "messaging_app_messages_duplicates_total",
  /** A histogram: `_bucket`, `_sum` and `_count` series. */
  endToEndLatency: "messaging_app_end_to_end_latency_seconds",
  /** kafka-consumer only, labels `topic` and `partition`. */
  consumerLag: "messaging_app_consumer_lag_messages",
} as const;
