/**
 * One Kafka node's configuration: its server properties (KRaft combined
 * mode, listeners, SASL and ACLs, replication sized for the cluster), its
 * environment (the properties as KAFKA_* variables), and its start command
 * with the JMX exporter.
 */
import { escapeTemplate } from "../../private/terraform-text";
import type { ITlsCertificates } from "../../security/tls-certificates";
import type { BrokerNode } from "../broker-base";
import {
  KAFKA_ADMIN_USER,
  KAFKA_APP_SASL_MECHANISM,
  KAFKA_BROKER_PRINCIPAL,
  KAFKA_CONTROLLER_PORT,
  KAFKA_DATA_DIR,
  KAFKA_HOST_LISTENER_PORT,
  KAFKA_INTERNAL_PORT,
  KAFKA_REPLICATION_PORT,
} from "./kafka-constants";
import { kafkaEnvName } from "./kafka-env";
import { KAFKA_JMX_EXPORTER_CONFIG, KAFKA_JMX_EXPORTER_JAR, kafkaJmxAgentOption } from "./kafka-metrics";

/** Where the nodes get the JMX exporter's rules (uploaded; the agent jar is in the image). */
const KAFKA_JMX_EXPORTER_CONFIG_FILE = "/etc/kafka/jmx-exporter.yaml";

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

/** What a node's properties are computed from: the broker's settings. */
export interface KafkaNodeConfigInput {
  /** Every node of the cluster (each a KRaft voter). */
  readonly nodes: readonly BrokerNode[];
  /** The broker's certificates, when `tls` is on. */
  readonly tls?: ITlsCertificates;
  /** The password the nodes authenticate to each other with, as the broker principal. */
  readonly brokerPassword: string;
  /** Copies of each partition by default, and of the internal topics. */
  readonly replicationFactor: number;
  /** Replicas that must acknowledge an acks=all write. */
  readonly minInsyncReplicas: number;
  /** The defaultPartitions prop. */
  readonly defaultPartitions?: number;
  /** The autoCreateTopics prop. */
  readonly autoCreateTopics: boolean;
}

/**
 * One node's properties: KRaft combined mode with every node a voter,
 * an INTERNAL listener advertised under the node's own name and a HOST
 * listener advertised as 127.0.0.1:<its port>; replication sized for the
 * cluster (min(3, nodes) copies, 2 in sync with 3 or more nodes, no
 * unclean leader election), so one node can fail without losing an acknowledged record.
 */
export function kafkaServerProperties(node: BrokerNode, broker: KafkaNodeConfigInput): Record<string, string | number | boolean> {
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
  const appProtocol = broker.tls ? "SASL_SSL" : "SASL_PLAINTEXT";
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
  const brokerPassword = broker.brokerPassword;
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
    ...(broker.tls ? { "ssl.keystore.type": "PEM", "ssl.keystore.location": broker.tls.brokerFiles.keystoreFile } : {}),
    "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
    "super.users": `User:${KAFKA_BROKER_PRINCIPAL};User:${KAFKA_ADMIN_USER}`,
    // Kafka's default, said out loud: no ACL, no access.
    "allow.everyone.if.no.acl.found": "false",
  };
  const rf = broker.replicationFactor;
  const minInsync = broker.minInsyncReplicas;
  return {
    "node.id": node.index,
    "process.roles": "broker,controller",
    "controller.quorum.voters": broker.nodes.map((n) => `${n.index}@${replicationHost(n)}:${KAFKA_CONTROLLER_PORT}`).join(","),
    "controller.listener.names": "CONTROLLER",
    listeners: listeners.join(","),
    "advertised.listeners": advertised.join(","),
    "listener.security.protocol.map": protocols.join(","),
    "inter.broker.listener.name": "REPLICATION",
    "log.dirs": KAFKA_DATA_DIR,
    "num.partitions": broker.defaultPartitions ?? 1,
    "auto.create.topics.enable": broker.autoCreateTopics,
    // Internal topics sized for the node count: with 3 on one node,
    // consumer groups hang without an error.
    "offsets.topic.replication.factor": rf,
    "transaction.state.log.replication.factor": rf,
    "transaction.state.log.min.isr": minInsync,
    "default.replication.factor": rf,
    "min.insync.replicas": minInsync,
    // Kafka's default, said out loud for clusters: a replica that missed acknowledged records never becomes leader.
    ...(broker.nodes.length > 1 ? { "unclean.leader.election.enable": false } : {}),
    "group.initial.rebalance.delay.ms": 0,
    ...(broker.nodes.length > 1 ? CLUSTER_FAILURE_DETECTION : {}),
    ...security,
  };
}

/** One node's environment: the cluster id, the heap and every property as its KAFKA_* variable. */
export function kafkaNodeEnvironment(
  clusterId: string,
  heapMb: number,
  properties: Record<string, string | number | boolean>,
): Record<string, string> {
  const env: Record<string, string> = {
    CLUSTER_ID: clusterId,
    // Read by kafka-server-start.sh; the image's wrapper does not turn it into a property.
    KAFKA_HEAP_OPTS: `-Xmx${heapMb}m -Xms${heapMb}m`,
  };
  for (const [key, value] of Object.entries(properties)) {
    env[kafkaEnvName(key)] = String(value);
  }
  return env;
}

/** A node's uploads and command with metrics on: the JMX exporter's rules, and the agent in the server's JVM. */
export function kafkaMetricsStart(): { uploads: { file: string; content: string }[]; command: string[] } {
  return {
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
  };
}

/** This node's host name on the replication network (an alias there only). */
export function replicationHost(node: BrokerNode): string {
  return `${node.name}-replication`;
}
