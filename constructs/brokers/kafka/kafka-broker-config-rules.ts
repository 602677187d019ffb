/**
 * Kafka's own rules for broker properties (the `serverProperties` prop),
 * checked at synth time so a typo or a property the construct owns fails
 * `cdktf synth` instead of the broker at deploy time. Pure tables and
 * functions: no cdktf or constructs imports (the constructs report the
 * findings with their path).
 *
 * The facts are Kafka 4.4.0's (the default image, apache/kafka:4.4.0). They
 * were read in the 4.1.1 sources, then compared with the 4.4.0 jars: the
 * ConfigDefs (names, types, validators, defaults), dumped from both
 * releases and diffed; what 4.2-4.4 added is marked "4.4.0".
 * - broker properties: server/.../server/config/AbstractKafkaConfig.java (CONFIG_DEF,
 *   the merge of ServerConfigs, KRaftConfigs, SocketServerConfigs, ReplicationConfigs,
 *   QuorumConfig, LogConfig.SERVER_CONFIG_DEF, ...) and core/.../kafka/server/KafkaConfig.scala.
 */
import { closestMatch } from "../../errors/did-you-mean";
import type { Finding } from "../../errors/finding";
import { TOPIC_CONFIG_TO_BROKER_NAME } from "./kafka-config-synonyms";
import { KNOWN_SERVER_PREFIXES, KNOWN_SERVER_PROPERTIES } from "./kafka-known-server-properties";
import { lookup } from "./kafka-rule-lookup";
import { TOPIC_CONFIGS } from "./kafka-topic-config-rules";

const LISTENERS_FIX =
  "remove it: the construct declares the INTERNAL (9092), CONTROLLER (9093), REPLICATION (9095) and HOST listeners; use hostPort to publish a listener on the Docker host";
const NODE_FIX =
  "remove it: the construct runs one combined broker+controller KRaft node and sets its id and quorum (more nodes come with the nodes prop in a later version)";
const DIRS_FIX = "remove it: the construct keeps the data and the KRaft metadata log on its data volume";
const SECURITY_FIX =
  "remove it: the construct sets authentication (SASL SCRAM-SHA-512 for apps and the host, PLAIN between nodes) and authorization (StandardAuthorizer, one user and ACLs per wired app); grant access with the topic verbs";
const REPLICATION_FIX =
  "remove it: the construct sizes replication to its node count (the nodes prop, in a later version); set replicationFactor per topic with addTopic";

// Source: Kafka 4.1.1 KRaftConfigs.java, QuorumConfig.java, SocketServerConfigs.java, ReplicationConfigs.java, ServerConfigs.java, ServerLogConfigs.java, KafkaConfig.scala (populateSynonyms, validateValues).
const OWNED: Readonly<Record<string, string>> = {
  // What the construct sets (KafkaBroker.serverProperties).
  "node.id": NODE_FIX,
  "process.roles": NODE_FIX,
  "controller.quorum.voters": NODE_FIX,
  "controller.listener.names": NODE_FIX,
  listeners: LISTENERS_FIX,
  "advertised.listeners": LISTENERS_FIX,
  "listener.security.protocol.map": LISTENERS_FIX,
  "inter.broker.listener.name": LISTENERS_FIX,
  "log.dirs": DIRS_FIX,
  "num.partitions": "use the defaultPartitions prop",
  "auto.create.topics.enable": "use the autoCreateTopics prop",
  "offsets.topic.replication.factor": REPLICATION_FIX,
  "transaction.state.log.replication.factor": REPLICATION_FIX,
  "transaction.state.log.min.isr": REPLICATION_FIX,
  "default.replication.factor": REPLICATION_FIX,
  "min.insync.replicas": "remove it: set min.insync.replicas per topic in addTopic's configs",
  // The same things under other names.
  // broker.id: KafkaConfig.populateSynonyms copies it to node.id; a different value stops the broker.
  "broker.id": NODE_FIX,
  // QuorumConfig: the dynamic-quorum alternative to controller.quorum.voters.
  "controller.quorum.bootstrap.servers": NODE_FIX,
  // ServerLogConfigs: log.dir is the single-directory form of log.dirs.
  "log.dir": DIRS_FIX,
  // KRaftConfigs: where the KRaft metadata log lives (off the volume, the cluster metadata is lost on replace).
  "metadata.log.dir": DIRS_FIX,
  // ReplicationConfigs: together with inter.broker.listener.name the broker refuses to start ("Only one of ... should be set").
  "security.inter.broker.protocol": LISTENERS_FIX,
  // ServerConfigs: names listeners that start before the authorizer.
  "early.start.listeners": LISTENERS_FIX,
  // Authentication and authorization (KafkaBroker.serverProperties): SASL on every listener, StandardAuthorizer, no access without an ACL.
  "authorizer.class.name": SECURITY_FIX,
  "super.users": SECURITY_FIX,
  "allow.everyone.if.no.acl.found": SECURITY_FIX,
  "sasl.enabled.mechanisms": SECURITY_FIX,
  "sasl.mechanism.inter.broker.protocol": SECURITY_FIX,
  "sasl.mechanism.controller.protocol": SECURITY_FIX,
  "sasl.jaas.config": SECURITY_FIX,
};

