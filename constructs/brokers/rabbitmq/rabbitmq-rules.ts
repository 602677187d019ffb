/**
 * What RabbitMQ 4.0 (the Debian 13 `rabbitmq-server` 4.0.5 on Erlang/OTP 27)
 * would refuse, or silently ignore, in a queue declaration's arguments, a
 * policy definition and a policy pattern, told at synth time.
 *
 * Pure: no cdktf or constructs imports, so the tables can be tested alone.
 * Each table cites the RabbitMQ source file (tag v4.0.5) it was read from.
 * Where 3.x accepted something that 4.0 removed or turned into a no-op
 * (classic queue mirroring `ha-*`, `queue-mode`, `x-queue-version: 1`,
 * in-memory limits of quorum queues), it is refused with a fix that says
 * what to use instead.
 */
import { didYouMean } from "../../errors/did-you-mean";
import type { Finding } from "../../errors/finding";

/** A RabbitMQ queue type (`x-queue-type`). */
export type RabbitMqQueueType = "classic" | "quorum" | "stream";
/** What a policy applies to (the policy's `apply-to`). */
export type RabbitMqPolicyTarget = "queues" | "exchanges" | "all" | "classic_queues" | "quorum_queues" | "streams";

const QUEUE_TYPES: readonly RabbitMqQueueType[] = ["classic", "quorum", "stream"];

// ---------------------------------------------------------------------------
// Shared value rules
// ---------------------------------------------------------------------------

/**
 * A cdktf Token cannot be judged at synth: string tokens carry `${TfToken[`,
 * number tokens are encoded as huge negative doubles (about -1.888e+289).
 */
function isUnresolved(value: unknown): boolean {
  return (typeof value === "string" && value.includes("${TfToken[")) || (typeof value === "number" && value < -1e288);
}

/** rabbit_misc:check_expiry/1 (deps/rabbit_common/src/rabbit_misc.erl): at most 10 years in ms. */
const MAX_EXPIRY_MS = 315_360_000_000;
/** ?MAX_SUPPORTED_PRIORITY (deps/rabbit_common/include/rabbit.hrl). */
const MAX_PRIORITY = 255;
/** ?MAX_STREAM_MAX_SEGMENT_SIZE (deps/rabbit_common/include/rabbit.hrl). */
const MAX_STREAM_SEGMENT_BYTES = 3_000_000_000;
/** Units of rabbit_amqqueue:check_max_age/1 (deps/rabbit/src/rabbit_amqqueue.erl). */
const MAX_AGE_UNITS = ["Y", "M", "D", "h", "m", "s"];

/** A value rule: undefined when RabbitMQ takes it, else what is wrong and the fix. */
type ValueRule = (value: unknown) => { problem: string; fix: string } | undefined;

function integer(min: number, max = Number.MAX_SAFE_INTEGER, hint = ""): ValueRule {
  const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
  return (value) => {
    if (typeof value !== "number" || !Number.isInteger(value)) {
      return {
        problem: `must be an integer ${range}`,
        fix: `use a whole number ${range}${typeof value === "string" ? " (a number, not a string)" : ""}${hint}`,
      };
    }
    if (value < min || value > max) return { problem: `must be an integer ${range}`, fix: `use a whole number ${range}${hint}` };
    return undefined;
  };
}

const anyInteger: ValueRule = (value) =>
  typeof value === "number" && Number.isInteger(value) ? undefined : { problem: "must be an integer", fix: "use a whole number" };

function oneOf(values: readonly string[]): ValueRule {
  return (value) =>
    typeof value === "string" && values.includes(value)
      ? undefined
      : { problem: `must be one of ${values.map((v) => `"${v}"`).join(", ")}`, fix: `use ${values.map((v) => `"${v}"`).join(" or ")}` };
}

const aString: ValueRule = (value) => (typeof value === "string" ? undefined : { problem: "must be a string", fix: "pass a string" });

const aBoolean: ValueRule = (value) =>
  typeof value === "boolean"
    ? undefined
    : { problem: "must be a boolean", fix: `use true or false${typeof value === "string" ? " (a boolean, not a string)" : ""}` };

/** rabbit_amqqueue:check_max_age/1: `^[0-9]+` then one unit of Y M D h m s, value > 0. */
const maxAge: ValueRule = (value) => {
  const bad = {
    problem: 'must be a duration string: a positive integer and one unit of Y (365 days), M (30 days), D, h, m, s, e.g. "7D"',
    fix: `write it like "7D", "12h" or "30m"${typeof value === "number" ? " (a string, not a number of ms: streams have no x-message-ttl)" : ""}`,
  };
  if (typeof value !== "string") return bad;
  const match = /^([0-9]+)(.*)$/s.exec(value);
  if (!match || !MAX_AGE_UNITS.includes(match[2]) || !(Number(match[1]) > 0)) return bad;
  return undefined;
};

// Leader locators: rabbit_queue_location.erl ?QUEUE_LEADER_LOCATORS; random, least-leaders and min-masters are deprecated aliases of balanced.
const LEADER_LOCATORS = ["client-local", "balanced"];
const DEPRECATED_LEADER_LOCATORS = ["random", "least-leaders", "min-masters"];
const leaderLocator: ValueRule = (value) => {
  if (typeof value === "string" && DEPRECATED_LEADER_LOCATORS.includes(value)) {
    return { problem: `value "${value}" is deprecated: RabbitMQ 4.0 maps it to "balanced"`, fix: 'use "balanced" (or "client-local")' };
  }
  return oneOf(LEADER_LOCATORS)(value);
};

// ---------------------------------------------------------------------------
// Queue arguments
// ---------------------------------------------------------------------------

interface ArgumentRule {
  /** Queue types that accept the argument. */
  readonly types: readonly RabbitMqQueueType[];
  readonly value?: ValueRule;
  /** Why each other queue type refuses it, and what to use there instead. */
  readonly elsewhere?: Partial<Record<RabbitMqQueueType, string>>;
  /** Refused on every type: removed or a no-op in RabbitMQ 4.0 (problem, fix). */
  readonly removed?: { readonly problem: string; readonly fix: string };
}

// Which type takes which argument: capabilities() queue_arguments in rabbit_classic_queue.erl, rabbit_quorum_queue.erl and rabbit_stream_queue.erl;
// value checks: declare_args() in rabbit_amqqueue.erl, plus check_max_segment_size_bytes/check_filter_size in rabbit_stream_queue.erl.
const QUEUE_ARGUMENTS: Readonly<Record<string, ArgumentRule>> = {
  "x-expires": {
    types: ["classic", "quorum"],
    value: integer(1, MAX_EXPIRY_MS, " (milliseconds of disuse before the queue is deleted; 0 is refused)"),
    elsewhere: { stream: "streams never expire: delete the stream yourself, or bound it with x-max-age / x-max-length-bytes" },
  },
  "x-message-ttl": {
    types: ["classic", "quorum"],
    value: integer(0, MAX_EXPIRY_MS, " (milliseconds)"),
    elsewhere: { stream: 'streams have no per-message TTL: use x-max-age (e.g. "7D") for retention' },
  },
  "x-dead-letter-exchange": {
    types: ["classic", "quorum"],
    value: aString,
    elsewhere: {
      stream: "streams do not dead-letter: messages stay in the log until retention (x-max-age, x-max-length-bytes) removes them",
    },
  },
  "x-dead-letter-routing-key": {
    types: ["classic", "quorum"],
    value: aString,
    elsewhere: { stream: "streams do not dead-letter" },
  },
  "x-dead-letter-strategy": {
    types: ["quorum"],
    value: oneOf(["at-most-once", "at-least-once"]),
    elsewhere: {
      classic: "only quorum queues have dead-letter strategies (classic queues dead-letter at most once): use a quorum queue",
      stream: "streams do not dead-letter",
    },
  },
  "x-max-length": {
    types: ["classic", "quorum"],
    value: integer(0, Number.MAX_SAFE_INTEGER, " (messages)"),
    elsewhere: { stream: "streams are bounded by size or age, not message count: use x-max-length-bytes or x-max-age" },
  },
  "x-max-length-bytes": { types: ["classic", "quorum", "stream"], value: integer(0, Number.MAX_SAFE_INTEGER, " (bytes)") },
  "x-max-in-memory-length": {
    types: [],
    removed: {
      problem:
        "has no effect in RabbitMQ 4.0: it is still accepted on quorum queues but nothing reads it (quorum queues keep no message bodies in memory)",
      fix: "remove it; bound the queue with x-max-length or x-max-length-bytes",
    },
  },
  "x-max-in-memory-bytes": {
    types: [],
    removed: {
      problem:
        "has no effect in RabbitMQ 4.0: it is still accepted on quorum queues but nothing reads it (quorum queues keep no message bodies in memory)",
      fix: "remove it; bound the queue with x-max-length-bytes",
    },
  },
  "x-max-priority": {
    types: ["classic"],
    // RabbitMQ accepts 0 but rabbit_priority_queue:priorities/1 raises it to 1: refused as a likely mistake.
    value: integer(1, MAX_PRIORITY, " (0 would be raised to 1 by RabbitMQ)"),
    elsewhere: {
      quorum:
        "quorum queues in RabbitMQ 4.0 have two built-in priority levels (messages with priority > 4 go first) and take no x-max-priority: remove it, or use a classic queue for up to 255 levels",
      stream: "streams have no message priorities: use a classic queue with x-max-priority",
    },
  },
  "x-overflow": {
    types: ["classic", "quorum"],
    elsewhere: { stream: "streams never refuse publishes for length: they discard their oldest segments (x-max-length-bytes, x-max-age)" },
  },
  "x-queue-mode": {
    types: [],
    removed: {
      problem:
        "is a no-op since RabbitMQ 3.12 (classic queues v2 always page messages to disk, rabbit_variable_queue:set_queue_mode/2 ignores it)",
      fix: "remove it: every classic queue now behaves like a lazy queue; quorum queues and streams refuse it",
    },
  },
  "x-queue-version": {
    types: ["classic"],
    elsewhere: { quorum: "only classic queues have versions", stream: "only classic queues have versions" },
  },
  "x-single-active-consumer": {
    types: ["classic", "quorum"],
    value: aBoolean,
    elsewhere: {
      stream:
        "streams refuse it as a queue argument: use single active consumer of the stream protocol (a consumer name and the single-active-consumer consumer property)",
    },
  },
  "x-queue-master-locator": {
    types: [],
    removed: {
      problem: "is deprecated in RabbitMQ 4.0 (queue_master_locator deprecated feature; to be removed)",
      fix: 'use x-queue-leader-locator with "client-local" or "balanced"',
    },
  },
  "x-queue-leader-locator": { types: ["classic", "quorum", "stream"], value: leaderLocator },
  "x-quorum-initial-group-size": {
    types: ["quorum"],
    value: integer(1, Number.MAX_SAFE_INTEGER, " (replicas)"),
    elsewhere: {
      classic: "classic queues are not replicated in 4.0: use a quorum queue",
      stream: "for streams use x-initial-cluster-size",
    },
  },
  "x-delivery-limit": {
    types: ["quorum"],
    // Not type-checked at declare in 4.0.5 (no declare_args() entry); rabbit_fifo reads an integer, a negative one means no limit.
    value: anyInteger,
    elsewhere: {
      classic: "classic queues do not count redeliveries: use a quorum queue to dead-letter poison messages",
      stream: "streams do not redeliver: consumers move their offset",
    },
  },
  "x-max-age": {
    types: ["stream"],
    value: maxAge,
    elsewhere: {
      classic: "x-max-age is stream retention: for classic queues use x-message-ttl (ms)",
      quorum: "x-max-age is stream retention: for quorum queues use x-message-ttl (ms)",
    },
  },
  "x-stream-max-segment-size-bytes": {
    types: ["stream"],
    value: integer(0, MAX_STREAM_SEGMENT_BYTES, " (bytes; RabbitMQ's maximum is 3000000000)"),
    elsewhere: { classic: "segments belong to streams only", quorum: "segments belong to streams only" },
  },
  "x-stream-filter-size-bytes": {
    types: ["stream"],
    value: integer(16, 255, " (bytes of the Bloom filter per chunk)"),
    elsewhere: { classic: "stream filtering applies to streams only", quorum: "stream filtering applies to streams only" },
  },
  "x-initial-cluster-size": {
    types: ["stream"],
    value: integer(1, Number.MAX_SAFE_INTEGER, " (replicas)"),
    elsewhere: {
      classic: "classic queues are not replicated in 4.0: use a stream or a quorum queue",
      quorum: "for quorum queues use x-quorum-initial-group-size",
    },
  },
};

