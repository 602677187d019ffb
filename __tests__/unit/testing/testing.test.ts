/**
 * The testing entry point (constructs/testing): synthSnapshot for users'
 * snapshot tests, MessagingTemplate for assertions by concept.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { TerraformStack, Testing } from "cdktf";
import { buildDefaultStack } from "../../../main";
import {
  AppContainer,
  ContainerImage,
  DefaultImages,
  DockerHost,
  KafkaBroker,
  MessagingProblems,
  Network,
  RabbitMqBroker,
} from "../../../constructs";
import { MessagingTemplate, synthSnapshot, synthStack } from "../../../constructs/testing";
import { buildOrdersPipelineStack } from "../../support/example-stacks";
import { newStack } from "../helpers";

jest.setTimeout(60_000);

const APPS = path.resolve(__dirname, "..", "..", "..", "apps");

/**
 * A checkout elsewhere: `<temp>/apps`, a copy of apps/ with `edit` applied.
 * Like a user's test, the snapshot is taken from the checkout's root.
 */
function checkout(prefix: string, edit: (apps: string) => void = () => undefined): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.cpSync(APPS, path.join(root, "apps"), { recursive: true, filter: (src) => !src.split(path.sep).includes("node_modules") });
  edit(path.join(root, "apps"));
  return root;
}

