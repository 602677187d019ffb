import { checkNoExtraArguments } from "../../private/validation";
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
    checkNoExtraArguments(
      this.broker,
      `topic "${this.topicName}".grantProduce(app)`,
      // A JavaScript caller's extra arguments: the signature above has none to put them in.
      // eslint-disable-next-line prefer-rest-params
      [...arguments].slice(1),
      "remove them: a producer has no options (a consumer group is grantConsume's: topic.grantConsume(app, { groupId }))",
    );
    this.broker.wireProducer(app, this.topicName);
  }

  /** Makes `app` a consumer of this topic in `groupId` (sets KAFKA_GROUP_ID too). */
  public grantConsume(app: IBrokerClient, options: KafkaConsumeOptions): void {
    checkNoExtraArguments(
      this.broker,
      `topic "${this.topicName}".grantConsume(app, options)`,
      // eslint-disable-next-line prefer-rest-params
      [...arguments].slice(2),
      "put every option in the one options object: { groupId }",
    );
    this.broker.wireConsumer(app, this.topicName, options);
  }
}
