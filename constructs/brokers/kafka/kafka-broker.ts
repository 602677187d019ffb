import { createHash } from "crypto";
import { TerraformOutput } from "cdktf";
import { Construct } from "constructs";
import { HealthCheck } from "../../apps/health-check";
import { ConnectionEnv } from "../../connection-env";
import { ContainerImage, type BoundImage } from "../../images/container-image";
import { DefaultImages } from "../../images/default-images";
import type { INetwork } from "../../networking/network";
import type { Container } from "../../private/bindings";
import { declareContainer, type PublishedPort } from "../../private/container-spec";
import { escapeTemplate, terraformIdentifier } from "../../private/terraform-text";
import { reject } from "../../private/validation";
import { DataVolume, type RemovalPolicy } from "../../storage/data-volume";
import type { BrokerEndpoint, ConnectOptions, IBroker, IBrokerClient } from "../broker";
import { validateKafkaProps, validateTopic } from "./validate-kafka";

export const KAFKA_INTERNAL_PORT = 9092;
export const KAFKA_CONTROLLER_PORT = 9093;
/** Container port of the HOST listener (published on the host's hostPort). */
export const KAFKA_HOST_LISTENER_PORT = 9094;
export const KAFKA_DATA_DIR = "/var/lib/kafka/data";
const KAFKA_BIN = "/opt/kafka/bin";
/** JVM settings of the Kafka command-line tools run by the healthcheck and the topics job. */
const TOOL_HEAP_OPTS = "-Xmx96m";
const TOOL_JVM_OPTS = "-XX:+UseSerialGC -XX:TieredStopAtLevel=1";
const TOOL_JVM_ENV = `KAFKA_HEAP_OPTS=${TOOL_HEAP_OPTS} KAFKA_JVM_PERFORMANCE_OPTS='${TOOL_JVM_OPTS}'`;

export interface KafkaBrokerProps {
  /** The network the broker is on; connected apps join it. */
  readonly network: INetwork;
  /**
   * Container name, hostname and network alias; app containers bootstrap
   * from `<name>:9092`.
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * The broker image (official `apache/kafka` layout).
   * @default - ContainerImage.fromRegistry(DefaultImages.kafka)
   */
  readonly image?: ContainerImage;
  /**
   * Publish a HOST listener on 127.0.0.1:<hostPort>, advertised as
   * `127.0.0.1:<hostPort>`, for clients on the Docker host.
   * @default - no host listener
   */
  readonly hostPort?: number;
  /**
   * Memory limit in MiB; the JVM heap is half of it.
   * @default 1024
   */
  readonly memoryMb?: number;
  /**
   * Partitions of topics created without a count (`num.partitions`).
   * @default 1
   */
  readonly defaultPartitions?: number;
  /**
   * Let the broker create a topic on first use. Off by default, so a typo in
   * a topic name fails instead of creating a stray topic.
   * @default false
   */
  readonly autoCreateTopics?: boolean;
  /**
   * The KRaft cluster id (22 base64url characters). It must never change
   * while the data volume lives: storage formatted for another id refuses to start.
   * @default - derived from the data volume's name, so it is the same on every synth
   */
  readonly clusterId?: string;
  /**
   * What `cdktf destroy` does to the data volume (see RemovalPolicy).
   * @default "retain"
   */
  readonly dataRemovalPolicy?: RemovalPolicy;
  /**
   * Seconds deploy waits for the broker to report healthy.
   * @default 180
   */
  readonly startTimeoutSeconds?: number;
  /**
   * Seconds Kafka gets to stop after SIGTERM on destroy or replace.
   * @default 30
   */
  readonly stopGracePeriodSeconds?: number;
  /**
   * More broker properties (e.g. `{ "log.retention.hours": 24 }`), passed as
   * KAFKA_* variables. The listener, KRaft and replication properties are the
   * construct's and cannot be set here.
   * @default - none
   */
  readonly serverProperties?: Record<string, string | number | boolean>;
  /**
   * Labels of the broker container.
   * @default - none
   */
  readonly labels?: Record<string, string>;
}

