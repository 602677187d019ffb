/**
 * One Kafka client under test (bench/kafka-clients.ts, issue 12): the same
 * work and durability for every client, so the comparison is the client's.
 *
 *   produce  `messages` JSON envelopes (apps/shared/envelope.ts, the apps'
 *            own encoder) of `payloadBytes` padding, keyed key-0..key-15 as
 *            the kafka-producer does, with the message-id header; acks=all,
 *            idempotent; counted when the broker acknowledged them.
 *   consume  from the earliest offset in a new group, parse every envelope
 *            and count it with the apps' ConsumerTally (duplicate check,
 *            latency), commit offsets only of processed messages (manual
 *            commits, at most every COMMIT_INTERVAL_MS and at the end), and
 *            stop once `messages` are processed and their offsets committed.
 */
import { ConsumerTally } from "../../apps/shared/consumer-tally";
import { encodeEnvelope, Envelope, parseEnvelope } from "../../apps/shared/envelope";
import { LatencyWindow } from "../../apps/shared/latency-window";
import { Logger } from "../../apps/shared/logger";

export interface ClientRunOptions {
  /** host:port of the SASL_PLAINTEXT listener (SCRAM-SHA-512). */
  readonly brokers: string[];
  readonly username: string;
  readonly password: string;
  readonly topic: string;
  readonly messages: number;
  readonly payloadBytes: number;
  /** The consumer's group. */
  readonly groupId: string;
  /** Client-specific knobs, recorded with the result (batch size, requests in flight...). */
  readonly knobs: Record<string, number>;
}

export interface ProduceResult {
  /** From the first send to the last acknowledgement. */
  readonly seconds: number;
  readonly rate: number;
  /** Send → acknowledged, per message. */
  readonly p50: number | null;
  readonly p99: number | null;
}

export interface ConsumeResult {
  /** From the first message received to the last one processed and committed. */
  readonly seconds: number;
  readonly rate: number;
  /** From calling the client's consume/subscribe to the first message. */
  readonly firstMessageSeconds: number;
  readonly duplicates: number;
}

export interface KafkaClientUnderTest {
  /** The npm package. */
  readonly name: string;
  produce(options: ClientRunOptions, envelopes: EnvelopeSource): Promise<ProduceResult>;
  consume(options: ClientRunOptions, processing: Processing): Promise<ConsumeResult>;
}

/** Commit processed offsets at least this often (the kafka-consumer's COMMIT_INTERVAL_MS). */
export const COMMIT_INTERVAL_MS = 1000;
/** The kafka-producer's KEY_COUNT: keys cycle through this many values. */
export const KEY_COUNT = 16;

/** The envelopes a producer sends, made the way the kafka-producer makes them. */
export class EnvelopeSource {
  private seq = 0;
  readonly latency = new LatencyWindow();
  constructor(
    private readonly producer: string,
    private readonly payload: string,
    readonly total: number,
  ) {}

  /** The next envelope, or undefined once `total` were taken. */
  next(): Envelope | undefined {
    if (this.seq >= this.total) return undefined;
    this.seq++;
    return { id: crypto.randomUUID(), seq: this.seq, producer: this.producer, sentAt: Date.now(), payload: this.payload };
  }

  static key(envelope: Envelope): string {
    return `key-${envelope.seq % KEY_COUNT}`;
  }
}

/** The per-message work of the kafka-consumer: parse, count, check duplicates, latency. */
export class Processing {
  readonly tally: ConsumerTally;
  private firstAt = 0;
  private lastAt = 0;
  constructor(log: Logger) {
    this.tally = new ConsumerTally(log);
  }
  /** Returns false for a body that is not an envelope (counted as poison, still committed). */
  handle(value: Buffer | null | undefined): boolean {
    const now = Date.now();
    if (this.firstAt === 0) this.firstAt = now;
    this.tally.received(false);
    let envelope: Envelope;
    try {
      envelope = parseEnvelope(value ?? Buffer.alloc(0));
    } catch {
      this.tally.deadLettered();
      return false;
    }
    this.tally.processed(envelope);
    this.tally.acked();
    return true;
  }
  get processed(): number {
    return this.tally.counters.received;
  }
  markCommitted(): void {
    this.lastAt = Date.now();
  }
  window(): { first: number; last: number } {
    return { first: this.firstAt, last: this.lastAt };
  }
}

/** The kafka-producer's message: key, the envelope's bytes, its two headers. */
export interface EnvelopeMessage {
  readonly key: string;
  readonly value: Buffer;
  readonly headers: { readonly "message-id": string; readonly "content-type": string };
}

export function envelopeMessage(e: Envelope): EnvelopeMessage {
  return { key: EnvelopeSource.key(e), value: encodeEnvelope(e), headers: { "message-id": e.id, "content-type": "application/json" } };
}

/**
 * Every client's produce loop: `knobs.inFlight` (default 1) workers, each
 * taking up to `knobs.batch` (default 500) envelopes and awaiting `send` of
 * them; a message's latency is its batch's send → resolved. Timed from the
 * first send to the last acknowledgement.
 */
export async function produceInBatches(
  o: ClientRunOptions,
  source: EnvelopeSource,
  send: (messages: EnvelopeMessage[]) => Promise<unknown>,
): Promise<ProduceResult> {
  const batchSize = o.knobs.batch ?? 500;
  const startedAt = Date.now();
  const worker = async () => {
    for (;;) {
      const batch: EnvelopeMessage[] = [];
      for (let e = source.next(); e; e = batch.length < batchSize ? source.next() : undefined) {
        batch.push(envelopeMessage(e));
        if (batch.length >= batchSize) break;
      }
      if (batch.length === 0) return;
      const sentAt = Date.now();
      await send(batch);
      const ms = Date.now() - sentAt;
      for (let i = 0; i < batch.length; i++) source.latency.add(ms);
    }
  };
  await Promise.all(Array.from({ length: o.knobs.inFlight ?? 1 }, worker));
  return produceResult(startedAt, source.total, source.latency);
}

export function produceResult(startedAt: number, total: number, latency: LatencyWindow): ProduceResult {
  const seconds = (Date.now() - startedAt) / 1000;
  const s = latency.takeSummary();
  return { seconds, rate: total / seconds, p50: s.latencyP50Ms, p99: s.latencyP99Ms };
}

export function consumeResult(calledAt: number, processing: Processing, total: number): ConsumeResult {
  const { first, last } = processing.window();
  const seconds = (last - first) / 1000;
  return {
    seconds,
    rate: (total - 1) / seconds,
    firstMessageSeconds: (first - calledAt) / 1000,
    duplicates: processing.tally.counters.duplicates,
  };
}