// Consumer arguments (basic.consume), not queue arguments: consumer_arguments of the same capabilities() and consume_args() in rabbit_amqqueue.erl.
const CONSUMER_ARGUMENTS = ["x-priority", "x-stream-offset", "x-stream-filter", "x-stream-match-unfiltered"];

// x-overflow modes: ?KNOWN_OVERFLOW_MODES in rabbit_amqqueue.erl; rabbit_quorum_queue:overflow/3 ignores reject-publish-dlx (warns, uses drop-head).
const OVERFLOW_MODES: Readonly<Record<RabbitMqQueueType, readonly string[]>> = {
  classic: ["drop-head", "reject-publish", "reject-publish-dlx"],
  quorum: ["drop-head", "reject-publish"],
  stream: [],
};

function queueTypeArguments(type: RabbitMqQueueType): string[] {
  return Object.keys(QUEUE_ARGUMENTS).filter((key) => QUEUE_ARGUMENTS[key].types.includes(type));
}

/**
 * The arguments of a queue declaration that RabbitMQ 4.0 would refuse (or
 * silently ignore) for a queue of `type`. `x-queue-type` is set by the
 * construct and skipped.
 */
export function checkQueueArguments(queue: string, type: RabbitMqQueueType, args: Record<string, unknown>): Finding[] {
  const findings: Finding[] = [];
  const subject = `queue "${queue}" (${type})`;
  const add = (problem: string, received: unknown, fix: string) => findings.push({ problem: `${subject}: ${problem}`, received, fix });
  const accepted = queueTypeArguments(type);
  for (const [key, value] of Object.entries(args)) {
    if (key === "x-queue-type" || value === undefined) continue;
    const rule = QUEUE_ARGUMENTS[key];
    if (rule === undefined) {
      if (CONSUMER_ARGUMENTS.includes(key)) {
        add(
          `argument ${key} is a consumer argument, not a queue argument`,
          value,
          `pass ${key} in the consumer's basic.consume arguments, and remove it from the queue`,
        );
      } else if (!key.startsWith("x-")) {
        const suggestion = didYouMean(key, accepted) || didYouMean(`x-${key}`, accepted);
        add(`argument ${key} is unknown: queue arguments start with "x-"`, key, `${suggestion}use one of ${accepted.join(", ")}`);
      } else {
        add(`argument ${key} is unknown`, key, `${didYouMean(key, accepted)}a ${type} queue accepts ${accepted.join(", ")}`);
      }
      continue;
    }
    if (rule.removed) {
      add(`argument ${key} ${rule.removed.problem}`, value, rule.removed.fix);
      continue;
    }
    if (!rule.types.includes(type)) {
      const others = rule.types.map((t) => OBJECT_NAMES[t]).join(" and ");
      add(`argument ${key} applies to ${others} only`, value, rule.elsewhere?.[type] ?? `remove it, or declare a ${rule.types[0]} queue`);
      continue;
    }
    if (isUnresolved(value)) continue;
    const verdict = rule.value?.(value);
    if (verdict) add(`argument ${key} ${verdict.problem}`, value, verdict.fix);
  }
  checkQueueArgumentValues(type, args, add);
  return findings;
}

/** Rules that depend on the value or on another argument. */
function checkQueueArgumentValues(
  type: RabbitMqQueueType,
  args: Record<string, unknown>,
  add: (problem: string, received: unknown, fix: string) => void,
): void {
  const overflow = args["x-overflow"];
  if (overflow !== undefined && QUEUE_ARGUMENTS["x-overflow"].types.includes(type) && !isUnresolved(overflow)) {
    const modes = OVERFLOW_MODES[type];
    if (type === "quorum" && overflow === "reject-publish-dlx") {
      add(
        'argument x-overflow "reject-publish-dlx" is not supported by quorum queues: RabbitMQ logs a warning and uses drop-head',
        overflow,
        'use "reject-publish" (publishers get a nack) or "drop-head" (the oldest message is dead-lettered); reject-publish-dlx exists for classic queues only',
      );
    } else if (typeof overflow !== "string" || !modes.includes(overflow)) {
      add(
        `argument x-overflow must be one of ${modes.map((m) => `"${m}"`).join(", ")}`,
        overflow,
        `${typeof overflow === "string" ? didYouMean(overflow, modes) : ""}use ${modes.map((m) => `"${m}"`).join(" or ")}`,
      );
    }
  }
  const version = args["x-queue-version"];
  if (version !== undefined && type === "classic" && !isUnresolved(version)) {
    if (version === 1) {
      add(
        "argument x-queue-version 1 was removed in RabbitMQ 4.0: only version 2 exists and the value is ignored",
        version,
        "remove x-queue-version (or set 2)",
      );
    } else if (version !== 2) {
      add("argument x-queue-version must be 2 (the only classic queue version in RabbitMQ 4.0)", version, "remove x-queue-version");
    }
  }
  // rabbit_amqqueue:check_dlxrk_arg/2: routing_key_but_no_dlx_defined.
  if (args["x-dead-letter-routing-key"] !== undefined && args["x-dead-letter-exchange"] === undefined && type !== "stream") {
    add(
      "argument x-dead-letter-routing-key needs x-dead-letter-exchange (RabbitMQ refuses it alone)",
      args["x-dead-letter-routing-key"],
      'set x-dead-letter-exchange too ("" is the default exchange)',
    );
  }
  // rabbit_quorum_queue:dlh/5: at-least-once falls back to at-most-once (with a warning) unless overflow is reject-publish.
  if (
    type === "quorum" &&
    args["x-dead-letter-strategy"] === "at-least-once" &&
    args["x-overflow"] !== "reject-publish" &&
    !isUnresolved(args["x-overflow"])
  ) {
    add(
      'argument x-dead-letter-strategy "at-least-once" needs x-overflow "reject-publish": with drop-head RabbitMQ falls back to at-most-once',
      args["x-overflow"] ?? "(x-overflow not set: drop-head)",
      'set x-overflow to "reject-publish", or use x-dead-letter-strategy "at-most-once"',
    );
  }
}

// ---------------------------------------------------------------------------
// Policy definitions
// ---------------------------------------------------------------------------

type PolicyObject = "exchange" | RabbitMqQueueType;

interface PolicyKeyRule {
  /** Where the key takes effect. */
  readonly appliesTo: readonly PolicyObject[];
  /** Queue types whose capabilities() list the key in unsupported_policies: the whole policy then skips those queues. */
  readonly blocks: readonly RabbitMqQueueType[];
  readonly value?: ValueRule;
  /** Refused: removed or a no-op in RabbitMQ 4.0 (problem, fix). */
  readonly removed?: { readonly problem: string; readonly fix: string };
  /** Accepted only with a plugin enabled. */
  readonly plugin?: string;
}

// apply-to values and what each matches: apply_to_validation/2, matches_type/2 and matches_queue_type/3 in deps/rabbit/src/rabbit_policy.erl.
const OBJECT_NAMES: Readonly<Record<PolicyObject, string>> = {
  exchange: "exchanges",
  classic: "classic queues",
  quorum: "quorum queues",
  stream: "streams",
};
const TARGET_OBJECTS: Readonly<Record<RabbitMqPolicyTarget, readonly PolicyObject[]>> = {
  all: ["exchange", "classic", "quorum", "stream"],
  exchanges: ["exchange"],
  queues: ["classic", "quorum", "stream"],
  classic_queues: ["classic"],
  quorum_queues: ["quorum"],
  streams: ["stream"],
};

const CLASSIC_QUORUM: readonly RabbitMqQueueType[] = ["classic", "quorum"];
const ALL_QUEUES: readonly PolicyObject[] = ["classic", "quorum", "stream"];

