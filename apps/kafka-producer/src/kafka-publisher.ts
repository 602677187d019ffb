import { Admin, ProduceAcks, Producer, stringSerializer, type BaseOptions, type MessageToProduce } from "@platformatic/kafka";
import { encodeEnvelope, Envelope } from "../../shared/envelope";
import { LatencyWindow } from "../../shared/latency-window";
import { AccessRefusal } from "../../shared/access-refused";
import { kafkaAccessRefusal } from "../../shared/kafka-client";
import { describeError } from "../../shared/logger";
import { ProducerSession, PublishOutcome } from "../../shared/producer-loop";
import { PublishLedger } from "../../shared/publish-ledger";
import { RatePacer } from "../../shared/rate-pacer";
import { sleep } from "../../shared/shutdown";

/** Messages per produce request when unthrottled: big enough for throughput, small enough to re-send. */
const MAX_BATCH = 500;
/** Keys cycle through this many values, so partitioning is by key and each key keeps its order. */
const KEY_COUNT = 16;
/**
 * The library's own retries of a request, 300 ms then 600 ms apart. An
 * idempotent @platformatic/kafka producer retries forever unless told
 * otherwise. It refreshes its metadata before a retry only after a network
 * error (a timeout, a closed connection), not after the leader's own answer
 * that it no longer leads (NOT_LEADER_OR_FOLLOWER): with 5 retries it sent to
 * a killed leader's old address five more times, 7.5 s of backoff (a 15.7 s
 * gap in the failover bench). Few here; SEND_ATTEMPTS goes on with fresh
 * metadata.
 */
const SEND_RETRIES = 2;
/**
 * Sends of one batch on this producer, each after `clearMetadata()` (so the
 * next asks who leads now), 250 ms apart, before the session is called lost:
 * then the batch goes back to the ledger, the app's loop opens a new
 * producer, and BROKER_RETRY_SECONDS bounds the outage as it does for
 * RabbitMQ. A failed send has already dropped the producer id (the library
 * starts a new idempotent session on the next send), so a re-sent batch may
 * duplicate what one partition took; that is at-least-once, counted by the
 * consumer.
 */
const SEND_ATTEMPTS = 4;
const SEND_ATTEMPT_DELAY_MS = 250;
/**
 * How long a partition leader may wait for the in-sync replicas before it
 * answers a produce with REQUEST_TIMED_OUT (the library's default is 5 s).
 * Longer than it takes the controller to fence a dead or silent follower
 * and drop it from the ISR (`broker.session.timeout.ms`, 3 s in the
 * clusters), so a leader waiting on such a follower answers with success
 * once the ISR shrinks rather than with an error: at 2.5 s a killed
 * follower cost a timeout and a retry (a 5.6 s gap). Below the client's
 * request timeout (PLATFORMATIC_REQUEST_TIMEOUT_MS, 4.5 s), so a healthy
 * leader always answers before the client gives up on the connection.
 */
const KAFKA_PRODUCE_TIMEOUT_MS = 4000;

/** Keys, header names and values are strings; the value is the envelope's bytes. */
const SERIALIZERS = { key: stringSerializer, headerKey: stringSerializer, headerValue: stringSerializer };

export interface KafkaPublisherOptions {
  /** Where and who (kafka-client.ts platformaticClientOptions). */
  readonly client: BaseOptions;
  readonly topic: string;
  readonly latency: LatencyWindow;
}

type KafkaPublisherProducer = Producer<string, Buffer, string, string>;

/**
 * One @platformatic/kafka producer: idempotent, acks from all in-sync
 * replicas, one request in flight (what the library's idempotence allows: it
 * keeps per-partition order across its retries). A batch counts as delivered
 * once `send` resolves: every partition of it acknowledged. Chosen over
 * kafkajs by measurement (bench/kafka-clients.ts, BENCHMARKS.md section 3b).
 */
export class KafkaPublisher implements ProducerSession {
  readonly lost: Promise<string>;
  private markLost!: (reason: string) => void;
  private inFlight: Envelope[] = [];
  private refusal: AccessRefusal | undefined;

  private constructor(
    private readonly producer: KafkaPublisherProducer,
    private readonly options: KafkaPublisherOptions,
  ) {
    this.lost = new Promise((resolve) => (this.markLost = resolve));
  }

  static async open(options: KafkaPublisherOptions): Promise<KafkaPublisher> {
    const { client, topic } = options;
    // The topic belongs to the broker construct: check it exists (without
    // creating it) so a typo fails clearly instead of as a retry loop.
    const admin = new Admin(client);
    try {
      await admin.metadata({ topics: [topic], autocreateTopics: false });
    } catch (err) {
      throw new Error(`topic "${topic}": ${describeError(err)}`, { cause: err });
    } finally {
      await admin.close().catch(() => undefined);
    }

    const producer: KafkaPublisherProducer = new Producer({
      ...client,
      idempotent: true,
      acks: ProduceAcks.ALL,
      autocreateTopics: false,
      retries: SEND_RETRIES,
      timeout: KAFKA_PRODUCE_TIMEOUT_MS,
      retryDelay: (_client, _operation, attempt) => Math.min(300 * 2 ** Math.max(0, attempt - 1), 3000),
      serializers: SERIALIZERS,
    });
    try {
      // Now, not at the first send: "connected" means the broker took this
      // producer (authenticated; allowed an idempotent producer id).
      await producer.initIdempotentProducer({});
    } catch (err) {
      await producer.close(true).catch(() => undefined);
      throw err;
    }
    return new KafkaPublisher(producer, options);
  }

  get lostByRefusal(): AccessRefusal | undefined {
    return this.refusal;
  }

  get unconfirmedCount(): number {
    return this.inFlight.length;
  }

  async publish(ledger: PublishLedger, pacer: RatePacer, stop: AbortSignal): Promise<PublishOutcome> {
    const { topic, latency } = this.options;
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
      const messages = batch.map((envelope) => toKafkaMessage(topic, envelope));
      for (let attempt = 1; ; attempt++) {
        try {
          // Not cancelled by `stop`: a send in progress is the in-flight work a
          // graceful shutdown waits for.
          await this.producer.send({ messages });
          break;
        } catch (err) {
          this.refusal = kafkaAccessRefusal(err);
          if (this.refusal || attempt >= SEND_ATTEMPTS) {
            // Nothing of the batch counts as sent: it goes back to the ledger.
            this.markLost(describeError(err));
            return "lost";
          }
          this.producer.clearMetadata();
          await sleep(SEND_ATTEMPT_DELAY_MS);
        }
      }
      this.inFlight = [];
      const latencyMs = Date.now() - startedAt;
      for (let i = 0; i < batch.length; i++) {
        ledger.confirmed();
        latency.add(latencyMs);
      }
    }
  }

  releaseUnconfirmed(ledger: PublishLedger): void {
    for (const envelope of this.inFlight) ledger.giveBack(envelope, false);
    this.inFlight = [];
  }

  async close(): Promise<number> {
    // `publish` only returns between sends, so nothing is in flight here.
    await this.producer.close().catch(() => undefined);
    return this.inFlight.length;
  }

  async abandon(): Promise<void> {
    await this.producer.close(true).catch(() => undefined);
  }
}

function toKafkaMessage(topic: string, envelope: Envelope): MessageToProduce<string, Buffer, string, string> {
  return {
    topic,
    key: `key-${envelope.seq % KEY_COUNT}`,
    value: encodeEnvelope(envelope),
    headers: { "message-id": envelope.id, "content-type": "application/json" },
  };
}
