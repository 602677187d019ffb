/**
 * RabbitMqBroker's topology as code: what addQueue / addExchange / bindTo /
 * addPolicy put into definitions.json, what each grant verb gives an app,
 * and the problems reported for references that do not resolve. The rule
 * tables (queue arguments, policy keys, patterns) have their own tests in
 * rabbitmq-rules.test.ts.
 */
import { TerraformStack } from "cdktf";
import {
  AppContainer,
  ContainerImage,
  Network,
  RabbitMqBroker,
  RabbitMqExchange,
  RabbitMqQueue,
  type RabbitMqBrokerProps,
} from "../../../../constructs";
import { container, envOf, newStack, problemMessages, renderTemplate, synth, upload, net } from "../../helpers";

const DEFINITIONS = "/etc/rabbitmq/definitions.json";
const BROKER_CONTAINER = "docker_container.rabbitmq_container_D5E6048A";
const SETUP_JOB = "docker_container.rabbitmq_setup_68B180B0";
/** The URL the app `user` gets: its own user (never the administrator), its password derived by Terraform from the credentials key. */
const urlOf = (user: string) => `amqp://${user}:\${sha256("\${var.rabbitmq_credentials_key}/rabbitmq/${user}")}@rabbitmq:5672/%2F`;
/** The set-up job's APP_USERS, by name. */
function appUsersOf(json: any): Record<string, { configure: string; write: string; read: string; passwordEnv: string }> {
  const users = JSON.parse(envOf(container(json, "rabbitmq-setup")).APP_USERS);
  return Object.fromEntries(
    users.map((u: any) => [u.name, { configure: u.configure, write: u.write, read: u.read, passwordEnv: u.passwordEnv }]),
  );
}

function rabbitIn(stack: TerraformStack, props: Partial<RabbitMqBrokerProps> = {}, id = "rabbitmq"): RabbitMqBroker {
  return new RabbitMqBroker(stack, id, { network: net(stack), ...props });
}

function broker(props: Partial<RabbitMqBrokerProps> = {}) {
  const stack = newStack();
  return { stack, rabbit: rabbitIn(stack, props) };
}

function app(stack: TerraformStack, id = "app", props: { replicas?: number; networks?: Network[] } = {}): AppContainer {
  // busybox serves no metrics: these tests are about the wirings' settings.
  return new AppContainer(stack, id, { image: ContainerImage.fromRegistry("busybox:1.36"), metrics: { enabled: false }, ...props });
}

function definitionsOf(json: any, name = "rabbitmq"): any {
  return JSON.parse(renderTemplate(upload(container(json, name), DEFINITIONS), { [`${name}_admin_password`]: "s3cret-password" }));
}

const queueNamed = (defs: any, name: string) => defs.queues.find((q: any) => q.name === name);

