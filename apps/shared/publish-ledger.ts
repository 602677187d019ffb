import { ConfirmGap } from "./confirm-gap";
import { createEnvelope, Envelope } from "./envelope";

/**
 * What a producer still owes: the next new message, and the messages the
 * broker did not confirm (nacked, returned, or lost with a connection) that
 * must be sent again. A message counts as delivered only on a broker
 * confirm, which gives at-least-once: a re-sent message may arrive twice
 * (consumers count it as a duplicate by id) but none is lost. Its counters
 * are what the `stats` lines print and the metrics show (metrics.ts).
 */
export class PublishLedger {
  readonly counters = {
    /** Publishes, re-publishes included. */
    sent: 0,
    /** Distinct messages the broker confirmed. */
    confirmed: 0,
    /** Messages sent again after a refusal or a lost connection. */
    republished: 0,
    /** Sends the broker refused: RabbitMQ nack or unroutable return, Kafka send error. Each is sent again. */
    refused: 0,
  };
  /** The longest time without a confirm, per stats interval. */
  readonly confirmGap: ConfirmGap;
  private nextSeq = 0;
  private readonly unconfirmed: Envelope[] = [];

  constructor(
    private readonly producerName: string,
    /** PRODUCER_COUNT; 0 = forever. */
    private readonly count: number,
    private readonly payloadBytes: number,
    now: () => number = Date.now,
  ) {
    this.confirmGap = new ConfirmGap(now);
  }

  /** The next message to send (a re-send first), or undefined when nothing is left to send now. */
  take(): Envelope | undefined {
    const retry = this.unconfirmed.shift();
    if (retry) {
      this.counters.republished++;
      return retry;
    }
    if (this.count !== 0 && this.nextSeq >= this.count) return undefined;
    return createEnvelope(this.nextSeq++, this.producerName, this.payloadBytes);
  }

  /** Call once per publish that went out. */
  sent(): void {
    this.counters.sent++;
  }

  confirmed(): void {
    this.counters.confirmed++;
    this.confirmGap.confirmed();
  }

  /**
   * The broker did not confirm `envelope` (it `refused` it, or the connection
   * was lost first): send it again, same id and same sentAt.
   */
  giveBack(envelope: Envelope, refused: boolean): void {
    if (refused) this.counters.refused++;
    this.unconfirmed.push(envelope);
  }

  /** Messages given back and not yet sent again. */
  get waitingForResend(): number {
    return this.unconfirmed.length;
  }

  /** PRODUCER_COUNT messages confirmed (never true when the count is 0 = forever). */
  get done(): boolean {
    return this.count !== 0 && this.counters.confirmed >= this.count;
  }
}
