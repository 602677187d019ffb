import type { IConstruct } from "constructs";
import { didYouMean } from "../../errors/did-you-mean";
import { report, reportFindings } from "../../errors/problems";
import { checkBoolean, checkInteger, checkKnownKeys, checkPort, isToken } from "../../private/validation";
import type { KafkaBrokerProps, KafkaTopicOptions } from "./kafka-broker";
import { kafkaEnvName } from "./kafka-env";
import { checkServerProperties } from "./kafka-broker-config-rules";
import { checkTopicConfigs } from "./kafka-topic-config-rules";
import { topicMetricName } from "./kafka-topic-name-rules";

/**
 * The broker's heap is half the memory limit. Below 512 MiB the heap falls
 * under 256 MiB (kafka-server-start.sh's own default is 1 GiB) while
 * metaspace, direct buffers and thread stacks still take ~200 MiB: the
 * broker stalls in GC or the container is OOM-killed.
 */
export const KAFKA_MIN_MEMORY_MB = 512;

/**
 * Variables kafka-run-class.sh / kafka-server-start.sh read (JVM settings):
 * a property whose KAFKA_* name is one of these would be taken as one.
 */
const SCRIPT_ENV = [
  "KAFKA_HEAP_OPTS",
  "KAFKA_JVM_PERFORMANCE_OPTS",
  "KAFKA_OPTS",
  "KAFKA_GC_LOG_OPTS",
  "KAFKA_LOG4J_OPTS",
  "KAFKA_JMX_OPTS",
  "KAFKA_DEBUG",
  "KAFKA_LOG_DIR",
];

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;
const CLUSTER_ID = /^[A-Za-z0-9_-]{22}$/;
const TOPIC_OPTIONS: Record<keyof KafkaTopicOptions, true> = { partitions: true, replicationFactor: true, configs: true };

/** Kafka's own rules of KafkaBrokerProps (the shared ones are in BrokerBase). */
export function validateKafkaProps(scope: IConstruct, props: KafkaBrokerProps): void {
  checkPort(scope, "hostPort", props.hostPort);
  checkInteger(scope, "defaultPartitions", props.defaultPartitions, 1, "use 1 or more partitions", 100_000);
  checkBoolean(scope, "autoCreateTopics", props.autoCreateTopics);
  if (props.clusterId !== undefined && !isToken(props.clusterId)) {
    const ok =
      typeof props.clusterId === "string" &&
      CLUSTER_ID.test(props.clusterId) &&
      Buffer.from(props.clusterId, "base64url").toString("base64url") === props.clusterId;
    if (!ok) {
      report(
        scope,
        "clusterId is not a Kafka cluster id (22 base64url characters encoding 16 bytes)",
        props.clusterId,
        "generate one with `kafka-storage.sh random-uuid`, or omit clusterId to derive a stable one",
      );
    }
  }
  if (props.serverProperties !== undefined) {
    if (props.serverProperties === null || typeof props.serverProperties !== "object" || Array.isArray(props.serverProperties)) {
      report(
        scope,
        "serverProperties must be an object of property names to values",
        props.serverProperties,
        'pass e.g. { "log.retention.hours": 24 }',
      );
    } else {
      reportFindings(scope, checkServerProperties(props.serverProperties));
      for (const key of Object.keys(props.serverProperties)) {
        const env = kafkaEnvName(key);
        if (SCRIPT_ENV.includes(env)) {
          report(
            scope,
            `serverProperties "${key}" would become ${env}, which Kafka's start scripts read as JVM settings, not a broker property`,
            key,
            env === "KAFKA_HEAP_OPTS" ? "remove it: the heap is half of memoryMb" : "remove it; JVM options are not broker properties",
          );
        }
      }
    }
  }
}

