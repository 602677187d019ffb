/**
 * What a synthesized stack holds, as plain JSON: brokers with their nodes
 * and entities, apps with their wirings, the other containers, networks and
 * published ports. Made at synth by `describeTopology` and carried inside
 * cdk.tf.json (see TopologyComment), so a picture can be drawn from any
 * synthesized stack, without the code that built it.
 *
 * Every list is sorted, so the same stack gives the same JSON.
 */

/** Where in cdk.tf.json the description lives: `"//": { "cdktf-docker-messaging": { "topology": ... } }`. */
export const TOPOLOGY_COMMENT_KEY = "cdktf-docker-messaging";
export const TOPOLOGY_KEY = "topology";
/** Raised when a field changes meaning; readers refuse a newer format instead of drawing it wrong. */
export const TOPOLOGY_FORMAT_VERSION = 1;

export interface TopologyDescription {
  readonly formatVersion: number;
  /** The stack's construct id (its folder under cdktf.out/stacks). */
  readonly stack: string;
  readonly brokers: readonly BrokerTopology[];
  readonly apps: readonly AppTopology[];
  /** Every other container of the stack (set-up jobs, certificate jobs, monitoring, the user's own), by component. */
  readonly components: readonly ComponentTopology[];
  readonly networks: readonly NetworkTopology[];
}

/** A port of a container published on the Docker host. */
export interface PublishedPortTopology {
  /** The host address it is bound to: `127.0.0.1` (this host only) or `0.0.0.0` (every interface). */
  readonly hostIp: string;
  readonly hostPort: number;
  readonly containerPort: number;
  readonly protocol: string;
}

export interface BrokerNodeTopology {
  /** 1-based. */
  readonly index: number;
  /** Container name (and host name). */
  readonly name: string;
  readonly ports: readonly PublishedPortTopology[];
  readonly networks: readonly string[];
}

export interface BrokerTopology {
  /** The broker's name: its host name and network alias. */
  readonly name: string;
  /** `rabbitmq`, `kafka`, or another kind's name. */
  readonly kind: string;
  /** Construct path, for finding it in the code. */
  readonly path: string;
  /** The network apps reach it on. */
  readonly network: string;
  readonly nodes: readonly BrokerNodeTopology[];
  /** RabbitMQ: exchanges declared (the predefined `amq.*` ones appear when used). */
  readonly exchanges: readonly ExchangeTopology[];
  /** RabbitMQ: queues declared. */
  readonly queues: readonly QueueTopology[];
  /** RabbitMQ: exchange -> queue bindings. */
  readonly bindings: readonly BindingTopology[];
  /** RabbitMQ: where each dead-lettering queue sends its dead letters. */
  readonly deadLetters: readonly DeadLetterTopology[];
  /** Kafka: topics declared. */
  readonly topics: readonly TopicTopology[];
}

export interface ExchangeTopology {
  readonly name: string;
  /** `direct`, `fanout`, `topic`, `headers`. */
  readonly type: string;
  readonly internal: boolean;
  /** A predefined exchange (`amq.topic`, ...): not declared by the stack. */
  readonly predefined: boolean;
}

export interface QueueTopology {
  readonly name: string;
  /** `quorum`, `classic`, `stream`. */
  readonly type: string;
  readonly durable: boolean;
}

export interface BindingTopology {
  readonly exchange: string;
  readonly queue: string;
  /** The binding key (`""` for none). */
  readonly routingKey: string;
}

export interface DeadLetterTopology {
  /** The queue whose rejected or expired messages are dead-lettered. */
  readonly queue: string;
  /** They go to this queue (through the default exchange)... */
  readonly toQueue?: string;
  /** ...or to this exchange. */
  readonly toExchange?: string;
  /** With this routing key, when one is set. */
  readonly routingKey?: string;
}

export interface TopicTopology {
  readonly name: string;
  readonly partitions: number;
  readonly replicationFactor: number;
}

export interface AppTopology {
  /** The app's name; its containers are `<name>-1..N`. */
  readonly name: string;
  readonly path: string;
  readonly replicas: number;
  readonly containers: readonly string[];
  readonly image: ImageTopology;
  readonly ports: readonly PublishedPortTopology[];
  readonly networks: readonly string[];
  readonly wirings: readonly WiringTopology[];
}

export interface ImageTopology {
  /** `repo:tag` as the stack names it (a built image's tag is a hash of its build folder). */
  readonly name: string;
  /** `build` (from a folder), `registry` (pulled when missing), `local` (already on the host), `unknown`. */
  readonly source: string;
}

/** One use of a broker by an app (a grant verb). */
export interface WiringTopology {
  /** The broker's name. */
  readonly broker: string;
  /** The role, as error messages say it: `consumer of queue "orders"`. */
  readonly role: string;
  /** `publish` (app -> entity) or `consume` (entity -> app); absent when the broker kind does not say. */
  readonly direction?: "publish" | "consume";
  /** `queue`, `exchange`, `topic`, ...; absent when the broker kind does not say. */
  readonly entityKind?: string;
  readonly entityName?: string;
  readonly routingKey?: string;
  readonly groupId?: string;
}

/** A container that is neither a broker node nor an app replica. */
export interface ComponentTopology {
  /** Container name. */
  readonly name: string;
  /** The `cdktf-docker-messaging.component` label (`rabbitmq-setup`, `kafka-setup`, `tls-certificates`, ...), or `container` without one. */
  readonly component: string;
  readonly path: string;
  /** The broker or app it belongs to (its construct is inside that one's), if any. */
  readonly owner?: string;
  /** Runs once to completion during deploy (set-up and certificate jobs). */
  readonly oneShot: boolean;
  readonly ports: readonly PublishedPortTopology[];
  readonly networks: readonly string[];
}

export interface NetworkTopology {
  readonly name: string;
  /** No route out of the host's containers. */
  readonly internal: boolean;
  /** Names of the containers on it, sorted. */
  readonly containers: readonly string[];
}
