/**
 * Access control, as users rely on it: apps never see an administrator's
 * secret; each app connects as its own user (its name) with rights for its
 * role only; Kafka takes no anonymous connection and keeps its controller
 * and replication listeners on a network apps do not join; secrets are
 * Tokens, never literals.
 */
import { TerraformStack, TerraformVariable, Testing } from "cdktf";
import { AppContainer, ContainerImage, KafkaBroker, RabbitMqBroker } from "../../../constructs";
import { exampleStacks } from "../../support/example-stacks";
import { container, envOf, labelsOf, net, newStack, problemMessages, resources, synth } from "../helpers";
import { synthStack } from "../../../constructs/testing";

const image = ContainerImage.fromRegistry("busybox:1.36");
const app = (stack: TerraformStack, id: string) => new AppContainer(stack, id, { image });
const componentOf = (c: any) => labelsOf(c)["cdktf-docker-messaging.component"];
/** An app replica's app name: its container name without `-<i>`. */
const appNameOf = (c: any) => (c.name as string).replace(/-\d+$/, "");
/** The user of each URL in a comma-separated RABBITMQ_URL. */
const urlUsers = (url: string) => url.split(",").map((u) => decodeURIComponent(/^amqps?:\/\/([^:@]+)[:@]/.exec(u)![1]));

describe.each(exampleStacks.map((s) => [s.name, s] as const))("example stack %s", (_name, example) => {
  const json = synthStack(example.build(Testing.app()));
  const containers = resources(json, "docker_container");
  const apps = containers.filter((c) => componentOf(c) === "app");
  // What an administrator's password renders as: RabbitMQ's default password, Kafka's admin user in the set-up job.
  const adminSecrets = [
    ...containers.filter((c) => componentOf(c) === "rabbitmq-broker").map((c) => envOf(c).RABBITMQ_DEFAULT_PASS),
    ...containers.filter((c) => componentOf(c) === "kafka-setup").map((c) => envOf(c).ADMIN_PASSWORD),
  ];

  test("its brokers' admin passwords are variables", () => {
    expect(adminSecrets.length).toBeGreaterThan(0);
    for (const secret of adminSecrets) expect(secret).toMatch(/^\$\{var\.[a-z0-9_]+\}$/);
  });

  test("no app's environment holds an administrator's password (nor the word admin_password)", () => {
    for (const c of apps) {
      for (const entry of c.env as string[]) {
        expect(entry).not.toContain("admin_password");
        for (const secret of adminSecrets) expect(entry).not.toContain(secret.slice(2, -1)); // var.<name>
      }
    }
  });

  test("every Kafka app connects as its own SASL user, named like the app", () => {
    for (const c of apps.filter((a) => envOf(a).KAFKA_BOOTSTRAP_SERVERS !== undefined)) {
      const env = envOf(c);
      expect(env.KAFKA_SASL_USERNAME).toBe(appNameOf(c));
      expect(env.KAFKA_SASL_PASSWORD).toMatch(/^\$\{sha256\("\$\{var\.[a-z0-9_]+_credentials_key\}\/[^"]+\/[^"]+"\)\}$/);
    }
  });

  test("every RabbitMQ app's URLs name the app as the user", () => {
    for (const c of apps.filter((a) => envOf(a).RABBITMQ_URL !== undefined)) {
      for (const user of urlUsers(envOf(c).RABBITMQ_URL)) expect(user).toBe(appNameOf(c));
    }
  });

  test("Kafka takes no PLAINTEXT connection; its controller and replication listeners bind to the node's replication alias", () => {
    for (const c of containers.filter((x) => componentOf(x) === "kafka-broker")) {
      const env = envOf(c);
      const protocols = env.KAFKA_LISTENER_SECURITY_PROTOCOL_MAP.split(",").map((e) => e.split(":")[1]);
      expect(protocols.every((p) => p === "SASL_PLAINTEXT" || p === "SASL_SSL")).toBe(true);
      const listeners = Object.fromEntries(env.KAFKA_LISTENERS.split(",").map((l) => l.split("://")));
      expect(listeners.CONTROLLER).toBe(`${c.name}-replication:9093`);
      expect(listeners.REPLICATION).toBe(`${c.name}-replication:9095`);
      expect(env.KAFKA_INTER_BROKER_LISTENER_NAME).toBe("REPLICATION");
      expect(env.KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND).toBe("false");
    }
  });

  test("the Kafka set-up job is on the replication network only, and no app joins it", () => {
    for (const job of containers.filter((x) => componentOf(x) === "kafka-setup")) {
      const broker = (job.name as string).replace(/-setup$/, "");
      const network = Object.entries<any>(json.resource.docker_network).find(([, n]) => n.name === `${broker}-replication`);
      expect(network).toBeDefined();
      expect(network![1].internal).toBe(true);
      const ref = `\${docker_network.${network![0]}.name}`;
      expect(job.networks_advanced).toEqual([{ name: ref }]);
      for (const c of apps) expect(c.networks_advanced.map((n: any) => n.name)).not.toContain(ref);
    }
  });

  test("every secret variable is sensitive and null by default, which its first rule refuses (no prompt)", () => {
    // The library's own secrets (a user's own variable, like orders_mq_password, is the user's to shape).
    const secrets = Object.entries<any>(json.variable ?? {}).filter(
      ([name, v]) => /(password|credentials_key|cookie)$/.test(name) && /Set TF_VAR_/.test(v.description),
    );
    expect(secrets.length).toBeGreaterThan(0);
    for (const [name, variable] of secrets) {
      expect(variable.sensitive).toBe(true);
      expect(variable.default).toBeNull();
      expect(variable.validation[0]).toEqual({
        condition: `\${var.${name} != null}`,
        error_message: expect.stringContaining(`export TF_VAR_${name} `),
      });
    }
  });
});

