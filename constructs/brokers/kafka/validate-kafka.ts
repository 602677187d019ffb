import type { IConstruct } from "constructs";
import { checkDockerName, checkInteger, checkPort, isToken, reject } from "../../private/validation";
import type { KafkaBrokerProps, KafkaTopicOptions } from "./kafka-broker";

/**
 * The broker's heap is half the memory limit. Below 512 MiB the heap falls
 * under 256 MiB (kafka-server-start.sh's own default is 1 GiB) while
 * metaspace, direct buffers and thread stacks still take ~200 MiB: the
 * broker stalls in GC or the container is OOM-killed.
 */
export const KAFKA_MIN_MEMORY_MB = 512;

/** Properties the construct sets itself: a serverProperties entry may not override them. */
export const MANAGED_PROPERTIES = new Set([
  "node.id",
  "process.roles",
  "controller.quorum.voters",
  "controller.listener.names",
  "listeners",
  "advertised.listeners",
  "listener.security.protocol.map",
  "inter.broker.listener.name",
  "log.dirs",
  "num.partitions",
  "auto.create.topics.enable",
  "offsets.topic.replication.factor",
  "transaction.state.log.replication.factor",
  "transaction.state.log.min.isr",
  "default.replication.factor",
  "min.insync.replicas",
]);

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;
const PROPERTY_NAME = /^[a-z0-9][a-z0-9._-]*$/;
const CLUSTER_ID = /^[A-Za-z0-9_-]{22}$/;

/** The rules of KafkaBroker's props, checked in its constructor. */
export function validateKafkaProps(scope: IConstruct, name: string, props: KafkaBrokerProps): void {
  checkDockerName(scope, "name", name);
  checkInteger(
    scope,
    "memoryMb",
    props.memoryMb,
    KAFKA_MIN_MEMORY_MB,
    `give Kafka at least ${KAFKA_MIN_MEMORY_MB} MiB: the heap is half the limit and needs 256 MiB, the JVM's other memory ~200 MiB`,
  );
  checkPort(scope, "hostPort", props.hostPort);
  checkInteger(scope, "defaultPartitions", props.defaultPartitions, 1, "use 1 or more partitions");
  checkInteger(scope, "startTimeoutSeconds", props.startTimeoutSeconds, 1, "use 1 or more seconds");
  checkInteger(scope, "stopGracePeriodSeconds", props.stopGracePeriodSeconds, 0, "use 0 or more seconds (30 lets Kafka flush and stop cleanly)");
  if (props.clusterId !== undefined && !isToken(props.clusterId)) {
    const ok = CLUSTER_ID.test(props.clusterId) && Buffer.from(props.clusterId, "base64url").toString("base64url") === props.clusterId;
    if (!ok) {
      reject(
        scope,
        "clusterId is not a Kafka cluster id (22 base64url characters encoding 16 bytes)",
        props.clusterId,
        "generate one with `kafka-storage.sh random-uuid`, or omit clusterId to derive a stable one",
      );
    }
  }
  for (const key of Object.keys(props.serverProperties ?? {})) {
    if (!PROPERTY_NAME.test(key)) {
      reject(scope, "serverProperties has an invalid property name", key, 'use a Kafka property name such as "log.retention.hours"');
    }
    if (MANAGED_PROPERTIES.has(key)) {
      reject(scope, `serverProperties sets ${key}, which the construct manages`, key, "remove it; use the construct's props (hostPort, defaultPartitions, autoCreateTopics) instead");
    }
  }
  if (props.dataRemovalPolicy !== undefined && props.dataRemovalPolicy !== "retain" && props.dataRemovalPolicy !== "destroy") {
    reject(scope, "dataRemovalPolicy is unknown", props.dataRemovalPolicy, 'use "retain" or "destroy"');
  }
}

/** The rules of one topic, checked by addTopic. */
export function validateTopic(
  scope: IConstruct,
  name: string,
  options: KafkaTopicOptions,
  declared: ReadonlySet<string>,
  nodeCount: number,
): void {
  if (typeof name !== "string" || !TOPIC_NAME.test(name) || name === "." || name === "..") {
    reject(scope, "invalid topic name", name, "use 1-249 characters from [a-zA-Z0-9._-] (not '.' or '..')");
  }
  if (declared.has(name)) {
    reject(scope, "topic declared twice", name, "declare each topic once (addTopic)");
  }
  checkInteger(scope, `topic "${name}": partitions`, options.partitions, 1, "use 1 or more partitions");
  checkInteger(scope, `topic "${name}": replicationFactor`, options.replicationFactor, 1, "use a replication factor of 1 or more");
  if (options.replicationFactor !== undefined && options.replicationFactor > nodeCount) {
    reject(
      scope,
      `topic "${name}": replicationFactor is above the broker's node count (${nodeCount})`,
      options.replicationFactor,
      `use a replication factor <= ${nodeCount}`,
    );
  }
  for (const [key, value] of Object.entries(options.configs ?? {})) {
    if (!PROPERTY_NAME.test(key)) {
      reject(scope, `topic "${name}": invalid config name`, key, 'use a topic config name such as "retention.ms"');
    }
    if (key === "min.insync.replicas" && Number(value) > (options.replicationFactor ?? 1)) {
      reject(scope, `topic "${name}": min.insync.replicas is above the replication factor`, value, "use a value <= replicationFactor, or producers with acks=all always fail");
    }
  }
}
