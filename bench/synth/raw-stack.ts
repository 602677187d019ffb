/**
 * The synth benchmark's "raw" stack: the same resources as ours-stack.ts,
 * written directly with the provider-docker classes, the way a user without
 * our constructs would write them (literal values, no validation, no
 * aspects). The synthesized JSON is checked against ours by bench/synth.ts
 * (same resources, same attributes), so the comparison is like for like.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { Fn, TerraformOutput, TerraformStack, TerraformVariable } from "cdktf";
import type { Construct } from "constructs";
import { Container, type ContainerHealthcheck } from "@cdktf/provider-docker/lib/container";
import { Image } from "@cdktf/provider-docker/lib/image";
import { Network } from "@cdktf/provider-docker/lib/network";
import { DockerProvider } from "@cdktf/provider-docker/lib/provider";
import { Volume } from "@cdktf/provider-docker/lib/volume";
import { APP_KINDS, appName, APPS_DIR, STACK_NAME, type AppKind } from "./shape";

const P = "cdktf-docker-messaging";
const COMMON: Record<string, string> = {
  [`${P}.example`]: "default",
  [`${P}.managed-by`]: "cdktf",
  [`${P}.stack`]: STACK_NAME,
};

function labels(extra: Record<string, string> = {}): { label: string; value: string }[] {
  const all = { ...COMMON, ...extra };
  return Object.keys(all)
    .sort()
    .map((label) => ({ label, value: all[label]! }));
}

/** A short hash of the healthcheck, so a healthcheck edit replaces the container. */
function healthHash(h: ContainerHealthcheck): string {
  return createHash("sha256").update(JSON.stringify(h)).digest("hex").slice(0, 16);
}

/** SHA-256 of a build context (paths, kinds, contents; sorted; no node_modules/.git). */
function hashContext(root: string): string {
  const hash = createHash("sha256");
  const walk = (rel: string): void => {
    for (const name of fs.readdirSync(path.join(root, rel)).sort()) {
      if (name === "node_modules" || name === ".git") continue;
      const r = rel ? `${rel}/${name}` : name;
      const full = path.join(root, r);
      const st = fs.lstatSync(full);
      if (st.isDirectory()) {
        hash.update(`d\0${r}\0`);
        walk(r);
      } else if (st.isSymbolicLink()) {
        hash.update(`l\0${r}\0${fs.readlinkSync(full)}\0`);
      } else if (st.isFile()) {
        const content = fs.readFileSync(full);
        hash.update(`f\0${r}\0${content.length}\0`);
        hash.update(content);
      }
    }
  };
  walk("");
  return hash.digest("hex");
}

const RABBITMQ_CONF = [
  `# Rendered by cdktf-docker-messaging for ${STACK_NAME}/rabbitmq; changes here are replaced on deploy.`,
  "listeners.tcp.default = 5672",
  "load_definitions = /etc/rabbitmq/definitions.json",
  "loopback_users.guest = true",
  `total_memory_available_override_value = ${512 * 1024 * 1024}`,
  "vm_memory_high_watermark.relative = 0.6",
  "log.console = true",
  "",
].join("\n");

const KAFKA_ENV = [
  "CLUSTER_ID=dnc60kXZ9hSj1nzp-mR15g",
  "KAFKA_ADVERTISED_LISTENERS=INTERNAL://kafka:9092,HOST://127.0.0.1:29092",
  "KAFKA_AUTO_CREATE_TOPICS_ENABLE=false",
  "KAFKA_CONTROLLER_LISTENER_NAMES=CONTROLLER",
  "KAFKA_CONTROLLER_QUORUM_VOTERS=1@kafka:9093",
  "KAFKA_DEFAULT_REPLICATION_FACTOR=1",
  "KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS=0",
  "KAFKA_HEAP_OPTS=-Xmx512m -Xms512m",
  "KAFKA_INTER_BROKER_LISTENER_NAME=INTERNAL",
  "KAFKA_LISTENERS=INTERNAL://:9092,CONTROLLER://:9093,HOST://:9094",
  "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP=INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT,HOST:PLAINTEXT",
  "KAFKA_LOG_DIRS=/var/lib/kafka/data",
  "KAFKA_MIN_INSYNC_REPLICAS=1",
  "KAFKA_NODE_ID=1",
  "KAFKA_NUM_PARTITIONS=1",
  "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR=1",
  "KAFKA_PROCESS_ROLES=broker,controller",
  "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR=1",
  "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR=1",
];

const TOPICS_SCRIPT =
  "set -e\necho 'topic events'\n" +
  "/opt/kafka/bin/kafka-topics.sh --bootstrap-server kafka:9092 --create --if-not-exists --topic 'events' --partitions 3 --replication-factor 1 --config 'retention.ms=604800000'\n" +
  "/opt/kafka/bin/kafka-configs.sh --bootstrap-server kafka:9092 --alter --entity-type topics --entity-name 'events' --add-config 'retention.ms=604800000'\n";

