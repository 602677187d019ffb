import type { ITerraformDependable } from "../private/framework";
import type { IConstruct } from "constructs";
import type { SourceLocation } from "../errors/source-location";
import type { INetwork } from "../networking/network";

/** Where a broker listens, as seen by one kind of client. */
export interface BrokerEndpoint {
  /** Host name or IP address. */
  readonly hostname: string;
  /** TCP port. */
  readonly port: number;
  /** `hostname:port`. */
  readonly address: string;
}

/**
 * A message broker running as containers. Broker-agnostic: a new kind is
 * one folder with a class extending `BrokerBase`, with no change elsewhere.
 */
export interface IBroker extends IConstruct {
  /** What kind of broker this is, e.g. `rabbitmq`, `kafka`. */
  readonly kind: string;
  /** Container name, hostname and network alias of the broker. */
  readonly brokerName: string;
  /** The network the broker is on; wired apps join it. */
  readonly network: INetwork;
  /** The endpoint for containers on the broker's network. */
  readonly endpoint: BrokerEndpoint;
  /** The endpoint for clients on the Docker host, when a host port is published. */
  readonly hostEndpoint?: BrokerEndpoint;
  /**
   * The environment variables the broker's grant verbs set on wired apps:
   * an app's environment may not set them, and a near miss is refused as a typo.
   * @default - none
   */
  readonly connectionVariables?: readonly string[];
  /**
   * What a wired app is created after: the broker's containers (created
   * with `wait`, so they exist only once healthy) and its set-up jobs.
   * Read at synth, so jobs declared after a wiring count too.
   */
  startDependencies(): ITerraformDependable[];
}

/**
 * One use of a broker by an app, made by a broker's grant verb (e.g.
 * `queue.grantConsume(app)`): the app joins the broker's network, gets the
 * connection settings and starts after the broker.
 */
export interface BrokerWiring {
  /** The broker the app is wired to. */
  readonly broker: IBroker;
  /** What the app does there, for messages: `consumer of queue "orders"`. */
  readonly role: string;
  /** The connection settings, by environment variable name. */
  readonly environment: Readonly<Record<string, string>>;
  /** The user's call that made the wiring, for error messages. */
  readonly location?: SourceLocation;
  /** Volumes the app mounts for this wiring (a TLS broker's CA certificate, read-only). */
  readonly volumes?: readonly {
    /** The Docker volume. */
    readonly volumeName: string;
    /** Where it is mounted in the app's containers. */
    readonly containerPath: string;
    /** Whether the mount is read-only. */
    readonly readOnly: boolean;
  }[];
  /**
   * Files the app gets for this wiring, where a volume cannot go (on a
   * Swarm: a TLS broker's CA certificate, as a secret of the app's service).
   */
  readonly files?: readonly {
    /** Where the file is in the app's tasks. */
    readonly path: string;
    /** Its content, a Terraform template string. */
    readonly content: string;
  }[];
  /** What `role` says, for tools (the topology picture): the broker entity and the direction of the messages. */
  readonly target?: WiringTarget;
}

/**
 * The entity a wiring connects an app to, as data. `role` says the same to
 * a person; a picture of the stack needs to know which box to draw the line to.
 */
export interface WiringTarget {
  /** `publish`: the app sends messages to the entity; `consume`: it receives messages from it. */
  readonly direction: "publish" | "consume";
  /** The kind of the broker's entity: `queue`, `exchange`, `topic`, ... */
  readonly entityKind: string;
  /** The entity's name, e.g. the queue `orders`. */
  readonly entityName: string;
  /** The routing key a publisher sends with (RabbitMQ). */
  readonly routingKey?: string;
  /** The consumer group (Kafka). */
  readonly groupId?: string;
  /**
   * What the wiring sets, in the kind's words, for assertions in tests
   * (MessagingTemplate.expectWiring): `{ queue: "orders" }`,
   * `{ exchange: "", routingKey: "orders" }`, `{ topic: "events", groupId: "readers" }`.
   * @default - none
   */
  readonly attributes?: Readonly<Record<string, string>>;
}

/** A container construct that brokers can wire (e.g. `AppContainer`). */
export interface IBrokerClient extends IConstruct {
  /** The app's name (its containers are `<name>-<i>`). */
  readonly appName: string;
  /**
   * Adds a wiring. The same wiring twice is one; two wirings that set one
   * variable to different values are reported as a problem.
   */
  addWiring(wiring: BrokerWiring): void;
  /** The value the app's own settings give `name`, if any (for cross-checks such as message size). */
  settingValue(name: string): string | undefined;
}