test("the example stacks have Kafka and RabbitMQ apps to check", () => {
  const apps = exampleStacks.flatMap((s) =>
    resources(synthStack(s.build(Testing.app())), "docker_container").filter((c) => componentOf(c) === "app"),
  );
  expect(apps.filter((c) => envOf(c).KAFKA_BOOTSTRAP_SERVERS !== undefined).length).toBeGreaterThanOrEqual(3);
  expect(apps.filter((c) => envOf(c).RABBITMQ_URL !== undefined).length).toBeGreaterThanOrEqual(3);
});

describe("Kafka set-up job: users and ACLs", () => {
  const stack = newStack();
  const kafka = new KafkaBroker(stack, "kafka", { network: net(stack) });
  const orders = kafka.addTopic("orders");
  const audit = kafka.addTopic("audit");
  orders.grantProduce(app(stack, "writer"));
  orders.grantConsume(app(stack, "reader"), { groupId: "readers" });
  // Consumes and produces the same topic (an app reads one KAFKA_TOPIC).
  const relay = app(stack, "relay");
  audit.grantConsume(relay, { groupId: "relays" });
  audit.grantProduce(relay);
  const { json } = synth(stack);
  const script = (container(json, "kafka-setup").command[0] as string).split("\n");
  const BOOTSTRAP = '--bootstrap-server kafka-replication:9095 --command-config "$cfg"';

  test("grants exactly each app's role: a producer writes its topic, a consumer reads its topic and group", () => {
    const acls = script.filter((line) => line.includes("kafka-acls.sh") && line.includes(" --add ")).map((line) => line.replace(/ &$/, ""));
    expect(acls.sort()).toEqual(
      [
        `/opt/kafka/bin/kafka-acls.sh ${BOOTSTRAP} --add --allow-principal 'User:writer' --operation Write --topic 'orders'`,
        `/opt/kafka/bin/kafka-acls.sh ${BOOTSTRAP} --add --allow-principal 'User:reader' --operation Read --topic 'orders' --group 'readers'`,
        `/opt/kafka/bin/kafka-acls.sh ${BOOTSTRAP} --add --allow-principal 'User:relay' --operation Write --topic 'audit'`,
        `/opt/kafka/bin/kafka-acls.sh ${BOOTSTRAP} --add --allow-principal 'User:relay' --operation Read --topic 'audit' --group 'relays'`,
      ].sort(),
    );
    // Nothing broader: no wildcard, no prefixed pattern, no other operation.
    expect(script.join("\n")).not.toMatch(/--operation (All|Alter|Create|Delete|Describe)|--resource-pattern-type|'\*'|--cluster/);
  });

  test("revokes what the grants no longer name, for the wired apps' principals only: the wanted ACLs are exactly the grants", () => {
    const env = envOf(container(json, "kafka-setup"));
    expect(env.MANAGED_PRINCIPALS.split("\n")).toEqual(["User:reader", "User:relay", "User:writer"]);
    expect(env.WANTED_ACLS.split("\n")).toEqual([
      "GROUP|readers|User:reader|READ",
      "GROUP|relays|User:relay|READ",
      "TOPIC|audit|User:relay|READ",
      "TOPIC|audit|User:relay|WRITE",
      "TOPIC|orders|User:reader|READ",
      "TOPIC|orders|User:writer|WRITE",
    ]);
    const removals = script.filter((line) => line.includes("--remove"));
    expect(removals).toEqual([
      `  /opt/kafka/bin/kafka-acls.sh ${BOOTSTRAP} --remove --force --allow-principal "$p" --operation "$o" "$r" "$n" > /dev/null || exit 1`,
    ]);
  });

  test("creates one SCRAM-SHA-512 user per app and the admin user, each password from the environment", () => {
    const users = script.filter((line) => line.includes("--entity-type users"));
    expect(users.map((line) => /--entity-name '([^']+)'/.exec(line)![1]).sort()).toEqual(["admin", "reader", "relay", "writer"]);
    for (const line of users) expect(line).toMatch(/--add-config "SCRAM-SHA-512=\[password=\$(ADMIN_PASSWORD|APP_PASSWORD_\d)\]" &$/);
    const env = envOf(container(json, "kafka-setup"));
    expect(env.ADMIN_PASSWORD).toBe("${var.kafka_admin_password}");
    const passwordEnvOf = (user: string) => /password=\$(\w+)\]/.exec(users.find((l) => l.includes(`'${user}'`))!)![1];
    for (const user of ["reader", "relay", "writer"]) {
      expect(env[passwordEnvOf(user)]).toBe(`\${sha256("\${var.kafka_credentials_key}/kafka/${user}")}`);
    }
  });

  test("the script never prints or embeds a password", () => {
    expect(script.join("\n")).not.toContain("var.");
    expect(script.join("\n")).not.toContain("sha256");
  });
});

