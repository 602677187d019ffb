import { createHash } from "crypto";
import { Fn, type TerraformVariable } from "../../private/framework";
import type { Construct } from "constructs";
import type { Finding } from "../../errors/finding";
import { deferCheck, report } from "../../errors/problems";
import { captureUserLocation } from "../../errors/source-location";
import { DefaultImages } from "../../images/default-images";
import type { Container } from "../../private/bindings";
import type { PublishedPort } from "../../private/container-spec";
import { swarmOf } from "../../provider/swarm-target";
import { escapeTemplate } from "../../private/terraform-text";
import { checkKnownKeys, checkString, optionsObject, printable } from "../../private/validation";
import { Network } from "../../networking/network";
import type { DataVolume } from "../../storage/data-volume";
import type { BrokerKindTopology } from "../../topology/topology-description";
import { AppGrants } from "../app-grants";
import type { IBrokerClient } from "../broker";
import { BROKER_BASE_PROPS, BrokerBase, checkSecretToken, firstContainer, type BrokerBaseProps, type BrokerNode } from "../broker-base";
import type { SetupJobUser } from "../broker-setup-job";
import { messageSizeFindings } from "../message-size";
import { KAFKA_ADMIN_USER, KAFKA_BROKER_PRINCIPAL, KAFKA_DATA_DIR, KAFKA_HOST_LISTENER_PORT, KAFKA_INTERNAL_PORT } from "./kafka-constants";
import { kafkaAlertRules } from "./kafka-alert-rules";
import { KafkaConnectionEnv } from "./kafka-env";
import { grantOf, type AppGrant } from "./kafka-grants";
import { KAFKA_METRICS_PORT, KafkaMetricNames } from "./kafka-metrics";
import { kafkaMetricsStart, kafkaNodeEnvironment, kafkaServerProperties, replicationHost } from "./kafka-node-config";
import { kafkaNodeHealthCheck, kafkaRollingCheck } from "./kafka-node-health";
import { kafkaSetupEnvironment, kafkaSetupScript } from "./kafka-setup-script";

import { KafkaTopic, type KafkaConsumeOptions } from "./kafka-topic";
import { kafkaTopologyEntities } from "./kafka-topology-entities";
import { KAFKA_MIN_MEMORY_MB, undeclaredTopicFix, validateKafkaProps, validateTopic } from "./validate-kafka";

/**
 * The admin password goes through kafka-configs.sh's `SCRAM-SHA-512=[password=...]`
 * list syntax, which splits on ',' and '=' and brackets: no such characters,
 * no quotes, backslashes or spaces. Also free of `$`, `{` and `}`.
 */
const ADMIN_PASSWORD_CHARSET = { pattern: "^[A-Za-z0-9!#%&()*+./:;<>?@^_|~-]+$", description: "letters, digits and !#%&()*+./:;<>?@^_|~-" };
/** Kafka's default `message.max.bytes` (1 MiB + record batch overhead), kafka ServerLogConfigs. */
export const KAFKA_DEFAULT_MESSAGE_MAX_BYTES = 1048588;

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
  /**
   * The password of the `admin` user (SCRAM-SHA-512, a super user) that
   * operators connect as, e.g. with kafka-topics.sh or kcat from the host.
   * A Token, never a literal.
   * @default - a sensitive TerraformVariable `<name>_admin_password` with no
   * default (at least 12 characters; letters, digits and `!#%&()*+./:;<>?@^_|~-`):
   * set `TF_VAR_<name>_admin_password`
   */
  readonly adminPassword?: string;
}

const KAFKA_PROPS: Record<keyof KafkaBrokerProps, true> = {
  ...BROKER_BASE_PROPS,
  hostPort: true,
  defaultPartitions: true,
  autoCreateTopics: true,
  clusterId: true,
  serverProperties: true,
  adminPassword: true,
};
const CONSUME_OPTIONS: Record<keyof KafkaConsumeOptions, true> = { groupId: true };

/** Options of {@link KafkaBroker.addTopic}. */
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

