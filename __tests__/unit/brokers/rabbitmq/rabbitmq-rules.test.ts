/**
 * The RabbitMQ 4.0 rule tables, without cdktf: what a queue declaration's
 * arguments, a policy definition and a policy pattern may hold. Every
 * "rejects" case checks the problem or the fix says what is wrong, not just
 * that something was found; every "accepts" case is a tricky valid one.
 * The pattern cases were checked against Erlang's re:compile/1 (PCRE 8).
 */
import type { Finding } from "../../../../constructs/errors/finding";
import {
  checkPolicyDefinition,
  checkPolicyPattern,
  type RabbitMqPolicyTarget,
} from "../../../../constructs/brokers/rabbitmq/rabbitmq-policies";
import { checkQueueArguments } from "../../../../constructs/brokers/rabbitmq/rabbitmq-queue-arguments";
import type { RabbitMqQueueType } from "../../../../constructs/brokers/rabbitmq/rabbitmq-value-rules";

/** Problems and fixes as one text, to match a case's regex against. */
function text(findings: readonly Finding[]): string {
  return findings.map((f) => `${f.problem} | Fix: ${f.fix}`).join("\n");
}

describe("checkQueueArguments", () => {
  const rejects: [string, RabbitMqQueueType, Record<string, unknown>, RegExp][] = [
    [
      "a misspelt argument, with a did-you-mean",
      "classic",
      { "x-max-lenght": 10 },
      /argument x-max-lenght is unknown \| Fix: did you mean "x-max-length"\?/,
    ],
    ["an argument without the x- prefix", "quorum", { "max-length": 10 }, /start with "x-".*did you mean "x-max-length"\?/s],
    [
      "an unknown x- argument",
      "stream",
      { "x-retention": "7D" },
      /argument x-retention is unknown \| Fix: a stream queue accepts .*x-max-age/,
    ],
    ["a negative x-max-length", "classic", { "x-max-length": -1 }, /x-max-length must be an integer >= 0/],
    ["x-max-length given as a string", "quorum", { "x-max-length": "100" }, /x-max-length must be an integer.*a number, not a string/],
    ["a fractional x-max-length-bytes", "stream", { "x-max-length-bytes": 1.5 }, /x-max-length-bytes must be an integer >= 0/],
    [
      "x-message-ttl on a stream",
      "stream",
      { "x-message-ttl": 60000 },
      /x-message-ttl applies to classic queues and quorum queues only \| Fix: .*use x-max-age/,
    ],
    [
      "an x-message-ttl over 10 years",
      "classic",
      { "x-message-ttl": 315_360_000_001 },
      /x-message-ttl must be an integer from 0 to 315360000000/,
    ],
    ["x-expires of 0", "quorum", { "x-expires": 0 }, /x-expires must be an integer from 1 to 315360000000/],
    ["x-expires on a stream", "stream", { "x-expires": 1000 }, /streams never expire/],
    [
      "x-max-priority on a quorum queue",
      "quorum",
      { "x-max-priority": 10 },
      /x-max-priority applies to classic queues only \| Fix: .*two built-in priority levels/,
    ],
    ["x-max-priority above 255", "classic", { "x-max-priority": 256 }, /x-max-priority must be an integer from 1 to 255/],
    ["x-max-priority of 0", "classic", { "x-max-priority": 0 }, /from 1 to 255.*raised to 1/],
    [
      "x-overflow reject-publish-dlx on a quorum queue",
      "quorum",
      { "x-overflow": "reject-publish-dlx" },
      /not supported by quorum queues: RabbitMQ logs a warning and uses drop-head/,
    ],
    ["a misspelt x-overflow mode", "classic", { "x-overflow": "drop_head" }, /x-overflow must be one of .*did you mean "drop-head"\?/s],
    ["x-overflow on a stream", "stream", { "x-overflow": "drop-head" }, /x-overflow applies to classic queues and quorum queues only/],
    [
      "x-dead-letter-strategy on a classic queue",
      "classic",
      { "x-dead-letter-strategy": "at-most-once" },
      /applies to quorum queues only \| Fix: only quorum queues have dead-letter strategies/,
    ],
    [
      "at-least-once dead-lettering without reject-publish",
      "quorum",
      { "x-dead-letter-exchange": "dlx", "x-dead-letter-strategy": "at-least-once" },
      /"at-least-once" needs x-overflow "reject-publish".*falls back to at-most-once/,
    ],
    [
      "at-least-once dead-lettering with drop-head",
      "quorum",
      { "x-dead-letter-exchange": "dlx", "x-dead-letter-strategy": "at-least-once", "x-overflow": "drop-head" },
      /needs x-overflow "reject-publish"/,
    ],
    ["an unknown dead-letter strategy", "quorum", { "x-dead-letter-strategy": "exactly-once" }, /use "at-most-once" or "at-least-once"/],
    [
      "x-dead-letter-routing-key without an exchange",
      "classic",
      { "x-dead-letter-routing-key": "dead" },
      /x-dead-letter-routing-key needs x-dead-letter-exchange/,
    ],
    ["x-dead-letter-exchange on a stream", "stream", { "x-dead-letter-exchange": "dlx" }, /streams do not dead-letter/],
    ["a numeric x-dead-letter-exchange", "quorum", { "x-dead-letter-exchange": 5 }, /x-dead-letter-exchange must be a string/],
    [
      "x-delivery-limit on a classic queue",
      "classic",
      { "x-delivery-limit": 3 },
      /applies to quorum queues only \| Fix: .*use a quorum queue/,
    ],
    ["x-delivery-limit given as a string", "quorum", { "x-delivery-limit": "5" }, /x-delivery-limit must be an integer/],
    [
      "x-single-active-consumer given as a string",
      "classic",
      { "x-single-active-consumer": "true" },
      /must be a boolean .*a boolean, not a string/,
    ],
    ["x-single-active-consumer on a stream", "stream", { "x-single-active-consumer": true }, /stream protocol/],
    [
      "a deprecated leader locator",
      "quorum",
      { "x-queue-leader-locator": "random" },
      /"random" is deprecated: RabbitMQ 4.0 maps it to "balanced"/,
    ],
    ["an unknown leader locator", "stream", { "x-queue-leader-locator": "nearest" }, /use "client-local" or "balanced"/],
    [
      "x-queue-master-locator",
      "classic",
      { "x-queue-master-locator": "min-masters" },
      /deprecated in RabbitMQ 4.0 .*\| Fix: use x-queue-leader-locator/,
    ],
    [
      "x-queue-mode lazy",
      "classic",
      { "x-queue-mode": "lazy" },
      /x-queue-mode is a no-op since RabbitMQ 3.12 .*every classic queue now behaves like a lazy queue/,
    ],
    ["x-queue-mode on a quorum queue", "quorum", { "x-queue-mode": "default" }, /x-queue-mode is a no-op.*remove it/],
    ["x-queue-version 1", "classic", { "x-queue-version": 1 }, /x-queue-version 1 was removed in RabbitMQ 4.0/],
    ["x-queue-version on a quorum queue", "quorum", { "x-queue-version": 2 }, /x-queue-version applies to classic queues only/],
    [
      "x-max-in-memory-length on a quorum queue",
      "quorum",
      { "x-max-in-memory-length": 1000 },
      /has no effect in RabbitMQ 4.0.*\| Fix: remove it; bound the queue with x-max-length/,
    ],
    [
      "x-max-age with a lowercase unit",
      "stream",
      { "x-max-age": "7d" },
      /x-max-age must be a duration string.*Y \(365 days\), M \(30 days\), D, h, m, s/,
    ],
    ["x-max-age given in milliseconds", "stream", { "x-max-age": 604_800_000 }, /a string, not a number of ms/],
    ["a zero x-max-age", "stream", { "x-max-age": "0D" }, /x-max-age must be a duration string: a positive integer/],
    ["x-max-age with a space", "stream", { "x-max-age": "7 D" }, /x-max-age must be a duration string/],
    ["x-max-age on a quorum queue", "quorum", { "x-max-age": "7D" }, /x-max-age applies to streams only \| Fix: .*use x-message-ttl/],
    ["a stream segment over 3 GB", "stream", { "x-stream-max-segment-size-bytes": 3_000_000_001 }, /from 0 to 3000000000/],
    [
      "a stream filter size below 16",
      "stream",
      { "x-stream-filter-size-bytes": 8 },
      /x-stream-filter-size-bytes must be an integer from 16 to 255/,
    ],
    [
      "x-initial-cluster-size on a quorum queue",
      "quorum",
      { "x-initial-cluster-size": 3 },
      /for quorum queues use x-quorum-initial-group-size/,
    ],
    ["x-quorum-initial-group-size on a stream", "stream", { "x-quorum-initial-group-size": 3 }, /for streams use x-initial-cluster-size/],
    [
      "an x-quorum-initial-group-size of 0",
      "quorum",
      { "x-quorum-initial-group-size": 0 },
      /x-quorum-initial-group-size must be an integer >= 1/,
    ],
    [
      "the consumer argument x-priority",
      "classic",
      { "x-priority": 5 },
      /x-priority is a consumer argument, not a queue argument \| Fix: pass x-priority in the consumer's basic.consume/,
    ],
    ["the consumer argument x-stream-offset", "stream", { "x-stream-offset": "first" }, /x-stream-offset is a consumer argument/],
    ["x-max-length on a stream", "stream", { "x-max-length": 1000 }, /use x-max-length-bytes or x-max-age/],
  ];
  test.each(rejects)("rejects %s", (_name, type, args, expected) => {
    const findings = checkQueueArguments("orders", type, args);
    expect(findings.length).toBeGreaterThan(0);
    expect(text(findings)).toMatch(expected);
    expect(findings[0].problem).toMatch(new RegExp(`^queue "orders" \\(${type}\\): `));
  });

  const accepts: [string, RabbitMqQueueType, Record<string, unknown>][] = [
    ["no arguments", "quorum", {}],
    ["x-queue-type, which the construct sets", "quorum", { "x-queue-type": "quorum" }],
    ["an x-max-length of 0", "classic", { "x-max-length": 0 }],
    ["a priority classic queue with reject-publish-dlx", "classic", { "x-max-priority": 10, "x-overflow": "reject-publish-dlx" }],
    [
      "x-queue-version 2 and a leader locator on a classic queue",
      "classic",
      { "x-queue-version": 2, "x-queue-leader-locator": "client-local" },
    ],
    ["x-expires of 1 ms and x-message-ttl of 0", "classic", { "x-expires": 1, "x-message-ttl": 0 }],
    [
      "dead-lettering through the default exchange",
      "classic",
      { "x-dead-letter-exchange": "", "x-dead-letter-routing-key": "orders.dead" },
    ],
    ["a negative x-delivery-limit (no limit in 4.0)", "quorum", { "x-delivery-limit": -1 }],
    [
      "at-least-once dead-lettering with reject-publish",
      "quorum",
      { "x-dead-letter-exchange": "dlx", "x-dead-letter-strategy": "at-least-once", "x-overflow": "reject-publish", "x-delivery-limit": 5 },
    ],
    [
      "quorum sizing, single active consumer and a TTL",
      "quorum",
      { "x-quorum-initial-group-size": 3, "x-single-active-consumer": true, "x-message-ttl": 60_000 },
    ],
    ["stream retention in days and bytes", "stream", { "x-max-age": "7D", "x-max-length-bytes": 20_000_000_000 }],
    ["stream retention in months, hours, minutes, seconds", "stream", { "x-max-age": "1M" }],
    ["a one-year retention", "stream", { "x-max-age": "1Y", "x-stream-max-segment-size-bytes": 500_000_000, "x-initial-cluster-size": 3 }],
    ["a stream filter size and a balanced leader", "stream", { "x-stream-filter-size-bytes": 32, "x-queue-leader-locator": "balanced" }],
    ["a Token value, which cannot be judged at synth", "classic", { "x-max-length": "${TfToken[TOKEN.12]}" }],
  ];
  test.each(accepts)("accepts %s", (_name, type, args) => {
    expect(checkQueueArguments("orders", type, args)).toEqual([]);
  });
});