describe("RabbitMQ set-up job: topic permissions by exchange type", () => {
  const stack = newStack();
  const rabbit = new RabbitMqBroker(stack, "rabbitmq", { network: net(stack) });
  const audit = rabbit.addQueue("audit");
  audit.bindTo("commands", { routingKey: "audit" }).bindTo("amq.topic", { routingKey: "#" });
  const publisher = app(stack, "publisher");
  rabbit.predefinedExchange("amq.topic").grantPublish(publisher, { routingKey: "x.y" });
  rabbit.addExchange("events", { type: "topic" }).grantPublish(app(stack, "events-publisher"), { routingKey: "a.b" });
  audit.bindTo("events", { routingKey: "a.*" });
  rabbit.addExchange("commands", { type: "direct" }).grantPublish(app(stack, "commander"), { routingKey: "audit" });
  // An app of the user's that sends several keys.
  rabbit.predefinedExchange("amq.topic").grantPublish(app(stack, "multi"), { routingKey: "x.a", otherRoutingKeys: ["x.b", "x.a"] });
  const users = Object.fromEntries(
    JSON.parse(envOf(container(synth(stack).json, "rabbitmq-setup")).APP_USERS).map((u: any) => [u.name, u]),
  );

  test("a topic exchange, predefined or declared, gets one; a direct exchange none (RabbitMQ checks topic exchanges only)", () => {
    expect(users.publisher.topics).toEqual([{ exchange: "amq.topic", write: "^(x\\.y)$", read: "^$" }]);
    expect(users["events-publisher"].topics).toEqual([{ exchange: "events", write: "^(a\\.b)$", read: "^$" }]);
    expect(users.commander.topics).toEqual([]);
    expect(users.multi.topics).toEqual([{ exchange: "amq.topic", write: "^(x\\.a|x\\.b)$", read: "^$" }]);
  });
});

