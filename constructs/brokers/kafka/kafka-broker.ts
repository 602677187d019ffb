import { createHash } from "crypto";
import { Fn, type ITerraformDependable, type TerraformVariable } from "cdktf";
import type { Construct } from "constructs";
import { HealthCheck } from "../../apps/health-check";
import { AppEnv, APP_MESSAGE_OVERHEAD_BYTES, APP_SETTINGS, type IntegerSetting } from "../../apps/app-settings";
import type { Finding } from "../../errors/finding";
import { deferCheck, report } from "../../errors/problems";
import { captureUserLocation } from "../../errors/source-location";
import { DefaultImages } from "../../images/default-images";
import type { Container } from "../../private/bindings";
import type { PublishedPort } from "../../private/container-spec";
import { declareOneShotJob } from "../../private/one-shot-job";
import { swarmOf } from "../../provider/swarm-target";
import { escapeTemplate } from "../../private/terraform-text";
import { checkKnownKeys, checkString, isToken, optionsObject, printable } from "../../private/validation";
import { Network } from "../../networking/network";
import type { DataVolume } from "../../storage/data-volume";
import type { IBrokerClient } from "../broker";
import { BROKER_BASE_PROPS, BrokerBase, checkSecretToken, firstContainer, type BrokerBaseProps, type BrokerNode } from "../broker-base";
import { KafkaConnectionEnv, kafkaEnvName } from "./kafka-env";
import {
  KAFKA_JMX_EXPORTER_CONFIG,
  KAFKA_JMX_EXPORTER_JAR,
  kafkaJmxAgentOption,
  KAFKA_METRICS_PORT,
  KafkaMetricNames,
} from "./kafka-metrics";

export { kafkaEnvName } from "./kafka-env";
import { KafkaTopic, type KafkaConsumeOptions } from "./kafka-topic";
import { KAFKA_MIN_MEMORY_MB, undeclaredTopicFix, validateKafkaProps, validateTopic } from "./validate-kafka";

/** The listener apps on the broker's network connect to. */
export const KAFKA_INTERNAL_PORT = 9092;
export const KAFKA_CONTROLLER_PORT = 9093;
/** Container port of the REPLICATION listener: inter-broker traffic and the set-up job, on the broker's own network only. */
export const KAFKA_REPLICATION_PORT = 9095;
/** The principal the nodes authenticate as to each other (SASL PLAIN, on the replication network only); a super user. */
export const KAFKA_BROKER_PRINCIPAL = "broker";
/** The operators' SCRAM-SHA-512 user (password: the admin password); a super user. */
export const KAFKA_ADMIN_USER = "admin";
/** The SASL mechanism of every listener apps and the host reach. */
export const KAFKA_APP_SASL_MECHANISM = "SCRAM-SHA-512";
/**
 * The admin password goes through kafka-configs.sh's `SCRAM-SHA-512=[password=...]`
 * list syntax, which splits on ',' and '=' and brackets: no such characters,
 * no quotes, backslashes or spaces. Also free of `$`, `{` and `}`.
 */