describe("definitions.json", () => {
  test("renders the admin user, vhost, permissions, queues, exchanges, bindings and policies", () => {
    const { stack, rabbit } = broker({ vhost: "shop" });
    const dlq = rabbit.addQueue("orders.dlq", { type: "classic" });
    const orders = rabbit.addQueue("orders", { deadLetterQueue: dlq, deliveryLimit: 5 });
    const events = rabbit.addExchange("events", { type: "topic" });
    orders.bindTo(events, { routingKey: "order.*" });
    rabbit.addPolicy("cap", { pattern: "^orders", definition: { "max-length": 10000 } });
    const defs = definitionsOf(synth(stack).json);
    expect(defs.users).toEqual([{ name: "admin", password: "s3cret-password", tags: "administrator" }]);
    expect(defs.vhosts).toEqual([{ name: "shop" }]);
    expect(defs.permissions).toEqual([{ user: "admin", vhost: "shop", configure: ".*", write: ".*", read: ".*" }]);
    expect(defs.queues).toEqual([
      { name: "orders.dlq", vhost: "shop", durable: true, auto_delete: false, arguments: { "x-queue-type": "classic" } },
      {
        name: "orders",
        vhost: "shop",
        durable: true,
        auto_delete: false,
        arguments: {
          "x-queue-type": "quorum",
          "x-dead-letter-exchange": "",
          "x-dead-letter-routing-key": "orders.dlq",
          "x-delivery-limit": 5,
        },
      },
    ]);
    expect(defs.exchanges).toEqual([
      { name: "events", vhost: "shop", type: "topic", durable: true, auto_delete: false, internal: false, arguments: {} },
    ]);
    expect(defs.bindings).toEqual([
      { source: "events", vhost: "shop", destination: "orders", destination_type: "queue", routing_key: "order.*", arguments: {} },
    ]);
    expect(defs.policies).toEqual([
      { vhost: "shop", name: "cap", pattern: "^orders", "apply-to": "queues", definition: { "max-length": 10000 }, priority: 0 },
    ]);
  });

  test("has empty sections when nothing is declared", () => {
    const defs = definitionsOf(synth(broker().stack).json);
    expect(defs).toMatchObject({ queues: [], exchanges: [], bindings: [], policies: [] });
  });

  test("declares quorum queues by default, classic and stream queues when asked; only classic ones may be transient", () => {
    const { stack, rabbit } = broker();
    const handles = [
      rabbit.addQueue("default"),
      rabbit.addQueue("quorum", { type: "quorum" }),
      rabbit.addQueue("classic", { type: "classic" }),
      rabbit.addQueue("transient", { type: "classic", durable: false }),
      rabbit.addQueue("log", { type: "stream" }),
    ];
    expect(handles.map((h) => [h.queueName, h.type])).toEqual([
      ["default", "quorum"],
      ["quorum", "quorum"],
      ["classic", "classic"],
      ["transient", "classic"],
      ["log", "stream"],
    ]);
    const defs = definitionsOf(synth(stack).json);
    expect(defs.queues.map((q: any) => [q.name, q.arguments["x-queue-type"], q.durable])).toEqual([
      ["default", "quorum", true],
      ["quorum", "quorum", true],
      ["classic", "classic", true],
      ["transient", "classic", false],
      ["log", "stream", true],
    ]);
  });

  test("warns about a non-durable classic queue: RabbitMQ 4.0 deprecates transient non-exclusive queues", () => {
    const { stack, rabbit } = broker();
    rabbit.addQueue("transient", { type: "classic", durable: false });
    rabbit.addQueue("kept", { type: "classic" });
    synth(stack);
    const warnings = stack.node
      .findAll()
      .flatMap((c) => c.node.metadata)
      .filter((m) => String(m.type).includes("warn"))
      .map((m) => String(m.data));
    expect(warnings).toEqual([
      expect.stringContaining(
        'queue "transient": a non-durable classic queue is a transient non-exclusive queue, deprecated in RabbitMQ 4.0',
      ),
    ]);
  });

  test("renders the typed options and further arguments as x-* queue arguments", () => {
    const { stack, rabbit } = broker();
    rabbit.addQueue("orders", { messageTtlMs: 60000, maxLength: 1000, deliveryLimit: 3, arguments: { "x-overflow": "reject-publish" } });
    rabbit.addQueue("log", { type: "stream", arguments: { "x-max-age": "7D" } });
    const defs = definitionsOf(synth(stack).json);
    expect(queueNamed(defs, "orders").arguments).toEqual({
      "x-queue-type": "quorum",
      "x-message-ttl": 60000,
      "x-max-length": 1000,
      "x-delivery-limit": 3,
      "x-overflow": "reject-publish",
    });
    expect(queueNamed(defs, "log").arguments).toEqual({ "x-queue-type": "stream", "x-max-age": "7D" });
  });

  test("dead-letters to a queue by handle, or by name declared later", () => {
    const { stack, rabbit } = broker();
    const parking = rabbit.addQueue("parking", { type: "classic" });
    rabbit.addQueue("by-handle", { deadLetterQueue: parking });
    rabbit.addQueue("by-name", { deadLetterQueue: "declared-later" });
    rabbit.addQueue("declared-later");
    const { json } = synth(stack);
    const defs = definitionsOf(json);
    expect(queueNamed(defs, "by-handle").arguments).toMatchObject({ "x-dead-letter-exchange": "", "x-dead-letter-routing-key": "parking" });
    expect(queueNamed(defs, "by-name").arguments).toMatchObject({
      "x-dead-letter-exchange": "",
      "x-dead-letter-routing-key": "declared-later",
    });
  });

  test("dead-letters to an exchange (declared later, or predefined) with a routing key", () => {
    const { stack, rabbit } = broker();
    rabbit.addQueue("orders", { deadLetterExchange: "dlx", deadLetterRoutingKey: "orders.dead" });
    rabbit.addQueue("payments", { deadLetterExchange: rabbit.predefinedExchange("amq.direct") });
    rabbit.addExchange("dlx");
    const defs = definitionsOf(synth(stack).json);
    expect(queueNamed(defs, "orders").arguments).toEqual({
      "x-queue-type": "quorum",
      "x-dead-letter-exchange": "dlx",
      "x-dead-letter-routing-key": "orders.dead",
    });
    expect(queueNamed(defs, "payments").arguments).toEqual({ "x-queue-type": "quorum", "x-dead-letter-exchange": "amq.direct" });
  });

  test("binds by handle, by name (declared later), to predefined exchanges and through bindQueue", () => {
    const { stack, rabbit } = broker();
    const orders = rabbit.addQueue("orders");
    expect(orders.bindTo("later", { routingKey: "a" }).bindTo(rabbit.predefinedExchange("amq.topic"), { routingKey: "order.#" })).toBe(
      orders,
    );
    rabbit.addExchange("later");
    const audit = rabbit.addExchange("audit", { type: "fanout", durable: false, autoDelete: true });
    rabbit.bindQueue("audit-log", audit);
    rabbit.addQueue("audit-log");
    const defs = definitionsOf(synth(stack).json);
    expect(defs.bindings.map((b: any) => [b.source, b.destination, b.routing_key])).toEqual([
      ["later", "orders", "a"],
      ["amq.topic", "orders", "order.#"],
      ["audit", "audit-log", ""],
    ]);
    expect(defs.exchanges.find((e: any) => e.name === "audit")).toMatchObject({
      type: "fanout",
      durable: false,
      auto_delete: true,
      internal: false,
    });
    expect(defs.exchanges.map((e: any) => e.name)).toEqual(["later", "audit"]); // predefined exchanges are not declared
  });

  test("renders policies with their target and priority", () => {
    const { stack, rabbit } = broker();
    rabbit.addPolicy("ttl", { pattern: "^tmp\\.", definition: { "message-ttl": 60000 }, applyTo: "classic_queues", priority: 5 });
    rabbit.addPolicy("lengths", { pattern: ".*", definition: { "max-length": 100, overflow: "reject-publish" } });
    const defs = definitionsOf(synth(stack).json);
    expect(defs.policies).toEqual([
      { vhost: "/", name: "ttl", pattern: "^tmp\\.", "apply-to": "classic_queues", definition: { "message-ttl": 60000 }, priority: 5 },
      {
        vhost: "/",
        name: "lengths",
        pattern: ".*",
        "apply-to": "queues",
        definition: { "max-length": 100, overflow: "reject-publish" },
        priority: 0,
      },
    ]);
  });

  test("escapes template sequences in names, in the file and in the apps' settings", () => {
    const { stack, rabbit } = broker();
    rabbit.addQueue("odd-${name}-%{x}", { type: "classic" }).grantConsume(app(stack, "consumer"));
    const { json } = synth(stack);
    const raw = upload(container(json, "rabbitmq"), DEFINITIONS);
    expect(raw).toContain('"odd-$${name}-%%{x}"');
    expect(definitionsOf(json).queues[0].name).toBe("odd-${name}-%{x}");
    expect(container(json, "consumer-1").env).toContain("RABBITMQ_QUEUE=odd-$${name}-%%{x}");
  });

  test("is rendered at synth: a queue declared after the broker's container was read is in it", () => {
    const { stack, rabbit } = broker();
    expect(definitionsOf(synth(stack).json).queues).toEqual([]);
    rabbit.addQueue("late");
    expect(definitionsOf(synth(stack).json).queues.map((q: any) => q.name)).toEqual(["late"]);
  });

  test("keeps the declarations in the broker's topology", () => {
    const { rabbit } = broker();
    rabbit.addQueue("q").bindTo(rabbit.addExchange("x", { type: "direct" }), { routingKey: "k" });
    rabbit.addPolicy("p", { pattern: "^q$", definition: { "max-length": 1 } });
    expect(rabbit.topology.queueList.map((q) => q.name)).toEqual(["q"]);
    expect(rabbit.topology.exchangeList.map((e) => e.name)).toEqual(["x"]);
    expect(rabbit.topology.bindingList).toEqual([{ source: "x", destination: "q", routingKey: "k" }]);
    expect(rabbit.topology.policyList.map((p) => p.name)).toEqual(["p"]);
  });
});