// Keys and value checks: register/0 and validate_policy0/2 in deps/rabbit/src/rabbit_policies.erl, plus target-group-size
// (rabbit_quorum_queue.erl), queue-master-locator (rabbit_classic_queue.erl), federation-* (deps/rabbitmq_federation/src/rabbit_federation_parameters.erl)
// and shards-per-node/routing-key (deps/rabbitmq_sharding/src/rabbit_sharding_policy_validator.erl);
// `blocks`: unsupported_policies of capabilities() in rabbit_classic_queue.erl, rabbit_quorum_queue.erl, rabbit_stream_queue.erl.
const POLICY_KEYS: Readonly<Record<string, PolicyKeyRule>> = {
  "alternate-exchange": { appliesTo: ["exchange"], blocks: [], value: aString },
  "consumer-timeout": { appliesTo: ALL_QUEUES, blocks: [], value: integer(0, Number.MAX_SAFE_INTEGER, " (milliseconds)") },
  "dead-letter-exchange": { appliesTo: CLASSIC_QUORUM, blocks: ["stream"], value: aString },
  "dead-letter-routing-key": { appliesTo: CLASSIC_QUORUM, blocks: ["stream"], value: aString },
  "dead-letter-strategy": { appliesTo: ["quorum"], blocks: ["classic", "stream"], value: oneOf(["at-most-once", "at-least-once"]) },
  // The policy validator has no upper bound for message-ttl (unlike the x-message-ttl argument).
  "message-ttl": { appliesTo: CLASSIC_QUORUM, blocks: ["stream"], value: integer(0, Number.MAX_SAFE_INTEGER, " (milliseconds)") },
  expires: {
    appliesTo: CLASSIC_QUORUM,
    blocks: ["stream"],
    value: integer(1, Number.MAX_SAFE_INTEGER, " (milliseconds of disuse; 0 is refused)"),
  },
  "max-length": { appliesTo: CLASSIC_QUORUM, blocks: ["stream"], value: integer(0, Number.MAX_SAFE_INTEGER, " (messages)") },
  "max-length-bytes": { appliesTo: ALL_QUEUES, blocks: [], value: integer(0, Number.MAX_SAFE_INTEGER, " (bytes)") },
  "max-in-memory-length": {
    appliesTo: [],
    blocks: ["classic", "stream"],
    removed: {
      problem: "has no effect in RabbitMQ 4.0 (quorum queues keep no message bodies in memory; nothing reads it)",
      fix: "remove it; use max-length or max-length-bytes",
    },
  },
  "max-in-memory-bytes": {
    appliesTo: [],
    blocks: ["classic", "stream"],
    removed: {
      problem: "has no effect in RabbitMQ 4.0 (quorum queues keep no message bodies in memory; nothing reads it)",
      fix: "remove it; use max-length-bytes",
    },
  },
  "queue-mode": {
    appliesTo: [],
    blocks: ["quorum", "stream"],
    removed: {
      problem: "is a no-op since RabbitMQ 3.12 (classic queues v2 always page messages to disk; set_queue_mode/2 ignores it)",
      fix: "remove it: every classic queue now behaves like a lazy queue",
    },
  },
  "queue-version": { appliesTo: ["classic"], blocks: [] },
  overflow: { appliesTo: CLASSIC_QUORUM, blocks: ["stream"] },
  "delivery-limit": { appliesTo: ["quorum"], blocks: ["classic", "stream"], value: anyInteger },
  "max-age": { appliesTo: ["stream"], blocks: ["classic", "quorum"], value: maxAge },
  "stream-max-segment-size-bytes": {
    appliesTo: ["stream"],
    blocks: ["classic", "quorum"],
    value: integer(0, MAX_STREAM_SEGMENT_BYTES, " (bytes; RabbitMQ's maximum is 3000000000)"),
  },
  "stream-filter-size-bytes": { appliesTo: ["stream"], blocks: [], value: integer(16, 255, " (bytes)") },
  "queue-leader-locator": { appliesTo: ALL_QUEUES, blocks: [], value: leaderLocator },
  // The validator takes 0, but a stream needs at least one member (the x-initial-cluster-size argument refuses 0).
  "initial-cluster-size": {
    appliesTo: ["stream"],
    blocks: ["classic", "quorum"],
    value: integer(1, Number.MAX_SAFE_INTEGER, " (replicas)"),
  },
  "target-group-size": { appliesTo: ["quorum"], blocks: ["classic", "stream"], value: integer(1, Number.MAX_SAFE_INTEGER, " (replicas)") },
  "queue-master-locator": {
    appliesTo: [],
    blocks: ["quorum", "stream"],
    removed: {
      problem: "is deprecated in RabbitMQ 4.0 (queue_master_locator deprecated feature; to be removed)",
      fix: 'use queue-leader-locator with "client-local" or "balanced"',
    },
  },
  "federation-upstream": { appliesTo: ["exchange", "classic", "quorum"], blocks: [], value: aString, plugin: "rabbitmq_federation" },
  "federation-upstream-set": { appliesTo: ["exchange", "classic", "quorum"], blocks: [], value: aString, plugin: "rabbitmq_federation" },
  "federation-upstream-pattern": {
    appliesTo: ["exchange", "classic", "quorum"],
    blocks: [],
    value: aString,
    plugin: "rabbitmq_federation",
  },
  "shards-per-node": { appliesTo: ["exchange"], blocks: [], plugin: "rabbitmq_sharding" },
  "routing-key": { appliesTo: ["exchange"], blocks: [], value: aString, plugin: "rabbitmq_sharding" },
};

// Keys that RabbitMQ 4.0 does not recognise ("are not recognised policy settings", rabbit_policy:validation0/2) but users carry
// over from queue arguments; max-priority and single-active-consumer appear only in unsupported_policies of rabbit_quorum_queue.erl.
const NOT_POLICY_KEYS: Readonly<Record<string, { problem: string; fix: string }>> = {
  "max-priority": {
    problem: "is not a policy key (priorities are fixed at declaration)",
    fix: "declare the classic queue with the x-max-priority argument",
  },
  "single-active-consumer": { problem: "is not a policy key", fix: "declare the queue with the x-single-active-consumer argument" },
  "queue-type": {
    problem: "is not a policy key: a policy cannot change a queue's type",
    fix: 'declare the queue with x-queue-type (e.g. type: "quorum")',
  },
  "x-queue-type": {
    problem: "is not a policy key: a policy cannot change a queue's type",
    fix: 'declare the queue with x-queue-type (e.g. type: "quorum")',
  },
};

// ha-*: the classic_queue_mirroring deprecated feature is `removed` in deps/rabbit/src/rabbit_mirror_queue_misc.erl; no validator registers them.
const HA_PROBLEM =
  "is classic queue mirroring, which was removed in RabbitMQ 4.0 (the classic_queue_mirroring deprecated feature is in phase removed)";
const HA_FIX = 'remove the ha-* keys and declare replicated queues as quorum queues (type "quorum"), or streams';

/**
 * The keys and values of a policy definition that RabbitMQ 4.0 would refuse,
 * or that could never take effect on the objects `applyTo` selects.
 */
export function checkPolicyDefinition(policy: string, applyTo: RabbitMqPolicyTarget, definition: Record<string, unknown>): Finding[] {
  const findings: Finding[] = [];
  const add = (problem: string, received: unknown, fix: string) =>
    findings.push({ problem: `policy "${policy}": ${problem}`, received, fix });
  // A key whose value is undefined is not sent (JSON drops it).
  const keys = Object.keys(definition).filter((key) => definition[key] !== undefined);
  const targets = TARGET_OBJECTS[applyTo] ?? TARGET_OBJECTS.queues;
  if (keys.length === 0) {
    // rabbit_policy:validation/3: "no policy provided".
    add("definition is empty (RabbitMQ refuses it: no policy provided)", definition, 'set at least one key, e.g. { "max-length": 10000 }');
    return findings;
  }
  // Recognised keys (all of them make a queue type skip the policy, see below), and those that can take effect here.
  const known: string[] = [];
  const reachable: string[] = [];
  for (const key of keys) {
    const value = definition[key];
    const rule = POLICY_KEYS[key];
    if (key.startsWith("ha-")) {
      add(`key ${key} ${HA_PROBLEM}`, value, HA_FIX);
      continue;
    }
    if (rule === undefined) {
      const notKey = NOT_POLICY_KEYS[key];
      if (notKey) add(`key ${key} ${notKey.problem}`, key, notKey.fix);
      else if (key.startsWith("x-") && POLICY_KEYS[key.slice(2)])
        add(`key ${key} is a queue argument name: policy keys have no "x-" prefix`, key, `use "${key.slice(2)}"`);
      else
        add(
          `key ${key} is not a policy key RabbitMQ 4.0 recognises`,
          key,
          `${didYouMean(key, Object.keys(POLICY_KEYS))}use one of ${Object.keys(POLICY_KEYS)
            .filter((k) => !POLICY_KEYS[k].removed)
            .join(", ")}`,
        );
      continue;
    }
    if (rule.removed) {
      add(`key ${key} ${rule.removed.problem}`, value, rule.removed.fix);
      continue;
    }
    known.push(key);
    const reach = rule.appliesTo.filter((o) => targets.includes(o));
    if (reach.length > 0) reachable.push(key);
    if (reach.length === 0) {
      add(
        `key ${key} applies to ${rule.appliesTo.map((o) => OBJECT_NAMES[o]).join(" and ")} only, but applyTo is "${applyTo}"`,
        value,
        `set applyTo to ${policyTargetsFor(rule.appliesTo)}, or move ${key} to another policy`,
      );
      continue;
    }
    if (isUnresolved(value)) continue;
    const verdict = rule.value?.(value);
    if (verdict) add(`key ${key} ${verdict.problem}`, value, verdict.fix);
  }
  checkPolicyCombinations(applyTo, targets, Object.fromEntries(keys.map((key) => [key, definition[key]])), known, reachable, add);
  return findings;
}

function policyTargetsFor(objects: readonly PolicyObject[]): string {
  if (objects.length === 1) {
    return (
      { exchange: '"exchanges"', classic: '"classic_queues"', quorum: '"quorum_queues"', stream: '"streams"' }[objects[0]] + ' (or "all")'
    );
  }
  return objects.includes("exchange") ? '"exchanges" or "all"' : '"queues" (or the queue type it applies to)';
}