describe("RabbitMQ set-up job: users and permissions", () => {
  const stack = newStack();
  const rabbit = new RabbitMqBroker(stack, "rabbitmq", { network: net(stack) });
  const events = rabbit.addExchange("events.v1+(eu)", { type: "topic" });
  const odd = rabbit.addQueue("orders.$[a]|b*").bindTo(events, { routingKey: "order.#" });
  odd.grantConsume(app(stack, "reader"));
  events.grantPublish(app(stack, "writer"), { routingKey: "order.placed" });
  rabbit.addQueue("plain").grantPublish(app(stack, "direct"));
  const { json } = synth(stack);
  const job = container(json, "rabbitmq-setup");
  const users = Object.fromEntries(JSON.parse(envOf(job).APP_USERS).map((u: any) => [u.name, u]));

  test("gives each app read on its queue or write on its exchange, and configure on nothing", () => {
    expect(Object.keys(users).sort()).toEqual(["direct", "reader", "writer"]);
    expect(users.reader).toMatchObject({ configure: "^$", write: "^$", read: "^(orders\\.\\$\\[a\\]\\|b\\*)$" });
    expect(users.writer).toMatchObject({ configure: "^$", write: "^(events\\.v1\\+\\(eu\\))$", read: "^$" });
    // Publishing to a queue goes through the default exchange: a write to amq.default.
    expect(users.direct).toMatchObject({ configure: "^$", write: "^(amq\\.default)$", read: "^$" });
  });

  test("limits a publisher on a topic exchange to its routing key (topic permissions), and leaves others without", () => {
    expect(users.writer.topics).toEqual([{ exchange: "events.v1+(eu)", write: "^(order\\.placed)$", read: "^$" }]);
    const matches = (name: string) => new RegExp(users.writer.topics[0].write).test(name);
    expect(matches("order.placed")).toBe(true);
    for (const other of ["order.cancelled", "orderXplaced", "order.placed.x", "x.order.placed"]) expect(matches(other)).toBe(false);
    expect(users.direct.topics).toEqual([]);
    expect(users.reader.topics).toEqual([]);
  });

  test("each regex matches its name and nothing else", () => {
    const matches = (pattern: string, name: string) => new RegExp(pattern).test(name);
    expect(matches(users.reader.read, "orders.$[a]|b*")).toBe(true);
    for (const other of ["orders.$[a]", "b*", "ordersX$[a]|b*", "b", "orders"]) expect(matches(users.reader.read, other)).toBe(false);
    expect(matches(users.writer.write, "events.v1+(eu)")).toBe(true);
    for (const other of ["events.v11(eu)", "eventsXv1+(eu)", "amq.default"]) expect(matches(users.writer.write, other)).toBe(false);
    expect(matches(users.direct.write, "amq.default")).toBe(true);
    expect(matches(users.direct.write, "amqXdefault")).toBe(false);
    for (const u of Object.values<any>(users)) expect(matches(u.configure, "anything")).toBe(false);
  });

  test("passes each app's derived password in its own variable, and the administrator's for the API", () => {
    const env = envOf(job);
    for (const u of Object.values<any>(users))
      expect(env[u.passwordEnv]).toBe(`\${sha256("\${var.rabbitmq_credentials_key}/rabbitmq/${u.name}")}`);
    expect(env.ADMIN_USER).toBe("admin");
    expect(env.ADMIN_PASSWORD).toBe("${var.rabbitmq_admin_password}");
    expect(labelsOf(job)["cdktf-docker-messaging.component"]).toBe("rabbitmq-setup");
  });

  test("apps start after the set-up job", () => {
    for (const name of ["reader-1", "writer-1", "direct-1"]) {
      expect(container(json, name).depends_on).toEqual([
        "docker_container.rabbitmq_container_D5E6048A",
        "docker_container.rabbitmq_setup_68B180B0",
      ]);
    }
  });
});

