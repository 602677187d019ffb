/**
 * The names of the metrics the apps in `apps/` serve at /metrics: the
 * contract between the apps (apps/shared/metrics.ts) and what reads them
 * (the Prometheus construct's alert rules, dashboards, the e2e queries). Free
 * of cdktf: it is bundled into the apps, so the two sides cannot drift.
 */
export const AppMetricNames = {
  brokerConnected: "messaging_app_broker_connected",
  sent: "messaging_app_messages_sent_total",
  confirmed: "messaging_app_messages_confirmed_total",
  resent: "messaging_app_messages_resent_total",
  received: "messaging_app_messages_received_total",
  acked: "messaging_app_messages_acked_total",
  redelivered: "messaging_app_messages_redelivered_total",
  deadLettered: "messaging_app_messages_dead_lettered_total",
  duplicates: "messaging_app_messages_duplicates_total",
  /** A histogram: `_bucket`, `_sum` and `_count` series. */
  endToEndLatency: "messaging_app_end_to_end_latency_seconds",
  /** kafka-consumer only, labels `topic` and `partition`. */
  consumerLag: "messaging_app_consumer_lag_messages",
} as const;
