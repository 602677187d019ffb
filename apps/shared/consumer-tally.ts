import { Envelope } from "./envelope";
import { LatencyWindow } from "./latency-window";
import { Logger } from "./logger";
import { LatencyObserver } from "./metrics";
import { SeenSequences } from "./seen-sequences";

/**
 * The consumer side of the counters both consumer apps report, in one place
 * so that RabbitMQ and Kafka numbers mean the same thing to a benchmark. The
 * `stats` lines print them and the metrics show them (metrics.ts).
 */
export class ConsumerTally {
  readonly counters = {
    /** Deliveries handed to the app, redeliveries included. */
    received: 0,
    /** Messages processed and acknowledged (RabbitMQ ack / Kafka offset resolved). */
    acked: 0,
    /** Deliveries that were a second or later attempt of the same message. */
    redelivered: 0,
    /** Processed messages whose producer and seq had already been processed: at-least-once at work. */
    duplicates: 0,
    /** Messages given up on as poison: dead-lettered (RabbitMQ) or skipped (Kafka). */
    deadLettered: 0,
  };
  readonly latency = new LatencyWindow();
  private readonly seen = new SeenSequences();

  /** @param observeLatency also takes each end-to-end latency sample, in seconds (the metrics' histogram). */
  constructor(
    private readonly log: Logger,
    private readonly observeLatency?: LatencyObserver,
  ) {}

  received(redelivered: boolean): void {
    this.counters.received++;
    if (redelivered) this.counters.redelivered++;
  }

  /**
   * A message was processed: its duplicate check, latency sample and debug
   * line. Counted when processed rather than when acknowledged, so that a
   * message processed again after its acknowledgement was lost (a
   * connection gone before the RabbitMQ consumer's run of acks went out)
   * counts as the duplicate it is.
   */
  processed(envelope: Envelope, extra?: Record<string, unknown>): void {
    const duplicate = this.seen.seenBefore(envelope.producer, envelope.seq);
    if (duplicate) this.counters.duplicates++;
    const latencyMs = Math.max(0, Date.now() - envelope.sentAt);
    this.latency.add(latencyMs);
    this.observeLatency?.(latencyMs / 1000);
    if (this.log.debugEnabled) {
      this.log.debug("message", { id: envelope.id, seq: envelope.seq, producer: envelope.producer, duplicate, ...extra });
    }
  }

  /** `count` processed messages were acknowledged (RabbitMQ: an ack sent; Kafka: their offset resolved for the next commit). */
  acked(count = 1): void {
    this.counters.acked += count;
  }

  deadLettered(): void {
    this.counters.deadLettered++;
  }
}