describe("handles", () => {
  test("a queue, an exchange and a predefined exchange carry their broker, name and type", () => {
    const { rabbit } = broker();
    const q = rabbit.addQueue("q", { type: "stream" });
    const x = rabbit.addExchange("x", { type: "topic" });
    const amq = rabbit.predefinedExchange("amq.fanout");
    expect(q).toBeInstanceOf(RabbitMqQueue);
    expect(x).toBeInstanceOf(RabbitMqExchange);
    expect([q.broker, q.queueName, q.type]).toEqual([rabbit, "q", "stream"]);
    expect([x.broker, x.exchangeName, x.type]).toEqual([rabbit, "x", "topic"]);
    expect([amq.exchangeName, amq.type]).toEqual(["amq.fanout", "fanout"]);
    expect(rabbit.predefinedExchange("amq.match").type).toBe("headers");
  });
});

describe("grants", () => {
  test("grantConsume gives RABBITMQ_URL (the app's own user) and RABBITMQ_QUEUE, the broker's network, and starts the app after the broker and the set-up job", () => {
    const { stack, rabbit } = broker();
    const consumer = app(stack, "consumer", { replicas: 2 });
    rabbit.addQueue("orders").grantConsume(consumer);
    const { json } = synth(stack);
    for (const name of ["consumer-1", "consumer-2"]) {
      const c = container(json, name);
      expect(envOf(c)).toEqual({ RABBITMQ_URL: urlOf("consumer"), RABBITMQ_QUEUE: "orders" });
      expect(c.depends_on).toEqual([BROKER_CONTAINER, SETUP_JOB]);
      expect(c.networks_advanced).toEqual([{ name: "${docker_network.net_network_0C4DCF91.name}" }]);
    }
    expect(consumer.wiredTo.map((w) => [w.broker, w.role])).toEqual([[rabbit, 'consumer of queue "orders"']]);
    // Its user may read its queue only: no write, no configure.
    expect(appUsersOf(json)).toEqual({ consumer: { configure: "^$", write: "^$", read: "^(orders)$", passwordEnv: "APP_PASSWORD_1" } });
  });

  test("queue.grantPublish publishes through the default exchange with the queue's name as routing key", () => {
    const { stack, rabbit } = broker();
    rabbit.addQueue("orders").grantPublish(app(stack, "producer"));
    const { json } = synth(stack);
    const c = container(json, "producer-1");
    expect(envOf(c)).toEqual({ RABBITMQ_URL: urlOf("producer"), RABBITMQ_EXCHANGE: "", RABBITMQ_ROUTING_KEY: "orders" });
    expect(c.depends_on).toEqual([BROKER_CONTAINER, SETUP_JOB]);
    // Publishing to the default exchange is a write to amq.default.
    expect(appUsersOf(json).producer).toEqual({ configure: "^$", write: "^(amq\\.default)$", read: "^$", passwordEnv: "APP_PASSWORD_1" });
  });

  test("exchange.grantPublish gives the exchange and routing key", () => {
    const { stack, rabbit } = broker();
    const events = rabbit.addExchange("events", { type: "topic" });
    rabbit.addQueue("orders").bindTo(events, { routingKey: "order.#" });
    events.grantPublish(app(stack, "producer"), { routingKey: "order.placed.eu" });
    rabbit.predefinedExchange("amq.topic").grantPublish(app(stack, "other"), { routingKey: "order.placed" });
    rabbit.addQueue("amq-topic-orders").bindTo("amq.topic", { routingKey: "order.*" });
    const { json } = synth(stack);
    expect(envOf(container(json, "producer-1"))).toEqual({
      RABBITMQ_URL: urlOf("producer"),
      RABBITMQ_EXCHANGE: "events",
      RABBITMQ_ROUTING_KEY: "order.placed.eu",
    });
    expect(envOf(container(json, "other-1"))).toEqual({
      RABBITMQ_URL: urlOf("other"),
      RABBITMQ_EXCHANGE: "amq.topic",
      RABBITMQ_ROUTING_KEY: "order.placed",
    });
    expect(container(json, "producer-1").depends_on).toEqual([BROKER_CONTAINER, SETUP_JOB]);
    expect(appUsersOf(json).producer.write).toBe("^(events)$");
    expect(appUsersOf(json).other.write).toBe("^(amq\\.topic)$");
  });

  test("wiring may come before the queue, exchange and binding it uses", () => {
    const { stack, rabbit } = broker();
    const producer = app(stack, "producer");
    const events = rabbit.addExchange("events");
    events.grantPublish(producer, { routingKey: "k" });
    rabbit.addQueue("orders").bindTo(events, { routingKey: "k" });
    const { json } = synth(stack);
    expect(envOf(container(json, "producer-1")).RABBITMQ_EXCHANGE).toBe("events");
    expect(definitionsOf(json).bindings).toHaveLength(1);
  });

  test("an app with its own networks keeps them when they include the broker's", () => {
    const stack = newStack();
    const mine = new Network(stack, "apps");
    const rabbit = rabbitIn(stack);
    const consumer = new AppContainer(stack, "consumer", {
      image: ContainerImage.fromRegistry("busybox:1.36"),
      networks: [mine, net(stack)],
    });
    rabbit.addQueue("orders").grantConsume(consumer);
    expect(container(synth(stack).json, "consumer-1").networks_advanced).toEqual([
      { name: expect.stringMatching(/^\$\{docker_network\.apps_network_[0-9A-F]+\.name\}$/) },
      { name: "${docker_network.net_network_0C4DCF91.name}" },
    ]);
  });

  test("two apps on one queue are two competing consumers with the same settings, each as its own user", () => {
    const { stack, rabbit } = broker();
    const orders = rabbit.addQueue("orders");
    orders.grantConsume(app(stack, "a1"));
    orders.grantConsume(app(stack, "a2"));
    const { json } = synth(stack);
    const [a1, a2] = [envOf(container(json, "a1-1")), envOf(container(json, "a2-1"))];
    expect(a1).toEqual({ RABBITMQ_URL: urlOf("a1"), RABBITMQ_QUEUE: "orders" });
    expect(a2).toEqual({ RABBITMQ_URL: urlOf("a2"), RABBITMQ_QUEUE: "orders" });
    expect(appUsersOf(json).a1.read).toBe(appUsersOf(json).a2.read);
  });
});

