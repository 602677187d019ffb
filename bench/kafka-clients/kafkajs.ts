/**
 * kafkajs 2.2.4, used the way the apps used it in 0.4: batches of 500, one
 * send in flight; eachBatch, offsets resolved one by one. Knobs: `batch`,
 * `inFlight`; `partitionsConcurrently`, `maxBytesPerPartition`,
 * `heartbeatMs` (ask heartbeat() at most this often; 0, the default, after
 * every message).
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
    // 0: ask kafkajs's heartbeat() after every message (0.4's consumer); N: at most every N ms.
    const heartbeatMs = o.knobs.heartbeatMs ?? 0;
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
        let lastHeartbeatAt = lastCommitAt;
        for (const message of batch.messages) {
          processing.handle(message.value);
          resolveOffset(message.offset);
          if (Date.now() - lastCommitAt >= COMMIT_INTERVAL_MS) {
            await commitOffsetsIfNecessary(uncommittedOffsets());
            lastCommitAt = Date.now();
          }
          if (heartbeatMs === 0 || Date.now() - lastHeartbeatAt >= heartbeatMs) {
            await heartbeat();
            lastHeartbeatAt = Date.now();
          }
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
