import * as path from "path";
import { Testing } from "cdktf";
import { Container } from "@cdktf/provider-docker/lib/container";
import { Image } from "@cdktf/provider-docker/lib/image";
import { buildDefaultStack, DEFAULT_STACK_NAME } from "../../main";
import { MessagingTemplate, synthSnapshot } from "../../constructs/testing";
import { allKeys, container, envOf, labelsOf, renderTemplate, resources, synth, upload } from "./helpers";

const REPO = path.resolve(__dirname, "..", "..");

/** Built with DOCKER_HOST unset, as on a machine without it (synthSnapshot masks it when set). */
function withoutDockerHost<T>(build: () => T): T {
  const saved = process.env.DOCKER_HOST;
  delete process.env.DOCKER_HOST;
  try {
    return build();
  } finally {
    if (saved !== undefined) process.env.DOCKER_HOST = saved;
  }
}

describe("default stack (main.ts)", () => {
  const { text, json } = withoutDockerHost(() => synth(buildDefaultStack(Testing.app())));
  const template = MessagingTemplate.fromJson(json);

  test("matches the snapshot (construct ids and every property; build folders and hashes masked)", () => {
    expect(withoutDockerHost(() => synthSnapshot(buildDefaultStack(Testing.app())))).toMatchSnapshot();
  });

  test("has one network (and Kafka's private replication network), both brokers, their set-up jobs, four apps and Prometheus", () => {
    expect(DEFAULT_STACK_NAME).toBe("messaging");
    expect(
      resources(json, "docker_network")
        .map((n) => n.name)
        .sort(),
    ).toEqual(["kafka-replication", "messaging"]);
    expect(resources(json, "docker_network").find((n) => n.name === "kafka-replication").internal).toBe(true);
    expect(Object.keys(template.containers()).sort()).toEqual([
      "kafka",
      "kafka-consumer-1",
      "kafka-producer-1",
      "kafka-setup",
      "prometheus",
      "rabbitmq",
      "rabbitmq-consumer-1",
      "rabbitmq-producer-1",
      "rabbitmq-setup",
    ]);
    expect(template.containersOf("app").sort()).toEqual([
      "kafka-consumer-1",
      "kafka-producer-1",
      "rabbitmq-consumer-1",
      "rabbitmq-producer-1",
    ]);
    expect(json.provider.docker).toEqual([{ host: "unix:///var/run/docker.sock" }]);
    expect(json.terraform.required_providers.docker.version).toBe("4.6.0");
  });

  test("builds the four apps from apps/<app> with a context hash trigger", () => {
    for (const app of ["rabbitmq-producer", "rabbitmq-consumer", "kafka-producer", "kafka-consumer"]) {
      expect(text).toHaveResourceWithProperties(Image, {
        build: expect.objectContaining({ context: path.join(REPO, "apps", app) }),
        triggers: {
          context_sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
          build_options_sha256: expect.stringMatching(/^\$\{sha256\(jsonencode\(/),
        },
        lifecycle: { ignore_changes: ["build"] },
      });
    }
  });

  test("brokers publish only on 127.0.0.1 and have grace periods and healthchecks", () => {
    template.expectNoPortBeyondLoopback();
    expect(
      template
        .publishedPorts()
        .map((p) => `${p.container}:${p.hostPort}`)
        .sort(),
    ).toEqual(["kafka:29092", "prometheus:9090", "rabbitmq:15672", "rabbitmq:5672"]);
    for (const name of ["rabbitmq", "kafka"]) {
      const c = container(json, name);
      expect(c.hostname).toBe(name);
      expect(c.destroy_grace_seconds).toBe(30);
      expect(c.wait).toBe(true);
      expect(c.healthcheck.test[0]).toMatch(/^CMD/);
    }
    expect(allKeys(json).has("cpus")).toBe(false);
  });

  test("the RabbitMQ queue dead-letters to its dead-letter queue", () => {
    expect(template.queues("rabbitmq").map((q) => q.name)).toEqual(["orders.dead-letter", "orders"]);
    template.expectQueue("rabbitmq", "orders", { type: "quorum", durable: true, deadLettersTo: "orders.dead-letter" });
    template.expectQueue("rabbitmq", "orders.dead-letter", { type: "quorum" });
    const defs = JSON.parse(
      renderTemplate(upload(container(json, "rabbitmq"), "/etc/rabbitmq/definitions.json"), { rabbitmq_admin_password: "pw" }),
    );
    expect(defs.users).toEqual([{ name: "admin", password: "pw", tags: "administrator" }]);
  });

  test("the Kafka topic is created with its partitions and retention", () => {
    expect(template.topics("kafka")).toEqual([
      { name: "events", partitions: 3, replicationFactor: 1, configs: { "retention.ms": "604800000" } },
    ]);
  });

  test("apps are wired by role: publisher and consumer of the queue, producer and consumer of the topic", () => {
    template.expectWiring("rabbitmq-producer", { broker: "rabbitmq", role: "publisher", exchange: "", routingKey: "orders" });
    template.expectWiring("rabbitmq-consumer", { broker: "rabbitmq", role: "consumer", queue: "orders" });
    template.expectWiring("kafka-producer", { broker: "kafka", role: "producer", topic: "events" });
    template.expectWiring("kafka-consumer", { broker: "kafka", role: "consumer", topic: "events", groupId: "events-consumer" });
  });

  test("the wirings' connection settings: the contract with the apps", () => {
    const producer = envOf(container(json, "rabbitmq-producer-1"));
    expect(producer).toMatchObject({ RABBITMQ_EXCHANGE: "", RABBITMQ_ROUTING_KEY: "orders", PRODUCER_COUNT: "1000", PRODUCER_RATE: "20" });
    expect(producer.RABBITMQ_QUEUE).toBeUndefined();
    // Each app connects as its own user, never as the administrator.
    expect(producer.RABBITMQ_URL).toBe(
      'amqp://rabbitmq-producer:${sha256("${var.rabbitmq_credentials_key}/rabbitmq/rabbitmq-producer")}@rabbitmq:5672/%2F',
    );
    expect(producer.RABBITMQ_URL).not.toContain("admin");
    const consumer = envOf(container(json, "rabbitmq-consumer-1"));
    expect(consumer).toMatchObject({ RABBITMQ_QUEUE: "orders" });
    expect(consumer.RABBITMQ_URL).toBe(
      'amqp://rabbitmq-consumer:${sha256("${var.rabbitmq_credentials_key}/rabbitmq/rabbitmq-consumer")}@rabbitmq:5672/%2F',
    );
    expect(consumer.RABBITMQ_EXCHANGE).toBeUndefined();
    expect(consumer.RABBITMQ_ROUTING_KEY).toBeUndefined();
    expect(envOf(container(json, "kafka-consumer-1"))).toEqual({
      KAFKA_BOOTSTRAP_SERVERS: "kafka:9092",
      KAFKA_TOPIC: "events",
      KAFKA_GROUP_ID: "events-consumer",
      KAFKA_SASL_USERNAME: "kafka-consumer",
      KAFKA_SASL_PASSWORD: '${sha256("${var.kafka_credentials_key}/kafka/kafka-consumer")}',
      // Where the app serves /metrics for Prometheus.
      METRICS_PORT: "9464",
    });
    for (const name of template.containersOf("app")) expect(envOf(container(json, name)).BROKER_KIND).toBeUndefined();
  });

  test("apps join the broker's network and start after the broker and its set-up job", () => {
    expect(text).toHaveResourceWithProperties(Container, {
      name: "kafka-producer-1",
      depends_on: ["docker_container.kafka_container_36BF297E", "docker_container.kafka_setup_24BBEAA3"],
    });
    expect(container(json, "rabbitmq-consumer-1").depends_on).toEqual([
      "docker_container.rabbitmq_container_D5E6048A",
      "docker_container.rabbitmq_setup_68B180B0",
    ]);
    const network = Object.keys(json.resource.docker_network).find((id) => json.resource.docker_network[id].name === "messaging");
    for (const name of template.containersOf("app")) {
      // Never on Kafka's replication network: apps reach only the SASL listeners.
      expect(container(json, name).networks_advanced).toEqual([{ name: `\${docker_network.${network}.name}` }]);
    }
  });

  test("every container, network and volume carries the common labels", () => {
    for (const type of ["docker_container", "docker_network", "docker_volume"]) {
      for (const r of resources(json, type)) {
        expect(labelsOf(r)).toMatchObject({
          "cdktf-docker-messaging.stack": "messaging",
          "cdktf-docker-messaging.managed-by": "cdktf",
          "cdktf-docker-messaging.example": "default",
        });
      }
    }
  });

  test("outputs connection strings, sensitive where they hold the password", () => {
    expect(Object.keys(json.output).sort()).toEqual([
      "kafka_bootstrap_servers",
      "prometheus_url",
      "rabbitmq_amqp_url",
      "rabbitmq_management_url",
    ]);
    expect(json.output.rabbitmq_amqp_url.sensitive).toBe(true);
    expect(json.variable.rabbitmq_admin_password).toMatchObject({ sensitive: true, nullable: true, default: null });
    expect(Object.keys(json.variable).sort()).toEqual([
      "kafka_admin_password",
      "kafka_credentials_key",
      "rabbitmq_admin_password",
      "rabbitmq_credentials_key",
    ]);
    for (const variable of Object.values<any>(json.variable)) {
      expect(variable).toMatchObject({ sensitive: true, nullable: true, default: null });
      expect(variable.default).toBeNull();
    }
  });
});
