/**
 * Kafka's own rules for topic configs and broker properties, checked at synth
 * time so a typo or an out-of-range value fails `cdktf synth` instead of the
 * topics job or the broker at deploy time. Pure tables and functions: no cdktf
 * or constructs imports (the constructs report the findings with their path).
 *
 * The facts are Kafka 4.4.0's (the default image, apache/kafka:4.4.0). They
 * were read in the 4.1.1 sources and checked against its jars (LogConfig.validate),
 * then compared with the 4.4.0 jars: the ConfigDefs below (names, types,
 * validators, defaults) and ServerTopicConfigSynonyms, dumped from both
 * releases and diffed; what 4.2-4.4 added is marked "4.4.0".
 * - topic configs: storage/.../storage/internals/log/LogConfig.java (CONFIG, the
 *   topic ConfigDef), validated on the controller by
 *   core/.../kafka/server/ControllerConfigurationValidator.scala with
 *   LogConfig.validate(..., kafkaConfig.extractLogConfigMap, remoteStorageSystemEnabled);
 * - broker properties: server/.../server/config/AbstractKafkaConfig.java (CONFIG_DEF,
 *   the merge of ServerConfigs, KRaftConfigs, SocketServerConfigs, ReplicationConfigs,
 *   QuorumConfig, LogConfig.SERVER_CONFIG_DEF, ...) and core/.../kafka/server/KafkaConfig.scala.
 */
import { closestMatch, didYouMean } from "../../errors/did-you-mean";
import type { Finding } from "../../errors/finding";

/** `table[key]` for own keys only: user keys such as "constructor" must not reach Object.prototype. */
function lookup<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined;
}

// ---------------------------------------------------------------------------
// Topic configs
// ---------------------------------------------------------------------------

type IntegerKind = "int" | "long";

type TopicConfigSpec =
  | { readonly kind: IntegerKind; readonly min?: bigint; readonly max?: bigint; readonly fix?: string }
  | { readonly kind: "gzip-level" }
  | { readonly kind: "double"; readonly min: number; readonly max: number }
  | { readonly kind: "boolean" }
  | { readonly kind: "enum"; readonly values: readonly string[] }
  | { readonly kind: "cleanup-policy" }
  | { readonly kind: "throttled-replicas" };

const INT_MIN = -(2n ** 31n);
const INT_MAX = 2n ** 31n - 1n;
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;
const MIB = 1024n * 1024n;

/** Kafka's defaults that the combination rules fall back to (LogConfig.java DEFAULT_*, ServerLogConfigs.java *_DEFAULT). */
const DEFAULT_RETENTION_MS = 7n * 24n * 60n * 60n * 1000n;
const DEFAULT_RETENTION_BYTES = -1n;
const DEFAULT_LOCAL_RETENTION = -2n;
const DEFAULT_MIN_COMPACTION_LAG_MS = 0n;
const DEFAULT_MAX_COMPACTION_LAG_MS = LONG_MAX;

// Source: Kafka 4.1.1 storage/src/main/java/org/apache/kafka/storage/internals/log/LogConfig.java (static CONFIG.define(...) block),
// and LogConfig.configDefCopy() of the 4.4.0 jars (unchanged for these names; four names added, marked 4.4.0).
const TOPIC_CONFIGS: Readonly<Record<string, TopicConfigSpec>> = {
  "cleanup.policy": { kind: "cleanup-policy" },
  "compression.gzip.level": { kind: "gzip-level" },
  "compression.lz4.level": { kind: "int", min: 1n, max: 17n },
  "compression.type": { kind: "enum", values: ["uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"] },
  "compression.zstd.level": { kind: "int", min: -131072n, max: 22n },
  "delete.retention.ms": { kind: "long", min: 0n },
  // 4.4.0: lets share groups write undeliverable records to this topic; no broker-wide synonym.
  "errors.deadletterqueue.group.enable": { kind: "boolean" },
  "file.delete.delay.ms": { kind: "long", min: 0n },
  "flush.messages": { kind: "long", min: 1n },
  "flush.ms": { kind: "long", min: 0n },
  "follower.replication.throttled.replicas": { kind: "throttled-replicas" },
  "index.interval.bytes": { kind: "int", min: 0n },
  "leader.replication.throttled.replicas": { kind: "throttled-replicas" },
  "local.retention.bytes": { kind: "long", min: -2n, fix: "use -2 (follow retention.bytes), -1 (unlimited) or a size in bytes" },
  "local.retention.ms": { kind: "long", min: -2n, fix: "use -2 (follow retention.ms), -1 (unlimited) or a time in milliseconds" },
  "max.compaction.lag.ms": { kind: "long", min: 1n },
  // 4.4.0: the largest batch a broker decompresses; the broker property has the same name.
  "max.decompressed.message.bytes": { kind: "int", min: 1n, max: 2147483639n },
  "max.message.bytes": { kind: "int", min: 0n },
  "message.timestamp.after.max.ms": { kind: "long", min: 0n },
  "message.timestamp.before.max.ms": { kind: "long", min: 0n },
  "message.timestamp.type": { kind: "enum", values: ["CreateTime", "LogAppendTime"] },
  "min.cleanable.dirty.ratio": { kind: "double", min: 0, max: 1 },
  "min.compaction.lag.ms": { kind: "long", min: 0n },
  "min.insync.replicas": { kind: "int", min: 1n },
  preallocate: { kind: "boolean" },
  // 4.4.0: when a segment may be copied to tiered storage (0: at once, -1: derived from local retention).
  "remote.copy.lag.bytes": { kind: "long", min: -1n },
  "remote.copy.lag.ms": { kind: "long", min: -1n },
  "remote.log.copy.disable": { kind: "boolean" },
  "remote.log.delete.on.disable": { kind: "boolean" },
  "remote.storage.enable": { kind: "boolean" },
  // Kafka accepts any long here and treats every negative value as "no size limit"; only -1 is documented.
  "retention.bytes": { kind: "long", min: -1n, fix: "use -1 (no size limit) or a size in bytes" },
  "retention.ms": { kind: "long", min: -1n, fix: "use -1 (no time limit) or a time in milliseconds" },
  "segment.bytes": {
    kind: "int",
    min: MIB,
    fix: "use at least 1048576 (1 MiB): Kafka 4.x raised the minimum of segment.bytes from 14 bytes to 1 MiB",
  },
  "segment.index.bytes": { kind: "int", min: 4n },
  "segment.jitter.ms": { kind: "long", min: 0n },
  "segment.ms": { kind: "long", min: 1n },
  "unclean.leader.election.enable": { kind: "boolean" },
};