export interface KafkaTopicOptions {
  /** @default 1 */
  readonly partitions?: number;
  /**
   * Copies of each partition; at most the broker's node count.
   * @default 1
   */
  readonly replicationFactor?: number;
  /**
   * Topic configs (`--config k=v`), e.g. `{ "retention.ms": 86400000 }`;
   * re-applied on every change of the topic list.
   * @default - none
   */
  readonly configs?: Record<string, string | number>;
}

interface TopicDecl {
  name: string;
  partitions: number;
  replicationFactor: number;
  configs: Record<string, string>;
}

/**
 * A single Kafka node in KRaft combined mode (broker + controller).
 *
 * - listeners: INTERNAL `<name>:9092` for containers on the network,
 *   CONTROLLER 9093, and HOST `127.0.0.1:<hostPort>` when hostPort is given;
 *   all properties as KAFKA_* variables (the image then uses only those);
 * - internal topics with replication factor 1 (right for one node);
 * - log.dirs on a named volume, with a cluster id stable across synths;
 * - healthcheck with kafka-broker-api-versions.sh, deploy waits until healthy;
 * - topics as code, created after the broker is healthy by a one-shot
 *   container (`kafka-topics.sh --create --if-not-exists`). Partition counts
 *   of existing topics are not changed; configs are re-applied.
 */
export class KafkaBroker extends Construct implements IBroker {
  public readonly kind = "kafka" as const;
  /** Nodes in the cluster; one in this version. */
  public readonly nodeCount = 1;
  public readonly network: INetwork;
  public readonly endpoint: BrokerEndpoint;
  public readonly hostEndpoint?: BrokerEndpoint;
  public readonly brokerName: string;
  public readonly clusterId: string;
  public readonly container: Container;
  public readonly dataVolume: DataVolume;
  private topicsContainer?: Container;
  private readonly image: BoundImage;
  private readonly autoCreateTopics: boolean;
  private readonly topics: TopicDecl[] = [];
  private readonly clients: IBrokerClient[] = [];

  constructor(scope: Construct, id: string, props: KafkaBrokerProps) {
    super(scope, id);
    this.brokerName = props.name ?? id;
    validateKafkaProps(this, this.brokerName, props);
    this.network = props.network;
    this.autoCreateTopics = props.autoCreateTopics ?? false;
    this.endpoint = endpoint(this.brokerName, KAFKA_INTERNAL_PORT);
    if (props.hostPort !== undefined) this.hostEndpoint = endpoint("127.0.0.1", props.hostPort);

    this.dataVolume = new DataVolume(this, "data", {
      name: `${this.brokerName}-data`,
      removalPolicy: props.dataRemovalPolicy,
    });
    this.clusterId = props.clusterId ?? deriveClusterId(`kafka-cluster:${this.brokerName}-data`);

    const memoryMb = props.memoryMb ?? 1024;
    const heapMb = Math.floor(memoryMb / 2);
    const ports: PublishedPort[] = [];
    if (props.hostPort !== undefined) ports.push({ containerPort: KAFKA_HOST_LISTENER_PORT, hostPort: props.hostPort });

    const env: Record<string, string> = {
      CLUSTER_ID: this.clusterId,
      // Read by kafka-server-start.sh; the image's wrapper does not turn it into a property.
      KAFKA_HEAP_OPTS: `-Xmx${heapMb}m -Xms${heapMb}m`,
    };
    for (const [key, value] of Object.entries({ ...this.serverProperties(props), ...(props.serverProperties ?? {}) })) {
      env[kafkaEnvName(key)] = String(value);
    }

    this.image = (props.image ?? ContainerImage.fromRegistry(DefaultImages.kafka)).bind(this);
    this.container = declareContainer(this, "container", {
      name: this.brokerName,
      hostname: this.brokerName,
      image: this.image,
      component: "kafka-broker",
      networks: [{ network: this.network, aliases: [this.brokerName] }],
      env,
      ports,
      volumes: [{ volumeName: this.dataVolume.volumeName, containerPath: KAFKA_DATA_DIR }],
      // The check is a JVM too, started every interval: a small heap keeps it
      // inside the memory limit, and client-JVM flags halve its CPU (measured
      // 1.6 s -> 0.9 s a check), which matters on a small host.
      healthCheck: HealthCheck.shell(
        `${TOOL_JVM_ENV} ${KAFKA_BIN}/kafka-broker-api-versions.sh --bootstrap-server localhost:${KAFKA_INTERNAL_PORT} >/dev/null`,
        { intervalSeconds: 10, timeoutSeconds: 30, retries: 12, startPeriodSeconds: 30 },
      ),
      waitTimeoutSeconds: props.startTimeoutSeconds ?? 180,
      memoryMb,
      restart: "unless-stopped",
      destroyGraceSeconds: props.stopGracePeriodSeconds ?? 30,
      labels: props.labels,
    });

    if (this.hostEndpoint) {
      new TerraformOutput(this, "bootstrap-servers", {
        value: this.hostEndpoint.address,
        description: `Kafka bootstrap servers of broker ${this.brokerName} from the Docker host`,
      }).overrideLogicalId(`${terraformIdentifier(this.brokerName)}_bootstrap_servers`);
    }
  }

