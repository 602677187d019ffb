import { setImmediate as nextTurn } from "node:timers/promises";
import type { ConfirmChannel, Message } from "amqplib";
import { encodeEnvelope, Envelope } from "../../shared/envelope";
import { LatencyWindow } from "../../shared/latency-window";
import { Logger } from "../../shared/logger";
import { ProducerSession, PublishOutcome } from "../../shared/producer-loop";
import { PublishLedger } from "../../shared/publish-ledger";
import { AccessRefusal } from "../../shared/access-refused";
import { RabbitConnection } from "../../shared/rabbitmq-connection";
import { RabbitNode } from "../../shared/rabbitmq-nodes";
import { RatePacer } from "../../shared/rate-pacer";
import { sleep } from "../../shared/shutdown";
import { ConfirmDeadline } from "./confirm-deadline";

/** Unconfirmed messages allowed at once: bounds memory and what a lost connection makes us re-send. */
const MAX_UNCONFIRMED = 1000;
/** Messages published per event-loop turn before yielding, so confirms keep being read. */
const BURST = 100;
/** After an unroutable return, wait this long before publishing more (the bindings may not exist yet). */
const UNROUTABLE_PAUSE_MS = 1000;
/** How often the confirm deadline is looked at: its resolution. */
const DEADLINE_CHECK_MS = 250;

export interface RabbitPublisherSessionOptions {
  readonly app: string;
  /** The node the session's connection is to (RabbitNodes picks it), for logs. */
  readonly node: RabbitNode;
  readonly exchange: string;
  readonly routingKey: string;
  readonly latency: LatencyWindow;
  readonly log: Logger;
  /** Outlives sessions (it escalates across failovers): see confirm-deadline.ts. */
  readonly deadline: ConfirmDeadline;
}

interface InFlight {
  readonly envelope: Envelope;
  readonly publishedAt: number;
  /** The broker returned it as unroutable (mandatory flag); its ack that follows is not a delivery. */
  returned: boolean;
}

/**
 * One connection's worth of publishing on a confirm channel: persistent JSON
 * messages, mandatory (an unroutable message comes back instead of
 * vanishing), counted as delivered only on the broker's ack.
 */
export class RabbitPublisherSession implements ProducerSession {
  private readonly unconfirmed = new Map<string, InFlight>();
  private wakeups: (() => void)[] = [];
  /** Counts confirms, drains and the like, so a waiter can tell whether one happened since it looked. */
  private progress = 0;
  private isLost = false;
  private lastReturnAt = 0;
  private readonly deadlineCheck: NodeJS.Timeout;

  private constructor(
    private readonly connection: RabbitConnection,
    private readonly channel: ConfirmChannel,
    private readonly options: RabbitPublisherSessionOptions,
  ) {
    const { deadline } = options;
    deadline.reset();
    channel.on("return", (message: Message) => this.onReturn(message));
    channel.on("drain", () => this.wake());
    connection.onBlockedChange((blocked) => (blocked ? deadline.blockedByBroker() : deadline.unblocked(this.unconfirmed.size)));
    this.deadlineCheck = setInterval(() => this.checkDeadline(), DEADLINE_CHECK_MS).unref();
    void connection.lost.then(() => {
      clearInterval(this.deadlineCheck);
      this.isLost = true;
      this.wake();
    });
  }

  /** A confirm channel on `connection` (closed if that fails), once the exchange is checked. */
  static async open(options: RabbitPublisherSessionOptions, connection: RabbitConnection): Promise<RabbitPublisherSession> {
    try {
      const channel = connection.watch(await connection.model.createConfirmChannel());
      // Publishing to a missing exchange closes the channel with a 404 on the
      // first message; checking first gives the same clear error up front.
      if (options.exchange !== "") await channel.checkExchange(options.exchange);
      return new RabbitPublisherSession(connection, channel, options);
    } catch (err) {
      await connection.close();
      throw err;
    }
  }

  get lost(): Promise<string> {
    return this.connection.lost;
  }

  get unconfirmedCount(): number {
    return this.unconfirmed.size;
  }

  get lostByRefusal(): AccessRefusal | undefined {
    return this.connection.lostByRefusal;
  }

  get blockedBy(): string | undefined {
    return this.connection.blockedBy;
  }

  get logFields(): Record<string, unknown> {
    return { node: this.options.node.address };
  }

  /**
   * Publishes what the ledger holds, paced, until the ledger is done, `stop`
   * aborts or the connection is lost.
   */
  async publish(ledger: PublishLedger, pacer: RatePacer, stop: AbortSignal): Promise<PublishOutcome> {
    const wakeOnStop = (): void => this.wake();
    stop.addEventListener("abort", wakeOnStop);
    try {
      for (;;) {
        // Anything that happens from here on (even while the pacer sleeps)
        // must end a wait below, or the last confirm could be slept through.
        const seen = this.progress;
        if (stop.aborted) return "stopped";
        if (this.isLost) return "lost";
        if (ledger.done) return "done";
        const sinceReturnMs = Date.now() - this.lastReturnAt;
        if (sinceReturnMs < UNROUTABLE_PAUSE_MS) {
          await sleep(UNROUTABLE_PAUSE_MS - sinceReturnMs, stop);
          continue;
        }
        const room = MAX_UNCONFIRMED - this.unconfirmed.size;
        if (room <= 0) {
          await this.nextProgress(seen);
          continue;
        }
        const allowed = await pacer.take(Math.min(room, BURST), stop);
        let published = 0;
        let writable = true;
        while (published < allowed && writable) {
          const envelope = ledger.take();
          if (!envelope) break;
          writable = this.send(envelope, ledger);
          published++;
        }
        if (published === 0 || !writable) {
          // Nothing left but confirms to wait for, or the socket buffer is full.
          await this.nextProgress(seen);
        } else {
          await nextTurn();
        }
      }
    } finally {
      stop.removeEventListener("abort", wakeOnStop);
    }
  }

