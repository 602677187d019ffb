import { createHash } from "crypto";
import type { ITerraformDependable } from "cdktf";
import type { Construct } from "constructs";
import { HealthCheck } from "../../apps/health-check";
import { AppEnv, APP_MESSAGE_OVERHEAD_BYTES, APP_SETTINGS, type IntegerSetting } from "../../apps/app-settings";
import type { Finding } from "../../errors/finding";
import { deferCheck, report } from "../../errors/problems";
import { captureUserLocation } from "../../errors/source-location";
import { DefaultImages } from "../../images/default-images";
import type { Container } from "../../private/bindings";
import { declareContainer, type PublishedPort } from "../../private/container-spec";
import { escapeTemplate } from "../../private/terraform-text";
import { checkKnownKeys, checkString, optionsObject } from "../../private/validation";
import type { DataVolume } from "../../storage/data-volume";
import type { IBrokerClient } from "../broker";
import { BROKER_BASE_PROPS, BrokerBase, type BrokerBaseProps, type BrokerNode } from "../broker-base";
import { KafkaConnectionEnv, kafkaEnvName } from "./kafka-env";

export { kafkaEnvName } from "./kafka-env";
import { KafkaTopic, type KafkaConsumeOptions } from "./kafka-topic";
import { KAFKA_MIN_MEMORY_MB, undeclaredTopicFix, validateKafkaProps, validateTopic } from "./validate-kafka";

export const KAFKA_INTERNAL_PORT = 9092;
export const KAFKA_CONTROLLER_PORT = 9093;
/** Container port of the HOST listener (published on the host's hostPort). */
export const KAFKA_HOST_LISTENER_PORT = 9094;
export const KAFKA_DATA_DIR = "/var/lib/kafka/data";
/** Kafka's default `message.max.bytes` (1 MiB + record batch overhead), kafka ServerLogConfigs. */
export const KAFKA_DEFAULT_MESSAGE_MAX_BYTES = 1048588;
const KAFKA_BIN = "/opt/kafka/bin";
/** JVM settings of the Kafka command-line tools run by the healthcheck and the topics job. */
const TOOL_HEAP_OPTS = "-Xmx96m";
const TOOL_JVM_OPTS = "-XX:+UseSerialGC -XX:TieredStopAtLevel=1";
const TOOL_JVM_ENV = `KAFKA_HEAP_OPTS=${TOOL_HEAP_OPTS} KAFKA_JVM_PERFORMANCE_OPTS='${TOOL_JVM_OPTS}'`;

/**
 * The healthcheck: one Kafka ApiVersions request (v0, correlation id 1, no
 * client id), written by bash to the broker's own listener, answered with
 * error code 0. A KRaft broker answers requests only once it has caught up
 * with the metadata and is unfenced ("Kafka Server started"), so this is
 * the readiness kafka-broker-api-versions.sh reports, without starting a
 * JVM each time: that tool cost ~0.9 CPU-seconds a check (a 3-node cluster
 * at one check per 10 s spent a third of a core on it) and took 1-3 s on a
 * busy host, so a new node was reported healthy late. Uses bash's /dev/tcp,
 * od, head and timeout, all in the official image. No `${` in the text:
 * Terraform would read it as an interpolation.
 */
function apiVersionsProbe(port: number): string {
  return (
    `exec 3<>/dev/tcp/127.0.0.1/${port} && printf '\\0\\0\\0\\12\\0\\22\\0\\0\\0\\0\\0\\1\\377\\377' >&3 && ` +
    `r=$(timeout 5 head -c 10 <&3 | od -An -tx1 | tr -d ' \\n') && case $r in ????????000000010000) exit 0 ;; *) exit 1 ;; esac`
  );
}

/**
 * How fast a cluster notices a dead node. KRaft fences a broker (and moves
 * its partition leaderships) only once it has missed heartbeats for
 * `broker.session.timeout.ms`, 9 s by default: a killed leader's partitions
 * take no writes for that long (measured here: 11-20 s without a confirm).
 * A 3 s session with 0.5 s heartbeats brings that under 5 s; three nodes'
 * heartbeats are no load for the controller. A user's serverProperties win.
 */
