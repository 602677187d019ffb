/**
 * Which of the package's settings each shipped app reads, as the constructs
 * know it (settingsReadBy: a setting an app ignores is refused at synth),
 * against what the apps' own readers touch: a Proxy records every variable
 * read from the environment.
 */
import * as fs from "fs";
import * as path from "path";
import { readCommonConfig, readConsumerConfig, readProducerConfig } from "../../../apps/shared/app-config";
import { AppContainer, AppEnv, ContainerImage, KafkaBroker, Network, RabbitMqBroker, ShippedApps } from "../../../constructs";
import { APP_SETTINGS } from "../../../constructs/apps/app-settings";
import { settingsReadBy, type ShippedAppName } from "../../../constructs/apps/shipped-apps";
import { problemMessages } from "../helpers";

/** The settings of APP_SETTINGS that `read` looks up. */
function readsOf(read: (env: NodeJS.ProcessEnv) => unknown): string[] {
  const seen = new Set<string>();
  read(new Proxy({} as NodeJS.ProcessEnv, { get: (_, key) => (typeof key === "string" && seen.add(key), undefined) }));
  return [...seen].filter((k) => k in APP_SETTINGS && k !== "METRICS_PORT").sort();
}

test.each<[ShippedAppName, ((env: NodeJS.ProcessEnv) => unknown)[]]>([
  ["rabbitmq-producer", [readCommonConfig, readProducerConfig]],
  ["kafka-producer", [readCommonConfig, readProducerConfig]],
  ["rabbitmq-consumer", [readCommonConfig, readConsumerConfig]],
  ["kafka-consumer", [readCommonConfig, readConsumerConfig]],
])("%s reads what the constructs say it reads", (app, readers) => {
  const source = fs.readFileSync(path.join(__dirname, "../../../apps", app, "src/main.ts"), "utf8");
  // Besides the shared readers, an app's main may read a setting of its own (the RabbitMQ consumer's prefetch).
  const own = Object.keys(APP_SETTINGS).filter((k) => source.includes(`AppEnv.${k}`) || source.includes(`AppOnlyEnv.${k}`));
  expect([...settingsReadBy(app)].sort()).toEqual([...new Set([...readers.flatMap(readsOf), ...own])].sort());
});

describe("a setting the shipped app ignores", () => {
  test.each<[string, () => ContainerImage, string, RegExp]>([
    [
      "a prefetch on a producer",
      ShippedApps.rabbitmqProducer,
      AppEnv.CONSUMER_PREFETCH,
      /environment\.CONSUMER_PREFETCH is a setting of the package's rabbitmq-consumer, and this app runs rabbitmq-producer, which ignores it.*Fix: remove CONSUMER_PREFETCH/,
    ],
    [
      "a producer count on a consumer",
      ShippedApps.kafkaConsumer,
      AppEnv.PRODUCER_COUNT,
      /PRODUCER_COUNT is a setting of the package's rabbitmq-producer and kafka-producer, and this app runs kafka-consumer/,
    ],
    [
      "a prefetch on the Kafka consumer",
      ShippedApps.kafkaConsumer,
      AppEnv.CONSUMER_PREFETCH,
      /CONSUMER_PREFETCH .* this app runs kafka-consumer, which ignores it/,
    ],
  ])("is refused: %s", (_, image, key, message) => {
    expect(
      problemMessages(
        (s) => new AppContainer(s, "app", { image: image(), environment: { [key]: "10" }, networks: [new Network(s, "net")] }),
      ),
    ).toEqual([expect.stringMatching(message)]);
  });

  test("settings each app reads are accepted, and an image of one's own may take any", () => {
    expect(
      problemMessages((s) => {
        const network = new Network(s, "net");
        new RabbitMqBroker(s, "mq", { network }).addQueue("q").grantConsume(
          new AppContainer(s, "c", {
            image: ShippedApps.rabbitmqConsumer(),
            environment: { [AppEnv.CONSUMER_PREFETCH]: "10", [AppEnv.STATS_INTERVAL_SECONDS]: "10" },
          }),
        );
        new KafkaBroker(s, "kafka", { network })
          .addTopic("t")
          .grantProduce(new AppContainer(s, "p", { image: ShippedApps.kafkaProducer(), environment: { [AppEnv.PRODUCER_RATE]: "5" } }));
        new AppContainer(s, "own", {
          image: ContainerImage.fromRegistry("example/app:1.0"),
          environment: { [AppEnv.CONSUMER_PREFETCH]: "10" },
          networks: [network],
        });
      }),
    ).toEqual([]);
  });
});