export interface TopicDecl {
  name: string;
  partitions: number;
  replicationFactor: number;
  configs: Record<string, string>;
}

/**
 * Kafka in KRaft combined mode (every node broker + controller).
 *
 * - no anonymous access: the listeners apps and the host reach, INTERNAL
 *   `<node>:9092` and HOST `127.0.0.1:<hostPort>` (when hostPort is given),
 *   take SASL SCRAM-SHA-512 only; the CONTROLLER (9093) and REPLICATION
 *   (9095) listeners bind to the broker's own network `<name>-replication`,
 *   which only its nodes and its set-up job join, and take SASL PLAIN as the
 *   `broker` principal;
 * - least privilege: StandardAuthorizer with no access without an ACL; each
 *   wired app gets its own SCRAM user (its name) with a password derived
 *   from the credentials key, and ACLs for its role only (a producer writes
 *   its topic; a consumer reads its topic and its group); `admin` (password
 *   from a sensitive variable) and `broker` are the super users;
 * - all properties as KAFKA_* variables (the image then uses only those);
 * - internal topics with replication factor 1 (right for one node);
 * - log.dirs on a named volume, with a cluster id stable across synths;
 * - healthcheck: an ApiVersions request answered (apiVersionsProbe), deploy waits until healthy;
 * - a one-shot set-up job, run after the nodes are healthy and before any
 *   wired app starts: creates the topics (`kafka-topics.sh --create
 *   --if-not-exists`; partition counts of existing topics are not changed,
 *   configs are re-applied), the SCRAM users and the ACLs. A change of
 *   topics or grants replaces only the job, never a broker node.
 *
 * Apps are wired through the handles: `broker.addTopic("events").grantProduce(app)`,
 * `topic.grantConsume(app, { groupId })`.
 */
export class KafkaBroker extends BrokerBase {
  /** The KRaft cluster id the nodes' storage is formatted with. */
  public readonly clusterId: string;
  /**
   * The first node's docker_container (also `node.defaultChild`); `containers` has every node's.
   * On a Swarm the nodes are services (`services`), and reading this throws.
   */
  public get container(): Container {
    return firstContainer(this);
  }
  /** The first node's data volume; `dataVolumes` has every node's. */
  public readonly dataVolume: DataVolume;
  /** Every node's data volume, in node order. */
  public readonly dataVolumes: readonly DataVolume[];
  /** Copies of each partition by default, and of the internal topics: min(3, nodes). */
  public readonly replicationFactor: number;
  /** The network only the nodes and the set-up job join: the CONTROLLER and REPLICATION listeners live there. */
  public readonly replicationNetwork: Network;
  /** The variable holding the admin password, when the construct declared it. */
  public readonly adminPasswordVariable?: TerraformVariable;
  /**
   * With more than one node: the sensitive variable `<name>_cluster_secret`
   * the nodes' inter-broker password derives from (set
   * `TF_VAR_<name>_cluster_secret`). Apart from the credentials key, so that
   * rotating the apps' passwords restarts no node: a node with a new
   * inter-broker password cannot talk to one with the old, so a change of
   * this secret restarts every node at once.
   */
  public readonly clusterSecretVariable?: TerraformVariable;
  private readonly setupContainer: Container;
  private readonly autoCreateTopics: boolean;
  private readonly topics: TopicDecl[] = [];
  private readonly grants = new AppGrants<AppGrant>(() => ({ writeTopics: new Set(), readTopics: new Set(), groups: new Set() }));
  private readonly props: KafkaBrokerProps;
  private readonly adminPassword: string;