const CLUSTER_FAILURE_DETECTION = {
  "broker.session.timeout.ms": 3000,
  "broker.heartbeat.interval.ms": 500,
};

export interface KafkaBrokerProps extends BrokerBaseProps {
  /**
   * Publish a HOST listener on 127.0.0.1:<hostPort>, advertised as
   * `127.0.0.1:<hostPort>`, for clients on the Docker host.
   * @default - no host listener
   */
  readonly hostPort?: number;
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
   * More broker properties (e.g. `{ "log.retention.hours": 24 }`), passed as
   * KAFKA_* variables. The node id, listener, KRaft and replication
   * properties are the construct's and cannot be set here.
   * @default - none
   */
  readonly serverProperties?: Record<string, string | number | boolean>;
}

const KAFKA_PROPS: Record<keyof KafkaBrokerProps, true> = {
  ...BROKER_BASE_PROPS,
  hostPort: true,
  defaultPartitions: true,
  autoCreateTopics: true,
  clusterId: true,
  serverProperties: true,
};
const CONSUME_OPTIONS: Record<keyof KafkaConsumeOptions, true> = { groupId: true };

export interface KafkaTopicOptions {
  /** @default 1 */
  readonly partitions?: number;
  /**
   * Copies of each partition; at most the broker's node count.
   * @default - the broker's replication factor, min(3, nodes)
   */
  readonly replicationFactor?: number;
  /**
   * Topic configs (`--config k=v`), e.g. `{ "retention.ms": 86400000 }`,
   * checked against the configs Kafka knows; re-applied on every change of
   * the topic list.
   * @default - none
   */
  readonly configs?: Record<string, string | number | boolean>;
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
 * - healthcheck: an ApiVersions request answered (apiVersionsProbe), deploy waits until healthy;
 * - topics as code, created after the broker is healthy by a one-shot
 *   container (`kafka-topics.sh --create --if-not-exists`). Partition counts
 *   of existing topics are not changed; configs are re-applied.
 *
 * Apps are wired through the handles: `broker.addTopic("events").grantProduce(app)`,
 * `topic.grantConsume(app, { groupId })`.
 */
export class KafkaBroker extends BrokerBase {
  public readonly clusterId: string;
  /** The first node's docker_container (also `node.defaultChild`); `containers` has every node's. */
  public readonly container: Container;
  /** The first node's data volume; `dataVolumes` has every node's. */
  public readonly dataVolume: DataVolume;
  public readonly dataVolumes: readonly DataVolume[];
  /** Copies of each partition by default, and of the internal topics: min(3, nodes). */
  public readonly replicationFactor: number;
  private topicsContainer?: Container;
  private readonly autoCreateTopics: boolean;
  private readonly topics: TopicDecl[] = [];
  private readonly props: KafkaBrokerProps;

