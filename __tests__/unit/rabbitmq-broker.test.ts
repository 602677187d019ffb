import { TerraformVariable } from "cdktf";
import { Container } from "@cdktf/provider-docker/lib/container";
import { Volume } from "@cdktf/provider-docker/lib/volume";
import { AppContainer, ContainerImage, Network, RabbitMqBroker } from "../../constructs";
import { allKeys, container, envOf, labelsOf, newStack, renderTemplate, resources, synth, upload } from "./helpers";

function broker(props: Partial<ConstructorParameters<typeof RabbitMqBroker>[2]> = {}) {
  const stack = newStack();
  const network = new Network(stack, "net");
  const rabbit = new RabbitMqBroker(stack, "rabbitmq", { network, ...props });
  return { stack, network, rabbit };
}

function definitionsOf(json: any, name = "rabbitmq"): any {
  const content = upload(container(json, name), "/etc/rabbitmq/definitions.json");
  return JSON.parse(renderTemplate(content, { [`${name}_admin_password`]: "s3cret-password" }));
}

describe("RabbitMqBroker", () => {
  test("runs with a fixed hostname, a data volume, a grace period and a memory limit", () => {
    const { stack } = broker({ dataRemovalPolicy: "destroy" });
    const { text, json } = synth(stack);
    expect(text).toHaveResourceWithProperties(Container, {
      name: "rabbitmq",
      hostname: "rabbitmq",
      destroy_grace_seconds: 30,
      memory: 512,
      restart: "unless-stopped",
      volumes: [{ container_path: "/var/lib/rabbitmq", volume_name: "${docker_volume.rabbitmq_data_volume_31468597.name}" }],
    });
    expect(text).toHaveResourceWithProperties(Volume, { name: "rabbitmq-data" });
    expect(container(json, "rabbitmq").networks_advanced).toEqual([
      { aliases: ["rabbitmq"], name: "${docker_network.net_network_0C4DCF91.name}" },
    ]);
  });

  test("has a Go-form healthcheck, waits until healthy, and labels the healthcheck hash", () => {
    const { stack } = broker();
    const c = container(synth(stack).json, "rabbitmq");
    expect(c.healthcheck).toEqual({
      test: ["CMD", "rabbitmq-diagnostics", "-q", "check_port_connectivity"],
      interval: "10s",
      timeout: "15s",
      retries: 10,
      start_period: "20s",
    });
    expect(c.wait).toBe(true);
    expect(c.wait_timeout).toBe(180);
    expect(labelsOf(c)["cdktf-docker-messaging.healthcheck-sha256"]).toMatch(/^[0-9a-f]{16}$/);
  });

  test("publishes no port unless asked, and then only on 127.0.0.1", () => {
    expect(container(synth(broker().stack).json, "rabbitmq").ports).toBeUndefined();
    const { stack } = broker({ amqpHostPort: 5673, managementHostPort: 15673 });
    expect(container(synth(stack).json, "rabbitmq").ports).toEqual([
      { internal: 5672, external: 5673, ip: "127.0.0.1", protocol: "tcp" },
      { internal: 15672, external: 15673, ip: "127.0.0.1", protocol: "tcp" },
    ]);
  });

  test("never emits cpus", () => {
    expect(allKeys(synth(broker({ amqpHostPort: 5672 }).stack).json).has("cpus")).toBe(false);
  });

  test("takes the admin password from a sensitive variable without default, never guest/guest", () => {
    const { json } = synth(broker().stack);
    expect(json.variable.rabbitmq_admin_password).toMatchObject({ type: "string", sensitive: true, nullable: false });
    expect(json.variable.rabbitmq_admin_password.default).toBeUndefined();
    const env = envOf(container(json, "rabbitmq"));
    expect(env.RABBITMQ_DEFAULT_USER).toBe("admin");
    expect(env.RABBITMQ_DEFAULT_PASS).toBe("${var.rabbitmq_admin_password}");
    expect(JSON.stringify(json)).not.toMatch(/guest\/guest|"guest"/);
  });

  test("accepts a password Token of the user's own", () => {
    const stack = newStack();
    const password = new TerraformVariable(stack, "mq_password", { type: "string", sensitive: true });
    new RabbitMqBroker(stack, "rabbitmq", { network: new Network(stack, "net"), adminPassword: password.stringValue });
    const { json } = synth(stack);
    expect(json.variable.rabbitmq_admin_password).toBeUndefined();
    expect(envOf(container(json, "rabbitmq")).RABBITMQ_DEFAULT_PASS).toBe("${var.mq_password}");
  });

  test("uploads a rabbitmq.conf that loads the definitions and knows the memory limit", () => {
    const { stack } = broker({ memoryMb: 768 });
    const conf = upload(container(synth(stack).json, "rabbitmq"), "/etc/rabbitmq/rabbitmq.conf");
    const settings = Object.fromEntries(
      conf
        .split("\n")
        .filter((l) => l && !l.startsWith("#"))
        .map((l) => l.split(" = ")),
    );
    expect(settings).toMatchObject({
      "listeners.tcp.default": "5672",
      load_definitions: "/etc/rabbitmq/definitions.json",
      total_memory_available_override_value: String(768 * 1024 * 1024),
      "vm_memory_high_watermark.relative": "0.6",
    });
  });

  test("renders queues, exchanges, bindings and policies to definitions.json, password inserted by Terraform", () => {
    const { stack, rabbit } = broker({ vhost: "shop" });
    rabbit
      .addQueue("orders.dlq", { type: "classic" })
      .addQueue("orders", { deadLetterQueue: "orders.dlq", deliveryLimit: 5 })
      .addExchange("events", { type: "topic" })
      .bindQueue("orders", "events", "order.*")
      .addPolicy("cap", { pattern: "^orders", definition: { "max-length": 10000 } });
    const { json } = synth(stack);
    const raw = upload(container(json, "rabbitmq"), "/etc/rabbitmq/definitions.json");
    expect(raw).toContain("${jsonencode(var.rabbitmq_admin_password)}");
    const defs = definitionsOf(json);
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

  test("escapes template sequences in rendered files", () => {
    const { stack, rabbit } = broker();
    rabbit.addQueue("odd-${name}", { type: "classic" });
    const raw = upload(container(synth(stack).json, "rabbitmq"), "/etc/rabbitmq/definitions.json");
    expect(raw).toContain('"odd-$${name}"');
  });

  test("connect() gives the app the URL, queue, routing key and orders it after the broker", () => {
    const { stack, rabbit } = broker();
    rabbit.addQueue("orders");
    const app = new AppContainer(stack, "consumer", { image: ContainerImage.fromRegistry("busybox:1.36") });
    rabbit.connect(app, { queue: "orders" });
    const { json } = synth(stack);
    const c = container(json, "consumer-1");
    expect(envOf(c)).toEqual({
      BROKER_KIND: "rabbitmq",
      RABBITMQ_URL: "amqp://admin:${urlencode(var.rabbitmq_admin_password)}@rabbitmq:5672/%2F",
      RABBITMQ_QUEUE: "orders",
      RABBITMQ_EXCHANGE: "",
      RABBITMQ_ROUTING_KEY: "orders",
    });
    expect(c.depends_on).toEqual(["docker_container.rabbitmq_container_D5E6048A"]);
    expect(c.networks_advanced).toEqual([{ name: "${docker_network.net_network_0C4DCF91.name}" }]);
  });

  test("outputs a sensitive AMQP URL and the management URL when published", () => {
    const { json } = synth(broker({ amqpHostPort: 5672, managementHostPort: 15672 }).stack);
    expect(json.output.rabbitmq_amqp_url).toEqual(
      expect.objectContaining({ sensitive: true, value: "amqp://admin:${urlencode(var.rabbitmq_admin_password)}@127.0.0.1:5672/%2F" }),
    );
    expect(json.output.rabbitmq_management_url.value).toBe("http://127.0.0.1:15672/");
    expect(json.output.rabbitmq_management_url.sensitive).toBeUndefined();
  });

  test("retains its data volume by default: no docker_volume, a named volume mount", () => {
    const { json } = synth(broker().stack);
    expect(resources(json, "docker_volume")).toHaveLength(0);
    expect(container(json, "rabbitmq").volumes).toEqual([{ container_path: "/var/lib/rabbitmq", volume_name: "rabbitmq-data" }]);
  });

  describe("bad input", () => {
    test("rejects an invalid container name", () => {
      expect(() => broker({ name: "-rabbit" })).toThrow(/test\/rabbitmq: name is not a valid Docker name, got "-rabbit"/);
    });
    test("rejects a port out of range", () => {
      expect(() => broker({ amqpHostPort: 70000 })).toThrow(/amqpHostPort is out of range, got 70000/);
    });
    test("rejects the same host port for AMQP and management", () => {
      expect(() => broker({ amqpHostPort: 5672, managementHostPort: 5672 })).toThrow(/same host port/);
    });
    test("rejects memory below what RabbitMQ needs", () => {
      expect(() => broker({ memoryMb: 128 })).toThrow(/test\/rabbitmq: memoryMb must be an integer >= 256, got 128\. Fix: give RabbitMQ at least 256 MiB/);
    });
    test("rejects a literal password", () => {
      expect(() => broker({ adminPassword: "hunter2hunter2" })).toThrow(/adminPassword is a literal string/);
    });
    test("rejects guest as the admin user", () => {
      expect(() => broker({ adminUser: "guest" })).toThrow(/adminUser must be a non-empty name other than guest/);
    });
    test("rejects a queue declared twice", () => {
      const { rabbit } = broker();
      rabbit.addQueue("orders");
      expect(() => rabbit.addQueue("orders")).toThrow(/test\/rabbitmq: queue declared twice, got "orders"/);
    });
    test("rejects an exchange declared twice", () => {
      const { rabbit } = broker();
      rabbit.addExchange("events");
      expect(() => rabbit.addExchange("events")).toThrow(/exchange declared twice/);
    });
    test("rejects a binding to an undeclared exchange", () => {
      const { rabbit } = broker();
      rabbit.addQueue("orders");
      expect(() => rabbit.bindQueue("orders", "nope")).toThrow(/undeclared exchange, got "nope"\. Fix: declare it with addExchange\("nope"\)/);
    });
    test("rejects a binding of an undeclared queue", () => {
      const { rabbit } = broker();
      rabbit.addExchange("events");
      expect(() => rabbit.bindQueue("nope", "events")).toThrow(/undeclared queue, got "nope"/);
    });
    test("rejects a dead-letter queue that does not exist", () => {
      const { rabbit } = broker();
      expect(() => rabbit.addQueue("orders", { deadLetterQueue: "orders.dlq" })).toThrow(
        /queue "orders": its dead-letter queue does not exist, got "orders.dlq"/,
      );
    });
    test("rejects a dead-letter exchange that does not exist", () => {
      const { rabbit } = broker();
      expect(() => rabbit.addQueue("orders", { deadLetterExchange: "dlx" })).toThrow(/its dead-letter exchange does not exist, got "dlx"/);
    });
    test("rejects a non-durable quorum queue", () => {
      const { rabbit } = broker();
      expect(() => rabbit.addQueue("orders", { durable: false })).toThrow(/quorum queues are always durable/);
    });
    test("rejects a reserved amq. queue name", () => {
      const { rabbit } = broker();
      expect(() => rabbit.addQueue("amq.mine")).toThrow(/reserved/);
    });
    test("rejects a policy declared twice", () => {
      const { rabbit } = broker();
      rabbit.addPolicy("p", { pattern: ".*", definition: { "max-length": 1 } });
      expect(() => rabbit.addPolicy("p", { pattern: ".*", definition: { "max-length": 1 } })).toThrow(/policy declared twice/);
    });
    test("rejects connecting an app to an undeclared queue", () => {
      const { stack, rabbit } = broker();
      const app = new AppContainer(stack, "consumer", { image: ContainerImage.fromRegistry("busybox:1.36") });
      expect(() => rabbit.connect(app, { queue: "orders" })).toThrow(/the queue is not declared on this broker, got "orders"/);
    });
    test("rejects Kafka options", () => {
      const { stack, rabbit } = broker();
      const app = new AppContainer(stack, "consumer", { image: ContainerImage.fromRegistry("busybox:1.36") });
      expect(() => rabbit.connect(app, { topic: "t" })).toThrow(/topic and groupId are Kafka options/);
    });
  });
});
