/**
 * Kafka's own rules for topic configs (addTopic's `configs`), checked at synth
 * time so a typo or an out-of-range value fails `cdktf synth` instead of the
 * topics job at deploy time. Pure tables and functions: no cdktf
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
 *   LogConfig.validate(..., kafkaConfig.extractLogConfigMap, remoteStorageSystemEnabled).
 */
import { didYouMean } from "../../errors/did-you-mean";
import type { Finding } from "../../errors/finding";
import { BROKER_NAME_TO_TOPIC_CONFIG } from "./kafka-config-synonyms";
import { lookup } from "./kafka-rule-lookup";

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
export const TOPIC_CONFIGS: Readonly<Record<string, TopicConfigSpec>> = {
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