  constructor(scope: Construct, id: string, props: KafkaBrokerProps) {
    super(scope, id, props, {
      kind: "kafka",
      propsName: "KafkaBrokerProps",
      knownProps: KAFKA_PROPS,
      internalPort: KAFKA_INTERNAL_PORT,
      hostPort: props?.hostPort,
      defaultImage: DefaultImages.kafka,
      defaultMemoryMb: 1024,
      minMemoryMb: KAFKA_MIN_MEMORY_MB,
      memoryFix: `give Kafka at least ${KAFKA_MIN_MEMORY_MB} MiB: the heap is half the limit and needs 256 MiB, the JVM's other memory ~200 MiB`,
    });
    validateKafkaProps(this, props);
    this.props = props;
    this.autoCreateTopics = props.autoCreateTopics === true;

    this.replicationFactor = Math.min(3, this.nodeCount);
    this.dataVolumes = this.nodes.map((node) => this.addDataVolume(node));
    this.dataVolume = this.dataVolumes[0];
    // The same on every synth, and for every node: storage formatted for another id refuses to start.
    this.clusterId = props.clusterId ?? deriveClusterId(`kafka-cluster:${this.brokerName}-data`);

    const heapMb = Math.floor(this.memoryMb / 2);
    const containers = this.nodes.map((node) => {
      const env: Record<string, string> = {
        CLUSTER_ID: this.clusterId,
        // Read by kafka-server-start.sh; the image's wrapper does not turn it into a property.
        KAFKA_HEAP_OPTS: `-Xmx${heapMb}m -Xms${heapMb}m`,
      };
      for (const [key, value] of Object.entries({ ...this.serverProperties(node), ...this.userServerProperties() })) {
        env[kafkaEnvName(key)] = String(value);
      }
      const ports: PublishedPort[] = [];
      if (props.hostPort !== undefined) ports.push({ containerPort: KAFKA_HOST_LISTENER_PORT, hostPort: node.hostPort(props.hostPort) });
      return this.addNode(node, {
        component: "kafka-broker",
        env,
        ports,
        volumes: [{ volumeName: this.dataVolumes[node.index - 1].volumeName, containerPath: KAFKA_DATA_DIR }],
        healthCheck: HealthCheck.exec(["bash", "-c", apiVersionsProbe(KAFKA_INTERNAL_PORT)], {
          intervalSeconds: 3,
          timeoutSeconds: 10,
          retries: 40, // unhealthy after 2 min of failures, as before
          startPeriodSeconds: 30,
        }),
        // The cluster can lose a node only while no partition (internal topics
        // included) is missing a replica from its ISR.
        rollingCheck: `out=$(${TOOL_JVM_ENV} ${KAFKA_BIN}/kafka-topics.sh --bootstrap-server localhost:${KAFKA_INTERNAL_PORT} --describe --under-replicated-partitions) && [ -z "$out" ]`,
      });
    });
    this.container = containers[0];

    if (this.hostEndpoint) {
      this.addOutput("bootstrap-servers", "bootstrap_servers", this.hostEndpoints.map((e) => e.address).join(","), {
        description: `Kafka bootstrap servers of broker ${this.brokerName} from the Docker host`,
      });
    }
  }

  /** Replicas that must acknowledge an acks=all write: 2 with 3 or more nodes, else 1. */
  public get minInsyncReplicas(): number {
    return this.nodeCount >= 3 ? 2 : 1;
  }

  /** Nodes in the cluster. */
  public get nodeCount(): number {
    return this.nodes.length;
  }

  /** `host:port` of every node for containers on the network. */
  public get bootstrapServers(): string {
    return this.endpoints.map((e) => e.address).join(",");
  }

  /** The one-shot container creating the topics, once a topic is declared. */
  public get topicsJob(): Container | undefined {
    return this.topicsContainer;
  }

  /** The declared topics' names. */
  public get topicNames(): string[] {
    return this.topics.map((t) => t.name);
  }

  /** Broker containers, then the topics job (created with `attach`: it exists once done). */
  public startDependencies(): ITerraformDependable[] {
    return this.topicsContainer ? [...super.startDependencies(), this.topicsContainer] : super.startDependencies();
  }

  /** Declares a topic, created after the broker is healthy, and returns its handle. */
  public addTopic(name: string, given: KafkaTopicOptions = {}): KafkaTopic {
    const options = optionsObject(this, `topic "${name}" options`, given);
    const tiered = String(this.userServerProperties()["remote.log.storage.system.enable"]).toLowerCase() === "true";
    const valid = validateTopic(this, name, options, this.topicNames, {
      nodeCount: this.nodeCount,
      replicationFactor: this.replicationFactor,
      minInsyncReplicas: this.minInsyncReplicas,
      remoteLogStorageSystemEnabled: tiered,
    });
    const partitions = typeof options.partitions === "number" && options.partitions >= 1 ? options.partitions : 1;
    const replicationFactor = typeof options.replicationFactor === "number" ? options.replicationFactor : this.replicationFactor;
    if (valid) {
      const configs: Record<string, string> = {};
      for (const [key, value] of Object.entries(options.configs ?? {})) configs[key] = String(value);
      this.topics.push({ name, partitions, replicationFactor, configs });
      if (!this.topicsContainer) this.topicsContainer = this.declareTopicsJob();
    }
    return new KafkaTopic(this, name, partitions, replicationFactor);
  }

