/**
 * End to end, the users' path: `cdktf deploy` of the default stack (main.ts)
 * on the local Docker engine, with the provider from the local mirror and the
 * local images (toolchain/setup.sh). The tests reach the brokers only through
 * the ports the stack publishes on 127.0.0.1, read from its outputs.
 *
 * The steps build on each other (deploy, then change, then destroy), so they
 * run in file order; each one names what it proves.
 */
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as amqp from "amqplib";
import { Kafka, logLevel } from "kafkajs";
import { DEFAULT_STACK_NAME } from "../../main";
import { repoRoot, run, waitFor } from "../support/commands";
import { containersLabelled, jsonLogLines, networksLabelled, volumesLabelled } from "../support/docker";
import { amqpUrlAs, derivedPassword, kafkaProbes, rabbitProbes } from "../support/access-probes";
import { alertRules, query, targets } from "../support/prometheus";
import { KafkaMetricNames } from "../../constructs/brokers/kafka/kafka-metrics";
import { AppMetricNames } from "../../constructs/apps/app-metric-names";

jest.setTimeout(900_000); // a deploy, a rebuild and a broker replacement each take tens of seconds

const stackLabel = `cdktf-docker-messaging.stack=${DEFAULT_STACK_NAME}`;
// The default stack's Docker objects: its label and the names main.ts gives
// them (another deployment of the same stack under other names, like the
// deploy benchmark's, carries the same label and is not ours to touch).
const CONTAINERS = [
  "kafka",
  "kafka-consumer-1",
  "kafka-producer-1",
  "kafka-setup",
  "prometheus",
  "rabbitmq",
  "rabbitmq-consumer-1",
  "rabbitmq-producer-1",
  "rabbitmq-setup",
];
/** The one-shot set-up jobs: they exit once done. */
const JOBS = ["kafka-setup", "rabbitmq-setup"];
const NETWORKS = ["kafka-replication", "messaging"];
const VOLUMES = ["kafka-data", "prometheus-data", "rabbitmq-data"];
const stackDir = path.join(repoRoot, "cdktf.out", "stacks", DEFAULT_STACK_NAME);
// Fresh secrets each run, given the way a user gives them: TF_VAR_<name>.
const credentials = {
  TF_VAR_rabbitmq_admin_password: randomBytes(18).toString("base64url"),
  TF_VAR_rabbitmq_credentials_key: randomBytes(24).toString("base64url"),
  TF_VAR_kafka_admin_password: randomBytes(18).toString("base64url"),
  TF_VAR_kafka_credentials_key: randomBytes(24).toString("base64url"),
};
const kafkaAdmin = { username: "admin", password: credentials.TF_VAR_kafka_admin_password };

const PRODUCERS = ["rabbitmq-producer-1", "kafka-producer-1"];
const CONSUMER_OF: Record<string, string> = {
  "rabbitmq-producer-1": "rabbitmq-consumer-1",
  "kafka-producer-1": "kafka-consumer-1",
};

function cdktf(verb: "deploy" | "destroy") {
  // --skip-provider-lock: `cdktf deploy` otherwise runs `terraform providers
  // lock`, which asks registry.terraform.io for checksums and fails offline;
  // `terraform init` still writes the lock file from the local mirror.
  return run("npx", ["cdktf", verb, "--auto-approve", "--skip-provider-lock"], {
    env: credentials,
    timeoutSeconds: 900,
  });
}

function terraform(args: string[], okCodes = [0]) {
  // The binary cdktf runs: terraform, or OpenTofu where toolchain/terraform.sh built it.
  const binary = process.env.TERRAFORM_BINARY_NAME || "terraform";
  return run(binary, args, { cwd: stackDir, env: credentials, timeoutSeconds: 600, okCodes });
}

function outputs(): Record<string, string> {
  const raw = JSON.parse(terraform(["output", "-json"]).stdout) as Record<string, { value: string }>;
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, v.value]));
}

/** Addresses of the resources a plan would change, with their actions. */
function plannedChanges(): Map<string, string> {
  terraform(["plan", "-input=false", "-out=e2e.plan"]);
  const plan = JSON.parse(terraform(["show", "-json", "e2e.plan"]).stdout);
  const changes = new Map<string, string>();
  for (const change of plan.resource_changes ?? []) {
    const actions = (change.change.actions as string[]).join(",");
    if (actions !== "no-op" && actions !== "read") changes.set(change.address, actions);
  }
  return changes;
}