  /** After a lost connection: every message still unconfirmed must be sent again. */
  releaseUnconfirmed(ledger: PublishLedger): void {
    for (const { envelope } of this.unconfirmed.values()) ledger.giveBack(envelope, false);
    this.unconfirmed.clear();
  }

  /**
   * Graceful end: wait for the confirms of what is in flight (bounded), then
   * close. Returns how many were still unconfirmed.
   */
  async close(timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (this.unconfirmed.size > 0 && !this.isLost && Date.now() < deadline) {
      await Promise.race([this.nextProgress(this.progress), sleep(deadline - Date.now())]);
    }
    clearInterval(this.deadlineCheck);
    const left = this.unconfirmed.size;
    // Closing the connection closes the channel; it is bounded (a hung node never answers).
    await this.connection.close();
    return left;
  }

  async abandon(): Promise<void> {
    clearInterval(this.deadlineCheck);
    await this.connection.close();
  }

  /** No confirm for the deadline with messages outstanding: the node is silent (hung or cut off), fail over. */
  private checkDeadline(): void {
    const { deadline, node } = this.options;
    const waitedMs = deadline.expiredAfterMs();
    if (waitedMs === undefined || this.isLost) return;
    const reason = `no confirm from ${node.address} for ${waitedMs} ms with ${this.unconfirmed.size} messages outstanding (deadline ${deadline.currentMs} ms): the node is hung or cut off`;
    deadline.escalate();
    this.connection.fail(reason);
  }

  /** Returns false when the socket buffer is full (wait for 'drain'). */
  private send(envelope: Envelope, ledger: PublishLedger): boolean {
    const { app, exchange, routingKey } = this.options;
    this.unconfirmed.set(envelope.id, { envelope, publishedAt: Date.now(), returned: false });
    this.options.deadline.published();
    ledger.sent();
    try {
      return this.channel.publish(
        exchange,
        routingKey,
        encodeEnvelope(envelope),
        {
          persistent: true, // deliveryMode 2: survives a broker restart on a durable queue
          mandatory: true,
          contentType: "application/json",
          messageId: envelope.id,
          timestamp: Math.floor(envelope.sentAt / 1000),
          appId: app,
        },
        (err: unknown) => this.onConfirm(envelope.id, err, ledger),
      );
    } catch {
      // The channel closed under us; the message stays unconfirmed and is
      // released for a re-send when the loss is noticed.
      return false;
    }
  }

  private onConfirm(id: string, err: unknown, ledger: PublishLedger): void {
    const entry = this.unconfirmed.get(id);
    if (!entry) return; // already released after a loss
    this.unconfirmed.delete(id);
    // amqplib reports a broker nack as "message nacked" and a channel that
    // closed before the ack as "channel closed": only the former (and a
    // return) is the broker refusing the message, and only an ack or a nack
    // is the node answering. A channel closed by a failover is no answer: it
    // must not reset the confirm deadline's escalation.
    const nacked = err instanceof Error && err.message === "message nacked";
    if (!err || nacked) this.options.deadline.confirmed(this.unconfirmed.size);
    if (err || entry.returned) {
      const refused = entry.returned || nacked;
      ledger.giveBack(entry.envelope, refused);
    } else {
      ledger.confirmed();
      this.options.latency.add(Date.now() - entry.publishedAt);
      const { log, node } = this.options;
      if (log.debugEnabled) log.debug("confirmed", { id, seq: entry.envelope.seq, node: node.address });
    }
    this.wake();
  }

  private onReturn(message: Message): void {
    const entry = this.unconfirmed.get(String(message.properties.messageId));
    if (entry) entry.returned = true;
    if (Date.now() - this.lastReturnAt >= UNROUTABLE_PAUSE_MS) {
      this.options.log.warn("unroutable", {
        exchange: this.options.exchange,
        routingKey: this.options.routingKey,
        reason: `${message.fields.exchange === "" ? "default exchange" : message.fields.exchange}: no queue bound for this routing key; pausing and re-sending`,
      });
    }
    this.lastReturnAt = Date.now();
  }

  /** Resolves at the next confirm, drain, loss or stop after the `seen` count, at once if one came already. */
  private nextProgress(seen: number): Promise<void> {
    if (this.isLost || this.progress !== seen) return Promise.resolve();
    return new Promise((resolve) => this.wakeups.push(resolve));
  }

  private wake(): void {
    this.progress++;
    const waiting = this.wakeups;
    this.wakeups = [];
    for (const resolve of waiting) resolve();
  }
}