/** Broker properties the construct sets itself, or that set the same things under other names. */
export const KAFKA_OWNED_PROPERTIES: ReadonlySet<string> = new Set(Object.keys(OWNED));

/** Owned families of properties: per-listener overrides (ListenerName.configPrefix: `listener.name.<listener>.`). */
const OWNED_PREFIXES: readonly (readonly [string, string])[] = [
  ["listener.name.", LISTENERS_FIX],
  // The brokers' key and trust stores (the tls prop).
  ["ssl.keystore.", SECURITY_FIX],
  ["ssl.truststore.", SECURITY_FIX],
  ["ssl.key.", SECURITY_FIX],
  ["ssl.client.auth", SECURITY_FIX],
];

/** True when the construct owns the property (exact name or owned family). */
export function isOwnedServerProperty(key: string): boolean {
  return ownedFix(key) !== undefined;
}

function ownedFix(key: string): string | undefined {
  return lookup(OWNED, key) ?? OWNED_PREFIXES.find(([prefix]) => key.startsWith(prefix))?.[1];
}

// Source: Kafka 4.4.0, 4.1.1 and 4.0.0 AbstractKafkaConfig.CONFIG_DEF no longer define these; docs/upgrade.html (4.0.0), commit b5666d9 (3.0).
const REMOVED_SERVER_PROPERTIES: Readonly<Record<string, { why: string; fix: string }>> = {
  "host.name": { why: "was removed in Kafka 3.0", fix: LISTENERS_FIX },
  port: { why: "was removed in Kafka 3.0", fix: LISTENERS_FIX },
  "advertised.host.name": { why: "was removed in Kafka 3.0", fix: LISTENERS_FIX },
  "advertised.port": { why: "was removed in Kafka 3.0", fix: LISTENERS_FIX },
  "control.plane.listener.name": { why: "was removed in Kafka 4.0 (ZooKeeper mode only)", fix: LISTENERS_FIX },
  "inter.broker.protocol.version": {
    why: "was removed in Kafka 4.0",
    fix: "remove it: KRaft clusters use metadata.version (kafka-features.sh upgrade)",
  },
  "log.message.format.version": { why: "was removed in Kafka 4.0", fix: "remove it: brokers write record format v2 only" },
  "log.message.downconversion.enable": { why: "was removed in Kafka 4.0", fix: "remove it: brokers no longer down-convert records" },
  "log.message.timestamp.difference.max.ms": {
    why: "was removed in Kafka 4.0 (KIP-937)",
    fix: "use log.message.timestamp.before.max.ms and log.message.timestamp.after.max.ms",
  },
  "delegation.token.master.key": { why: "was removed in Kafka 4.0", fix: "use delegation.token.secret.key" },
  "offsets.commit.required.acks": { why: "was removed in Kafka 4.0 (KIP-1041)", fix: "remove it" },
  "broker.id.generation.enable": { why: "was removed in Kafka 4.0 (ZooKeeper mode only)", fix: NODE_FIX },
  "reserved.broker.max.id": { why: "was removed in Kafka 4.0 (ZooKeeper mode only)", fix: NODE_FIX },
  "quota.consumer.default": { why: "was removed in Kafka 4.0", fix: "set client quotas with kafka-configs.sh --entity-type clients" },
  "quota.producer.default": { why: "was removed in Kafka 4.0", fix: "set client quotas with kafka-configs.sh --entity-type clients" },
  // In 4.1.1's CONFIG_DEF (internal), gone from 4.4.0's: a 4.4.0 cluster starts with share.version 2 (share groups on).
  "group.share.enable": {
    why: "is not a broker property of Kafka 4.4 (share groups are a cluster feature now)",
    fix: "remove it: share groups are on by default; kafka-features.sh turns the share.version feature up or down",
  },
};

