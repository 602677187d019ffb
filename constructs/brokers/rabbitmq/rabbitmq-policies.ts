/**
 * What RabbitMQ 4.0 (the Debian 13 `rabbitmq-server` 4.0.5 on Erlang/OTP 27)
 * would refuse, or silently ignore, in a policy definition and a policy
 * pattern, told at synth time.
 *
 * Pure: no cdktf or constructs imports, so the tables can be tested alone.
 * Each table cites the RabbitMQ source file (tag v4.0.5) it was read from.
 * Where 3.x accepted something that 4.0 removed or turned into a no-op
 * (classic queue mirroring `ha-*`, `queue-mode`, `queue-version: 1`,
 * in-memory limits of quorum queues), it is refused with a fix that says
 * what to use instead. The pattern is checked by the port of PCRE's
 * compiler in private/pcre.
 */
import { didYouMean } from "../../errors/did-you-mean";
import type { Finding } from "../../errors/finding";
import { pcreCompileError } from "../../private/pcre";
import {
  anyInteger,
  aString,
  integer,
  isUnresolved,
  leaderLocator,
  MAX_STREAM_SEGMENT_BYTES,
  maxAge,
  OBJECT_NAMES,
  oneOf,
  OVERFLOW_MODES,
  type PolicyObject,
  QUEUE_TYPES,
  type RabbitMqQueueType,
  type ValueRule,
} from "./rabbitmq-value-rules";

/** What a policy applies to (the policy's `apply-to`). */
export type RabbitMqPolicyTarget = "queues" | "exchanges" | "all" | "classic_queues" | "quorum_queues" | "streams";

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
// Policy patterns
// ---------------------------------------------------------------------------

/**
 * RabbitMQ checks a policy's pattern with `re:compile/1`
 * (rabbit_parameter_validation:regex/2, deps/rabbit/src/rabbit_parameter_validation.erl),
 * no options: a byte pattern, no UTF-8 unless it starts with (*UTF8) or (*UTF).
 * Erlang/OTP up to 27 implements `re` with PCRE 8.x (8.44/8.45; OTP 28 moved to
 * PCRE2). JavaScript's RegExp is the wrong judge: it refuses valid PCRE
 * (`a++`, `(?>a)`, `\A`, `(?i)`, `\Q..\E`, `[[:alpha:]]`) and takes patterns PCRE refuses.
 * The checker (private/pcre) is a port of the syntax checks of pcre_compile.c
 * (compile_branch, check_escape, get_ucp, check_posix_syntax, find_fixedlength),
 * cross-checked against Erlang's re:compile; when in doubt it accepts.
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
