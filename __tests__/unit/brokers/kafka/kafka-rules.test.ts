/**
 * Kafka's rules for topic configs and broker properties (kafka-rules.ts), with
 * no cdktf: each "rejects" case asserts the exact problem found, each
 * "accepts" case a value Kafka 4.x takes although it looks suspicious.
 */
import {
  KAFKA_OWNED_PROPERTIES,
  checkServerProperties,
  isOwnedServerProperty,
} from "../../../../constructs/brokers/kafka/kafka-broker-config-rules";
import { checkTopicConfigs } from "../../../../constructs/brokers/kafka/kafka-topic-config-rules";
import { topicMetricName } from "../../../../constructs/brokers/kafka/kafka-topic-name-rules";

type Configs = Record<string, unknown>;
interface Context {
  replicationFactor: number;
  remoteLogStorageSystemEnabled?: boolean;
}

const RF1: Context = { replicationFactor: 1 };
const RF3: Context = { replicationFactor: 3 };
/** A broker with tiered storage (remote.log.storage.system.enable=true). */
const TIERED: Context = { replicationFactor: 1, remoteLogStorageSystemEnabled: true };

const problems = (configs: Configs, context: Context = RF1) => checkTopicConfigs("t", configs, context).map((f) => f.problem);
const serverProblems = (properties: Configs) => checkServerProperties(properties).map((f) => f.problem);