function containerAddress(name: string): string {
  const synthesized = JSON.parse(fs.readFileSync(path.join(stackDir, "cdk.tf.json"), "utf8"));
  const entry = Object.entries<any>(synthesized.resource.docker_container).find(([, c]) => c.name === name);
  if (!entry) throw new Error(`no docker_container named ${name} in the default stack`);
  return `docker_container.${entry[0]}`;
}

function lastEvent(container: string, event: string): Record<string, any> | undefined {
  return jsonLogLines(container)
    .filter((line) => line.event === event)
    .pop();
}

function stackContainers() {
  return containersLabelled(stackLabel).filter((c) => CONTAINERS.includes(c.name));
}
const stackNetworks = () => networksLabelled(stackLabel).filter((n) => NETWORKS.includes(n));
const stackVolumes = () => volumesLabelled(stackLabel).filter((v) => VOLUMES.includes(v));

function containerIds(): Map<string, string> {
  return new Map(stackContainers().map((c) => [c.name, c.id]));
}

function allRunningAndHealthy(): true | undefined {
  const long = stackContainers().filter((c) => !JOBS.includes(c.name));
  const ready = long.length > 0 && long.every((c) => c.running && (c.health === "healthy" || c.health === "none"));
  return ready ? true : undefined;
}

const measured: Record<string, number> = {};

beforeAll(() => {
  // A stack left by an earlier, interrupted run would make "deploy" a no-op.
  if (fs.existsSync(path.join(repoRoot, `terraform.${DEFAULT_STACK_NAME}.tfstate`))) cdktf("destroy");
  // Containers of a run whose state is gone (another clone) would hold the
  // names and host ports: remove what carries this stack's label.
  const leftovers = stackContainers().map((c) => c.id);
  if (leftovers.length > 0) run("docker", ["rm", "-f", ...leftovers]);
  for (const network of stackNetworks()) run("docker", ["network", "rm", network]);
  for (const volume of stackVolumes()) run("docker", ["volume", "rm", volume]);
});

afterAll(() => {
  console.log(`e2e measurements: ${JSON.stringify(measured)}`);
});