  /** The one-shot container creating the topics, once a topic is declared. */
  public get topicsJob(): Container | undefined {
    return this.topicsContainer;
  }

  /** Declares a topic, created after the broker is healthy. */
  public addTopic(name: string, options: KafkaTopicOptions = {}): this {
    validateTopic(this, name, options, new Set(this.topics.map((t) => t.name)), this.nodeCount);
    const configs: Record<string, string> = {};
    for (const [key, value] of Object.entries(options.configs ?? {})) configs[key] = String(value);
    this.topics.push({
      name,
      partitions: options.partitions ?? 1,
      replicationFactor: options.replicationFactor ?? 1,
      configs,
    });
    this.renderTopicsJob();
    return this;
  }

  public connect(app: IBrokerClient, options: ConnectOptions = {}): void {
    if (options.queue !== undefined || options.exchange !== undefined || options.routingKey !== undefined) {
      reject(this, `connect(${app.node.path}): queue, exchange and routingKey are RabbitMQ options`, options, "use topic and groupId with a Kafka broker");
    }
    if (options.topic !== undefined && !this.autoCreateTopics && !this.topics.some((t) => t.name === options.topic)) {
      reject(
        this,
        `connect(${app.node.path}): the topic is not declared on this broker`,
        options.topic,
        `declare it with addTopic("${options.topic}") before connecting (topics are not auto-created), or use one of: ${this.topics.map((t) => t.name).join(", ") || "(none)"}`,
      );
    }
    app.joinNetwork(this.network, this);
    app.addEnvironment(ConnectionEnv.BROKER_KIND, this.kind, this);
    app.addEnvironment(ConnectionEnv.KAFKA_BOOTSTRAP_SERVERS, this.endpoint.address, this);
    if (options.topic !== undefined) app.addEnvironment(ConnectionEnv.KAFKA_TOPIC, options.topic, this);
    app.addEnvironment(ConnectionEnv.KAFKA_GROUP_ID, options.groupId ?? app.appName, this);
    // The broker container is created with wait = true (exists only once
    // healthy); the topics job with attach = true (exists only once done).
    app.addStartDependency(this.container);
    if (this.topicsJob) app.addStartDependency(this.topicsJob);
    this.clients.push(app);
  }

