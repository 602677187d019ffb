/**
 * Tricky inputs that are valid, across the constructs: each must synthesize
 * with every validation (and the three aspects) and report no problem. A
 * rule that is too strict shows here.
 */
import * as path from "path";
import { TerraformStack, TerraformVariable } from "cdktf";
import {
  addMessagingAspects,
  AppContainer,
  AppEnv,
  ContainerImage,
  DataVolume,
  DockerHost,
  HealthCheck,
  KafkaBroker,
  Network,
  RabbitMqBroker,
} from "../../constructs";
import { problemsIn } from "../../constructs/errors/problems";
import { MessagingTemplate } from "../../constructs/testing";
import { container, envOf, newStack, resources, synth } from "./helpers";

const image = ContainerImage.fromRegistry("busybox:1.36");
const KAFKA_CONSUMER_APP = path.resolve(__dirname, "..", "..", "apps", "kafka-consumer");

function rabbitOn(stack: TerraformStack): RabbitMqBroker {
  return new RabbitMqBroker(stack, "rabbitmq", { network: new Network(stack, "net") });
}
function kafkaOn(stack: TerraformStack): KafkaBroker {
  return new KafkaBroker(stack, "kafka", { network: new Network(stack, "net") });
}
const appIn = (stack: TerraformStack, id = "app", props: Partial<ConstructorParameters<typeof AppContainer>[2]> = {}) =>
  new AppContainer(stack, id, { image, ...props });

