/**
 * What each RabbitMQ node is given: its ports and paths, and the
 * rabbitmq.conf and definitions.json it loads at boot, rendered at synth.
 */
import { Fn } from "../../private/framework";
import { escapeTemplate } from "../../private/terraform-text";
import { isToken } from "../../private/validation";
import type { RabbitMqBroker } from "./rabbitmq-broker";

/** AMQP, the port apps connect to (without `tls`). */
export const RABBITMQ_AMQP_PORT = 5672;
/** AMQP over TLS: the only AMQP listener when `tls` is on. */
export const RABBITMQ_AMQPS_PORT = 5671;
/** The management UI and HTTP API. */
export const RABBITMQ_MANAGEMENT_PORT = 15672;
/** The rabbitmq_prometheus plugin's port (enabled in the image, as in the official one). */
export const RABBITMQ_METRICS_PORT = 15692;
export const RABBITMQ_CONFIG_FILE = "/etc/rabbitmq/rabbitmq.conf";
export const RABBITMQ_DEFINITIONS_FILE = "/etc/rabbitmq/definitions.json";
export const RABBITMQ_DATA_DIR = "/var/lib/rabbitmq";

/**
 * rabbitmq.conf: only keys RabbitMQ 4.3 accepts (a key it does not know
 * stops the node at boot). None of the keys 4.0 to 4.3 removed or emptied
 * (classic queue mirroring, `classic_queue.default_version = 1`,
 * `cluster_formation.randomized_startup_delay_range.*`, the AMQP 1.0 and MQTT
 * default users, `*.cacerts`, `cluster_partition_handling`) is used;
 * `max_message_size` keeps the 16 MiB default.
 */
export function renderRabbitMqConfig(broker: Pick<RabbitMqBroker, "node" | "nodes" | "tls" | "memoryMb">): string {
  const cluster =
    broker.nodes.length > 1
      ? [
          "cluster_formation.peer_discovery_backend = classic_config",
          ...broker.nodes.map((n) => `cluster_formation.classic_config.nodes.${n.index} = rabbit@${n.name}`),
          // No cluster_partition_handling: RabbitMQ 4.3 removed Mnesia and
          // ignores the key (4.3.0 release notes). Khepri, quorum queues and
          // streams are Raft: a node cut off from the majority can change
          // neither metadata nor queue contents, so nothing it accepts is
          // discarded later.
          // net_ticktime stays at Erlang's 60 s (a peer silent that long is
          // down). Measured in the fault suite (issue 22): at 10 s a 20 s
          // `docker pause` left the cluster split for good (the peers called
          // the hung node down; it resumed, reconnected at once, never saw
          // itself in a minority, and Mnesia kept both sides apart:
          // inconsistent_database; autoheal's request was lost on the
          // closing connection). At 60 s the same pause heals by itself, and
          // a cut-off queue leader costs our producer no more (10 s, against
          // 10-20 s at 10 s): the quorum queue's majority elects a new leader
          // on Ra's own failure detector, not on net_ticktime.

          // Definitions are imported by whichever node boots first, before
          // the others have joined: its quorum queues start with one member
          // (measured on 4.0.5). Membership reconciliation (RabbitMQ 3.13+)
          // grows every quorum queue to a replica on each node, on node-up
          // and every 10 s, and so also after a node is replaced.
          "quorum_queue.continuous_membership_reconciliation.enabled = true",
          `quorum_queue.continuous_membership_reconciliation.target_group_size = ${broker.nodes.length}`,
          "quorum_queue.continuous_membership_reconciliation.interval = 10000",
        ]
      : [];
  return [
    `# Rendered by cdktf-docker-messaging for ${broker.node.path}; changes here are replaced on deploy.`,
    ...(broker.tls
      ? [
          // TLS only: no plaintext AMQP listener at all. Clients are not
          // asked for a certificate (they authenticate with a password).
          "listeners.tcp = none",
          `listeners.ssl.default = ${RABBITMQ_AMQPS_PORT}`,
          `ssl_options.cacertfile = ${broker.tls.brokerFiles.caFile}`,
          `ssl_options.certfile = ${broker.tls.brokerFiles.certFile}`,
          `ssl_options.keyfile = ${broker.tls.brokerFiles.keyFile}`,
          "ssl_options.verify = verify_none",
          "ssl_options.fail_if_no_peer_cert = false",
        ]
      : [`listeners.tcp.default = ${RABBITMQ_AMQP_PORT}`]),
    `load_definitions = ${RABBITMQ_DEFINITIONS_FILE}`,
    `loopback_users.guest = true`,
    // The Erlang VM sees the host's memory, not the container limit: tell it.
    `total_memory_available_override_value = ${broker.memoryMb * 1024 * 1024}`,
    `vm_memory_high_watermark.relative = 0.6`,
    `log.console = true`,
    // The heartbeat the broker suggests to clients that take its value (pika,
    // the Java client; the apps ask for 5 s themselves). 60 s by default: a
    // client on a hung node noticed after 2-3 minutes. 10 s: 20-30 s, within
    // the 5-20 s RabbitMQ's guide recommends.
    `heartbeat = 10`,
    ...cluster,
    "",
  ].join("\n");
}

/**
 * definitions.json. Definitions imported at boot replace RabbitMQ's
 * default user and vhost, so the admin user, vhost and permissions are in
 * it. The password (and a Token user) are inserted by Terraform
 * (`jsonencode`), never written at synth.
 */
export function renderRabbitMqDefinitions(broker: Pick<RabbitMqBroker, "adminUser" | "vhost" | "topology">, adminPassword: string): string {
  const passwordSlot = "__CDKTF_DOCKER_MESSAGING_PASSWORD__";
  const userSlot = "__CDKTF_DOCKER_MESSAGING_USER__";
  const user = isToken(broker.adminUser) ? userSlot : broker.adminUser;
  const definitions = {
    users: [{ name: user, password: passwordSlot, tags: "administrator" }],
    vhosts: [{ name: broker.vhost }],
    permissions: [{ user, vhost: broker.vhost, configure: ".*", write: ".*", read: ".*" }],
    ...broker.topology.render(broker.vhost),
  };
  let text = escapeTemplate(JSON.stringify(definitions, null, 2) + "\n");
  text = text.replace(JSON.stringify(passwordSlot), Fn.jsonencode(adminPassword));
  if (isToken(broker.adminUser)) text = text.split(JSON.stringify(userSlot)).join(Fn.jsonencode(broker.adminUser));
  return text;
}