  private serverProperties(props: KafkaBrokerProps): Record<string, string | number | boolean> {
    const host = this.brokerName;
    const listeners = [`INTERNAL://:${KAFKA_INTERNAL_PORT}`, `CONTROLLER://:${KAFKA_CONTROLLER_PORT}`];
    const advertised = [`INTERNAL://${host}:${KAFKA_INTERNAL_PORT}`];
    const protocols = ["INTERNAL:PLAINTEXT", "CONTROLLER:PLAINTEXT"];
    if (this.hostEndpoint) {
      listeners.push(`HOST://:${KAFKA_HOST_LISTENER_PORT}`);
      advertised.push(`HOST://${this.hostEndpoint.address}`);
      protocols.push("HOST:PLAINTEXT");
    }
    const rf = this.nodeCount;
    return {
      "node.id": 1,
      "process.roles": "broker,controller",
      "controller.quorum.voters": `1@${host}:${KAFKA_CONTROLLER_PORT}`,
      "controller.listener.names": "CONTROLLER",
      listeners: listeners.join(","),
      "advertised.listeners": advertised.join(","),
      "listener.security.protocol.map": protocols.join(","),
      "inter.broker.listener.name": "INTERNAL",
      "log.dirs": KAFKA_DATA_DIR,
      "num.partitions": props.defaultPartitions ?? 1,
      "auto.create.topics.enable": this.autoCreateTopics,
      // Internal topics sized for the node count: with 3 on one node,
      // consumer groups hang without an error.
      "offsets.topic.replication.factor": rf,
      "transaction.state.log.replication.factor": rf,
      "transaction.state.log.min.isr": 1,
      "default.replication.factor": rf,
      "min.insync.replicas": 1,
      "group.initial.rebalance.delay.ms": 0,
    };
  }

  private renderTopicsJob(): void {
    const script = this.topicsScript();
    if (this.topicsContainer) {
      this.topicsContainer.command = [escapeTemplate(script)];
      return;
    }
    const job = declareContainer(this, "topics", {
      name: `${this.brokerName}-topics`,
      image: this.image,
      component: "kafka-topics",
      networks: [{ network: this.network }],
      env: { KAFKA_HEAP_OPTS: TOOL_HEAP_OPTS, KAFKA_JVM_PERFORMANCE_OPTS: TOOL_JVM_OPTS },
      entrypoint: ["/bin/sh", "-c"],
      command: [escapeTemplate(script)],
      memoryMb: 256,
      restart: "no",
      destroyGraceSeconds: 0,
      // A one-shot job: it exits when done. must_run = false keeps the exited
      // container (and no error); attach = true makes create wait for the exit,
      // so apps that depend on it start once the topics exist.
      mustRun: false,
      attach: true,
      dependsOn: [this.container],
    });
    // The job's exit code becomes a deploy error instead of a silent failure.
    job.addOverride("lifecycle.postcondition", [
      {
        condition: "${self.exit_code == 0}",
        error_message: `Creating the Kafka topics of ${this.brokerName} failed: see \`docker logs ${this.brokerName}-topics\`.`,
      },
    ]);
    this.topicsContainer = job;
    for (const client of this.clients) client.addStartDependency(job);
  }

  private topicsScript(): string {
    const bootstrap = `--bootstrap-server ${this.endpoint.address}`;
    const lines = ["set -e"];
    for (const t of this.topics) {
      const configs = Object.entries(t.configs);
      lines.push(`echo ${shellQuote(`topic ${t.name}`)}`);
      lines.push(
        [
          `${KAFKA_BIN}/kafka-topics.sh ${bootstrap} --create --if-not-exists`,
          `--topic ${shellQuote(t.name)} --partitions ${t.partitions} --replication-factor ${t.replicationFactor}`,
          ...configs.map(([k, v]) => `--config ${shellQuote(`${k}=${v}`)}`),
        ].join(" "),
      );
      if (configs.length > 0) {
        const list = configs.map(([k, v]) => `${k}=${v.includes(",") ? `[${v}]` : v}`).join(",");
        lines.push(
          `${KAFKA_BIN}/kafka-configs.sh ${bootstrap} --alter --entity-type topics --entity-name ${shellQuote(t.name)} --add-config ${shellQuote(list)}`,
        );
      }
    }
    return lines.join("\n") + "\n";
  }
}

function endpoint(hostname: string, port: number): BrokerEndpoint {
  return { hostname, port, address: `${hostname}:${port}` };
}

/** Property name -> env name, the image's rule reversed: `_` -> `__`, `-` -> `___`, `.` -> `_`. */
export function kafkaEnvName(property: string): string {
  return "KAFKA_" + property.replace(/_/g, "__").replace(/-/g, "___").replace(/\./g, "_").toUpperCase();
}

/** A KRaft cluster id (16 bytes, base64url, 22 characters) derived from `seed`. */
export function deriveClusterId(seed: string): string {
  return createHash("sha256").update(seed).digest().subarray(0, 16).toString("base64url");
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
