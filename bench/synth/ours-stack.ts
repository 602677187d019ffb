/**
 * The synth benchmark's "ours" stack: the default stack's brokers (as in
 * main.ts) plus `apps` producer/consumer apps, built with our constructs.
 * App i is the kind APP_KINDS[i % 4], so 4 apps = the default stack's apps.
 */
import * as path from "path";
import { TerraformStack } from "cdktf";
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
  RabbitMqBroker,
} from "../../constructs";
import { APP_KINDS, appName, APPS_DIR, STACK_NAME } from "./shape";

export function buildOursStack(scope: Construct, apps: number): TerraformStack {
  const stack = new TerraformStack(scope, STACK_NAME);
  new DockerHost(stack, "docker");
  addMessagingAspects(stack, { labels: { "cdktf-docker-messaging.example": "default" } });
  const network = new Network(stack, "network", { name: "messaging" });

  const rabbitmq = new RabbitMqBroker(stack, "rabbitmq", {
    network,
    amqpHostPort: 5672,
    managementHostPort: 15672,
    dataRemovalPolicy: "destroy",
  });
  const deadLetters = rabbitmq.addQueue("orders.dead-letter", { type: "quorum" });
  const orders = rabbitmq.addQueue("orders", { type: "quorum", deadLetterQueue: deadLetters });

  const kafka = new KafkaBroker(stack, "kafka", { network, hostPort: 29092, dataRemovalPolicy: "destroy" });
  const events = kafka.addTopic("events", { partitions: 3, configs: { "retention.ms": 7 * 24 * 3600 * 1000 } });

  const images = new Map<string, ContainerImage>();
  const imageFor = (kind: string): ContainerImage => {
    let image = images.get(kind);
    if (!image) {
      image = ContainerImage.fromBuild(path.join(APPS_DIR, kind), { buildArgs: { NODE_IMAGE: DefaultImages.node } });
      images.set(kind, image);
    }
    return image;
  };
  const healthCheck = HealthCheck.exec(["test", "-f", "/tmp/app-healthy"], { intervalSeconds: 5, startPeriodSeconds: 5 });
  const producerSettings = { [AppEnv.PRODUCER_COUNT]: "1000", [AppEnv.PRODUCER_RATE]: "20" };

  for (let i = 0; i < apps; i++) {
    const kind = APP_KINDS[i % APP_KINDS.length]!;
    const name = appName(i);
    const app = new AppContainer(stack, name, {
      image: imageFor(kind),
      environment: kind.endsWith("producer") ? producerSettings : {},
      memoryMb: 128,
      healthCheck,
    });
    // Wired by role, as main.ts wires the default stack's four apps.
    switch (kind) {
      case "rabbitmq-producer":
        orders.grantPublish(app);
        break;
      case "rabbitmq-consumer":
        orders.grantConsume(app);
        break;
      case "kafka-producer":
        events.grantProduce(app);
        break;
      case "kafka-consumer":
        events.grantConsume(app, { groupId: "events-consumer" });
        break;
    }
  }
  return stack;
}