function checkPolicyCombinations(
  applyTo: RabbitMqPolicyTarget,
  targets: readonly PolicyObject[],
  definition: Record<string, unknown>,
  known: readonly string[],
  reachable: readonly string[],
  add: (problem: string, received: unknown, fix: string) => void,
): void {
  // rabbit_queue_type:is_policy_applicable/2: a queue takes a policy only if none of its keys is in the type's unsupported_policies.
  const queueTypes = QUEUE_TYPES.filter((t) => targets.includes(t));
  const applicable = queueTypes.filter((t) => !known.some((k) => POLICY_KEYS[k].blocks.includes(t)));
  const queueKeys = reachable.filter((k) => POLICY_KEYS[k].appliesTo.some((o) => o !== "exchange" && targets.includes(o)));
  if (queueTypes.length > 0 && queueKeys.length > 0) {
    if (applicable.length === 0) {
      const blockers = queueTypes
        .map((t) => `${OBJECT_NAMES[t]} by ${known.filter((k) => POLICY_KEYS[k].blocks.includes(t)).join(", ")}`)
        .join("; ");
      add(
        `definition mixes keys of different queue types, so it applies to no queue (a queue skips a policy with any key its type does not support: ${blockers})`,
        Object.keys(definition),
        "split it into one policy per queue type, each with its own applyTo",
      );
    } else {
      for (const key of queueKeys) {
        if (!POLICY_KEYS[key].appliesTo.some((o) => o !== "exchange" && applicable.includes(o as RabbitMqQueueType))) {
          add(
            `key ${key} never takes effect: the other keys restrict this policy to ${applicable.map((t) => OBJECT_NAMES[t]).join(" and ")}`,
            definition[key],
            "move it to a policy of its own queue type",
          );
        }
      }
    }
  }
  // rabbit_federation_parameters:validate_policy/1: only one of the three.
  const federation = ["federation-upstream", "federation-upstream-set", "federation-upstream-pattern"].filter((k) => k in definition);
  if (federation.length > 1) {
    add(
      `keys ${federation.join(" and ")} cannot be used together`,
      federation,
      'keep one: federation-upstream (one upstream), federation-upstream-set (a set, or "all") or federation-upstream-pattern',
    );
  }
  const upstreamPattern = definition["federation-upstream-pattern"];
  if (typeof upstreamPattern === "string" && reachable.includes("federation-upstream-pattern") && !isUnresolved(upstreamPattern)) {
    const error = pcreCompileError(upstreamPattern);
    if (error)
      add(
        `key federation-upstream-pattern is not a valid regular expression: ${error.message} at character ${error.offset}`,
        upstreamPattern,
        error.fix,
      );
  }
  // rabbit_sharding_policy_validator:validate_policy/1.
  if ("routing-key" in definition && !("shards-per-node" in definition)) {
    add(
      "key routing-key (sharding plugin) needs shards-per-node",
      definition["routing-key"],
      "set shards-per-node too; for dead-lettering use dead-letter-routing-key",
    );
  }
  const shards = definition["shards-per-node"];
  if (
    shards !== undefined &&
    reachable.includes("shards-per-node") &&
    !isUnresolved(shards) &&
    (typeof shards !== "number" || shards < 0)
  ) {
    add("key shards-per-node must be a number >= 0", shards, "use e.g. 2");
  }
  // overflow: validate_policy0 takes the three modes; rabbit_quorum_queue:overflow/3 ignores reject-publish-dlx.
  const overflow = definition.overflow;
  if (overflow !== undefined && reachable.includes("overflow") && !isUnresolved(overflow)) {
    const modes = OVERFLOW_MODES.classic;
    if (typeof overflow !== "string" || !modes.includes(overflow)) {
      add(
        `key overflow must be one of ${modes.map((m) => `"${m}"`).join(", ")}`,
        overflow,
        `${typeof overflow === "string" ? didYouMean(overflow, modes) : ""}use "drop-head" or "reject-publish"`,
      );
    } else if (overflow === "reject-publish-dlx" && applyTo === "quorum_queues") {
      add(
        'key overflow "reject-publish-dlx" is not supported by quorum queues: RabbitMQ logs a warning and uses drop-head',
        overflow,
        'use "reject-publish" or "drop-head"',
      );
    }
  }
  const version = definition["queue-version"];
  if (version !== undefined && reachable.includes("queue-version") && !isUnresolved(version)) {
    if (version === 1)
      add(
        "key queue-version 1 was removed in RabbitMQ 4.0: only version 2 exists and the value is ignored",
        version,
        "remove queue-version (or set 2)",
      );
    else if (version !== 2)
      add("key queue-version must be 2 (the only classic queue version in RabbitMQ 4.0)", version, "remove queue-version");
  }
  if (definition["dead-letter-strategy"] === "at-least-once" && typeof overflow === "string" && overflow !== "reject-publish") {
    add(
      'key dead-letter-strategy "at-least-once" needs overflow "reject-publish": with another overflow RabbitMQ falls back to at-most-once',
      overflow,
      'set overflow to "reject-publish"',
    );
  }
}

// ---------------------------------------------------------------------------
// Policy patterns: a PCRE 8.x syntax checker
// ---------------------------------------------------------------------------

/**
 * RabbitMQ checks a policy's pattern with `re:compile/1`
 * (rabbit_parameter_validation:regex/2, deps/rabbit/src/rabbit_parameter_validation.erl),
 * no options: a byte pattern, no UTF-8 unless it starts with (*UTF8) or (*UTF).
 * Erlang/OTP up to 27 implements `re` with PCRE 8.x (8.44/8.45; OTP 28 moved to
 * PCRE2). JavaScript's RegExp is the wrong judge: it refuses valid PCRE
 * (`a++`, `(?>a)`, `\A`, `(?i)`, `\Q..\E`, `[[:alpha:]]`) and takes patterns PCRE refuses.
 * This is a port of the syntax checks of pcre_compile.c (compile_branch,
 * check_escape, get_ucp, check_posix_syntax, find_fixedlength), cross-checked
 * against Erlang's re:compile; when in doubt it accepts.
 */
export function checkPolicyPattern(policy: string, pattern: string): Finding[] {
  if (isUnresolved(pattern)) return [];
  const error = pcreCompileError(pattern);
  if (!error) return [];
  return [
    {
      problem: `policy "${policy}": pattern is not a valid PCRE regular expression (RabbitMQ compiles it with Erlang's re): ${error.message} at character ${error.offset}`,
      received: pattern,
      fix: error.fix,
    },
  ];
}

interface PcreError {
  readonly code: number;
  readonly message: string;
  /** Character index in the pattern where PCRE stopped. */
  readonly offset: number;
  readonly fix: string;
}

// Error texts: error_texts[] of pcre_compile.c (PCRE 8.x), the ones this checker can raise.
const PCRE_MESSAGES: Readonly<Record<number, string>> = {
  1: "\\ at end of pattern",
  2: "\\c at end of pattern",
  3: "unrecognized character follows \\",
  4: "numbers out of order in {} quantifier",
  5: "number too big in {} quantifier",
  6: "missing terminating ] for character class",
  7: "invalid escape sequence in character class",
  8: "range out of order in character class",
  9: "nothing to repeat",
  12: "unrecognized character after (? or (?-",
  13: "POSIX named classes are supported only within a class",
  14: "missing )",
  15: "reference to non-existent subpattern",
  18: "missing ) after comment",
  22: "unmatched parentheses",
  24: "unrecognized character after (?<",
  25: "lookbehind assertion is not fixed length",
  36: "\\C not allowed in lookbehind assertion",
  26: "malformed number or name after (?(",
  27: "conditional group contains more than two branches",
  28: "assertion expected after (?( or (?(?C)",
  29: "(?R or (?[+-]digits must be followed by )",
  30: "unknown POSIX class name",
  31: "POSIX collating elements are not supported",
  34: "character value in \\x{} or \\o{} is too large",
  35: "invalid condition (?(0)",
  37: "PCRE does not support \\L, \\l, \\N{name}, \\U, or \\u",
  38: "number after (?C is > 255",
  39: "closing ) for (?C expected",
  41: "unrecognized character after (?P",
  42: "syntax error in subpattern name (missing terminator)",
  43: "two named subpatterns have the same name",
  46: "malformed \\P or \\p sequence",
  47: "unknown property name after \\P or \\p",
  48: "subpattern name is too long (maximum 32 characters)",
  51: "octal value is greater than \\377 in 8-bit non-UTF-8 mode",
  54: "DEFINE group contains more than one branch",
  57: "\\g is not followed by a braced, angle-bracketed, or quoted name/number or by a plain number",
  58: "a numbered reference must not be zero",
  59: "an argument is not allowed for (*ACCEPT), (*FAIL), or (*COMMIT)",
  60: "(*VERB) not recognized or malformed",
  61: "number is too big",
  62: "subpattern name expected",
  63: "digit expected after (?+",
  65: "different names for subpatterns of the same number are not allowed",
  66: "(*MARK) must have an argument",
  68: "\\c must be followed by an ASCII character",
  69: "\\k is not followed by a braced, angle-bracketed, or quoted name",
  71: "\\N is not supported in a class",
  73: "disallowed Unicode code point (>= 0xd800 && <= 0xdfff)",
  75: "name is too long in (*MARK), (*PRUNE), (*SKIP), or (*THEN)",
  79: "non-hex character in \\x{} (closing brace missing?)",
  80: "non-octal character in \\o{} (closing brace missing?)",
  81: "missing opening brace after \\o",
  83: "invalid range in character class",
  84: "group name must start with a non-digit",
  86: "digits missing in \\x{} or \\o{}",
  100: "NUL character in pattern",
};

