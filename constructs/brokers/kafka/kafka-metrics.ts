/**
 * Kafka broker metrics for Prometheus: the JMX exporter java agent that the
 * Kafka image carries, the exporter configuration the constructs give it,
 * and the names of the series it exposes. Free of cdktf: alert rules, tests
 * and apps can import it.
 *
 * The agent is switched on through the image's KAFKA_OPTS, which its start
 * chain passes to every JVM it runs (see {@link kafkaJmxAgentOption}):
 *
 *   KAFKA_OPTS=-javaagent:/opt/jmx-exporter/jmx_prometheus_javaagent.jar=9404:/path/to/config.yaml
 *
 * Every JVM started with that variable in its environment loads the agent
 * and binds the port, `docker exec`'d Kafka tools included: they fail with
 * "Address already in use" while the broker runs. Commands run in the
 * container (health checks, kafka-topics.sh) must clear it: `KAFKA_OPTS= ...`.
 */

/** The port the agent serves `/metrics` on, inside the container. */
export const KAFKA_METRICS_PORT = 9404;

/** Where the Kafka image keeps the agent: off the broker's classpath (`/opt/kafka/libs`). */
export const KAFKA_JMX_EXPORTER_JAR = "/opt/jmx-exporter/jmx_prometheus_javaagent.jar";

/** The JVM option that loads the agent with the config file at `configPath`. */
export function kafkaJmxAgentOption(configPath: string, port: number = KAFKA_METRICS_PORT): string {
  return `-javaagent:${KAFKA_JMX_EXPORTER_JAR}=${port}:${configPath}`;
}

/**
 * The series the exporter config gives, by name. Counters end in `_total`
 * and are for rate()/increase(). Which node has which (seen on Kafka 4.4):
 * `kafka_server_*` all-topics counters on every node (zero on a
 * controller-only node); partitions, ISR and per-topic series only on nodes
 * with the broker role; `kafka_controller_*` only on nodes with the controller
 * role. Topic labels keep the topic's name as it is (`orders.v1`), and
 * include Kafka's internal topics (`__consumer_offsets`) once written to.
 * Besides these the agent always exports the
 * JVM's own metrics (jvm_memory_used_bytes, jvm_gc_collection_seconds, ...,
 * process_cpu_seconds_total, process_resident_memory_bytes) and its own
 * (jmx_scrape_duration_seconds, jmx_scrape_error).
 */
export const KafkaMetricNames = {
  /** Counter: records appended to this broker's partition leaders, all topics (no `topic` label). */
  messagesInTotal: "kafka_server_messages_in_total",
  /** Counter: bytes appended from clients, all topics. */
  bytesInTotal: "kafka_server_bytes_in_total",
  /** Counter: bytes sent to consumers and followers, all topics. */
  bytesOutTotal: "kafka_server_bytes_out_total",
  /** Counter, label `topic`: records appended, per topic (a topic appears after its first record). */
  messagesInPerTopic: "kafka_server_topic_messages_in_total",
  /** Counter, label `topic`: bytes appended from clients, per topic. */
  bytesInPerTopic: "kafka_server_topic_bytes_in_total",
  /** Counter, label `topic`: bytes sent to consumers and followers, per topic. */
  bytesOutPerTopic: "kafka_server_topic_bytes_out_total",
  /** Counter: produce requests, all topics. */
  produceRequestsTotal: "kafka_server_produce_requests_total",
  /** Counter: fetch requests (consumers and followers), all topics. */
  fetchRequestsTotal: "kafka_server_fetch_requests_total",
  /** Counter: produce requests that failed. */
  failedProduceRequestsTotal: "kafka_server_failed_produce_requests_total",
  /** Counter: fetch requests that failed. */
  failedFetchRequestsTotal: "kafka_server_failed_fetch_requests_total",
  /** Gauge: partitions led by this broker with fewer in-sync replicas than replicas. */
  underReplicatedPartitions: "kafka_server_under_replicated_partitions",
  /** Gauge: partitions led by this broker with fewer in-sync replicas than min.insync.replicas. */
  underMinIsrPartitions: "kafka_server_under_min_isr_partitions",
  /** Gauge: partitions (replicas) on this broker. */
  partitions: "kafka_server_partitions",
  /** Gauge: partitions this broker leads. */
  leaderPartitions: "kafka_server_leader_partitions",
  /** Counter: in-sync replica set shrinks on this broker's partitions. */
  isrShrinksTotal: "kafka_server_isr_shrinks_total",
  /** Counter: in-sync replica set expansions on this broker's partitions. */
  isrExpandsTotal: "kafka_server_isr_expands_total",
  /**
   * Gauge, controllers only: partitions without a leader. In KRaft every
   * controller, not only the active one, reports the cluster-wide count from
   * its metadata image: take max(), not sum().
   */
  offlinePartitions: "kafka_controller_offline_partitions",
  /** Gauge, controllers only: 1 on the active controller, 0 on the others; sum() over a cluster is 1. */
  activeControllerCount: "kafka_controller_active_controller_count",
  /**
   * Gauge, labels `request` (Produce, FetchConsumer, FetchFollower) and
   * `quantile` (0.5, 0.99): total request time in milliseconds, over the
   * broker's recent requests (Kafka's own histogram, not a rate). On a
   * controller, FetchFollower is the brokers' metadata long-polls (hundreds
   * of ms by design), not replication.
   */
  requestTotalTimeMs: "kafka_network_request_total_time_ms",
} as const;

