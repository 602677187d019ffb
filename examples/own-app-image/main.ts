/**
 * Your own app image, wired by role: a Kafka topic, the package's producer
 * writing to it, and a consumer of your own, built from a Dockerfile in
 * this folder (clicks-counter/), reading it in a consumer group as its own
 * Kafka user.
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
  runSynth,
  ShippedApps,
} from "cdktf-docker-messaging";

/** Name of the stack (its folder under cdktf.out/stacks/). */
export const OWN_APP_IMAGE_STACK_NAME = "own-app-image";

export interface OwnAppImageOptions {
  /**
   * Prefix of every Docker name: the network `<prefix>`, the broker
   * `<prefix>-kafka`, the apps `<prefix>-producer` and `<prefix>-counter`.
   * @default "own-app"
   */
  readonly prefix?: string;
  /**
   * Messages the producer sends, at 50 a second.
   * @default 500
   */
  readonly messages?: number;
}

/**
 * A single Kafka broker (no host port) with a topic "clicks" of 3
 * partitions; the package's kafka-producer writes a finite batch to it; the
 * app built from `clicks-counter/` (a shell script on the Kafka image, using
 * the Kafka CLI) counts them in the group "clicks-counter". Deploy asks for
 * TF_VAR_own_app_kafka_admin_password and TF_VAR_own_app_kafka_credentials_key.
 */
export function buildOwnAppImageStack(scope: Construct, id = OWN_APP_IMAGE_STACK_NAME, options: OwnAppImageOptions = {}): TerraformStack {
  const prefix = options.prefix ?? "own-app";
  const stack = new TerraformStack(scope, id);
  new DockerHost(stack, "docker");
  addMessagingAspects(stack, { labels: { "cdktf-docker-messaging.example": "own-app-image" } });
  const network = new Network(stack, "network", { name: prefix });

  const kafka = new KafkaBroker(stack, "kafka", {
    network,
    name: `${prefix}-kafka`,
    dataRemovalPolicy: "destroy",
  });
  const clicks = kafka.addTopic("clicks", { partitions: 3 });

  const producer = new AppContainer(stack, "producer", {
    name: `${prefix}-producer`,
    image: ShippedApps.kafkaProducer(),
    environment: { [AppEnv.PRODUCER_COUNT]: String(options.messages ?? 500), [AppEnv.PRODUCER_RATE]: "50" },
    memoryMb: 128,
    healthCheck: HealthCheck.exec(["test", "-f", "/tmp/app-healthy"], { intervalSeconds: 5, startPeriodSeconds: 5 }),
  });
  clicks.grantProduce(producer);

  // Your app: any folder with a Dockerfile. Rebuilt when a file in it changes.
  const counter = new AppContainer(stack, "counter", {
    name: `${prefix}-counter`,
    image: ContainerImage.fromBuild(path.join(__dirname, "clicks-counter"), {
      buildArgs: { KAFKA_IMAGE: DefaultImages.kafka },
    }),
    memoryMb: 256,
    // The script keeps /tmp/app-healthy while its consumer runs.
    healthCheck: HealthCheck.exec(["test", "-f", "/tmp/app-healthy"], { intervalSeconds: 5, startPeriodSeconds: 5 }),
    // It serves no Prometheus metrics (the package's apps do).
    metrics: { enabled: false },
  });
  // Wired by role: the network, the connection variables, its own user with
  // Read on the topic and the group, and a start after the broker is healthy.
  clicks.grantConsume(counter, { groupId: "clicks-counter" });
  return stack;
}

if (require.main === module) {
  // Every problem of the stack as one short block naming this file and line, exit status 1.
  runSynth(() => {
    const app = new App();
    buildOwnAppImageStack(app);
    app.synth();
  });
}