/** Removed families: ZooKeeper mode (4.0 is KRaft only) and its password encoder. */
const REMOVED_SERVER_PREFIXES: readonly (readonly [string, { why: string; fix: string }])[] = [
  ["zookeeper.", { why: "belongs to ZooKeeper mode, removed in Kafka 4.0", fix: "remove it: the construct runs Kafka in KRaft mode" }],
  ["password.encoder.", { why: "belongs to ZooKeeper mode, removed in Kafka 4.0", fix: "remove it" }],
];

/** Names that look like broker properties but are set elsewhere. */
const NOT_SERVER_PROPERTIES: Readonly<Record<string, string>> = {
  // The cluster id is written by `kafka-storage.sh format`, not read from server.properties.
  "cluster.id": "use the clusterId prop",
};

const PROPERTY_NAME = /^[a-z0-9][a-z0-9._-]*$/;

/**
 * The findings for a broker's extra properties (`serverProperties`): names
 * that are not property names, values that are not string/number/boolean,
 * properties the construct owns, properties Kafka 4.x removed, topic configs
 * given as broker properties, and unknown names close to a known one (a typo:
 * Kafka would only log and ignore them). Other unknown names are accepted,
 * since plugins (authorizers, reporters, remote storage) add their own.
 */
export function checkServerProperties(properties: Record<string, unknown>): Finding[] {
  const findings: Finding[] = [];
  for (const [key, value] of Object.entries(properties)) {
    const add = (problem: string, received: unknown, fix: string) =>
      findings.push({ problem: `server property "${key}" ${problem}`, received, fix });
    if (!PROPERTY_NAME.test(key)) {
      add("is not a Kafka property name", key, 'use lower-case letters and digits joined by ".", "_" or "-", e.g. "log.retention.hours"');
      continue;
    }
    if (!(typeof value === "string" || typeof value === "boolean" || (typeof value === "number" && Number.isFinite(value)))) {
      add("must be a string, number or boolean", value, "give the value as it would be written in server.properties");
      continue;
    }
    const owned = ownedFix(key);
    if (owned !== undefined) {
      add("is set by the construct", key, owned);
      continue;
    }
    const removed = lookup(REMOVED_SERVER_PROPERTIES, key) ?? REMOVED_SERVER_PREFIXES.find(([prefix]) => key.startsWith(prefix))?.[1];
    if (removed !== undefined) {
      add(removed.why, key, removed.fix);
      continue;
    }
    const elsewhere = lookup(NOT_SERVER_PROPERTIES, key);
    if (elsewhere !== undefined) {
      add("is not a broker property", key, elsewhere);
      continue;
    }
    if (KNOWN_SERVER_PROPERTIES.has(key) || KNOWN_SERVER_PREFIXES.some((prefix) => key.startsWith(prefix))) continue;
    const brokerName = lookup(TOPIC_CONFIG_TO_BROKER_NAME, key);
    if (brokerName !== undefined || lookup(TOPIC_CONFIGS, key) !== undefined) {
      const fix = brokerName !== undefined ? `use "${brokerName}" for the default of all topics, or` : "";
      add("is a topic config, not a broker property", key, `${fix} set it per topic in addTopic's configs`.trim());
      continue;
    }
    const match = closestMatch(key, KNOWN_SERVER_PROPERTIES);
    if (match !== undefined) {
      const matchOwned = ownedFix(match);
      add(
        "is not a broker property of Kafka 4.x",
        key,
        matchOwned !== undefined
          ? `did you mean "${match}"? The construct sets that one, so ${matchOwned}`
          : `did you mean "${match}"? Kafka only logs and ignores unknown properties`,
      );
    }
  }
  return findings;
}
