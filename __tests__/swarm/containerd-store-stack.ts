/**
 * The stack the containerd image store test (containerd-store.test.ts)
 * deploys on an engine whose images live in containerd (Docker 29's default
 * store): one RabbitMQ node with a quorum queue, and the package's shipped
 * producer and consumer on it, their images built on that engine from the
 * apps' folders (`docker_image` with `build`). Ports on 127.0.0.1 only.
 */
import { TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { addMessagingAspects, AppContainer, AppEnv, DockerHost, HealthCheck, Network, RabbitMqBroker, ShippedApps } from "../../constructs";

export const CONTAINERD_STORE_STACK = "containerd-store";
export const RABBITMQ = `${CONTAINERD_STORE_STACK}-rabbitmq`;
export const PRODUCER = `${CONTAINERD_STORE_STACK}-producer`;
export const CONSUMER = `${CONTAINERD_STORE_STACK}-consumer`;
export const QUEUE = "orders";
/** Every long-running container of the stack. */
export const CONTAINERS = [RABBITMQ, PRODUCER, CONSUMER];

export interface ContainerdStoreStackOptions {
  /** The engine's API (`tcp://127.0.0.1:PORT`): the DockerHost's host. */
  readonly host: string;
  /** Messages the producer sends. */
  readonly messages: number;
}

export function buildContainerdStoreStack(scope: Construct, options: ContainerdStoreStackOptions): TerraformStack {
  const stack = new TerraformStack(scope, CONTAINERD_STORE_STACK);
  new DockerHost(stack, "docker", { host: options.host });
  addMessagingAspects(stack, { labels: { "cdktf-docker-messaging.example": "containerd-store" } });
  const network = new Network(stack, "network", { name: CONTAINERD_STORE_STACK });
  const rabbit = new RabbitMqBroker(stack, "rabbitmq", {
    network,
    name: RABBITMQ,
    // Published on the inner engine's loopback (127.0.0.1 inside its container): nothing on the machine is reached.
    amqpHostPort: 5672,
    metrics: { enabled: false },
    dataRemovalPolicy: "destroy",
  });
  const orders = rabbit.addQueue(QUEUE, { type: "quorum" });
  // The apps keep /tmp/app-healthy while they hold a broker connection.
  const health = HealthCheck.exec(["test", "-f", "/tmp/app-healthy"], { intervalSeconds: 5, startPeriodSeconds: 5 });
  // Image names of this stack: other suites build the shipped apps under their default names on the machine's engine.
  const producer = new AppContainer(stack, "producer", {
    name: PRODUCER,
    image: ShippedApps.rabbitmqProducer({ name: `${CONTAINERD_STORE_STACK}-rabbitmq-producer` }),
    environment: { [AppEnv.PRODUCER_COUNT]: String(options.messages), [AppEnv.PRODUCER_RATE]: "50" },
    memoryMb: 128,
    healthCheck: health,
    metrics: { enabled: false },
  });
  orders.grantPublish(producer);
  const consumer = new AppContainer(stack, "consumer", {
    name: CONSUMER,
    image: ShippedApps.rabbitmqConsumer({ name: `${CONTAINERD_STORE_STACK}-rabbitmq-consumer` }),
    memoryMb: 128,
    healthCheck: health,
    metrics: { enabled: false },
  });
  orders.grantConsume(consumer);
  return stack;
}
