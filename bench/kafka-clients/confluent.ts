/** Placeholder until the confluent adapter lands: @confluentinc/kafka-javascript (librdkafka). */
import { KafkaClientUnderTest } from "./client";

export const confluentClient: KafkaClientUnderTest = {
  name: "@confluentinc/kafka-javascript",
  produce: () => Promise.reject(new Error("confluent adapter not written yet")),
  consume: () => Promise.reject(new Error("confluent adapter not written yet")),
};
