/**
 * The value rules and names shared by the queue-argument rules
 * (rabbitmq-queue-arguments.ts) and the policy rules (rabbitmq-policies.ts):
 * what RabbitMQ 4.0 takes as an integer, a duration, a leader locator or an
 * overflow mode, and whether a value is a cdktf Token that cannot be judged.
 *
 * Pure: no cdktf or constructs imports. Each rule cites the RabbitMQ source
 * file (tag v4.0.5) it was read from.
 */

/** A RabbitMQ queue type (`x-queue-type`). */
export type RabbitMqQueueType = "classic" | "quorum" | "stream";

export const QUEUE_TYPES: readonly RabbitMqQueueType[] = ["classic", "quorum", "stream"];

/**
 * A cdktf Token cannot be judged at synth: string tokens carry `${TfToken[`,
 * number tokens are encoded as huge negative doubles (about -1.888e+289).
 */
export function isUnresolved(value: unknown): boolean {
  return (typeof value === "string" && value.includes("${TfToken[")) || (typeof value === "number" && value < -1e288);
}

/** rabbit_misc:check_expiry/1 (deps/rabbit_common/src/rabbit_misc.erl): at most 10 years in ms. */
export const MAX_EXPIRY_MS = 315_360_000_000;
/** ?MAX_SUPPORTED_PRIORITY (deps/rabbit_common/include/rabbit.hrl). */
export const MAX_PRIORITY = 255;
/** ?MAX_STREAM_MAX_SEGMENT_SIZE (deps/rabbit_common/include/rabbit.hrl). */
export const MAX_STREAM_SEGMENT_BYTES = 3_000_000_000;
/** Units of rabbit_amqqueue:check_max_age/1 (deps/rabbit/src/rabbit_amqqueue.erl). */
const MAX_AGE_UNITS = ["Y", "M", "D", "h", "m", "s"];

/** A value rule: undefined when RabbitMQ takes it, else what is wrong and the fix. */
export type ValueRule = (value: unknown) => { problem: string; fix: string } | undefined;

export function integer(min: number, max = Number.MAX_SAFE_INTEGER, hint = ""): ValueRule {
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

export const anyInteger: ValueRule = (value) =>
  typeof value === "number" && Number.isInteger(value) ? undefined : { problem: "must be an integer", fix: "use a whole number" };

export function oneOf(values: readonly string[]): ValueRule {
  return (value) =>
    typeof value === "string" && values.includes(value)
      ? undefined
      : { problem: `must be one of ${values.map((v) => `"${v}"`).join(", ")}`, fix: `use ${values.map((v) => `"${v}"`).join(" or ")}` };
}

export const aString: ValueRule = (value) =>
  typeof value === "string" ? undefined : { problem: "must be a string", fix: "pass a string" };

export const aBoolean: ValueRule = (value) =>
  typeof value === "boolean"
    ? undefined
    : { problem: "must be a boolean", fix: `use true or false${typeof value === "string" ? " (a boolean, not a string)" : ""}` };

/** rabbit_amqqueue:check_max_age/1: `^[0-9]+` then one unit of Y M D h m s, value > 0. */
export const maxAge: ValueRule = (value) => {
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
export const leaderLocator: ValueRule = (value) => {
  if (typeof value === "string" && DEPRECATED_LEADER_LOCATORS.includes(value)) {
    return { problem: `value "${value}" is deprecated: RabbitMQ 4.0 maps it to "balanced"`, fix: 'use "balanced" (or "client-local")' };
  }
  return oneOf(LEADER_LOCATORS)(value);
};

// x-overflow modes: ?KNOWN_OVERFLOW_MODES in rabbit_amqqueue.erl; rabbit_quorum_queue:overflow/3 ignores reject-publish-dlx (warns, uses drop-head).
export const OVERFLOW_MODES: Readonly<Record<RabbitMqQueueType, readonly string[]>> = {
  classic: ["drop-head", "reject-publish", "reject-publish-dlx"],
  quorum: ["drop-head", "reject-publish"],
  stream: [],
};

// The objects a queue-argument or policy rule applies to (an exchange or a queue type), as messages name them.
export type PolicyObject = "exchange" | RabbitMqQueueType;
export const OBJECT_NAMES: Readonly<Record<PolicyObject, string>> = {
  exchange: "exchanges",
  classic: "classic queues",
  quorum: "quorum queues",
  stream: "streams",
};
