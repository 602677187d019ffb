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
/** The key of the description inside the {@link TOPOLOGY_COMMENT_KEY} object. */
export const TOPOLOGY_KEY = "topology";
/**
 * Raised when a field changes meaning; readers refuse a newer format instead
 * of drawing it wrong. 2: a broker's entities and links are generic
 * (`entities`, `links`), described by its kind, instead of one field per
 * RabbitMQ or Kafka entity; wirings carry `attributes`.
 */
export const TOPOLOGY_FORMAT_VERSION = 2;

/** A synthesized stack's brokers, apps, other containers and networks (see the file comment of `topology-description.ts`). */
export interface TopologyDescription {
  /** {@link TOPOLOGY_FORMAT_VERSION} when it was written. */
  readonly formatVersion: number;
  /** The stack's construct id (its folder under cdktf.out/stacks). */
  readonly stack: string;
  /** The brokers. */
  readonly brokers: readonly BrokerTopology[];
  /** The apps. */
  readonly apps: readonly AppTopology[];
  /** Every other container of the stack (set-up jobs, certificate jobs, monitoring, the user's own), by component. */
  readonly components: readonly ComponentTopology[];
  /** The stack's networks. */
  readonly networks: readonly NetworkTopology[];
}

/** A port of a container published on the Docker host. */
export interface PublishedPortTopology {
  /** The host address it is bound to: `127.0.0.1` (this host only) or `0.0.0.0` (every interface). */
  readonly hostIp: string;
  /** The port on the host. */
  readonly hostPort: number;
  /** The port inside the container. */
  readonly containerPort: number;
  /** `tcp` or `udp`. */
  readonly protocol: string;
}

/** One node (container) of a broker. */
export interface BrokerNodeTopology {
  /** 1-based. */
  readonly index: number;
  /** Container name (and host name). */
  readonly name: string;
  /** Its ports published on the host. */
  readonly ports: readonly PublishedPortTopology[];
  /** Names of the networks it is on. */
  readonly networks: readonly string[];
  /**
   * On a Swarm: the placement constraints that say which Swarm node runs it
   * (`node.labels.broker-slot==1`).
   * @default - none: one engine, or anywhere on the Swarm
   */
  readonly placement?: readonly string[];
}

/** A broker: its nodes and the entities its kind declares (queues, exchanges, topics, ...) with the links between them. */
export interface BrokerTopology {
  /** The broker's name: its host name and network alias. */
  readonly name: string;
  /** `rabbitmq`, `kafka`, or another kind's name. */
  readonly kind: string;
  /** The kind's name for people, e.g. `RabbitMQ`. */
  readonly title: string;
  /** Construct path, for finding it in the code. */
  readonly path: string;
  /** The network apps reach it on. */
  readonly network: string;
  /** Its nodes, in order. */
  readonly nodes: readonly BrokerNodeTopology[];
  /** What the kind's container ports are for, by port (`{ "5672": "AMQP" }`): named in the picture. */
  readonly portNames: Readonly<Record<string, string>>;
  /** The entities declared on it (and the predefined ones it uses), sorted by kind and name. */
  readonly entities: readonly EntityTopology[];
  /** How messages move between its entities (a RabbitMQ binding, a dead-letter path), sorted. */
  readonly links: readonly LinkTopology[];
}

/**
 * What a broker's kind says of one broker in the description (its
 * `describeTopology` hook): the rest of BrokerTopology is read from its
 * containers, which are the same for every kind.
 */
export type BrokerKindTopology = Pick<BrokerTopology, "title" | "portNames" | "entities" | "links">;

/** A thing messages go to or come from on a broker: a queue, an exchange, a topic, ... */
export interface EntityTopology {
  /** What it is, in the kind's words: `queue`, `exchange`, `topic`, ... */
  readonly kind: string;
  /** Its name. */
  readonly name: string;
  /** One line for the picture, e.g. `quorum` or `3 partitions × RF 3`. */
  readonly summary: string;
  /** Its settings as data, for tools, e.g. `{ type: "quorum", durable: true }`. */
  readonly properties: Readonly<Record<string, string | number | boolean>>;
}

/** An entity named by its kind and name. */
export interface EntityRef {
  /** The entity's kind (`queue`, ...). */
  readonly kind: string;
  /** The entity's name. */
  readonly name: string;
}

/** A path messages take from one entity of a broker to another. */
export interface LinkTopology {
  /** What it is, in the kind's words: `binding`, `dead-letter`, ... */
  readonly kind: string;
  /** Where messages come from. */
  readonly from: EntityRef;
  /** Where they go (an entity the broker does not declare is drawn as `not declared`). */
  readonly to: EntityRef;
  /** The text on the line (a binding key), when there is one. */
  readonly label?: string;
  /** A path messages take only when something goes wrong (dead letters): a dashed line. */
  readonly dashed: boolean;
}

/** An app (an `AppContainer`) and its wirings. */
export interface AppTopology {
  /** The app's name; its containers are `<name>-1..N`. */
  readonly name: string;
  /** Construct path, for finding it in the code. */
  readonly path: string;
  /** Number of containers (on a Swarm: tasks of its service). */
  readonly replicas: number;
  /** Names of its containers (on a Swarm: its service's name). */
  readonly containers: readonly string[];
  /** The image its containers run. */
  readonly image: ImageTopology;
  /** Its ports published on the host. */
  readonly ports: readonly PublishedPortTopology[];
  /** Names of the networks it is on. */
  readonly networks: readonly string[];
  /** Its uses of brokers. */
  readonly wirings: readonly WiringTopology[];
}

/** The image of an app. */
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
  /** The entity's name, e.g. the queue `orders`. */
  readonly entityName?: string;
  /** The routing key a publisher sends with (RabbitMQ). */
  readonly routingKey?: string;
  /** The consumer group (Kafka). */
  readonly groupId?: string;
  /**
   * What the wiring sets, as its kind names it, for assertions in tests
   * (`{ queue: "orders" }`, `{ exchange: "", routingKey: "orders" }`, `{ topic: "events", groupId: "readers" }`).
   */
  readonly attributes?: Readonly<Record<string, string>>;
}

/** A container that is neither a broker node nor an app replica. */
export interface ComponentTopology {
  /** Container name. */
  readonly name: string;
  /** The `cdktf-docker-messaging.component` label (`rabbitmq-setup`, `kafka-setup`, `tls-certificates`, ...), or `container` without one. */
  readonly component: string;
  /** Construct path, for finding it in the code. */
  readonly path: string;
  /** The broker or app it belongs to (its construct is inside that one's), if any. */
  readonly owner?: string;
  /** Runs once to completion during deploy (set-up and certificate jobs). */
  readonly oneShot: boolean;
  /** Its ports published on the host. */
  readonly ports: readonly PublishedPortTopology[];
  /** Names of the networks it is on. */
  readonly networks: readonly string[];
}

/** A Docker network of the stack. */
export interface NetworkTopology {
  /** The network's name on the host. */
  readonly name: string;
  /** No route out of the host's containers. */
  readonly internal: boolean;
  /** Names of the containers on it, sorted. */
  readonly containers: readonly string[];
}