  constructor(scope: Construct, id: string, props: KafkaBrokerProps) {
    super(scope, id, props, {
      kind: "kafka",
      title: "Kafka",
      portNames: { [KAFKA_HOST_LISTENER_PORT]: "Kafka" },
      connectionVariables: Object.values(KafkaConnectionEnv),
      propsName: "KafkaBrokerProps",
      knownProps: KAFKA_PROPS,
      internalPort: KAFKA_INTERNAL_PORT,
      processUser: { uid: 1000, gid: 1000 }, // appuser of the apache/kafka image (and of ours)
      hostPort: props?.hostPort,
      publishedHostPorts: { hostPort: props?.hostPort },
      metrics: {
        port: KAFKA_METRICS_PORT,
        endpoints: [{ job: "kafka", path: "/metrics" }],
        // The exporter's rules name every Kafka series; the agent adds the JVM's and its own.
        served: { names: Object.values(KafkaMetricNames), prefixes: ["jvm_", "process_", "jmx_"] },
        alertRules: kafkaAlertRules,
      },
      defaultImage: DefaultImages.kafka,
      defaultMemoryMb: 1024,
      minMemoryMb: KAFKA_MIN_MEMORY_MB,
      memoryFix: `give Kafka at least ${KAFKA_MIN_MEMORY_MB} MiB: the heap is half the limit and needs 256 MiB, the JVM's other memory ~200 MiB`,
    });
    validateKafkaProps(this, props);
    checkSecretToken(this, "adminPassword", props.adminPassword, "kafka_admin_password");
    this.props = props;
    this.autoCreateTopics = props.autoCreateTopics === true;

    this.replicationFactor = Math.min(3, this.nodeCount);
    this.dataVolumes = this.nodes.map((node) => this.addDataVolume(node));
    this.dataVolume = this.dataVolumes[0];
    // The same on every synth, and for every node: storage formatted for another id refuses to start.
    this.clusterId = props.clusterId ?? deriveClusterId(`kafka-cluster:${this.brokerName}-data`);

    // A literal (reported above) gets the variable, as if none were given.
    const admin = this.adminPasswordFrom(
      props.adminPassword,
      `Password of the Kafka super user "${KAFKA_ADMIN_USER}" (SCRAM-SHA-512) of broker ${this.brokerName}`,
      { keepLiteral: false, charset: ADMIN_PASSWORD_CHARSET },
    );
    this.adminPassword = admin.password;
    this.adminPasswordVariable = admin.variable;
    this.clusterSecretVariable = this.addClusterSecretVariable(
      "cluster-secret",
      "cluster_secret",
      `Secret the nodes of Kafka cluster ${this.brokerName} authenticate each other with (their inter-broker password derives from it)`,
      24,
    );
    // Internal: no route out, and nothing but this broker's nodes and its job on it.
    this.replicationNetwork = new Network(this, "replication", { name: `${this.brokerName}-replication`, internal: true });

    const heapMb = Math.floor(this.memoryMb / 2);
    const containers = this.nodes.map((node) => {
      const env = kafkaNodeEnvironment(this.clusterId, heapMb, { ...this.serverProperties(node), ...this.userServerProperties() });
      const ports: PublishedPort[] = [];
      if (props.hostPort !== undefined) ports.push({ containerPort: KAFKA_HOST_LISTENER_PORT, hostPort: node.hostPort(props.hostPort) });
      return this.addNode(node, {
        component: "kafka-broker",
        env,
        ports,
        ...(this.metricsEnabled ? kafkaMetricsStart() : {}),
        volumes: [{ volumeName: this.dataVolumes[node.index - 1].volumeName, containerPath: KAFKA_DATA_DIR }],
        extraNetworks: [{ network: this.replicationNetwork, aliases: [replicationHost(node)] }],
        // The REPLICATION listener: it takes ApiVersions before authentication
        // (as every SASL listener does) and stays plaintext when tls is on.
        startCommand: ["/etc/kafka/docker/run"],
        // No health check on a Swarm (see kafkaNodeHealthCheck).
        healthCheck: kafkaNodeHealthCheck(node),
        rollingCheck: kafkaRollingCheck(node),
      });
    });
    void containers;
    this.setupContainer = this.declareSetupJob();

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

  /** The one-shot container that creates the topics, the SCRAM users and the ACLs. */
  public get setupJob(): Container {
    return this.setupContainer;
  }

  /** The declared topics' names. */
  public get topicNames(): string[] {
    return this.topics.map((t) => t.name);
  }

  /** @internal The declared topics: name, partitions, replication factor and configs (read by describeTopology). */
  public get topicList(): readonly Readonly<TopicDecl>[] {
    return this.topics;
  }

  /** The topics, for the topology description and picture. */
  protected topologyEntities(): Pick<BrokerKindTopology, "entities" | "links"> {
    return kafkaTopologyEntities(this.topics);
  }

  /** Declares a topic, created after the broker is healthy, and returns its handle. */
  public addTopic(name: string, given: KafkaTopicOptions = {}): KafkaTopic {
    name = printable(name);
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
    }
    return new KafkaTopic(this, name, partitions, replicationFactor);
  }

