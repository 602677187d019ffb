/**
 * The example stacks of this repository: the default stack (main.ts) and the
 * compositions the unit tests use. Each builder adds one stack to `app` and
 * returns it; the validate suite runs `terraform validate` on every one.
 */
import * as path from "path";
import { App, TerraformStack, TerraformVariable } from "cdktf";
import { buildDefaultStack } from "../../main";
import {
  addMessagingAspects,
  AppContainer,
  AppEnv,
  ContainerImage,
  DockerHost,
  HealthCheck,
  KafkaBroker,
  Network,
  Prometheus,
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
  const placed = mq.addQueue("orders.placed", { deadLetterQueue: "orders.failed", deliveryLimit: 5 }).bindTo(events, { routingKey: "order.placed.#" });
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

/**
 * The clusters example: a 3-node RabbitMQ (quorum queue on every node,
 * pause_minority) and a 3-node Kafka (KRaft, every node a voter, replication
 * factor 3, min.insync.replicas 2), each with an endless producer (confirms /
 * acks=all, 50 msg/s) and a consumer. The cluster e2e suite deploys it, kills
 * nodes under traffic, rolls every node and restarts the clusters. Both
 * brokers publish their nodes on 127.0.0.1 for host clients. Both have TLS
 * on, with certificates generated at deploy. A Prometheus scrapes every node
 * and app (UI on 127.0.0.1:39090). Deploy asks for
 * TF_VAR_cluster_rabbitmq_admin_password, TF_VAR_cluster_rabbitmq_erlang_cookie,
 * TF_VAR_cluster_rabbitmq_credentials_key, TF_VAR_cluster_kafka_admin_password
 * and TF_VAR_cluster_kafka_credentials_key.
 */
export function buildClusterStack(app: App, id = "cluster"): TerraformStack {
  const stack = new TerraformStack(app, id);
  new DockerHost(stack, "docker");
  addMessagingAspects(stack, { labels: { "cdktf-docker-messaging.example": id } });
  const network = new Network(stack, "net", { name: id });
  const healthy = HealthCheck.exec(["test", "-f", "/tmp/app-healthy"], { intervalSeconds: 5, startPeriodSeconds: 5 });
  const app_ = (name: string, folder: string, environment: Record<string, string>) =>
    new AppContainer(stack, name, {
      image: ContainerImage.fromBuild(path.join(APPS, folder)),
      environment,
      memoryMb: 128,
      healthCheck: healthy,
    });

  const rabbit = new RabbitMqBroker(stack, "rabbitmq", {
    network,
    name: "cluster-rabbitmq",
    nodes: 3,
    amqpHostPort: 35672, // nodes publish 35672, 35673, 35674 on 127.0.0.1
    managementHostPort: 35682, // and 35682, 35683, 35684
    dataRemovalPolicy: "destroy",
    tls: { certificates: "generate" }, // AMQPS only
  });
  const jobs = rabbit.addQueue("cluster.jobs"); // quorum: a replica on every node
  jobs.grantPublish(app_("cluster-rabbitmq-producer", "rabbitmq-producer", { [AppEnv.PRODUCER_RATE]: "50" }));
  jobs.grantConsume(app_("cluster-rabbitmq-consumer", "rabbitmq-consumer", {}));

  const kafka = new KafkaBroker(stack, "kafka", {
    network,
    name: "cluster-kafka",
    nodes: 3,
    hostPort: 39192, // nodes publish 39192, 39193, 39194 on 127.0.0.1
    memoryMb: 768,
    dataRemovalPolicy: "destroy",
    tls: { certificates: "generate" }, // SASL_SSL for apps and the host
  });
  const events = kafka.addTopic("cluster.events", { partitions: 3 });
  events.grantProduce(app_("cluster-kafka-producer", "kafka-producer", { [AppEnv.PRODUCER_RATE]: "50" }));
  events.grantConsume(app_("cluster-kafka-consumer", "kafka-consumer", {}), { groupId: "cluster-consumers" });
  // Every node and app, scraped every 5 s: a killed node fires MessagingBrokerNodeDown after 15 s.
  new Prometheus(stack, "prometheus", { name: "cluster-prometheus", uiHostPort: 39090, scrapeIntervalSeconds: 5, dataRemovalPolicy: "destroy" });
  return stack;
}

export const exampleStacks: ExampleStack[] = [
  { name: "messaging", build: (app) => buildDefaultStack(app) },
  { name: "orders-pipeline", build: (app) => buildOrdersPipelineStack(app) },
  { name: "minimal-kafka", build: (app) => buildMinimalKafkaStack(app) },
  { name: "cluster", build: (app) => buildClusterStack(app) },
];
