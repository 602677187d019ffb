import { describeError } from "./logger";

/**
 * The RabbitMQ nodes of RABBITMQ_URL (one URL per node of a cluster, or just
 * one) and which one a RabbitMQ app tries next.
 *
 * Failover happens inside the app's reconnect loop (backoff.ts), one node per
 * attempt: every attempt takes the next node in the list, round robin. So the
 * first session goes to the first node; a connect that fails is retried on
 * the node after it; a session that is lost reconnects to the node after the
 * one it was on, at once, and only if that fails too does the backoff start
 * to wait. The loop's BROKER_RETRY_SECONDS budget covers the whole list: an
 * app gives up only when no node answered for that long.
 *
 * What the sessions carry over a failover is the loops' business, not this
 * file's: the producer's publish ledger re-sends only what no node confirmed,
 * the consumer acks only what it processed (a lost channel's unacked messages
 * go back to their queue).
 */

/** One node: its URL (with the password) and what a log may show of it. */
export interface RabbitNode {
  readonly url: string;
  /** `host:port` (port defaulted as amqplib does), no credentials. */
  readonly address: string;
}

/** A node's `host:port`, for logs. `url` is a valid amqp:// or amqps:// URL (app-config.ts). */
export function nodeAddress(url: string): string {
  const parsed = new URL(url);
  // amqplib: an empty host is the local host, a missing port the scheme's.
  const host = parsed.hostname === "" ? "localhost" : parsed.hostname;
  const port = parsed.port === "" ? (parsed.protocol === "amqps:" ? "5671" : "5672") : parsed.port;
  return `${host}:${port}`;
}

/** A failed attempt on one node: the cause's message, prefixed with the node's `host:port`. */
export class RabbitNodeError extends Error {
  constructor(
    readonly node: RabbitNode,
    cause: unknown,
  ) {
    super(`${node.address}: ${describeError(cause)}`, { cause });
    this.name = "RabbitNodeError";
  }
}

export class RabbitNodes {
  readonly nodes: readonly RabbitNode[];
  private next = 0;

  constructor(urls: readonly string[]) {
    if (urls.length === 0) throw new Error("RabbitNodes: no URL");
    this.nodes = urls.map((url) => ({ url, address: nodeAddress(url) }));
  }

  /** Every node's `host:port`, in order. */
  get addresses(): string[] {
    return this.nodes.map((node) => node.address);
  }

  /**
   * Opens a session on the next node in turn. Whatever the outcome, the next
   * call goes to the node after it: after a failed attempt or a lost session
   * the app moves on. A failure is rethrown as a RabbitNodeError naming the node.
   */
  async open<S>(openOn: (node: RabbitNode) => Promise<S>): Promise<S> {
    const node = this.nodes[this.next];
    this.next = (this.next + 1) % this.nodes.length;
    try {
      return await openOn(node);
    } catch (err) {
      throw new RabbitNodeError(node, err);
    }
  }
}