// ---------------------------------------------------------------------------
// Bad input: reported, all at once, at synth.
// ---------------------------------------------------------------------------

type Build = (stack: TerraformStack) => void;
/** A fragment of one expected message, or a pattern it matches. */
type Expected = string | RegExp;
const matching = (e: Expected) => (typeof e === "string" ? expect.stringContaining(e) : expect.stringMatching(e));

/** A broker "rabbitmq" with queue "q" bound to exchange "x" (type `type`) with `bindingKey`, and an app publishing to "x" with `routingKey`. */
function publisherOn(
  type: "direct" | "topic" | "fanout" | "headers",
  bindingKey: string | undefined,
  routingKey: string,
  options: { internal?: boolean } = {},
): Build {
  return (s) => {
    const rabbit = rabbitIn(s);
    const x = rabbit.addExchange("x", { type, ...options });
    if (bindingKey !== undefined) rabbit.addQueue("q").bindTo(x, { routingKey: bindingKey });
    x.grantPublish(app(s), { routingKey });
  };
}

const unroutable = (type: string, key: string) =>
  `test/rabbitmq: publisher to exchange "x" (test/app): no binding of exchange "x" (${type}) routes routing key "${key}" to a queue, so every message would be returned unroutable and re-sent forever, got "${key}"`;

