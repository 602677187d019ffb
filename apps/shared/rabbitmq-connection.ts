import { hostname } from "node:os";
import * as amqp from "amqplib";
import { describeError, Logger } from "./logger";

/**
 * One AMQP connection of a RabbitMQ app, with the one thing both apps need
 * to know about it: `lost`, which resolves (never rejects) with a reason the
 * first time the connection or one of its channels closes. Reconnecting is
 * the app's loop's job (backoff.ts), not amqplib's recovery mode, so that both
 * brokers' apps share one retry policy and budget.
 */
export class RabbitConnection {
  readonly lost: Promise<string>;
  private markLost!: (reason: string) => void;
  private closing = false;

  private constructor(
    readonly model: amqp.ChannelModel,
    log: Logger,
  ) {
    this.lost = new Promise((resolve) => (this.markLost = resolve));
    // An 'error' event without a listener would crash the process; the
    // 'close' that always follows is what ends the session.
    model.on("error", () => undefined);
    model.on("close", (err?: Error) => this.markLost(err ? describeError(err) : "connection closed by the broker"));
    // A memory or disk alarm: the broker stops reading our publishes (confirms
    // stall, the in-flight window fills). Worth a line, not a reconnect.
    model.on("blocked", (reason: string) => log.warn("blocked", { reason }));
    model.on("unblocked", () => log.info("unblocked"));
  }

  static async open(url: string, app: string, log: Logger): Promise<RabbitConnection> {
    const model = await amqp.connect(url, {
      // Shown in the management UI's connection list.
      clientProperties: { connection_name: `${app}@${hostname()}` },
      // Bounds the TCP+AMQP handshake so a black-holed address cannot hang an attempt.
      timeout: 10_000,
    });
    return new RabbitConnection(model, log);
  }

  /** Makes a channel's close end the session too (a channel error does not close the connection). */
  watch<C extends amqp.Channel>(channel: C): C {
    let channelError: string | undefined;
    channel.on("error", (err: Error) => (channelError = describeError(err)));
    // A connection that closes closes its channels first: wait a turn so the
    // connection's reason (e.g. CONNECTION_FORCED from an operator) wins.
    channel.on("close", () => setImmediate(() => this.markLost(channelError ?? "channel closed")));
    return channel;
  }

  /** Closes the connection; errors are ignored (it may be gone already). */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await this.model.close().catch(() => undefined);
  }
}