function pcreFix(code: number, pattern: string): string {
  switch (code) {
    case 9:
      return /(^|[|(])\*/.test(pattern) || pattern.startsWith("*")
        ? 'policy patterns are regular expressions, not globs: write ".*" where you meant "*", and "\\*" for a literal star'
        : 'a quantifier (*, +, ?, {n}) needs something before it to repeat: escape it ("\\*", "\\+", "\\?", "\\{") to match it literally; "a*+" and "a*?" are fine, "a**" is not';
    case 14:
    case 22:
      return "balance the parentheses, or escape a literal one as \\( or \\)";
    case 6:
      return "close the character class with ], or escape a literal [ as \\[";
    case 8:
    case 83:
      return "write each range low-high, e.g. [a-z], or put - first or last to match a literal hyphen";
    case 4:
      return "write {min,max} with min <= max";
    case 5:
      return "use repeat counts up to 65535";
    case 13:
      return "put the POSIX class inside brackets: [[:digit:]]";
    case 30:
      return "use one of alpha, lower, upper, alnum, ascii, blank, cntrl, digit, graph, print, punct, space, word, xdigit";
    case 15:
      return "refer only to groups that exist: count the capturing groups, or name them with (?<name>...)";
    case 25:
      return "a lookbehind must match a fixed number of characters in each alternative: use (?<=ab|c), not (?<=a+) or (?<=a(b|cd))";
    case 1:
      return "escape a trailing backslash as \\\\";
    case 12:
    case 24:
    case 41:
      return "use a known group syntax: (?:...), (?=...), (?!...), (?<=...), (?<!...), (?>...), (?<name>...), or inline options like (?i)";
    case 37:
      return "PCRE has no \\L, \\l, \\U, \\u or \\N{name}: use \\x{hh} for a character, (?i) for case";
    case 100:
      return "remove the NUL character: RabbitMQ's PCRE stops reading the pattern there";
    default:
      return "fix the pattern: RabbitMQ compiles it with Erlang's re module (PCRE 8 syntax)";
  }
}

class Fault {
  constructor(
    readonly code: number,
    readonly at: number,
  ) {}
}

/** Fixed-length bookkeeping for lookbehinds: a length, VAR (variable) or UNKNOWN (cannot tell; accepted). */
const VAR = -1;
const UNKNOWN = -2;
/** \C in UTF mode: one byte, refused in a lookbehind. */
const ANYBYTE = -3;

const OPT_EXTENDED = 1;
const OPT_EXTRA = 2;
const OPT_DUPNAMES = 4;

const enum Esc {
  None = 0,
  A = 1,
  G,
  K,
  B,
  b,
  D,
  d,
  S,
  s,
  W,
  w,
  N,
  dum,
  C,
  P,
  p,
  R,
  H,
  h,
  V,
  v,
  X,
  Z,
  z,
  E,
  Q,
  g,
  k,
}

// escapes[] of pcre_compile.c for ASCII letters: a literal character value (>= 0) or an escape type (< 0 here as -Esc).
const ESCAPE_TABLE: Readonly<Record<string, number>> = {
  A: -Esc.A,
  B: -Esc.B,
  C: -Esc.C,
  D: -Esc.D,
  E: -Esc.E,
  G: -Esc.G,
  H: -Esc.H,
  K: -Esc.K,
  N: -Esc.N,
  P: -Esc.P,
  Q: -Esc.Q,
  R: -Esc.R,
  S: -Esc.S,
  V: -Esc.V,
  W: -Esc.W,
  X: -Esc.X,
  Z: -Esc.Z,
  a: 7,
  b: -Esc.b,
  d: -Esc.d,
  e: 27,
  f: 12,
  h: -Esc.h,
  k: -Esc.k,
  n: 10,
  p: -Esc.p,
  r: 13,
  s: -Esc.s,
  t: 9,
  v: -Esc.v,
  w: -Esc.w,
  z: -Esc.z,
};

// posix_names[] of pcre_compile.c.
const POSIX_CLASSES = [
  "alpha",
  "lower",
  "upper",
  "alnum",
  "ascii",
  "blank",
  "cntrl",
  "digit",
  "graph",
  "print",
  "punct",
  "space",
  "word",
  "xdigit",
];
// utt_names[] of pcre_tables.c (PCRE 8.39): general categories, PCRE specials and scripts. Later 8.x add scripts,
// so a longer unknown name of letters and underscores is accepted as a possible script.
const UCP_NAMES = new Set(
  (
    "Any C Cc Cf Cn Co Cs L L& Ll Lm Lo Lt Lu M Mc Me Mn N Nd Nl No P Pc Pd Pe Pf Pi Po Ps S Sc Sk Sm So Z Zl Zp Zs Xan Xps Xsp Xuc Xwd " +
    "Arabic Armenian Avestan Balinese Bamum Bassa_Vah Batak Bengali Bopomofo Brahmi Braille Buginese Buhid Canadian_Aboriginal Carian " +
    "Caucasian_Albanian Chakma Cham Cherokee Common Coptic Cuneiform Cypriot Cyrillic Deseret Devanagari Duployan Egyptian_Hieroglyphs Elbasan " +
    "Ethiopic Georgian Glagolitic Gothic Grantha Greek Gujarati Gurmukhi Han Hangul Hanunoo Hebrew Hiragana Imperial_Aramaic Inherited " +
    "Inscriptional_Pahlavi Inscriptional_Parthian Javanese Kaithi Kannada Katakana Kayah_Li Kharoshthi Khmer Khojki Khudawadi Lao Latin Lepcha " +
    "Limbu Linear_A Linear_B Lisu Lycian Lydian Mahajani Malayalam Mandaic Manichaean Meetei_Mayek Mende_Kikakui Meroitic_Cursive " +
    "Meroitic_Hieroglyphs Miao Modi Mongolian Mro Myanmar Nabataean New_Tai_Lue Nko Ogham Ol_Chiki Old_Italic Old_North_Arabian Old_Permic " +
    "Old_Persian Old_South_Arabian Old_Turkic Oriya Osmanya Pahawh_Hmong Palmyrene Pau_Cin_Hau Phags_Pa Phoenician Psalter_Pahlavi Rejang Runic " +
    "Samaritan Saurashtra Sharada Shavian Siddham Sinhala Sora_Sompeng Sundanese Syloti_Nagri Syriac Tagalog Tagbanwa Tai_Le Tai_Tham Tai_Viet " +
    "Takri Tamil Telugu Thaana Thai Tibetan Tifinagh Tirhuta Ugaritic Vai Warang_Citi Yi"
  ).split(" "),
);

// Verbs: verbs[] of pcre_compile.c; arg: required, forbidden or optional.
const VERBS: Readonly<Record<string, "required" | "forbidden" | "optional">> = {
  "": "required",
  MARK: "required",
  ACCEPT: "forbidden",
  COMMIT: "forbidden",
  F: "forbidden",
  FAIL: "forbidden",
  PRUNE: "optional",
  SKIP: "optional",
  THEN: "optional",
};

const ch = (s: string): number => s.charCodeAt(0);
const BACKSLASH = 0x5c;
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isHex = (c: number): boolean => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
const isLetter = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isWord = (c: number): boolean => isLetter(c) || isDigit(c) || c === 0x5f;
const isSpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);

interface BranchResult {
  len: number;
}

interface BranchState {
  readonly items: number[];
  previous: { index: number; assertion: boolean } | null;
  accept: boolean;
}

function pushItem(st: BranchState, len: number, repeatable: boolean, assertion = false): void {
  st.items.push(len);
  st.previous = repeatable ? { index: st.items.length - 1, assertion } : null;
}

interface Deferred {
  readonly check: (parser: PcreParser) => Fault | undefined;
}

/** Parses one pattern; throws Fault for the errors of PCRE's first pass and collects those of its second. */
class PcreParser {
  private readonly u: number[];
  private readonly charIndex: number[];
  private p = 0;
  private utf = false;
  private newline: "lf" | "cr" | "crlf" | "any" | "anycrlf" = "lf";
  private bracount = 0;
  private topBackref = 0;
  private condAssertPending = false;
  readonly names: { name: string; number: number }[] = [];
  private readonly deferred: Deferred[] = [];