describe("checkTopicConfigs", () => {
  const rejects: [string, Configs, Context, string][] = [
    // Names
    ["a misspelt config", { "retntion.ms": 1000 }, RF1, 'topic "t": config "retntion.ms" is not a topic config of Kafka 4.x'],
    [
      "a config name in the wrong case",
      { "Cleanup.policy": "compact" },
      RF1,
      'topic "t": config "Cleanup.policy" is not a topic config of Kafka 4.x',
    ],
    ["a made-up config", { "retention.days": 7 }, RF1, 'topic "t": config "retention.days" is not a topic config of Kafka 4.x'],
    ["a key named after Object.prototype", { constructor: 1 }, RF1, 'topic "t": config "constructor" is not a topic config of Kafka 4.x'],
    ["the broker's log.retention.hours", { "log.retention.hours": 24 }, RF1, 'topic "t": log.retention.hours is not a topic config'],
    ["retention in hours", { "retention.hours": 24 }, RF1, 'topic "t": retention.hours is not a topic config'],
    ["the broker's message.max.bytes", { "message.max.bytes": 2097152 }, RF1, 'topic "t": message.max.bytes is not a topic config'],
    ["the broker's log.cleanup.policy", { "log.cleanup.policy": "compact" }, RF1, 'topic "t": log.cleanup.policy is not a topic config'],
    ["the broker's log.segment.bytes", { "log.segment.bytes": 1073741824 }, RF1, 'topic "t": log.segment.bytes is not a topic config'],
    [
      "the broker's log.remote.copy.lag.ms (4.4.0)",
      { "log.remote.copy.lag.ms": 0 },
      RF1,
      'topic "t": log.remote.copy.lag.ms is not a topic config',
    ],
    [
      "message.downconversion.enable (removed in 4.0)",
      { "message.downconversion.enable": true },
      RF1,
      'topic "t": message.downconversion.enable was removed in Kafka 4.0 (brokers no longer down-convert records); the broker refuses it as an unknown topic config',
    ],
    [
      "message.format.version (removed in 4.0)",
      { "message.format.version": "3.0" },
      RF1,
      'topic "t": message.format.version was removed in Kafka 4.0 (brokers write record format v2 only)',
    ],
    [
      "message.timestamp.difference.max.ms (removed in 4.0)",
      { "message.timestamp.difference.max.ms": 60000 },
      RF1,
      'topic "t": message.timestamp.difference.max.ms was removed in Kafka 4.0 (KIP-937)',
    ],
    [
      "the testing-only internal.segment.bytes",
      { "internal.segment.bytes": 1024 },
      RF1,
      'topic "t": internal.segment.bytes is Kafka\'s internal, testing-only override of segment.bytes',
    ],
    // Integers
    ["segment.bytes one byte under 1 MiB", { "segment.bytes": 1048575 }, RF1, 'topic "t": segment.bytes is below the minimum 1048576'],
    ["segment.bytes at the 3.x minimum (14)", { "segment.bytes": 14 }, RF1, 'topic "t": segment.bytes is below the minimum 1048576'],
    ["segment.bytes beyond a 32-bit int", { "segment.bytes": "4294967296" }, RF1, 'topic "t": segment.bytes does not fit a 32-bit integer'],
    ["segment.ms of 0", { "segment.ms": 0 }, RF1, 'topic "t": segment.ms is below the minimum 1'],
    ["retention.ms of -2", { "retention.ms": -2 }, RF1, 'topic "t": retention.ms is below the minimum -1'],
    ["a fractional retention.ms", { "retention.ms": 1.5 }, RF1, 'topic "t": retention.ms is not an integer'],
    ["retention.ms with a unit", { "retention.ms": "1d" }, RF1, 'topic "t": retention.ms is not an integer'],
    ["an empty retention.ms", { "retention.ms": "" }, RF1, 'topic "t": retention.ms is not an integer'],
    ["a boolean retention.ms", { "retention.ms": true }, RF1, 'topic "t": retention.ms is not an integer'],
    ["retention.ms in exponent notation", { "retention.ms": "8.64e7" }, RF1, 'topic "t": retention.ms is not an integer'],
    [
      "Long.MAX_VALUE as a JavaScript number",
      // eslint-disable-next-line no-loss-of-precision -- the rounding is what this case tests
      { "retention.ms": 9223372036854775807 },
      RF1,
      'topic "t": retention.ms is a number beyond 2^53, which JavaScript does not hold exactly',
    ],
    [
      "retention.ms beyond a 64-bit long",
      { "retention.ms": "9223372036854775808" },
      RF1,
      'topic "t": retention.ms does not fit a 64-bit integer',
    ],
    ["retention.bytes of -2", { "retention.bytes": -2 }, RF1, 'topic "t": retention.bytes is below the minimum -1'],
    ["retention.bytes with a unit", { "retention.bytes": "1GB" }, RF1, 'topic "t": retention.bytes is not an integer'],
    ["a negative max.message.bytes", { "max.message.bytes": -1 }, RF1, 'topic "t": max.message.bytes is below the minimum 0'],
    [
      "max.message.bytes beyond a 32-bit int",
      { "max.message.bytes": 2147483648 },
      RF1,
      'topic "t": max.message.bytes does not fit a 32-bit integer',
    ],
    ["min.insync.replicas of 0", { "min.insync.replicas": 0 }, RF1, 'topic "t": min.insync.replicas is below the minimum 1'],
    [
      "min.insync.replicas of 2 with one replica",
      { "min.insync.replicas": 2 },
      RF1,
      'topic "t": min.insync.replicas (2) is above the replication factor (1)',
    ],
    [
      'min.insync.replicas "3" with two replicas',
      { "min.insync.replicas": "3" },
      { replicationFactor: 2 },
      'topic "t": min.insync.replicas (3) is above the replication factor (2)',
    ],
    ["segment.index.bytes of 3", { "segment.index.bytes": 3 }, RF1, 'topic "t": segment.index.bytes is below the minimum 4'],
    ["flush.messages of 0", { "flush.messages": 0 }, RF1, 'topic "t": flush.messages is below the minimum 1'],
    ["max.compaction.lag.ms of 0", { "max.compaction.lag.ms": 0 }, RF1, 'topic "t": max.compaction.lag.ms is below the minimum 1'],
    ["a negative delete.retention.ms", { "delete.retention.ms": -1 }, RF1, 'topic "t": delete.retention.ms is below the minimum 0'],
    ["a negative index.interval.bytes", { "index.interval.bytes": -1 }, RF1, 'topic "t": index.interval.bytes is below the minimum 0'],
    ["a negative segment.jitter.ms", { "segment.jitter.ms": -1 }, RF1, 'topic "t": segment.jitter.ms is below the minimum 0'],
    ["a negative file.delete.delay.ms", { "file.delete.delay.ms": "-5" }, RF1, 'topic "t": file.delete.delay.ms is below the minimum 0'],
    [
      "a negative message.timestamp.before.max.ms",
      { "message.timestamp.before.max.ms": -1 },
      RF1,
      'topic "t": message.timestamp.before.max.ms is below the minimum 0',
    ],
    ["local.retention.ms of -3", { "local.retention.ms": -3 }, RF1, 'topic "t": local.retention.ms is below the minimum -2'],
    [
      "remote.copy.lag.bytes of -2 (4.4.0)",
      { "remote.copy.lag.bytes": -2 },
      RF1,
      'topic "t": remote.copy.lag.bytes is below the minimum -1',
    ],
    [
      "max.decompressed.message.bytes of 0 (4.4.0)",
      { "max.decompressed.message.bytes": 0 },
      RF1,
      'topic "t": max.decompressed.message.bytes is below the minimum 1',
    ],
    // Compression
    [
      "an upper-case compression.type",
      { "compression.type": "GZIP" },
      RF1,
      'topic "t": compression.type is not one of uncompressed, zstd, lz4, snappy, gzip, producer',
    ],
    [
      'compression.type "none"',
      { "compression.type": "none" },
      RF1,
      'topic "t": compression.type is not one of uncompressed, zstd, lz4, snappy, gzip, producer',
    ],
    [
      "an unsupported codec",
      { "compression.type": "brotli" },
      RF1,
      'topic "t": compression.type is not one of uncompressed, zstd, lz4, snappy, gzip, producer',
    ],
    ["gzip level 0", { "compression.gzip.level": 0 }, RF1, 'topic "t": compression.gzip.level is not a gzip level (1 to 9, or -1)'],
    ["gzip level 10", { "compression.gzip.level": 10 }, RF1, 'topic "t": compression.gzip.level is not a gzip level (1 to 9, or -1)'],
    ["lz4 level 0", { "compression.lz4.level": 0 }, RF1, 'topic "t": compression.lz4.level is below the minimum 1'],
    ["lz4 level 18", { "compression.lz4.level": 18 }, RF1, 'topic "t": compression.lz4.level is above the maximum 17'],
    ["zstd level 23", { "compression.zstd.level": 23 }, RF1, 'topic "t": compression.zstd.level is above the maximum 22'],
    ["zstd level -131073", { "compression.zstd.level": -131073 }, RF1, 'topic "t": compression.zstd.level is below the minimum -131072'],
    // Lists and enums
    ["a capitalised cleanup policy", { "cleanup.policy": "Delete" }, RF1, 'topic "t": cleanup.policy has an unknown policy "Delete"'],
    [
      'cleanup policy "compaction"',
      { "cleanup.policy": "delete,compaction" },
      RF1,
      'topic "t": cleanup.policy has an unknown policy "compaction"',
    ],
    [
      "cleanup policies joined by ';'",
      { "cleanup.policy": "compact;delete" },
      RF1,
      'topic "t": cleanup.policy has an unknown policy "compact;delete"',
    ],
    ["an empty cleanup.policy", { "cleanup.policy": "" }, RF1, 'topic "t": cleanup.policy is empty'],
    ["a trailing comma in cleanup.policy", { "cleanup.policy": "delete," }, RF1, 'topic "t": cleanup.policy has an empty entry'],
    [
      "a numeric cleanup.policy",
      { "cleanup.policy": 1 },
      RF1,
      'topic "t": cleanup.policy is not a comma-separated list of "delete" and "compact"',
    ],
    [
      "a lower-case timestamp type",
      { "message.timestamp.type": "createtime" },
      RF1,
      'topic "t": message.timestamp.type is not one of CreateTime, LogAppendTime',
    ],
    [
      "a truncated timestamp type",
      { "message.timestamp.type": "LogAppend" },
      RF1,
      'topic "t": message.timestamp.type is not one of CreateTime, LogAppendTime',
    ],
    ["a dirty ratio above 1", { "min.cleanable.dirty.ratio": 1.5 }, RF1, 'topic "t": min.cleanable.dirty.ratio is not between 0 and 1'],
    ["a negative dirty ratio", { "min.cleanable.dirty.ratio": "-0.1" }, RF1, 'topic "t": min.cleanable.dirty.ratio is not between 0 and 1'],
    ["a NaN dirty ratio", { "min.cleanable.dirty.ratio": "NaN" }, RF1, 'topic "t": min.cleanable.dirty.ratio is not a number'],
    ["a dirty ratio in percent", { "min.cleanable.dirty.ratio": "50%" }, RF1, 'topic "t": min.cleanable.dirty.ratio is not a number'],
    ['preallocate "yes"', { preallocate: "yes" }, RF1, 'topic "t": preallocate is not true or false'],
    [
      "unclean.leader.election.enable as 1",
      { "unclean.leader.election.enable": 1 },
      RF1,
      'topic "t": unclean.leader.election.enable is not true or false',
    ],
    ['remote.storage.enable "on"', { "remote.storage.enable": "on" }, RF1, 'topic "t": remote.storage.enable is not true or false'],
    [
      "throttled replicas with a dash",
      { "leader.replication.throttled.replicas": "0-1" },
      RF1,
      'topic "t": leader.replication.throttled.replicas is not "*" or a list of partitionId:brokerId',
    ],
    [
      "throttled replicas '**'",
      { "follower.replication.throttled.replicas": "**" },
      RF1,
      'topic "t": follower.replication.throttled.replicas is not "*" or a list of partitionId:brokerId',
    ],
    // Value types
    ["a null value", { "retention.ms": null }, RF1, 'topic "t": retention.ms must be a string, number or boolean'],
    ["an array value", { "cleanup.policy": ["compact", "delete"] }, RF1, 'topic "t": cleanup.policy must be a string, number or boolean'],
    // Combinations
    [
      "min.compaction.lag.ms above max.compaction.lag.ms",
      { "min.compaction.lag.ms": 10, "max.compaction.lag.ms": "5" },
      RF1,
      'topic "t": min.compaction.lag.ms (10) is above max.compaction.lag.ms (5)',
    ],
    [
      "remote.storage.enable on a broker without tiered storage",
      { "remote.storage.enable": true },
      RF1,
      'topic "t": remote.storage.enable is true but the broker has no tiered storage',
    ],
    [
      "remote storage on a compacted topic",
      { "remote.storage.enable": "true", "cleanup.policy": "compact" },
      TIERED,
      'topic "t": remote storage needs cleanup.policy=delete',
    ],
    [
      "remote storage with compact,delete",
      { "remote.storage.enable": true, "cleanup.policy": "compact,delete" },
      TIERED,
      'topic "t": remote storage needs cleanup.policy=delete',
    ],
    [
      "local.retention.ms above the default retention.ms",
      { "remote.storage.enable": true, "local.retention.ms": 604800001 },
      TIERED,
      'topic "t": local.retention.ms (604800001) is above retention.ms (604800000)',
    ],
    [
      "local.retention.bytes above retention.bytes",
      { "remote.storage.enable": true, "retention.bytes": 1000, "local.retention.bytes": 2000 },
      TIERED,
      'topic "t": local.retention.bytes (2000) is above retention.bytes (1000)',
    ],
    [
      "unlimited local.retention.bytes under a bounded retention.bytes",
      { "remote.storage.enable": true, "retention.bytes": 1000, "local.retention.bytes": -1 },
      TIERED,
      'topic "t": local.retention.bytes is -1 (unlimited) but retention.bytes is 1000',
    ],
    [
      "unlimited local.retention.ms under the default retention.ms",
      { "remote.storage.enable": true, "local.retention.ms": -1 },
      TIERED,
      'topic "t": local.retention.ms is -1 (unlimited) but retention.ms is 604800000',
    ],
    [
      "remote.log.copy.disable with a shorter local retention",
      { "remote.storage.enable": true, "remote.log.copy.disable": true, "local.retention.ms": 3600000 },
      TIERED,
      'topic "t": remote.log.copy.disable needs local.retention.ms equal to retention.ms',
    ],
  ];

  test.each(rejects)("rejects %s", (_name, configs, context, problem) => {
    expect(problems(configs, context)).toEqual([problem]);
  });

  const accepts: [string, Configs, Context][] = [
    ['cleanup.policy "compact,delete"', { "cleanup.policy": "compact,delete" }, RF1],
    ['cleanup.policy "delete,compact"', { "cleanup.policy": "delete,compact" }, RF1],
    ["cleanup policies with spaces around the comma", { "cleanup.policy": " compact , delete " }, RF1],
    ["a repeated cleanup policy", { "cleanup.policy": "delete,delete" }, RF1],
    ["retention.ms -1 (no time limit)", { "retention.ms": -1 }, RF1],
    ["retention.ms 0", { "retention.ms": 0 }, RF1],
    ['retention.bytes "-1"', { "retention.bytes": "-1" }, RF1],
    ["retention.ms as Long.MAX_VALUE in a string", { "retention.ms": "9223372036854775807" }, RF1],
    ["retention.ms with a plus sign and spaces", { "retention.ms": " +86400000 " }, RF1],
    ["min.cleanable.dirty.ratio 0.5", { "min.cleanable.dirty.ratio": 0.5 }, RF1],
    ['min.cleanable.dirty.ratio "1e-1"', { "min.cleanable.dirty.ratio": "1e-1" }, RF1],
    ["min.cleanable.dirty.ratio at both bounds", { "min.cleanable.dirty.ratio": "1" }, RF1],
    ["max.message.bytes 10485760", { "max.message.bytes": 10485760 }, RF1],
    ["max.message.bytes 0", { "max.message.bytes": 0 }, RF1],
    // Topic configs Kafka 4.2-4.4 added (LogConfig of the 4.4.0 jars).
    ["max.decompressed.message.bytes at its maximum", { "max.decompressed.message.bytes": 2147483639 }, RF1],
    ["remote.copy.lag.ms -1 and remote.copy.lag.bytes 0", { "remote.copy.lag.ms": -1, "remote.copy.lag.bytes": 0 }, RF1],
    ["errors.deadletterqueue.group.enable", { "errors.deadletterqueue.group.enable": true }, RF1],
    ["segment.bytes exactly 1 MiB", { "segment.bytes": 1048576 }, RF1],
    ["segment.bytes at Integer.MAX_VALUE", { "segment.bytes": "2147483647" }, RF1],
    ["segment.ms 1", { "segment.ms": 1 }, RF1],
    ["equal compaction lags", { "min.compaction.lag.ms": 60000, "max.compaction.lag.ms": "60000" }, RF1],
    ["max.compaction.lag.ms alone (min defaults to 0)", { "max.compaction.lag.ms": 1 }, RF1],
    ["min.insync.replicas 2 with 3 replicas", { "min.insync.replicas": 2 }, RF3],
    ["min.insync.replicas equal to the replication factor", { "min.insync.replicas": "3" }, RF3],
    ["a negative zstd level", { "compression.type": "zstd", "compression.zstd.level": -5 }, RF1],
    ["gzip level -1 (zlib's default)", { "compression.type": "gzip", "compression.gzip.level": "-1" }, RF1],
    ["a gzip level with another codec", { "compression.type": "lz4", "compression.gzip.level": 9, "compression.lz4.level": 17 }, RF1],
    ['compression.type "producer"', { "compression.type": "producer" }, RF1],
    ['compression.type "uncompressed"', { "compression.type": "uncompressed" }, RF1],
    ["LogAppendTime timestamps", { "message.timestamp.type": "LogAppendTime", "message.timestamp.after.max.ms": 0 }, RF1],
    ['booleans in any case ("TRUE")', { preallocate: "TRUE", "unclean.leader.election.enable": false }, RF1],
    [
      "remote.storage.enable false without tiered storage",
      { "remote.storage.enable": "false", "remote.log.delete.on.disable": "false" },
      RF1,
    ],
    ["local.retention.ms without remote storage (Kafka ignores it)", { "local.retention.ms": 604800001 }, RF1],
    [
      "remote storage with a shorter local retention",
      { "remote.storage.enable": true, "local.retention.ms": 3600000, "retention.ms": 86400000 },
      TIERED,
    ],
    [
      "remote storage with unlimited retention everywhere",
      { "remote.storage.enable": true, "retention.ms": -1, "local.retention.ms": -1 },
      TIERED,
    ],
    [
      "remote.log.copy.disable following retention (-2)",
      { "remote.storage.enable": true, "remote.log.copy.disable": true, "local.retention.ms": -2 },
      TIERED,
    ],
    [
      "remote.log.copy.disable with equal retentions",
      { "remote.storage.enable": true, "remote.log.copy.disable": true, "local.retention.bytes": 5000, "retention.bytes": "5000" },
      TIERED,
    ],
    ['throttled replicas "*"', { "leader.replication.throttled.replicas": "*" }, RF1],
    ["a throttled replica list", { "follower.replication.throttled.replicas": "0:1, 1:1" }, RF1],
    ["no configs", {}, RF1],
    [
      "an unresolved string Token (checked at deploy)",
      { "retention.ms": "${TfToken[TOKEN.12]}", "cleanup.policy": "${TfToken[TOKEN.13]}" },
      RF1,
    ],
    [
      "an unresolved number Token, also in a combination",
      { "min.compaction.lag.ms": -1.8881545897087626e289, "max.compaction.lag.ms": 5 },
      RF1,
    ],
  ];

  test.each(accepts)("accepts %s", (_name, configs, context) => {
    expect(checkTopicConfigs("t", configs, context)).toEqual([]);
  });

  test("suggests the closest topic config for a typo", () => {
    const [finding] = checkTopicConfigs("orders", { "retntion.ms": 1000 }, RF1);
    expect(finding).toEqual({
      problem: 'topic "orders": config "retntion.ms" is not a topic config of Kafka 4.x',
      received: "retntion.ms",
      fix: 'did you mean "retention.ms"? see the topic configs of Kafka 4.x (https://kafka.apache.org/documentation/#topicconfigs)',
    });
  });

  test("names the topic config of a broker property, with its unit", () => {
    const [finding] = checkTopicConfigs("t", { "log.retention.hours": 24 }, RF1);
    expect(finding.fix).toBe('use "retention.ms" (hours x 3600000); log.retention.hours is a broker property (a default for all topics)');
  });

  test("suggests the lower-case codec", () => {
    const [finding] = checkTopicConfigs("t", { "compression.type": "GZIP" }, RF1);
    expect(finding.fix).toMatch(/^did you mean "gzip"\? /);
  });

  test("reports every bad config, not only the first", () => {
    expect(problems({ "segment.ms": 0, "retention.ms": "x", "retntion.ms": 1 })).toHaveLength(3);
  });

  test("does not report a combination when one side is already invalid", () => {
    expect(problems({ "min.compaction.lag.ms": 10, "max.compaction.lag.ms": 0 })).toEqual([
      'topic "t": max.compaction.lag.ms is below the minimum 1',
    ]);
  });
});