type MetricName = (typeof KafkaMetricNames)[keyof typeof KafkaMetricNames];

/** One exporter rule (jmx_exporter's `rules` entry). */
export interface KafkaJmxRule {
  /** Regex over `domain<key=value, ...><>attribute` (unanchored, first match wins). */
  readonly pattern: string;
  readonly name: MetricName;
  readonly type: "COUNTER" | "GAUGE";
  readonly help: string;
  readonly labels?: Readonly<Record<string, string>>;
}

/** The exporter configuration, as data; {@link KAFKA_JMX_EXPORTER_CONFIG} is its YAML. */
export interface KafkaJmxExporterSettings {
  readonly lowercaseOutputName: boolean;
  readonly lowercaseOutputLabelNames: boolean;
  /** JMX ObjectName patterns: the only MBeans the agent reads on a scrape. */
  readonly includeObjectNames: readonly string[];
  readonly rules: readonly KafkaJmxRule[];
}

const N = KafkaMetricNames;
const topicMetric = "kafka\\.server<type=BrokerTopicMetrics, name=";
const meters = [
  // [JMX name, all-topics metric, per-topic metric or undefined, help]
  ["MessagesInPerSec", N.messagesInTotal, N.messagesInPerTopic, "Records appended"],
  ["BytesInPerSec", N.bytesInTotal, N.bytesInPerTopic, "Bytes appended from clients"],
  ["BytesOutPerSec", N.bytesOutTotal, N.bytesOutPerTopic, "Bytes sent to consumers and followers"],
  ["TotalProduceRequestsPerSec", N.produceRequestsTotal, undefined, "Produce requests"],
  ["TotalFetchRequestsPerSec", N.fetchRequestsTotal, undefined, "Fetch requests"],
  ["FailedProduceRequestsPerSec", N.failedProduceRequestsTotal, undefined, "Failed produce requests"],
  ["FailedFetchRequestsPerSec", N.failedFetchRequestsTotal, undefined, "Failed fetch requests"],
] as const;
const replicaGauges = [
  ["UnderReplicatedPartitions", N.underReplicatedPartitions, "Led partitions with fewer in-sync replicas than replicas"],
  ["UnderMinIsrPartitionCount", N.underMinIsrPartitions, "Led partitions with fewer in-sync replicas than min.insync.replicas"],
  ["PartitionCount", N.partitions, "Partitions on this broker"],
  ["LeaderCount", N.leaderPartitions, "Partitions this broker leads"],
] as const;
const replicaMeters = [
  ["IsrShrinksPerSec", N.isrShrinksTotal, "In-sync replica set shrinks"],
  ["IsrExpandsPerSec", N.isrExpandsTotal, "In-sync replica set expansions"],
] as const;
const controllerGauges = [
  ["OfflinePartitionsCount", N.offlinePartitions, "Partitions without a leader (every controller reports the cluster's count)"],
  ["ActiveControllerCount", N.activeControllerCount, "1 on the active controller"],
] as const;
const timedRequests = ["Produce", "FetchConsumer", "FetchFollower"] as const;
const quantiles = [
  ["50", "0.5"],
  ["99", "0.99"],
] as const;

