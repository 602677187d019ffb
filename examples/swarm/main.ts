/**
 * From one host to a Swarm: the clusters example's brokers and apps, on a
 * Docker Swarm. The one change from one engine is the DockerHost: a
 * manager's address, where broker nodes may run, and the registry the
 * Swarm's nodes pull built images from.
 */
import { App, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import {
  addMessagingAspects,
  AppContainer,
  AppEnv,
  type ContainerImage,
  DockerHost,
  HealthCheck,
  KafkaBroker,
  Network,
  Prometheus,
  RabbitMqBroker,
  runSynth,
  ShippedApps,
  type SwarmOptions,
} from "cdktf-docker-messaging";

/** Name of the stack (its folder under cdktf.out/stacks/). */
export const SWARM_STACK_NAME = "swarm";

/** Where the stack deploys. */
export interface SwarmExampleOptions {
  /**
   * A Swarm manager's API.
   * @default - $SWARM_MANAGER, else tcp://127.0.0.1:23751 (toolchain/test-swarm.sh's engine 1)
   */
  readonly manager?: string;
  /**
   * The Swarm: where broker nodes may run, and the registry.
   * @default - the test Swarm of toolchain/test-swarm.sh: node label cdktf-docker-messaging.swarm-node = 1, 2, 3; registry $SWARM_REGISTRY or 127.0.0.1:23750
   */
  readonly swarm?: SwarmOptions;
  /**
   * Messages each producer task sends a second.
   * @default 50
   */
  readonly rate?: number;
  /**
   * Tasks of each app. Two spread over the Swarm's nodes: losing a machine
   * stops at most one producer and one consumer while the Swarm moves it.
   * @default 2
   */
  readonly appReplicas?: number;
  /**
   * Prometheus's scrape interval (the default alerts wait three of them before a broker node is down).
   * @default 15
   */
  readonly scrapeIntervalSeconds?: number;
  /**
   * The apps' images: a new image rolls the app's tasks one at a time.
   * @default - the package's apps (ShippedApps)
   */
  readonly appImages?: SwarmExampleAppImages;
  /**
   * Memory of each broker node, in MiB. A change updates every node's
   * service: roll it with `cdktf-messaging-roll`, one node of each cluster at a time.
   * @default - RabbitMQ's default (512); 768 for Kafka
   */
  readonly brokerMemoryMb?: SwarmExampleBrokerMemory;
}

/** Memory of each node of the example's two brokers, in MiB. */
export interface SwarmExampleBrokerMemory {
  /** @default 512 */
  readonly rabbitmq?: number;
  /** @default 768 */
  readonly kafka?: number;
}

/** The images of the example's four apps. */
export interface SwarmExampleAppImages {
  /** @default ShippedApps.rabbitmqProducer() */
  readonly rabbitmqProducer?: ContainerImage;
  /** @default ShippedApps.rabbitmqConsumer() */
  readonly rabbitmqConsumer?: ContainerImage;
  /** @default ShippedApps.kafkaProducer() */
  readonly kafkaProducer?: ContainerImage;
  /** @default ShippedApps.kafkaConsumer() */
  readonly kafkaConsumer?: ContainerImage;
}

/**
 * A 3-node RabbitMQ (a quorum queue with a replica on every node) and a
 * 3-node Kafka (KRaft, replication factor 3, min.insync.replicas 2), each
 * node a service pinned to its own Swarm node; an endless producer and a
 * consumer on each, as services of two tasks; a Prometheus with the default
 * alerts. Deploy asks for
 * TF_VAR_swarm_rabbitmq_admin_password, TF_VAR_swarm_rabbitmq_erlang_cookie,
 * TF_VAR_swarm_rabbitmq_credentials_key, TF_VAR_swarm_kafka_admin_password,
 * TF_VAR_swarm_kafka_credentials_key and TF_VAR_swarm_kafka_cluster_secret.
 */
export function buildSwarmStack(scope: Construct, id = SWARM_STACK_NAME, options: SwarmExampleOptions = {}): TerraformStack {
  const stack = new TerraformStack(scope, id);
  const swarm = options.swarm ?? {
    brokerNodes: { label: "cdktf-docker-messaging.swarm-node", values: ["1", "2", "3"] },
    registry: process.env.SWARM_REGISTRY ?? "127.0.0.1:23750",
  };
  // The one change: a Swarm manager, where broker nodes may run, and a registry.
  new DockerHost(stack, "docker", { host: options.manager ?? process.env.SWARM_MANAGER ?? "tcp://127.0.0.1:23751", swarm });
  addMessagingAspects(stack, { labels: { "cdktf-docker-messaging.example": id } });
  const network = new Network(stack, "net", { name: id });
  const healthy = HealthCheck.exec(["test", "-f", "/tmp/app-healthy"], { intervalSeconds: 5, startPeriodSeconds: 5 });
  const rate = String(options.rate ?? 50);
  const app = (name: string, image: ContainerImage, environment: Record<string, string>) =>
    new AppContainer(stack, name, { image, environment, memoryMb: 128, healthCheck: healthy, replicas: options.appReplicas ?? 2 });

  const memory = options.brokerMemoryMb ?? {};
  const rabbit = new RabbitMqBroker(stack, "rabbitmq", { network, name: `${id}-rabbitmq`, nodes: 3, memoryMb: memory.rabbitmq });
  const jobs = rabbit.addQueue(`${id}.jobs`); // quorum: a replica on every node
  const images = options.appImages ?? {};
  jobs.grantPublish(
    app(`${id}-rabbitmq-producer`, images.rabbitmqProducer ?? ShippedApps.rabbitmqProducer(), { [AppEnv.PRODUCER_RATE]: rate }),
  );
  jobs.grantConsume(app(`${id}-rabbitmq-consumer`, images.rabbitmqConsumer ?? ShippedApps.rabbitmqConsumer(), {}));

  const kafka = new KafkaBroker(stack, "kafka", { network, name: `${id}-kafka`, nodes: 3, memoryMb: memory.kafka ?? 768 });
  const events = kafka.addTopic(`${id}.events`, { partitions: 3 });
  events.grantProduce(app(`${id}-kafka-producer`, images.kafkaProducer ?? ShippedApps.kafkaProducer(), { [AppEnv.PRODUCER_RATE]: rate }));
  events.grantConsume(app(`${id}-kafka-consumer`, images.kafkaConsumer ?? ShippedApps.kafkaConsumer(), {}), {
    groupId: `${id}-consumers`,
  });

  // Scrapes every broker node by name and every app task by the service's task DNS. Pinned to one
  // Swarm node (the one of broker node 1), so that its history stays on that node's volume.
  new Prometheus(stack, "prometheus", {
    name: `${id}-prometheus`,
    scrapeIntervalSeconds: options.scrapeIntervalSeconds ?? 15,
    placementConstraints: [`node.labels.${swarm.brokerNodes.label}==${swarm.brokerNodes.values[0]}`],
  });
  return stack;
}

if (require.main === module) {
  runSynth(() => {
    const app = new App();
    buildSwarmStack(app);
    app.synth();
  });
}
