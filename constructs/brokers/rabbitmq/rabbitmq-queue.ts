import type { IBrokerClient } from "../broker";
import type { RabbitMqBroker } from "./rabbitmq-broker";
import type { RabbitMqExchange } from "./rabbitmq-exchange";
import type { RabbitMqBindingOptions, RabbitMqQueueType } from "./rabbitmq-topology";

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
    this.broker.wireConsumer(app, this.queueName);
  }

  /**
   * Makes `app` a publisher to this queue through the default exchange
   * (routing key = the queue's name).
   */
  public grantPublish(app: IBrokerClient): void {
    this.broker.wirePublisher(app, "", this.queueName);
  }

  /** Binds this queue to `exchange` (a declared one, or a predefined `amq.*`). */
  public bindTo(exchange: RabbitMqExchange | string, options: RabbitMqBindingOptions = {}): this {
    this.broker.bindQueue(this, exchange, options);
    return this;
  }
}
