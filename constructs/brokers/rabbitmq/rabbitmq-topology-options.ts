/**
 * The public options of a vhost's topology (queues, exchanges, bindings,
 * policies, publishers), the references to its queues and exchanges, and
 * the declaration records RabbitMqTopology keeps of them.
 */
import type { RabbitMqPolicyTarget } from "./rabbitmq-policies";
import type { RabbitMqQueueType } from "./rabbitmq-value-rules";

/** A RabbitMQ exchange type. */
export type RabbitMqExchangeType = "direct" | "fanout" | "topic" | "headers";
/** The value of a queue argument or policy key. */
export type RabbitMqArgument = string | number | boolean;

/** A queue or its name; a name may refer to a queue declared later. */
export type QueueReference =
  | {
      /** The queue's name. */
      readonly queueName: string;
    }
  | string;
/** An exchange or its name (`amq.*` predefined ones included); a name may refer to one declared later. */
export type ExchangeReference =
  | {
      /** The exchange's name. */
      readonly exchangeName: string;
    }
  | string;

/** Options of {@link RabbitMqBroker.addQueue}. */
export interface RabbitMqQueueOptions {
  /**
   * Queue type. Quorum queues are RabbitMQ's recommended replicated, durable
   * queue; streams are append-only logs.
   * @default "quorum"
   */
  readonly type?: RabbitMqQueueType;
  /**
   * Whether the queue survives a broker restart (quorum queues and streams always do).
   * A non-durable classic queue is a transient non-exclusive queue, a
   * deprecated feature of RabbitMQ 4.0: synth warns.
   * @default true
   */
  readonly durable?: boolean;
  /**
   * Dead-letter rejected or expired messages to this queue (through the
   * default exchange, routing key = that queue's name).
   * @default - no dead-lettering, unless deadLetterExchange is set
   */
  readonly deadLetterQueue?: QueueReference;
  /**
   * Dead-letter exchange (`x-dead-letter-exchange`): a declared exchange or a
   * predefined `amq.*` one. Exclusive with deadLetterQueue.
   * @default - no dead-letter exchange
   */
  readonly deadLetterExchange?: ExchangeReference;
  /**
   * Routing key for dead-lettered messages (`x-dead-letter-routing-key`).
   * @default - the message's own routing key
   */
  readonly deadLetterRoutingKey?: string;
  /**
   * Message time-to-live in milliseconds (`x-message-ttl`).
   * @default - messages do not expire
   */
  readonly messageTtlMs?: number;
  /**
   * Maximum number of ready messages (`x-max-length`).
   * @default - unbounded
   */
  readonly maxLength?: number;
  /**
   * Quorum queues only: deliveries of a message before it is dead-lettered
   * (`x-delivery-limit`).
   * @default - RabbitMQ's default (20 in 4.x)
   */
  readonly deliveryLimit?: number;
  /**
   * Further `x-*` queue arguments, checked against what the queue type accepts.
   * @default - none
   */
  readonly arguments?: Record<string, RabbitMqArgument>;
}

/** Options of {@link RabbitMqBroker.addExchange}. */
export interface RabbitMqExchangeOptions {
  /** @default "direct" */
  readonly type?: RabbitMqExchangeType;
  /** @default true */
  readonly durable?: boolean;
  /** @default false */
  readonly autoDelete?: boolean;
  /**
   * An internal exchange takes messages only from other exchanges.
   * @default false
   */
  readonly internal?: boolean;
}

/** Options of a binding of a queue to an exchange. */
export interface RabbitMqBindingOptions {
  /**
   * The binding key: a word for direct exchanges, a pattern with `*` and `#`
   * for topic exchanges, ignored by fanout exchanges.
   * @default ""
   */
  readonly routingKey?: string;
}

/** Options of {@link RabbitMqBroker.addPolicy}. */
export interface RabbitMqPolicyOptions {
  /** Regular expression (PCRE, as RabbitMQ reads it) on queue or exchange names. */
  readonly pattern: string;
  /** The policy's keys, e.g. `{ "max-length": 10000 }`, checked against what RabbitMQ accepts. */
  readonly definition: Record<string, RabbitMqArgument | string[]>;
  /** @default "queues" */
  readonly applyTo?: RabbitMqPolicyTarget;
  /** @default 0 */
  readonly priority?: number;
}

/** Options of {@link RabbitMqExchange.grantPublish}. */
export interface RabbitMqPublishOptions {
  /**
   * The routing key every message is published with. Must reach at least one
   * queue bound to the exchange (checked at synth; fanout exchanges ignore it).
   */
  readonly routingKey: string;
  /**
   * Further routing keys the app publishes with, for an app of your own that
   * chooses among several (the package's producer sends only `routingKey`).
   * Each must reach a queue too. On a topic exchange the app's user may
   * publish with these keys and `routingKey` only (RabbitMQ topic permissions).
   * @default - none
   */
  readonly otherRoutingKeys?: readonly string[];
}

export interface QueueDeclaration {
  readonly name: string;
  readonly type: RabbitMqQueueType;
  readonly durable: boolean;
  readonly arguments: Record<string, RabbitMqArgument>;
  readonly deadLetterQueue?: string;
  readonly deadLetterExchange?: string;
}
export interface ExchangeDeclaration {
  readonly name: string;
  readonly type: RabbitMqExchangeType;
  readonly durable: boolean;
  readonly autoDelete: boolean;
  readonly internal: boolean;
}
export interface BindingDeclaration {
  readonly source: string;
  readonly destination: string;
  readonly routingKey: string;
}
export interface PolicyDeclaration {
  readonly name: string;
  readonly pattern: string;
  readonly applyTo: RabbitMqPolicyTarget;
  readonly definition: Record<string, unknown>;
  readonly priority: number;
}

export const queueNameOf = (ref: QueueReference): string => (typeof ref === "string" ? ref : ref?.queueName);
export const exchangeNameOf = (ref: ExchangeReference): string => (typeof ref === "string" ? ref : ref?.exchangeName);