/** synthSnapshot of the default stack built in `root` (working folder `root`), with DOCKER_HOST as given. */
function snapshotIn(root: string, dockerHost: string | undefined): Record<string, any> {
  const cwd = process.cwd();
  const saved = process.env.DOCKER_HOST;
  if (dockerHost === undefined) delete process.env.DOCKER_HOST;
  else process.env.DOCKER_HOST = dockerHost;
  try {
    process.chdir(root);
    return synthSnapshot(buildDefaultStack(Testing.app(), { appsDirectory: path.join(root, "apps") }));
  } finally {
    process.chdir(cwd);
    if (saved === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = saved;
  }
}

describe("synthSnapshot", () => {
  let first: string;
  let second: string;
  beforeAll(() => {
    first = checkout("snapshot-a-");
    // Another machine, another day: a source file edited, a file added.
    second = checkout("snapshot-b-", (apps) => {
      fs.appendFileSync(path.join(apps, "rabbitmq-producer", "src", "main.ts"), "\n// edited\n");
      fs.writeFileSync(path.join(apps, "kafka-consumer", "NOTES.md"), "new file\n");
    });
  });
  afterAll(() => {
    for (const root of [first, second]) fs.rmSync(root, { recursive: true, force: true });
  });

  test("the two checkouts really differ (so their images' hashes do)", () => {
    const one = synthStack(buildDefaultStack(Testing.app(), { appsDirectory: path.join(first, "apps") }));
    const two = synthStack(buildDefaultStack(Testing.app(), { appsDirectory: path.join(second, "apps") }));
    expect(JSON.stringify(one)).not.toBe(JSON.stringify(two));
  });

  test("is identical for the default stack built from two checkouts with different files (DOCKER_HOST unset)", () => {
    expect(snapshotIn(second, undefined)).toEqual(snapshotIn(first, undefined));
  });

  test("is identical for the two checkouts with DOCKER_HOST set, and shows no host", () => {
    const a = snapshotIn(first, "tcp://10.1.2.3:2375");
    const b = snapshotIn(second, "tcp://10.1.2.3:2375");
    expect(b).toEqual(a);
    expect(a.provider.docker).toEqual([{ host: "<docker-host>" }]);
    expect(JSON.stringify(a)).not.toContain("10.1.2.3");
  });

  test("is the same with DOCKER_HOST unset and with DOCKER_HOST=tcp://127.0.0.1:2375 (both are the machine's host)", () => {
    /** synthSnapshot of a stack whose DockerHost takes the machine's default, built and synthesized with DOCKER_HOST as given. */
    const snapshotWith = (dockerHost: string | undefined): Record<string, any> => {
      const saved = process.env.DOCKER_HOST;
      if (dockerHost === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = dockerHost;
      try {
        const stack = new TerraformStack(Testing.app(), "machine");
        new DockerHost(stack, "docker");
        new AppContainer(stack, "web", { image: ContainerImage.fromRegistry("nginx:1.27") });
        return synthSnapshot(stack);
      } finally {
        if (saved === undefined) delete process.env.DOCKER_HOST;
        else process.env.DOCKER_HOST = saved;
      }
    };
    const saved = process.env.DOCKER_HOST;
    const unset = snapshotWith(undefined);
    const tcp = snapshotWith("tcp://127.0.0.1:2375");
    expect(process.env.DOCKER_HOST).toBe(saved);
    expect(tcp).toEqual(unset);
    expect(unset.provider.docker).toEqual([{ host: "<docker-host>" }]);
    expect(JSON.stringify(tcp)).not.toContain("2375");
  });

  test("masks build folders, hashes and hash tags, and nothing else", () => {
    const snapshot = snapshotIn(first, undefined);
    const text = JSON.stringify(snapshot);
    expect(text).not.toContain(first);
    expect(text).not.toMatch(/[0-9a-f]{64}/);
    const all = Object.values<any>(snapshot.resource.docker_image);
    // The brokers' images, the Node image of the RabbitMQ set-up job and Prometheus'.
    expect(
      all
        .filter((i) => !i.build)
        .map((i) => i.name)
        .sort(),
    ).toEqual([DefaultImages.kafka, DefaultImages.node, DefaultImages.prometheus, DefaultImages.rabbitmq].sort());
    const images = all.filter((i) => i.build);
    expect(images.map((i) => i.build.context).sort()).toEqual([
      "<build-context:apps/kafka-consumer>",
      "<build-context:apps/kafka-producer>",
      "<build-context:apps/rabbitmq-consumer>",
      "<build-context:apps/rabbitmq-producer>",
    ]);
    for (const image of images) {
      expect(image.name).toMatch(/^(rabbitmq|kafka)-(producer|consumer):<context-tag>$/);
      expect(image.triggers).toEqual({ context_sha256: "<context-sha256>", build_options_sha256: expect.stringContaining("NODE_IMAGE") });
    }
    expect(snapshot.provider.docker).toEqual([{ host: "<docker-host>" }]);
  });

  test("still catches a real change", () => {
    const stack = buildDefaultStack(Testing.app(), { appsDirectory: path.join(first, "apps") });
    const before = JSON.stringify(synthSnapshot(stack));
    const changed = buildDefaultStack(Testing.app(), { appsDirectory: path.join(first, "apps") });
    new AppContainer(changed, "extra", { image: ContainerImage.fromRegistry("busybox:1.36") });
    expect(JSON.stringify(synthSnapshot(changed))).not.toBe(before);
  });

  test("fails like synth on a stack with problems", () => {
    const stack = newStack();
    new Network(stack, "net", { name: "bad name" });
    expect(() => synthSnapshot(stack)).toThrow(MessagingProblems);
    expect(() => synthStack(stack)).toThrow(/^1 problem:\n {2}- test\/net: name is not a valid Docker network name/);
  });
});

describe("MessagingTemplate on the default stack", () => {
  let t: MessagingTemplate;
  beforeAll(() => {
    t = MessagingTemplate.fromStack(buildDefaultStack(Testing.app()));
  });

  test("reads the queues from the definitions RabbitMQ loads", () => {
    expect(t.queues("rabbitmq").map((q) => q.name)).toEqual(["orders.dead-letter", "orders"]);
    t.expectQueue("rabbitmq", "orders", { type: "quorum", durable: true, deadLettersTo: "orders.dead-letter" });
    t.expectQueue("rabbitmq", "orders.dead-letter", { type: "quorum" });
    expect(t.queue("rabbitmq", "orders.dead-letter").deadLettersTo).toBeUndefined();
    expect(t.bindings("rabbitmq")).toEqual([]);
  });

  test("reads the topics from the topics job", () => {
    expect(t.topics("kafka")).toEqual([{ name: "events", partitions: 3, replicationFactor: 1, configs: { "retention.ms": "604800000" } }]);
    expect(t.topics("rabbitmq")).toEqual([]);
  });

  test("reads each app's wiring from its connection settings", () => {
    expect(t.wiringOf("rabbitmq-producer")).toEqual([
      { broker: "rabbitmq", kind: "rabbitmq", role: "publisher", exchange: "", routingKey: "orders" },
    ]);
    expect(t.wiringOf("rabbitmq-consumer")).toEqual([{ broker: "rabbitmq", kind: "rabbitmq", role: "consumer", queue: "orders" }]);
    expect(t.wiringOf("kafka-producer")).toEqual([{ broker: "kafka", kind: "kafka", role: "producer", topic: "events" }]);
    t.expectWiring("kafka-consumer", { broker: "kafka", role: "consumer", topic: "events", groupId: "events-consumer" });
  });

  test("lists the published ports: all on loopback", () => {
    expect(t.publishedPorts()).toEqual(
      expect.arrayContaining([
        { container: "rabbitmq", containerPort: 5672, hostPort: 5672, hostIp: "127.0.0.1" },
        { container: "rabbitmq", containerPort: 15672, hostPort: 15672, hostIp: "127.0.0.1" },
        { container: "kafka", containerPort: 9094, hostPort: 29092, hostIp: "127.0.0.1" },
      ]),
    );
    expect(t.publishedPorts()).toHaveLength(4);
    expect(() => t.expectNoPortBeyondLoopback()).not.toThrow();
  });

  test("finds containers by component", () => {
    expect(t.containersOf("app").sort()).toEqual(["kafka-consumer-1", "kafka-producer-1", "rabbitmq-consumer-1", "rabbitmq-producer-1"]);
    expect(t.containersOf("rabbitmq-broker")).toEqual(["rabbitmq"]);
    expect(t.containersOf("kafka-broker")).toEqual(["kafka"]);
    expect(t.containersOf("kafka-setup")).toEqual(["kafka-setup"]);
    expect(t.containersOf("rabbitmq-setup")).toEqual(["rabbitmq-setup"]);
  });
});

describe("MessagingTemplate on the orders pipeline example", () => {
  let t: MessagingTemplate;
  beforeAll(() => {
    t = MessagingTemplate.fromStack(buildOrdersPipelineStack(Testing.app()));
  });

  test("reads queues with their dead-lettering and the topic exchange's binding", () => {
    t.expectQueue("orders-mq", "orders.placed", { type: "quorum", deadLettersTo: "orders.failed" });
    expect(t.queue("orders-mq", "orders.placed").arguments["x-delivery-limit"]).toBe(5);
    t.expectQueue("orders-mq", "orders.failed", { type: "classic", durable: true });
    expect(t.bindings("orders-mq")).toEqual([{ exchange: "orders.events", queue: "orders.placed", routingKey: "order.placed.#" }]);
  });

  test("reads the compacted topic and the wirings of the three apps", () => {
    expect(t.topic("audit-kafka", "audit.orders")).toEqual({
      name: "audit.orders",
      partitions: 4,
      replicationFactor: 1,
      configs: { "cleanup.policy": "compact,delete" },
    });
    t.expectWiring("order-producer", { broker: "orders-mq", role: "publisher", exchange: "orders.events", routingKey: "order.placed.eu" });
    t.expectWiring("order-worker", { broker: "orders-mq", role: "consumer", queue: "orders.placed" });
    t.expectWiring("auditor", { broker: "audit-kafka", kind: "kafka", role: "consumer", topic: "audit.orders", groupId: "auditors" });
    expect(t.containersOf("app").sort()).toEqual(["auditor-1", "order-producer-1", "order-worker-1", "order-worker-2"]);
  });

  test("publishes only on loopback", () => {
    expect(
      t
        .publishedPorts()
        .map((p) => p.hostPort)
        .sort(),
    ).toEqual([25672, 25673, 39092]);
    t.expectNoPortBeyondLoopback();
  });
});

describe("MessagingTemplate: a mismatch throws, saying what was found", () => {
  let t: MessagingTemplate;
  beforeAll(() => {
    t = MessagingTemplate.fromStack(buildDefaultStack(Testing.app()));
  });

  test.each([
    [
      "expectQueue with another type",
      () => t.expectQueue("rabbitmq", "orders", { type: "classic" }),
      /queue "orders" of rabbitmq: type is "quorum", expected "classic"/,
    ],
    [
      "expectQueue with another dead-letter queue",
      () => t.expectQueue("rabbitmq", "orders", { deadLettersTo: "elsewhere" }),
      /deadLettersTo is "orders\.dead-letter", expected "elsewhere"/,
    ],
    [
      "expectQueue of a queue not declared",
      () => t.expectQueue("rabbitmq", "payments", {}),
      /broker rabbitmq declares no queue "payments" \(it has: orders\.dead-letter, orders\)/,
    ],
    ["queues of a Kafka broker", () => t.queues("kafka"), /kafka uploads no definitions\.json \(is it a RabbitMQ broker\?\)/],
    ["queues of no broker", () => t.queues("nope"), /no broker named nope \(no container nope or nope-1\)/],
    ["topic not created", () => t.topic("kafka", "audit"), /broker kafka creates no topic "audit" \(it has: events\)/],
    [
      "expectWiring with another group",
      () => t.expectWiring("kafka-consumer", { groupId: "others" }),
      /app kafka-consumer has no wiring \{"groupId":"others"\}; it has \[.*"groupId":"events-consumer"/,
    ],
    [
      "expectWiring with another role",
      () => t.expectWiring("rabbitmq-producer", { role: "consumer" }),
      /app rabbitmq-producer has no wiring \{"role":"consumer"\}/,
    ],
    [
      "wiringOf an unknown app",
      () => t.wiringOf("billing"),
      /no app named billing \(the stack.s apps: kafka-consumer, kafka-producer, rabbitmq-consumer, rabbitmq-producer\)/,
    ],
  ] as [string, () => unknown, RegExp][])("%s", (_what, act, message) => {
    expect(act).toThrow(message);
  });

  test("expectNoPortBeyondLoopback throws for a port on every address, naming it", () => {
    const stack: TerraformStack = newStack();
    new AppContainer(stack, "web", {
      image: ContainerImage.fromRegistry("nginx:1.27"),
      ports: [{ containerPort: 80, hostPort: 8080, hostIp: "0.0.0.0" }],
    });
    new AppContainer(stack, "local", {
      image: ContainerImage.fromRegistry("nginx:1.27"),
      ports: [{ containerPort: 80, hostPort: 8081, hostIp: "::1" }],
    });
    const template = MessagingTemplate.fromStack(stack);
    expect(() => template.expectNoPortBeyondLoopback()).toThrow(
      'ports published beyond loopback: [{"container":"web-1","containerPort":80,"hostPort":8080,"hostIp":"0.0.0.0"}]',
    );
  });
});

describe("MessagingTemplate names a cluster broker one way", () => {
  let t: MessagingTemplate;
  beforeAll(() => {
    const stack = newStack();
    const network = new Network(stack, "net", { name: "shop" });
    const rabbit = new RabbitMqBroker(stack, "rabbit", { network, name: "shop-rabbit", nodes: 3 });
    const kafka = new KafkaBroker(stack, "kafka", { network, name: "shop-kafka", nodes: 3 });
    const app = (id: string) => new AppContainer(stack, id, { image: ContainerImage.fromRegistry("busybox:1.36") });
    rabbit.addQueue("orders").grantConsume(app("orders-reader"));
    kafka.addTopic("events", { partitions: 3 }).grantConsume(app("events-reader"), { groupId: "readers" });
    t = MessagingTemplate.fromStack(stack);
  });

  test("the broker name that expectWiring reports is the one expectQueue and topic take", () => {
    t.expectWiring("orders-reader", { broker: "shop-rabbit", role: "consumer", queue: "orders" });
    t.expectWiring("events-reader", { broker: "shop-kafka", role: "consumer", topic: "events" });
    t.expectQueue("shop-rabbit", "orders", { type: "quorum" });
    expect(t.topic("shop-kafka", "events")).toMatchObject({ partitions: 3, replicationFactor: 3 });
  });

  test("a node's container name still works", () => {
    t.expectQueue("shop-rabbit-1", "orders", { type: "quorum" });
    expect(t.topic("shop-kafka-2", "events").partitions).toBe(3);
  });

  test("fails naming both forms when the broker is unknown", () => {
    expect(() => t.queues("shop-mq")).toThrow("no broker named shop-mq (no container shop-mq or shop-mq-1)");
  });
});
