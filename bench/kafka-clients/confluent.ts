/**
 * @confluentinc/kafka-javascript (librdkafka's Node binding) through its
 * KafkaJS-compatible API. A native addon, not in node_modules: built by
 * toolchain/confluent-kafka-javascript.sh and loaded from NODE_PATH, so the
 * few types used here are declared below rather than imported.
 *
 * Knobs (`confluent:batch=500,inFlight=4`):
 *   produce  batch     messages per send() call (500)
 *            inFlight  concurrent send() calls (1); librdkafka batches and
 *                      pipelines on its own, so more calls in flight keep its
 *                      queue full rather than making more requests
 *            linger    linger.ms (librdkafka's default, 5, if not given)
 *   consume  maxBatch  js.consumer.max.batch.size, messages per eachBatch
 *                      (32; -1: all the cached messages of a partition)
 *            partitionsConcurrently  partitionsConsumedConcurrently (1)
 *            eachMessage  1: eachMessage instead of eachBatch (no faster here)
 *
 * The consumer commits its own map of processed offsets (commitOffsets with
 * explicit offsets), not librdkafka's offset store, so only processed
 * messages are ever committed.
 */
import {
  ClientRunOptions,
  COMMIT_INTERVAL_MS,
  consumeResult,
  EnvelopeMessage,
  KafkaClientUnderTest,
  Processing,
  produceInBatches,
} from "./client";

/** The part of the KafkaJS-compatible API used here. */
interface CkjsMessage {
  readonly value: Buffer | null;
  readonly offset: string;
}
interface CkjsProducer {
  connect(): Promise<void>;
  send(record: { topic: string; messages: { key: string; value: Buffer; headers: Record<string, string> }[] }): Promise<unknown>;
  disconnect(): Promise<void>;
}
interface CkjsConsumer {
  connect(): Promise<void>;
  subscribe(subscription: { topics: string[] }): Promise<void>;
  run(config: {
    partitionsConsumedConcurrently?: number;
    eachBatch?: (payload: { batch: { topic: string; partition: number; messages: CkjsMessage[] } }) => Promise<void>;
    eachMessage?: (payload: { topic: string; partition: number; message: CkjsMessage }) => Promise<void>;
  }): Promise<void>;
  commitOffsets(offsets: { topic: string; partition: number; offset: string }[]): Promise<void>;
  disconnect(): Promise<void>;
}
interface CkjsKafka {
  producer(config: Record<string, unknown>): CkjsProducer;
  consumer(config: Record<string, unknown>): CkjsConsumer;
}
interface CkjsModule {
  KafkaJS: {
    Kafka: new (config: Record<string, unknown>) => CkjsKafka;
    logLevel: { ERROR: number };
  };
}

function kafka(o: ClientRunOptions): CkjsKafka {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { KafkaJS } = require("@confluentinc/kafka-javascript") as CkjsModule;
  return new KafkaJS.Kafka({
    kafkaJS: {
      clientId: "bench-confluent",
      brokers: o.brokers,
      sasl: { mechanism: "scram-sha-512", username: o.username, password: o.password },
      // librdkafka's log_level 3: errors only.
      logLevel: KafkaJS.logLevel.ERROR,
    },
  });
}

export const confluentClient: KafkaClientUnderTest = {
  name: "@confluentinc/kafka-javascript",

  async produce(o, source) {
    const producer = kafka(o).producer({
      kafkaJS: { idempotent: true, acks: -1, allowAutoTopicCreation: false },
      ...(o.knobs.linger !== undefined ? { "linger.ms": o.knobs.linger } : {}),
    });
    await producer.connect();
    const result = await produceInBatches(o, source, (messages: EnvelopeMessage[]) =>
      // Resolves once every message of the call has its delivery report (acks=all).
      producer.send({ topic: o.topic, messages: messages.map((m: EnvelopeMessage) => ({ ...m, headers: { ...m.headers } })) }),
    );
    await producer.disconnect();
    return result;
  },

  async consume(o, processing: Processing) {
    const consumer = kafka(o).consumer({
      kafkaJS: {
        groupId: o.groupId,
        fromBeginning: true,
        autoCommit: false,
        sessionTimeout: 10_000,
        heartbeatInterval: 3_000,
        allowAutoTopicCreation: false,
      },
      ...(o.knobs.maxBatch ? { "js.consumer.max.batch.size": o.knobs.maxBatch } : {}),
    });
    await consumer.connect();
    const calledAt = Date.now();
    await consumer.subscribe({ topics: [o.topic] });

    // Processed, not yet committed: the next offset to read, per partition.
    const pending = new Map<number, string>();
    let lastCommitAt = Date.now();
    let finished = false;
    let committedAll!: () => void;
    let failed!: (err: unknown) => void;
    const done = new Promise<void>((resolve, reject) => {
      committedAll = resolve;
      failed = reject;
    });
    const commit = async () => {
      if (pending.size === 0) return;
      const offsets = [...pending].map(([partition, offset]) => ({ topic: o.topic, partition, offset }));
      pending.clear();
      lastCommitAt = Date.now();
      await consumer.commitOffsets(offsets);
    };
    // After each message: commit on the interval; once all are processed, commit the rest and finish.
    const after = async () => {
      if (finished) return;
      if (processing.processed >= o.messages) {
        finished = true;
        await commit().then(() => {
          processing.markCommitted();
          committedAll();
        }, failed);
      } else if (Date.now() - lastCommitAt >= COMMIT_INTERVAL_MS) {
        await commit().catch(failed);
      }
    };
    const handle = (partition: number, message: CkjsMessage) => {
      processing.handle(message.value);
      // The committed offset is the next one to read, as Kafka defines it.
      pending.set(partition, String(Number(message.offset) + 1));
    };

    await consumer.run({
      partitionsConsumedConcurrently: o.knobs.partitionsConcurrently ?? 1,
      ...(o.knobs.eachMessage
        ? {
            eachMessage: async ({ partition, message }) => {
              if (finished) return;
              handle(partition, message);
              await after();
            },
          }
        : {
            eachBatch: async ({ batch }) => {
              if (finished) return;
              for (const message of batch.messages) handle(batch.partition, message);
              await after();
            },
          }),
    });
    await done;
    const result = consumeResult(calledAt, processing, o.messages);
    await consumer.disconnect();
    return result;
  },
};