/** The topic configs of Kafka 4.x, sorted. */
export const KAFKA_TOPIC_CONFIGS: readonly string[] = Object.keys(TOPIC_CONFIGS).sort();

// Source: Kafka 4.1.1 LogConfig.java no longer defines these (validateNames refuses them: "Unknown topic config name"); TopicConfig.java, docs/upgrade.html (4.0).
const REMOVED_TOPIC_CONFIGS: Readonly<Record<string, { why: string; fix: string }>> = {
  "message.format.version": {
    why: "was removed in Kafka 4.0 (brokers write record format v2 only)",
    fix: "remove it",
  },
  "message.timestamp.difference.max.ms": {
    why: "was removed in Kafka 4.0 (KIP-937)",
    fix: "use message.timestamp.before.max.ms and message.timestamp.after.max.ms",
  },
  "message.downconversion.enable": {
    why: "was removed in Kafka 4.0 (brokers no longer down-convert records); the broker refuses it as an unknown topic config",
    fix: "remove it",
  },
  "internal.segment.bytes": {
    why: "is Kafka's internal, testing-only override of segment.bytes",
    fix: "use segment.bytes (at least 1048576)",
  },
};

/**
 * Broker properties whose topic config has another name (the broker-wide
 * defaults), and common unit mistakes: topic configs are in ms and bytes.
 */
// Source: Kafka 4.1.1 server-common/src/main/java/org/apache/kafka/server/config/ServerTopicConfigSynonyms.java (ALL_TOPIC_CONFIG_SYNONYMS),
// compared with the 4.4.0 jars' TOPIC_CONFIG_SYNONYMS (remote.copy.lag.* added).
const BROKER_NAME_TO_TOPIC_CONFIG: Readonly<Record<string, { topic: string; unit?: string }>> = {
  "log.segment.bytes": { topic: "segment.bytes" },
  "log.roll.ms": { topic: "segment.ms" },
  "log.roll.hours": { topic: "segment.ms", unit: "hours x 3600000" },
  "log.roll.jitter.ms": { topic: "segment.jitter.ms" },
  "log.roll.jitter.hours": { topic: "segment.jitter.ms", unit: "hours x 3600000" },
  "log.index.size.max.bytes": { topic: "segment.index.bytes" },
  "log.flush.interval.messages": { topic: "flush.messages" },
  "log.flush.interval.ms": { topic: "flush.ms" },
  "log.flush.scheduler.interval.ms": { topic: "flush.ms" },
  "log.retention.bytes": { topic: "retention.bytes" },
  "log.retention.ms": { topic: "retention.ms" },
  "log.retention.minutes": { topic: "retention.ms", unit: "minutes x 60000" },
  "log.retention.hours": { topic: "retention.ms", unit: "hours x 3600000" },
  "retention.minutes": { topic: "retention.ms", unit: "minutes x 60000" },
  "retention.hours": { topic: "retention.ms", unit: "hours x 3600000" },
  "message.max.bytes": { topic: "max.message.bytes" },
  "log.index.interval.bytes": { topic: "index.interval.bytes" },
  "log.cleaner.delete.retention.ms": { topic: "delete.retention.ms" },
  "log.cleaner.min.compaction.lag.ms": { topic: "min.compaction.lag.ms" },
  "log.cleaner.max.compaction.lag.ms": { topic: "max.compaction.lag.ms" },
  "log.segment.delete.delay.ms": { topic: "file.delete.delay.ms" },
  "log.cleaner.min.cleanable.ratio": { topic: "min.cleanable.dirty.ratio" },
  "log.cleanup.policy": { topic: "cleanup.policy" },
  "log.preallocate": { topic: "preallocate" },
  "log.message.timestamp.type": { topic: "message.timestamp.type" },
  "log.message.timestamp.before.max.ms": { topic: "message.timestamp.before.max.ms" },
  "log.message.timestamp.after.max.ms": { topic: "message.timestamp.after.max.ms" },
  "log.local.retention.ms": { topic: "local.retention.ms" },
  "log.local.retention.bytes": { topic: "local.retention.bytes" },
  "log.remote.copy.lag.ms": { topic: "remote.copy.lag.ms" },
  "log.remote.copy.lag.bytes": { topic: "remote.copy.lag.bytes" },
};