  /** @internal used by KafkaTopic.grantProduce */
  public wireProducer(app: IBrokerClient, topic: string): void {
    const role = `producer to topic "${topic}"`;
    if (!this.wire(app, role, { [KafkaConnectionEnv.KAFKA_BOOTSTRAP_SERVERS]: this.bootstrapServers, [KafkaConnectionEnv.KAFKA_TOPIC]: topic })) return;
    deferCheck(this, () => [...this.topicFindings(role, app, topic), ...this.messageSizeFindings(role, app, topic)], captureUserLocation());
  }

  /** @internal used by KafkaTopic.grantConsume */
  public wireConsumer(app: IBrokerClient, topic: string, options: KafkaConsumeOptions): void {
    const role = `consumer of topic "${topic}"`;
    if (options === undefined || !checkKnownKeys(this, `${role}: options`, options, CONSUME_OPTIONS)) {
      if (options === undefined) report(this, `${role}: options are required`, options, 'pass { groupId: "my-group" }');
      return;
    }
    if (options.groupId === undefined || !checkString(this, `${role}: groupId`, options.groupId)) {
      if (options.groupId === undefined) report(this, `${role}: groupId is required`, options, 'pass { groupId: "my-group" }');
      return;
    }
    const env = {
      [KafkaConnectionEnv.KAFKA_BOOTSTRAP_SERVERS]: this.bootstrapServers,
      [KafkaConnectionEnv.KAFKA_TOPIC]: topic,
      [KafkaConnectionEnv.KAFKA_GROUP_ID]: options.groupId,
    };
    if (!this.wire(app, role, env)) return;
    deferCheck(this, () => this.topicFindings(role, app, topic), captureUserLocation());
  }

  private topicFindings(role: string, app: IBrokerClient, topic: string): Finding[] {
    if (this.autoCreateTopics || this.topicNames.includes(topic)) return [];
    return [{ problem: `${role} (${app.node.path}): the topic is not declared on this broker`, received: topic, fix: undeclaredTopicFix(topic, this.topicNames) }];
  }

  /** A producer's messages must fit the broker's and the topic's size limit. */
  private messageSizeFindings(role: string, app: IBrokerClient, topic: string): Finding[] {
    const raw = app.settingValue(AppEnv.MESSAGE_SIZE_BYTES);
    const size = raw === undefined ? (APP_SETTINGS.MESSAGE_SIZE_BYTES as IntegerSetting).default : Number(raw);
    if (!Number.isFinite(size)) return [];
    // A topic's max.message.bytes replaces the broker's message.max.bytes for that topic.
    const brokerLimit = Number(this.userServerProperties()["message.max.bytes"] ?? KAFKA_DEFAULT_MESSAGE_MAX_BYTES);
    const limit = Number(this.topics.find((t) => t.name === topic)?.configs["max.message.bytes"] ?? brokerLimit);
    if (!Number.isFinite(limit)) return [];
    if (size + APP_MESSAGE_OVERHEAD_BYTES <= limit) return [];
    return [
      {
        problem: `${role} (${app.node.path}): ${AppEnv.MESSAGE_SIZE_BYTES} plus the message envelope (~${APP_MESSAGE_OVERHEAD_BYTES} bytes) exceeds the ${limit}-byte message limit, so Kafka would refuse every record`,
        received: size,
        fix: `use ${AppEnv.MESSAGE_SIZE_BYTES} <= ${limit - APP_MESSAGE_OVERHEAD_BYTES}, or raise the topic's "max.message.bytes" config`,
      },
    ];
  }

  private userServerProperties(): Record<string, string | number | boolean> {
    const given = this.props.serverProperties;
    return given && typeof given === "object" && !Array.isArray(given) ? given : {};
  }

