// First: lighter module loading for the whole synth (see the file).
import "./constructs/private/synth-entry";
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
} from "./constructs";

export interface DefaultStackOptions {
  /**
   * Folder holding the apps (`<folder>/<app>/Dockerfile`).
   * @default - `apps/` next to this file
   */
  readonly appsDirectory?: string;
  /**
   * Metrics on every broker and app, and a Prometheus scraping them (UI on
   * 127.0.0.1:9090). false: neither (the 0.3 stack; the deploy benchmark
   * compares that one with its Docker Compose twin).
   * @default true
   */
  readonly observability?: boolean;
}

/** Name of the default stack (its folder under cdktf.out/stacks/). */
export const DEFAULT_STACK_NAME = "messaging";

/**
 * The default stack: one network; RabbitMQ with a queue and its dead-letter
 * queue; Kafka with a topic; a producer and a consumer for each broker, built
 * from `apps/`; a Prometheus scraping them all (UI on 127.0.0.1:9090); all on
 * the local Docker engine ($DOCKER_HOST or
 * unix:///var/run/docker.sock).
 */
export function buildDefaultStack(scope: Construct, options: DefaultStackOptions = {}): TerraformStack {
  const appsDirectory = options.appsDirectory ?? path.join(__dirname, "apps");
  const observability = options.observability ?? true;
  const metrics = { enabled: observability };
  const stack = new TerraformStack(scope, DEFAULT_STACK_NAME);
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

  const app = (id: string, folder: string, environment: Record<string, string>): AppContainer =>
    new AppContainer(stack, id, {
      image: ContainerImage.fromBuild(path.join(appsDirectory, folder), {
        buildArgs: { NODE_IMAGE: DefaultImages.node },
      }),
      environment,
      memoryMb: 128,
      // The apps keep /tmp/app-healthy while they hold a broker connection.
      healthCheck: HealthCheck.exec(["test", "-f", "/tmp/app-healthy"], { intervalSeconds: 5, startPeriodSeconds: 5 }),
      metrics,
    });
  // Producers send a finite batch at a modest rate, then idle (no drift, no restart loop).
  const producerSettings = { [AppEnv.PRODUCER_COUNT]: "1000", [AppEnv.PRODUCER_RATE]: "20" };

  orders.grantPublish(app("rabbitmq-producer", "rabbitmq-producer", producerSettings));
  orders.grantConsume(app("rabbitmq-consumer", "rabbitmq-consumer", {}));
  events.grantProduce(app("kafka-producer", "kafka-producer", producerSettings));
  events.grantConsume(app("kafka-consumer", "kafka-consumer", {}), { groupId: "events-consumer" });

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
  // Every problem of the stack as one short block naming this file and line
  // (CDKTF_DOCKER_MESSAGING_DEBUG=1 adds stack traces), exit status 1.
  runSynth(() => {
    // No stack trace per construct: with esbuild-register's source maps each one costs
    // a source-map lookup, a large share of synth time; our errors name the user's line.
    const app = new App({ stackTraces: false });
    buildDefaultStack(app);
    app.synth();
  });
}
