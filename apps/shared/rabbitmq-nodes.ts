import { describeError } from "./logger";

/**
 * The RabbitMQ nodes of RABBITMQ_URL (one URL per node of a cluster, or just
 * one) and which one a RabbitMQ app connects to next.
 *
 * Failover happens inside the app's reconnect loop (backoff.ts): every
 * attempt starts on the next node in turn, round robin. So the first
 * session goes to the first node; a connect that fails is retried on the
 * node after it; a session that is lost reconnects to the node after the one
 * it was on, at once, and only if that fails too does the backoff start to
 * wait. The loop's BROKER_RETRY_SECONDS budget covers the whole list: an app
 * gives up only when no node answered for that long.
 *
 * The node in turn gets a head start (HEAD_START_MS), not the whole attempt:
 * if it has not answered by then, or fails sooner, the other nodes are tried
 * at the same time and the first connection to open wins (the others are
 * closed as they open). A node that is hung or cut off answers nothing, so a
 * connect to it waits out its whole timeout (10 s); measured in the fault
 * suite, a producer failing over from a silent queue leader's peer went
 * straight to the silent node and lost those 10 s. Only connections race:
 * the session (channel, consumer) is opened on the winner alone.
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

/** How long the node in turn has to open a connection before the other nodes are tried as well. */
export const HEAD_START_MS = 500;

/** A failed attempt: the node in turn's error, prefixed with its `host:port`, then the other nodes' if they were tried. */
export class RabbitNodeError extends Error {
  constructor(
    readonly node: RabbitNode,
    cause: unknown,
    others: readonly (readonly [RabbitNode, unknown])[] = [],
  ) {
    super([[node, cause] as const, ...others].map(([n, err]) => `${n.address}: ${describeError(err)}`).join("; "), { cause });
    this.name = "RabbitNodeError";
  }
}

/** What a connection must offer to be raced: a close for the ones that open too late. */
export interface ClosableConnection {
  close(): Promise<void>;
}

export class RabbitNodes {
  readonly nodes: readonly RabbitNode[];
  private next = 0;

  constructor(
    urls: readonly string[],
    private readonly headStartMs = HEAD_START_MS,
  ) {
    if (urls.length === 0) throw new Error("RabbitNodes: no URL");
    this.nodes = urls.map((url) => ({ url, address: nodeAddress(url) }));
  }

  /** Every node's `host:port`, in order. */
  get addresses(): string[] {
    return this.nodes.map((node) => node.address);
  }

  /**
   * Connects (the node in turn first, the others after its head start) and
   * opens a session on the connection that opened first. The next call
   * starts on the node after the one used, or after the node in turn when
   * none connected. A failure is thrown as a RabbitNodeError naming the node
   * (and, when they were tried, the others).
   */
  async open<C extends ClosableConnection, S>(
    connect: (node: RabbitNode) => Promise<C>,
    openOn: (node: RabbitNode, connection: C) => Promise<S>,
  ): Promise<S> {
    const start = this.next;
    this.next = (start + 1) % this.nodes.length;
    const { node, connection } = await this.firstToConnect(start, connect);
    this.next = (this.nodes.indexOf(node) + 1) % this.nodes.length;
    try {
      return await openOn(node, connection);
    } catch (err) {
      await connection.close().catch(() => undefined);
      throw new RabbitNodeError(node, err);
    }
  }

  private firstToConnect<C extends ClosableConnection>(
    start: number,
    connect: (node: RabbitNode) => Promise<C>,
  ): Promise<{ node: RabbitNode; connection: C }> {
    const order = this.nodes.map((_, i) => this.nodes[(start + i) % this.nodes.length]);
    return new Promise((resolve, reject) => {
      const failures = new Map<RabbitNode, unknown>();
      let started = 0;
      let settled = false;
      let headStart: NodeJS.Timeout | undefined;
      const startTheRest = (): void => {
        clearTimeout(headStart);
        while (started < order.length) attempt(order[started++]);
      };
      const attempt = (node: RabbitNode): void => {
        connect(node).then(
          (connection) => {
            if (settled) {
              void connection.close().catch(() => undefined); // opened too late: another node won
              return;
            }
            settled = true;
            clearTimeout(headStart);
            resolve({ node, connection });
          },
          (err: unknown) => {
            failures.set(node, err);
            if (settled) return;
            if (started < order.length) startTheRest();
            else if (failures.size === order.length) {
              settled = true;
              const [first, ...rest] = order;
              reject(
                new RabbitNodeError(
                  first,
                  failures.get(first),
                  rest.map((n) => [n, failures.get(n)] as const),
                ),
              );
            }
          },
        );
      };
      attempt(order[started++]);
      if (started < order.length) headStart = setTimeout(startTheRest, this.headStartMs);
    });
  }
}