  constructor(pattern: string) {
    // Start-of-pattern items (pcre_compile2): (*UTF8), (*UTF), (*UCP), newline and limit settings.
    let skip = 0;
    for (;;) {
      const rest = pattern.slice(skip);
      const m =
        /^\(\*(UTF8\)|UTF\)|UCP\)|NO_AUTO_POSSESS\)|NO_START_OPT\)|LIMIT_MATCH=(\d*)\)|LIMIT_RECURSION=(\d*)\)|CRLF\)|CR\)|LF\)|ANYCRLF\)|ANY\)|BSR_ANYCRLF\)|BSR_UNICODE\))/.exec(
          rest,
        );
      if (!m) break;
      // A limit stops being read past 32 bits (then the item is not a start-of-pattern setting).
      if (digitsOverflow(m[2] ?? m[3] ?? "")) break;
      const item = m[1];
      if (item === "UTF8)" || item === "UTF)") this.utf = true;
      else if (item === "CR)") this.newline = "cr";
      else if (item === "LF)") this.newline = "lf";
      else if (item === "CRLF)") this.newline = "crlf";
      else if (item === "ANY)") this.newline = "any";
      else if (item === "ANYCRLF)") this.newline = "anycrlf";
      skip += m[0].length;
    }
    // Code units as PCRE sees them: bytes of the UTF-8 encoding, or characters in UTF mode; 0 ends the pattern (C string).
    this.u = [];
    this.charIndex = [];
    let index = 0;
    for (const char of pattern) {
      const cp = char.codePointAt(0) ?? 0;
      if (this.utf || cp < 0x80) {
        this.u.push(cp);
        this.charIndex.push(index);
      } else {
        for (const byte of utf8Bytes(cp)) {
          this.u.push(byte);
          this.charIndex.push(index);
        }
      }
      index += char.length;
    }
    this.u.push(0);
    this.charIndex.push(index);
    this.p = this.charIndex.findIndex((i) => i >= skip);
  }

  offsetOf(unit: number): number {
    return this.charIndex[Math.min(Math.max(unit, 0), this.charIndex.length - 1)];
  }

  run(): Fault | undefined {
    const nul = this.u.indexOf(0);
    if (nul < this.u.length - 1) return new Fault(100, nul);
    try {
      this.compileRegex(0, false, false);
      if (this.u[this.p] !== 0) throw new Fault(22, this.p);
    } catch (e) {
      if (e instanceof Fault) return e;
      throw e;
    }
    for (const d of this.deferred) {
      const fault = d.check(this);
      if (fault) return fault;
    }
    if (this.topBackref > this.bracount) return new Fault(15, this.u.length - 1);
    return undefined;
  }

  private fault(code: number, at = this.p): never {
    throw new Fault(code, at);
  }

  private lookupName(name: string): { name: string; number: number } | undefined {
    return this.names.find((n) => n.name === name);
  }

  /** compile_regex: branches until ")" or the end; returns the group's fixed length (for lookbehinds) and its branch count. */
  private compileRegex(options: number, lookbehind: boolean, resetCount: boolean): { len: number; branches: number } {
    const opts = { value: options };
    const startCount = this.bracount;
    let maxCount = startCount;
    let len: number | undefined;
    let branches = 0;
    for (;;) {
      if (resetCount) this.bracount = startCount;
      const branch = this.compileBranch(opts);
      branches++;
      if (lookbehind && (branch.len === VAR || branch.len === ANYBYTE)) {
        const at = this.p;
        const code = branch.len === VAR ? 25 : 36;
        this.deferred.push({ check: () => new Fault(code, at) });
      }
      len = len === undefined ? branch.len : combineAlternatives(len, branch.len);
      if (this.bracount > maxCount) maxCount = this.bracount;
      if (this.u[this.p] !== ch("|")) break;
      this.p++;
    }
    if (resetCount) this.bracount = maxCount;
    return { len: len ?? 0, branches };
  }

  private isNewlineAt(i: number): number {
    const c = this.u[i];
    switch (this.newline) {
      case "lf":
        return c === 0x0a ? 1 : 0;
      case "cr":
        return c === 0x0d ? 1 : 0;
      case "crlf":
        return c === 0x0d && this.u[i + 1] === 0x0a ? 2 : 0;
      case "anycrlf":
        return c === 0x0d && this.u[i + 1] === 0x0a ? 2 : c === 0x0d || c === 0x0a ? 1 : 0;
      case "any":
        if (c === 0x0d && this.u[i + 1] === 0x0a) return 2;
        return (c >= 0x0a && c <= 0x0d) || c === 0x85 || c === 0x2028 || c === 0x2029 ? 1 : 0;
    }
  }

  /** Skips white space and #-comments in extended mode; returns the new position. */
  private skipExtended(i: number): number {
    for (;;) {
      while (isSpace(this.u[i])) i++;
      if (this.u[i] !== ch("#")) return i;
      i++;
      while (this.u[i] !== 0) {
        const nl = this.isNewlineAt(i);
        if (nl) {
          i += nl;
          break;
        }
        i++;
      }
    }
  }

  /** is_counted_repeat: {n}, {n,} or {n,m} starting after the "{". */
  private isCountedRepeat(i: number): boolean {
    const u = this.u;
    if (!isDigit(u[i])) return false;
    while (isDigit(u[i])) i++;
    if (u[i] === ch("}")) return true;
    if (u[i++] !== ch(",")) return false;
    if (u[i] === ch("}")) return true;
    if (!isDigit(u[i])) return false;
    while (isDigit(u[i])) i++;
    return u[i] === ch("}");
  }

  private isQuantifierAt(i: number): boolean {
    const c = this.u[i];
    return c === ch("*") || c === ch("+") || c === ch("?") || (c === ch("{") && this.isCountedRepeat(i + 1));
  }

  /** compile_branch: items until "|", ")" or the end. */
  private compileBranch(opts: { value: number }): BranchResult {
    const u = this.u;
    const st: BranchState = { items: [], previous: null, accept: false };
    let inescq = false;
    for (;;) {
      const c = u[this.p];
      if (c !== 0) {
        if (c === BACKSLASH && u[this.p + 1] === ch("E")) {
          inescq = false;
          this.p += 2;
          continue;
        }
        if (inescq) {
          pushItem(st, 1, true);
          this.p++;
          continue;
        }
        if (c === BACKSLASH && u[this.p + 1] === ch("Q")) {
          inescq = true;
          this.p += 2;
          continue;
        }
      }
      if (opts.value & OPT_EXTENDED) {
        const next = this.skipExtended(this.p);
        if (next > this.p) {
          this.p = next;
          continue;
        }
      }
      if (c === ch("(") && u[this.p + 1] === ch("?") && u[this.p + 2] === ch("#")) {
        let i = this.p + 3;
        while (u[i] !== 0 && u[i] !== ch(")")) i++;
        if (u[i] === 0) this.fault(18, i);
        this.p = i + 1;
        continue;
      }
      if (c === 0 || c === ch("|") || c === ch(")")) return { len: st.accept ? UNKNOWN : sumLengths(st.items) };
      if (this.isQuantifierAt(this.p)) {
        this.repeat(st, opts.value);
        continue;
      }
      switch (c) {
        case 0x5e: // ^
        case 0x24: // $
          pushItem(st, 0, false);
          this.p++;
          break;
        case 0x5b: {
          // [
          const rest = unitsToString(u, this.p + 1, this.p + 7);
          if (rest === "[:<:]]" || rest === "[:>:]]") {
            // Replaced by \b(?=\w) and \b(?<=\w): the lookaround is the item a quantifier would repeat.
            pushItem(st, 0, true, true);
            this.p += 7;
          } else {
            this.parseClass(opts.value);
            pushItem(st, 1, true);
          }
          break;
        }
        case 0x28: {
          // (
          const r = this.parseParen(opts);
          if (r === null) st.previous = null;
          else {
            if (r.accept) st.accept = true;
            pushItem(st, r.len, r.repeatable, r.assertion);
          }
          break;
        }
        case BACKSLASH: {
          const r = this.parseEscapeItem(opts.value);
          pushItem(st, r.len, r.repeatable);
          break;
        }
        default:
          // ".", a data character, a "{" that is not a quantifier, "]".
          pushItem(st, 1, true);
          this.p++;
      }
    }
  }

  /** A quantifier, with this.p on it: repeats the previous item (REPEAT in compile_branch). */
  private repeat(st: BranchState, options: number): void {
    const u = this.u;
    const at = this.p;
    const c = u[this.p];
    let min: number;
    let max: number;
    if (c === ch("{")) [min, max] = this.readRepeatCounts();
    else {
      min = c === ch("+") ? 1 : 0;
      max = c === ch("?") ? 1 : -1;
      this.p++;
    }
    const prev = st.previous;
    if (prev === null) this.fault(9, at);
    const itemLen = st.items[prev.index];
    if (prev.assertion || max === 0) st.items[prev.index] = UNKNOWN;
    else if (min === max) st.items[prev.index] = itemLen < 0 ? itemLen : itemLen * min;
    else st.items[prev.index] = VAR;
    // Before a possessive "+" or lazy "?": white space and #-comments in extended mode, then one (?#...) comment (PCRE 8.4x).
    if (options & OPT_EXTENDED) this.p = this.skipExtended(this.p);
    if (u[this.p] === ch("(") && u[this.p + 1] === ch("?") && u[this.p + 2] === ch("#")) {
      let i = this.p + 3;
      while (u[i] !== 0 && u[i] !== ch(")")) i++;
      if (u[i] === 0) this.fault(18, i);
      this.p = i + 1;
    }
    if (u[this.p] === ch("+") || u[this.p] === ch("?")) this.p++;
    st.previous = null;
  }

  /** read_repeat_counts, with this.p on "{"; leaves this.p after "}". */
  private readRepeatCounts(): [number, number] {
    const u = this.u;
    let i = this.p + 1;
    let min = 0;
    let max: number;
    while (isDigit(u[i])) {
      min = min * 10 + (u[i++] - 0x30);
      if (min > 65535) this.fault(5, i);
    }
    if (u[i] === ch("}")) max = min;
    else {
      i++;
      if (u[i] !== ch("}")) {
        max = 0;
        while (isDigit(u[i])) {
          max = max * 10 + (u[i++] - 0x30);
          if (max > 65535) this.fault(5, i);
        }
        if (max < min) this.fault(4, i);
      } else max = -1;
    }
    this.p = i + 1;
    return [min, max];
  }

  /** check_posix_syntax: with i on "[" followed by ":", "." or "="; returns the index of the terminator before "]", or -1. */
  private posixSyntaxEnd(i: number): number {
    const u = this.u;
    const terminator = u[i + 1];
    for (i += 2; u[i] !== 0; i++) {
      if (u[i] === BACKSLASH && (u[i + 1] === ch("]") || u[i + 1] === BACKSLASH)) i++;
      else if ((u[i] === ch("[") && u[i + 1] === terminator) || u[i] === ch("]")) return -1;
      else if (u[i] === terminator && u[i + 1] === ch("]")) return i;
    }
    return -1;
  }

  private startsPosix(i: number): number {
    const n = this.u[i + 1];
    if (this.u[i] !== ch("[") || (n !== ch(":") && n !== ch(".") && n !== ch("="))) return -1;
    return this.posixSyntaxEnd(i);
  }

  /** A character class, with this.p on "["; leaves this.p after its "]". */
  private parseClass(options: number): void {
    const u = this.u;
    if (this.startsPosix(this.p) >= 0) this.fault(u[this.p + 1] === ch(":") ? 13 : 31, this.p);
    let negated = false;
    let c: number;
    for (;;) {
      c = u[++this.p];
      if (c === BACKSLASH) {
        if (u[this.p + 1] === ch("E")) this.p++;
        else if (u[this.p + 1] === ch("Q") && u[this.p + 2] === BACKSLASH && u[this.p + 3] === ch("E")) this.p += 3;
        else break;
      } else if (!negated && c === ch("^")) negated = true;
      else break;
    }
    const state = { inescq: false };
    if (c !== 0) {
      do {
        this.classElement(c, options, state);
        c = u[++this.p];
      } while (c !== 0 && (c !== ch("]") || state.inescq));
    }
    if (c === 0) this.fault(6, this.p);
    this.p++;
  }

  /** One element of a class (C style: this.p is left on its last unit). */
  private classElement(first: number, options: number, state: { inescq: boolean }): void {
    const u = this.u;
    let c = first;
    if (state.inescq) {
      if (c === BACKSLASH && u[this.p + 1] === ch("E")) {
        state.inescq = false;
        this.p++;
        return;
      }
    } else {
      const posixEnd = this.startsPosix(this.p);
      if (posixEnd >= 0) {
        if (u[this.p + 1] !== ch(":")) this.fault(31, this.p);
        let i = this.p + 2;
        if (u[i] === ch("^")) i++;
        const name = unitsToString(u, i, posixEnd);
        if (!POSIX_CLASSES.includes(name)) this.fault(30, i);
        this.p = posixEnd + 1;
        return;
      }
      if (c === BACKSLASH) {
        const e = this.checkEscape(true, options);
        if (e.escape === Esc.None) c = e.value;
        else if (e.escape === Esc.b) c = 8;
        else if (e.escape === Esc.N) this.fault(71);
        else if (e.escape === Esc.Q) {
          if (u[this.p + 1] === BACKSLASH && u[this.p + 2] === ch("E")) this.p += 2;
          else state.inescq = true;
          return;
        } else if (e.escape === Esc.E) return;
        else {
          switch (e.escape) {
            case Esc.d:
            case Esc.D:
            case Esc.w:
            case Esc.W:
            case Esc.s:
            case Esc.S:
            case Esc.h:
            case Esc.H:
            case Esc.v:
            case Esc.V:
              return;
            case Esc.p:
            case Esc.P:
              this.getUcp();
              return;
            default:
              if (options & OPT_EXTRA) this.fault(7);
              c = u[this.p];
          }
        }
      }
    }
    // CHECK_RANGE
    while (u[this.p + 1] === BACKSLASH && u[this.p + 2] === ch("E")) {
      state.inescq = false;
      this.p += 2;
    }
    const oldp = this.p;
    if (!state.inescq && u[this.p + 1] === ch("-")) {
      this.p += 2;
      while (u[this.p] === BACKSLASH && u[this.p + 1] === ch("E")) this.p += 2;
      while (u[this.p] === BACKSLASH && u[this.p + 1] === ch("Q")) {
        this.p += 2;
        if (u[this.p] === BACKSLASH && u[this.p + 1] === ch("E")) {
          this.p += 2;
          continue;
        }
        state.inescq = true;
        break;
      }
      if (u[this.p] === 0 || (!state.inescq && u[this.p] === ch("]"))) {
        this.p = oldp;
        return;
      }
      let d = u[this.p];
      if (!state.inescq) {
        if (d === BACKSLASH) {
          const e = this.checkEscape(true, options);
          d = e.value;
          if (e.escape !== Esc.None) {
            if (e.escape === Esc.b) d = 8;
            else this.fault(83);
          }
        } else if (d === ch("[") && this.startsPosix(this.p) >= 0) this.fault(83);
      }
      if (d < c) this.fault(8);
    }
  }

  /**
   * check_escape: this.p on the backslash; leaves this.p on the escape's last unit
   * (C style). Returns an escape type, or None and a character value.
   */
  private checkEscape(isclass: boolean, options: number): { escape: Esc; value: number; backref?: number } {
    const u = this.u;
    const start = this.p;
    let p = this.p + 1;
    const c = u[p];
    const done = (escape: Esc, value = c, backref?: number) => {
      this.p = p;
      return { escape, value, backref };
    };
    if (c === 0) this.fault(1, start);
    if (c < 0x30 || c > 0x7a) return done(Esc.None);
    const letter = String.fromCharCode(c);
    const tabled = ESCAPE_TABLE[letter];
    if (tabled !== undefined) {
      if (tabled >= 0) return done(Esc.None, tabled);
      const escape = -tabled as Esc;
      if (escape === Esc.N && u[p + 1] === ch("{") && !this.isCountedRepeat(p + 2)) this.fault(37, p);
      return done(escape);
    }
    if (!isLetter(c) && !isDigit(c)) return done(Esc.None);
    switch (letter) {
      case "l":
      case "L":
      case "u":
      case "U":
        return this.fault(37, p);
      case "g": {
        if (isclass) return done(Esc.None);
        if (u[p + 1] === ch("<") || u[p + 1] === ch("'")) return done(Esc.g);
        let braced = false;
        if (u[p + 1] === ch("{")) {
          let q = p + 2;
          while (u[q] !== 0 && u[q] !== ch("}") && (u[q] === ch("-") || isDigit(u[q]))) q++;
          if (u[q] !== 0 && u[q] !== ch("}")) return done(Esc.k);
          braced = true;
          p++;
        }
        let negated = false;
        if (u[p + 1] === ch("-")) {
          negated = true;
          p++;
        }
        let s = 0;
        while (isDigit(u[p + 1])) {
          s = s * 10 + (u[++p] - 0x30);
          if (s > 214748363) {
            while (isDigit(u[p + 1])) p++;
            this.fault(61, p);
          }
        }
        if (braced && u[++p] !== ch("}")) this.fault(57, p);
        if (s === 0) this.fault(58, p);
        if (negated) {
          if (s > this.bracount) this.fault(15, p);
          s = this.bracount - (s - 1);
        }
        return done(Esc.None, 0, s);
      }
      case "1":
      case "2":
      case "3":
      case "4":
      case "5":
      case "6":
      case "7":
      case "8":
      case "9": {
        if (!isclass) {
          const old = p;
          let s = c - 0x30;
          while (isDigit(u[p + 1])) {
            s = s * 10 + (u[++p] - 0x30);
            if (s > 214748363) {
              while (isDigit(u[p + 1])) p++;
              this.fault(61, p);
            }
          }
          if (s < 8 || s <= this.bracount) return done(Esc.None, 0, s);
          p = old;
        }
        if (c >= ch("8")) return done(Esc.None);
        return this.octal(p, c, start);
      }
      case "0":
        return this.octal(p, c, start);
      case "o": {
        if (u[p + 1] !== ch("{")) this.fault(81, p);
        if (u[p + 2] === ch("}")) this.fault(86, p);
        p += 2;
        let value = 0;
        let overflow = false;
        while (u[p] >= 0x30 && u[p] <= 0x37) {
          const d = u[p++];
          if (value === 0 && d === 0x30) continue;
          value = value * 8 + (d - 0x30);
          if (value > (this.utf ? 0x10ffff : 0xff)) {
            overflow = true;
            break;
          }
        }
        if (overflow) {
          while (u[p] >= 0x30 && u[p] <= 0x37) p++;
          this.fault(34, p);
        }
        if (u[p] !== ch("}")) this.fault(80, p);
        if (this.utf && value >= 0xd800 && value <= 0xdfff) this.fault(73, p);
        return done(Esc.None, value);
      }
      case "x": {
        if (u[p + 1] === ch("{")) {
          p += 2;
          if (u[p] === ch("}")) this.fault(86, p);
          let value = 0;
          let overflow = false;
          while (isHex(u[p])) {
            const d = u[p++];
            if (value === 0 && d === 0x30) continue;
            value = value * 16 + parseInt(String.fromCharCode(d), 16);
            if (value > (this.utf ? 0x10ffff : 0xff)) {
              overflow = true;
              break;
            }
          }
          if (overflow) {
            while (isHex(u[p])) p++;
            this.fault(34, p);
          }
          if (u[p] !== ch("}")) this.fault(79, p);
          if (this.utf && value >= 0xd800 && value <= 0xdfff) this.fault(73, p);
          return done(Esc.None, value);
        }
        let value = 0;
        for (let i = 0; i < 2 && isHex(u[p + 1]); i++) value = value * 16 + parseInt(String.fromCharCode(u[++p]), 16);
        return done(Esc.None, value);
      }
      case "c": {
        const next = u[++p];
        if (next === 0) this.fault(2, p);
        if (next > 127) this.fault(68, p);
        const upper = next >= 0x61 && next <= 0x7a ? next - 32 : next;
        return done(Esc.None, upper ^ 0x40);
      }
      default:
        if (options & OPT_EXTRA) this.fault(3, p);
        return done(Esc.None);
    }
  }

  private octal(p: number, first: number, start: number): { escape: Esc; value: number } {
    const u = this.u;
    let value = first - 0x30;
    for (let i = 0; i < 2 && u[p + 1] >= 0x30 && u[p + 1] <= 0x37; i++) value = value * 8 + (u[++p] - 0x30);
    if (!this.utf && value > 0xff) this.fault(51, start);
    this.p = p;
    return { escape: Esc.None, value };
  }

  /** get_ucp: this.p on the "p" or "P" of \p / \P; leaves this.p on the last unit. */
  private getUcp(): void {
    const u = this.u;
    let c = u[++this.p];
    if (c === 0) this.fault(46);
    let name: string;
    if (c === ch("{")) {
      if (u[this.p + 1] === ch("^")) this.p++;
      name = "";
      let i = 0;
      for (; i < 31; i++) {
        c = u[++this.p];
        if (c === 0) this.fault(46);
        if (c === ch("}")) break;
        name += String.fromCodePoint(c);
      }
      if (c !== ch("}")) this.fault(46);
    } else name = String.fromCodePoint(c);
    if (!UCP_NAMES.has(name) && (name.length <= 3 || !/^[A-Za-z_]+$/.test(name))) this.fault(47);
  }

  /** An escape outside a class, with this.p on the backslash; leaves this.p after it. */
  private parseEscapeItem(options: number): { len: number; repeatable: boolean } {
    const u = this.u;
    const e = this.checkEscape(false, options);
    if (e.backref !== undefined) {
      if (e.backref > this.topBackref) this.topBackref = e.backref;
      this.p++;
      return { len: VAR, repeatable: true };
    }
    switch (e.escape) {
      case Esc.None:
        this.p++;
        return { len: 1, repeatable: true };
      case Esc.g: {
        // \g<name>, \g'name', \g<n>, \g'n', \g<+n>, \g<-n>: subroutine calls (Oniguruma syntax).
        this.p++;
        const terminator = u[this.p] === ch("<") ? ch(">") : ch("'");
        const cf = u[this.p + 1];
        if (cf !== ch("+") && cf !== ch("-") && !isDigit(cf)) {
          this.namedReference(terminator);
          return { len: UNKNOWN, repeatable: true };
        }
        let q = this.p + 2;
        while (isDigit(u[q])) q++;
        if (u[q] !== terminator) this.fault(57, q);
        this.p++;
        this.numericalRecursion(terminator);
        return { len: UNKNOWN, repeatable: true };
      }
      case Esc.k: {
        const next = u[this.p + 1];
        if (next !== ch("<") && next !== ch("'") && next !== ch("{")) this.fault(69);
        this.p++;
        this.namedReference(next === ch("<") ? ch(">") : next === ch("'") ? ch("'") : ch("}"));
        return { len: VAR, repeatable: true };
      }
      case Esc.p:
      case Esc.P:
        this.getUcp();
        this.p++;
        return { len: 1, repeatable: true };
      default: {
        this.p++;
        const repeatable = e.escape > Esc.b && e.escape < Esc.Z;
        if (!repeatable) return { len: 0, repeatable: false };
        if (e.escape === Esc.R || e.escape === Esc.X) return { len: VAR, repeatable };
        if (e.escape === Esc.C && this.utf) return { len: ANYBYTE, repeatable };
        return { len: 1, repeatable };
      }
    }
  }

  /**
   * NAMED_REF_OR_RECURSE: this.p on the unit before the name; leaves this.p
   * after the terminator. The name is looked up once the whole pattern is read.
   */
  private namedReference(terminator: number): void {
    const u = this.u;
    const start = ++this.p;
    if (isDigit(u[this.p])) this.fault(84);
    while (isWord(u[this.p])) this.p++;
    const name = unitsToString(u, start, this.p);
    if (name.length === 0) this.fault(62);
    if (u[this.p] !== terminator) this.fault(42);
    if (name.length > 32) this.fault(48);
    const at = this.p;
    this.deferred.push({ check: (parser) => (parser.lookupName(name) ? undefined : new Fault(15, at)) });
    this.p++;
  }

  /** HANDLE_NUMERICAL_RECURSION: this.p on the sign or first digit; leaves this.p after the terminator. */
  private numericalRecursion(terminator: number): void {
    const u = this.u;
    const refsign = u[this.p];
    if (refsign === ch("+")) {
      this.p++;
      if (!isDigit(u[this.p])) this.fault(63);
    } else if (refsign === ch("-")) this.p++;
    let recno = 0;
    while (isDigit(u[this.p])) {
      recno = recno * 10 + (u[this.p++] - 0x30);
      if (recno > 214748363) {
        while (isDigit(u[this.p])) this.p++;
        this.fault(61);
      }
    }
    if (u[this.p] !== terminator) this.fault(29);
    if (refsign === ch("-")) {
      if (recno === 0) this.fault(58);
      recno = this.bracount - recno + 1;
      if (recno <= 0) this.fault(15);
    } else if (refsign === ch("+")) {
      if (recno === 0) this.fault(58);
      recno += this.bracount;
    }
    const at = this.p;
    const target = recno;
    this.deferred.push({ check: (parser) => (target > parser.bracount ? new Fault(15, at) : undefined) });
    this.p++;
  }

  /**
   * "(": a group, verb, comment-free option setting, callout, reference or
   * recursion. Returns the item for the branch, or null when nothing can be
   * repeated (option setting, callout, verb, (?!) as a failure).
   */
  private parseParen(opts: { value: number }): { len: number; repeatable: boolean; assertion: boolean; accept?: boolean } | null {
    const u = this.u;
    // (*VERB) and (*VERB:NAME)
    if (u[this.p + 1] === ch("*") && (u[this.p + 2] === ch(":") || isLetter(u[this.p + 2]))) {
      this.p += 2;
      const nameStart = this.p;
      while (isLetter(u[this.p])) this.p++;
      const name = unitsToString(u, nameStart, this.p);
      let argLength = 0;
      if (u[this.p] === ch(":")) {
        const argStart = ++this.p;
        while (u[this.p] !== 0 && u[this.p] !== ch(")")) this.p++;
        argLength = this.p - argStart;
        if (argLength > 255) this.fault(75);
      }
      if (u[this.p] !== ch(")")) this.fault(60);
      const verb = VERBS[name];
      if (verb === undefined) this.fault(60);
      if (verb === "forbidden" && argLength > 0) this.fault(59);
      if (verb === "required" && argLength === 0) this.fault(66);
      this.p++;
      if (name === "ACCEPT") return { len: 0, repeatable: false, assertion: false, accept: true };
      return null;
    }
    this.p++;
    let newOptions = opts.value;
    let reset = false;
    let kind: "group" | "assert" | "lookbehind" | "cond" = "group";
    let condition: { define?: boolean; name?: string; terminator?: number } | null = null;
    let notRepeatable = false;
    if (u[this.p] === ch("?")) {
      const sel = u[++this.p];
      switch (sel) {
        case ch("|"):
          reset = true;
          this.p++;
          break;
        case ch(":"):
          this.p++;
          break;
        case ch("("):
          condition = this.parseCondition();
          kind = "cond";
          break;
        case ch("="):
          kind = "assert";
          this.p++;
          break;
        case ch("!"):
          this.p++;
          if (u[this.p] === ch(")") && !this.isQuantifierAt(this.p + 1)) {
            this.p++;
            return null; // (*FAIL)
          }
          kind = "assert";
          break;
        case ch("<"):
          if (u[this.p + 1] === ch("=") || u[this.p + 1] === ch("!")) {
            kind = "lookbehind";
            this.p += 2;
          } else if (isWord(u[this.p + 1])) {
            this.defineName(opts.value);
          } else this.fault(24, this.p + 1);
          break;
        case ch(">"):
          this.p++;
          break;
        case ch("C"): {
          this.p++;
          let n = 0;
          while (isDigit(u[this.p])) n = Math.min(n * 10 + (u[this.p++] - 0x30), 1e9);
          if (u[this.p] !== ch(")")) this.fault(39);
          if (n > 255) this.fault(38);
          this.p++;
          return null;
        }
        case ch("P"): {
          const next = u[++this.p];
          if (next === ch("=") || next === ch(">")) {
            this.namedReference(ch(")"));
            return { len: next === ch(">") ? UNKNOWN : VAR, repeatable: true, assertion: false };
          }
          if (next !== ch("<")) this.fault(41);
          this.defineName(opts.value);
          break;
        }
        case ch("'"):
          this.defineName(opts.value);
          break;
        case ch("&"):
          this.namedReference(ch(")"));
          return { len: UNKNOWN, repeatable: true, assertion: false };
        case ch("R"):
          if (u[++this.p] !== ch(")")) this.fault(29);
          this.p++;
          return { len: UNKNOWN, repeatable: true, assertion: false };
        default:
          if (sel === ch("+") || isDigit(sel) || (sel === ch("-") && isDigit(u[this.p + 1]))) {
            this.numericalRecursion(ch(")"));
            return { len: UNKNOWN, repeatable: true, assertion: false };
          }
          {
            // Option setting: (?imsxXUJ-imsxXUJ) or (?...: group
            let set = 0;
            let unset = 0;
            let unsetting = false;
            while (u[this.p] !== ch(")") && u[this.p] !== ch(":")) {
              const o = String.fromCharCode(u[this.p++]);
              let bit = 0;
              if (o === "-") {
                unsetting = true;
                continue;
              } else if (o === "x") bit = OPT_EXTENDED;
              else if (o === "X") bit = OPT_EXTRA;
              else if (o === "J") bit = OPT_DUPNAMES;
              else if (!"imsU".includes(o)) this.fault(12, this.p - 1);
              if (unsetting) unset |= bit;
              else set |= bit;
            }
            newOptions = (opts.value | set) & ~unset;
            if (u[this.p] === ch(")")) {
              opts.value = newOptions;
              this.p++;
              return null;
            }
            this.p++;
          }
      }
    } else {
      this.bracount++;
    }
    if (kind === "assert" || kind === "lookbehind") {
      notRepeatable = this.condAssertPending;
      this.condAssertPending = false;
    }
    const group = this.compileRegex(newOptions, kind === "lookbehind", reset);
    if (condition) {
      const branches = group.branches;
      const cond = condition;
      if (cond.name === undefined) {
        if (branches > 2) this.deferredFault(27, this.p);
      } else {
        const at = this.p;
        this.deferred.push({
          check: (parser) => {
            const name = cond.name as string;
            if (parser.lookupName(name)) return branches > 2 ? new Fault(27, at) : undefined;
            if (cond.terminator !== 0) return new Fault(15, at);
            if (/^R\d*$/.test(name)) {
              if (digitsOverflow(name.slice(1), 2147483647)) return new Fault(61, at);
              return branches > 2 ? new Fault(27, at) : undefined;
            }
            if (name === "DEFINE") return branches > 1 ? new Fault(54, at) : undefined;
            return new Fault(15, at);
          },
        });
      }
    }
    if (u[this.p] !== ch(")")) this.fault(14, this.p);
    this.p++;
    if (kind === "cond") return { len: UNKNOWN, repeatable: true, assertion: false };
    if (kind === "assert" || kind === "lookbehind") return { len: 0, repeatable: !notRepeatable, assertion: true };
    return { len: group.len, repeatable: true, assertion: false };
  }

  private deferredFault(code: number, at: number): void {
    this.deferred.push({ check: () => new Fault(code, at) });
  }

  /**
   * The condition of (?(...)...), with this.p on its "(". Leaves this.p on
   * the first unit of the conditional group's body.
   */
  private parseCondition(): { name?: string; terminator?: number } | null {
    const u = this.u;
    let temp = this.p;
    if (u[this.p + 1] === ch("?") && u[this.p + 2] === ch("C")) {
      let i = 3;
      while (isDigit(u[this.p + i])) i++;
      if (u[this.p + i] === ch(")")) temp += i + 1;
      if (u[temp] !== ch("(")) this.fault(28, temp);
    }
    const a = u[temp + 2];
    if (
      u[temp + 1] === ch("?") &&
      (a === ch("=") || a === ch("!") || (a === ch("<") && (u[temp + 3] === ch("=") || u[temp + 3] === ch("!"))))
    ) {
      this.condAssertPending = true;
      return {};
    }
    this.p++;
    let terminator = 0;
    let refsign = -1;
    if (u[this.p] === ch("R") && u[this.p + 1] === ch("&")) {
      terminator = -1;
      this.p += 2;
    } else if (u[this.p] === ch("<")) {
      terminator = ch(">");
      this.p++;
    } else if (u[this.p] === ch("'")) {
      terminator = ch("'");
      this.p++;
    } else if (u[this.p] === ch("-") || u[this.p] === ch("+")) refsign = u[this.p++];
    else if (isDigit(u[this.p])) refsign = 0;
    let recno = 0;
    let name: string | undefined;
    if (refsign >= 0) {
      while (isDigit(u[this.p])) {
        recno = recno * 10 + (u[this.p++] - 0x30);
        if (recno > 214748363) {
          while (isDigit(u[this.p])) this.p++;
          this.fault(61);
        }
      }
    } else {
      if (isDigit(u[this.p])) this.fault(84);
      if (!isWord(u[this.p])) this.fault(28);
      const start = this.p;
      while (isWord(u[this.p])) this.p++;
      name = unitsToString(u, start, this.p);
    }
    if ((terminator > 0 && u[this.p++] !== terminator) || u[this.p++] !== ch(")")) this.fault(26, this.p - 1);
    if (refsign >= 0) {
      const at = this.p;
      if (recno <= 0) {
        this.deferredFault(35, at);
        return {};
      }
      if (refsign !== 0) recno = refsign === ch("-") ? this.bracount - recno + 1 : recno + this.bracount;
      const target = recno;
      this.deferred.push({ check: (parser) => (target <= 0 || target > parser.bracount ? new Fault(15, at) : undefined) });
      return {};
    }
    return { name, terminator };
  }

  /** DEFINE_NAME: this.p on "<" or "'" before the name; leaves this.p after the terminator. */
  private defineName(options: number): void {
    const u = this.u;
    const terminator = u[this.p] === ch("<") ? ch(">") : ch("'");
    const start = ++this.p;
    if (isDigit(u[this.p])) this.fault(84);
    while (isWord(u[this.p])) this.p++;
    const name = unitsToString(u, start, this.p);
    const number = this.bracount + 1;
    if (u[this.p] !== terminator) this.fault(42);
    if (name.length > 32) this.fault(48);
    let same = false;
    for (const ng of this.names) {
      if (ng.name === name) {
        if (ng.number === number) {
          same = true;
          break;
        }
        if (!(options & OPT_DUPNAMES)) this.fault(43);
      } else if (ng.number === number) this.fault(65);
    }
    if (!same) this.names.push({ name, number });
    this.p++;
    this.bracount++;
  }
}