describe("checkServerProperties", () => {
  const rejects: [string, Configs, string][] = [
    // Owned by the construct
    ["node.id", { "node.id": 2 }, 'server property "node.id" is set by the construct'],
    ["broker.id (node.id's synonym)", { "broker.id": 1 }, 'server property "broker.id" is set by the construct'],
    ["process.roles", { "process.roles": "broker" }, 'server property "process.roles" is set by the construct'],
    [
      "controller.quorum.voters",
      { "controller.quorum.voters": "1@kafka:9093" },
      'server property "controller.quorum.voters" is set by the construct',
    ],
    [
      "controller.quorum.bootstrap.servers",
      { "controller.quorum.bootstrap.servers": "kafka:9093" },
      'server property "controller.quorum.bootstrap.servers" is set by the construct',
    ],
    [
      "controller.listener.names",
      { "controller.listener.names": "CONTROLLER" },
      'server property "controller.listener.names" is set by the construct',
    ],
    ["listeners", { listeners: "PLAINTEXT://:9092" }, 'server property "listeners" is set by the construct'],
    [
      "advertised.listeners",
      { "advertised.listeners": "PLAINTEXT://localhost:9092" },
      'server property "advertised.listeners" is set by the construct',
    ],
    [
      "listener.security.protocol.map",
      { "listener.security.protocol.map": "INTERNAL:SSL" },
      'server property "listener.security.protocol.map" is set by the construct',
    ],
    [
      "inter.broker.listener.name",
      { "inter.broker.listener.name": "HOST" },
      'server property "inter.broker.listener.name" is set by the construct',
    ],
    [
      "security.inter.broker.protocol",
      { "security.inter.broker.protocol": "PLAINTEXT" },
      'server property "security.inter.broker.protocol" is set by the construct',
    ],
    ["early.start.listeners", { "early.start.listeners": "INTERNAL" }, 'server property "early.start.listeners" is set by the construct'],
    // Authentication and authorization: SASL on every listener, StandardAuthorizer, no access without an ACL.
    [
      "authorizer.class.name",
      { "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer" },
      'server property "authorizer.class.name" is set by the construct',
    ],
    ["super.users", { "super.users": "User:ANONYMOUS" }, 'server property "super.users" is set by the construct'],
    [
      "allow.everyone.if.no.acl.found",
      { "allow.everyone.if.no.acl.found": true },
      'server property "allow.everyone.if.no.acl.found" is set by the construct',
    ],
    [
      "sasl.enabled.mechanisms",
      { "sasl.enabled.mechanisms": "PLAIN" },
      'server property "sasl.enabled.mechanisms" is set by the construct',
    ],
    ["sasl.jaas.config", { "sasl.jaas.config": "x required;" }, 'server property "sasl.jaas.config" is set by the construct'],
    [
      "sasl.mechanism.inter.broker.protocol",
      { "sasl.mechanism.inter.broker.protocol": "GSSAPI" },
      'server property "sasl.mechanism.inter.broker.protocol" is set by the construct',
    ],
    [
      "sasl.mechanism.controller.protocol",
      { "sasl.mechanism.controller.protocol": "GSSAPI" },
      'server property "sasl.mechanism.controller.protocol" is set by the construct',
    ],
    ["the key store", { "ssl.keystore.location": "/k.jks" }, 'server property "ssl.keystore.location" is set by the construct'],
    [
      "a misspelt key store property (the family is owned)",
      { "ssl.keystore.passwd": "x" },
      'server property "ssl.keystore.passwd" is set by the construct',
    ],
    ["the trust store", { "ssl.truststore.type": "PEM" }, 'server property "ssl.truststore.type" is set by the construct'],
    ["a PEM key", { "ssl.key.password": "x" }, 'server property "ssl.key.password" is set by the construct'],
    ["ssl.client.auth", { "ssl.client.auth": "required" }, 'server property "ssl.client.auth" is set by the construct'],
    [
      "a per-listener override",
      { "listener.name.internal.ssl.keystore.location": "/k.jks" },
      'server property "listener.name.internal.ssl.keystore.location" is set by the construct',
    ],
    ["log.dirs", { "log.dirs": "/tmp/kafka" }, 'server property "log.dirs" is set by the construct'],
    ["log.dir", { "log.dir": "/tmp/kafka" }, 'server property "log.dir" is set by the construct'],
    ["metadata.log.dir", { "metadata.log.dir": "/tmp/meta" }, 'server property "metadata.log.dir" is set by the construct'],
    ["num.partitions", { "num.partitions": 3 }, 'server property "num.partitions" is set by the construct'],
    [
      "auto.create.topics.enable",
      { "auto.create.topics.enable": true },
      'server property "auto.create.topics.enable" is set by the construct',
    ],
    [
      "default.replication.factor",
      { "default.replication.factor": 3 },
      'server property "default.replication.factor" is set by the construct',
    ],
    [
      "offsets.topic.replication.factor",
      { "offsets.topic.replication.factor": 3 },
      'server property "offsets.topic.replication.factor" is set by the construct',
    ],
    [
      "transaction.state.log.min.isr",
      { "transaction.state.log.min.isr": 2 },
      'server property "transaction.state.log.min.isr" is set by the construct',
    ],
    ["min.insync.replicas", { "min.insync.replicas": 2 }, 'server property "min.insync.replicas" is set by the construct'],
    // Names and values
    ["a name in upper case", { "Log.Retention.Hours": 24 }, 'server property "Log.Retention.Hours" is not a Kafka property name'],
    ["a name with a space", { "log retention.hours": 24 }, 'server property "log retention.hours" is not a Kafka property name'],
    ["a name starting with a dot", { ".log.retention.hours": 24 }, 'server property ".log.retention.hours" is not a Kafka property name'],
    [
      "an environment variable name",
      { KAFKA_LOG_RETENTION_HOURS: 24 },
      'server property "KAFKA_LOG_RETENTION_HOURS" is not a Kafka property name',
    ],
    ["a null value", { "log.retention.hours": null }, 'server property "log.retention.hours" must be a string, number or boolean'],
    [
      "an object value",
      { "log.retention.hours": { hours: 24 } },
      'server property "log.retention.hours" must be a string, number or boolean',
    ],
    ["a NaN value", { "log.retention.hours": NaN }, 'server property "log.retention.hours" must be a string, number or boolean'],
    // Removed, misplaced and misspelt
    [
      "advertised.host.name (removed in 3.0)",
      { "advertised.host.name": "localhost" },
      'server property "advertised.host.name" was removed in Kafka 3.0',
    ],
    [
      "zookeeper.connect",
      { "zookeeper.connect": "zk:2181" },
      'server property "zookeeper.connect" belongs to ZooKeeper mode, removed in Kafka 4.0',
    ],
    [
      "log.message.format.version",
      { "log.message.format.version": "3.0" },
      'server property "log.message.format.version" was removed in Kafka 4.0',
    ],
    [
      "inter.broker.protocol.version",
      { "inter.broker.protocol.version": "3.9" },
      'server property "inter.broker.protocol.version" was removed in Kafka 4.0',
    ],
    [
      "group.share.enable (internal in 4.1, gone in 4.4)",
      { "group.share.enable": true },
      'server property "group.share.enable" is not a broker property of Kafka 4.4 (share groups are a cluster feature now)',
    ],
    ["cluster.id", { "cluster.id": "MkU3OEVBNTcwNTJENDM2Qk" }, 'server property "cluster.id" is not a broker property'],
    [
      "the topic config retention.ms",
      { "retention.ms": 86400000 },
      'server property "retention.ms" is a topic config, not a broker property',
    ],
    [
      "the topic-only remote.storage.enable",
      { "remote.storage.enable": true },
      'server property "remote.storage.enable" is a topic config, not a broker property',
    ],
    [
      "a misspelt log.retention.hours",
      { "log.retention.hour": 24 },
      'server property "log.retention.hour" is not a broker property of Kafka 4.x',
    ],
    [
      "a misspelt num.network.threads",
      { "num.network.thread": 3 },
      'server property "num.network.thread" is not a broker property of Kafka 4.x',
    ],
    ["a misspelt ssl.protocol", { "ssl.protocl": "TLSv1.3" }, 'server property "ssl.protocl" is not a broker property of Kafka 4.x'],
    ["a misspelt owned property", { "node.ids": 1 }, 'server property "node.ids" is not a broker property of Kafka 4.x'],
  ];

  test.each(rejects)("rejects %s", (_name, properties, problem) => {
    expect(serverProblems(properties)).toEqual([problem]);
  });

  const accepts: [string, Configs][] = [
    ["log.retention.hours", { "log.retention.hours": 24 }],
    ["a broker-wide topic default", { "log.cleanup.policy": "compact", "log.segment.bytes": 1048576 }],
    ["message.max.bytes", { "message.max.bytes": 10485760 }],
    ["a boolean", { "auto.leader.rebalance.enable": false }],
    ["a config that is both a topic and a broker config", { "compression.type": "zstd", "unclean.leader.election.enable": true }],
    ["group.initial.rebalance.delay.ms (a default of the construct, not owned)", { "group.initial.rebalance.delay.ms": 3000 }],
    ["KRaft timing (not owned)", { "controller.quorum.election.timeout.ms": 2000 }],
    ["share coordinator replication (not set by the construct)", { "share.coordinator.state.topic.replication.factor": 1 }],
    ["an internal broker config", { "unstable.api.versions.enable": true }],
    [
      "broker properties Kafka 4.2-4.4 added",
      { "controller.quorum.fetch.max.bytes": 2097152, "max.decompressed.message.bytes": 10485760, "log.remote.copy.lag.ms": 0 },
    ],
    ["a plugin class", { "client.quota.callback.class": "com.example.QuotaCallback" }],
    [
      "config providers",
      { "config.providers": "file", "config.providers.file.class": "org.apache.kafka.common.config.provider.FileConfigProvider" },
    ],
    ["JmxReporter's filter", { "metrics.jmx.exclude": "kafka.server:*" }],
    ["a remote storage plugin's own config", { "rsm.config.bucket.name": "kafka-tiered" }],
    ["an unknown name far from every known one", { "my-plugin_setting": "x" }],
    ["a key named after Object.prototype (unknown, far from known ones)", { constructor: "x" }],
    ["no properties", {}],
  ];

  test.each(accepts)("accepts %s", (_name, properties) => {
    expect(checkServerProperties(properties)).toEqual([]);
  });

  test("says which prop to use instead", () => {
    expect(checkServerProperties({ "num.partitions": 3 })[0].fix).toBe("use the defaultPartitions prop");
    expect(checkServerProperties({ "auto.create.topics.enable": true })[0].fix).toBe("use the autoCreateTopics prop");
    expect(checkServerProperties({ listeners: "PLAINTEXT://:9092" })[0].fix).toMatch(/use hostPort/);
    expect(checkServerProperties({ "default.replication.factor": 3 })[0].fix).toMatch(/nodes prop/);
    expect(checkServerProperties({ "super.users": "User:me" })[0].fix).toMatch(/grant access with the topic verbs/);
  });

  test("suggests the known broker property for a typo", () => {
    expect(checkServerProperties({ "log.retention.hour": 24 })[0].fix).toBe(
      'did you mean "log.retention.hours"? Kafka only logs and ignores unknown properties',
    );
    expect(checkServerProperties({ "node.ids": 1 })[0].fix).toMatch(/^did you mean "node.id"\? The construct sets that one/);
  });

  test("names the broker-wide synonym of a topic config", () => {
    expect(checkServerProperties({ "retention.ms": 86400000 })[0].fix).toBe(
      'use "log.retention.ms" for the default of all topics, or set it per topic in addTopic\'s configs',
    );
  });
});

