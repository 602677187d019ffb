/**
 * What RabbitMQ 4.0 (the Debian 13 `rabbitmq-server` 4.0.5 on Erlang/OTP 27)
 * would refuse, or silently ignore, in a queue declaration's arguments, told
 * at synth time.
 *
 * Pure: no cdktf or constructs imports, so the tables can be tested alone.
 * Each table cites the RabbitMQ source file (tag v4.0.5) it was read from.
 * Where 3.x accepted something that 4.0 removed or turned into a no-op
 * (`queue-mode`, `x-queue-version: 1`, in-memory limits of quorum queues),
 * it is refused with a fix that says what to use instead.
 */
import { didYouMean } from "../../errors/did-you-mean";
import type { Finding } from "../../errors/finding";
import {
  aBoolean,
  anyInteger,
  aString,
  integer,
  isUnresolved,
  leaderLocator,
  MAX_EXPIRY_MS,
  MAX_PRIORITY,
  MAX_STREAM_SEGMENT_BYTES,
  maxAge,
  OBJECT_NAMES,
  oneOf,
  OVERFLOW_MODES,
  type RabbitMqQueueType,
  type ValueRule,
} from "./rabbitmq-value-rules";

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
