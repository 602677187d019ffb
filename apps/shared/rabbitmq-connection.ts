import { hostname } from "node:os";
import * as amqp from "amqplib";
import { AccessRefusal, errorChain } from "./access-refused";
import { describeError, Logger } from "./logger";

/**
 * The AMQP heartbeat the apps ask for, in seconds (the broker's default is
 * 60). amqplib calls a connection dead after two to three intervals without
 * a frame from the broker (lib/heartbeat.js): a consumer on a hung or cut-off
 * node notices in 10-15 s instead of 2-3 minutes. RabbitMQ's docs advise
 * 5-20 s; below that a busy host sees false positives. A `heartbeat` in the
 * URL's query wins. Producers notice sooner still (confirm-deadline.ts).
 */
export const HEARTBEAT_SECONDS = 5;
/** A close the broker does not answer (a hung node) is given up after this, the socket destroyed. */
const CLOSE_TIMEOUT_MS = 2000;

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
  private refusal: AccessRefusal | undefined;
  private blockedReason: string | undefined;
  private readonly blockedListeners: ((blocked: boolean) => void)[] = [];

  private constructor(
    readonly model: amqp.ChannelModel,
    log: Logger,
  ) {
    this.lost = new Promise((resolve) => (this.markLost = resolve));
    // An 'error' event without a listener would crash the process; the
    // 'close' that always follows is what ends the session.
    model.on("error", () => undefined);
    model.on("close", (err?: Error) => {
      this.refusal ??= rabbitAccessRefusal(err);
      this.markLost(err ? describeError(err) : "connection closed by the broker");
    });
    // A memory or disk alarm: the broker stops reading our publishes (confirms
    // stall, the in-flight window fills). Worth a line, not a reconnect.
    model.on("blocked", (reason: string) => {
      this.blockedReason = reason;
      log.warn("blocked", { reason });
      for (const listener of this.blockedListeners) listener(true);
    });
    model.on("unblocked", () => {
      this.blockedReason = undefined;
      log.info("unblocked");
      for (const listener of this.blockedListeners) listener(false);
    });
  }

  /**
   * @param tlsCa for an amqps:// URL, the CA certificates to trust instead of
   *   Node's bundled ones (RABBITMQ_TLS_CA_FILE). Either way the broker's
   *   certificate and host name are verified: amqplib passes the URL's host
   *   to tls.connect (as `servername` unless it is an IP address), and Node
   *   checks it against the certificate's DNS or IP names.
   */
  static async open(url: string, app: string, log: Logger, tlsCa?: string[]): Promise<RabbitConnection> {
    const model = await amqp.connect(withHeartbeat(url), {
      // Shown in the management UI's connection list.
      clientProperties: { connection_name: `${app}@${hostname()}` },
      // Bounds the TCP+AMQP handshake so a black-holed address cannot hang an attempt.
      timeout: 10_000,
      // Ignored by amqp:// (a plain socket).
      rejectUnauthorized: true,
      ...(tlsCa ? { ca: tlsCa } : {}),
    });
    return new RabbitConnection(model, log);
  }

  /** Makes a channel's close end the session too (a channel error does not close the connection). */
  watch<C extends amqp.Channel>(channel: C): C {
    let channelError: string | undefined;
    channel.on("error", (err: Error) => {
      channelError = describeError(err);
      this.refusal ??= rabbitAccessRefusal(err);
    });
    // A connection that closes closes its channels first: wait a turn so the
    // connection's reason (e.g. CONNECTION_FORCED from an operator) wins.
    channel.on("close", () => setImmediate(() => this.markLost(channelError ?? "channel closed")));
    return channel;
  }

  /** While the broker blocks this connection's publishes (connection.blocked: a memory or disk alarm), its reason. */
  get blockedBy(): string | undefined {
    return this.blockedReason;
  }

  /** Calls `listener(true)` when the broker blocks this connection's publishes, `listener(false)` when it unblocks them. */
  onBlockedChange(listener: (blocked: boolean) => void): void {
    this.blockedListeners.push(listener);
  }

  /**
   * Ends the connection at once, without the AMQP close handshake a silent
   * node would never answer: the socket is destroyed, amqplib closes the
   * connection and its channels with `reason`, and `lost` resolves with it.
   */
  fail(reason: string): void {
    if (this.closing) return;
    this.closing = true;
    // amqplib keeps its socket as ChannelModel.connection.stream; destroying it
    // with an error is what a dropped connection does (Connection.onSocketError).
    const stream = (this.model as unknown as { connection?: { stream?: { destroy(err: Error): void } } }).connection?.stream;
    if (stream) stream.destroy(new Error(reason));
    else this.markLost(reason);
  }

  /** Once lost: set when the broker closed the connection or a channel with ACCESS_REFUSED. */
  get lostByRefusal(): AccessRefusal | undefined {
    return this.refusal;
  }

  /** Closes the connection (a hung node is given CLOSE_TIMEOUT_MS, then cut off); errors are ignored (it may be gone already). */
  async close(): Promise<void> {
    if (this.closing) return;
    const closed = this.model.close().catch(() => undefined);
    this.closing = true;
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), CLOSE_TIMEOUT_MS)));
    const timedOut = await Promise.race([closed.then(() => false), gaveUp]);
    clearTimeout(timer);
    if (timedOut) {
      this.closing = false;
      this.fail(`no answer to connection.close within ${CLOSE_TIMEOUT_MS} ms`);
    }
  }
}

/**
 * The URL with `heartbeat=HEARTBEAT_SECONDS` added to its query, unless it
 * names a heartbeat of its own. Added as text, not re-serialized by `URL`:
 * that would percent-encode a password's non-ASCII characters, which amqplib
 * decodes with `unescape` (Latin-1), changing the password.
 */
export function withHeartbeat(url: string): string {
  if (new URL(url).searchParams.has("heartbeat")) return url;
  const hash = url.indexOf("#");
  const [base, fragment] = hash >= 0 ? [url.slice(0, hash), url.slice(hash)] : [url, ""];
  const separator = !base.includes("?") ? "?" : base.endsWith("?") || base.endsWith("&") ? "" : "&";
  return `${base}${separator}heartbeat=${HEARTBEAT_SECONDS}${fragment}`;
}

/**
 * A RabbitMQ access refusal in an amqplib error or its causes:
 * - authentication: the handshake ends with 403 ACCESS_REFUSED "Login was
 *   refused" (unknown user and wrong password look the same, on purpose);
 * - authorization: 403 ACCESS_REFUSED on a channel (no configure/write/read
 *   permission on a queue or exchange), or the broker closing the connection
 *   at connection.open, which it does with 530 NOT_ALLOWED when the user may
 *   not use the vhost (amqplib reports only "Expected ConnectionOpenOk; got
 *   <ConnectionClose channel:0>", without the reply code).
 */
export function rabbitAccessRefusal(err: unknown): AccessRefusal | undefined {
  for (const link of errorChain(err)) {
    if (!(link instanceof Error)) continue;
    const { message } = link;
    if (/ACCESS_REFUSED - Login was refused/.test(message)) return "authentication";
    if ((link as { code?: unknown }).code === 403 || /\b403 \(ACCESS-REFUSED\)/.test(message)) return "authorization";
    if (/NOT_ALLOWED - access to vhost/.test(message) || /^Expected ConnectionOpenOk; got <ConnectionClose/.test(message)) {
      return "authorization";
    }
  }
  return undefined;
}