describe("given the default stack deployed with cdktf deploy", () => {
  test("then every container is running and healthy", async () => {
    const started = Date.now();
    measured.deploySeconds = cdktf("deploy").seconds;
    await waitFor("every container of the stack running and healthy", 180, allRunningAndHealthy);
    measured.deployToHealthySeconds = (Date.now() - started) / 1000;

    const containers = stackContainers();
    expect(containers.map((c) => c.name).sort()).toEqual(CONTAINERS);
    for (const broker of ["rabbitmq", "kafka"]) {
      expect(containers.find((c) => c.name === broker)?.health).toBe("healthy");
    }
    // The one-shot set-up jobs ran to completion.
    for (const job of JOBS) {
      const state = JSON.parse(run("docker", ["inspect", job]).stdout)[0].State;
      expect([job, state.Status, state.ExitCode]).toEqual([job, "exited", 0]);
    }
  });

  test("then every message each producer sent is consumed, none lost", async () => {
    for (const producer of PRODUCERS) {
      const done = await waitFor(`${producer} to report done`, 300, () => lastEvent(producer, "done")).catch((error) => {
        throw new Error(`${error.message}; its last stats: ${JSON.stringify(lastEvent(producer, "stats"))}`);
      });
      const consumer = CONSUMER_OF[producer];
      const stats = await waitFor(`${consumer} to consume all ${done.confirmed} messages`, 120, () => {
        const last = lastEvent(consumer, "stats");
        return last && last.received - last.duplicates >= done.confirmed ? last : undefined;
      });
      expect(done.confirmed).toBe(done.sent);
      expect(done.confirmed).toBeGreaterThan(0);
      expect(stats.received - stats.duplicates).toBe(done.confirmed);
      expect(stats.acked).toBe(stats.received);
      measured[`${producer}.confirmed`] = done.confirmed;
      measured[`${consumer}.distinctReceived`] = stats.received - stats.duplicates;
    }
  });

  test("then Prometheus scrapes every broker and app, both brokers report message rates and the consumers' latency histograms count what they processed", async () => {
    const prometheus = outputs().prometheus_url;
    expect(prometheus).toBe("http://127.0.0.1:9090");
    // Every target the stack has, found by the construct, up.
    const expected = [
      ["apps", "kafka-consumer-1:9464"],
      ["apps", "kafka-producer-1:9464"],
      ["apps", "rabbitmq-consumer-1:9464"],
      ["apps", "rabbitmq-producer-1:9464"],
      ["kafka", "kafka:9404"],
      ["prometheus", "localhost:9090"],
      ["rabbitmq", "rabbitmq:15692"],
      ["rabbitmq-queues", "rabbitmq:15692"],
    ].map(([job, instance]) => ({ job, instance, health: "up", lastError: "" }));
    const scraped = await waitFor("every target up", 60, async () => {
      const t = await targets(prometheus);
      return t.length === expected.length && t.every((x) => x.health === "up") ? t : undefined;
    }).catch(async (error) => {
      throw new Error(`${error.message}; targets: ${JSON.stringify(await targets(prometheus).catch(String))}`);
    });
    expect(scraped).toEqual(expected);
    const value = async (promql: string) => (await query(prometheus, promql)).map((s) => s.value);
    // Messages went through both brokers in the last minutes, in the brokers' own counters.
    const [rabbitIn] = await value("sum(increase(rabbitmq_global_messages_received_total[10m]))");
    const [kafkaIn] = await value(`sum(increase(${KafkaMetricNames.messagesInTotal}[10m]))`);
    measured.prometheusRabbitIncrease = rabbitIn;
    measured.prometheusKafkaIncrease = kafkaIn;
    expect(rabbitIn).toBeGreaterThan(0);
    expect(kafkaIn).toBeGreaterThan(0);
    // The per-queue series the queue alert reads exist for the declared queues.
    expect((await query(prometheus, "rabbitmq_detailed_queue_consumers")).map((s) => s.metric.queue).sort()).toEqual([
      "orders",
      "orders.dead-letter",
    ]);
    // Each consumer's latency histogram counted every message it processed (its last stats line says how many).
    for (const consumer of ["rabbitmq-consumer", "kafka-consumer"]) {
      const stats = lastEvent(`${consumer}-1`, "stats")!;
      const [count] = await waitFor(`${consumer}'s histogram scraped after its last message`, 30, async () => {
        const v = await value(`sum(${AppMetricNames.endToEndLatency}_count{app="${consumer}"})`);
        return v[0] >= stats.received - stats.duplicates ? v : undefined;
      });
      expect(count).toBeGreaterThanOrEqual(stats.received - stats.duplicates);
      const [p99] = await value(`histogram_quantile(0.99, sum by (le) (${AppMetricNames.endToEndLatency}_bucket{app="${consumer}"}))`);
      expect(p99).toBeGreaterThan(0);
      expect(p99).toBeLessThan(30);
      measured[`${consumer}.p99LatencySeconds`] = p99;
    }
    // The default alert rules are loaded and evaluate without error; none fires on a healthy stack.
    const rules = await alertRules(prometheus);
    expect(rules.map((r) => r.name)).toEqual(
      expect.arrayContaining(["MessagingBrokerNodeDown", "KafkaUnderReplicatedPartitions", "RabbitMqQueueGrowingWithoutConsumers"]),
    );
    expect(rules.filter((r) => r.health === "err")).toEqual([]);
    expect(await value('count(ALERTS{alertstate="firing"})')).toEqual([]);
  });

  test("then a second plan shows no changes", () => {
    const plan = terraform(["plan", "-input=false", "-detailed-exitcode", "-no-color"], [0, 2]);
    expect({ exitCode: plan.code, changes: plan.code === 2 ? plan.stdout : "" }).toEqual({ exitCode: 0, changes: "" });
  });

  test("then nobody gets in anonymously and each app may do only what its role needs", async () => {
    const { rabbitmq_amqp_url: adminUrl, rabbitmq_management_url: managementUrl, kafka_bootstrap_servers: bootstrap } = outputs();
    const kafkaUser = (app: string) => ({
      username: app,
      password: derivedPassword(credentials.TF_VAR_kafka_credentials_key, "kafka", app),
    });
    const rabbitUrl = (app: string) =>
      amqpUrlAs(adminUrl, app, derivedPassword(credentials.TF_VAR_rabbitmq_credentials_key, "rabbitmq", app));
    const refused = expect.stringMatching(/^refused: /);

    // Kafka, through the published host listener (SASL SCRAM-SHA-512).
    expect({
      anonymous: await kafkaProbes.listTopics(bootstrap, undefined),
      wrongPassword: await kafkaProbes.listTopics(bootstrap, { username: "kafka-producer", password: "not-its-password" }),
      producerWrites: await kafkaProbes.produce(bootstrap, kafkaUser("kafka-producer"), "events"),
      producerReads: await kafkaProbes.consume(bootstrap, kafkaUser("kafka-producer"), "events", "events-consumer"),
      consumerWrites: await kafkaProbes.produce(bootstrap, kafkaUser("kafka-consumer"), "events"),
      consumerReadsAnotherTopic: await kafkaProbes.consume(bootstrap, kafkaUser("kafka-consumer"), "__consumer_offsets", "events-consumer"),
      consumerReadsInAnotherGroup: await kafkaProbes.consume(bootstrap, kafkaUser("kafka-consumer"), "events", "another-group"),
      producerSees: await kafkaProbes.visibleTopics(bootstrap, kafkaUser("kafka-producer")),
      consumerSees: await kafkaProbes.visibleTopics(bootstrap, kafkaUser("kafka-consumer")),
      producerCreatesATopic: await kafkaProbes.createTopic(bootstrap, kafkaUser("kafka-producer"), "e2e.stray"),
      consumerDeletesItsTopic: await kafkaProbes.deleteTopic(bootstrap, kafkaUser("kafka-consumer"), "events"),
      admin: await kafkaProbes.listTopics(bootstrap, kafkaAdmin),
    }).toEqual({
      anonymous: refused,
      wrongPassword: refused,
      producerWrites: "allowed",
      producerReads: refused,
      consumerWrites: refused,
      consumerReadsAnotherTopic: refused,
      consumerReadsInAnotherGroup: refused,
      // Metadata lists only the topics a user may describe: not __consumer_offsets, not another app's.
      producerSees: ["events"],
      consumerSees: ["events"],
      producerCreatesATopic: refused,
      consumerDeletesItsTopic: refused,
      admin: "allowed",
    });

    // RabbitMQ, through the published AMQP port and management UI.
    expect({
      guest: await rabbitProbes.connect(amqpUrlAs(adminUrl, "guest", "guest")),
      producerPublishes: await rabbitProbes.publish(rabbitUrl("rabbitmq-producer"), "", "orders"),
      producerReads: await rabbitProbes.read(rabbitUrl("rabbitmq-producer"), "orders"),
      consumerReadsAnotherQueue: await rabbitProbes.read(rabbitUrl("rabbitmq-consumer"), "orders.dead-letter"),
      consumerPublishes: await rabbitProbes.publish(rabbitUrl("rabbitmq-consumer"), "", "orders"),
      consumerDeclares: await rabbitProbes.declare(rabbitUrl("rabbitmq-consumer"), "e2e.stray"),
      consumerLogsIntoManagement: await rabbitProbes.management(managementUrl, rabbitUrl("rabbitmq-consumer")),
      adminLogsIntoManagement: await rabbitProbes.management(managementUrl, adminUrl),
    }).toEqual({
      guest: refused,
      producerPublishes: "allowed",
      producerReads: refused,
      consumerReadsAnotherQueue: refused,
      consumerPublishes: refused,
      consumerDeclares: refused,
      consumerLogsIntoManagement: refused,
      adminLogsIntoManagement: "allowed",
    });

    // The administrator's password reaches no app container.
    for (const app of ["rabbitmq-producer-1", "rabbitmq-consumer-1", "kafka-producer-1", "kafka-consumer-1"]) {
      const env: string[] = JSON.parse(run("docker", ["inspect", app]).stdout)[0].Config.Env;
      const leaked = env.filter(
        (e) => e.includes(credentials.TF_VAR_rabbitmq_admin_password) || e.includes(credentials.TF_VAR_kafka_admin_password),
      );
      expect([app, leaked]).toEqual([app, []]);
    }
  });

  test("then docker inspect shows every container hardened, and the running processes hold no capability", async () => {
    const names = stackContainers()
      .map((c) => c.name)
      .sort();
    expect(names).toEqual(CONTAINERS);
    const inspected = JSON.parse(run("docker", ["inspect", ...names]).stdout) as any[];
    // The official rabbitmq image's root entrypoint needs these to chown and drop to its user (see container-hardening.ts).
    const rabbitmqAdded = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_SETGID", "CAP_SETUID"];
    for (const c of inspected) {
      const name = String(c.Name).replace(/^\//, "");
      const broker = name === "rabbitmq" || name === "kafka";
      const h = c.HostConfig;
      expect({
        name,
        securityOpt: h.SecurityOpt,
        capDrop: h.CapDrop,
        capAdd: [...(h.CapAdd ?? [])].sort(),
        readOnly: h.ReadonlyRootfs,
        tmpfs: h.Tmpfs ?? {},
        log: h.LogConfig,
        hash: /^[0-9a-f]{16}$/.test(c.Config.Labels["cdktf-docker-messaging.hardening-sha256"] ?? ""),
        exception: c.Config.Labels["cdktf-docker-messaging.hardening-exception"],
      }).toEqual({
        name,
        securityOpt: ["no-new-privileges:true"],
        capDrop: ["ALL"],
        capAdd: name === "rabbitmq" ? rabbitmqAdded : [],
        readOnly: !broker,
        tmpfs: broker ? {} : { "/tmp": "rw,noexec,nosuid,nodev,size=64m" },
        log: { Type: "json-file", Config: { "max-file": "3", "max-size": "10m" } },
        hash: true,
        exception: undefined,
      });
    }
    // What the kernel enforces on each running container's main process
    // (the set-up jobs have exited): no effective or permitted capability, no new privileges.
    for (const name of CONTAINERS.filter((n) => !JOBS.includes(n))) {
      const status = run("docker", ["exec", name, "cat", "/proc/1/status"]).stdout;
      const field = (key: string) => status.match(new RegExp(`^${key}:\\s*(\\S+)`, "m"))?.[1];
      expect({ name, capEff: field("CapEff"), capPrm: field("CapPrm"), noNewPrivs: field("NoNewPrivs") }).toEqual({
        name,
        capEff: "0000000000000000",
        capPrm: "0000000000000000",
        noNewPrivs: "1",
      });
    }
    // An app's root filesystem refuses writes; its /tmp takes them (the health file lives there).
    const write = (path: string) => {
      const r = run("docker", ["exec", "rabbitmq-consumer-1", "sh", "-c", `echo x > ${path}`], { okCodes: [0, 1, 2] });
      return { code: r.code, readOnly: /read-only file system/i.test(r.stderr) };
    };
    expect({ root: write("/app/probe"), tmp: write("/tmp/probe") }).toEqual({
      root: { code: 2, readOnly: true },
      tmp: { code: 0, readOnly: false },
    });
  });

  test("when an app's source changes, then that app alone is rebuilt and replaced", () => {
    const source = path.join(repoRoot, "apps", "rabbitmq-consumer", "src", "main.ts");
    const original = fs.readFileSync(source, "utf8");
    const before = containerIds();
    try {
      fs.writeFileSync(source, `${original}\n// e2e: a source change ${Date.now()}\n`);
      run("npm", ["run", "--silent", "synth"], { timeoutSeconds: 120 });
      const changes = plannedChanges();
      const changed = [...changes.keys()];
      expect(changed.length).toBeGreaterThanOrEqual(2);
      for (const address of changed) expect(address).toMatch(/rabbitmq-consumer/);
      expect(changed.some((a) => a.startsWith("docker_image."))).toBe(true);
      expect(changes.get(containerAddress("rabbitmq-consumer-1"))).toMatch(/delete.*create|create.*delete/);

      cdktf("deploy");
      const after = containerIds();
      expect(after.get("rabbitmq-consumer-1")).not.toBe(before.get("rabbitmq-consumer-1"));
      for (const name of ["rabbitmq", "kafka", "rabbitmq-producer-1", "kafka-producer-1", "kafka-consumer-1"]) {
        expect(after.get(name)).toBe(before.get(name));
      }
    } finally {
      fs.writeFileSync(source, original);
    }
    cdktf("deploy"); // back to the committed source
  });

  test("when the brokers are recreated, then queues, topics and unconsumed persistent messages survive", async () => {
    const { rabbitmq_amqp_url: amqpUrl, kafka_bootstrap_servers: bootstrap } = outputs();
    expect(amqpUrl).toMatch(/^amqp:\/\/admin:.+@127\.0\.0\.1:\d+\//);
    expect(bootstrap).toMatch(/^127\.0\.0\.1:\d+$/);

    // Given unconsumed persistent messages in a durable queue nobody reads...
    const parked = "e2e.parked";
    const connection = await amqp.connect(amqpUrl);
    const channel = await connection.createConfirmChannel();
    await channel.assertQueue(parked, { durable: true, arguments: { "x-queue-type": "quorum" } });
    for (let i = 0; i < 100; i++) channel.sendToQueue(parked, Buffer.from(`parked ${i}`), { persistent: true });
    await channel.waitForConfirms();
    await connection.close();

    // ...and Kafka records and committed consumer offsets, once the producer is idle.
    await waitFor("kafka-producer-1 to report done", 300, () => lastEvent("kafka-producer-1", "done"));
    const kafka = new Kafka({
      clientId: "e2e",
      brokers: [bootstrap],
      logLevel: logLevel.NOTHING,
      sasl: { mechanism: "scram-sha-512", ...kafkaAdmin },
    });
    const admin = kafka.admin();
    await admin.connect();
    const offsetsBefore = await admin.fetchTopicOffsets("events");
    const committedBefore = await admin.fetchOffsets({ groupId: "events-consumer", topics: ["events"] });
    await admin.disconnect();
    const highBefore = offsetsBefore.reduce((sum, p) => sum + Number(p.high), 0);
    expect(highBefore).toBeGreaterThan(0);

    // When both broker containers are replaced (new containers, same volumes and hostnames)...
    const before = containerIds();
    terraform([
      "apply",
      "-input=false",
      "-auto-approve",
      `-replace=${containerAddress("rabbitmq")}`,
      `-replace=${containerAddress("kafka")}`,
    ]);
    const after = containerIds();
    expect(after.get("rabbitmq")).not.toBe(before.get("rabbitmq"));
    expect(after.get("kafka")).not.toBe(before.get("kafka"));

    // ...then the messages, queues, topic, records and offsets are all still there.
    const again = await amqp.connect(amqpUrl);
    const check = await again.createChannel();
    expect((await check.checkQueue(parked)).messageCount).toBe(100);
    expect((await check.checkQueue("orders")).queue).toBe("orders");
    expect((await check.checkQueue("orders.dead-letter")).queue).toBe("orders.dead-letter");
    await check.deleteQueue(parked);
    await again.close();

    const admin2 = kafka.admin();
    await admin2.connect();
    const offsetsAfter = await admin2.fetchTopicOffsets("events");
    const committedAfter = await admin2.fetchOffsets({ groupId: "events-consumer", topics: ["events"] });
    await admin2.disconnect();
    expect(offsetsAfter.reduce((sum, p) => sum + Number(p.high), 0)).toBe(highBefore);
    expect(committedAfter).toEqual(committedBefore);

    // The apps rode out the outage with their reconnect backoff, in the same
    // process: none exited and was restarted by Docker.
    await waitFor("every container healthy again after the broker replacement", 180, allRunningAndHealthy);
    const restarts = stackContainers()
      .filter((c) => /-(producer|consumer)-\d+$/.test(c.name))
      .map((c) => [c.name, c.restartCount]);
    expect(Object.fromEntries(restarts)).toEqual({
      "kafka-consumer-1": 0,
      "kafka-producer-1": 0,
      "rabbitmq-consumer-1": 0,
      "rabbitmq-producer-1": 0,
    });
  });

  test("when destroyed, then no container, network or volume of the stack is left", () => {
    measured.destroySeconds = cdktf("destroy").seconds;
    expect(stackContainers()).toEqual([]);
    expect(stackNetworks()).toEqual([]);
    // The default stack chooses dataRemovalPolicy "destroy" for its brokers.
    expect(stackVolumes()).toEqual([]);
  });
});