const ADMIN_PASSWORD_CHARSET = { pattern: "^[A-Za-z0-9!#%&()*+./:;<>?@^_|~-]+$", description: "letters, digits and !#%&()*+./:;<>?@^_|~-" };
/** Container port of the HOST listener (published on the host's hostPort). */
export const KAFKA_HOST_LISTENER_PORT = 9094;
export const KAFKA_DATA_DIR = "/var/lib/kafka/data";
/** Kafka's default `message.max.bytes` (1 MiB + record batch overhead), kafka ServerLogConfigs. */
export const KAFKA_DEFAULT_MESSAGE_MAX_BYTES = 1048588;
const KAFKA_BIN = "/opt/kafka/bin";
/** JVM settings of the Kafka command-line tools run by the healthcheck and the topics job. */
const TOOL_HEAP_OPTS = "-Xmx96m";
const TOOL_JVM_OPTS = "-XX:+UseSerialGC -XX:TieredStopAtLevel=1";
/** Where the nodes get the JMX exporter's rules (uploaded; the agent jar is in the image). */
const KAFKA_JMX_EXPORTER_CONFIG_FILE = "/etc/kafka/jmx-exporter.yaml";
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
function apiVersionsProbe(host: string, port: number): string {
  return (
    `exec 3<>/dev/tcp/${host}/${port} && printf '\\0\\0\\0\\12\\0\\22\\0\\0\\0\\0\\0\\1\\377\\377' >&3 && ` +
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

/** What one app's user may do: its ACLs (StandardAuthorizer), by resource. */
interface AppGrant {
  /** Topics it writes (Write implies Describe; since Kafka 3.0 it also allows the idempotent producer's InitProducerId). */
  readonly writeTopics: Set<string>;
  /** Topics it reads (Read implies Describe). */
  readonly readTopics: Set<string>;
  /** Consumer groups it joins and commits offsets in. */
  readonly groups: Set<string>;
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
  private readonly grants = new Map<string, AppGrant>();
  private readonly props: KafkaBrokerProps;
  private readonly adminPassword: string;

  constructor(scope: Construct, id: string, props: KafkaBrokerProps) {
    super(scope, id, props, {
      kind: "kafka",
      propsName: "KafkaBrokerProps",
      knownProps: KAFKA_PROPS,
      internalPort: KAFKA_INTERNAL_PORT,
      processUser: { uid: 1000, gid: 1000 }, // appuser of the apache/kafka image (and of ours)
      hostPort: props?.hostPort,
      metrics: {
        port: KAFKA_METRICS_PORT,
        endpoints: [{ job: "kafka", path: "/metrics" }],
        // The exporter's rules name every Kafka series; the agent adds the JVM's and its own.
        served: { names: Object.values(KafkaMetricNames), prefixes: ["jvm_", "process_", "jmx_"] },
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

    if (props.adminPassword !== undefined && isToken(props.adminPassword)) {
      this.adminPassword = props.adminPassword;
    } else {
      this.adminPasswordVariable = this.addSecretVariable(
        "admin-password",
        "admin_password",
        `Password of the Kafka super user "${KAFKA_ADMIN_USER}" (SCRAM-SHA-512) of broker ${this.brokerName}`,
        12,
        ADMIN_PASSWORD_CHARSET,
      );
      this.adminPassword = this.adminPasswordVariable.stringValue;
    }
    if (this.nodeCount > 1) {
      this.clusterSecretVariable = this.addSecretVariable(
        "cluster-secret",
        "cluster_secret",
        `Secret the nodes of Kafka cluster ${this.brokerName} authenticate each other with (their inter-broker password derives from it)`,
        24,
      );
    }
    // Internal: no route out, and nothing but this broker's nodes and its job on it.
    this.replicationNetwork = new Network(this, "replication", { name: `${this.brokerName}-replication`, internal: true });

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
        ...(this.metricsEnabled
          ? {
              uploads: [{ file: KAFKA_JMX_EXPORTER_CONFIG_FILE, content: escapeTemplate(KAFKA_JMX_EXPORTER_CONFIG) }],
              // The exporter agent in the server's JVM only: set as KAFKA_OPTS for the
              // start chain, not in the container's environment, where every
              // `docker exec` Kafka tool (the rolling check, an operator's
              // kafka-topics.sh) would start a second agent on the same port and die.
              // An image without the agent (the official one has none) stops with one line saying so, not a JVM trace.
              command: [
                "/bin/bash",
                "-c",
                `if [ ! -f ${KAFKA_JMX_EXPORTER_JAR} ]; then echo "cdktf-docker-messaging: metrics are on but this image has no Prometheus JMX exporter agent at ${KAFKA_JMX_EXPORTER_JAR}: add it (see toolchain/images/kafka) or set metrics: { enabled: false }" >&2; exit 1; fi && ` +
                  `export KAFKA_OPTS="$KAFKA_OPTS ${kafkaJmxAgentOption(KAFKA_JMX_EXPORTER_CONFIG_FILE)}" && exec /etc/kafka/docker/run`,
              ],
            }
          : {}),
        volumes: [{ volumeName: this.dataVolumes[node.index - 1].volumeName, containerPath: KAFKA_DATA_DIR }],
        extraNetworks: [{ network: this.replicationNetwork, aliases: [replicationHost(node)] }],
        // The REPLICATION listener: it takes ApiVersions before authentication
        // (as every SASL listener does) and stays plaintext when tls is on.
        startCommand: ["/etc/kafka/docker/run"],
        // No health check on a Swarm. Kafka binds each listener to the node's
        // host name on that listener's network (swarm-kafka-1-replication:9093),
        // and Swarm resolves a task's names only once the task is active: with
        // a health check, only once it is healthy, which it cannot be before
        // it binds ("Socket server failed to bind ...: Unresolved address",
        // measured on the test Swarm). Without one the task is active at
        // start; the set-up job waits for the cluster (see BrokerNodeSpec.swarmHealthCheck).
        healthCheck: HealthCheck.exec(["bash", "-c", apiVersionsProbe(replicationHost(node), KAFKA_REPLICATION_PORT)], {
          intervalSeconds: 3,
          timeoutSeconds: 10,
          retries: 40, // unhealthy after 2 min of failures, as before
          startPeriodSeconds: 30,
        }),
        // The cluster can lose a node only while no partition (internal topics
        // included) is missing a replica from its ISR.
        // As the broker principal, over this node's REPLICATION listener; the
        // client reads the listener's own JAAS entry (username/password).
        rollingCheck:
          `f=$(mktemp) && printf 'security.protocol=SASL_PLAINTEXT\\nsasl.mechanism=PLAIN\\nsasl.jaas.config=%s\\n' "$${kafkaEnvName("listener.name.replication.plain.sasl.jaas.config")}" > "$f" && ` +
          `out=$(${TOOL_JVM_ENV} ${KAFKA_BIN}/kafka-topics.sh --bootstrap-server ${replicationHost(node)}:${KAFKA_REPLICATION_PORT} --command-config "$f" --describe --under-replicated-partitions); s=$?; rm -f "$f"; [ $s -eq 0 ] && [ -z "$out" ]`,
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

  /** Broker containers, then the set-up job (created with `attach`: it exists once done). */
  public startDependencies(): ITerraformDependable[] {
    return [...super.startDependencies(), this.setupContainer];
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
      })
    )
      return;
    this.grantOf(app, role)?.writeTopics.add(topic);
    deferCheck(this, () => [...this.topicFindings(role, app, topic), ...this.messageSizeFindings(role, app, topic)], captureUserLocation());
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
      })
    )
      return;
    const grant = this.grantOf(app, role);
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

  /** The app's grant, made on its first wiring; undefined (reported) when its name is a reserved principal. */
  private grantOf(app: IBrokerClient, role: string): AppGrant | undefined {
    if (app.appName === KAFKA_ADMIN_USER || app.appName === KAFKA_BROKER_PRINCIPAL) {
      report(
        this,
        `${role} (${app.node.path}): the app's name is its Kafka user, and "${app.appName}" is a super user of the broker`,
        app.appName,
        `rename the app: "${KAFKA_ADMIN_USER}" and "${KAFKA_BROKER_PRINCIPAL}" are the broker's own users`,
      );
      return undefined;
    }
    let grant = this.grants.get(app.appName);
    if (grant === undefined) {
      grant = { writeTopics: new Set(), readTopics: new Set(), groups: new Set() };
      this.grants.set(app.appName, grant);
    }
    return grant;
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
    const replication = replicationHost(node);
    // CONTROLLER and REPLICATION bind to this node's address on the
    // replication network (a host name in a listener is resolved and bound
    // to), so apps, which are not on that network, cannot reach them.
    const listeners = [
      `INTERNAL://:${KAFKA_INTERNAL_PORT}`,
      `CONTROLLER://${replication}:${KAFKA_CONTROLLER_PORT}`,
      `REPLICATION://${replication}:${KAFKA_REPLICATION_PORT}`,
    ];
    const advertised = [`INTERNAL://${node.endpoint.address}`, `REPLICATION://${replication}:${KAFKA_REPLICATION_PORT}`];
    // Apps and the host: SASL_SSL with tls. Between nodes (and the set-up
    // job) the replication network stays SASL_PLAINTEXT: nothing else is on it.
    const appProtocol = this.tls ? "SASL_SSL" : "SASL_PLAINTEXT";
    const protocols = [`INTERNAL:${appProtocol}`, "CONTROLLER:SASL_PLAINTEXT", "REPLICATION:SASL_PLAINTEXT"];
    const appListeners = ["internal"];
    if (node.hostEndpoint) {
      listeners.push(`HOST://:${KAFKA_HOST_LISTENER_PORT}`);
      advertised.push(`HOST://${node.hostEndpoint.address}`);
      protocols.push(`HOST:${appProtocol}`);
      appListeners.push("host");
    }
    // The broker principal's own entry: server side, `user_broker` is the
    // one account PLAIN accepts; client side (to the controllers and the
    // other brokers), username/password are what the node sends.
    const brokerPassword = this.brokerPassword;
    const brokerJaas = `org.apache.kafka.common.security.plain.PlainLoginModule required username="${KAFKA_BROKER_PRINCIPAL}" password="${brokerPassword}" user_${KAFKA_BROKER_PRINCIPAL}="${brokerPassword}";`;
    const security: Record<string, string> = {
      "sasl.mechanism.controller.protocol": "PLAIN",
      "sasl.mechanism.inter.broker.protocol": "PLAIN",
      "listener.name.controller.sasl.enabled.mechanisms": "PLAIN",
      "listener.name.controller.plain.sasl.jaas.config": brokerJaas,
      "listener.name.replication.sasl.enabled.mechanisms": "PLAIN",
      "listener.name.replication.plain.sasl.jaas.config": brokerJaas,
      // SCRAM credentials live in the cluster metadata (set by the job); the
      // server's JAAS entry only names the login module.
      ...Object.fromEntries(
        appListeners.flatMap((l) => [
          [`listener.name.${l}.sasl.enabled.mechanisms`, KAFKA_APP_SASL_MECHANISM],
          [
            `listener.name.${l}.${KAFKA_APP_SASL_MECHANISM.toLowerCase()}.sasl.jaas.config`,
            "org.apache.kafka.common.security.scram.ScramLoginModule required;",
          ],
        ]),
      ),
      // The key and certificate chain in one PEM file, no key password (TlsCertificates.brokerFiles.keystoreFile).
      ...(this.tls ? { "ssl.keystore.type": "PEM", "ssl.keystore.location": this.tls.brokerFiles.keystoreFile } : {}),
      "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
      "super.users": `User:${KAFKA_BROKER_PRINCIPAL};User:${KAFKA_ADMIN_USER}`,
      // Kafka's default, said out loud: no ACL, no access.
      "allow.everyone.if.no.acl.found": "false",
    };
    const rf = this.replicationFactor;
    const minInsync = this.minInsyncReplicas;
    return {
      "node.id": node.index,
      "process.roles": "broker,controller",
      "controller.quorum.voters": this.nodes.map((n) => `${n.index}@${replicationHost(n)}:${KAFKA_CONTROLLER_PORT}`).join(","),
      "controller.listener.names": "CONTROLLER",
      listeners: listeners.join(","),
      "advertised.listeners": advertised.join(","),
      "listener.security.protocol.map": protocols.join(","),
      "inter.broker.listener.name": "REPLICATION",
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
      ...security,
    };
  }

  /**
   * The one-shot set-up job: on the replication network only, as the broker
   * principal. Its script and environment are rendered at synth, so topics
   * and grants declared after it exist are in it; a change to either
   * replaces the job (and re-runs it), never a broker node.
   */
  private declareSetupJob(): Container {
    // Apps that depend on it start once the topics, users and ACLs exist.
    return declareOneShotJob(this, "setup", {
      name: `${this.brokerName}-setup`,
      image: this.image,
      component: "kafka-setup",
      networks: [{ network: this.replicationNetwork }],
      env: () => this.setupEnvironment(),
      entrypoint: ["/bin/sh", "-c"],
      command: () => [escapeTemplate(this.setupScript())],
      // Up to SETUP_PARALLELISM tool JVMs at once, ~150 MiB each.
      memoryMb: 512,
      dependsOn: this.nodeWorkloads,
      failureMessage: `Setting up the Kafka topics, users and ACLs of ${this.brokerName} failed: see \`docker logs ${this.brokerName}-setup\`.`,
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
  private setupUsers(): { user: string; passwordEnv: string; password: string }[] {
    const apps = [...this.grants.keys()].sort();
    return [
      { user: KAFKA_ADMIN_USER, passwordEnv: "ADMIN_PASSWORD", password: this.adminPassword },
      ...apps.map((user, i) => ({ user, passwordEnv: `APP_PASSWORD_${i + 1}`, password: this.derivedPassword(user) })),
    ];
  }

  private setupEnvironment(): Record<string, string> {
    const env: Record<string, string> = {
      KAFKA_HEAP_OPTS: TOOL_HEAP_OPTS,
      KAFKA_JVM_PERFORMANCE_OPTS: TOOL_JVM_OPTS,
      BROKER_PASSWORD: this.brokerPassword,
    };
    if (this.grants.size > 0) {
      // What REVOKE_STALE_ACLS keeps: `TYPE|name|User:app|OPERATION`, one a line, as `kafka-acls.sh --list` prints them.
      const wanted: string[] = [];
      for (const [user, grant] of this.grants) {
        for (const t of grant.writeTopics) wanted.push(`TOPIC|${t}|User:${user}|WRITE`);
        for (const t of grant.readTopics) wanted.push(`TOPIC|${t}|User:${user}|READ`);
        for (const g of grant.groups) wanted.push(`GROUP|${g}|User:${user}|READ`);
      }
      env.WANTED_ACLS = wanted.sort().join("\n");
      env.MANAGED_PRINCIPALS = [...this.grants.keys()]
        .sort()
        .map((u) => `User:${u}`)
        .join("\n");
    }
    for (const u of this.setupUsers()) env[u.passwordEnv] = u.password;
    return env;
  }

  /**
   * Topics (one after another), then every SCRAM user and every app's ACLs,
   * SETUP_PARALLELISM tool runs at a time (each is a JVM start: ~2 s).
   * Passwords come from the environment and are never printed.
   */
  private setupScript(): string {
    const bootstrap = `--bootstrap-server ${this.nodes.map((n) => `${replicationHost(n)}:${KAFKA_REPLICATION_PORT}`).join(",")} --command-config "$cfg"`;
    const steps: string[] = [];
    const topicLines: string[] = [];
    for (const t of this.topics) {
      const configs = Object.entries(t.configs);
      topicLines.push(`echo ${shellQuote(`topic ${t.name}`)}`);
      topicLines.push(
        [
          `${KAFKA_BIN}/kafka-topics.sh ${bootstrap} --create --if-not-exists`,
          `--topic ${shellQuote(t.name)} --partitions ${t.partitions} --replication-factor ${t.replicationFactor}`,
          ...configs.map(([k, v]) => `--config ${shellQuote(`${k}=${v}`)}`),
        ].join(" "),
      );
      if (configs.length > 0) {
        const list = configs.map(([k, v]) => `${k}=${v.includes(",") ? `[${v}]` : v}`).join(",");
        topicLines.push(
          `${KAFKA_BIN}/kafka-configs.sh ${bootstrap} --alter --entity-type topics --entity-name ${shellQuote(t.name)} --add-config ${shellQuote(list)}`,
        );
      }
    }
    if (topicLines.length > 0) steps.push(`(set -e\n${topicLines.join("\n")}\n)`);
    for (const u of this.setupUsers()) {
      steps.push(
        `${KAFKA_BIN}/kafka-configs.sh ${bootstrap} --alter --entity-type users --entity-name ${shellQuote(u.user)} --add-config "${KAFKA_APP_SASL_MECHANISM}=[password=$${u.passwordEnv}]"`,
      );
    }
    for (const [user, grant] of [...this.grants.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      const principal = `--allow-principal ${shellQuote(`User:${user}`)}`;
      const topics = (names: Set<string>) =>
        [...names]
          .sort()
          .map((t) => `--topic ${shellQuote(t)}`)
          .join(" ");
      if (grant.writeTopics.size > 0) {
        steps.push(`${KAFKA_BIN}/kafka-acls.sh ${bootstrap} --add ${principal} --operation Write ${topics(grant.writeTopics)}`);
      }
      if (grant.readTopics.size > 0 || grant.groups.size > 0) {
        const groups = [...grant.groups]
          .sort()
          .map((g) => `--group ${shellQuote(g)}`)
          .join(" ");
        steps.push(
          `${KAFKA_BIN}/kafka-acls.sh ${bootstrap} --add ${principal} --operation Read ${topics(grant.readTopics)} ${groups}`.trimEnd(),
        );
      }
    }
    // Least privilege over time: an ACL of a wired app that its grants no
    // longer name (a topic or group it was moved off) is removed. Users and
    // ACLs of apps no longer in the stack are left (nothing tells them apart
    // from users made by hand).
    if (this.grants.size > 0) steps.push(REVOKE_STALE_ACLS.replace(/\$B/g, () => bootstrap));
    const lines = [
      "umask 077",
      "cfg=$(mktemp)",
      `printf 'security.protocol=SASL_PLAINTEXT\\nsasl.mechanism=PLAIN\\nsasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="${KAFKA_BROKER_PRINCIPAL}" password="%s";\\n' "$BROKER_PASSWORD" > "$cfg"`,
      // On a Swarm the nodes have no health check to wait for (see addNode's
      // swarmHealthCheck): the job waits until every node answers, 5 minutes at most.
      ...(swarmOf(this) !== undefined
        ? [
            `n=0; until [ "$(${KAFKA_BIN}/kafka-broker-api-versions.sh ${bootstrap} 2>/dev/null | grep -c ' (id: ')" -ge ${this.nodeCount} ]; do ` +
              `n=$((n + 1)); if [ "$n" -ge 100 ]; then echo "the cluster's ${this.nodeCount} nodes did not all answer within 5 minutes" >&2; exit 1; fi; sleep 3; done`,
          ]
        : []),
      // Each step in the background; `settle` waits for the running ones and fails if any did.
      'pids=""; failed=0',
      'settle() { for p in $pids; do wait "$p" || failed=1; done; pids=""; }',
    ];
    steps.forEach((step, i) => {
      lines.push(`${step} &`, 'pids="$pids $!"');
      if ((i + 1) % SETUP_PARALLELISM === 0 && i + 1 < steps.length) lines.push("settle");
    });
    lines.push("settle", 'rm -f "$cfg"', '[ "$failed" -eq 0 ] && echo "set-up done"', "");
    return lines.join("\n");
  }
}

/** This node's host name on the replication network (an alias there only). */
function replicationHost(node: BrokerNode): string {
  return `${node.name}-replication`;
}

/**
 * The set-up job's revocation step: lists every ACL (one tool run), keeps
 * the LITERAL ALLOW bindings of the principals in $MANAGED_PRINCIPALS that
 * $WANTED_ACLS does not name, and removes each (one tool run each, only
 * when there is something to revoke). `$B` is replaced by the bootstrap and
 * command-config options. Plain sh and awk (the image's mawk).
 */
const REVOKE_STALE_ACLS = `(acls=$(mktemp) && ${KAFKA_BIN}/kafka-acls.sh $B --list > "$acls" || exit 1
awk '/^Current ACLs for resource/ { t = ""; n = ""; if (match($0, /resourceType=[A-Z_]+/)) t = substr($0, RSTART + 13, RLENGTH - 13); if (match($0, /name=.*, patternType=LITERAL\\)/)) n = substr($0, RSTART + 5, RLENGTH - 27); next }
/principal=/ { if (t == "" || n == "") next; p = $0; sub(/.*principal=/, "", p); sub(/, host=.*/, "", p); o = $0; sub(/.*operation=/, "", o); sub(/,.*/, "", o); if ($0 ~ /permissionType=ALLOW/) print t "|" n "|" p "|" o }' "$acls" | while IFS= read -r acl; do
  p=$(echo "$acl" | cut -d'|' -f3)
  printf '%s\\n' "$MANAGED_PRINCIPALS" | grep -qxF -e "$p" || continue
  printf '%s\\n' "$WANTED_ACLS" | grep -qxF -e "$acl" && continue
  t=$(echo "$acl" | cut -d'|' -f1); n=$(echo "$acl" | cut -d'|' -f2); o=$(echo "$acl" | cut -d'|' -f4)
  case "$t" in TOPIC) r=--topic ;; GROUP) r=--group ;; *) continue ;; esac
  echo "revoking $o on $t $n from $p (no longer granted)"
  ${KAFKA_BIN}/kafka-acls.sh $B --remove --force --allow-principal "$p" --operation "$o" "$r" "$n" > /dev/null || exit 1
done
s=$?; rm -f "$acls"; exit $s)`;

/** Tool runs of the set-up job at a time: a JVM start is CPU-bound, and the job has 512 MiB. */
const SETUP_PARALLELISM = 3;

/** A KRaft cluster id (16 bytes, base64url, 22 characters) derived from `seed`. */
export function deriveClusterId(seed: string): string {
  return createHash("sha256").update(seed).digest().subarray(0, 16).toString("base64url");
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
