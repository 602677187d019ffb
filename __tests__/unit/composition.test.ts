import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App, Testing } from "cdktf";
import { problemsIn } from "../../constructs/errors/problems";
import { MessagingTemplate } from "../../constructs/testing";
import { buildMinimalKafkaStack, buildOrdersPipelineStack, exampleStacks } from "../support/example-stacks";
import { container, envOf, labelsOf, renderTemplate, resources, synth, upload } from "./helpers";

/** The library as another project uses it: see buildOrdersPipelineStack in ../support/example-stacks.ts. */
describe("a user-written stack composed from the library's index", () => {
  const { json } = synth(buildOrdersPipelineStack(Testing.app()));
  const template = MessagingTemplate.fromJson(json);

  test("wires the producer to the topic exchange and the two workers to the queue", () => {
    template.expectWiring("order-producer", {
      broker: "orders-mq",
      role: "publisher",
      exchange: "orders.events",
      routingKey: "order.placed.eu",
    });
    expect(envOf(container(json, "order-producer-1"))).toMatchObject({
      // The app's own user and derived password, not the administrator "orders".
      RABBITMQ_URL: 'amqp://order-producer:${sha256("${var.orders_mq_credentials_key}/orders-mq/order-producer")}@orders-mq:5672/orders',
      RABBITMQ_EXCHANGE: "orders.events",
      RABBITMQ_ROUTING_KEY: "order.placed.eu",
      PRODUCER_COUNT: "500",
      PRODUCER_RATE: "10",
    });
    expect(envOf(container(json, "order-producer-1")).RABBITMQ_QUEUE).toBeUndefined();
    for (const name of ["order-worker-1", "order-worker-2"]) {
      const env = envOf(container(json, name));
      expect(env).toMatchObject({ RABBITMQ_QUEUE: "orders.placed", CONSUMER_PREFETCH: "20", CONSUMER_MAX_DELIVERIES: "5" });
      expect(env.RABBITMQ_EXCHANGE).toBeUndefined();
      expect(container(json, name).restart).toBe("on-failure");
    }
    template.expectWiring("order-worker", { role: "consumer", queue: "orders.placed" });
  });

  test("renders the topology with the user's password variable", () => {
    const defs = JSON.parse(
      renderTemplate(upload(container(json, "orders-mq"), "/etc/rabbitmq/definitions.json"), { orders_mq_password: "pw" }),
    );
    expect(defs.users).toEqual([{ name: "orders", password: "pw", tags: "administrator" }]);
    expect(defs.vhosts).toEqual([{ name: "orders" }]);
    expect(defs.exchanges).toEqual([expect.objectContaining({ name: "orders.events", type: "topic", durable: true })]);
    expect(template.bindings("orders-mq")).toEqual([{ exchange: "orders.events", queue: "orders.placed", routingKey: "order.placed.#" }]);
    expect(defs.policies).toEqual([
      expect.objectContaining({
        name: "cap-failed",
        pattern: "^orders\\.failed$",
        "apply-to": "queues",
        definition: { "max-length": 100000 },
      }),
    ]);
    expect(json.variable.orders_mq_password.sensitive).toBe(true);
  });

  test("declares the queue with its dead-letter queue, declared after it", () => {
    expect(template.queues("orders-mq").map((q) => q.name)).toEqual(["orders.placed", "orders.failed"]);
    template.expectQueue("orders-mq", "orders.placed", { type: "quorum", deadLettersTo: "orders.failed" });
    expect(template.queue("orders-mq", "orders.placed").arguments["x-delivery-limit"]).toBe(5);
    template.expectQueue("orders-mq", "orders.failed", { type: "classic" });
  });

  test("runs Kafka under its own name with a host listener and a compacted topic", () => {
    const env = envOf(container(json, "audit-kafka"));
    expect(env.KAFKA_ADVERTISED_LISTENERS).toBe(
      "INTERNAL://audit-kafka:9092,REPLICATION://audit-kafka-replication:9095,HOST://127.0.0.1:39092",
    );
    expect(env.KAFKA_LOG_RETENTION_HOURS).toBe("48");
    expect(env.KAFKA_NUM_PARTITIONS).toBe("2");
    expect(template.topic("audit-kafka", "audit.orders")).toEqual({
      name: "audit.orders",
      partitions: 4,
      replicationFactor: 1,
      configs: { "cleanup.policy": "compact,delete" },
    });
    expect(container(json, "audit-kafka-setup").command[0]).toContain("--add-config 'cleanup.policy=[compact,delete]'");
    template.expectWiring("auditor", { broker: "audit-kafka", role: "consumer", topic: "audit.orders", groupId: "auditors" });
    expect(container(json, "auditor-1").depends_on).toEqual([
      expect.stringMatching(/^docker_container\.audit_container_/),
      expect.stringMatching(/^docker_container\.audit_setup_/),
    ]);
  });

  test("publishes the brokers on loopback only, on the user's ports", () => {
    template.expectNoPortBeyondLoopback();
    expect(
      template
        .publishedPorts()
        .map((p) => `${p.container}:${p.hostPort}`)
        .sort(),
    ).toEqual(["audit-kafka:39092", "orders-mq:25672", "orders-mq:25673"]);
  });

  test("carries the project's labels", () => {
    expect(labelsOf(container(json, "auditor-1"))).toMatchObject({ project: "orders", "cdktf-docker-messaging.stack": "orders-pipeline" });
    for (const network of resources(json, "docker_network")) expect(labelsOf(network)).toMatchObject({ project: "orders" });
  });

  test("a minimal stack keeps the broker's data volume out of Terraform (retain)", () => {
    const minimal = synth(buildMinimalKafkaStack(Testing.app())).json;
    expect(resources(minimal, "docker_volume")).toHaveLength(0);
    expect(container(minimal, "minimal-kafka").volumes[0].volume_name).toBe("minimal-kafka-data");
    expect(
      MessagingTemplate.fromJson(minimal)
        .topics("minimal-kafka")
        .map((t) => t.name),
    ).toEqual(["t"]);
  });

  test("every example stack synthesizes in one app, with no problem", () => {
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), "examples-")) });
    const stacks = exampleStacks.map((e) => e.build(app));
    expect(stacks.map((s) => s.node.id)).toEqual(exampleStacks.map((e) => e.name));
    expect(() => app.synth()).not.toThrow();
    expect(problemsIn(app)).toEqual([]);
  });
});