describe("checkPolicyDefinition", () => {
  const rejects: [string, RabbitMqPolicyTarget, Record<string, unknown>, RegExp][] = [
    ["an empty definition", "queues", {}, /definition is empty \(RabbitMQ refuses it: no policy provided\)/],
    [
      "ha-mode (classic mirroring, removed in 4.0)",
      "queues",
      { "ha-mode": "all" },
      /ha-mode is classic queue mirroring, which was removed in RabbitMQ 4.0.*\| Fix: .*quorum queues/,
    ],
    [
      "ha-params and ha-sync-mode",
      "classic_queues",
      { "ha-params": 2, "ha-sync-mode": "automatic" },
      /key ha-sync-mode is classic queue mirroring/,
    ],
    [
      "alternate-exchange applied to queues",
      "queues",
      { "alternate-exchange": "unrouted" },
      /alternate-exchange applies to exchanges only, but applyTo is "queues" \| Fix: set applyTo to "exchanges"/,
    ],
    [
      "max-length applied to exchanges",
      "exchanges",
      { "max-length": 10 },
      /max-length applies to classic queues and quorum queues only, but applyTo is "exchanges"/,
    ],
    ["a negative max-length", "queues", { "max-length": -1 }, /key max-length must be an integer >= 0/],
    ["message-ttl given as a string", "queues", { "message-ttl": "1000" }, /key message-ttl must be an integer >= 0.*not a string/],
    ["an expires of 0", "queues", { expires: 0 }, /key expires must be an integer >= 1/],
    ["a misspelt overflow", "queues", { overflow: "reject_publish" }, /key overflow must be one of .*did you mean "reject-publish"\?/s],
    [
      "reject-publish-dlx on quorum queues",
      "quorum_queues",
      { overflow: "reject-publish-dlx" },
      /reject-publish-dlx" is not supported by quorum queues/,
    ],
    ["a numeric dead-letter-exchange", "queues", { "dead-letter-exchange": 5 }, /key dead-letter-exchange must be a string/],
    [
      "delivery-limit on classic queues",
      "classic_queues",
      { "delivery-limit": 5 },
      /delivery-limit applies to quorum queues only, but applyTo is "classic_queues" \| Fix: set applyTo to "quorum_queues"/,
    ],
    ["a fractional delivery-limit", "quorum_queues", { "delivery-limit": 2.5 }, /key delivery-limit must be an integer/],
    [
      "a deprecated queue-leader-locator",
      "queues",
      { "queue-leader-locator": "least-leaders" },
      /"least-leaders" is deprecated.*\| Fix: use "balanced"/,
    ],
    ["a max-age with a space", "streams", { "max-age": "1 D" }, /key max-age must be a duration string/],
    ["max-age on quorum queues", "quorum_queues", { "max-age": "7D" }, /max-age applies to streams only, but applyTo is "quorum_queues"/],
    [
      "a stream segment over 3 GB",
      "streams",
      { "stream-max-segment-size-bytes": 3_000_000_001 },
      /stream-max-segment-size-bytes must be an integer from 0 to 3000000000/,
    ],
    ["a stream filter size over 255", "streams", { "stream-filter-size-bytes": 300 }, /from 16 to 255/],
    ["an initial-cluster-size of 0", "streams", { "initial-cluster-size": 0 }, /initial-cluster-size must be an integer >= 1/],
    [
      "a misspelt key, with a did-you-mean",
      "quorum_queues",
      { "max-lenght": 5 },
      /max-lenght is not a policy key RabbitMQ 4.0 recognises \| Fix: did you mean "max-length"\?/,
    ],
    ["a queue argument name as a key", "queues", { "x-message-ttl": 1000 }, /policy keys have no "x-" prefix \| Fix: use "message-ttl"/],
    [
      "max-priority, which is not a policy key",
      "classic_queues",
      { "max-priority": 5 },
      /max-priority is not a policy key.*x-max-priority argument/,
    ],
    [
      "single-active-consumer, which is not a policy key",
      "quorum_queues",
      { "single-active-consumer": true },
      /x-single-active-consumer argument/,
    ],
    ["queue-mode (a no-op since 3.12)", "classic_queues", { "queue-mode": "lazy" }, /queue-mode is a no-op since RabbitMQ 3.12/],
    [
      "queue-master-locator (deprecated in 4.0)",
      "queues",
      { "queue-master-locator": "client-local" },
      /deprecated in RabbitMQ 4.0.*use queue-leader-locator/,
    ],
    ["queue-version 1 (removed in 4.0)", "classic_queues", { "queue-version": 1 }, /queue-version 1 was removed in RabbitMQ 4.0/],
    [
      "max-in-memory-length (a no-op in 4.0)",
      "quorum_queues",
      { "max-in-memory-length": 100 },
      /max-in-memory-length has no effect in RabbitMQ 4.0/,
    ],
    [
      "keys of different queue types mixed",
      "queues",
      { "max-length": 10, "max-age": "1D" },
      /applies to no queue.*streams by max-length.*\| Fix: split it into one policy per queue type/s,
    ],
    [
      "a classic-only key next to a quorum-only key",
      "queues",
      { "queue-version": 2, "delivery-limit": 5 },
      /queue-version never takes effect: the other keys restrict this policy to quorum queues/,
    ],
    [
      "two federation upstream keys together",
      "all",
      { "federation-upstream": "east", "federation-upstream-set": "all" },
      /federation-upstream and federation-upstream-set cannot be used together/,
    ],
    [
      "an invalid federation-upstream-pattern",
      "exchanges",
      { "federation-upstream-pattern": "(east" },
      /federation-upstream-pattern is not a valid regular expression: missing \)/,
    ],
    [
      "federation keys on streams",
      "streams",
      { "federation-upstream": "east" },
      /federation-upstream applies to exchanges and classic queues and quorum queues only/,
    ],
    ["a negative consumer-timeout", "queues", { "consumer-timeout": -5 }, /consumer-timeout must be an integer >= 0/],
    [
      "at-least-once with drop-head overflow",
      "quorum_queues",
      { "dead-letter-strategy": "at-least-once", overflow: "drop-head" },
      /at-least-once" needs overflow "reject-publish"/,
    ],
    [
      "a sharding routing-key without shards-per-node",
      "exchanges",
      { "routing-key": "r" },
      /routing-key \(sharding plugin\) needs shards-per-node.*dead-letter-routing-key/,
    ],
    ["target-group-size on streams", "streams", { "target-group-size": 3 }, /target-group-size applies to quorum queues only/],
  ];
  test.each(rejects)("rejects %s", (_name, applyTo, definition, expected) => {
    const findings = checkPolicyDefinition("limits", applyTo, definition);
    expect(findings.length).toBeGreaterThan(0);
    expect(text(findings)).toMatch(expected);
    expect(findings[0].problem).toMatch(/^policy "limits": /);
  });

  const accepts: [string, RabbitMqPolicyTarget, Record<string, unknown>][] = [
    ["a max-length on queues", "queues", { "max-length": 10_000 }],
    ["a TTL of 0 with a byte limit", "queues", { "message-ttl": 0, "max-length-bytes": 1_000_000 }],
    ["an alternate exchange on exchanges", "exchanges", { "alternate-exchange": "unrouted" }],
    ["an exchange key and a queue key under all", "all", { "alternate-exchange": "unrouted", "max-length": 5 }],
    ["a quorum-only key on all queues (it applies to quorum queues)", "queues", { "delivery-limit": 5 }],
    [
      "at-least-once dead-lettering on quorum queues",
      "quorum_queues",
      { "delivery-limit": -1, "dead-letter-strategy": "at-least-once", overflow: "reject-publish", "dead-letter-exchange": "dlx" },
    ],
    ["stream retention", "streams", { "max-age": "7D", "stream-max-segment-size-bytes": 100_000_000, "initial-cluster-size": 3 }],
    ["reject-publish-dlx and queue-version 2 on classic queues", "classic_queues", { overflow: "reject-publish-dlx", "queue-version": 2 }],
    ["reject-publish-dlx on all queues (classic queues use it)", "queues", { overflow: "reject-publish-dlx" }],
    ["a leader locator and a consumer timeout", "queues", { "queue-leader-locator": "balanced", "consumer-timeout": 3_600_000 }],
    ["federation to every upstream", "exchanges", { "federation-upstream-set": "all" }],
    ["a PCRE-only federation-upstream-pattern", "exchanges", { "federation-upstream-pattern": "^(?i)eu-\\d++$" }],
    ["a quorum target group size", "quorum_queues", { "target-group-size": 3 }],
    ["a dead-letter routing key alone (the queue may set the exchange)", "queues", { "dead-letter-routing-key": "dead" }],
    ["sharding on exchanges", "exchanges", { "shards-per-node": 2, "routing-key": "r" }],
  ];
  test.each(accepts)("accepts %s", (_name, applyTo, definition) => {
    expect(checkPolicyDefinition("limits", applyTo, definition)).toEqual([]);
  });
});