/** The rules of one topic, checked by addTopic: name, duplicates and metric-name clashes, counts, configs. */
export function validateTopic(
  scope: IConstruct,
  name: string,
  options: KafkaTopicOptions,
  declared: readonly string[],
  cluster: { nodeCount: number; replicationFactor: number; minInsyncReplicas: number; remoteLogStorageSystemEnabled: boolean },
): boolean {
  const { nodeCount, remoteLogStorageSystemEnabled } = cluster;
  if (typeof name !== "string" || !TOPIC_NAME.test(name) || name === "." || name === "..") {
    report(scope, "invalid topic name", name, "use 1-249 characters from [a-zA-Z0-9._-] (not '.' or '..')");
    return false;
  }
  if (name.startsWith("__")) {
    report(
      scope,
      `topic "${name}": names starting with "__" are Kafka's internal topics`,
      name,
      "choose a name that does not start with two underscores",
    );
  }
  if (declared.includes(name)) {
    report(scope, "topic declared twice", name, "declare each topic once (addTopic) and reuse the handle it returns");
    return false;
  }
  const clash = declared.find((t) => topicMetricName(t) === topicMetricName(name));
  if (clash !== undefined) {
    report(
      scope,
      `topic "${name}" collides with topic "${clash}": Kafka's metrics name both "${topicMetricName(name)}" ('.' and '_' are the same there), and Kafka refuses the second`,
      name,
      "use either '.' or '_' in topic names, not both for the same name",
    );
  }
  if (!checkKnownKeys(scope, `topic "${name}" options`, options, TOPIC_OPTIONS)) return false;
  checkInteger(scope, `topic "${name}": partitions`, options.partitions, 1, "use 1 or more partitions", 100_000);
  // A refused replication factor (out of range, or a deploy-time token) is not reasoned about further.
  const ownReplicationFactor = checkInteger(
    scope,
    `topic "${name}": replicationFactor`,
    options.replicationFactor,
    1,
    "use a replication factor of 1 or more",
    32767,
  )
    ? options.replicationFactor
    : undefined;
  if (typeof ownReplicationFactor === "number" && ownReplicationFactor > nodeCount) {
    report(
      scope,
      `topic "${name}": replicationFactor is above the broker's node count (${nodeCount})`,
      options.replicationFactor,
      `use a replication factor <= ${nodeCount}`,
    );
  }
  if (options.configs !== undefined) {
    if (options.configs === null || typeof options.configs !== "object" || Array.isArray(options.configs)) {
      report(scope, `topic "${name}": configs must be an object`, options.configs, 'pass e.g. { "retention.ms": 86400000 }');
    } else {
      reportFindings(
        scope,
        checkTopicConfigs(name, options.configs, {
          replicationFactor: ownReplicationFactor ?? cluster.replicationFactor,
          remoteLogStorageSystemEnabled,
        }),
      );
    }
  }
  // The broker's min.insync.replicas applies to a topic that does not set its
  // own (a topic's own value above its replication factor is the rule table's).
  const replicationFactor = typeof ownReplicationFactor === "number" ? ownReplicationFactor : cluster.replicationFactor;
  const ownMinInsync =
    options.configs && typeof options.configs === "object"
      ? (options.configs as Record<string, unknown>)["min.insync.replicas"]
      : undefined;
  if (ownMinInsync === undefined && replicationFactor < cluster.minInsyncReplicas) {
    report(
      scope,
      `topic "${name}": replicationFactor ${replicationFactor} is below the broker's min.insync.replicas (${cluster.minInsyncReplicas}), so every acks=all write would fail with NotEnoughReplicas`,
      replicationFactor,
      `use a replication factor >= ${cluster.minInsyncReplicas} (the default is ${cluster.replicationFactor}), or set the topic's "min.insync.replicas" config`,
    );
  }
  return true;
}

/** A did-you-mean fix for an undeclared topic. */
export function undeclaredTopicFix(topic: string, declared: Iterable<string>): string {
  return `${didYouMean(topic, declared)}declare it with addTopic("${topic}") if it is new (topics are not auto-created)`;
}