/** The broker-wide property of each topic config that has a differently named one (the reverse of the table above). */
const TOPIC_CONFIG_TO_BROKER_NAME: Readonly<Record<string, string>> = {
  "segment.bytes": "log.segment.bytes",
  "segment.ms": "log.roll.ms",
  "segment.jitter.ms": "log.roll.jitter.ms",
  "segment.index.bytes": "log.index.size.max.bytes",
  "flush.messages": "log.flush.interval.messages",
  "flush.ms": "log.flush.interval.ms",
  "retention.bytes": "log.retention.bytes",
  "retention.ms": "log.retention.ms",
  "max.message.bytes": "message.max.bytes",
  "index.interval.bytes": "log.index.interval.bytes",
  "delete.retention.ms": "log.cleaner.delete.retention.ms",
  "min.compaction.lag.ms": "log.cleaner.min.compaction.lag.ms",
  "max.compaction.lag.ms": "log.cleaner.max.compaction.lag.ms",
  "file.delete.delay.ms": "log.segment.delete.delay.ms",
  "min.cleanable.dirty.ratio": "log.cleaner.min.cleanable.ratio",
  "cleanup.policy": "log.cleanup.policy",
  preallocate: "log.preallocate",
  "message.timestamp.type": "log.message.timestamp.type",
  "message.timestamp.before.max.ms": "log.message.timestamp.before.max.ms",
  "message.timestamp.after.max.ms": "log.message.timestamp.after.max.ms",
  "local.retention.ms": "log.local.retention.ms",
  "local.retention.bytes": "log.local.retention.bytes",
  "remote.copy.lag.ms": "log.remote.copy.lag.ms",
  "remote.copy.lag.bytes": "log.remote.copy.lag.bytes",
};

const TOPIC_CONFIGS_DOC = "see the topic configs of Kafka 4.x (https://kafka.apache.org/documentation/#topicconfigs)";

/** The context of a topic's configs. */
export interface TopicConfigContext {
  /** The topic's replication factor. */
  readonly replicationFactor: number;
  /**
   * Whether the broker has tiered storage (`remote.log.storage.system.enable=true`
   * and a RemoteStorageManager plugin). Without it Kafka refuses `remote.storage.enable=true`.
   * @default false
   */
  readonly remoteLogStorageSystemEnabled?: boolean;
}

/**
 * A cdktf Token cannot be judged at synth (Terraform resolves it later):
 * string tokens carry `${TfToken[`, number tokens are huge negative doubles
 * (about -1.888e+289). Same test as rabbitmq-rules.ts, without importing cdktf.
 */
function isUnresolved(value: unknown): boolean {
  return (typeof value === "string" && value.includes("${TfToken[")) || (typeof value === "number" && value < -1e288);
}

type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string; fix: string };

/** Kafka's ConfigDef.parseType for INT/LONG: an integer, or its decimal string (trimmed, optional sign). */
function parseInteger(value: unknown, kind: IntegerKind): Parsed<bigint> {
  const [lo, hi] = kind === "int" ? [INT_MIN, INT_MAX] : [LONG_MIN, LONG_MAX];
  const bits = kind === "int" ? "32" : "64";
  let n: bigint;
  if (typeof value === "number") {
    if (!Number.isInteger(value)) {
      return { ok: false, problem: "is not an integer", fix: "use a whole number (or its decimal string)" };
    }
    if (!Number.isSafeInteger(value)) {
      return {
        ok: false,
        problem: "is a number beyond 2^53, which JavaScript does not hold exactly",
        fix: 'pass it as a string, e.g. "9223372036854775807"',
      };
    }
    n = BigInt(value);
  } else if (typeof value === "string" && /^[+-]?[0-9]+$/.test(value.trim())) {
    n = BigInt(value.trim().replace(/^\+/, ""));
  } else {
    return { ok: false, problem: "is not an integer", fix: "use a whole number (or its decimal string)" };
  }
  if (n < lo || n > hi) {
    return { ok: false, problem: `does not fit a ${bits}-bit integer`, fix: `use a value from ${lo} to ${hi}` };
  }
  return { ok: true, value: n };
}

/** Kafka's ConfigDef.parseType for BOOLEAN: a boolean, or "true"/"false" (trimmed, any case). */
function parseBoolean(value: unknown): Parsed<boolean> {
  if (typeof value === "boolean") return { ok: true, value };
  if (typeof value === "string") {
    const s = value.trim().toLowerCase();
    if (s === "true" || s === "false") return { ok: true, value: s === "true" };
  }
  return { ok: false, problem: "is not true or false", fix: 'use true or false (or "true"/"false")' };
}

const DECIMAL = /^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$/;

/** A finite number, or its decimal string (Kafka's DOUBLE, without Java's NaN/Infinity/hex forms). */
function parseDouble(value: unknown): Parsed<number> {
  if (typeof value === "number" && Number.isFinite(value)) return { ok: true, value };
  if (typeof value === "string" && DECIMAL.test(value.trim())) return { ok: true, value: Number(value.trim()) };
  return { ok: false, problem: "is not a number", fix: "use a decimal number such as 0.5" };
}

/** Parsed values of the valid configs, for the combination rules. */
interface ParsedTopicConfigs {
  integers: Map<string, bigint>;
  booleans: Map<string, boolean>;
  policies?: readonly string[];
}