  /**
   * One node's properties: KRaft combined mode with every node a voter,
   * an INTERNAL listener advertised under the node's own name and a HOST
   * listener advertised as 127.0.0.1:<its port>; replication sized for the
   * cluster (min(3, nodes) copies, 2 in sync with 3 or more nodes, no
   * unclean leader election), so one node can fail without losing an acknowledged record.
   */
  private serverProperties(node: BrokerNode): Record<string, string | number | boolean> {
    const listeners = [`INTERNAL://:${KAFKA_INTERNAL_PORT}`, `CONTROLLER://:${KAFKA_CONTROLLER_PORT}`];
    const advertised = [`INTERNAL://${node.endpoint.address}`];
    const protocols = ["INTERNAL:PLAINTEXT", "CONTROLLER:PLAINTEXT"];
    if (node.hostEndpoint) {
      listeners.push(`HOST://:${KAFKA_HOST_LISTENER_PORT}`);
      advertised.push(`HOST://${node.hostEndpoint.address}`);
      protocols.push("HOST:PLAINTEXT");
    }
    const rf = this.replicationFactor;
    const minInsync = this.minInsyncReplicas;
    return {
      "node.id": node.index,
      "process.roles": "broker,controller",
      "controller.quorum.voters": this.nodes.map((n) => `${n.index}@${n.name}:${KAFKA_CONTROLLER_PORT}`).join(","),
      "controller.listener.names": "CONTROLLER",
      listeners: listeners.join(","),
      "advertised.listeners": advertised.join(","),
      "listener.security.protocol.map": protocols.join(","),
      "inter.broker.listener.name": "INTERNAL",
      "log.dirs": KAFKA_DATA_DIR,
      "num.partitions": this.props.defaultPartitions ?? 1,
      "auto.create.topics.enable": this.autoCreateTopics,
      // Internal topics sized for the node count: with 3 on one node,
      // consumer groups hang without an error.
      "offsets.topic.replication.factor": rf,
      "transaction.state.log.replication.factor": rf,
      "transaction.state.log.min.isr": minInsync,
      "default.replication.factor": rf,
      "min.insync.replicas": minInsync,
      // Kafka's default, said out loud for clusters: a replica that missed acknowledged records never becomes leader.
      ...(this.nodeCount > 1 ? { "unclean.leader.election.enable": false } : {}),
      "group.initial.rebalance.delay.ms": 0,
      ...(this.nodeCount > 1 ? CLUSTER_FAILURE_DETECTION : {}),
    };
  }

  private declareTopicsJob(): Container {
    const job = declareContainer(this, "topics", {
      name: `${this.brokerName}-topics`,
      image: this.image,
      component: "kafka-topics",
      networks: [{ network: this.network }],
      env: { KAFKA_HEAP_OPTS: TOOL_HEAP_OPTS, KAFKA_JVM_PERFORMANCE_OPTS: TOOL_JVM_OPTS },
      entrypoint: ["/bin/sh", "-c"],
      // Rendered at synth: topics declared after the job exists are in it.
      command: () => [escapeTemplate(this.topicsScript())],
      memoryMb: 256,
      restart: "no",
      destroyGraceSeconds: 0,
      // A one-shot job: it exits when done. must_run = false keeps the exited
      // container (and no error); attach = true makes create wait for the exit,
      // so apps that depend on it start once the topics exist.
      mustRun: false,
      attach: true,
      dependsOn: [...this.containers],
    });
    // The job's exit code becomes a deploy error instead of a silent failure.
    job.addOverride("lifecycle.postcondition", [
      {
        condition: "${self.exit_code == 0}",
        error_message: `Creating the Kafka topics of ${this.brokerName} failed: see \`docker logs ${this.brokerName}-topics\`.`,
      },
    ]);
    return job;
  }

  private topicsScript(): string {
    const bootstrap = `--bootstrap-server ${this.bootstrapServers}`;
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

/** A KRaft cluster id (16 bytes, base64url, 22 characters) derived from `seed`. */
export function deriveClusterId(seed: string): string {
  return createHash("sha256").update(seed).digest().subarray(0, 16).toString("base64url");
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