export function buildRawStack(scope: Construct, apps: number): TerraformStack {
  const stack = new TerraformStack(scope, STACK_NAME);
  new DockerProvider(stack, "docker", { host: process.env.DOCKER_HOST || "unix:///var/run/docker.sock" });
  stack.addOverride("terraform.required_providers.docker.version", "4.6.0");

  const network = new Network(stack, "network", { name: "messaging", driver: "bridge", internal: false, labels: labels() });
  const rabbitData = new Volume(stack, "rabbitmq-data", { name: "rabbitmq-data", labels: labels() });
  const kafkaData = new Volume(stack, "kafka-data", { name: "kafka-data", labels: labels() });
  const rabbitImage = new Image(stack, "rabbitmq-image", { name: "rabbitmq:4.3-management", keepLocally: true });
  const kafkaImage = new Image(stack, "kafka-image", { name: "apache/kafka:4.4.0", keepLocally: true });

  const password = new TerraformVariable(stack, "rabbitmq_admin_password", {
    type: "string",
    sensitive: true,
    nullable: false,
    description:
      'Password of the RabbitMQ administrator "admin" of broker rabbitmq (at least 12 characters). Set TF_VAR_rabbitmq_admin_password.',
    validation: [
      {
        condition: "${length(var.rabbitmq_admin_password) >= 12}",
        errorMessage: "rabbitmq_admin_password must be at least 12 characters long.",
      },
    ],
  });
  const definitions =
    JSON.stringify(
      {
        users: [{ name: "admin", password: "__PASSWORD__", tags: "administrator" }],
        vhosts: [{ name: "/" }],
        permissions: [{ user: "admin", vhost: "/", configure: ".*", write: ".*", read: ".*" }],
        queues: [
          { name: "orders.dead-letter", vhost: "/", durable: true, auto_delete: false, arguments: { "x-queue-type": "quorum" } },
          {
            name: "orders",
            vhost: "/",
            durable: true,
            auto_delete: false,
            arguments: { "x-queue-type": "quorum", "x-dead-letter-exchange": "", "x-dead-letter-routing-key": "orders.dead-letter" },
          },
        ],
        exchanges: [],
        bindings: [],
        policies: [],
      },
      null,
      2,
    ).replace('"__PASSWORD__"', Fn.jsonencode(password.stringValue)) + "\n";

  const rabbitHealth: ContainerHealthcheck = {
    test: ["CMD", "rabbitmq-diagnostics", "-q", "check_port_connectivity"],
    interval: "10s",
    timeout: "15s",
    retries: 10,
    startPeriod: "20s",
  };
  const rabbitmq = new Container(stack, "rabbitmq", {
    name: "rabbitmq",
    hostname: "rabbitmq",
    image: rabbitImage.imageId,
    env: [`RABBITMQ_DEFAULT_PASS=${password.stringValue}`, "RABBITMQ_DEFAULT_USER=admin", "RABBITMQ_DEFAULT_VHOST=/"],
    networksAdvanced: [{ name: network.name, aliases: ["rabbitmq"] }],
    ports: [
      { internal: 5672, external: 5672, ip: "127.0.0.1", protocol: "tcp" },
      { internal: 15672, external: 15672, ip: "127.0.0.1", protocol: "tcp" },
    ],
    volumes: [{ volumeName: rabbitData.name, containerPath: "/var/lib/rabbitmq" }],
    upload: [
      { file: "/etc/rabbitmq/rabbitmq.conf", content: RABBITMQ_CONF },
      { file: "/etc/rabbitmq/definitions.json", content: definitions },
    ],
    healthcheck: rabbitHealth,
    wait: true,
    waitTimeout: 180,
    memory: 512,
    memorySwap: 512,
    restart: "unless-stopped",
    destroyGraceSeconds: 30,
    labels: labels({ [`${P}.component`]: "rabbitmq-broker", [`${P}.healthcheck-sha256`]: healthHash(rabbitHealth) }),
  });

  const kafkaHealth: ContainerHealthcheck = {
    test: [
      "CMD-SHELL",
      "KAFKA_HEAP_OPTS=-Xmx96m KAFKA_JVM_PERFORMANCE_OPTS='-XX:+UseSerialGC -XX:TieredStopAtLevel=1' /opt/kafka/bin/kafka-broker-api-versions.sh --bootstrap-server localhost:9092 >/dev/null",
    ],
    interval: "10s",
    timeout: "30s",
    retries: 12,
    startPeriod: "30s",
  };
  const kafka = new Container(stack, "kafka", {
    name: "kafka",
    hostname: "kafka",
    image: kafkaImage.imageId,
    env: KAFKA_ENV,
    networksAdvanced: [{ name: network.name, aliases: ["kafka"] }],
    ports: [{ internal: 9094, external: 29092, ip: "127.0.0.1", protocol: "tcp" }],
    volumes: [{ volumeName: kafkaData.name, containerPath: "/var/lib/kafka/data" }],
    healthcheck: kafkaHealth,
    wait: true,
    waitTimeout: 180,
    memory: 1024,
    memorySwap: 1024,
    restart: "unless-stopped",
    destroyGraceSeconds: 30,
    labels: labels({ [`${P}.component`]: "kafka-broker", [`${P}.healthcheck-sha256`]: healthHash(kafkaHealth) }),
  });
  const topics = new Container(stack, "kafka-topics", {
    name: "kafka-topics",
    image: kafkaImage.imageId,
    entrypoint: ["/bin/sh", "-c"],
    command: [TOPICS_SCRIPT],
    env: ["KAFKA_HEAP_OPTS=-Xmx96m", "KAFKA_JVM_PERFORMANCE_OPTS=-XX:+UseSerialGC -XX:TieredStopAtLevel=1"],
    networksAdvanced: [{ name: network.name }],
    memory: 256,
    memorySwap: 256,
    restart: "no",
    destroyGraceSeconds: 0,
    mustRun: false,
    attach: true,
    labels: labels({ [`${P}.component`]: "kafka-topics" }),
    dependsOn: [kafka],
  });
  topics.addOverride("lifecycle.postcondition", [
    {
      condition: "${self.exit_code == 0}",
      error_message: "Creating the Kafka topics of kafka failed: see `docker logs kafka-topics`.",
    },
  ]);

  new TerraformOutput(stack, "rabbitmq_amqp_url", {
    value: `amqp://admin:${Fn.urlencode(password.stringValue)}@127.0.0.1:5672/%2F`,
    sensitive: true,
    description: "AMQP URL of RabbitMQ broker rabbitmq from the Docker host (holds the password)",
  });
  new TerraformOutput(stack, "rabbitmq_management_url", {
    value: "http://127.0.0.1:15672/",
    description: "Management UI of RabbitMQ broker rabbitmq (user admin)",
  });
  new TerraformOutput(stack, "kafka_bootstrap_servers", {
    value: "127.0.0.1:29092",
    description: "Kafka bootstrap servers of broker kafka from the Docker host",
  });

  const appImages = new Map<AppKind, Image>();
  const imageFor = (kind: AppKind): Image => {
    let image = appImages.get(kind);
    if (!image) {
      const context = path.join(APPS_DIR, kind);
      const contextHash = hashContext(context);
      image = new Image(stack, `${kind}-image`, {
        name: `${kind}:${contextHash.slice(0, 12)}`,
        keepLocally: false,
        triggers: { context_sha256: contextHash },
        buildAttribute: { context, buildArgs: { NODE_IMAGE: "node:24-trixie-slim" }, label: { ...COMMON } },
      });
      appImages.set(kind, image);
    }
    return image;
  };
  const appHealth: ContainerHealthcheck = {
    test: ["CMD", "test", "-f", "/tmp/app-healthy"],
    interval: "5s",
    timeout: "10s",
    retries: 5,
    startPeriod: "5s",
  };
  const appLabels = labels({ [`${P}.component`]: "app", [`${P}.healthcheck-sha256`]: healthHash(appHealth) });
  const amqpUrl = `RABBITMQ_URL=amqp://admin:${Fn.urlencode(password.stringValue)}@rabbitmq:5672/%2F`;

  for (let i = 0; i < apps; i++) {
    const kind = APP_KINDS[i % APP_KINDS.length]!;
    const name = appName(i);
    const producer = kind.endsWith("producer");
    // Each app gets only the variables of its role (sorted, as the constructs write them).
    const env = kind.startsWith("rabbitmq")
      ? producer
        ? ["PRODUCER_COUNT=1000", "PRODUCER_RATE=20", "RABBITMQ_EXCHANGE=", "RABBITMQ_ROUTING_KEY=orders", amqpUrl]
        : ["RABBITMQ_QUEUE=orders", amqpUrl]
      : producer
        ? ["KAFKA_BOOTSTRAP_SERVERS=kafka:9092", "KAFKA_TOPIC=events", "PRODUCER_COUNT=1000", "PRODUCER_RATE=20"]
        : ["KAFKA_BOOTSTRAP_SERVERS=kafka:9092", "KAFKA_GROUP_ID=events-consumer", "KAFKA_TOPIC=events"];
    new Container(stack, `${name}-1`, {
      name: `${name}-1`,
      image: imageFor(kind).imageId,
      env,
      networksAdvanced: [{ name: network.name }],
      healthcheck: appHealth,
      wait: true,
      waitTimeout: 120,
      memory: 128,
      memorySwap: 128,
      restart: "unless-stopped",
      destroyGraceSeconds: 10,
      labels: appLabels,
      dependsOn: kind.startsWith("rabbitmq") ? [rabbitmq] : [kafka, topics],
    });
  }
  return stack;
}
