/**
 * Options that mean nothing for a verb. TypeScript refuses an extra argument,
 * but a JavaScript caller (or a cast) passes it and it was ignored in
 * silence: a producer "in a group", a queue publisher "with a routing key"
 * that still published with the queue's name, a binding key on an exchange
 * that never reads one.
 */
import type { TerraformStack } from "cdktf";
import { AppContainer, ContainerImage, KafkaBroker, Network, RabbitMqBroker } from "../../../constructs";
import { problemMessages } from "../helpers";

const rabbit = (s: TerraformStack) => new RabbitMqBroker(s, "mq", { network: new Network(s, "net") });
const kafka = (s: TerraformStack) => new KafkaBroker(s, "kafka", { network: new Network(s, "net") });
const app = (s: TerraformStack, id = "app") => new AppContainer(s, id, { image: ContainerImage.fromRegistry("example/app:1.0") });
/** What a JavaScript caller writes; the cast stands for the missing type check. */
const js = <T>(verb: T) => verb as unknown as (...args: unknown[]) => void;

describe("an option a verb does not take", () => {
  test.each<[string, (s: TerraformStack) => void, RegExp]>([
    [
      "a consumer group on a Kafka producer",
      (s) => {
        const topic = kafka(s).addTopic("events");
        js(topic.grantProduce).call(topic, app(s), { groupId: "g" });
      },
      /topic "events"\.grantProduce\(app\) takes no options: they would be ignored.*got \{"groupId":"g"\}.*Fix: .*topic\.grantConsume\(app, \{ groupId \}\)/,
    ],
    [
      "a routing key on a queue publisher",
      (s) => {
        const queue = rabbit(s).addQueue("orders");
        js(queue.grantPublish).call(queue, app(s), { routingKey: "orders.created" });
      },
      /queue "orders"\.grantPublish\(app\) takes no options.*Fix: .*the queue's name \("orders"\) as the routing key.*exchange\.grantPublish\(app, \{ routingKey \}\)/,
    ],
    [
      "options on a queue consumer",
      (s) => {
        const queue = rabbit(s).addQueue("orders");
        js(queue.grantConsume).call(queue, app(s), { prefetch: 10 });
      },
      /queue "orders"\.grantConsume\(app\) takes no options.*got \{"prefetch":10\}/,
    ],
    [
      "a group given as a string to a producer",
      (s) => {
        const topic = kafka(s).addTopic("events");
        js(topic.grantProduce).call(topic, app(s), "g");
      },
      /grantProduce\(app\) takes no further arguments.*got "g"/,
    ],
    [
      "a second options object to a Kafka consumer",
      (s) => {
        const topic = kafka(s).addTopic("events");
        js(topic.grantConsume).call(topic, app(s), { groupId: "g" }, { fromBeginning: true });
      },
      /topic "events"\.grantConsume\(app, options\) takes no options.*Fix: put every option in the one options object: \{ groupId \}/,
    ],
    [
      "a second options object to an exchange publisher",
      (s) => {
        const broker = rabbit(s);
        broker.addQueue("q").bindTo("amq.topic", { routingKey: "a.#" });
        const exchange = broker.predefinedExchange("amq.topic");
        js(exchange.grantPublish).call(exchange, app(s), { routingKey: "a.b" }, { mandatory: true });
      },
      /exchange "amq\.topic"\.grantPublish\(app, options\) takes no options/,
    ],
  ])("is refused: %s", (_, build, message) => {
    expect(problemMessages(build)).toEqual([expect.stringMatching(message)]);
  });

  test.each<[string, (s: TerraformStack) => void]>([
    [
      "an explicit undefined after the app",
      (s) => {
        const topic = kafka(s).addTopic("t");
        js(topic.grantProduce).call(topic, app(s), undefined);
      },
    ],
    [
      "every verb with exactly its arguments",
      (s) => {
        const broker = rabbit(s);
        const queue = broker.addQueue("q");
        queue.bindTo(broker.addExchange("x", { type: "topic" }), { routingKey: "a.*" });
        queue.grantConsume(app(s, "c"));
        queue.grantPublish(app(s, "p"));
        broker.addExchange("y", { type: "direct" });
        queue.bindTo("y", { routingKey: "k" });
        broker.predefinedExchange("amq.direct");
      },
    ],
  ])("is accepted: %s", (_, build) => {
    expect(problemMessages(build)).toEqual([]);
  });
});

describe("otherRoutingKeys of a publisher", () => {
  const publisher = (otherRoutingKeys: unknown) => (s: TerraformStack) => {
    const broker = rabbit(s);
    broker.addQueue("q").bindTo("amq.topic", { routingKey: "orders.*" });
    broker.predefinedExchange("amq.topic").grantPublish(app(s), { routingKey: "orders.created", otherRoutingKeys } as never);
  };
  test.each<[string, unknown, RegExp]>([
    ["a string, not a list", "orders.cancelled", /otherRoutingKeys must be a list of strings.*got "orders\.cancelled"/],
    ["a number in the list", ["orders.cancelled", 7], /each of otherRoutingKeys must be a literal string of at most 255 bytes.*got \[7\]/],
    ["a key longer than 255 bytes", ["k".repeat(256)], /each of otherRoutingKeys must be a literal string/],
    [
      "a key no binding routes",
      ["payments.created"],
      /no binding of exchange "amq\.topic" \(topic\) routes routing key "payments\.created" to a queue/,
    ],
  ])("is refused: %s", (_, keys, message) => {
    expect(problemMessages(publisher(keys))).toEqual([expect.stringMatching(message)]);
  });

  test.each<[string, unknown]>([
    ["keys the bindings route", ["orders.cancelled", "orders.paid"]],
    ["an empty list", []],
    ["the main key again", ["orders.created"]],
  ])("is accepted: %s", (_, keys) => {
    expect(problemMessages(publisher(keys))).toEqual([]);
  });
});

