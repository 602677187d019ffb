import { checkNoExtraArguments } from "../../private/validation";
import type { IBrokerClient } from "../broker";
import type { RabbitMqBroker } from "./rabbitmq-broker";
import type { RabbitMqExchange } from "./rabbitmq-exchange";
import type { RabbitMqBindingOptions } from "./rabbitmq-topology-options";
import type { RabbitMqQueueType } from "./rabbitmq-value-rules";

/** A queue declared on a RabbitMQ broker (`broker.addQueue(...)`), with the verbs that wire apps to it. */
export class RabbitMqQueue {
  /** @internal */
  constructor(
    /** The broker the queue is declared on. */
    public readonly broker: RabbitMqBroker,
    /** The queue's name. */
    public readonly queueName: string,
    /** The queue's type. */
    public readonly type: RabbitMqQueueType,
  ) {}

  /**
   * Makes `app` a consumer of this queue: it joins the broker's network,
   * gets RABBITMQ_URL and RABBITMQ_QUEUE, and starts once the broker is healthy.
   */
  public grantConsume(app: IBrokerClient): void {
    checkNoExtraArguments(
      this.broker,
      `queue "${this.queueName}".grantConsume(app)`,
      // A JavaScript caller's extra arguments: the signature above has none to put them in.
      // eslint-disable-next-line prefer-rest-params
      [...arguments].slice(1),
      "remove them: a consumer reads the whole queue; how many messages it holds unacknowledged is the app's setting (its environment)",
    );
    this.broker.wireConsumer(app, this.queueName);
  }

  /**
   * Makes `app` a publisher to this queue through the default exchange
   * (routing key = the queue's name).
   */
  public grantPublish(app: IBrokerClient): void {
    checkNoExtraArguments(
      this.broker,
      `queue "${this.queueName}".grantPublish(app)`,
      // eslint-disable-next-line prefer-rest-params
      [...arguments].slice(1),
      `remove them: publishing to a queue sends through the default exchange with the queue's name ("${this.queueName}") as the routing key; ` +
        "to publish with a routing key of your own, publish to an exchange the queue is bound to: exchange.grantPublish(app, { routingKey })",
    );
    this.broker.wirePublisher(app, "", this.queueName);
  }

  /** Binds this queue to `exchange` (a declared one, or a predefined `amq.*`). */
  public bindTo(exchange: RabbitMqExchange | string, options: RabbitMqBindingOptions = {}): this {
    this.broker.bindQueue(this, exchange, options);
    return this;
  }
}
