import type { ITerraformDependable } from "cdktf";
import type { IConstruct } from "constructs";
import type { BrokerKind } from "../connection-env";
import type { INetwork } from "../networking/network";

export type { BrokerKind } from "../connection-env";

/** Where a broker listens, as seen by one kind of client. */
export interface BrokerEndpoint {
  /** Host name or IP address. */
  readonly hostname: string;
  readonly port: number;
  /** `hostname:port`. */
  readonly address: string;
}

/**
 * How an app uses a broker. Each field belongs to one broker kind; a broker
 * rejects the fields of the other kind.
 */
export interface ConnectOptions {
  /**
   * RabbitMQ: the queue the app consumes (sets RABBITMQ_QUEUE). Must be declared on the broker.
   * @default - none
   */
  readonly queue?: string;
  /**
   * RabbitMQ: the exchange the app publishes to (sets RABBITMQ_EXCHANGE).
   * Must be declared, or `""` for the default exchange.
   * @default "" - the default exchange
   */
  readonly exchange?: string;
  /**
   * RabbitMQ: the routing key the app publishes with (sets RABBITMQ_ROUTING_KEY).
   * @default - the queue's name, which routes through the default exchange
   */
  readonly routingKey?: string;
  /**
   * Kafka: the topic the app writes or reads (sets KAFKA_TOPIC). Must be declared on the broker.
   * @default - none
   */
  readonly topic?: string;
  /**
   * Kafka: the consumer group id (sets KAFKA_GROUP_ID).
   * @default - the app's name
   */
  readonly groupId?: string;
}

/** A message broker running as a container. */
export interface IBroker extends IConstruct {
  readonly kind: BrokerKind;
  /** The network the broker is on; connected apps join it. */
  readonly network: INetwork;
  /** The endpoint for containers on the broker's network. */
  readonly endpoint: BrokerEndpoint;
  /** The endpoint for clients on the Docker host, when a host port is published. */
  readonly hostEndpoint?: BrokerEndpoint;
  /**
   * Attaches the app to the broker's network, gives it the connection
   * settings as environment variables (names from `ConnectionEnv`) and
   * orders its creation after the broker is healthy.
   */
  connect(app: IBrokerClient, options?: ConnectOptions): void;
}

/** A container construct that a broker can connect (e.g. `AppContainer`). */
export interface IBrokerClient extends IConstruct {
  /** The app's name, the default Kafka consumer group. */
  readonly appName: string;
  /**
   * Makes the app a member of `network`; throws, naming `broker`, when the
   * app pinned its networks and `network` is not among them.
   */
  joinNetwork(network: INetwork, broker: IConstruct): void;
  /** Sets an environment variable; throws when it is already set to another value. */
  addEnvironment(name: string, value: string, setBy: IConstruct): void;
  /** Creates the app only after `dependencies` exist. */
  addStartDependency(...dependencies: ITerraformDependable[]): void;
}