/** PCRE's overflow test while reading digits: the value so far exceeds max / 10 - 1 before another digit. */
function digitsOverflow(digits: string, max = 0xffffffff): boolean {
  let c = 0;
  for (const d of digits) {
    if (c > Math.floor(max / 10) - 1) return true;
    c = c * 10 + Number(d);
  }
  return false;
}

function unitsToString(u: readonly number[], start: number, end: number): string {
  let out = "";
  for (let i = start; i < end && i < u.length; i++) out += String.fromCodePoint(u[i]);
  return out;
}

function utf8Bytes(cp: number): number[] {
  if (cp < 0x800) return [0xc0 | (cp >> 6), 0x80 | (cp & 0x3f)];
  if (cp < 0x10000) return [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)];
  return [0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)];
}

/** find_fixedlength for one branch: the first variable item decides, as PCRE scans in order. */
function sumLengths(items: readonly number[]): number {
  const variable = items.find((len) => len === VAR || len === ANYBYTE);
  if (variable !== undefined) return variable;
  if (items.includes(UNKNOWN)) return UNKNOWN;
  return items.reduce((a, b) => a + b, 0);
}

function combineAlternatives(a: number, b: number): number {
  if (a === VAR || a === ANYBYTE) return a;
  if (b === VAR || b === ANYBYTE) return b;
  if (a === UNKNOWN || b === UNKNOWN) return UNKNOWN;
  return a === b ? a : VAR;
}

/** The error re:compile/1 of OTP 27 (PCRE 8.x) gives for `pattern`, if any. */
function pcreCompileError(pattern: string): PcreError | undefined {
  const parser = new PcreParser(pattern);
  let fault: Fault | undefined;
  try {
    fault = parser.run();
  } catch (e) {
    // Nesting deep enough to exhaust the JavaScript stack: PCRE's own limits differ by build, so accept.
    if (e instanceof RangeError) return undefined;
    throw e;
  }
  if (!fault) return undefined;
  return {
    code: fault.code,
    message: PCRE_MESSAGES[fault.code] ?? `PCRE error ${fault.code}`,
    offset: parser.offsetOf(fault.at),
    fix: pcreFix(fault.code, pattern),
  };
}
