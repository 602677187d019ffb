/** What the Kafka app tests ask a broker through an admin client: topics, their end offsets, a group's commits. */
import type { Admin } from "kafkajs";

/** Creates a topic (the topology is the broker construct's job; the broker does not auto-create). */
export async function createTopic(admin: Admin, topic: string, partitions: number): Promise<string> {
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  return topic;
}

/** Messages in the topic: the sum of the partitions' end offsets. */
export async function messagesInTopic(admin: Admin, topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, { high }) => sum + Number(high), 0);
}

/** Messages the group has committed past, summed over the partitions (-1 = nothing committed). */
export async function committed(admin: Admin, groupId: string, topic: string): Promise<number> {
  const [{ partitions }] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return partitions.reduce((sum, { offset }) => sum + Math.max(0, Number(offset)), 0);
}