/** The exporter configuration: a whitelist of MBeans and one rule per series. */
export const KAFKA_JMX_EXPORTER_SETTINGS: KafkaJmxExporterSettings = {
  lowercaseOutputName: true,
  lowercaseOutputLabelNames: true,
  includeObjectNames: [
    // `,*`: the all-topics MBean and one per topic; the others are all-topics only.
    ...meters.map(([jmx, , perTopic]) => `kafka.server:type=BrokerTopicMetrics,name=${jmx}${perTopic ? ",*" : ""}`),
    ...[...replicaGauges, ...replicaMeters].map(([jmx]) => `kafka.server:type=ReplicaManager,name=${jmx}`),
    ...controllerGauges.map(([jmx]) => `kafka.controller:type=KafkaController,name=${jmx}`),
    ...timedRequests.map((r) => `kafka.network:type=RequestMetrics,name=TotalTimeMs,request=${r}`),
  ],
  rules: [
    ...meters.flatMap(([jmx, total, perTopic, help]): KafkaJmxRule[] => [
      ...(perTopic
        ? [
            {
              pattern: `${topicMetric}${jmx}, topic=(.+)><>Count`,
              name: perTopic,
              type: "COUNTER" as const,
              help: `${help}, per topic`,
              labels: { topic: "$1" },
            },
          ]
        : []),
      { pattern: `${topicMetric}${jmx}><>Count`, name: total, type: "COUNTER", help: `${help}, all topics` },
    ]),
    ...replicaGauges.map(
      ([jmx, name, help]): KafkaJmxRule => ({
        pattern: `kafka\\.server<type=ReplicaManager, name=${jmx}><>Value`,
        name,
        type: "GAUGE",
        help,
      }),
    ),
    ...replicaMeters.map(
      ([jmx, name, help]): KafkaJmxRule => ({
        pattern: `kafka\\.server<type=ReplicaManager, name=${jmx}><>Count`,
        name,
        type: "COUNTER",
        help,
      }),
    ),
    ...controllerGauges.map(
      ([jmx, name, help]): KafkaJmxRule => ({
        pattern: `kafka\\.controller<type=KafkaController, name=${jmx}><>Value`,
        name,
        type: "GAUGE",
        help,
      }),
    ),
    ...quantiles.map(
      ([pct, quantile]): KafkaJmxRule => ({
        pattern: `kafka\\.network<type=RequestMetrics, name=TotalTimeMs, request=(${timedRequests.join("|")})><>${pct}thPercentile`,
        name: N.requestTotalTimeMs,
        type: "GAUGE",
        help: "Total request time in milliseconds, by request and quantile",
        labels: { request: "$1", quantile },
      }),
    ),
  ],
};

/** YAML of a value built from objects, arrays, strings, numbers and booleans (strings double-quoted). */
function toYaml(value: unknown, indent = ""): string {
  const scalar = (v: unknown) => (typeof v === "string" ? JSON.stringify(v) : String(v));
  const isNode = (v: unknown) => typeof v === "object" && v !== null;
  if (Array.isArray(value)) {
    return value
      .map((item) => (isNode(item) ? `${indent}- ${toYaml(item, indent + "  ").trimStart()}` : `${indent}- ${scalar(item)}\n`))
      .join("");
  }
  return Object.entries(value as Record<string, unknown>)
    .map(([key, v]) =>
      isNode(v) ? `${indent}${key}:\n${toYaml(v, Array.isArray(v) ? indent : indent + "  ")}` : `${indent}${key}: ${scalar(v)}\n`,
    )
    .join("");
}

/** The exporter config file's text (YAML), for the agent's `=PORT:CONFIG` argument. */
export const KAFKA_JMX_EXPORTER_CONFIG: string =
  "# Prometheus JMX exporter: Kafka broker metrics (cdktf-docker-messaging, constructs/brokers/kafka/kafka-metrics.ts)\n" +
  toYaml(KAFKA_JMX_EXPORTER_SETTINGS);
