/**
 * RabbitMqBroker as a container: name, hostname, volume, healthcheck, ports,
 * the admin credentials (variable, Tokens), rabbitmq.conf, outputs, escape
 * hatches, and the problems its props are reported with. The topology
 * (definitions.json, grants) is in rabbitmq-topology.test.ts; the rule tables
 * have their own tests.
 */
import { TerraformOutput, TerraformResource, TerraformStack, TerraformVariable, Token } from "cdktf";
import { Container } from "@cdktf/provider-docker/lib/container";
import { Volume } from "@cdktf/provider-docker/lib/volume";
import {
  AppContainer,
  AppEnv,
  ContainerImage,
  DockerHost,
  KafkaBroker,
  Network,
  RabbitMqBroker,
  RABBITMQ_AMQP_PORT,
  RABBITMQ_MANAGEMENT_PORT,
  type RabbitMqBrokerProps,
} from "../../../../constructs";
import {
  allKeys,
  container,
  envOf,
  labelsOf,
  newStack,
  problemMessages,
  renderTemplate,
  resources,
  synth,
  upload,
  net,
} from "../../helpers";

const DEFINITIONS = "/etc/rabbitmq/definitions.json";
const CONFIG = "/etc/rabbitmq/rabbitmq.conf";
const BROKER_CONTAINER = "docker_container.rabbitmq_container_D5E6048A";
const SETUP_JOB = "docker_container.rabbitmq_setup_68B180B0";
/** The URL an app `user` of broker "rabbitmq" gets: its own user, its password derived by Terraform. */
const appUrl = (user: string, vhost = "%2F", broker = "rabbitmq") =>
  `amqp://${user}:\${sha256("\${var.${broker}_credentials_key}/${broker}/${user}")}@${broker}:5672/${vhost}`;

function rabbitIn(stack: TerraformStack, props: Partial<RabbitMqBrokerProps> = {}, id = "rabbitmq"): RabbitMqBroker {
  return new RabbitMqBroker(stack, id, { network: net(stack), ...props });
}

function broker(props: Partial<RabbitMqBrokerProps> = {}) {
  const stack = newStack();
  const rabbit = rabbitIn(stack, props);
  return { stack, network: net(stack), rabbit };
}

function app(stack: TerraformStack, id = "app", props: { replicas?: number; environment?: Record<string, string> } = {}): AppContainer {
  // busybox serves no metrics: these tests are about the wirings' settings.
  return new AppContainer(stack, id, { image: ContainerImage.fromRegistry("busybox:1.36"), metrics: { enabled: false }, ...props });
}

/** A publisher to queue "orders" with MESSAGE_SIZE_BYTES = `size`. */
function publisherOf(size: number | undefined): Build {
  return (s) => {
    const environment = size === undefined ? undefined : { [AppEnv.MESSAGE_SIZE_BYTES]: String(size) };
    rabbitIn(s)
      .addQueue("orders")
      .grantPublish(app(s, "app", { environment }));
  };
}

function definitionsOf(json: any, name = "rabbitmq", vars: Record<string, string> = {}): any {
  const content = upload(container(json, name), DEFINITIONS);
  return JSON.parse(renderTemplate(content, { [`${name.replace(/-/g, "_")}_admin_password`]: "s3cret-password", ...vars }));
}

function configOf(json: any, name = "rabbitmq"): Record<string, string> {
  return Object.fromEntries(
    upload(container(json, name), CONFIG)
      .split("\n")
      .filter((line) => line && !line.startsWith("#"))
      .map((line) => line.split(" = ") as [string, string]),
  );
}

