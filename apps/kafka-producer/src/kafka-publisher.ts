import { Kafka, Message, Partitioners, Producer } from "kafkajs";
import { encodeEnvelope, Envelope } from "../../shared/envelope";
import { LatencyWindow } from "../../shared/latency-window";
import { AccessRefusal } from "../../shared/access-refused";
import { kafkaAccessRefusal } from "../../shared/kafka-client";
import { describeError } from "../../shared/logger";
import { ProducerSession, PublishOutcome } from "../../shared/producer-loop";
import { PublishLedger } from "../../shared/publish-ledger";
import { RatePacer } from "../../shared/rate-pacer";

/** Messages per produce request when unthrottled: big enough for throughput, small enough to re-send. */
const MAX_BATCH = 500;
/** Keys cycle through this many values, so partitioning is by key and each key keeps its order. */
const KEY_COUNT = 16;

export interface KafkaPublisherOptions {
  readonly kafka: Kafka;
  readonly topic: string;
  readonly latency: LatencyWindow;
}

/**
 * One kafkajs producer: idempotent, acks from all in-sync replicas, one
 * request in flight (what kafkajs's idempotence needs to keep per-partition
 * order across its retries). A batch counts as delivered once `send` resolves.
 */
export class KafkaPublisher implements ProducerSession {
  readonly lost: Promise<string>;
  private markLost!: (reason: string) => void;
  private inFlight: Envelope[] = [];
  private refusal: AccessRefusal | undefined;

  private constructor(
    private readonly producer: Producer,
    private readonly options: KafkaPublisherOptions,
  ) {
    this.lost = new Promise((resolve) => (this.markLost = resolve));
  }

  static async open(options: KafkaPublisherOptions): Promise<KafkaPublisher> {
    const { kafka, topic } = options;
    // The topic belongs to the broker construct: check it exists (without
    // creating it) so a typo fails clearly instead of as a retry loop.
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.fetchTopicMetadata({ topics: [topic] });
    } catch (err) {
      throw new Error(`topic "${topic}": ${describeError(err)}`, { cause: err });
    } finally {
      await admin.disconnect();
    }

    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // Explicit, which also silences kafkajs 2's "default partitioner changed" notice.
      createPartitioner: Partitioners.DefaultPartitioner,
      // Bounded, unlike kafkajs's idempotent default (forever): after these the
      // send fails, the batch is re-sent on a new connection, and
      // BROKER_RETRY_SECONDS bounds the outage. kafkajs warns once that this
      // may break exactly-once; these apps promise at-least-once.
      retry: { retries: 5, initialRetryTime: 300, maxRetryTime: 3000 },
    });
    await producer.connect();
    return new KafkaPublisher(producer, options);
  }

  get lostByRefusal(): AccessRefusal | undefined {
    return this.refusal;
  }

  get unconfirmedCount(): number {
    return this.inFlight.length;
  }

  async publish(ledger: PublishLedger, pacer: RatePacer, stop: AbortSignal): Promise<PublishOutcome> {
    for (;;) {
      if (stop.aborted) return "stopped";
      if (ledger.done) return "done";
      const allowed = await pacer.take(MAX_BATCH, stop);
      const batch: Envelope[] = [];
      while (batch.length < allowed) {
        const envelope = ledger.take();
        if (!envelope) break;
        batch.push(envelope);
      }
      if (batch.length === 0) continue; // stopped while pacing, or all sent and confirmed
      this.inFlight = batch;
      for (let i = 0; i < batch.length; i++) ledger.sent();
      const startedAt = Date.now();
      try {
        // Not cancelled by `stop`: a send in progress is the in-flight work a
        // graceful shutdown waits for.
        await this.producer.send({ topic: this.options.topic, acks: -1, messages: batch.map(toKafkaMessage) });
      } catch (err) {
        // Nothing of the batch counts as sent: it goes back to the ledger.
        this.refusal = kafkaAccessRefusal(err);
        this.markLost(describeError(err));
        return "lost";
      }
      this.inFlight = [];
      const latencyMs = Date.now() - startedAt;
      for (let i = 0; i < batch.length; i++) {
        ledger.confirmed();
        this.options.latency.add(latencyMs);
      }
    }
  }

  releaseUnconfirmed(ledger: PublishLedger): void {
    for (const envelope of this.inFlight) ledger.giveBack(envelope, false);
    this.inFlight = [];
  }

  async close(): Promise<number> {
    // `publish` only returns between sends, so nothing is in flight here.
    await this.producer.disconnect().catch(() => undefined);
    return this.inFlight.length;
  }

  async abandon(): Promise<void> {
    await this.producer.disconnect().catch(() => undefined);
  }
}

function toKafkaMessage(envelope: Envelope): Message {
  return {
    key: `key-${envelope.seq % KEY_COUNT}`,
    value: encodeEnvelope(envelope),
    headers: { "message-id": envelope.id, "content-type": "application/json" },
  };
}
