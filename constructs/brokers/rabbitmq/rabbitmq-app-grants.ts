/**
 * What each wired app may do on a RabbitMQ broker: the grants made to it,
 * and the permission regexes and topic permissions the set-up job gives its
 * user.
 */
import type { RabbitMqTopology } from "./rabbitmq-topology";

/** A permission regex matching exactly these names (none: `^$`, nothing). */
export function anyOf(names: Set<string>): string {
  if (names.size === 0) return "^$";
  return `^(${[...names]
    .sort()
    .map((n) => n.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&"))
    .join("|")})$`;
}

/** What one app may do on the broker, by the grants made to it. */
export interface AppGrant {
  /** Queues it consumes from. */
  readonly readQueues: Set<string>;
  /** Exchanges it publishes to (`amq.default` for a queue). */
  readonly writeExchanges: Set<string>;
  /** The routing keys it publishes with, by exchange (not the default exchange). */
  readonly publishKeys: Map<string, Set<string>>;
}

/**
 * RabbitMQ's topic permissions for a publisher's topic exchanges: each
 * allows writing only the routing keys granted (read `^$`: an app never
 * binds). The plain write permission names exchanges, not keys, so without
 * these a publisher could send any key its exchange routes, into queues
 * that are not its own. RabbitMQ checks them on topic exchanges only;
 * direct, fanout and headers exchanges take any key (docs/access-and-tls.md).
 * The exchange's type is read here, at synth, so one declared after the
 * grant counts.
 */
export function topicPermissions(topology: RabbitMqTopology, grant: AppGrant): { exchange: string; write: string; read: string }[] {
  return [...grant.publishKeys]
    .filter(([exchange]) => topology.exchangeType(exchange) === "topic")
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([exchange, keys]) => ({ exchange, write: anyOf(keys), read: "^$" }));
}