describe("checkPolicyPattern", () => {
  const rejects: [string, string, RegExp][] = [
    ["a glob star", "*", /nothing to repeat at character 0 \| Fix: policy patterns are regular expressions, not globs/],
    ["a glob prefix", "*.orders", /nothing to repeat.*write "\.\*" where you meant "\*"/],
    ["a doubled quantifier", "a**", /nothing to repeat at character 2/],
    ["a quantifier after an option setting", "(?i)*", /nothing to repeat/],
    ["a quantifier after an anchor", "^*", /nothing to repeat at character 1/],
    ["an unclosed group", "^orders\\.(eu|us$", /missing \) at character 16/],
    ["a stray closing parenthesis", "orders)", /unmatched parentheses/],
    ["an unclosed class", "[a-z", /missing terminating \] for character class/],
    ["a range out of order", "[z-a]", /range out of order in character class/],
    ["a range ending in a class escape", "[a-\\d]", /invalid range in character class/],
    [
      "repeat counts out of order",
      "a{3,1}",
      /numbers out of order in \{\} quantifier at character 5 \| Fix: write \{min,max\} with min <= max/,
    ],
    ["a repeat count over 65535", "a{65536}", /number too big in \{\} quantifier/],
    [
      "a variable-length lookbehind",
      "(?<=a+)b",
      /lookbehind assertion is not fixed length at character 6 \| Fix: a lookbehind must match a fixed number of characters/,
    ],
    ["a lookbehind with a group of unequal alternatives", "(?<=a(b|cd))x", /lookbehind assertion is not fixed length/],
    ["a lookbehind with a range count", "(?<=\\d{2,3})x", /lookbehind assertion is not fixed length/],
    ["a lookbehind with \\R", "(?<=\\R)x", /lookbehind assertion is not fixed length/],
    ["a backreference to a missing group", "(a)\\2", /reference to non-existent subpattern/],
    ["a named backreference to a missing group", "\\k<region>", /reference to non-existent subpattern/],
    ["a Python-style reference to a missing group", "(?P=missing)", /reference to non-existent subpattern/],
    ["a relative reference before any group", "\\g{-1}(a)", /reference to non-existent subpattern/],
    ["a reference to group zero", "\\g{0}", /a numbered reference must not be zero/],
    [
      "a POSIX class outside brackets",
      "[:alpha:]",
      /POSIX named classes are supported only within a class at character 0 \| Fix: put the POSIX class inside brackets: \[\[:digit:\]\]/,
    ],
    ["an unknown POSIX class", "[[:alfa:]]", /unknown POSIX class name.*alpha, lower/],
    ["a POSIX collating element", "[[.a.]]", /POSIX collating elements are not supported/],
    ["a JavaScript \\u escape", "\\u0041", /PCRE does not support \\L, \\l, \\N\{name\}, \\U, or \\u/],
    ["\\x{100} in byte mode", "\\x{100}", /character value in \\x\{\} or \\o\{\} is too large/],
    ["an octal escape over \\377", "\\400", /octal value is greater than \\377/],
    ["an unknown inline option", "(?z)a", /unrecognized character after \(\? or \(\?-/],
    ["a trailing backslash", "orders\\", /\\ at end of pattern at character 6 \| Fix: escape a trailing backslash/],
    ["an unclosed comment", "(?#comment", /missing \) after comment/],
    ["an unknown verb", "(*FOO)a", /\(\*VERB\) not recognized or malformed/],
    ["a conditional with three branches", "(?(1)a|b|c)(x)", /conditional group contains more than two branches/],
    ["a condition on group 0", "(?(0)a)", /invalid condition \(\?\(0\)/],
    ["two groups with one name", "(?<n>a)(?<n>b)", /two named subpatterns have the same name/],
    ["a group name starting with a digit", "(?P<1a>x)", /group name must start with a non-digit/],
    ["\\c at the end", "\\c", /\\c at end of pattern/],
    ["an unknown Unicode property", "\\p{Foo}", /unknown property name after \\P or \\p/],
    ["a non-hex \\x{}", "\\x{zz}", /non-hex character in \\x\{\}/],
    ["\\N in a class", "[\\N]", /\\N is not supported in a class/],
    ["a callout number over 255", "(?C256)", /number after \(\?C is > 255/],
    ["a NUL character", "orders\u0000.*", /NUL character in pattern at character 6 \| Fix: .*stops reading the pattern there/],
  ];
  test.each(rejects)("rejects %s", (_name, pattern, expected) => {
    const findings = checkPolicyPattern("limits", pattern);
    expect(findings).toHaveLength(1);
    expect(text(findings)).toMatch(expected);
    expect(findings[0].problem).toMatch(/^policy "limits": pattern is not a valid PCRE regular expression/);
    expect(findings[0].received).toBe(pattern);
  });

  const accepts: [string, string][] = [
    ["the empty pattern (matches every name)", ""],
    ["the amq. prefix", "^amq\\."],
    ["everything", ".*"],
    ["alternatives in a group", "^orders\\.(eu|us)$"],
    ["an inline case-insensitive option", "(?i)^orders"],
    ["a possessive quantifier", "^a++$"],
    ["a POSIX class", "[[:digit:]]+"],
    ["a negated POSIX class", "[[:^space:]]"],
    ["an atomic group", "(?>orders|payments)\\."],
    ["\\A and \\z anchors", "\\Aorders\\z"],
    ["the \\Z anchor", "orders\\Z"],
    ["a \\Q...\\E literal", "\\Qa.b(c\\E"],
    ["a quantifier after \\Q...\\E", "\\Qa(\\E+"],
    ["a comment", "(?#comment)^x"],
    ["a comment between an item and its quantifier", "a(?#x)?"],
    ["possessive and lazy stars", "a*+b*?c"],
    ["a possessive counted repeat", "a{2}+"],
    ["a lookbehind with alternatives of different lengths", "(?<=ab|c)d"],
    ["a negative lookbehind", "(?<!eu\\.)orders"],
    ["a fixed-count lookbehind", "(?<=\\d{2})x"],
    ["a lookbehind over a group of equal alternatives", "(?<=(?:ab|cd))x"],
    ["a branch-reset group and a backreference", "(?|(a)|(b))\\1"],
    ["a named group and a named backreference", "(?<region>eu|us)\\.\\k<region>"],
    ["Python-style named groups", "(?P<n>a)(?P=n)"],
    ["a forward backreference", "\\1(a)"],
    ["\\8, a literal 8", "\\8"],
    ["a leading ] in a class", "[]a]"],
    ["a leading ] in a negated class", "[^]a]"],
    ["a trailing hyphen in a class", "[\\w.-]+"],
    ["a hyphen after a class escape", "[\\d-z]"],
    ["{,3}, which PCRE 8 reads literally", "a{,3}"],
    ["a lone brace", "{"],
    ["an open-ended count", "x{2,}"],
    ["a Unicode property", "\\p{L}+"],
    ["extended mode with comments", "(?x) ^ orders \\. # the orders queues"],
    ["UTF-8 mode", "(*UTF8)^é"],
    ["a non-ASCII byte pattern", "^é{2}"],
    ["a conditional group", "(?(1)a|b)(x)"],
    ["a DEFINE group and a subroutine call", "(?(DEFINE)(?<d>\\d))(?&d)+"],
    ["a negative lookahead", "^(?!amq\\.).*"],
    ["the start-of-word POSIX extension", "[[:<:]]orders"],
    ["verbs", "(*PRUNE)a|(*:mark)b"],
    ["an empty alternative and an empty group", "a|()"],
  ];
  test.each(accepts)("accepts %s", (_name, pattern) => {
    expect(checkPolicyPattern("limits", pattern)).toEqual([]);
  });

  // JavaScript's RegExp is the wrong judge of a RabbitMQ pattern, both ways.
  const pcreOnly: string[] = [
    "^a++$",
    "(?>a)b",
    "(?i)^orders",
    "(?#comment)x",
    "(?|(a)|(b))",
    "(?P<n>a)",
    "a{2}+",
    "(*UTF8)x",
    "(?x) a # c",
  ];
  test.each(pcreOnly)("accepts %s, valid PCRE that JavaScript's RegExp refuses", (pattern) => {
    expect(() => new RegExp(pattern)).toThrow();
    expect(checkPolicyPattern("limits", pattern)).toEqual([]);
  });
  const jsOnly: [string, RegExp][] = [
    ["(?<=a+)b", /lookbehind assertion is not fixed length/],
    ["\\u0041", /does not support/],
    ["[[:foo:]]", /unknown POSIX class name/],
    ["\\1", /reference to non-existent subpattern/],
    ["a{2,65536}", /number too big/],
    ["\\L", /does not support/],
  ];
  test.each(jsOnly)("rejects %s, which JavaScript's RegExp accepts but PCRE refuses", (pattern, expected) => {
    expect(() => new RegExp(pattern)).not.toThrow();
    expect(text(checkPolicyPattern("limits", pattern))).toMatch(expected);
  });
});
