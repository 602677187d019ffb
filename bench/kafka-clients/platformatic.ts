/** @platformatic/kafka (pure JavaScript, maintained): Producer and the stream Consumer with manual commits. */
import { Consumer, MessagesStreamModes, ProduceAcks, Producer, stringSerializer } from "@platformatic/kafka";
import {
  ClientRunOptions,
  COMMIT_INTERVAL_MS,
  consumeResult,
  EnvelopeMessage,
  KafkaClientUnderTest,
  Processing,
  produceInBatches,
} from "./client";

/**
 * Keys, header keys and values as strings (as the kafka-producer has them). With the default (Buffer) serializers a
 * string header key fails inside `send`, and an idempotent producer retries
 * that forever (its retries are unbounded): the send never settles.
 */
const HEADER_SERIALIZERS = { key: stringSerializer, headerKey: stringSerializer, headerValue: stringSerializer };

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
    const producer = new Producer({
      ...base(o),
      idempotent: true,
      acks: ProduceAcks.ALL,
      autocreateTopics: false,
      serializers: HEADER_SERIALIZERS,
    });
    const result = await produceInBatches(o, source, (messages: EnvelopeMessage[]) =>
      producer.send({ messages: messages.map((m: EnvelopeMessage) => ({ topic: o.topic, ...m, headers: { ...m.headers } })) }),
    );
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
