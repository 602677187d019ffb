/**
 * The example stacks of this repository: the examples users copy
 * (examples/: single-host is the default stack of main.ts) and the
 * compositions the unit tests use. Each builder adds one stack to `app` and
 * returns it; the validate suite runs `terraform validate` on every one.
 */
import * as path from "path";
import { App, TerraformStack, TerraformVariable } from "cdktf";
import { buildClusterStack } from "../../examples/cluster/main";
import { buildOwnAppImageStack } from "../../examples/own-app-image/main";
import { buildSingleHostStack } from "../../examples/single-host/main";
import { buildTlsOwnCertificatesStack, certificateFilesIn } from "../../examples/tls-own-certificates/main";
import {
  addMessagingAspects,
  AppContainer,
  AppEnv,
  ContainerImage,
  DockerHost,
  HealthCheck,
  KafkaBroker,
  Network,
  RabbitMqBroker,
} from "../../constructs";

export interface ExampleStack {
  readonly name: string;
  readonly build: (app: App) => TerraformStack;
}

const APPS = path.join(__dirname, "..", "..", "apps");

/**
 * A second project's stack: an order pipeline on RabbitMQ (topic exchange,
 * quorum queue with a dead-letter queue, a policy) and a Kafka audit log,
 * with two consumer replicas, brokers published on the host, on two
 * networks, written the way a user imports the library.
 */
export function buildOrdersPipelineStack(app: App, id = "orders-pipeline"): TerraformStack {
  const stack = new TerraformStack(app, id);
  new DockerHost(stack, "docker");
  addMessagingAspects(stack, { labels: { project: "orders" } });

  const backbone = new Network(stack, "backbone", { name: "orders-backbone" });
  const password = new TerraformVariable(stack, "orders_mq_password", {
    type: "string",
    sensitive: true,
    description: "Password of the orders broker administrator",
  });

  const mq = new RabbitMqBroker(stack, "orders-mq", {
    network: backbone,
    adminUser: "orders",
    adminPassword: password.stringValue,
    vhost: "orders",
    memoryMb: 384,
    amqpHostPort: 25672,
    managementHostPort: 25673,
    dataRemovalPolicy: "destroy",
  });
  // Declared in the order a reader thinks of them: the dead-letter queue after the queue that uses it.
  const events = mq.addExchange("orders.events", { type: "topic" });
  const placed = mq
    .addQueue("orders.placed", { deadLetterQueue: "orders.failed", deliveryLimit: 5 })
    .bindTo(events, { routingKey: "order.placed.#" });
  mq.addQueue("orders.failed", { type: "classic" });
  mq.addPolicy("cap-failed", { pattern: "^orders\\.failed$", definition: { "max-length": 100000 } });

  const audit = new KafkaBroker(stack, "audit", {
    network: backbone,
    name: "audit-kafka",
    hostPort: 39092,
    memoryMb: 768,
    defaultPartitions: 2,
    serverProperties: { "log.retention.hours": 48 },
    dataRemovalPolicy: "destroy",
  });
  const auditOrders = audit.addTopic("audit.orders", { partitions: 4, configs: { "cleanup.policy": "compact,delete" } });

  const healthy = HealthCheck.exec(["test", "-f", "/tmp/app-healthy"], { intervalSeconds: 5 });
  const producer = new AppContainer(stack, "order-producer", {
    image: ContainerImage.fromBuild(path.join(APPS, "rabbitmq-producer")),
    environment: { [AppEnv.PRODUCER_COUNT]: "500", [AppEnv.PRODUCER_RATE]: "10" },
    memoryMb: 128,
    healthCheck: healthy,
  });
  events.grantPublish(producer, { routingKey: "order.placed.eu" });

  const workers = new AppContainer(stack, "order-worker", {
    image: ContainerImage.fromBuild(path.join(APPS, "rabbitmq-consumer")),
    replicas: 2,
    environment: { [AppEnv.CONSUMER_PREFETCH]: "20", [AppEnv.CONSUMER_MAX_DELIVERIES]: "5" },
    memoryMb: 128,
    restartPolicy: "on-failure",
  });
  placed.grantConsume(workers);

  const auditor = new AppContainer(stack, "auditor", {
    image: ContainerImage.fromBuild(path.join(APPS, "kafka-consumer")),
    memoryMb: 128,
  });
  auditOrders.grantConsume(auditor, { groupId: "auditors" });
  return stack;
}

/** A minimal stack: one Kafka broker with defaults (retained volume), no apps. */
export function buildMinimalKafkaStack(app: App, id = "minimal-kafka"): TerraformStack {
  const stack = new TerraformStack(app, id);
  new DockerHost(stack, "docker");
  const network = new Network(stack, "net", { name: "minimal-kafka" });
  new KafkaBroker(stack, "kafka", { network, name: "minimal-kafka" }).addTopic("t");
  return stack;
}

export { buildClusterStack };

/** Certificates of the tls-own-certificates example at synth: fixtures that name its broker (valid until 2126). */
const fixtureCertificates = certificateFilesIn(path.join(__dirname, "..", "fixtures", "tls-example"));

export const exampleStacks: ExampleStack[] = [
  // examples/single-host: the default stack of main.ts
  { name: "messaging", build: (app) => buildSingleHostStack(app) },
  { name: "orders-pipeline", build: (app) => buildOrdersPipelineStack(app) },
  { name: "minimal-kafka", build: (app) => buildMinimalKafkaStack(app) },
  { name: "cluster", build: (app) => buildClusterStack(app) },
  { name: "tls-own-certificates", build: (app) => buildTlsOwnCertificatesStack(app, undefined, { certificateFiles: fixtureCertificates }) },
  { name: "own-app-image", build: (app) => buildOwnAppImageStack(app) },
];