describe("secret variables", () => {
  test("Kafka declares a sensitive admin password (12+ characters, a safe charset) and credentials key (24+), null by default (refused unset, never prompted)", () => {
    const stack = newStack();
    new KafkaBroker(stack, "kafka", { network: net(stack) });
    const { json } = synth(stack);
    expect(json.variable.kafka_admin_password).toMatchObject({ type: "string", sensitive: true, nullable: true, default: null });
    expect(json.variable.kafka_credentials_key).toMatchObject({ type: "string", sensitive: true, nullable: true, default: null });
    expect(json.variable.kafka_admin_password.default).toBeNull();
    expect(json.variable.kafka_credentials_key.default).toBeNull();
    expect(json.variable.kafka_admin_password.validation.map((v: any) => v.condition)).toEqual([
      "${var.kafka_admin_password != null}",
      "${var.kafka_admin_password == null ? true : length(var.kafka_admin_password) >= 12}",
      expect.stringMatching(
        /^\$\{var\.kafka_admin_password == null \? true : can\(regex\("\^\[A-Za-z0-9[^"]*\]\+\$", var\.kafka_admin_password\)\)\}$/,
      ),
    ]);
    expect(json.variable.kafka_credentials_key.validation).toEqual([
      {
        condition: "${var.kafka_credentials_key != null}",
        error_message: expect.stringMatching(
          /^kafka_credentials_key is not set: export TF_VAR_kafka_credentials_key \(.*at least 24 characters\)\.$/,
        ),
      },
      {
        condition: "${var.kafka_credentials_key == null ? true : length(var.kafka_credentials_key) >= 24}",
        error_message: "kafka_credentials_key must be at least 24 characters long.",
      },
    ]);
  });

  test("RabbitMQ declares its credentials key once the first app is wired", () => {
    const stack = newStack();
    const rabbit = new RabbitMqBroker(stack, "rabbitmq", { network: net(stack) });
    expect(synth(stack).json.variable.rabbitmq_credentials_key).toBeUndefined();
    rabbit.addQueue("q").grantConsume(app(stack, "reader"));
    const variable = synth(stack).json.variable.rabbitmq_credentials_key;
    expect(variable).toMatchObject({ type: "string", sensitive: true, nullable: true, default: null });
    expect(variable.default).toBeNull();
  });

  test("Tokens of the user's own replace the variables", () => {
    const stack = newStack();
    const key = new TerraformVariable(stack, "my_key", { type: "string", sensitive: true });
    const admin = new TerraformVariable(stack, "my_admin", { type: "string", sensitive: true });
    const kafka = new KafkaBroker(stack, "kafka", {
      network: net(stack),
      credentialsKey: key.stringValue,
      adminPassword: admin.stringValue,
    });
    kafka.addTopic("t").grantProduce(app(stack, "writer"));
    const { json } = synth(stack);
    expect(Object.keys(json.variable).sort()).toEqual(["my_admin", "my_key"]);
    expect(envOf(container(json, "writer-1")).KAFKA_SASL_PASSWORD).toBe('${sha256("${var.my_key}/kafka/writer")}');
    expect(envOf(container(json, "kafka-setup")).ADMIN_PASSWORD).toBe("${var.my_admin}");
  });
});

describe("access: problems", () => {
  const literal = "a-literal-secret-of-some-length";
  const rejects: [string, (s: TerraformStack) => void, string[]][] = [
    [
      "a literal Kafka credentialsKey and adminPassword",
      (s) => new KafkaBroker(s, "kafka", { network: net(s), credentialsKey: literal, adminPassword: literal }),
      [
        'test/kafka: credentialsKey is a literal string: a secret in the code would be committed with it and written in plain text to cdktf.out, got "<redacted>". Fix: pass a Token',
        'test/kafka: adminPassword is a literal string: a secret in the code would be committed with it and written in plain text to cdktf.out, got "<redacted>". Fix: pass a Token',
      ],
    ],
    [
      "a literal RabbitMQ credentialsKey",
      (s) => new RabbitMqBroker(s, "mq", { network: net(s), credentialsKey: literal }),
      [
        'test/mq: credentialsKey is a literal string: a secret in the code would be committed with it and written in plain text to cdktf.out, got "<redacted>"',
      ],
    ],
    [
      "Kafka apps named admin or broker (the broker's super users)",
      (s) => {
        const kafka = new KafkaBroker(s, "kafka", { network: net(s) });
        kafka.addTopic("t").grantProduce(app(s, "admin"));
        kafka.addTopic("u").grantConsume(app(s, "broker"), { groupId: "g" });
      },
      [
        'test/kafka: producer to topic "t" (test/admin): the app\'s name is its Kafka user, and "admin" is a super user of the broker, got "admin"',
        'test/kafka: consumer of topic "u" (test/broker): the app\'s name is its Kafka user, and "broker" is a super user of the broker, got "broker"',
      ],
    ],
    [
      "a RabbitMQ app named like the administrator",
      (s) => new RabbitMqBroker(s, "mq", { network: net(s), adminUser: "ops" }).addQueue("q").grantConsume(app(s, "ops")),
      ['test/mq: consumer of queue "q" (test/ops): the app\'s name is its RabbitMQ user, and "ops" is the administrator, got "ops"'],
    ],
    [
      "serverProperties super.users and sasl.jaas.config",
      (s) =>
        new KafkaBroker(s, "kafka", { network: net(s), serverProperties: { "super.users": "User:me", "sasl.jaas.config": "x required;" } }),
      [
        'test/kafka: server property "super.users" is set by the construct',
        'test/kafka: server property "sasl.jaas.config" is set by the construct',
      ],
    ],
  ];

  test.each(rejects)("rejects %s", (_name, build, expected) => {
    const messages = problemMessages(build);
    expect(messages).toHaveLength(expected.length);
    for (const fragment of expected) expect(messages).toContainEqual(expect.stringContaining(fragment));
    for (const message of messages) expect(message).not.toContain(literal);
  });
});
