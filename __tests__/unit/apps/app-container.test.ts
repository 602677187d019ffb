import * as path from "path";
import { Container } from "@cdktf/provider-docker/lib/container";
import { TerraformStack, TerraformVariable } from "cdktf";
import {
  AppContainer,
  AppEnv,
  ContainerImage,
  HealthCheck,
  KafkaBroker,
  Network,
  RabbitMqBroker,
  type AppContainerProps,
} from "../../../constructs";
import { container, envOf, labelsOf, newStack, problemMessages, problemsOf, resources, synth } from "../helpers";

const image = ContainerImage.fromRegistry("busybox:1.36");

/** An app with `props` in a fresh stack. */
const app = (props: Partial<AppContainerProps>) => (s: TerraformStack) => new AppContainer(s, "app", { image, ...props });

function kafkaOn(stack: TerraformStack, id = "kafka", network = new Network(stack, `${id}-net`)): KafkaBroker {
  return new KafkaBroker(stack, id, { network });
}

describe("AppContainer", () => {
  test("declares one container per replica, named <name>-1..N, on one shared image", () => {
    const stack = newStack();
    const worker = new AppContainer(stack, "worker", {
      image,
      replicas: 3,
      environment: { [AppEnv.PRODUCER_COUNT]: "1000" },
      memoryMb: 64,
      restartPolicy: "on-failure",
      labels: { team: "payments" },
    });
    const { text, json } = synth(stack);
    expect(resources(json, "docker_container").map((c) => c.name)).toEqual(["worker-1", "worker-2", "worker-3"]);
    expect(resources(json, "docker_image")).toHaveLength(1);
    expect(text).toHaveResourceWithProperties(Container, {
      name: "worker-2",
      memory: 64,
      memory_swap: 64,
      restart: "on-failure",
      destroy_grace_seconds: 10,
      env: ["METRICS_PORT=9464", "PRODUCER_COUNT=1000"],
    });
    expect(labelsOf(container(json, "worker-1"))).toMatchObject({ team: "payments", "cdktf-docker-messaging.component": "app" });
    expect(worker.appName).toBe("worker");
    expect(worker.containers).toHaveLength(3);
    expect(worker.node.defaultChild).toBe(worker.containers[0]);
  });

  test("uses the name prop over the construct id", () => {
    const stack = newStack();
    new AppContainer(stack, "id", { image, name: "orders-reader", replicas: 2 });
    expect(resources(synth(stack).json, "docker_container").map((c) => c.name)).toEqual(["orders-reader-1", "orders-reader-2"]);
  });

  test("has no healthcheck unless given; with one, waits and labels its hash", () => {
    const stack = newStack();
    new AppContainer(stack, "plain", { image });
    new AppContainer(stack, "checked", {
      image,
      healthCheck: HealthCheck.exec(["test", "-f", "/tmp/app-healthy"], { intervalSeconds: 90 }),
      startTimeoutSeconds: 60,
    });
    const { json } = synth(stack);
    expect(container(json, "plain-1").healthcheck).toBeUndefined();
    expect(container(json, "plain-1").wait).toBeUndefined();
    const checked = container(json, "checked-1");
    expect(checked.healthcheck).toEqual({
      test: ["CMD", "test", "-f", "/tmp/app-healthy"],
      interval: "1m30s",
      timeout: "10s",
      retries: 5,
      start_period: "10s",
    });
    expect(checked.wait).toBe(true);
    expect(checked.wait_timeout).toBe(60);
    expect(labelsOf(checked)["cdktf-docker-messaging.healthcheck-sha256"]).toBe(
      HealthCheck.exec(["test", "-f", "/tmp/app-healthy"], { intervalSeconds: 90 }).hash(),
    );
  });

  test("a healthcheck change changes the hash label, so the container is replaced", () => {
    const a = HealthCheck.exec(["true"], { intervalSeconds: 5 });
    const b = HealthCheck.exec(["true"], { intervalSeconds: 6 });
    expect(a.hash()).not.toBe(b.hash());
    expect(a.hash()).toBe(HealthCheck.exec(["true"], { intervalSeconds: 5 }).hash());
    expect(HealthCheck.shell("true").render().test).toEqual(["CMD-SHELL", "true"]);
  });

  test("publishes its ports on 127.0.0.1 by default, or on the hostIp given", () => {
    const stack = newStack();
    new AppContainer(stack, "web", { image, ports: [{ containerPort: 8080, hostPort: 18080 }] });
    new AppContainer(stack, "web6", { image, ports: [{ containerPort: 8080, hostPort: 18081, hostIp: "::1" }] });
    const { json } = synth(stack);
    expect(container(json, "web-1").ports).toEqual([{ internal: 8080, external: 18080, ip: "127.0.0.1", protocol: "tcp" }]);
    expect(container(json, "web6-1").ports).toEqual([{ internal: 8080, external: 18081, ip: "::1", protocol: "tcp" }]);
  });

  test("passes command, and keeps settings given as Tokens for Terraform to check", () => {
    const stack = newStack();
    const rate = new TerraformVariable(stack, "rate", { type: "string" });
    new AppContainer(stack, "app", { image, command: ["node", "main.js"], environment: { [AppEnv.PRODUCER_RATE]: rate.stringValue } });
    const c = container(synth(stack).json, "app-1");
    expect(c.command).toEqual(["node", "main.js"]);
    expect(c.env).toEqual(["METRICS_PORT=9464", "PRODUCER_RATE=${var.rate}"]);
  });

  test("escapes Terraform template sequences in literal environment values", () => {
    const stack = newStack();
    new AppContainer(stack, "app", { image, environment: { CONSUMER_FAIL_MARKER: "${poison} %{x}" } });
    expect(container(synth(stack).json, "app-1").env).toEqual(["CONSUMER_FAIL_MARKER=$${poison} %%{x}", "METRICS_PORT=9464"]);
  });

  test("joins the broker's network when wired, or keeps a pinned list that already has it", () => {
    const stack = newStack();
    const a = new Network(stack, "a");
    const b = new Network(stack, "b");
    const kafka = new KafkaBroker(stack, "kafka", { network: b });
    const topic = kafka.addTopic("t");
    const joined = new AppContainer(stack, "joined", { image });
    const pinned = new AppContainer(stack, "pinned", { image, networks: [a, b] });
    topic.grantProduce(joined);
    topic.grantProduce(pinned);
    const { json } = synth(stack);
    expect(container(json, "joined-1").networks_advanced).toEqual([{ name: expect.stringContaining("docker_network.b_network") }]);
    expect(container(json, "pinned-1").networks_advanced).toEqual([
      { name: expect.stringContaining("docker_network.a_network") },
      { name: expect.stringContaining("docker_network.b_network") },
    ]);
    expect(joined.networks()).toEqual([b]);
    expect(joined.wiredTo.map((w) => w.role)).toEqual(['producer to topic "t"']);
  });

  test("renders wirings at synth: a wiring made after the app is declared, and topics added later, count", () => {
    const stack = newStack();
    const consumer = new AppContainer(stack, "consumer", { image, replicas: 2 });
    const kafka = kafkaOn(stack);
    kafka.addTopic("events").grantConsume(consumer, { groupId: "readers" });
    kafka.addTopic("audit");
    const { json } = synth(stack);
    for (const name of ["consumer-1", "consumer-2"]) {
      const c = container(json, name);
      expect(envOf(c)).toEqual({
        KAFKA_BOOTSTRAP_SERVERS: "kafka:9092",
        KAFKA_TOPIC: "events",
        KAFKA_GROUP_ID: "readers",
        KAFKA_SASL_USERNAME: "consumer",
        KAFKA_SASL_PASSWORD: '${sha256("${var.kafka_credentials_key}/kafka/consumer")}',
        METRICS_PORT: "9464",
      });
      expect(c.depends_on).toEqual([
        expect.stringMatching(/^docker_container\.kafka_container_/),
        expect.stringMatching(/^docker_container\.kafka_setup_/),
      ]);
    }
    expect(container(json, "kafka-setup").command[0]).toContain("--topic 'audit'");
  });

  test("one app wired to RabbitMQ and Kafka gets both connections, as its own user on each, and starts after both brokers and their set-up jobs", () => {
    const stack = newStack();
    const network = new Network(stack, "net");
    const rabbit = new RabbitMqBroker(stack, "rabbitmq", { network });
    const kafka = new KafkaBroker(stack, "kafka", { network });
    const bridge = new AppContainer(stack, "bridge", { image });
    rabbit.addQueue("orders").grantConsume(bridge);
    kafka.addTopic("events").grantProduce(bridge);
    const c = container(synth(stack).json, "bridge-1");
    expect(envOf(c)).toMatchObject({ RABBITMQ_QUEUE: "orders", KAFKA_TOPIC: "events", KAFKA_BOOTSTRAP_SERVERS: "kafka:9092" });
    expect(envOf(c).RABBITMQ_URL).toBe('amqp://bridge:${sha256("${var.rabbitmq_credentials_key}/rabbitmq/bridge")}@rabbitmq:5672/%2F');
    expect(envOf(c).RABBITMQ_URL).not.toContain("admin");
    expect(envOf(c).KAFKA_SASL_USERNAME).toBe("bridge");
    expect(c.networks_advanced).toHaveLength(1);
    expect(c.depends_on).toHaveLength(4);
  });

  test("the same wiring twice is one (Kafka and RabbitMQ)", () => {
    const stack = newStack();
    const topic = kafkaOn(stack).addTopic("t");
    const reader = new AppContainer(stack, "reader", { image });
    topic.grantConsume(reader, { groupId: "g" });
    topic.grantConsume(reader, { groupId: "g" });
    expect(reader.wiredTo).toHaveLength(1);
    const queue = new RabbitMqBroker(stack, "rabbitmq", { network: new Network(stack, "mq-net") }).addQueue("q");
    const worker = new AppContainer(stack, "worker", { image });
    queue.grantConsume(worker);
    queue.grantConsume(worker);
    expect(worker.wiredTo).toHaveLength(1);
    const { json } = synth(stack);
    expect(envOf(container(json, "reader-1")).KAFKA_GROUP_ID).toBe("g");
    expect(envOf(container(json, "worker-1")).RABBITMQ_QUEUE).toBe("q");
  });

  test("one app may consume a queue and publish to another on the same broker (one RABBITMQ_URL)", () => {
    const stack = newStack();
    const rabbit = new RabbitMqBroker(stack, "rabbitmq", { network: new Network(stack, "net") });
    const relay = new AppContainer(stack, "relay", { image });
    rabbit.addQueue("in").grantConsume(relay);
    rabbit.addQueue("out").grantPublish(relay);
    const env = envOf(container(synth(stack).json, "relay-1"));
    expect(env).toMatchObject({ RABBITMQ_QUEUE: "in", RABBITMQ_EXCHANGE: "", RABBITMQ_ROUTING_KEY: "out" });
    expect(env.RABBITMQ_URL).toBe('amqp://relay:${sha256("${var.rabbitmq_credentials_key}/rabbitmq/relay")}@rabbitmq:5672/%2F');
    // The broker, then its set-up job.
    expect(container(synth(stack).json, "relay-1").depends_on).toHaveLength(2);
  });

  test("an app name of one character is fine: its containers are <name>-1", () => {
    const stack = newStack();
    new AppContainer(stack, "a", { image });
    expect(resources(synth(stack).json, "docker_container").map((c) => c.name)).toEqual(["a-1"]);
  });
});

