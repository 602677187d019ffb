import { App, Testing } from "cdktf";
import { buildMinimalKafkaStack, buildOrdersPipelineStack, exampleStacks } from "../support/example-stacks";
import { container, envOf, labelsOf, renderTemplate, resources, upload } from "./helpers";

/** The library as another project uses it: see buildOrdersPipelineStack in ../support/example-stacks.ts. */
describe("a user-written stack composed from the library's index", () => {
  const json = JSON.parse(Testing.synth(buildOrdersPipelineStack(Testing.app())));

  test("wires the producer to the exchange and the workers to the queue", () => {
    expect(envOf(container(json, "order-producer-1"))).toMatchObject({
      RABBITMQ_URL: "amqp://orders:${urlencode(var.orders_mq_password)}@orders-mq:5672/orders",
      RABBITMQ_EXCHANGE: "orders.events",
      RABBITMQ_ROUTING_KEY: "order.placed.eu",
    });
    expect(envOf(container(json, "order-producer-1")).RABBITMQ_QUEUE).toBeUndefined();
    for (const name of ["order-worker-1", "order-worker-2"]) {
      expect(envOf(container(json, name))).toMatchObject({ RABBITMQ_QUEUE: "orders.placed", CONSUMER_PREFETCH: "20" });
      expect(container(json, name).restart).toBe("on-failure");
    }
  });

  test("renders the topology with the user's password variable", () => {
    const defs = JSON.parse(
      renderTemplate(upload(container(json, "orders-mq"), "/etc/rabbitmq/definitions.json"), { orders_mq_password: "pw" }),
    );
    expect(defs.users[0]).toEqual({ name: "orders", password: "pw", tags: "administrator" });
    expect(defs.bindings[0]).toMatchObject({ source: "orders.events", destination: "orders.placed", routing_key: "order.placed.#" });
    expect(json.variable.orders_mq_password.sensitive).toBe(true);
  });

  test("runs Kafka under its own name with a host listener and compacted topic", () => {
    const env = envOf(container(json, "audit-kafka"));
    expect(env.KAFKA_ADVERTISED_LISTENERS).toBe("INTERNAL://audit-kafka:9092,HOST://127.0.0.1:39092");
    expect(env.KAFKA_LOG_RETENTION_HOURS).toBe("48");
    expect(container(json, "audit-kafka-topics").command[0]).toContain("--add-config 'cleanup.policy=[compact,delete]'");
    expect(envOf(container(json, "auditor-1")).KAFKA_GROUP_ID).toBe("auditors");
  });

  test("carries the project's labels", () => {
    expect(labelsOf(container(json, "auditor-1"))).toMatchObject({ project: "orders", "cdktf-docker-messaging.stack": "orders-pipeline" });
  });

  test("a minimal stack keeps the broker's data volume out of Terraform (retain)", () => {
    const minimal = JSON.parse(Testing.synth(buildMinimalKafkaStack(Testing.app())));
    expect(resources(minimal, "docker_volume")).toHaveLength(0);
    expect(container(minimal, "minimal-kafka").volumes[0].volume_name).toBe("minimal-kafka-data");
  });

  test("every example stack synthesizes in one app", () => {
    const app = new App({ outdir: require("fs").mkdtempSync(require("path").join(require("os").tmpdir(), "examples-")) });
    const stacks = exampleStacks.map((e) => e.build(app));
    expect(stacks.map((s) => s.node.id)).toEqual(exampleStacks.map((e) => e.name));
    expect(() => app.synth()).not.toThrow();
  });
});
