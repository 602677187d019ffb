/**
 * kafkajs 2.2.4, used the way the apps used it in 0.4: batches of 500, one
 * send in flight; eachBatch, offsets resolved one by one. Knobs: `batch`,
 * `inFlight`; `partitionsConcurrently`, `maxBytesPerPartition` (the 0.5
 * kafka-consumer's settings are 4 and 4194304).
 */
import { Kafka, logLevel } from "kafkajs";
import {
  ClientRunOptions,
  COMMIT_INTERVAL_MS,
  consumeResult,
  EnvelopeMessage,
  KafkaClientUnderTest,
  Processing,
  produceInBatches,
} from "./client";

function kafka(o: ClientRunOptions): Kafka {
  return new Kafka({
    clientId: "bench-kafkajs",
    brokers: o.brokers,
    sasl: { mechanism: "scram-sha-512", username: o.username, password: o.password },
    logLevel: logLevel.ERROR,
  });
}

export const kafkajsClient: KafkaClientUnderTest = {
  name: "kafkajs",

  async produce(o, source) {
    // The kafka-producer: batches of up to `batch` (500), one request in flight.
    const inFlight = o.knobs.inFlight ?? 1;
    const producer = kafka(o).producer({ idempotent: true, maxInFlightRequests: inFlight, allowAutoTopicCreation: false });
    await producer.connect();
    const result = await produceInBatches(o, source, (messages: EnvelopeMessage[]) =>
      producer.send({ topic: o.topic, acks: -1, messages: messages.map((m: EnvelopeMessage) => ({ ...m, headers: { ...m.headers } })) }),
    );
    await producer.disconnect();
    return result;
  },

  async consume(o, processing: Processing) {
    const consumer = kafka(o).consumer({
      groupId: o.groupId,
      sessionTimeout: 10_000,
      heartbeatInterval: 3_000,
      allowAutoTopicCreation: false,
      ...(o.knobs.maxBytesPerPartition ? { maxBytesPerPartition: o.knobs.maxBytesPerPartition } : {}),
    });
    await consumer.connect();
    const calledAt = Date.now();
    await consumer.subscribe({ topics: [o.topic], fromBeginning: true });
    let committedAll!: () => void;
    const done = new Promise<void>((resolve) => (committedAll = resolve));
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: o.knobs.partitionsConcurrently ?? 1,
      eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary, uncommittedOffsets, heartbeat }) => {
        let lastCommitAt = Date.now();
        for (const message of batch.messages) {
          processing.handle(message.value);
          resolveOffset(message.offset);
          if (Date.now() - lastCommitAt >= COMMIT_INTERVAL_MS) {
            await commitOffsetsIfNecessary(uncommittedOffsets());
            lastCommitAt = Date.now();
          }
          await heartbeat();
        }
        await commitOffsetsIfNecessary(uncommittedOffsets());
        if (processing.processed >= o.messages) {
          processing.markCommitted();
          committedAll();
        }
      },
    });
    await done;
    const result = consumeResult(calledAt, processing, o.messages);
    await consumer.disconnect();
    return result;
  },
};