function checkTopicConfigValue(
  key: string,
  spec: TopicConfigSpec,
  value: unknown,
  parsed: ParsedTopicConfigs,
): { problem: string; fix: string } | undefined {
  switch (spec.kind) {
    case "int":
    case "long": {
      const r = parseInteger(value, spec.kind);
      if (!r.ok) return r;
      const rangeFix =
        spec.fix ??
        (spec.min !== undefined && spec.max !== undefined
          ? `use ${spec.min} to ${spec.max}`
          : spec.min !== undefined
            ? `use ${spec.min} or more`
            : `use ${spec.max} or less`);
      if (spec.min !== undefined && r.value < spec.min) return { problem: `is below the minimum ${spec.min}`, fix: rangeFix };
      if (spec.max !== undefined && r.value > spec.max) return { problem: `is above the maximum ${spec.max}`, fix: rangeFix };
      parsed.integers.set(key, r.value);
      return undefined;
    }
    case "gzip-level": {
      const r = parseInteger(value, "int");
      if (!r.ok) return r;
      // CompressionType.GZIP.levelValidator(): Deflater.BEST_SPEED..BEST_COMPRESSION, or DEFAULT_COMPRESSION.
      if (r.value !== -1n && (r.value < 1n || r.value > 9n)) {
        return { problem: "is not a gzip level (1 to 9, or -1)", fix: "use 1 (fastest) to 9 (smallest), or -1 for zlib's default" };
      }
      parsed.integers.set(key, r.value);
      return undefined;
    }
    case "double": {
      const r = parseDouble(value);
      if (!r.ok) return r;
      if (r.value < spec.min || r.value > spec.max) {
        return { problem: `is not between ${spec.min} and ${spec.max}`, fix: `use a ratio from ${spec.min} to ${spec.max}, e.g. 0.5` };
      }
      return undefined;
    }
    case "boolean": {
      const r = parseBoolean(value);
      if (!r.ok) return r;
      parsed.booleans.set(key, r.value);
      return undefined;
    }
    case "enum": {
      // ConfigDef.ValidString: trimmed, then compared case-sensitively.
      if (typeof value !== "string" || !spec.values.includes(value.trim())) {
        const hint = typeof value === "string" ? didYouMean(value.trim(), spec.values) : "";
        return { problem: `is not one of ${spec.values.join(", ")}`, fix: `${hint}use one of ${spec.values.join(", ")} (case-sensitive)` };
      }
      return undefined;
    }
    case "cleanup-policy": {
      const fix = 'use "delete", "compact" or "compact,delete"';
      if (typeof value !== "string") return { problem: 'is not a comma-separated list of "delete" and "compact"', fix };
      const trimmed = value.trim();
      // Kafka 4.1 parses "" as an empty list and then neither deletes nor compacts: the log grows forever.
      if (trimmed === "") {
        return { problem: "is empty", fix: `${fix}; for unlimited retention use retention.ms: -1 and retention.bytes: -1` };
      }
      const policies = trimmed.split(/\s*,\s*/);
      if (policies.includes("")) return { problem: "has an empty entry", fix };
      const unknown = policies.find((p) => p !== "delete" && p !== "compact");
      if (unknown !== undefined) {
        return {
          problem: `has an unknown policy "${unknown}"`,
          fix: `${didYouMean(unknown, ["delete", "compact"])}${fix} (case-sensitive)`,
        };
      }
      parsed.policies = policies;
      return undefined;
    }
    case "throttled-replicas": {
      // ThrottledReplicaListValidator: the literal '*', or [partitionId]:[brokerId] entries.
      const fix = 'use "*" or entries partitionId:brokerId separated by commas, e.g. "0:1,1:1"';
      if (typeof value !== "string") return { problem: 'is not "*" or a list of partitionId:brokerId', fix };
      const entries = value.trim().split(/\s*,\s*/);
      if (entries.join("") === "*" || entries.every((e) => /^([0-9]+:[0-9]+)?$/.test(e))) return undefined;
      return { problem: 'is not "*" or a list of partitionId:brokerId', fix };
    }
  }
}

/**
 * The findings for a topic's configs: what Kafka 4.x would refuse when the
 * topics job creates the topic or alters its configs, plus
 * min.insync.replicas above the replication factor (accepted by Kafka, but
 * then every acks=all produce fails). Unresolved Tokens are left to deploy
 * time, and so are the combinations that involve them.
 */
export function checkTopicConfigs(topic: string, configs: Record<string, unknown>, context: TopicConfigContext): Finding[] {
  const findings: Finding[] = [];
  const add = (problem: string, received: unknown, fix: string) =>
    findings.push({ problem: `topic "${topic}": ${problem}`, received, fix });
  const parsed: ParsedTopicConfigs = { integers: new Map(), booleans: new Map() };

  for (const [key, value] of Object.entries(configs)) {
    const spec = lookup(TOPIC_CONFIGS, key);
    if (spec === undefined) {
      const removed = lookup(REMOVED_TOPIC_CONFIGS, key);
      const broker = lookup(BROKER_NAME_TO_TOPIC_CONFIG, key);
      if (removed !== undefined) {
        add(`${key} ${removed.why}`, key, removed.fix);
      } else if (broker !== undefined) {
        add(
          `${key} is not a topic config`,
          key,
          `use "${broker.topic}"${broker.unit ? ` (${broker.unit})` : ""}; ${key} is a broker property (a default for all topics)`,
        );
      } else {
        add(`config "${key}" is not a topic config of Kafka 4.x`, key, `${didYouMean(key, KAFKA_TOPIC_CONFIGS)}${TOPIC_CONFIGS_DOC}`);
      }
      continue;
    }
    if (isUnresolved(value)) continue;
    if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
      add(`${key} must be a string, number or boolean`, value, 'give the value as Kafka would read it, e.g. 86400000 or "compact"');
      continue;
    }
    const error = checkTopicConfigValue(key, spec, value, parsed);
    if (error !== undefined) add(`${key} ${error.problem}`, value, error.fix);
  }

  checkTopicCombinations(configs, context, parsed, add);
  return findings;
}