// [name, build, optional check of the synthesized JSON]
const accepts: [string, (s: TerraformStack) => void, ((json: any) => void)?][] = [
  [
    'accepts an app named "a" (its containers are a-1, a-2)',
    (s) => appIn(s, "a", { replicas: 2 }),
    (json) => expect(resources(json, "docker_container").map((c) => c.name)).toEqual(["a-1", "a-2"]),
  ],
  [
    "accepts an app whose replica names are exactly 128 characters",
    (s) => appIn(s, "app", { name: "x".repeat(126) }),
    (json) => expect(container(json, `${"x".repeat(126)}-1`)).toBeDefined(),
  ],
  ['accepts a network named "n"', (s) => new Network(s, "n"), (json) => expect(resources(json, "docker_network")[0].name).toBe("n")],
  ["accepts a network name of 128 characters", (s) => new Network(s, "net", { name: "n".repeat(128) })],
  [
    "accepts a broker name of 63 characters (the host name limit)",
    (s) => new RabbitMqBroker(s, "rabbitmq", { network: new Network(s, "net"), name: "r".repeat(63) }),
  ],
  [
    "accepts broker names that differ in more than case",
    (s) => {
      const network = new Network(s, "net");
      new KafkaBroker(s, "a", { network, name: "kafka-a" });
      new KafkaBroker(s, "b", { network, name: "kafka-b" });
    },
  ],
  ['accepts a volume named "ab" (two characters)', (s) => new DataVolume(s, "vol", { name: "ab", removalPolicy: "destroy" })],
  [
    "accepts a queue named with unicode",
    (s) => rabbitOn(s).addQueue("заказы.ünïcødé"),
    (json) =>
      expect(
        MessagingTemplate.fromJson(json)
          .queues("rabbitmq")
          .map((q) => q.name),
      ).toEqual(["заказы.ünïcødé"]),
  ],
  [
    "accepts a queue name holding '${', written literally",
    (s) => rabbitOn(s).addQueue("orders.${env}"),
    (json) =>
      expect(
        MessagingTemplate.fromJson(json)
          .queues("rabbitmq")
          .map((q) => q.name),
      ).toEqual(["orders.${env}"]),
  ],
  [
    "accepts the policy pattern (?i)^orders",
    (s) => rabbitOn(s).addPolicy("cap", { pattern: "(?i)^orders", definition: { "max-length": 1000 } }),
  ],
  [
    'accepts routing key "" on a fanout exchange',
    (s) => {
      const rabbit = rabbitOn(s);
      const fanout = rabbit.addExchange("broadcast", { type: "fanout" });
      rabbit.addQueue("a").bindTo(fanout);
      fanout.grantPublish(appIn(s), { routingKey: "" });
    },
    (json) => expect(envOf(container(json, "app-1"))).toMatchObject({ RABBITMQ_EXCHANGE: "broadcast", RABBITMQ_ROUTING_KEY: "" }),
  ],
  [
    'accepts a topic binding "orders.#" for the key "orders" (# matches zero words)',
    (s) => {
      const rabbit = rabbitOn(s);
      const topic = rabbit.addExchange("events", { type: "topic" });
      rabbit.addQueue("q").bindTo(topic, { routingKey: "orders.#" });
      topic.grantPublish(appIn(s), { routingKey: "orders" });
    },
  ],
  [
    'accepts the predefined amq.topic with "*.eu"',
    (s) => {
      const rabbit = rabbitOn(s);
      const amqTopic = rabbit.predefinedExchange("amq.topic");
      rabbit.addQueue("q").bindTo(amqTopic, { routingKey: "*.eu" });
      amqTopic.grantPublish(appIn(s), { routingKey: "order.eu" });
    },
  ],
  [
    "accepts a binding declared after the publisher",
    (s) => {
      const rabbit = rabbitOn(s);
      const exchange = rabbit.addExchange("events");
      exchange.grantPublish(appIn(s), { routingKey: "k" });
      rabbit.addQueue("q").bindTo(exchange, { routingKey: "k" });
    },
  ],
  [
    "accepts a dead-letter queue declared after the queue that uses it",
    (s) => {
      const rabbit = rabbitOn(s);
      rabbit.addQueue("orders", { deadLetterQueue: "orders.dlq" });
      rabbit.addQueue("orders.dlq");
    },
  ],
  [
    "accepts a routing key of exactly 255 bytes",
    (s) => {
      const rabbit = rabbitOn(s);
      const exchange = rabbit.addExchange("events");
      const key = "é".repeat(127) + "k"; // 2 bytes each, plus one
      rabbit.addQueue("q").bindTo(exchange, { routingKey: key });
      exchange.grantPublish(appIn(s), { routingKey: key });
    },
  ],
  [
    'accepts hostIp "::1"',
    (s) => appIn(s, "app", { ports: [{ containerPort: 80, hostPort: 8080, hostIp: "::1" }] }),
    (json) => expect(container(json, "app-1").ports[0].ip).toBe("::1"),
  ],
  [
    'accepts hostIp "::ffff:127.0.0.1"',
    (s) => appIn(s, "app", { ports: [{ containerPort: 80, hostPort: 8080, hostIp: "::ffff:127.0.0.1" }] }),
  ],
  [
    "accepts the same host port on two loopback addresses",
    (s) => {
      appIn(s, "a", { ports: [{ containerPort: 80, hostPort: 8080, hostIp: "127.0.0.1" }] });
      appIn(s, "b", { ports: [{ containerPort: 80, hostPort: 8080, hostIp: "127.0.0.2" }] });
    },
  ],
  [
    'accepts PRODUCER_COUNT " 5" (the apps trim it, as the check does)',
    (s) => appIn(s, "app", { environment: { [AppEnv.PRODUCER_COUNT]: " 5" } }),
  ],
  [
    "accepts the largest value of each bounded setting",
    (s) =>
      appIn(s, "app", {
        environment: {
          [AppEnv.STATS_INTERVAL_SECONDS]: "2147483",
          [AppEnv.BROKER_RETRY_SECONDS]: "2147483",
          [AppEnv.CONSUMER_PREFETCH]: "65535",
          [AppEnv.MESSAGE_SIZE_BYTES]: String(128 * 1024 * 1024),
          [AppEnv.PRODUCER_COUNT]: String(Number.MAX_SAFE_INTEGER),
          [AppEnv.PRODUCER_RATE]: "1000000",
        },
      }),
  ],
  [
    "accepts a setting given as a Token (Terraform checks it)",
    (s) => appIn(s, "app", { environment: { [AppEnv.PRODUCER_RATE]: new TerraformVariable(s, "rate", { type: "string" }).stringValue } }),
  ],
  [
    "accepts the user's own variables, even near ours",
    (s) =>
      appIn(s, "app", {
        environment: { PORT: "8080", NODE_ENV: "production", TZ: "UTC", PRODUCER_DATA: "x", LOG_LVL: "1", KAFKA_GROUP: "g" },
      }),
  ],
  [
    "accepts the extremes of the app props: 1000 replicas, 6 MiB, no grace period, no retries",
    (s) =>
      appIn(s, "app", {
        replicas: 1000,
        memoryMb: 6,
        stopGracePeriodSeconds: 0,
        startTimeoutSeconds: 1,
        healthCheck: HealthCheck.exec(["true"], { retries: 0, startPeriodSeconds: 0 }),
      }),
  ],
  ["accepts an empty label value", (s) => appIn(s, "app", { labels: { note: "" } })],
  [
    "accepts one app wired to RabbitMQ and Kafka at once",
    (s) => {
      const network = new Network(s, "net");
      const bridge = appIn(s, "bridge");
      new RabbitMqBroker(s, "rabbitmq", { network }).addQueue("in").grantConsume(bridge);
      new KafkaBroker(s, "kafka", { network }).addTopic("out").grantProduce(bridge);
    },
  ],
  [
    "accepts one app consuming a queue and publishing to another on the same broker",
    (s) => {
      const rabbit = rabbitOn(s);
      const relay = appIn(s, "relay");
      rabbit.addQueue("in").grantConsume(relay);
      rabbit.addQueue("out").grantPublish(relay);
    },
  ],
  [
    'accepts a direct binding with key "" for the routing key ""',
    (s) => {
      const rabbit = rabbitOn(s);
      const direct = rabbit.addExchange("events");
      rabbit.addQueue("q").bindTo(direct);
      direct.grantPublish(appIn(s), { routingKey: "" });
    },
  ],
  [
    "accepts an app pinned to two networks, one of them the broker's",
    (s) => {
      const kafka = kafkaOn(s);
      kafka.addTopic("t").grantConsume(appIn(s, "app", { networks: [new Network(s, "other"), kafka.network] }), { groupId: "g" });
    },
  ],
  [
    "accepts a Kafka message size right at the limit",
    (s) =>
      kafkaOn(s)
        .addTopic("t")
        .grantProduce(appIn(s, "app", { environment: { [AppEnv.MESSAGE_SIZE_BYTES]: String(1048588 - 1024) } })),
  ],
  ["accepts a Kafka topic name with '.', '_' and '-'", (s) => kafkaOn(s).addTopic("audit.orders_v2-x")],
  [
    'accepts the registry images "a/b:1" and "a-b-1" in one stack',
    (s) => {
      appIn(s, "a", { image: ContainerImage.fromRegistry("a/b:1") });
      appIn(s, "b", { image: ContainerImage.fromRegistry("a-b-1") });
    },
  ],
  [
    "accepts registries with ports, IPv6 and capitals",
    (s) => {
      appIn(s, "a", { image: ContainerImage.fromRegistry("localhost:5000/a/b:1") });
      appIn(s, "b", { image: ContainerImage.fromRegistry("[::1]:5000/x:1") });
      appIn(s, "c", { image: ContainerImage.fromRegistry("Registry.example.com/team/x:1") });
    },
  ],
  [
    'accepts a build named "my__app" with the tag "1.0_rc-1"',
    (s) => appIn(s, "app", { image: ContainerImage.fromBuild(KAFKA_CONSUMER_APP, { name: "my__app", tag: "1.0_rc-1" }) }),
  ],
  [
    "accepts an ssh Docker host",
    (s) => {
      s.node.tryRemoveChild("docker");
      new DockerHost(s, "docker", { host: "ssh://deploy@build-host:2222" });
    },
  ],
];

describe("valid inputs", () => {
  // Rows padded to three cells: with fewer, Jest would pass its `done` callback as `check`.
  test.each(accepts.map(([name, build, check]) => [name, build, check ?? null] as const))("%s", (_name, build, check) => {
    const stack = newStack();
    addMessagingAspects(stack);
    build(stack);
    const { json } = synth(stack); // every validation; throws on any problem
    expect(problemsIn(stack)).toEqual([]);
    check?.(json);
  });

  test("the table has at least 20 rows, all named 'accepts ...'", () => {
    expect(accepts.length).toBeGreaterThanOrEqual(20);
    for (const [name] of accepts) expect(name).toMatch(/^accepts /);
  });
});
