import { checkNoExtraArguments } from "../../private/validation";
import type { IBrokerClient } from "../broker";
import type { RabbitMqBroker } from "./rabbitmq-broker";
import type { RabbitMqExchangeType, RabbitMqPublishOptions } from "./rabbitmq-topology-options";

/** An exchange of a RabbitMQ broker (`broker.addExchange(...)` or `broker.predefinedExchange("amq.topic")`). */
export class RabbitMqExchange {
  /** @internal */
  constructor(
    /** The broker the exchange belongs to. */
    public readonly broker: RabbitMqBroker,
    /** The exchange's name. */
    public readonly exchangeName: string,
    /** The exchange's type. */
    public readonly type: RabbitMqExchangeType,
  ) {}

  /**
   * Makes `app` a publisher to this exchange with `routingKey`: it joins the
   * broker's network, gets RABBITMQ_URL, RABBITMQ_EXCHANGE and
   * RABBITMQ_ROUTING_KEY, and starts once the broker is healthy. At synth,
   * some binding of the exchange must route the key to a queue.
   */
  public grantPublish(app: IBrokerClient, options: RabbitMqPublishOptions): void {
    checkNoExtraArguments(
      this.broker,
      `exchange "${this.exchangeName}".grantPublish(app, options)`,
      // A JavaScript caller's extra arguments: the signature above has none to put them in.
      // eslint-disable-next-line prefer-rest-params
      [...arguments].slice(2),
      "put every option in the one options object: { routingKey }",
    );
    this.broker.wirePublisher(app, this.exchangeName, options?.routingKey, options);
  }
}