function checkTopicCombinations(
  configs: Record<string, unknown>,
  context: TopicConfigContext,
  parsed: ParsedTopicConfigs,
  add: (problem: string, received: unknown, fix: string) => void,
): void {
  const int = (key: string, fallback: bigint) => parsed.integers.get(key) ?? fallback;
  const given = (key: string) => parsed.integers.has(key);
  const invalid = (key: string) => Object.prototype.hasOwnProperty.call(configs, key) && !given(key) && !parsed.booleans.has(key);

  // LogConfig.validateValues: min.compaction.lag.ms <= max.compaction.lag.ms.
  if (given("min.compaction.lag.ms") || given("max.compaction.lag.ms")) {
    const min = int("min.compaction.lag.ms", DEFAULT_MIN_COMPACTION_LAG_MS);
    const max = int("max.compaction.lag.ms", DEFAULT_MAX_COMPACTION_LAG_MS);
    if (!invalid("min.compaction.lag.ms") && !invalid("max.compaction.lag.ms") && min > max) {
      add(
        `min.compaction.lag.ms (${min}) is above max.compaction.lag.ms (${max})`,
        { "min.compaction.lag.ms": configs["min.compaction.lag.ms"], "max.compaction.lag.ms": configs["max.compaction.lag.ms"] },
        "use a min.compaction.lag.ms <= max.compaction.lag.ms",
      );
    }
  }

  // Not a Kafka refusal, but a topic no acks=all producer can write to (NOT_ENOUGH_REPLICAS).
  const rf = context.replicationFactor;
  const minIsr = parsed.integers.get("min.insync.replicas");
  if (minIsr !== undefined && Number.isInteger(rf) && rf >= 1 && minIsr > BigInt(rf)) {
    add(
      `min.insync.replicas (${minIsr}) is above the replication factor (${rf})`,
      configs["min.insync.replicas"],
      `use a value <= ${rf}: Kafka accepts it, but every produce with acks=all then fails with NOT_ENOUGH_REPLICAS`,
    );
  }

  // LogConfig.validateTopicLogConfigValues: the rules of remote.storage.enable=true.
  if (parsed.booleans.get("remote.storage.enable") !== true) return;
  if (context.remoteLogStorageSystemEnabled !== true) {
    add(
      "remote.storage.enable is true but the broker has no tiered storage",
      configs["remote.storage.enable"],
      "remove it: Kafka refuses it unless the broker sets remote.log.storage.system.enable=true with a RemoteStorageManager plugin",
    );
    return;
  }
  const policies = parsed.policies ?? (Object.prototype.hasOwnProperty.call(configs, "cleanup.policy") ? undefined : ["delete"]);
  if (policies !== undefined && !policies.every((p) => p === "delete")) {
    add(
      "remote storage needs cleanup.policy=delete",
      configs["cleanup.policy"],
      'use cleanup.policy "delete", or remove remote.storage.enable',
    );
  }
  const pairs: [string, string, bigint][] = [
    ["local.retention.bytes", "retention.bytes", DEFAULT_RETENTION_BYTES],
    ["local.retention.ms", "retention.ms", DEFAULT_RETENTION_MS],
  ];
  for (const [localKey, totalKey, totalDefault] of pairs) {
    if (invalid(localKey) || invalid(totalKey)) continue;
    const local = int(localKey, DEFAULT_LOCAL_RETENTION);
    const total = int(totalKey, totalDefault);
    const received = { [localKey]: configs[localKey], [totalKey]: configs[totalKey] ?? `${total} (default)` };
    // validateRemoteStorageRetentionSize / validateRemoteStorageRetentionTime.
    if (total > -1n && local !== -2n) {
      if (local === -1n) {
        add(
          `${localKey} is -1 (unlimited) but ${totalKey} is ${total}`,
          received,
          `use a ${localKey} <= ${totalKey}, or -2 to follow ${totalKey}`,
        );
      } else if (local > total) {
        add(
          `${localKey} (${local}) is above ${totalKey} (${total})`,
          received,
          `use a ${localKey} <= ${totalKey}, or -2 to follow ${totalKey}`,
        );
      }
    }
    // validateRetentionConfigsWhenRemoteCopyDisabled.
    if (parsed.booleans.get("remote.log.copy.disable") === true && local !== -2n && local !== total) {
      add(
        `remote.log.copy.disable needs ${localKey} equal to ${totalKey}`,
        received,
        `set ${localKey} to ${total} or -2: with copying disabled, nothing more goes to remote storage`,
      );
    }
  }
}

/** The name Kafka's metrics use for a topic ('.' -> '_'): two topics with the same metric name collide, and Kafka refuses the second. */
export function topicMetricName(topic: string): string {
  // Topic.unifyCollisionChars (clients/src/main/java/org/apache/kafka/common/internals/Topic.java).
  return topic.replace(/\./g, "_");
}

// ---------------------------------------------------------------------------
// Broker properties
// ---------------------------------------------------------------------------

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

/**
 * Known names outside AbstractKafkaConfig.CONFIG_DEF: AbstractConfig's config
 * providers and JmxReporter's filters, read from the broker's properties too.
 */
const KNOWN_EXTRA_SERVER_PROPERTIES = ["config.providers", "metrics.jmx.include", "metrics.jmx.exclude"];
const KNOWN_SERVER_PREFIXES = ["config.providers."];

