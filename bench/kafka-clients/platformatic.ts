/** @platformatic/kafka (pure JavaScript, maintained): Producer and the stream Consumer with manual commits. */
import { Consumer, MessagesStreamModes, ProduceAcks, Producer, stringSerializer } from "@platformatic/kafka";
import {
  ClientRunOptions,
  COMMIT_INTERVAL_MS,
  consumeResult,
  EnvelopeSource,
  KafkaClientUnderTest,
  Processing,
  produceResult,
} from "./client";
import { encodeEnvelope, Envelope } from "../../apps/shared/envelope";

/**
 * Header keys and values as strings. With the default (Buffer) serializers a
 * string header key fails inside `send`, and an idempotent producer retries
 * that forever (its retries are unbounded): the send never settles.
 */
const HEADER_SERIALIZERS = { headerKey: stringSerializer, headerValue: stringSerializer };

function base(o: ClientRunOptions) {
  return {
    clientId: "bench-platformatic",
    bootstrapBrokers: o.brokers,
    sasl: { mechanism: "SCRAM-SHA-512" as const, username: o.username, password: o.password },
  };
}

export const platformaticClient: KafkaClientUnderTest = {
  name: "@platformatic/kafka",

  async produce(o, source) {
    const batchSize = o.knobs.batch ?? 500;
    const inFlight = o.knobs.inFlight ?? 1;
    const producer = new Producer({ ...base(o), idempotent: true, acks: ProduceAcks.ALL, autocreateTopics: false, serializers: HEADER_SERIALIZERS });
    const startedAt = Date.now();
    const worker = async () => {
      for (;;) {
        const batch: Envelope[] = [];
        for (let e = source.next(); e; e = batch.length < batchSize ? source.next() : undefined) {
          batch.push(e);
          if (batch.length >= batchSize) break;
        }
        if (batch.length === 0) return;
        const sentAt = Date.now();
        await producer.send({
          messages: batch.map((e) => ({
            topic: o.topic,
            key: Buffer.from(EnvelopeSource.key(e)),
            value: encodeEnvelope(e),
            headers: { "message-id": e.id, "content-type": "application/json" },
          })),
        });
        const ms = Date.now() - sentAt;
        for (let i = 0; i < batch.length; i++) source.latency.add(ms);
      }
    };
    await Promise.all(Array.from({ length: inFlight }, worker));
    const result = produceResult(startedAt, source.total, source.latency);
    await producer.close();
    return result;
  },

  async consume(o, processing: Processing) {
    const consumer = new Consumer({ ...base(o), groupId: o.groupId, autocommit: false, sessionTimeout: 10_000, heartbeatInterval: 3_000 });
    const calledAt = Date.now();
    const stream = await consumer.consume({
      topics: [o.topic],
      mode: MessagesStreamModes.COMMITTED,
      fallbackMode: "earliest",
      autocommit: false,
      ...(o.knobs.maxWaitTime ? { maxWaitTime: o.knobs.maxWaitTime } : {}),
      ...(o.knobs.maxBytes ? { maxBytes: o.knobs.maxBytes } : {}),
      ...(o.knobs.highWaterMark ? { highWaterMark: o.knobs.highWaterMark } : {}),
    });
    // Processed, not yet committed: the next offset to read, per partition.
    const pending = new Map<number, { offset: bigint; leaderEpoch: number }>();
    let lastCommitAt = Date.now();
    const commit = async () => {
      if (pending.size === 0) return;
      const offsets = [...pending].map(([partition, p]) => ({ topic: o.topic, partition, offset: p.offset, leaderEpoch: p.leaderEpoch }));
      pending.clear();
      await consumer.commit({ offsets });
      lastCommitAt = Date.now();
    };
    for await (const message of stream) {
      processing.handle(message.value);
      // The committed offset is the next one to read, as Kafka defines it.
      pending.set(message.partition, { offset: message.offset + 1n, leaderEpoch: message.leaderEpoch });
      if (processing.processed >= o.messages) break;
      if (Date.now() - lastCommitAt >= COMMIT_INTERVAL_MS) await commit();
    }
    await commit();
    processing.markCommitted();
    const result = consumeResult(calledAt, processing, o.messages);
    await stream.close();
    await consumer.close();
    return result;
  },
};
