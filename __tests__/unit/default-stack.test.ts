import * as path from "path";
import { Testing } from "cdktf";
import { Container } from "@cdktf/provider-docker/lib/container";
import { Image } from "@cdktf/provider-docker/lib/image";
import { buildDefaultStack, DEFAULT_STACK_NAME } from "../../main";
import { allKeys, container, envOf, labelsOf, renderTemplate, resources, upload } from "./helpers";

const REPO = path.resolve(__dirname, "..", "..");

function synthDefault(): { text: string; json: any } {
  const saved = process.env.DOCKER_HOST;
  delete process.env.DOCKER_HOST;
  try {
    const stack = buildDefaultStack(Testing.app());
    const text = Testing.synth(stack);
    return { text, json: JSON.parse(text) };
  } finally {
    if (saved !== undefined) process.env.DOCKER_HOST = saved;
  }
}

/**
 * The synthesized stack without what depends on the machine or on the apps'
 * current sources: the checkout path and the build-context hashes.
 */
function normalized(text: string): unknown {
  return JSON.parse(
    text
      .split(REPO)
      .join("<repo>")
      .replace(/"context_sha256": "[0-9a-f]{64}"/g, '"context_sha256": "<hash>"')
      .replace(/"((?:rabbitmq|kafka)-(?:producer|consumer)):[0-9a-f]{12}"/g, '"$1:<hash12>"'),
  );
}

describe("default stack (main.ts)", () => {
  const { text, json } = synthDefault();

  test("matches the snapshot (construct ids and every property)", () => {
    expect(normalized(text)).toMatchSnapshot();
  });

  test("has one network, both brokers, a topics job and four apps", () => {
    expect(DEFAULT_STACK_NAME).toBe("messaging");
    expect(resources(json, "docker_network").map((n) => n.name)).toEqual(["messaging"]);
    expect(resources(json, "docker_container").map((c) => c.name).sort()).toEqual([
      "kafka",
      "kafka-consumer-1",
      "kafka-producer-1",
      "kafka-topics",
      "rabbitmq",
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
        triggers: { context_sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
      });
    }
  });

  test("brokers publish only on 127.0.0.1 and have grace periods and healthchecks", () => {
    for (const name of ["rabbitmq", "kafka"]) {
      const c = container(json, name);
      expect(c.hostname).toBe(name);
      expect(c.destroy_grace_seconds).toBe(30);
      expect(c.wait).toBe(true);
      expect(c.healthcheck.test[0]).toMatch(/^CMD/);
      for (const p of c.ports) expect(p.ip).toBe("127.0.0.1");
    }
    expect(allKeys(json).has("cpus")).toBe(false);
  });

  test("the RabbitMQ queue dead-letters to its dead-letter queue", () => {
    const defs = JSON.parse(
      renderTemplate(upload(container(json, "rabbitmq"), "/etc/rabbitmq/definitions.json"), { rabbitmq_admin_password: "pw" }),
    );
    expect(defs.queues.map((q: any) => q.name)).toEqual(["orders.dead-letter", "orders"]);
    expect(defs.queues[1].arguments["x-dead-letter-routing-key"]).toBe("orders.dead-letter");
  });

  test("apps are wired through connect(): env contract, network, order after broker", () => {
    expect(envOf(container(json, "rabbitmq-producer-1"))).toMatchObject({
      BROKER_KIND: "rabbitmq",
      RABBITMQ_QUEUE: "orders",
      PRODUCER_COUNT: "1000",
      PRODUCER_RATE: "20",
    });
    expect(envOf(container(json, "kafka-consumer-1"))).toMatchObject({
      BROKER_KIND: "kafka",
      KAFKA_BOOTSTRAP_SERVERS: "kafka:9092",
      KAFKA_TOPIC: "events",
      KAFKA_GROUP_ID: "events-consumer",
    });
    expect(text).toHaveResourceWithProperties(Container, {
      name: "kafka-producer-1",
      depends_on: ["docker_container.kafka_container_36BF297E", "docker_container.kafka_topics_F7FCEA7D"],
    });
    expect(container(json, "rabbitmq-consumer-1").depends_on).toEqual(["docker_container.rabbitmq_container_D5E6048A"]);
  });

  test("every container, network and volume carries the common labels", () => {
    for (const type of ["docker_container", "docker_network", "docker_volume"]) {
      for (const r of resources(json, type)) {
        expect(labelsOf(r)).toMatchObject({ "cdktf-docker-messaging.stack": "messaging", "cdktf-docker-messaging.managed-by": "cdktf" });
      }
    }
  });

  test("outputs connection strings, sensitive where they hold the password", () => {
    expect(Object.keys(json.output).sort()).toEqual(["kafka_bootstrap_servers", "rabbitmq_amqp_url", "rabbitmq_management_url"]);
    expect(json.output.rabbitmq_amqp_url.sensitive).toBe(true);
  });
});