  /** @internal used by KafkaTopic.grantProduce */
  public wireProducer(app: IBrokerClient, topic: string): void {
    topic = printable(topic);
    const role = `producer to topic "${topic}"`;
    if (
      !this.wire(app, role, () => ({ ...this.connectionEnv(app), [KafkaConnectionEnv.KAFKA_TOPIC]: topic }), this.appTls()?.volumes, {
        direction: "publish",
        entityKind: "topic",
        entityName: topic,
        attributes: { topic },
      })
    )
      return;
    grantOf(this, this.grants, app, role)?.writeTopics.add(topic);
    deferCheck(
      this,
      () => [...this.topicFindings(role, app, topic), ...this.topicMessageSizeFindings(role, app, topic)],
      captureUserLocation(),
    );
  }

  /** @internal used by KafkaTopic.grantConsume */
  public wireConsumer(app: IBrokerClient, topic: string, options: KafkaConsumeOptions): void {
    topic = printable(topic);
    const role = `consumer of topic "${topic}"`;
    if (options === undefined || !checkKnownKeys(this, `${role}: options`, options, CONSUME_OPTIONS)) {
      if (options === undefined) report(this, `${role}: options are required`, options, 'pass { groupId: "my-group" }');
      return;
    }
    if (options.groupId === undefined || !checkString(this, `${role}: groupId`, options.groupId)) {
      if (options.groupId === undefined) report(this, `${role}: groupId is required`, options, 'pass { groupId: "my-group" }');
      return;
    }
    const env = () => ({
      ...this.connectionEnv(app),
      [KafkaConnectionEnv.KAFKA_TOPIC]: topic,
      [KafkaConnectionEnv.KAFKA_GROUP_ID]: options.groupId,
    });
    if (
      !this.wire(app, role, env, this.appTls()?.volumes, {
        direction: "consume",
        entityKind: "topic",
        entityName: topic,
        groupId: options.groupId,
        attributes: { topic, groupId: options.groupId },
      })
    )
      return;
    const grant = grantOf(this, this.grants, app, role);
    grant?.readTopics.add(topic);
    grant?.groups.add(options.groupId);
    deferCheck(this, () => this.topicFindings(role, app, topic), captureUserLocation());
  }

  /** The bootstrap servers, the app's own SCRAM user and, with tls, the CA it verifies the nodes against. */
  private connectionEnv(app: IBrokerClient): Record<string, string> {
    const tls = this.appTls();
    return {
      ...(tls ? { [KafkaConnectionEnv.KAFKA_TLS_CA_FILE]: tls.caFile } : {}),
      [KafkaConnectionEnv.KAFKA_BOOTSTRAP_SERVERS]: this.bootstrapServers,
      [KafkaConnectionEnv.KAFKA_SASL_USERNAME]: app.appName,
      [KafkaConnectionEnv.KAFKA_SASL_PASSWORD]: this.derivedPassword(app.appName),
    };
  }

  private topicFindings(role: string, app: IBrokerClient, topic: string): Finding[] {
    if (this.autoCreateTopics || this.topicNames.includes(topic)) return [];
    return [
      {
        problem: `${role} (${app.node.path}): the topic is not declared on this broker`,
        received: topic,
        fix: undeclaredTopicFix(topic, this.topicNames),
      },
    ];
  }

