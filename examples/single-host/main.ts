/**
 * Single host: RabbitMQ and Kafka on one Docker engine, a producer and a
 * consumer on each, and a Prometheus scraping them all. The repository's
 * default stack (main.ts) is this example.
 */
import * as path from "path";
import { App, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import {
  addMessagingAspects,
  AppContainer,
  AppEnv,
  ContainerImage,
  DefaultImages,
  DockerHost,
  HealthCheck,
  KafkaBroker,
  Network,
  Prometheus,
  RabbitMqBroker,
  runSynth,
  ShippedApps,
  type ShippedAppName,
} from "cdktf-docker-messaging";

/** Name of the stack (its folder under cdktf.out/stacks/, its state terraform.messaging.tfstate). */
export const SINGLE_HOST_STACK_NAME = "messaging";

export interface SingleHostOptions {
  /**
   * Folder holding the apps to build (`<folder>/<app>/Dockerfile`), in place
   * of the package's own.
   * @default - the apps this package ships (ShippedApps)
   */
  readonly appsDirectory?: string;
  /**
   * Metrics on every broker and app, and a Prometheus scraping them (UI on
   * 127.0.0.1:9090). false: neither.
   * @default true
   */
  readonly observability?: boolean;
}

/**
 * One network; RabbitMQ with a quorum queue "orders" and its dead-letter
 * queue; Kafka with a topic "events"; a producer and a consumer for each
 * broker; a Prometheus with the default alerts. Brokers publish on
 * 127.0.0.1: AMQP 5672, management 15672, Kafka 29092, Prometheus 9090.
 */
export function buildSingleHostStack(scope: Construct, id = SINGLE_HOST_STACK_NAME, options: SingleHostOptions = {}): TerraformStack {
  const observability = options.observability ?? true;
  const metrics = { enabled: observability };
  const stack = new TerraformStack(scope, id);
  new DockerHost(stack, "docker");
  addMessagingAspects(stack, { labels: { "cdktf-docker-messaging.example": "default" } });

  const network = new Network(stack, "network", { name: "messaging" });

  const rabbitmq = new RabbitMqBroker(stack, "rabbitmq", {
    network,
    amqpHostPort: 5672,
    managementHostPort: 15672,
    metrics,
    // A demo: `cdktf destroy` removes its data too. Brokers default to "retain".
    dataRemovalPolicy: "destroy",
  });
  const deadLetters = rabbitmq.addQueue("orders.dead-letter", { type: "quorum" });
  const orders = rabbitmq.addQueue("orders", { type: "quorum", deadLetterQueue: deadLetters });

  const kafka = new KafkaBroker(stack, "kafka", {
    network,
    hostPort: 29092,
    dataRemovalPolicy: "destroy",
    metrics,
  });
  const events = kafka.addTopic("events", { partitions: 3, configs: { "retention.ms": 7 * 24 * 3600 * 1000 } });

  const image = (name: ShippedAppName): ContainerImage =>
    options.appsDirectory === undefined
      ? ShippedApps.image(name)
      : ContainerImage.fromBuild(path.join(options.appsDirectory, name), { buildArgs: { NODE_IMAGE: DefaultImages.node } });
  const app = (name: ShippedAppName, environment: Record<string, string>): AppContainer =>
    new AppContainer(stack, name, {
      image: image(name),
      environment,
      memoryMb: 128,
      // The apps keep /tmp/app-healthy while they hold a broker connection.
      healthCheck: HealthCheck.exec(["test", "-f", "/tmp/app-healthy"], { intervalSeconds: 5, startPeriodSeconds: 5 }),
      metrics,
    });
  // Producers send a finite batch at a modest rate, then idle (no drift, no restart loop).
  const producerSettings = { [AppEnv.PRODUCER_COUNT]: "1000", [AppEnv.PRODUCER_RATE]: "20" };

  orders.grantPublish(app("rabbitmq-producer", producerSettings));
  orders.grantConsume(app("rabbitmq-consumer", {}));
  events.grantProduce(app("kafka-producer", producerSettings));
  events.grantConsume(app("kafka-consumer", {}), { groupId: "events-consumer" });

  // Scrapes every broker node and app above (found in the stack, not listed), with the default alerts.
  if (observability) {
    new Prometheus(stack, "prometheus", {
      uiHostPort: 9090,
      scrapeIntervalSeconds: 5,
      retentionDays: 7,
      dataRemovalPolicy: "destroy",
    });
  }

  return stack;
}

if (require.main === module) {
  // Every problem of the stack as one short block naming this file and line, exit status 1.
  runSynth(() => {
    const app = new App();
    buildSingleHostStack(app);
    app.synth();
  });
}
