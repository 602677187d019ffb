import type { BrokerKindTopology, EntityTopology } from "../../topology/topology-description";
import type { TopicDecl } from "./kafka-broker";

/** The Kafka kind's part of the topology description: its topics, with their partitions and replication factor. */
export function kafkaTopologyEntities(topics: readonly Readonly<TopicDecl>[]): Pick<BrokerKindTopology, "entities" | "links"> {
  return {
    entities: topics.map(
      (t): EntityTopology => ({
        kind: "topic",
        name: t.name,
        summary: `${t.partitions} partition${t.partitions === 1 ? "" : "s"} × RF ${t.replicationFactor}`,
        properties: { partitions: t.partitions, replicationFactor: t.replicationFactor },
      }),
    ),
    links: [],
  };
}
