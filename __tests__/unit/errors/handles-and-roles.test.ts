/**
 * Handles and roles across constructs: a queue or exchange handle of one
 * broker given to another (it named the other broker's entity by its name
 * alone, with a fix that said to declare what was declared), and a shipped
 * app wired for what it does not do (it started, then exited or idled), and
 * an app wired to a broker of another stack (its Terraform was invalid).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App, TerraformStack } from "cdktf";
import { AppContainer, ContainerImage, KafkaBroker, Network, RabbitMqBroker, ShippedApps } from "../../../constructs";
import { problemMessages } from "../helpers";

const twoBrokers = (s: TerraformStack) => {
  const network = new Network(s, "net");
  return [new RabbitMqBroker(s, "a", { network, name: "mq-a" }), new RabbitMqBroker(s, "b", { network, name: "mq-b" })] as const;
};

describe("a handle of another broker", () => {
  test.each<[string, (s: TerraformStack) => void, RegExp]>([
    [
      "as a dead-letter queue",
      (s) => {
        const [a, b] = twoBrokers(s);
        a.addQueue("orders", { deadLetterQueue: b.addQueue("orders.dead") });
      },
      /queue "orders": the dead-letter queue "orders\.dead" is declared on broker mq-b, not on mq-a.*Fix: declare it on mq-a too \(addQueue\("orders\.dead"\)/,
    ],
    [
      "as a dead-letter exchange",
      (s) => {
        const [a, b] = twoBrokers(s);
        a.addQueue("orders", { deadLetterExchange: b.addExchange("dlx", { type: "fanout" }) });
      },
      /the dead-letter exchange "dlx" is declared on broker mq-b, not on mq-a.*Fix: declare it on mq-a too \(addExchange\("dlx"\)/,
    ],
    [
      "as a binding's exchange",
      (s) => {
        const [a, b] = twoBrokers(s);
        a.addQueue("orders").bindTo(b.addExchange("events", { type: "topic" }), { routingKey: "order.*" });
      },
      /binding of queue "orders": the exchange "events" is declared on broker mq-b, not on mq-a/,
    ],
  ])("is refused %s, naming both brokers", (_, build, message) => {
    expect(problemMessages(build)).toEqual([expect.stringMatching(message)]);
  });
});

describe("a shipped app wired for what it does not do", () => {
  test.each<[string, (s: TerraformStack) => void, RegExp]>([
    [
      "a consumer made a publisher",
      (s) =>
        twoBrokers(s)[0]
          .addQueue("q")
          .grantPublish(new AppContainer(s, "app", { image: ShippedApps.rabbitmqConsumer() })),
      /the app runs the package's rabbitmq-consumer, which consumes from rabbitmq, but it is made publisher to queue "q".*Fix: use ShippedApps\.rabbitmqProducer\(\)/,
    ],
    [
      "a Kafka app on a RabbitMQ queue",
      (s) =>
        twoBrokers(s)[0]
          .addQueue("q")
          .grantConsume(new AppContainer(s, "app", { image: ShippedApps.kafkaConsumer() })),
      /the app runs the package's kafka-consumer, .* consumer of queue "q" of rabbitmq broker mq-a.*Fix: use ShippedApps\.rabbitmqConsumer\(\)/,
    ],
    [
      "a RabbitMQ producer on a Kafka topic",
      (s) =>
        new KafkaBroker(s, "kafka", { network: new Network(s, "net") })
          .addTopic("t")
          .grantProduce(new AppContainer(s, "app", { image: ShippedApps.rabbitmqProducer() })),
      /the app runs the package's rabbitmq-producer, .*Fix: use ShippedApps\.kafkaProducer\(\)/,
    ],
  ])("is refused: %s", (_, build, message) => {
    expect(problemMessages(build)).toEqual([expect.stringMatching(message)]);
  });

  test("each shipped app in its own role is accepted", () => {
    expect(
      problemMessages((s) => {
        const [a] = twoBrokers(s);
        const q = a.addQueue("q");
        q.grantPublish(new AppContainer(s, "p", { image: ShippedApps.rabbitmqProducer() }));
        q.grantConsume(new AppContainer(s, "c", { image: ShippedApps.rabbitmqConsumer() }));
        const t = new KafkaBroker(s, "kafka", { network: new Network(s, "knet") }).addTopic("t");
        t.grantProduce(new AppContainer(s, "kp", { image: ShippedApps.kafkaProducer() }));
        t.grantConsume(new AppContainer(s, "kc", { image: ShippedApps.kafkaConsumer() }), { groupId: "g" });
      }),
    ).toEqual([]);
  });
});

describe("an app and its broker in two stacks", () => {
  const image = ContainerImage.fromRegistry("example/app:1.0");
  test.each<[string, (app: App) => void]>([
    [
      "a consumer of another stack's queue",
      (app) => {
        const brokers = new TerraformStack(app, "brokers");
        const queue = new RabbitMqBroker(brokers, "mq", { network: new Network(brokers, "net") }).addQueue("orders");
        queue.grantConsume(new AppContainer(new TerraformStack(app, "apps"), "worker", { image }));
      },
    ],
    [
      "a producer to another stack's topic",
      (app) => {
        const brokers = new TerraformStack(app, "brokers");
        const topic = new KafkaBroker(brokers, "kafka", { network: new Network(brokers, "net") }).addTopic("events");
        topic.grantProduce(new AppContainer(new TerraformStack(app, "apps"), "worker", { image }));
      },
    ],
  ])("is refused: %s (Terraform cannot order a start across stacks)", (_, build) => {
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), "two-stacks-")) });
    build(app);
    expect(() => app.synth()).toThrow(
      /the app apps\/worker is in stack apps, the broker in stack brokers: an app starts after its broker, which Terraform can order only within one stack.*Fix: declare the app in stack brokers, or the broker in stack apps/s,
    );
  });

  test("is accepted in one stack, beside another stack", () => {
    expect(
      problemMessages((s) => {
        const queue = new RabbitMqBroker(s, "mq", { network: new Network(s, "net") }).addQueue("orders");
        queue.grantConsume(new AppContainer(s, "worker", { image }));
      }),
    ).toEqual([]);
  });
});