describe("AppContainer: bad input", () => {
  // [name, build, expected message, how many problems the build has]
  const rejects: [string, (s: TerraformStack) => unknown, RegExp, number?][] = [
    [
      "rejects replicas < 1",
      app({ replicas: 0 }),
      /^test\/app: replicas must be an integer between 1 and 1000, got 0\. Fix: run at least one replica/,
    ],
    [
      "rejects more than 1000 replicas",
      app({ replicas: 1001 }),
      /^test\/app: replicas must be an integer between 1 and 1000, got 1001\. Fix: /,
    ],
    [
      "rejects a fractional replica count",
      app({ replicas: 1.5 }),
      /^test\/app: replicas must be an integer between 1 and 1000, got 1\.5\. Fix: /,
    ],
    [
      "rejects a container name with a space",
      app({ name: "my app" }),
      /^test\/app: name is not a valid Docker container name prefix \(replicas are <name>-1\.\.N\), got "my app"\. Fix: use a letter or digit, then letters/,
    ],
    [
      "rejects a name starting with a dot",
      app({ name: ".hidden" }),
      /^test\/app: name is not a valid Docker container name prefix .*, got "\.hidden"\. Fix: use a letter or digit/,
    ],
    [
      "rejects a name whose replicas would be longer than 128 characters",
      app({ name: "x".repeat(127) }),
      /^test\/app: name is not a valid Docker container name prefix .*, got "x{127}"\. Fix: .*at most 128 characters/,
    ],
    [
      "rejects a name that is not a string",
      app({ name: 5 as never }),
      /^test\/app: name is not a valid Docker container name prefix \(replicas are <name>-1\.\.N\), got 5\. Fix: use a letter or digit/,
    ],
    [
      "rejects a 126-character name with 10 replicas (<name>-10 is 129 characters)",
      app({ name: "x".repeat(126), replicas: 10 }),
      /^test\/app: name is not a valid Docker container name prefix .*, got "x{126}"\. Fix: .*so that <name>-<replicas> is at most 128 characters/,
    ],
    [
      "rejects memory below Docker's minimum",
      app({ memoryMb: 5 }),
      /^test\/app: memoryMb must be an integer between 6 and 1048576, got 5\. Fix: give the app at least 6 MiB/,
    ],
    [
      "rejects an unknown restart policy, suggesting the close one",
      app({ restartPolicy: "alway" as never }),
      /^test\/app: restartPolicy is not one of "no", "on-failure", "always", "unless-stopped", got "alway"\. Fix: .*did you mean "always"\?/,
    ],
    [
      "rejects a stop grace period above an hour",
      app({ stopGracePeriodSeconds: 3601 }),
      /^test\/app: stopGracePeriodSeconds must be an integer between 0 and 3600, got 3601\. Fix: use at most 3600$/,
    ],
    [
      "rejects a negative stop grace period",
      app({ stopGracePeriodSeconds: -1 }),
      /^test\/app: stopGracePeriodSeconds must be an integer between 0 and 3600, got -1\. Fix: /,
    ],
    [
      "rejects a zero start timeout",
      app({ startTimeoutSeconds: 0 }),
      /^test\/app: startTimeoutSeconds must be an integer between 1 and 86400, got 0\. Fix: use 1 or more seconds/,
    ],
    [
      "rejects a host port out of range",
      app({ ports: [{ containerPort: 80, hostPort: 65536 }] }),
      /^test\/app: ports\[0\]\.hostPort is not a TCP port, got 65536\. Fix: use an integer port between 1 and 65535/,
    ],
    [
      "rejects container port 0",
      app({ ports: [{ containerPort: 0, hostPort: 8080 }] }),
      /^test\/app: ports\[0\]\.containerPort is not a TCP port, got 0\. Fix: use an integer port/,
    ],
    [
      "rejects a fractional port",
      app({ ports: [{ containerPort: 80.5, hostPort: 8080 }] }),
      /^test\/app: ports\[0\]\.containerPort is not a TCP port, got 80\.5\. Fix: /,
    ],
    [
      "rejects a host name as hostIp",
      app({ ports: [{ containerPort: 80, hostPort: 8080, hostIp: "localhost" }] }),
      /^test\/app: ports\[0\]\.hostIp is not an IP address, got "localhost"\. Fix: use an address such as "127\.0\.0\.1"/,
    ],
    [
      "rejects an address with a port as hostIp",
      app({ ports: [{ containerPort: 80, hostPort: 8080, hostIp: "127.0.0.1:8080" }] }),
      /^test\/app: ports\[0\]\.hostIp is not an IP address, got "127\.0\.0\.1:8080"\. Fix: /,
    ],
    [
      "rejects a bracketed IPv6 hostIp",
      app({ ports: [{ containerPort: 80, hostPort: 8080, hostIp: "[::1]" }] }),
      /^test\/app: ports\[0\]\.hostIp is not an IP address, got "\[::1\]"\. Fix: /,
    ],
    [
      "rejects a port without hostPort",
      app({ ports: [{ containerPort: 80 } as never] }),
      /^test\/app: ports\[0\]\.hostPort is required, got \{"containerPort":80\}\. Fix: give the host port to publish on/,
    ],
    [
      "rejects a misspelt port field",
      app({ ports: [{ containerPort: 80, hostPort: 81, hostIP: "::1" } as never] }),
      /^test\/app: ports\[0\] has no field "hostIP", got "hostIP"\. Fix: did you mean "hostIp"\?/,
    ],
    [
      "rejects ports that are not a list",
      app({ ports: { containerPort: 80, hostPort: 81 } as never }),
      /^test\/app: ports must be a list, got \{"containerPort":80,"hostPort":81\}\. Fix: pass \[\{ containerPort, hostPort \}\]/,
    ],
    [
      "rejects published ports with several replicas",
      app({ replicas: 2, ports: [{ containerPort: 80, hostPort: 8080 }] }),
      /^test\/app: ports cannot be published by more than one replica, got 2\. Fix: publish ports only with replicas: 1/,
    ],
    [
      "rejects an environment that is a list",
      app({ environment: ["A=1"] as never }),
      /^test\/app: environment must be an object of variable names to string values, got \["A=1"\]\. Fix: /,
    ],
    [
      "rejects a command given as one string",
      app({ command: "node main.js" as never }),
      /^test\/app: command must be a non-empty list of strings, got "node main\.js"\. Fix: split it: \["node","main\.js"\]/,
    ],
    [
      "rejects an empty healthcheck command",
      app({ healthCheck: HealthCheck.exec([]) }),
      /^test\/app: healthCheck command must be a non-empty list of strings, got \[\]\. Fix: /,
    ],
    [
      "rejects a build argument that is not a string",
      app({
        image: ContainerImage.fromBuild(path.join(__dirname, "..", "..", "..", "apps", "kafka-consumer"), {
          buildArgs: { NODE_IMAGE: 18 as never },
        }),
      }),
      /^test\/app: fromBuild buildArgs\.NODE_IMAGE must be a string, got 18\. Fix: pass "18" \(a string\)/,
    ],
    [
      "rejects a variable name starting with a digit",
      app({ environment: { "1BAD": "x" } }),
      /^test\/app: environment has an invalid variable name, got "1BAD"\. Fix: use letters, digits and '_'/,
    ],
    [
      "rejects a variable name with a hyphen",
      app({ environment: { "A-B": "x" } }),
      /^test\/app: environment has an invalid variable name, got "A-B"\. Fix: /,
    ],
    [
      "rejects a non-string environment value",
      app({ environment: { COUNT: 5 as never } }),
      /^test\/app: environment\.COUNT must be a string, got 5\. Fix: pass "5" \(a string\)/,
    ],
    [
      "rejects RABBITMQ_URL set by hand",
      app({ environment: { RABBITMQ_URL: "amqp://x" } }),
      /^test\/app: environment sets the connection variable RABBITMQ_URL, got "RABBITMQ_URL"\. Fix: remove it: a grant verb .* sets it/,
    ],
    // The secrets' `_FILE` forms are connection variables too: the wiring (the Swarm target) sets them.
    [
      "rejects RABBITMQ_URL_FILE set by hand",
      app({ environment: { RABBITMQ_URL_FILE: "/run/secrets/url" } }),
      /^test\/app: environment sets the connection variable RABBITMQ_URL_FILE, got "RABBITMQ_URL_FILE"\. Fix: remove it/,
    ],
    [
      "rejects KAFKA_SASL_PASSWORD_FILE set by hand",
      app({ environment: { KAFKA_SASL_PASSWORD_FILE: "/run/secrets/pw" } }),
      /^test\/app: environment sets the connection variable KAFKA_SASL_PASSWORD_FILE, got "KAFKA_SASL_PASSWORD_FILE"\. Fix: remove it/,
    ],
    [
      "rejects a _FILE variable misspelt",
      app({ environment: { RABBITMQ_URL_FIL: "/run/secrets/url" } }),
      /^test\/app: environment\.RABBITMQ_URL_FIL is not a setting of the apps, got "RABBITMQ_URL_FIL"\. Fix: did you mean "RABBITMQ_URL_FILE"\?/,
    ],
    [
      "rejects KAFKA_GROUP_ID set by hand",
      app({ environment: { KAFKA_GROUP_ID: "g" } }),
      /^test\/app: environment sets the connection variable KAFKA_GROUP_ID, got "KAFKA_GROUP_ID"\. Fix: remove it/,
    ],
    [
      "rejects a setting one edit from ours",
      app({ environment: { PRODUCER_CONT: "5" } }),
      /^test\/app: environment\.PRODUCER_CONT is not a setting of the apps, got "PRODUCER_CONT"\. Fix: did you mean "PRODUCER_COUNT"\? The app would ignore PRODUCER_CONT/,
    ],
    [
      "rejects a setting in the wrong case",
      app({ environment: { log_level: "debug" } }),
      /^test\/app: environment\.log_level is not a setting of the apps, got "log_level"\. Fix: did you mean "LOG_LEVEL"\?/,
    ],
    [
      "rejects a long setting name two edits from ours",
      app({ environment: { STATS_INTERVL_SECNDS: "5" } }),
      /^test\/app: environment\.STATS_INTERVL_SECNDS is not a setting of the apps, got "STATS_INTERVL_SECNDS"\. Fix: did you mean "STATS_INTERVAL_SECONDS"\?/,
    ],
    [
      "rejects a connection variable misspelt",
      app({ environment: { RABBITMQ_QUEUES: "q" } }),
      /^test\/app: environment\.RABBITMQ_QUEUES is not a setting of the apps, got "RABBITMQ_QUEUES"\. Fix: did you mean "RABBITMQ_QUEUE"\?/,
    ],
    [
      "rejects a prefetch of 0",
      app({ environment: { CONSUMER_PREFETCH: "0" } }),
      /^test\/app: environment\.CONSUMER_PREFETCH must be an integer between 1 and 65535 \(decimal digits only\), got "0"\. Fix: set CONSUMER_PREFETCH to .*would exit 2 at start/,
    ],
    [
      "rejects EXIT_WHEN_DONE=yes",
      app({ environment: { EXIT_WHEN_DONE: "yes" } }),
      /^test\/app: environment\.EXIT_WHEN_DONE must be true or false, got "yes"\. Fix: set EXIT_WHEN_DONE to true or false/,
    ],
    [
      "rejects an unknown prop, suggesting the close one",
      app({ memoryMB: 64 } as never),
      /^test\/app: AppContainerProps has no field "memoryMB", got "memoryMB"\. Fix: did you mean "memoryMb"\?/,
    ],
    [
      "rejects an unknown prop far from every prop, listing them",
      app({ cpus: 2 } as never),
      /^test\/app: AppContainerProps has no field "cpus", got "cpus"\. Fix: .*image, name, replicas/,
    ],
    [
      "rejects a healthCheck that is not a HealthCheck",
      app({ healthCheck: { test: ["true"] } as never }),
      /^test\/app: healthCheck is not a HealthCheck, got \{"test":\["true"\]\}\. Fix: use HealthCheck\.exec/,
    ],
    [
      "rejects a healthcheck interval of 0",
      app({ healthCheck: HealthCheck.exec(["true"], { intervalSeconds: 0 }) }),
      /^test\/app: healthCheck\.intervalSeconds must be an integer between 1 and 86400, got 0\. Fix: check at most once a second/,
    ],
    [
      "rejects negative healthcheck retries",
      app({ healthCheck: HealthCheck.exec(["true"], { retries: -1 }) }),
      /^test\/app: healthCheck\.retries must be an integer between 0 and 1000, got -1\. Fix: use 0 or more retries/,
    ],
    [
      "rejects networks that are not a list",
      (s) => new AppContainer(s, "app", { image, networks: new Network(s, "n") as never }),
      /^test\/app: networks must be a list of Networks, got test\/n\. Fix: pass \[network\]/,
    ],
    [
      "rejects labels that are a list",
      app({ labels: ["a"] as never }),
      /^test\/app: labels must be an object of label names to string values, got \["a"\]\. Fix: /,
    ],
    [
      "rejects an app wired to a broker it shares no network with",
      (s) => {
        const rabbit = new RabbitMqBroker(s, "rabbitmq", { network: new Network(s, "broker-net") });
        rabbit.addQueue("q").grantConsume(new AppContainer(s, "app", { image, networks: [new Network(s, "app-net")] }));
      },
      /^test\/app: the app shares no network with broker test\/rabbitmq \(its network is test\/broker-net\), got \["test\/app-net"\]\. Fix: add the broker's network to the app's `networks`/,
    ],
    [
      "rejects one app producing to two topics (an app reads one KAFKA_TOPIC)",
      (s) => {
        const kafka = kafkaOn(s);
        const producer = new AppContainer(s, "app", { image });
        kafka.addTopic("t1").grantProduce(producer);
        kafka.addTopic("t2").grantProduce(producer);
      },
      /^test\/app: producer to topic "t2" \(test\/kafka\) needs KAFKA_TOPIC="t2", but the app is already producer to topic "t1" \(test\/kafka\) with KAFKA_TOPIC="t1", got "t2"\. Fix: an app reads one KAFKA_TOPIC: give this use its own AppContainer/,
    ],
    [
      "rejects one app consuming a topic in two groups",
      (s) => {
        const topic = kafkaOn(s).addTopic("t");
        const reader = new AppContainer(s, "app", { image });
        topic.grantConsume(reader, { groupId: "g1" });
        topic.grantConsume(reader, { groupId: "g2" });
      },
      /^test\/app: consumer of topic "t" \(test\/kafka\) needs KAFKA_GROUP_ID="g2", but the app is already .* with KAFKA_GROUP_ID="g1", got "g2"\. Fix: an app reads one KAFKA_GROUP_ID/,
    ],
    [
      "rejects one app wired to two Kafka brokers",
      (s) => {
        const network = new Network(s, "net");
        const producer = new AppContainer(s, "app", { image });
        new KafkaBroker(s, "kafka-a", { network }).addTopic("t").grantProduce(producer);
        new KafkaBroker(s, "kafka-b", { network }).addTopic("t").grantProduce(producer);
      },
      /^test\/app: producer to topic "t" \(test\/kafka-b\) needs KAFKA_BOOTSTRAP_SERVERS="kafka-b:9092", but the app is already producer to topic "t" \(test\/kafka-a\) with KAFKA_BOOTSTRAP_SERVERS="kafka-a:9092", got "kafka-b:9092"\. Fix: /,
      // ... and its SASL password (each broker derives its own).
      2,
    ],
    [
      "rejects one app consuming two queues of one broker (an app reads one RABBITMQ_QUEUE)",
      (s) => {
        const rabbit = new RabbitMqBroker(s, "rabbitmq", { network: new Network(s, "n") });
        const worker = new AppContainer(s, "app", { image });
        rabbit.addQueue("a").grantConsume(worker);
        rabbit.addQueue("b").grantConsume(worker);
      },
      /^test\/app: consumer of queue "b" \(test\/rabbitmq\) needs RABBITMQ_QUEUE="b", but the app is already consumer of queue "a" \(test\/rabbitmq\) with RABBITMQ_QUEUE="a", got "b"\. Fix: an app reads one RABBITMQ_QUEUE: give this use its own AppContainer/,
    ],
    [
      "rejects a label value that is not a string",
      app({ labels: { replicas: 2 as never } }),
      /^test\/app: labels\.replicas must be a string, got 2\. Fix: pass "2" \(a string\)/,
    ],
    [
      "rejects a grantee that is not an app",
      (s) => new RabbitMqBroker(s, "rabbitmq", { network: new Network(s, "n") }).addQueue("q").grantConsume({} as never),
      /^test\/rabbitmq: consumer of queue "q": the grantee is not an app container, got \{\}\. Fix: pass an AppContainer/,
    ],
    [
      "rejects a replica name another container has",
      (s) => {
        new AppContainer(s, "app", { image, replicas: 2 });
        new KafkaBroker(s, "kafka", { network: new Network(s, "n"), name: "app-2" });
      },
      /^test\/kafka: the container name "app-2" is already used by test\/app\/replica-2, got "app-2"\. Fix: give each broker and app its own name/,
    ],
  ];

  test.each(rejects)("%s", (_name, build, message, count = 1) => {
    const messages = problemMessages(build);
    expect(messages).toEqual(expect.arrayContaining([expect.stringMatching(message)]));
    expect(messages).toHaveLength(count);
  });

  const accepts: [string, (s: TerraformStack) => unknown][] = [
    ["accepts a 126-character name with 1 replica (<name>-1 is 128 characters)", app({ name: "x".repeat(126) })],
    ["accepts a 125-character name with 10 replicas (<name>-10 is 128 characters)", app({ name: "x".repeat(125), replicas: 10 })],
  ];

  test.each(accepts)("%s", (_name, build) => {
    expect(problemMessages(build)).toEqual([]);
  });

  test("every bad-input row is named 'rejects ...'", () => {
    for (const [name] of rejects) expect(name).toMatch(/^rejects /);
  });

  test("rejects props that are missing, at once", () => {
    const [error] = problemsOf((s) => new AppContainer(s, "app", null as never));
    expect(error.message).toMatch(/^test\/app: AppContainerProps are required, got null\. Fix: pass props with at least \{ image \}/);
  });

  test("rejects a missing image, at once", () => {
    expect(() => new AppContainer(newStack(), "app", {} as never)).toThrow(
      /^test\/app: image is required and must be a ContainerImage, got undefined\. Fix: use ContainerImage\.fromBuild/,
    );
  });

  test("reports every mistake of one app at once", () => {
    const messages = problemMessages(
      app({ replicas: 0, memoryMb: 1, restartPolicy: "never" as never, environment: { LOG_LEVEL: "trace" } }),
    );
    expect(messages.map((m) => m.replace(/^test\/app: (\S+).*$/, "$1"))).toEqual([
      "replicas",
      "memoryMb",
      "restartPolicy",
      "environment.LOG_LEVEL",
    ]);
  });
});
