import type { IBrokerClient } from "../broker";
import type { KafkaBroker } from "./kafka-broker";

/** Options of {@link KafkaTopic.grantConsume}. */
export interface KafkaConsumeOptions {
  /** The consumer group: apps in one group share the topic's partitions, each group reads every record. */
  readonly groupId: string;
}

/** A topic declared on a Kafka broker (`broker.addTopic(...)`), with the verbs that wire apps to it. */
export class KafkaTopic {
  /** @internal */
  constructor(
    /** The broker the topic is declared on. */
    public readonly broker: KafkaBroker,
    /** The topic's name. */
    public readonly topicName: string,
    /** Number of partitions. */
    public readonly partitions: number,
    /** Copies of each partition. */
    public readonly replicationFactor: number,
  ) {}

  /**
   * Makes `app` a producer to this topic: it joins the broker's network, gets
   * KAFKA_BOOTSTRAP_SERVERS and KAFKA_TOPIC, and starts once the broker is
   * healthy and the topic exists.
   */
  public grantProduce(app: IBrokerClient): void {
    this.broker.wireProducer(app, this.topicName);
  }

  /** Makes `app` a consumer of this topic in `groupId` (sets KAFKA_GROUP_ID too). */
  public grantConsume(app: IBrokerClient, options: KafkaConsumeOptions): void {
    this.broker.wireConsumer(app, this.topicName, options);
  }
}