describe("a binding key on an exchange that ignores it", () => {
  test.each<[string, (s: TerraformStack) => void, RegExp]>([
    [
      "a declared fanout exchange",
      (s) => {
        const broker = rabbit(s);
        broker.addQueue("audit").bindTo(broker.addExchange("all", { type: "fanout" }), { routingKey: "orders" });
      },
      /binding of queue "audit" to exchange "all": a fanout exchange ignores the binding key, so the queue would get every message.*got "orders".*Fix: remove routingKey, or bind to a direct or topic exchange/,
    ],
    [
      "amq.fanout",
      (s) => rabbit(s).addQueue("audit").bindTo("amq.fanout", { routingKey: "x" }),
      /a fanout exchange ignores the binding key/,
    ],
    [
      "a headers exchange declared after the binding",
      (s) => {
        const broker = rabbit(s);
        broker.addQueue("audit").bindTo("h", { routingKey: "x" });
        broker.addExchange("h", { type: "headers" });
      },
      /a headers exchange ignores the binding key, so the queue would get messages by their headers/,
    ],
    ["amq.match", (s) => rabbit(s).addQueue("audit").bindTo("amq.match", { routingKey: "x" }), /a headers exchange ignores/],
  ])("is refused: %s", (_, build, message) => {
    expect(problemMessages(build)).toEqual([expect.stringMatching(message)]);
  });

  test.each<[string, (s: TerraformStack) => void]>([
    ["a fanout binding without a key", (s) => rabbit(s).addQueue("audit").bindTo("amq.fanout")],
    ["a fanout binding with an empty key", (s) => rabbit(s).addQueue("audit").bindTo("amq.fanout", { routingKey: "" })],
    ["a direct binding with a key", (s) => rabbit(s).addQueue("audit").bindTo("amq.direct", { routingKey: "audit" })],
    ["a topic binding with a pattern", (s) => rabbit(s).addQueue("audit").bindTo("amq.topic", { routingKey: "#" })],
  ])("is accepted: %s", (_, build) => {
    expect(problemMessages(build)).toEqual([]);
  });
});

describe("a wildcard binding key on a direct exchange", () => {
  test.each<[string, (s: TerraformStack) => void]>([
    ["orders.*", (s) => rabbit(s).addQueue("q").bindTo("amq.direct", { routingKey: "orders.*" })],
    ["#", (s) => rabbit(s).addQueue("q").bindTo("amq.direct", { routingKey: "#" })],
    [
      "a declared direct exchange, eu.#.paid",
      (s) => {
        const broker = rabbit(s);
        broker.addQueue("q").bindTo(broker.addExchange("payments", { type: "direct" }), { routingKey: "eu.#.paid" });
      },
    ],
  ])("is refused: %s", (_, build) => {
    expect(problemMessages(build)).toEqual([
      expect.stringMatching(
        /a direct exchange matches routing keys exactly, so the wildcard in this key matches only itself.*Fix: bind to a topic exchange for a pattern/,
      ),
    ]);
  });

  test.each(["orders.created", "orders*", "#orders", "a.b"])("is accepted: %s", (key) => {
    expect(problemMessages((s) => rabbit(s).addQueue("q").bindTo("amq.direct", { routingKey: key }))).toEqual([]);
  });
});

describe("a name declared on another broker of the stack", () => {
  const two = (s: TerraformStack) => {
    const network = new Network(s, "net");
    return [new RabbitMqBroker(s, "a", { network, name: "mq-a" }), new RabbitMqBroker(s, "b", { network, name: "mq-b" })] as const;
  };
  test.each<[string, (s: TerraformStack) => void, RegExp]>([
    [
      "an exchange bound by name",
      (s) => {
        const [a, b] = two(s);
        b.addExchange("events", { type: "topic" });
        a.addQueue("q").bindTo("events", { routingKey: "#" });
      },
      /binding of queue "q": the exchange is not declared.*Fix: the exchange "events" is declared on broker mq-b, not on mq-a, and a name refers only to its own broker's: declare it on mq-a too \(addExchange\("events"\)\)/,
    ],
    [
      "a dead-letter queue by name",
      (s) => {
        const [a, b] = two(s);
        b.addQueue("dead");
        a.addQueue("q", { deadLetterQueue: "dead" });
      },
      /its dead-letter queue is not declared.*Fix: the queue "dead" is declared on broker mq-b, not on mq-a/,
    ],
  ])("is refused with a fix naming that broker: %s", (_, build, message) => {
    expect(problemMessages(build)).toEqual([expect.stringMatching(message)]);
  });
});
