import type { Channel, ConsumeMessage } from "amqplib";

/**
 * Up to this many processed deliveries share one `basic.ack` with
 * `multiple` set. On a quorum queue every ack frame is a Raft command the
 * queue's members agree on, so one ack for a run of deliveries is what the
 * broker spends its time on (PerfTest's sweep, BENCHMARKS.md section 7: one
 * ack per 50 messages 1.57x one per message at prefetch 500).
 */
export const ACK_EVERY = 50;

/** One delivery, from its arrival until an ack covers it or it is settled otherwise. */
export interface Delivery {
  readonly message: ConsumeMessage;
  /** Processed and to be acked, or settled by a nack/reject already sent: either way an ack may cover it. */
  done: boolean;
  /** Processed (rather than nacked or rejected): the ack is to name and count it. */
  processed: boolean;
}

/**
 * Acknowledges processed deliveries in runs: `basic.ack` with `multiple`
 * acknowledges every delivery of the channel up to its tag, so it is sent
 * only for a prefix of the deliveries that is entirely done. A delivery
 * still being processed holds back the acks of those after it (a consumer
 * with CONSUMER_WORK_MS processes in order anyway); a failed one is nacked
 * or rejected on its own at once, so a later multiple ack does not cover a
 * message that is to be redelivered or dead-lettered.
 *
 * The run is acked when it reaches ACK_EVERY, or as soon as nothing delivered
 * is left in progress: with messages handled synchronously that is the end
 * of each batch amqplib parsed from the socket, and a consumer never waits
 * on an ack held back (prefetch cannot fill up with processed messages).
 * What the broker has not had acked when the connection drops is
 * redelivered: at-least-once, the same as an ack lost in flight.
 */
export class AckBatcher {
  /** Deliveries not yet covered by an ack, in delivery (tag) order, from `head`. */
  private deliveries: Delivery[] = [];
  private head = 0;
  /** The last processed delivery the next ack names, and how many processed ones it covers. */
  private coverUpTo: ConsumeMessage | undefined;
  private covered = 0;

  /** @param onAcked called with how many processed deliveries an ack covered, once it is sent. */
  constructor(
    private readonly channel: Channel,
    private readonly onAcked: (count: number) => void,
    private readonly every = ACK_EVERY,
  ) {}

  /** Returns the delivery's handle; it must be passed to `processed` or `settled` exactly once. */
  delivered(message: ConsumeMessage): Delivery {
    const delivery: Delivery = { message, done: false, processed: false };
    this.deliveries.push(delivery);
    return delivery;
  }

  /** Processed: it is acked with its run. */
  processed(delivery: Delivery): void {
    delivery.done = true;
    delivery.processed = true;
    this.advance();
  }

  /** Settled by a nack or reject the caller sent: nothing to ack, but it no longer holds back the run. */
  settled(delivery: Delivery): void {
    delivery.done = true;
    this.advance();
  }

  /** Processed deliveries whose ack has not been sent yet. */
  get pending(): number {
    return this.covered;
  }

  private advance(): void {
    while (this.head < this.deliveries.length && this.deliveries[this.head]!.done) {
      const delivery = this.deliveries[this.head++]!;
      // The ack names the last processed delivery, never a nacked one: the
      // broker closes the channel on a tag that is not outstanding, also
      // with `multiple` (rabbit_channel:collect_acks, "unknown delivery tag").
      if (delivery.processed) {
        this.coverUpTo = delivery.message;
        this.covered++;
      }
      if (this.covered >= this.every) this.flush();
    }
    if (this.head === this.deliveries.length) {
      this.deliveries = [];
      this.head = 0;
      this.flush();
    } else if (this.head >= 1024) {
      this.deliveries = this.deliveries.slice(this.head);
      this.head = 0;
    }
  }

  /**
   * Sends the ack for the run. On a channel that has closed meanwhile the ack
   * throws: the broker redelivers the run to whoever consumes next, which is
   * what at-least-once means, so the messages are just not counted as acked.
   */
  private flush(): void {
    const upTo = this.coverUpTo;
    const covered = this.covered;
    this.coverUpTo = undefined;
    this.covered = 0;
    if (upTo === undefined || covered === 0) return;
    try {
      this.channel.ack(upTo, true);
    } catch {
      return;
    }
    this.onAcked(covered);
  }
}