  /** A producer's messages must fit the broker's and the topic's size limit. */
  private topicMessageSizeFindings(role: string, app: IBrokerClient, topic: string): Finding[] {
    // A topic's max.message.bytes replaces the broker's message.max.bytes for that topic.
    const brokerLimit = Number(this.userServerProperties()["message.max.bytes"] ?? KAFKA_DEFAULT_MESSAGE_MAX_BYTES);
    const limit = Number(this.topics.find((t) => t.name === topic)?.configs["max.message.bytes"] ?? brokerLimit);
    return messageSizeFindings(role, app, {
      bytes: limit,
      name: `the ${limit}-byte message limit`,
      consequence: "Kafka would refuse every record",
      fixSuffix: `, or raise the topic's "max.message.bytes" config`,
    });
  }

  private userServerProperties(): Record<string, string | number | boolean> {
    const given = this.props.serverProperties;
    return given && typeof given === "object" && !Array.isArray(given) ? given : {};
  }

  /** One node's properties (kafkaServerProperties), from the broker's settings. */
  private serverProperties(node: BrokerNode): Record<string, string | number | boolean> {
    return kafkaServerProperties(node, {
      nodes: this.nodes,
      tls: this.tls,
      brokerPassword: this.brokerPassword,
      replicationFactor: this.replicationFactor,
      minInsyncReplicas: this.minInsyncReplicas,
      defaultPartitions: this.props.defaultPartitions,
      autoCreateTopics: this.autoCreateTopics,
    });
  }

  /**
   * The one-shot set-up job: on the replication network only, as the broker
   * principal. Its script and environment are rendered at synth, so topics
   * and grants declared after it exist are in it; a change to either
   * replaces the job (and re-runs it), never a broker node.
   */
  private declareSetupJob(): Container {
    // Apps that depend on it start once the topics, users and ACLs exist.
    return this.addSetupJob({
      task: `Setting up the Kafka topics, users and ACLs of ${this.brokerName}`,
      image: this.image,
      component: "kafka-setup",
      networks: [{ network: this.replicationNetwork }],
      env: () => kafkaSetupEnvironment(this.brokerPassword, this.grants, this.setupUsers()),
      entrypoint: ["/bin/sh", "-c"],
      command: () => [
        escapeTemplate(
          kafkaSetupScript({
            nodes: this.nodes,
            topics: this.topics,
            users: this.setupUsers(),
            grants: this.grants,
            onSwarm: swarmOf(this) !== undefined,
          }),
        ),
      ],
      // Up to SETUP_PARALLELISM tool JVMs at once, ~150 MiB each.
      memoryMb: 512,
    });
  }

  /**
   * The password the nodes (and the set-up job) authenticate to each other
   * with, as the broker principal: in a cluster derived from the cluster
   * secret, so that a new credentials key changes the apps' passwords only
   * and restarts no node (nodes with two passwords could not form a cluster,
   * so they could not take the change one at a time); a single node's from
   * the credentials key, as every generated password.
   */
  private get brokerPassword(): string {
    if (this.clusterSecretVariable === undefined) return this.derivedPassword(KAFKA_BROKER_PRINCIPAL);
    return Fn.sha256(`${this.clusterSecretVariable.stringValue}/${escapeTemplate(this.brokerName)}/${KAFKA_BROKER_PRINCIPAL}`);
  }

  /** The users the job creates, in order: admin, then each wired app by name. */
  private setupUsers(): SetupJobUser[] {
    return [{ user: KAFKA_ADMIN_USER, passwordEnv: "ADMIN_PASSWORD", password: this.adminPassword }, ...this.appUsers(this.grants.keys())];
  }
}

/** A KRaft cluster id (16 bytes, base64url, 22 characters) derived from `seed`. */
export function deriveClusterId(seed: string): string {
  return createHash("sha256").update(seed).digest().subarray(0, 16).toString("base64url");
}