describe("RabbitMqBroker container", () => {
  test("runs under a fixed name and hostname, with a network alias, a grace period, a memory limit and no swap", () => {
    const { stack } = broker();
    const { text, json } = synth(stack);
    expect(text).toHaveResourceWithProperties(Container, {
      name: "rabbitmq",
      hostname: "rabbitmq",
      destroy_grace_seconds: 30,
      memory: 512,
      memory_swap: 512,
      restart: "unless-stopped",
    });
    expect(container(json, "rabbitmq").networks_advanced).toEqual([
      { aliases: ["rabbitmq"], name: "${docker_network.net_network_0C4DCF91.name}" },
    ]);
    expect(labelsOf(container(json, "rabbitmq"))["cdktf-docker-messaging.component"]).toBe("rabbitmq-broker");
  });

  test("takes its name from `name`, not the construct id", () => {
    const stack = newStack();
    rabbitIn(stack, { name: "orders-mq" }, "whatever");
    const { json } = synth(stack);
    const c = container(json, "orders-mq");
    expect(c.hostname).toBe("orders-mq");
    expect(c.networks_advanced[0].aliases).toEqual(["orders-mq"]);
    expect(c.volumes).toEqual([{ container_path: "/var/lib/rabbitmq", volume_name: "orders-mq-data" }]);
    expect(json.variable.orders_mq_admin_password).toBeDefined();
  });

  test("retains its data volume by default: no docker_volume, a named volume mount", () => {
    const { json } = synth(broker().stack);
    expect(resources(json, "docker_volume")).toHaveLength(0);
    expect(container(json, "rabbitmq").volumes).toEqual([{ container_path: "/var/lib/rabbitmq", volume_name: "rabbitmq-data" }]);
  });

  test("with dataRemovalPolicy destroy, the volume is a docker_volume the container mounts by reference", () => {
    const { stack, rabbit } = broker({ dataRemovalPolicy: "destroy" });
    const { text, json } = synth(stack);
    expect(text).toHaveResourceWithProperties(Volume, { name: "rabbitmq-data" });
    expect(container(json, "rabbitmq").volumes).toEqual([
      {
        container_path: "/var/lib/rabbitmq",
        volume_name: expect.stringMatching(/^\$\{docker_volume\.rabbitmq_data_volume_[0-9A-F]+\.name\}$/),
      },
    ]);
    expect(rabbit.dataVolume.removalPolicy).toBe("destroy");
  });

  test("has a Go-form healthcheck that needs the listeners up, waits until healthy, and labels the healthcheck hash", () => {
    const c = container(synth(broker().stack).json, "rabbitmq");
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

  test("takes startTimeoutSeconds, stopGracePeriodSeconds, memoryMb and labels", () => {
    const { json } = synth(
      broker({ startTimeoutSeconds: 300, stopGracePeriodSeconds: 60, memoryMb: 1024, labels: { team: "shop" } }).stack,
    );
    const c = container(json, "rabbitmq");
    expect(c.wait_timeout).toBe(300);
    expect(c.destroy_grace_seconds).toBe(60);
    expect(c.memory).toBe(1024);
    expect(labelsOf(c).team).toBe("shop");
  });

  test("publishes no port unless asked, and then only on 127.0.0.1", () => {
    expect(container(synth(broker().stack).json, "rabbitmq").ports).toBeUndefined();
    const { stack } = broker({ amqpHostPort: 5673, managementHostPort: 15673 });
    expect(container(synth(stack).json, "rabbitmq").ports).toEqual([
      { internal: RABBITMQ_AMQP_PORT, external: 5673, ip: "127.0.0.1", protocol: "tcp" },
      { internal: RABBITMQ_MANAGEMENT_PORT, external: 15673, ip: "127.0.0.1", protocol: "tcp" },
    ]);
    expect(container(synth(broker({ managementHostPort: 15672 }).stack).json, "rabbitmq").ports).toEqual([
      { internal: 15672, external: 15672, ip: "127.0.0.1", protocol: "tcp" },
    ]);
  });

  test("exposes its endpoints: the network alias for apps, 127.0.0.1 for the host", () => {
    const { rabbit } = broker({ amqpHostPort: 5673, managementHostPort: 15673 });
    expect(rabbit.kind).toBe("rabbitmq");
    expect(rabbit.endpoint).toEqual({ hostname: "rabbitmq", port: 5672, address: "rabbitmq:5672" });
    expect(rabbit.hostEndpoint).toEqual({ hostname: "127.0.0.1", port: 5673, address: "127.0.0.1:5673" });
    expect(rabbit.managementUrl).toBe("http://127.0.0.1:15673/");
    expect(broker().rabbit.hostEndpoint).toBeUndefined();
  });

  test("never emits cpus", () => {
    expect(allKeys(synth(broker({ amqpHostPort: 5672 }).stack).json).has("cpus")).toBe(false);
  });

  test("uploads a rabbitmq.conf that loads the definitions, keeps guest on loopback, knows the memory limit and suggests a 10 s heartbeat; one node has no net_ticktime", () => {
    const { json } = synth(broker({ memoryMb: 768 }).stack);
    expect(configOf(json)).toEqual({
      "listeners.tcp.default": "5672",
      load_definitions: DEFINITIONS,
      "loopback_users.guest": "true",
      total_memory_available_override_value: String(768 * 1024 * 1024),
      "vm_memory_high_watermark.relative": "0.6",
      "log.console": "true",
      heartbeat: "10",
    });
  });
});

describe("RabbitMqBroker admin credentials", () => {
  test("takes the admin password from a sensitive variable null by default (refused unset, never prompted), at least 12 characters", () => {
    const { json } = synth(broker().stack);
    const variable = json.variable.rabbitmq_admin_password;
    expect(variable).toMatchObject({ type: "string", sensitive: true, nullable: true, default: null });
    expect(variable.default).toBeNull();
    expect(variable.description).toContain("TF_VAR_rabbitmq_admin_password");
    expect(variable.validation).toEqual([
      {
        condition: "${var.rabbitmq_admin_password != null}",
        error_message: expect.stringContaining("rabbitmq_admin_password is not set: export TF_VAR_rabbitmq_admin_password"),
      },
      {
        condition: "${var.rabbitmq_admin_password == null ? true : length(var.rabbitmq_admin_password) >= 12}",
        error_message: "rabbitmq_admin_password must be at least 12 characters long.",
      },
    ]);
  });

  test("sets the admin user and password on the container, never guest/guest", () => {
    const { json } = synth(broker().stack);
    expect(envOf(container(json, "rabbitmq"))).toEqual({
      RABBITMQ_DEFAULT_USER: "admin",
      RABBITMQ_DEFAULT_PASS: "${var.rabbitmq_admin_password}",
      RABBITMQ_DEFAULT_VHOST: "/",
    });
    expect(JSON.stringify(json)).not.toMatch(/guest\/guest|"guest"/);
  });

  test("exposes the variable it declared", () => {
    const { stack, rabbit } = broker();
    expect(rabbit.adminPasswordVariable).toBeInstanceOf(TerraformVariable);
    expect(synth(stack).json.variable).toHaveProperty("rabbitmq_admin_password");
  });

  test("takes a password Token of the user's own and declares no variable then", () => {
    const stack = newStack();
    const password = new TerraformVariable(stack, "mq_password", { type: "string", sensitive: true });
    const rabbit = rabbitIn(stack, { adminPassword: password.stringValue });
    const { json } = synth(stack);
    expect(rabbit.adminPasswordVariable).toBeUndefined();
    expect(json.variable.rabbitmq_admin_password).toBeUndefined();
    expect(envOf(container(json, "rabbitmq")).RABBITMQ_DEFAULT_PASS).toBe("${var.mq_password}");
    expect(upload(container(json, "rabbitmq"), DEFINITIONS)).toContain('"password": ${jsonencode(var.mq_password)}');
  });

  test("inserts the password into definitions.json through Terraform, never at synth", () => {
    const { json } = synth(broker().stack);
    const raw = upload(container(json, "rabbitmq"), DEFINITIONS);
    expect(raw).toContain('"password": ${jsonencode(var.rabbitmq_admin_password)}');
    expect(raw).not.toContain("$${jsonencode");
    expect(definitionsOf(json).users).toEqual([{ name: "admin", password: "s3cret-password", tags: "administrator" }]);
  });

  test("a Token adminUser reaches the host's AMQP URL, the container, the set-up job and definitions.json intact (never an app)", () => {
    const stack = newStack();
    const user = new TerraformVariable(stack, "mq_user", { type: "string" });
    const rabbit = rabbitIn(stack, { adminUser: user.stringValue, amqpHostPort: 5672 });
    rabbit.addQueue("orders").grantConsume(app(stack, "consumer"));
    const { json } = synth(stack);
    const url = "amqp://${urlencode(var.mq_user)}:${urlencode(var.rabbitmq_admin_password)}@127.0.0.1:5672/%2F";
    expect(json.output.rabbitmq_amqp_url.value).toBe(url);
    // The app connects as its own user, not as the administrator.
    const appEnv = envOf(container(json, "consumer-1"));
    expect(appEnv.RABBITMQ_URL).toBe(appUrl("consumer"));
    expect(appEnv.RABBITMQ_URL).not.toContain("mq_user");
    expect(appEnv.RABBITMQ_URL).not.toContain("admin_password");
    expect(envOf(container(json, "rabbitmq-setup")).ADMIN_USER).toBe("${var.mq_user}");
    expect(envOf(container(json, "rabbitmq")).RABBITMQ_DEFAULT_USER).toBe("${var.mq_user}");
    const raw = upload(container(json, "rabbitmq"), DEFINITIONS);
    expect(raw).toContain('"name": ${jsonencode(var.mq_user)}');
    expect(raw).toContain('"user": ${jsonencode(var.mq_user)}');
    expect(raw).not.toContain("$${");
    const defs = definitionsOf(json, "rabbitmq", { mq_user: "ops" });
    expect(defs.users).toEqual([{ name: "ops", password: "s3cret-password", tags: "administrator" }]);
    expect(defs.permissions).toEqual([{ user: "ops", vhost: "/", configure: ".*", write: ".*", read: ".*" }]);
    expect(json.variable.rabbitmq_admin_password.description).toContain('"(token)"');
  });

  test("URL-encodes a literal user and the vhost", () => {
    const stack = newStack();
    const rabbit = rabbitIn(stack, { adminUser: "ops@shop", vhost: "shop/eu", amqpHostPort: 5672 });
    rabbit.addQueue("orders").grantConsume(app(stack, "consumer"));
    const { json } = synth(stack);
    expect(json.output.rabbitmq_amqp_url.value).toBe(
      "amqp://ops%40shop:${urlencode(var.rabbitmq_admin_password)}@127.0.0.1:5672/shop%2Feu",
    );
    // Apps: their own user, on the same URL-encoded vhost.
    expect(envOf(container(json, "consumer-1")).RABBITMQ_URL).toBe(appUrl("consumer", "shop%2Feu"));
    expect(envOf(container(json, "rabbitmq-setup")).VHOST).toBe("shop/eu");
    const defs = definitionsOf(json);
    expect(defs.users[0].name).toBe("ops@shop");
    expect(defs.vhosts).toEqual([{ name: "shop/eu" }]);
    expect(envOf(container(json, "rabbitmq")).RABBITMQ_DEFAULT_VHOST).toBe("shop/eu");
  });
});

describe("RabbitMqBroker outputs", () => {
  test("outputs a sensitive AMQP URL and the management URL when published", () => {
    const { json } = synth(broker({ amqpHostPort: 5672, managementHostPort: 15672 }).stack);
    expect(json.output.rabbitmq_amqp_url).toEqual(
      expect.objectContaining({ sensitive: true, value: "amqp://admin:${urlencode(var.rabbitmq_admin_password)}@127.0.0.1:5672/%2F" }),
    );
    expect(json.output.rabbitmq_management_url.value).toBe("http://127.0.0.1:15672/");
    expect(json.output.rabbitmq_management_url.sensitive).toBeUndefined();
    expect(json.output.rabbitmq_management_url.description).toContain("(user admin)");
  });

  test("outputs nothing when no port is published", () => {
    expect(synth(broker().stack).json.output).toBeUndefined();
  });

  test("names its outputs and variable after the broker name, '-' as '_'", () => {
    const stack = newStack();
    rabbitIn(stack, { name: "orders-mq", amqpHostPort: 5672, managementHostPort: 15672 });
    const { json } = synth(stack);
    expect(Object.keys(json.output).sort()).toEqual(["orders_mq_amqp_url", "orders_mq_management_url"]);
    expect(Object.keys(json.variable)).toEqual(["orders_mq_admin_password"]);
  });
});

describe("RabbitMqBroker escape hatches", () => {
  test("the container is node.defaultChild", () => {
    const { rabbit } = broker();
    expect(rabbit.node.defaultChild).toBe(rabbit.container);
    expect(rabbit.containers).toEqual([rabbit.container]);
  });

  test("an override on the container survives queues, exchanges and wirings declared after it", () => {
    const { stack, rabbit } = broker();
    rabbit.container.addOverride("log_driver", "local");
    rabbit.container.addOverride("wait_timeout", 600);
    (rabbit.node.defaultChild as TerraformResource).addOverride("log_opts", { "max-size": "10m" });
    const orders = rabbit.addQueue("orders");
    orders.grantConsume(app(stack, "consumer"));
    rabbit.addExchange("events", { type: "fanout" });
    orders.bindTo("events");
    const { json } = synth(stack);
    const c = container(json, "rabbitmq");
    expect(c.log_driver).toBe("local");
    // addOverride merges into the construct's log_opts (log rotation: max-size and max-file).
    expect(c.log_opts).toEqual({ "max-size": "10m", "max-file": "3" });
    expect(c.wait_timeout).toBe(600);
    const defs = definitionsOf(json);
    expect(defs.queues.map((q: any) => q.name)).toEqual(["orders"]);
    expect(defs.bindings).toEqual([expect.objectContaining({ source: "events", destination: "orders" })]);
    expect(container(json, "consumer-1").depends_on).toEqual([BROKER_CONTAINER, SETUP_JOB]);
  });

  test("a property set on the container survives a queue declared after it", () => {
    const { stack, rabbit } = broker();
    rabbit.container.shmSize = 128;
    rabbit.container.privileged = false;
    rabbit.addQueue("late");
    const { json } = synth(stack);
    const c = container(json, "rabbitmq");
    expect(c.shm_size).toBe(128);
    expect(c.privileged).toBe(false);
    expect(definitionsOf(json).queues.map((q: any) => q.name)).toEqual(["late"]);
  });
});

describe("RabbitMqBroker wirings of one app", () => {
  test("the same grant twice is one wiring, with one RABBITMQ_URL (one AMQP URL Token per broker)", () => {
    const { stack, rabbit } = broker();
    const orders = rabbit.addQueue("orders");
    const consumer = app(stack, "consumer");
    const producer = app(stack, "producer");
    orders.grantConsume(consumer);
    orders.grantConsume(consumer);
    orders.grantPublish(producer);
    orders.grantPublish(producer);
    expect(consumer.wiredTo).toHaveLength(1);
    expect(producer.wiredTo).toHaveLength(1);
    const { json } = synth(stack);
    expect(envOf(container(json, "consumer-1"))).toEqual({ RABBITMQ_URL: appUrl("consumer"), RABBITMQ_QUEUE: "orders" });
    expect(envOf(container(json, "producer-1"))).toEqual({
      RABBITMQ_URL: appUrl("producer"),
      RABBITMQ_EXCHANGE: "",
      RABBITMQ_ROUTING_KEY: "orders",
    });
    // One user each in the set-up job.
    expect(JSON.parse(envOf(container(json, "rabbitmq-setup")).APP_USERS).map((u: any) => u.name)).toEqual(["consumer", "producer"]);
  });
});

// ---------------------------------------------------------------------------
// Bad input: reported, all at once, at synth.
// ---------------------------------------------------------------------------

type Build = (stack: TerraformStack) => void;
/** A fragment of one expected message, or a pattern it matches. */
type Expected = string | RegExp;
const matching = (e: Expected) => (typeof e === "string" ? expect.stringContaining(e) : expect.stringMatching(e));

const NAME_LABEL_FIX = "Fix: use at most 63 letters, digits and '-', starting and ending with a letter or digit (no '_' or '.')";

describe("RabbitMqBroker props: problems", () => {
  const rejects: [string, Build, Expected[]][] = [
    [
      "guest as the admin user",
      (s) => rabbitIn(s, { adminUser: "guest" }),
      [
        `test/rabbitmq: adminUser must not be guest (RabbitMQ's well-known default account), got "guest". Fix: choose another user name (the default is "admin")`,
      ],
    ],
    [
      "an empty admin user",
      (s) => rabbitIn(s, { adminUser: "" }),
      ['test/rabbitmq: adminUser must be a non-empty string, got "". Fix: pass a string'],
    ],
    [
      "an admin user over 255 bytes",
      (s) => rabbitIn(s, { adminUser: "é".repeat(128) }),
      ["test/rabbitmq: adminUser is longer than 255 bytes"],
    ],
    [
      "a literal password (and does not show it)",
      (s) => rabbitIn(s, { adminPassword: "hunter2hunter2" }),
      [
        'test/rabbitmq: adminPassword is a literal string: it would be committed with the code and written in plain text to cdktf.out, got "<redacted>". Fix: pass a Token',
      ],
    ],
    [
      "an empty vhost",
      (s) => rabbitIn(s, { vhost: "" }),
      ['test/rabbitmq: vhost must be a non-empty literal of at most 255 bytes, got "". Fix: use "/" or a name like "orders"'],
    ],
    [
      "a vhost over 255 bytes",
      (s) => rabbitIn(s, { vhost: "v".repeat(256) }),
      ["test/rabbitmq: vhost must be a non-empty literal of at most 255 bytes"],
    ],
    [
      "a vhost Token (it is written into definitions.json at synth)",
      (s) => rabbitIn(s, { vhost: new TerraformVariable(s, "vhost", { type: "string" }).stringValue }),
      ["test/rabbitmq: vhost must be a non-empty literal of at most 255 bytes"],
    ],
    [
      "the same host port for AMQP and management",
      (s) => rabbitIn(s, { amqpHostPort: 5672, managementHostPort: 5672 }),
      [
        "test/rabbitmq: amqpHostPort and managementHostPort are the same host port, got 5672. Fix: publish them on two different host ports",
      ],
    ],
    [
      "an AMQP host port out of range",
      (s) => rabbitIn(s, { amqpHostPort: 70000 }),
      ["test/rabbitmq: amqpHostPort is not a TCP port, got 70000. Fix: use an integer port between 1 and 65535"],
    ],
    [
      "a management host port of 0",
      (s) => rabbitIn(s, { managementHostPort: 0 }),
      ["test/rabbitmq: managementHostPort is not a TCP port, got 0"],
    ],
    ["a fractional host port", (s) => rabbitIn(s, { amqpHostPort: 5672.5 }), ["test/rabbitmq: amqpHostPort is not a TCP port, got 5672.5"]],
    [
      "memory below what RabbitMQ needs",
      (s) => rabbitIn(s, { memoryMb: 128 }),
      ["test/rabbitmq: memoryMb must be an integer between 256 and 1048576, got 128. Fix: give RabbitMQ at least 256 MiB"],
    ],
    [
      "an unknown prop, with a did-you-mean (memoryMB)",
      (s) => rabbitIn(s, { memoryMB: 1024 } as any),
      ['test/rabbitmq: RabbitMqBrokerProps has no field "memoryMB", got "memoryMB". Fix: did you mean "memoryMb"?'],
    ],
    [
      "an unknown prop, with a did-you-mean (managmentHostPort)",
      (s) => rabbitIn(s, { managmentHostPort: 15672 } as any),
      [
        'test/rabbitmq: RabbitMqBrokerProps has no field "managmentHostPort", got "managmentHostPort". Fix: did you mean "managementHostPort"?',
      ],
    ],
    [
      "an unknown prop far from any, listing the known ones",
      (s) => rabbitIn(s, { clusterId: "x" } as any),
      ['test/rabbitmq: RabbitMqBrokerProps has no field "clusterId", got "clusterId". Fix: use one of: network, name, image, memoryMb,'],
    ],
    [
      "a dataRemovalPolicy that is not one of retain/destroy",
      (s) => rabbitIn(s, { dataRemovalPolicy: "delete" as any }),
      ['test/rabbitmq: dataRemovalPolicy is not one of "retain", "destroy", got "delete"'],
    ],
    [
      "a start timeout of 0",
      (s) => rabbitIn(s, { startTimeoutSeconds: 0 }),
      ["test/rabbitmq: startTimeoutSeconds must be an integer between 1 and 86400, got 0"],
    ],
    [
      "a negative stop grace period",
      (s) => rabbitIn(s, { stopGracePeriodSeconds: -1 }),
      ["test/rabbitmq: stopGracePeriodSeconds must be an integer between 0 and 3600, got -1"],
    ],
    ["an empty label name", (s) => rabbitIn(s, { labels: { " ": "x" } }), ['test/rabbitmq: labels has an empty label name, got " "']],
    [
      "an image that is not a ContainerImage",
      (s) => rabbitIn(s, { image: "rabbitmq:3.13" as any }),
      ['test/rabbitmq: image is not a ContainerImage, got "rabbitmq:3.13". Fix: use ContainerImage.fromRegistry("name:tag")'],
    ],
    [
      "a hostname with '_'",
      (s) => rabbitIn(s, { name: "my_rabbit" }),
      [`test/rabbitmq: name is also the broker's hostname and must be a host name label, got "my_rabbit". ${NAME_LABEL_FIX}`],
    ],
    [
      "a hostname with '.'",
      (s) => rabbitIn(s, { name: "my.rabbit" }),
      [`test/rabbitmq: name is also the broker's hostname and must be a host name label, got "my.rabbit". ${NAME_LABEL_FIX}`],
    ],
    [
      "a hostname over 63 characters",
      (s) => rabbitIn(s, { name: "r".repeat(64) }),
      [`test/rabbitmq: name is also the broker's hostname and must be a host name label, got "${"r".repeat(64)}". ${NAME_LABEL_FIX}`],
    ],
    [
      "a hostname ending with '-'",
      (s) => rabbitIn(s, { name: "rabbit-" }),
      [`test/rabbitmq: name is also the broker's hostname and must be a host name label, got "rabbit-"`],
    ],
    [
      "a name Docker refuses (a space)",
      (s) => rabbitIn(s, { name: "rabbit mq" }),
      ['test/rabbitmq: name is not a valid Docker container name, got "rabbit mq"'],
    ],
    [
      "a one-character name (Docker names have at least two)",
      (s) => rabbitIn(s, {}, "r"),
      ['test/r: name is not a valid Docker container name, got "r". Fix: use 2-128 characters'],
    ],
    [
      "two brokers with the same name in one stack (container, variable and volume)",
      (s) => {
        rabbitIn(s, { name: "mq" }, "a");
        rabbitIn(s, { name: "mq" }, "b");
      },
      [
        'test/b: the terraform variable name "mq_admin_password" is already used by test/a',
        'test/b: the container name "mq" is already used by test/a',
        'test/b/data: the volume name "mq-data" is already used by test/a/data',
        'test/b: the container name "mq-setup" is already used by test/a/setup',
      ],
    ],
    [
      "two brokers whose outputs would have the same name",
      (s) => {
        rabbitIn(s, { name: "mq", amqpHostPort: 5672 }, "a");
        rabbitIn(s, { name: "mq", amqpHostPort: 5673 }, "b");
      },
      [
        'test/b: the terraform variable name "mq_admin_password" is already used by test/a',
        'test/b: the container name "mq" is already used by test/a',
        'test/b/data: the volume name "mq-data" is already used by test/a/data',
        'test/b: the terraform output name "mq_amqp_url" is already used by test/a',
        'test/b: the container name "mq-setup" is already used by test/a/setup',
      ],
    ],
    [
      "two brokers whose names differ only in case (one host name in Docker's DNS)",
      (s) => {
        rabbitIn(s, { name: "Rabbit" }, "a");
        rabbitIn(s, { name: "rabbit" }, "b");
      },
      ['test/b: the hostname name "rabbit" is already used by test/a'],
    ],
    [
      "a RabbitMQ and a Kafka broker with the same name",
      (s) => {
        rabbitIn(s, { name: "bus" }, "mq");
        new KafkaBroker(s, "kafka", { network: net(s), name: "bus" });
      },
      [
        'test/kafka: the container name "bus" is already used by test/mq',
        'test/kafka/data: the volume name "bus-data" is already used by test/mq/data',
        'test/kafka: the container name "bus-setup" is already used by test/mq/setup',
        'test/kafka: the terraform variable name "bus_admin_password" is already used by test/mq',
      ],
    ],
    [
      "a broker named like a Kafka broker's set-up job",
      (s) => {
        new KafkaBroker(s, "kafka", { network: net(s) });
        rabbitIn(s, { name: "kafka-setup" });
      },
      ['test/rabbitmq: the container name "kafka-setup" is already used by test/kafka/setup, got "kafka-setup"'],
    ],
    [
      "a broker named like an app's replica",
      (s) => {
        app(s, "worker", { replicas: 2 });
        rabbitIn(s, { name: "worker-2" });
      },
      ['test/rabbitmq: the container name "worker-2" is already used by test/worker/replica-2, got "worker-2"'],
    ],
    [
      "a label value that is not a string (reported, not thrown)",
      (s) => rabbitIn(s, { labels: { tier: 1 as any } }),
      ['test/rabbitmq: labels.tier must be a string, got 1. Fix: pass "1" (a string)'],
    ],
    [
      "a variable of the user's named like the broker's admin password variable (Terraform would merge the two)",
      (s) => {
        new TerraformVariable(s, "rabbitmq_admin_password", { type: "string", default: "short" });
        rabbitIn(s);
      },
      [
        'test/rabbitmq: the Terraform variable "rabbitmq_admin_password" of this broker is also declared by test/rabbitmq_admin_password, got "rabbitmq_admin_password". Fix: rename the other variable',
      ],
    ],
    [
      "an output of the user's named like the broker's AMQP URL output",
      (s) => {
        new TerraformOutput(s, "rabbitmq_amqp_url", { value: "amqp://elsewhere:5672" });
        rabbitIn(s, { amqpHostPort: 5672 });
      },
      [
        'test/rabbitmq: the Terraform output "rabbitmq_amqp_url" of this broker is also declared by test/rabbitmq_amqp_url, got "rabbitmq_amqp_url". Fix: rename the other output',
      ],
    ],
    [
      "a Token name (Token.asString)",
      (s) => rabbitIn(s, { name: Token.asString(new TerraformVariable(s, "broker_name", { type: "string" }).value) }),
      [
        "test/rabbitmq: name must be a literal: it names the container, the data volume, the Terraform variables and outputs, and seeds stable ids",
      ],
    ],
    [
      "a Token name (a variable's stringValue)",
      (s) => rabbitIn(s, { name: new TerraformVariable(s, "broker_name", { type: "string" }).stringValue }),
      [/^test\/rabbitmq: name must be a literal: .*, got ".*"\. Fix: use a literal name/],
    ],
    [
      "one app consuming two queues of one broker (it reads one RABBITMQ_QUEUE), reported once",
      (s) => {
        const rabbit = rabbitIn(s);
        const worker = app(s, "worker");
        rabbit.addQueue("a").grantConsume(worker);
        rabbit.addQueue("b").grantConsume(worker);
      },
      [
        'test/worker: consumer of queue "b" (test/rabbitmq) needs RABBITMQ_QUEUE="b", but the app is already consumer of queue "a" (test/rabbitmq) with RABBITMQ_QUEUE="a", got "b". Fix: an app reads one RABBITMQ_QUEUE',
      ],
    ],
    [
      "a publisher above RabbitMQ 4.0's 16 MiB max_message_size (it was 128 MiB in 3.x)",
      publisherOf(16 * 1024 * 1024),
      [
        `test/rabbitmq: publisher to queue "orders" (test/app): MESSAGE_SIZE_BYTES plus the message envelope (~1024 bytes) exceeds RabbitMQ 4.0's 16777216-byte max_message_size, so the broker would close the publisher's channel on every message, got 16777216. Fix: use MESSAGE_SIZE_BYTES <= 16776192`,
      ],
    ],
    [
      "a publisher to an exchange one byte above the limit",
      (s) => {
        const rabbit = rabbitIn(s);
        const events = rabbit.addExchange("events", { type: "fanout" });
        rabbit.addQueue("q").bindTo(events);
        events.grantPublish(app(s, "app", { environment: { [AppEnv.MESSAGE_SIZE_BYTES]: "16776193" } }), { routingKey: "" });
      },
      ['test/rabbitmq: publisher to exchange "events" (test/app): MESSAGE_SIZE_BYTES plus the message envelope'],
    ],
    [
      "several mistakes at once, each reported",
      (s) => rabbitIn(s, { name: "my_rabbit", adminUser: "guest", memoryMb: 64, amqpHostPort: 0 }),
      [
        'test/rabbitmq: name is also the broker\'s hostname and must be a host name label, got "my_rabbit"',
        "test/rabbitmq: memoryMb must be an integer between 256 and 1048576, got 64",
        "test/rabbitmq: amqpHostPort is not a TCP port, got 0",
        "test/rabbitmq: adminUser must not be guest",
      ],
    ],
  ];

  test.each(rejects)("rejects %s", (_name, build, expected) => {
    const messages = problemMessages(build);
    expect(messages).toHaveLength(expected.length);
    for (const fragment of expected) expect(messages).toContainEqual(matching(fragment));
  });

  test("rejects a literal password without writing it into the message", () => {
    const messages = problemMessages((s) => rabbitIn(s, { adminPassword: "hunter2hunter2" }));
    expect(messages.join("\n")).not.toContain("hunter2hunter2");
  });

  test("rejects missing props and a missing network at once (nothing sensible to build)", () => {
    expect(problemMessages((s) => new RabbitMqBroker(s, "rabbitmq", undefined as any))).toEqual([
      "test/rabbitmq: RabbitMqBrokerProps are required, got undefined. Fix: pass props with at least { network }",
    ]);
    expect(problemMessages((s) => new RabbitMqBroker(s, "rabbitmq", {} as any))).toEqual([
      'test/rabbitmq: network is required and must be a Network, got undefined. Fix: pass { network: new Network(scope, "net") }',
    ]);
  });

  test("rejects at synth, listing every problem of the stack in one error", () => {
    const stack = newStack();
    rabbitIn(stack, { adminUser: "guest", amqpHostPort: 5672, managementHostPort: 5672 });
    expect(() => synth(stack)).toThrow(/^2 problems:\n {2}- test\/rabbitmq: .*\n {2}- test\/rabbitmq: .*$/);
    expect(() => synth(stack)).toThrow(/adminUser must not be guest/);
    expect(() => synth(stack)).toThrow(/same host port/);
  });

  const accepts: [string, Build][] = [
    ["the defaults", (s) => rabbitIn(s)],
    ["a 63-character name (the longest host name label)", (s) => rabbitIn(s, { name: "r".repeat(63) })],
    ["a name starting with a digit", (s) => rabbitIn(s, { name: "1mq" })],
    ["a name with '-' inside", (s) => rabbitIn(s, { name: "orders-mq-eu-1" })],
    ["the minimum memory (256 MiB)", (s) => rabbitIn(s, { memoryMb: 256 })],
    ["only the management port published", (s) => rabbitIn(s, { managementHostPort: 15672 })],
    ["ports 1 and 65535", (s) => rabbitIn(s, { amqpHostPort: 1, managementHostPort: 65535 })],
    ["a publisher of the default message size (256 bytes)", publisherOf(undefined)],
    ["a publisher at exactly 16 MiB minus the envelope", publisherOf(16 * 1024 * 1024 - 1024)],
    [
      "a consumer with a large MESSAGE_SIZE_BYTES (only publishers send)",
      (s) =>
        rabbitIn(s)
          .addQueue("orders")
          .grantConsume(app(s, "app", { environment: { [AppEnv.MESSAGE_SIZE_BYTES]: "50000000" } })),
    ],
    ["a vhost with '/' inside (URL-encoded)", (s) => rabbitIn(s, { vhost: "shop/eu" })],
    ["a user with '@' and ':' (URL-encoded)", (s) => rabbitIn(s, { adminUser: "ops@shop:eu" })],
    ["a user named Guest (only guest is the well-known account)", (s) => rabbitIn(s, { adminUser: "Guest" })],
    ["a Token admin user", (s) => rabbitIn(s, { adminUser: new TerraformVariable(s, "user", { type: "string" }).stringValue })],
    [
      "a password Token of the user's own",
      (s) => rabbitIn(s, { adminPassword: new TerraformVariable(s, "pw", { type: "string", sensitive: true }).stringValue }),
    ],
    ["a stop grace period of 0", (s) => rabbitIn(s, { stopGracePeriodSeconds: 0 })],
    ["an image of the user's own", (s) => rabbitIn(s, { image: ContainerImage.fromRegistry("rabbitmq:3.13-management") })],
    [
      "a broker named like another broker's volume (volumes and containers are separate Docker namespaces)",
      (s) => {
        rabbitIn(s, { name: "mq" }, "a");
        rabbitIn(s, { name: "mq-data" }, "b");
      },
    ],
    [
      "two brokers whose names share a prefix",
      (s) => {
        rabbitIn(s, { name: "mq", amqpHostPort: 5672 }, "a");
        rabbitIn(s, { name: "mq-amqp", amqpHostPort: 5673 }, "b");
      },
    ],
    [
      "the same consumer grant twice (one AMQP URL Token per broker, so no RABBITMQ_URL conflict)",
      (s) => {
        const orders = rabbitIn(s).addQueue("orders");
        const consumer = app(s, "consumer");
        orders.grantConsume(consumer);
        orders.grantConsume(consumer);
      },
    ],
    [
      "the same publisher grant twice, to a queue and to an exchange",
      (s) => {
        const rabbit = rabbitIn(s);
        const orders = rabbit.addQueue("orders");
        const events = rabbit.addExchange("events", { type: "fanout" });
        orders.bindTo(events);
        const toQueue = app(s, "to-queue");
        const toExchange = app(s, "to-exchange");
        orders.grantPublish(toQueue);
        orders.grantPublish(toQueue);
        events.grantPublish(toExchange, { routingKey: "" });
        events.grantPublish(toExchange, { routingKey: "" });
      },
    ],
    [
      "one app consuming a queue and publishing to an exchange of the same broker",
      (s) => {
        const rabbit = rabbitIn(s);
        const relay = app(s, "relay");
        const events = rabbit.addExchange("events", { type: "topic" });
        rabbit.addQueue("out").bindTo(events, { routingKey: "order.#" });
        rabbit.addQueue("in").grantConsume(relay);
        events.grantPublish(relay, { routingKey: "order.placed" });
      },
    ],
    [
      "a broker and a Kafka broker whose names differ",
      (s) => {
        rabbitIn(s, { name: "mq" });
        new KafkaBroker(s, "kafka", { network: net(s), name: "mq-kafka" });
      },
    ],
  ];

  test.each(accepts)("accepts %s", (_name, build) => {
    expect(problemMessages(build)).toEqual([]);
  });

  test("accepts the same broker name in two stacks (names are claimed per stack)", () => {
    const first = newStack("first");
    const second = new TerraformStack(first.node.root, "second");
    new DockerHost(second, "docker", { host: "unix:///var/run/docker.sock" });
    rabbitIn(first);
    new RabbitMqBroker(second, "rabbitmq", { network: new Network(second, "net") });
    expect(() => synth(first)).not.toThrow();
    expect(() => synth(second)).not.toThrow();
  });
});
