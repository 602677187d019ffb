/**
 * Kafka's rules for topic names: the name its metrics give a topic.
 */

/** The name Kafka's metrics use for a topic ('.' -> '_'): two topics with the same metric name collide, and Kafka refuses the second. */
export function topicMetricName(topic: string): string {
  // Topic.unifyCollisionChars (clients/src/main/java/org/apache/kafka/common/internals/Topic.java).
  return topic.replace(/\./g, "_");
}