// Source: Kafka 4.4.0 AbstractKafkaConfig.CONFIG_DEF.names() (server/src/main/java/org/apache/kafka/server/config/AbstractKafkaConfig.java), internal ones included, dumped from the 4.4.0 jars.
const KNOWN_SERVER_PROPERTIES: ReadonlySet<string> = new Set([
  "add.partitions.to.txn.retry.backoff.max.ms",
  "add.partitions.to.txn.retry.backoff.ms",
  "advertised.listeners",
  "alter.config.policy.class.name",
  "alter.log.dirs.replication.quota.window.num",
  "alter.log.dirs.replication.quota.window.size.seconds",
  "authorizer.class.name",
  "auto.create.topics.enable",
  "auto.leader.rebalance.enable",
  "background.threads",
  "broker.heartbeat.interval.ms",
  "broker.id",
  "broker.rack",
  "broker.session.timeout.ms",
  "client.quota.callback.class",
  "compression.gzip.level",
  "compression.lz4.level",
  "compression.type",
  "compression.zstd.level",
  "connection.failed.authentication.delay.ms",
  "connections.max.idle.ms",
  "connections.max.reauth.ms",
  "controlled.shutdown.enable",
  "controller.listener.names",
  "controller.performance.always.log.threshold.ms",
  "controller.performance.sample.period.ms",
  "controller.quorum.append.linger.ms",
  "controller.quorum.auto.join.enable",
  "controller.quorum.bootstrap.servers",
  "controller.quorum.election.backoff.max.ms",
  "controller.quorum.election.timeout.ms",
  "controller.quorum.fetch.max.bytes",
  "controller.quorum.fetch.snapshot.max.bytes",
  "controller.quorum.fetch.timeout.ms",
  "controller.quorum.request.timeout.ms",
  "controller.quorum.retry.backoff.ms",
  "controller.quorum.voters",
  "controller.quota.window.num",
  "controller.quota.window.size.seconds",
  "controller.socket.timeout.ms",
  "cordoned.log.dirs",
  "create.topic.policy.class.name",
  "default.replication.factor",
  "delegation.token.expiry.check.interval.ms",
  "delegation.token.expiry.time.ms",
  "delegation.token.max.lifetime.ms",
  "delegation.token.secret.key",
  "delete.records.purgatory.purge.interval.requests",
  "delete.topic.enable",
  "early.start.listeners",
  "errors.deadletterqueue.auto.create.topics.enable",
  "errors.deadletterqueue.topic.name.prefix",
  "fetch.max.bytes",
  "fetch.purgatory.purge.interval.requests",
  "follower.fetch.last.tiered.offset.enable",
  "group.consumer.assignment.interval.ms",
  "group.consumer.assignor.offload.enable",
  "group.consumer.assignors",
  "group.consumer.heartbeat.interval.ms",
  "group.consumer.max.assignment.interval.ms",
  "group.consumer.max.heartbeat.interval.ms",
  "group.consumer.max.session.timeout.ms",
  "group.consumer.max.size",
  "group.consumer.migration.policy",
  "group.consumer.min.assignment.interval.ms",
  "group.consumer.min.heartbeat.interval.ms",
  "group.consumer.min.session.timeout.ms",
  "group.consumer.regex.refresh.interval.ms",
  "group.consumer.session.timeout.ms",
  "group.coordinator.append.linger.ms",
  "group.coordinator.background.threads",
  "group.coordinator.cached.buffer.max.bytes",
  "group.coordinator.rebalance.protocols",
  "group.coordinator.threads",
  "group.initial.rebalance.delay.ms",
  "group.max.session.timeout.ms",
  "group.max.size",
  "group.min.session.timeout.ms",
  "group.share.assignment.interval.ms",
  "group.share.assignor.offload.enable",
  "group.share.assignors",
  "group.share.delivery.count.limit",
  "group.share.dlq.manager.class.name",
  "group.share.heartbeat.interval.ms",
  "group.share.initialize.retry.interval.ms",
  "group.share.max.assignment.interval.ms",
  "group.share.max.delivery.count.limit",
  "group.share.max.heartbeat.interval.ms",
  "group.share.max.partition.max.record.locks",
  "group.share.max.record.lock.duration.ms",
  "group.share.max.session.timeout.ms",
  "group.share.max.share.sessions",
  "group.share.max.size",
  "group.share.min.assignment.interval.ms",
  "group.share.min.delivery.count.limit",
  "group.share.min.heartbeat.interval.ms",
  "group.share.min.partition.max.record.locks",
  "group.share.min.record.lock.duration.ms",
  "group.share.min.session.timeout.ms",
  "group.share.partition.max.record.locks",
  "group.share.persister.class.name",
  "group.share.record.lock.duration.ms",
  "group.share.session.timeout.ms",
  "group.streams.acceptable.recovery.lag",
  "group.streams.assignment.interval.ms",
  "group.streams.assignor.offload.enable",
  "group.streams.assignors",
  "group.streams.heartbeat.interval.ms",
  "group.streams.initial.rebalance.delay.ms",
  "group.streams.max.assignment.interval.ms",
  "group.streams.max.heartbeat.interval.ms",
  "group.streams.max.session.timeout.ms",
  "group.streams.max.size",
  "group.streams.max.standby.replicas",
  "group.streams.max.warmup.replicas",
  "group.streams.min.assignment.interval.ms",
  "group.streams.min.heartbeat.interval.ms",
  "group.streams.min.session.timeout.ms",
  "group.streams.min.task.offset.interval.ms",
  "group.streams.num.standby.replicas",
  "group.streams.num.warmup.replicas",
  "group.streams.rack.aware.assignment.tags",
  "group.streams.session.timeout.ms",
  "group.streams.task.offset.interval.ms",
  "group.streams.topology.description.plugin.class",
  "initial.broker.registration.timeout.ms",
  "inter.broker.listener.name",
  "internal.metadata.delete.delay.millis",
  "internal.metadata.log.segment.bytes",
  "internal.metadata.max.batch.size.in.bytes",
  "kafka.metrics.polling.interval.secs",
  "kafka.metrics.reporters",
  "leader.imbalance.check.interval.seconds",
  "listener.security.protocol.map",
  "listeners",
  "log.cleaner.backoff.ms",
  "log.cleaner.dedupe.buffer.size",
  "log.cleaner.delete.retention.ms",
  "log.cleaner.enable",
  "log.cleaner.io.buffer.load.factor",
  "log.cleaner.io.buffer.size",
  "log.cleaner.io.max.bytes.per.second",
  "log.cleaner.max.compaction.lag.ms",
  "log.cleaner.min.cleanable.ratio",
  "log.cleaner.min.compaction.lag.ms",
  "log.cleaner.threads",
  "log.cleanup.policy",
  "log.dir",
  "log.dir.failure.timeout.ms",
  "log.dirs",
  "log.flush.interval.messages",
  "log.flush.interval.ms",
  "log.flush.offset.checkpoint.interval.ms",
  "log.flush.scheduler.interval.ms",
  "log.flush.start.offset.checkpoint.interval.ms",
  "log.index.interval.bytes",
  "log.index.size.max.bytes",
  "log.initial.task.delay.ms",
  "log.local.retention.bytes",
  "log.local.retention.ms",
  "log.message.timestamp.after.max.ms",
  "log.message.timestamp.before.max.ms",
  "log.message.timestamp.type",
  "log.preallocate",
  "log.remote.copy.lag.bytes",
  "log.remote.copy.lag.ms",
  "log.retention.bytes",
  "log.retention.check.interval.ms",
  "log.retention.hours",
  "log.retention.minutes",
  "log.retention.ms",
  "log.roll.hours",
  "log.roll.jitter.hours",
  "log.roll.jitter.ms",
  "log.roll.ms",
  "log.segment.bytes",
  "log.segment.delete.delay.ms",
  "max.connection.creation.rate",
  "max.connections",
  "max.connections.per.ip",
  "max.connections.per.ip.overrides",
  "max.decompressed.message.bytes",
  "max.incremental.fetch.session.cache.slots",
  "max.request.partition.size.limit",
  "message.max.bytes",
  "metadata.log.dir",
  "metadata.log.max.record.bytes.between.snapshots",
  "metadata.log.max.snapshot.interval.ms",
  "metadata.log.segment.bytes",
  "metadata.log.segment.ms",
  "metadata.max.idle.interval.ms",
  "metadata.max.retention.bytes",
  "metadata.max.retention.ms",
  "metric.reporters",
  "metrics.num.samples",
  "metrics.recording.level",
  "metrics.sample.window.ms",
  "min.insync.replicas",
  "node.id",
  "num.io.threads",
  "num.network.threads",
  "num.partitions",
  "num.recovery.threads.per.data.dir",
  "num.replica.alter.log.dirs.threads",
  "num.replica.fetchers",
  "offset.metadata.max.bytes",
  "offsets.commit.timeout.ms",
  "offsets.load.buffer.size",
  "offsets.retention.check.interval.ms",
  "offsets.retention.minutes",
  "offsets.topic.compression.codec",
  "offsets.topic.num.partitions",
  "offsets.topic.replication.factor",
  "offsets.topic.segment.bytes",
  "principal.builder.class",
  "process.roles",
  "producer.id.expiration.check.interval.ms",
  "producer.id.expiration.ms",
  "producer.purgatory.purge.interval.requests",
  "queued.max.request.bytes",
  "queued.max.requests",
  "quota.window.num",
  "quota.window.size.seconds",
  "remote.fetch.max.wait.ms",
  "remote.list.offsets.request.timeout.ms",
  "remote.log.index.file.cache.total.size.bytes",
  "remote.log.index.file.cache.ttl.ms",
  "remote.log.manager.copier.thread.pool.size",
  "remote.log.manager.copy.max.bytes.per.second",
  "remote.log.manager.copy.quota.window.num",
  "remote.log.manager.copy.quota.window.size.seconds",
  "remote.log.manager.expiration.thread.pool.size",
  "remote.log.manager.fetch.max.bytes.per.second",
  "remote.log.manager.fetch.quota.window.num",
  "remote.log.manager.fetch.quota.window.size.seconds",
  "remote.log.manager.follower.thread.pool.size",
  "remote.log.manager.task.interval.ms",
  "remote.log.manager.task.retry.backoff.max.ms",
  "remote.log.manager.task.retry.backoff.ms",
  "remote.log.manager.task.retry.jitter",
  "remote.log.manager.thread.pool.size",
  "remote.log.metadata.custom.metadata.max.bytes",
  "remote.log.metadata.manager.class.name",
  "remote.log.metadata.manager.class.path",
  "remote.log.metadata.manager.impl.prefix",
  "remote.log.metadata.manager.listener.name",
  "remote.log.reader.max.pending.tasks",
  "remote.log.reader.threads",
  "remote.log.storage.manager.class.name",
  "remote.log.storage.manager.class.path",
  "remote.log.storage.manager.impl.prefix",
  "remote.log.storage.system.enable",
  "replica.fetch.backoff.ms",
  "replica.fetch.max.bytes",
  "replica.fetch.min.bytes",
  "replica.fetch.response.max.bytes",
  "replica.fetch.wait.max.ms",
  "replica.high.watermark.checkpoint.interval.ms",
  "replica.lag.time.max.ms",
  "replica.selector.class",
  "replica.socket.receive.buffer.bytes",
  "replica.socket.timeout.ms",
  "replication.quota.window.num",
  "replication.quota.window.size.seconds",
  "request.timeout.ms",
  "sasl.client.callback.handler.class",
  "sasl.enabled.mechanisms",
  "sasl.jaas.config",
  "sasl.kerberos.kinit.cmd",
  "sasl.kerberos.min.time.before.relogin",
  "sasl.kerberos.principal.to.local.rules",
  "sasl.kerberos.service.name",
  "sasl.kerberos.ticket.renew.jitter",
  "sasl.kerberos.ticket.renew.window.factor",
  "sasl.login.callback.handler.class",
  "sasl.login.class",
  "sasl.login.connect.timeout.ms",
  "sasl.login.read.timeout.ms",
  "sasl.login.refresh.buffer.seconds",
  "sasl.login.refresh.min.period.seconds",
  "sasl.login.refresh.window.factor",
  "sasl.login.refresh.window.jitter",
  "sasl.login.retry.backoff.max.ms",
  "sasl.login.retry.backoff.ms",
  "sasl.mechanism.controller.protocol",
  "sasl.mechanism.inter.broker.protocol",
  "sasl.oauthbearer.allow.unverified.audience",
  "sasl.oauthbearer.allow.unverified.issuer",
  "sasl.oauthbearer.assertion.algorithm",
  "sasl.oauthbearer.assertion.claim.aud",
  "sasl.oauthbearer.assertion.claim.exp.seconds",
  "sasl.oauthbearer.assertion.claim.iss",
  "sasl.oauthbearer.assertion.claim.jti.include",
  "sasl.oauthbearer.assertion.claim.nbf.seconds",
  "sasl.oauthbearer.assertion.claim.sub",
  "sasl.oauthbearer.assertion.file",
  "sasl.oauthbearer.assertion.private.key.file",
  "sasl.oauthbearer.assertion.private.key.passphrase",
  "sasl.oauthbearer.assertion.template.file",
  "sasl.oauthbearer.client.credentials.client.id",
  "sasl.oauthbearer.client.credentials.client.secret",
  "sasl.oauthbearer.clock.skew.seconds",
  "sasl.oauthbearer.expected.audience",
  "sasl.oauthbearer.expected.issuer",
  "sasl.oauthbearer.jwks.endpoint.refresh.ms",
  "sasl.oauthbearer.jwks.endpoint.retry.backoff.max.ms",
  "sasl.oauthbearer.jwks.endpoint.retry.backoff.ms",
  "sasl.oauthbearer.jwks.endpoint.url",
  "sasl.oauthbearer.jwt.retriever.class",
  "sasl.oauthbearer.jwt.validator.class",
  "sasl.oauthbearer.scope",
  "sasl.oauthbearer.scope.claim.name",
  "sasl.oauthbearer.sub.claim.name",
  "sasl.oauthbearer.token.endpoint.url",
  "sasl.server.callback.handler.class",
  "sasl.server.max.receive.size",
  "security.inter.broker.protocol",
  "security.providers",
  "server.max.startup.time.ms",
  "share.coordinator.append.linger.ms",
  "share.coordinator.cached.buffer.max.bytes",
  "share.coordinator.cold.partition.snapshot.interval.ms",
  "share.coordinator.load.buffer.size",
  "share.coordinator.snapshot.update.records.per.snapshot",
  "share.coordinator.state.topic.compression.codec",
  "share.coordinator.state.topic.min.isr",
  "share.coordinator.state.topic.num.partitions",
  "share.coordinator.state.topic.prune.interval.ms",
  "share.coordinator.state.topic.replication.factor",
  "share.coordinator.state.topic.segment.bytes",
  "share.coordinator.threads",
  "share.coordinator.write.timeout.ms",
  "share.fetch.purgatory.purge.interval.requests",
  "socket.connection.setup.timeout.max.ms",
  "socket.connection.setup.timeout.ms",
  "socket.listen.backlog.size",
  "socket.receive.buffer.bytes",
  "socket.request.max.bytes",
  "socket.send.buffer.bytes",
  "ssl.allow.dn.changes",
  "ssl.allow.san.changes",
  "ssl.cipher.suites",
  "ssl.client.auth",
  "ssl.enabled.protocols",
  "ssl.endpoint.identification.algorithm",
  "ssl.engine.factory.class",
  "ssl.key.password",
  "ssl.keymanager.algorithm",
  "ssl.keystore.certificate.chain",
  "ssl.keystore.key",
  "ssl.keystore.location",
  "ssl.keystore.password",
  "ssl.keystore.type",
  "ssl.principal.mapping.rules",
  "ssl.protocol",
  "ssl.provider",
  "ssl.secure.random.implementation",
  "ssl.trustmanager.algorithm",
  "ssl.truststore.certificates",
  "ssl.truststore.location",
  "ssl.truststore.password",
  "ssl.truststore.type",
  "telemetry.max.bytes",
  "transaction.abort.timed.out.transaction.cleanup.interval.ms",
  "transaction.max.timeout.ms",
  "transaction.partition.verification.enable",
  "transaction.remove.expired.transaction.cleanup.interval.ms",
  "transaction.state.log.load.buffer.size",
  "transaction.state.log.min.isr",
  "transaction.state.log.num.partitions",
  "transaction.state.log.replication.factor",
  "transaction.state.log.segment.bytes",
  "transaction.two.phase.commit.enable",
  "transactional.id.expiration.ms",
  "unclean.leader.election.enable",
  "unclean.leader.election.interval.ms",
  "unstable.api.versions.enable",
  "unstable.feature.versions.enable",
  ...KNOWN_EXTRA_SERVER_PROPERTIES,
]);

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