describe("topology: problems", () => {
  const rejects: [string, Build, Expected[]][] = [
    [
      "a dead-letter queue that is never declared",
      (s) => rabbitIn(s).addQueue("orders", { deadLetterQueue: "orders.dlq" }),
      [
        'test/rabbitmq: queue "orders": its dead-letter queue is not declared, got "orders.dlq". Fix: declare it with addQueue("orders.dlq")',
      ],
    ],
    [
      "a dead-letter queue name with a typo, suggesting the declared one",
      (s) => {
        const rabbit = rabbitIn(s);
        rabbit.addQueue("orders.dlq");
        rabbit.addQueue("orders", { deadLetterQueue: "orders.dql" });
      },
      [/^test\/rabbitmq: queue "orders": its dead-letter queue is not declared, got "orders\.dql"\. Fix: .*did you mean "orders\.dlq"\?/],
    ],
    [
      "a dead-letter exchange that is never declared",
      (s) => rabbitIn(s).addQueue("orders", { deadLetterExchange: "dlx" }),
      ['test/rabbitmq: queue "orders": its dead-letter exchange is not declared, got "dlx". Fix: declare it with addExchange("dlx")'],
    ],
    [
      "dead-lettering through the default exchange to an undeclared queue",
      (s) => rabbitIn(s).addQueue("orders", { deadLetterExchange: "", deadLetterRoutingKey: "nowhere" }),
      ['test/rabbitmq: queue "orders": its dead-letter queue is not declared, got "nowhere"'],
    ],
    [
      "dead-lettering through the default exchange without a routing key",
      (s) => rabbitIn(s).addQueue("orders", { deadLetterExchange: "" }),
      [
        'test/rabbitmq: queue "orders": dead-lettering to the default exchange needs a routing key (else messages return to "orders"), got ""',
      ],
    ],
    [
      "a queue that dead-letters to itself",
      (s) => rabbitIn(s).addQueue("orders", { deadLetterQueue: "orders" }),
      ['test/rabbitmq: queue "orders": a queue cannot dead-letter to itself, got "orders"'],
    ],
    [
      "deadLetterQueue together with deadLetterExchange",
      (s) => {
        const rabbit = rabbitIn(s);
        rabbit.addQueue("d");
        rabbit.addExchange("dlx");
        rabbit.addQueue("orders", { deadLetterQueue: "d", deadLetterExchange: "dlx" });
      },
      ['test/rabbitmq: queue "orders": deadLetterQueue excludes deadLetterExchange and deadLetterRoutingKey'],
    ],
    [
      "deadLetterRoutingKey without deadLetterExchange",
      (s) => rabbitIn(s).addQueue("orders", { deadLetterRoutingKey: "k" }),
      ['test/rabbitmq: queue "orders": deadLetterRoutingKey needs deadLetterExchange, got "k"'],
    ],
    [
      "a binding to an undeclared queue",
      (s) => {
        const rabbit = rabbitIn(s);
        rabbit.bindQueue("nope", rabbit.addExchange("events"));
      },
      ['test/rabbitmq: binding to exchange "events": the queue is not declared, got "nope". Fix: declare it with addQueue("nope")'],
    ],
    [
      "a binding to an undeclared exchange, suggesting the declared one",
      (s) => {
        const rabbit = rabbitIn(s);
        rabbit.addExchange("events");
        rabbit.addQueue("orders").bindTo("evnets");
      },
      [/^test\/rabbitmq: binding of queue "orders": the exchange is not declared, got "evnets"\. Fix: .*did you mean "events"\?/],
    ],
    [
      "a binding to the default exchange",
      (s) => rabbitIn(s).addQueue("orders").bindTo(""),
      ['test/rabbitmq: binding of queue "orders": the default exchange cannot be bound, got ""'],
    ],
    [
      "the same binding twice",
      (s) => {
        const rabbit = rabbitIn(s);
        const x = rabbit.addExchange("x");
        rabbit.addQueue("q").bindTo(x, { routingKey: "a" }).bindTo(x, { routingKey: "a" });
      },
      ['test/rabbitmq: binding declared twice (exchange "x" -> queue "q"), got "a"'],
    ],
    [
      "a binding key over 255 bytes",
      (s) => {
        const rabbit = rabbitIn(s);
        rabbit.addQueue("q").bindTo(rabbit.addExchange("x"), { routingKey: "k".repeat(256) });
      },
      ['test/rabbitmq: binding of queue "q": routingKey must be a string of at most 255 bytes'],
    ],
    [
      "a publisher whose key no direct binding equals",
      publisherOn("direct", "order.placed", "order.paid"),
      [unroutable("direct", "order.paid")],
    ],
    ["a publisher on a direct exchange with no binding", publisherOn("direct", undefined, "k"), [unroutable("direct", "k")]],
    [
      "a direct binding that would only match as a pattern",
      publisherOn("direct", "order.*", "order.placed"),
      [
        'test/rabbitmq: binding of queue "q" to exchange "x": a direct exchange matches routing keys exactly',
        unroutable("direct", "order.placed"),
      ],
    ],
    [
      "a topic key with more words than '*' takes",
      publisherOn("topic", "order.*", "order.placed.eu"),
      [unroutable("topic", "order.placed.eu")],
    ],
    ["a topic key with fewer words than '*' takes", publisherOn("topic", "order.*", "order"), [unroutable("topic", "order")]],
    [
      "a topic key that '#' in the middle cannot reach",
      publisherOn("topic", "order.#.eu", "order.placed.us"),
      [unroutable("topic", "order.placed.us")],
    ],
    ["a topic key that differs in case", publisherOn("topic", "Order.#", "order.placed"), [unroutable("topic", "order.placed")]],
    ["a fanout exchange with no binding", publisherOn("fanout", undefined, ""), [unroutable("fanout", "")]],
    ["a headers exchange with no binding, like fanout", publisherOn("headers", undefined, ""), [unroutable("headers", "")]],
    [
      "a headers exchange with no binding, whatever the key",
      publisherOn("headers", undefined, "order.placed"),
      [unroutable("headers", "order.placed")],
    ],
    ['a topic binding key "" for a non-empty key', publisherOn("topic", "", "order"), [unroutable("topic", "order")]],
    [
      "a publisher on an internal exchange",
      publisherOn("fanout", "", "", { internal: true }),
      ['test/rabbitmq: publisher to exchange "x" (test/app): exchange "x" is internal and refuses messages from clients, got "x"'],
    ],
    [
      "a publisher on an undeclared exchange",
      (s) => {
        const rabbit = rabbitIn(s);
        rabbit.addQueue("q");
        rabbit.predefinedExchange("amq.nope").grantPublish(app(s), { routingKey: "q" });
      },
      [
        'test/rabbitmq: not a predefined exchange, got "amq.nope"',
        'test/rabbitmq: publisher to exchange "amq.nope" (test/app): the exchange is not declared, got "amq.nope"',
      ],
    ],
    [
      "a publisher to an undeclared queue on the default exchange",
      (s) => {
        const rabbit = rabbitIn(s);
        rabbit.addQueue("orders");
        rabbit.wirePublisher(app(s), "", "ordres");
      },
      [
        /^test\/rabbitmq: publisher to queue "ordres" \(test\/app\): routing key "ordres" on the default exchange names no declared queue, got "ordres"\. Fix: .*did you mean "orders"\?/,
      ],
    ],
    [
      "a publisher without a routing key (JS caller)",
      (s) => {
        const rabbit = rabbitIn(s);
        const x = rabbit.addExchange("x", { type: "fanout" });
        rabbit.addQueue("q").bindTo(x);
        x.grantPublish(app(s), undefined as any);
      },
      ['test/rabbitmq: publisher to exchange "x" (test/app): routingKey must be a string of at most 255 bytes, got undefined'],
    ],
    [
      "a publisher's option with a typo",
      (s) => {
        const rabbit = rabbitIn(s);
        const x = rabbit.addExchange("x", { type: "fanout" });
        rabbit.addQueue("q").bindTo(x);
        x.grantPublish(app(s), { routingKey: "", mandatory: true } as any);
      },
      ['test/rabbitmq: publisher to exchange "x": options has no field "mandatory", got "mandatory"'],
    ],
    [
      "a consumer of an undeclared queue name",
      (s) => {
        const rabbit = rabbitIn(s);
        rabbit.addQueue("orders");
        new RabbitMqQueue(rabbit, "ordres", "quorum").grantConsume(app(s));
      },
      [
        'test/rabbitmq: consumer of queue "ordres" (test/app): the queue is not declared, got "ordres". Fix: did you mean "orders"? declare it with addQueue("ordres") if it is new',
      ],
    ],
    [
      "a consumer whose own networks leave out the broker's",
      (s) => {
        const rabbit = rabbitIn(s);
        const consumer = new AppContainer(s, "consumer", {
          image: ContainerImage.fromRegistry("busybox:1.36"),
          networks: [new Network(s, "apps")],
        });
        rabbit.addQueue("q").grantConsume(consumer);
      },
      ['test/consumer: the app shares no network with broker test/rabbitmq (its network is test/net), got ["test/apps"]'],
    ],
    [
      "a grantee that is not an app container",
      (s) =>
        rabbitIn(s)
          .addQueue("q")
          .grantConsume({} as any),
      [
        'test/rabbitmq: consumer of queue "q": the grantee is not an app container, got {}. Fix: pass an AppContainer (or another IBrokerClient)',
      ],
    ],
    [
      "a queue declared twice",
      (s) => {
        const rabbit = rabbitIn(s);
        rabbit.addQueue("orders");
        rabbit.addQueue("orders");
      },
      ['test/rabbitmq: queue declared twice, got "orders". Fix: declare each queue once (addQueue) and reuse the handle it returns'],
    ],
    [
      "a non-durable quorum queue",
      (s) => rabbitIn(s).addQueue("orders", { durable: false }),
      ['test/rabbitmq: queue "orders": quorum queues are always durable, got false'],
    ],
    [
      "a non-durable stream",
      (s) => rabbitIn(s).addQueue("log", { type: "stream", durable: false }),
      ['test/rabbitmq: queue "log": stream queues are always durable, got false'],
    ],
    [
      "a queue type RabbitMQ does not have",
      (s) => rabbitIn(s).addQueue("orders", { type: "lazy" as any }),
      ['test/rabbitmq: queue "orders": type is not one of "classic", "quorum", "stream", got "lazy"'],
    ],
    [
      "a queue option with a typo, with a did-you-mean",
      (s) => rabbitIn(s).addQueue("orders", { messageTTLMs: 1000 } as any),
      ['test/rabbitmq: queue "orders" options has no field "messageTTLMs", got "messageTTLMs". Fix: did you mean "messageTtlMs"?'],
    ],
    [
      "an argument a typed option sets",
      (s) => rabbitIn(s).addQueue("orders", { maxLength: 10, arguments: { "x-max-length": 20 } }),
      ['test/rabbitmq: queue "orders": argument x-max-length is set by a typed option'],
    ],
    [
      "x-queue-type given as an argument",
      (s) => rabbitIn(s).addQueue("orders", { arguments: { "x-queue-type": "classic" } }),
      ['test/rabbitmq: queue "orders": argument x-queue-type is set by a typed option'],
    ],
    [
      "a reserved amq. queue name",
      (s) => rabbitIn(s).addQueue("amq.mine"),
      ['test/rabbitmq: queue names starting with "amq." are reserved by RabbitMQ, got "amq.mine"'],
    ],
    ["an empty queue name", (s) => rabbitIn(s).addQueue(""), ['test/rabbitmq: queue name must be 1-255 bytes, got ""']],
    ["a queue name over 255 bytes", (s) => rabbitIn(s).addQueue("q".repeat(256)), ["test/rabbitmq: queue name must be 1-255 bytes"]],
    [
      "an exchange declared twice",
      (s) => {
        const rabbit = rabbitIn(s);
        rabbit.addExchange("events");
        rabbit.addExchange("events");
      },
      [
        'test/rabbitmq: exchange declared twice, got "events". Fix: declare each exchange once (addExchange) and reuse the handle it returns',
      ],
    ],
    [
      "an exchange type with a typo, with a did-you-mean",
      (s) => rabbitIn(s).addExchange("events", { type: "topics" as any }),
      [
        'test/rabbitmq: exchange "events": type is not one of "direct", "fanout", "topic", "headers", got "topics". Fix: use one of them. did you mean "topic"?',
      ],
    ],
    [
      "a reserved amq. exchange name",
      (s) => rabbitIn(s).addExchange("amq.events"),
      ['test/rabbitmq: exchange names starting with "amq." are reserved by RabbitMQ, got "amq.events"'],
    ],
    [
      "a policy declared twice",
      (s) => {
        const rabbit = rabbitIn(s);
        rabbit.addPolicy("p", { pattern: ".*", definition: { "max-length": 1 } });
        rabbit.addPolicy("p", { pattern: ".*", definition: { "max-length": 1 } });
      },
      ['test/rabbitmq: policy declared twice, got "p"'],
    ],
    [
      "a policy without options (JS caller)",
      (s) => rabbitIn(s).addPolicy("p", undefined as any),
      ['test/rabbitmq: policy "p": options are required, got undefined'],
    ],
    [
      "a policy target that does not exist",
      (s) => rabbitIn(s).addPolicy("p", { pattern: ".*", definition: { "max-length": 1 }, applyTo: "queue" as any }),
      [
        'test/rabbitmq: policy "p": applyTo is not one of "queues", "exchanges", "all", "classic_queues", "quorum_queues", "streams", got "queue"',
      ],
    ],
    [
      "a fractional policy priority",
      (s) => rabbitIn(s).addPolicy("p", { pattern: ".*", definition: { "max-length": 1 }, priority: 1.5 }),
      ['test/rabbitmq: policy "p": priority must be an integer, got 1.5'],
    ],
    [
      "problems on two brokers, each on its own",
      (s) => {
        rabbitIn(s, { name: "mq-a" }, "a").addQueue("q", { deadLetterQueue: "none" });
        rabbitIn(s, { name: "mq-b" }, "b").addQueue("q").bindTo("none");
      },
      [
        'test/a: queue "q": its dead-letter queue is not declared, got "none"',
        'test/b: binding of queue "q": the exchange is not declared, got "none"',
      ],
    ],
  ];
  test.each(rejects)("rejects %s", (_name, build, expected) => {
    const messages = problemMessages(build);
    expect(messages).toHaveLength(expected.length);
    for (const fragment of expected) expect(messages).toContainEqual(matching(fragment));
  });

  test("rejects at synth with the user's problems only once, however often synth runs", () => {
    const { stack, rabbit } = broker();
    rabbit.addQueue("orders", { deadLetterQueue: "missing" });
    expect(() => synth(stack)).toThrow(/^1 problem:\n {2}- test\/rabbitmq: queue "orders": its dead-letter queue is not declared/);
    expect(() => synth(stack)).toThrow(/^1 problem:/);
  });

  const accepts: [string, Build][] = [
    [
      "a dead-letter queue declared after the queue",
      (s) => {
        const rabbit = rabbitIn(s);
        rabbit.addQueue("orders", { deadLetterQueue: "orders.dlq" });
        rabbit.addQueue("orders.dlq");
      },
    ],
    [
      "a dead-letter exchange declared after the queue",
      (s) => {
        const rabbit = rabbitIn(s);
        rabbit.addQueue("orders", { deadLetterExchange: "dlx", deadLetterRoutingKey: "dead" });
        rabbit.addExchange("dlx");
      },
    ],
    [
      "a predefined dead-letter exchange by name",
      (s) => rabbitIn(s).addQueue("orders", { deadLetterExchange: "amq.direct", deadLetterRoutingKey: "dead" }),
    ],
    [
      "dead-lettering through the default exchange to a queue declared later",
      (s) => {
        const rabbit = rabbitIn(s);
        rabbit.addQueue("orders", { deadLetterExchange: "", deadLetterRoutingKey: "parking" });
        rabbit.addQueue("parking");
      },
    ],
    [
      "a binding made before its queue and exchange are declared",
      (s) => {
        const rabbit = rabbitIn(s);
        rabbit.bindQueue("orders", "events", { routingKey: "k" });
        rabbit.addExchange("events").grantPublish(app(s), { routingKey: "k" });
        rabbit.addQueue("orders");
      },
    ],
    [
      "a publisher wired before the binding that routes its key",
      (s) => {
        const rabbit = rabbitIn(s);
        const x = rabbit.addExchange("x");
        x.grantPublish(app(s), { routingKey: "k" });
        rabbit.addQueue("q").bindTo(x, { routingKey: "k" });
      },
    ],
    ["a consumer of a queue declared through its handle", (s) => rabbitIn(s).addQueue("q").grantConsume(app(s))],
    [
      "a direct key equal to one of several bindings",
      (s) => {
        const rabbit = rabbitIn(s);
        const x = rabbit.addExchange("x");
        rabbit.addQueue("q").bindTo(x, { routingKey: "a" }).bindTo(x, { routingKey: "b" });
        x.grantPublish(app(s), { routingKey: "b" });
      },
    ],
    [
      "an empty direct key and a binding with the default (empty) key",
      (s) => {
        const rabbit = rabbitIn(s);
        const x = rabbit.addExchange("x");
        rabbit.addQueue("q").bindTo(x);
        x.grantPublish(app(s), { routingKey: "" });
      },
    ],
    ["a topic '*' matching exactly one word", publisherOn("topic", "order.*", "order.placed")],
    ["a topic '*' in the middle", publisherOn("topic", "*.placed.*", "order.placed.eu")],
    ["a topic '#' matching zero words", publisherOn("topic", "order.#", "order")],
    ["a topic '#' matching several words", publisherOn("topic", "order.#", "order.placed.eu.de")],
    ["a topic '#' alone matching the empty key", publisherOn("topic", "#", "")],
    ["a topic '#' in the middle", publisherOn("topic", "order.#.eu", "order.placed.by-card.eu")],
    ["a topic key with empty words matched by '*'", publisherOn("topic", "a.*.b", "a..b")],
    ["a fanout exchange with any key once a queue is bound", publisherOn("fanout", "", "whatever")],
    ["a headers exchange (routing by headers, not checked)", publisherOn("headers", "", "")],
    ["a headers exchange with a binding, whatever the publish key", publisherOn("headers", "", "order.placed")],
    ['a topic binding key "" and an empty publish key (both no words)', publisherOn("topic", "", "")],
    [
      "a predefined exchange with a binding",
      (s) => {
        const rabbit = rabbitIn(s);
        rabbit.addQueue("q").bindTo("amq.topic", { routingKey: "order.#" });
        rabbit.predefinedExchange("amq.topic").grantPublish(app(s), { routingKey: "order.placed" });
      },
    ],
    [
      "a queue and an exchange with the same name (separate namespaces)",
      (s) => {
        const rabbit = rabbitIn(s);
        const x = rabbit.addExchange("orders", { type: "fanout" });
        rabbit.addQueue("orders").bindTo(x);
        x.grantPublish(app(s), { routingKey: "" });
      },
    ],
    [
      "the same queue name on two brokers",
      (s) => {
        rabbitIn(s, { name: "mq-a" }, "a").addQueue("orders").grantConsume(app(s, "a-consumer"));
        rabbitIn(s, { name: "mq-b" }, "b").addQueue("orders").grantConsume(app(s, "b-consumer"));
      },
    ],
    [
      "a stream queue with consumers and publishers",
      (s) => {
        const log = rabbitIn(s).addQueue("log", { type: "stream" });
        log.grantConsume(app(s, "reader"));
        log.grantPublish(app(s, "writer"));
      },
    ],
    ["a transient classic queue", (s) => rabbitIn(s).addQueue("tmp", { type: "classic", durable: false })],
    [
      "a routing key of exactly 255 bytes",
      (s) => {
        const rabbit = rabbitIn(s);
        const key = "k".repeat(255);
        const x = rabbit.addExchange("x");
        rabbit.addQueue("q").bindTo(x, { routingKey: key });
        x.grantPublish(app(s), { routingKey: key });
      },
    ],
    ["a queue name with dots, dashes and unicode", (s) => rabbitIn(s).addQueue("orders.eu-1.ü")],
    ["a name containing 'amq.' not at the start", (s) => rabbitIn(s).addQueue("my.amq.queue")],
    [
      "a policy on exchanges",
      (s) => rabbitIn(s).addPolicy("ae", { pattern: "^events$", applyTo: "exchanges", definition: { "alternate-exchange": "unrouted" } }),
    ],
    [
      "a policy with a negative priority",
      (s) => rabbitIn(s).addPolicy("low", { pattern: ".*", definition: { "max-length": 1 }, priority: -1 }),
    ],
  ];

  test.each(accepts)("accepts %s", (_name, build) => {
    expect(problemMessages(build)).toEqual([]);
  });
});