describe("owned properties", () => {
  test.each([
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
    "broker.id",
    "controller.quorum.bootstrap.servers",
    "log.dir",
    "metadata.log.dir",
    "security.inter.broker.protocol",
    "authorizer.class.name",
    "super.users",
    "allow.everyone.if.no.acl.found",
    "sasl.enabled.mechanisms",
    "sasl.mechanism.inter.broker.protocol",
    "sasl.mechanism.controller.protocol",
    "sasl.jaas.config",
  ])("owns %s", (key) => {
    expect(KAFKA_OWNED_PROPERTIES.has(key)).toBe(true);
    expect(isOwnedServerProperty(key)).toBe(true);
  });

  test("owns every per-listener override, which is not in the set", () => {
    expect(isOwnedServerProperty("listener.name.host.ssl.client.auth")).toBe(true);
    expect(KAFKA_OWNED_PROPERTIES.has("listener.name.host.ssl.client.auth")).toBe(false);
  });

  test.each(["ssl.keystore.location", "ssl.truststore.password", "ssl.key.password", "ssl.client.auth"])(
    "owns the TLS store family: %s",
    (key) => {
      expect(isOwnedServerProperty(key)).toBe(true);
    },
  );

  test.each([
    "log.retention.hours",
    "compression.type",
    "listener.names",
    "group.initial.rebalance.delay.ms",
    "ssl.protocol",
    "ssl.cipher.suites",
  ])("does not own %s", (key) => {
    expect(isOwnedServerProperty(key)).toBe(false);
  });
});

describe("topicMetricName", () => {
  test.each([
    ["orders.created", "orders_created"],
    ["a.b.c", "a_b_c"],
    ["orders_created", "orders_created"],
    ["plain", "plain"],
  ])("names %s %s", (topic, metric) => {
    expect(topicMetricName(topic)).toBe(metric);
  });

  test("gives colliding topics the same name", () => {
    expect(topicMetricName("orders.created")).toBe(topicMetricName("orders_created"));
    expect(topicMetricName("orders-created")).not.toBe(topicMetricName("orders_created"));
  });
});
