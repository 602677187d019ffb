/**
 * End to end on two examples a user copies: examples/tls-own-certificates
 * (RabbitMQ with TLS from certificate files made here with openssl) and
 * examples/own-app-image (a consumer of the user's own, built from a
 * Dockerfile, wired by role next to the package's producer); and, beside
 * them, the permission stack (__tests__/support/permission-stack.ts), on
 * which each RabbitMQ app's user tries every line of docs/access-and-tls.md's
 * table of what it can and cannot do. The default stack
 * (examples/single-host) has its own suite (default-stack.test.ts), and so
 * has the cluster example (the fault suite, on ../e2e-cluster/'s stack).
 *
 * The stacks are synthesized in this process under names of their own
 * (prefix `ex-`, stacks `ex-tls`, `ex-own-app` and `ex-perm`, AMQPS on
 * 127.0.0.1:45671, AMQP on 127.0.0.1:45672), so they never meet the other
 * suites' or anyone's deploys on this engine, and applied side by side with
 * `terraform apply` in their stack folders, the way a user runs a
 * synthesized stack. The steps build on each other, so they run in file order.
 */
import { spawn } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as amqp from "amqplib";
import { App, LocalBackend, type TerraformStack } from "cdktf";
import { buildOwnAppImageStack } from "../../examples/own-app-image/main";
import { buildTlsOwnCertificatesStack } from "../../examples/tls-own-certificates/main";
import { amqpUrlAs, derivedPassword, rabbitProbes } from "../support/access-probes";
import { makeTestCertificates, type TestCertificates } from "../support/certificates";
import { type CommandResult, repoRoot, run, waitFor } from "../support/commands";
import { containersLabelled, jsonLogLines } from "../support/docker";
import { buildPermissionStack, TOPIC_PRODUCER_KEY } from "../support/permission-stack";

jest.setTimeout(600_000);

const TLS = { stack: "ex-tls", prefix: "ex-tls", amqpsHostPort: 45671, messages: 200 };
const OWN = { stack: "ex-own-app", prefix: "ex-own", messages: 300 };
const PERM = { stack: "ex-perm", prefix: "ex-perm", amqpHostPort: 45672, messages: 50 };
const BROKER = `${TLS.prefix}-rabbitmq`;
const COUNTER = `${OWN.prefix}-counter-1`;

// Fresh secrets each run, given the way a user gives them: TF_VAR_<name>.
const credentials = {
  TF_VAR_ex_tls_rabbitmq_admin_password: randomBytes(18).toString("base64url"),
  TF_VAR_ex_tls_rabbitmq_credentials_key: randomBytes(24).toString("base64url"),
  TF_VAR_ex_own_kafka_admin_password: randomBytes(18).toString("base64url"),
  TF_VAR_ex_own_kafka_credentials_key: randomBytes(24).toString("base64url"),
  TF_VAR_ex_perm_rabbitmq_admin_password: randomBytes(18).toString("base64url"),
  TF_VAR_ex_perm_rabbitmq_credentials_key: randomBytes(24).toString("base64url"),
};

// Outside the work tree: the synthesized stacks, their states and the certificates.
const work = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-docker-messaging-e2e-examples-"));
// A CA and a broker certificate it signs, with the names the broker is
// reached by (its network alias for the apps, localhost and 127.0.0.1 for
// the host), as the example's README makes them; and a CA that signed nothing.
let certificates: TestCertificates;
const stackDir = (stack: string) => path.join(work, "out", "stacks", stack);

interface Deployed {
  readonly stack: string;
  readonly containers: string[];
  readonly jobs: string[];
  readonly networks: string[];
  readonly volumes: string[];
}
const deployed: Deployed[] = [];
const measured: Record<string, number> = {};

/** The stacks synthesized into `work/out`, each with its local state beside it; returns their Docker objects. */
function synthesize(): void {
  const app = new App({ outdir: path.join(work, "out"), stackTraces: false });
  const stacks: TerraformStack[] = [
    buildTlsOwnCertificatesStack(app, TLS.stack, {
      prefix: TLS.prefix,
      certificateFiles: { caFile: certificates.caFile, certFile: certificates.certFile, keyFile: certificates.keyFile },
      amqpsHostPort: TLS.amqpsHostPort,
      messages: TLS.messages,
    }),
    buildOwnAppImageStack(app, OWN.stack, { prefix: OWN.prefix, messages: OWN.messages }),
    buildPermissionStack(app, PERM.stack, PERM),
  ];
  for (const stack of stacks) new LocalBackend(stack, { path: path.join(work, `${stack.node.id}.tfstate`) });
  app.synth();
  for (const stack of stacks) {
    const json = JSON.parse(fs.readFileSync(path.join(stackDir(stack.node.id), "cdk.tf.json"), "utf8"));
    const names = (type: string) =>
      Object.values<any>(json.resource[type] ?? {})
        .map((r) => r.name as string)
        .sort();
    const containers = names("docker_container");
    deployed.push({
      stack: stack.node.id,
      containers,
      // One-shot jobs (set-up, certificates) exit once done: they have must_run = false.
      jobs: Object.values<any>(json.resource.docker_container)
        .filter((c) => c.must_run === false)
        .map((c) => c.name)
        .sort(),
      networks: names("docker_network"),
      volumes: names("docker_volume"),
    });
  }
  for (const d of deployed) {
    for (const name of [...d.containers, ...d.networks, ...d.volumes]) {
      if (!name.startsWith("ex-")) throw new Error(`${d.stack}: ${name} is not prefixed ex-: it could collide with another deploy`);
    }
  }
}

function terraformArgs(stack: string, args: string[]): [string, string[]] {
  // The binary cdktf runs: terraform, or OpenTofu where toolchain/terraform.sh built it.
  return [process.env.TERRAFORM_BINARY_NAME || "terraform", [`-chdir=${stackDir(stack)}`, ...args, "-no-color"]];
}

function terraform(stack: string, args: string[], okCodes = [0]): CommandResult {
  const [binary, all] = terraformArgs(stack, args);
  return run(binary, all, { env: credentials, timeoutSeconds: 600, okCodes });
}

/** terraform in the background, so both stacks deploy (and are destroyed) side by side. */
function terraformAsync(stack: string, args: string[]): Promise<CommandResult> {
  const [binary, all] = terraformArgs(stack, args);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(binary, all, { cwd: repoRoot, env: { ...process.env, ...credentials, NO_COLOR: "1", CI: "true" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGTERM"), 600_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      const result = { code: code ?? -1, stdout, stderr, seconds: (Date.now() - started) / 1000 };
      if (result.code === 0) resolve(result);
      else reject(new Error(`${stack}: terraform ${args.join(" ")} exited ${result.code}\n${stdout.slice(-3000)}\n${stderr.slice(-3000)}`));
    });
  });
}

/** Addresses of the resources a plan would change, with their actions. */
function plannedChanges(stack: string): Map<string, string> {
  terraform(stack, ["plan", "-input=false", "-out=e2e.plan"]);
  const plan = JSON.parse(terraform(stack, ["show", "-json", "e2e.plan"]).stdout);
  const changes = new Map<string, string>();
  for (const change of plan.resource_changes ?? []) {
    const actions = (change.change.actions as string[]).join(",");
    if (actions !== "no-op" && actions !== "read") changes.set(change.address, actions);
  }
  return changes;
}

const ours = (d: Deployed) => containersLabelled(`cdktf-docker-messaging.stack=${d.stack}`).filter((c) => d.containers.includes(c.name));
const listed = (kind: "network" | "volume", names: string[]) =>
  run("docker", [kind, "ls", "--format", "{{.Name}}"])
    .stdout.split("\n")
    .filter((n) => names.includes(n));

/** What an interrupted earlier run left under these names: removed by name, only ours. */
function removeLeftovers(): void {
  for (const d of deployed) {
    const leftovers = ours(d).map((c) => c.id);
    if (leftovers.length > 0) run("docker", ["rm", "-f", "-v", ...leftovers]);
    for (const network of listed("network", d.networks)) run("docker", ["network", "rm", network]);
    for (const volume of listed("volume", d.volumes)) run("docker", ["volume", "rm", volume]);
  }
}

function allRunningAndHealthy(d: Deployed): true | undefined {
  const long = ours(d).filter((c) => !d.jobs.includes(c.name));
  const ready = long.length === d.containers.length - d.jobs.length && long.every((c) => c.running && c.health === "healthy");
  return ready ? true : undefined;
}

const lastEvent = (container: string, event: string) =>
  jsonLogLines(container)
    .filter((line) => line.event === event)
    .pop();

beforeAll(() => {
  const started = Date.now();
  certificates = makeTestCertificates([BROKER]);
  // The package's apps are built from their bundles (ShippedApps).
  run("node", ["apps/bundle.mjs"], { timeoutSeconds: 120 });
  synthesize();
  removeLeftovers();
  for (const d of deployed) terraform(d.stack, ["init", "-input=false"], [0]);
  measured.prepareSeconds = (Date.now() - started) / 1000;
});

afterAll(async () => {
  // Whatever happened above, nothing of ours stays on the engine.
  try {
    await Promise.allSettled(deployed.map((d) => terraformAsync(d.stack, ["destroy", "-input=false", "-auto-approve"])));
    removeLeftovers();
    certificates?.remove();
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
    console.log(`e2e examples measurements: ${JSON.stringify(measured)}`);
  }
});

describe("given the tls-own-certificates and own-app-image examples and the permission stack applied side by side", () => {
  test("then every long-running container is running and healthy and every one-shot job exited 0", async () => {
    const started = Date.now();
    const applied = await Promise.all(deployed.map((d) => terraformAsync(d.stack, ["apply", "-input=false", "-auto-approve"])));
    deployed.forEach((d, i) => (measured[`${d.stack}.applySeconds`] = applied[i].seconds));
    for (const d of deployed) await waitFor(`every container of ${d.stack} running and healthy`, 180, () => allRunningAndHealthy(d));
    measured.deployToHealthySeconds = (Date.now() - started) / 1000;
    for (const d of deployed) {
      expect(
        ours(d)
          .map((c) => c.name)
          .sort(),
      ).toEqual(d.containers);
      for (const job of d.jobs) {
        const state = JSON.parse(run("docker", ["inspect", job]).stdout)[0].State;
        expect([job, state.Status, state.ExitCode]).toEqual([job, "exited", 0]);
      }
    }
  });

  test("then the own app counted every message the package's producer sent, as its own Kafka user in its group", async () => {
    const producer = `${OWN.prefix}-producer-1`;
    const done = await waitFor(`${producer} to report done`, 120, () => lastEvent(producer, "done"));
    expect(done.confirmed).toBe(OWN.messages);
    const counted = await waitFor(`${COUNTER} to count ${OWN.messages} messages`, 120, () => {
      const last = lastEvent(COUNTER, "consumed");
      return last && last.count >= OWN.messages ? last : undefined;
    });
    expect(counted.count).toBe(OWN.messages);
    // Its health file and its count file say the same.
    expect(run("docker", ["exec", COUNTER, "cat", "/tmp/consumed-count"]).stdout.trim()).toBe(String(OWN.messages));
    expect(lastEvent(COUNTER, "started")).toEqual({
      event: "started",
      topic: "clicks",
      group: "clicks-counter",
      user: `${OWN.prefix}-counter`,
    });
    // Records of all three partitions, each partition's offsets counted once.
    const consumed = jsonLogLines(COUNTER).filter((l) => l.event === "consumed");
    expect(new Set(consumed.map((l) => l.partition))).toEqual(new Set([0, 1, 2]));
    expect(new Set(consumed.map((l) => `${l.partition}/${l.offset}`)).size).toBe(OWN.messages);
  });

  test("then the TLS apps moved every message over AMQPS, verifying the broker's name against the user's CA", async () => {
    const producer = `${TLS.prefix}-producer-1`;
    const consumer = `${TLS.prefix}-consumer-1`;
    const done = await waitFor(`${producer} to report done`, 120, () => lastEvent(producer, "done"));
    expect(done.confirmed).toBe(TLS.messages);
    const stats = await waitFor(`${consumer} to consume ${TLS.messages} messages`, 120, () => {
      const last = lastEvent(consumer, "stats");
      return last && last.received - last.duplicates >= done.confirmed ? last : undefined;
    });
    expect(stats.received - stats.duplicates).toBe(TLS.messages);
    const env: string[] = JSON.parse(run("docker", ["inspect", consumer]).stdout)[0].Config.Env;
    expect(env).toContainEqual(expect.stringMatching(new RegExp(`^RABBITMQ_URL=amqps://[^@]+@${BROKER}:5671`)));
    expect(env).toContainEqual(expect.stringMatching(/^RABBITMQ_TLS_CA_FILE=\/etc\/messaging\/tls-ca\//));
  });

  test("then a host client that trusts the user's CA gets in over TLS; one that trusts another CA does not; plaintext does not", async () => {
    const ca = fs.readFileSync(certificates.caFile);
    const options = {
      protocol: "amqps",
      hostname: "localhost",
      port: TLS.amqpsHostPort,
      username: "admin",
      password: credentials.TF_VAR_ex_tls_rabbitmq_admin_password,
    };
    const connection = await amqp.connect(options, { ca: [ca], servername: "localhost" });
    try {
      const channel = await connection.createChannel();
      expect((await channel.checkQueue("payments")).queue).toBe("payments");
      await channel.close();
    } finally {
      await connection.close();
    }
    const other = fs.readFileSync(certificates.otherCaFile);
    await expect(amqp.connect(options, { ca: [other], servername: "localhost" })).rejects.toThrow(
      /self[- ]signed|unable to verify|certificate/i,
    );
    await expect(amqp.connect({ ...options, protocol: "amqp" })).rejects.toThrow();
    // The stack output is the user's CA, as the host trusts it.
    expect(terraform(TLS.stack, ["output", "-raw", "ex_tls_rabbitmq_ca_certificate"]).stdout.trim()).toBe(ca.toString().trim());
  });

  test("then each RabbitMQ app, as its own user, can do exactly what docs/access-and-tls.md's table says, and no more", async () => {
    // First the apps' own traffic, which the probes below would disturb (a purge):
    // every producer's messages confirmed, the topic producer's within its key's grant.
    for (const producer of ["topic-producer", "direct-producer", "queue-producer"]) {
      const name = `${PERM.prefix}-${producer}-1`;
      const done = await waitFor(`${name} to report done`, 120, () => lastEvent(name, "done"));
      expect([name, done.confirmed]).toEqual([name, PERM.messages]);
    }
    const consumer = `${PERM.prefix}-consumer-1`;
    // `orders` gets the topic producer's and the queue producer's messages.
    const stats = await waitFor(`${consumer} to consume ${2 * PERM.messages} messages`, 120, () => {
      const last = lastEvent(consumer, "stats");
      return last && last.received - last.duplicates >= 2 * PERM.messages ? last : undefined;
    });
    expect(stats.received - stats.duplicates).toBe(2 * PERM.messages);

    const as = (app: string) =>
      amqpUrlAs(
        `amqp://127.0.0.1:${PERM.amqpHostPort}/%2F`,
        `${PERM.prefix}-${app}`,
        derivedPassword(credentials.TF_VAR_ex_perm_rabbitmq_credentials_key, `${PERM.prefix}-rabbitmq`, `${PERM.prefix}-${app}`),
      );
    const [topic, direct, queue, reader] = ["topic-producer", "direct-producer", "queue-producer", "consumer"].map(as);
    const refused = expect.stringMatching(/^refused: /);
    // One row per line of the table, in its order; "allowed" where the table says RabbitMQ cannot stop it.
    expect({
      topicPublishesWithItsKey: await rabbitProbes.publish(topic, "events", TOPIC_PRODUCER_KEY),
      topicPublishesWithAnotherKey: await rabbitProbes.publish(topic, "events", "orders.cancelled"),
      topicPublishesToAnotherExchange: await rabbitProbes.publish(topic, "commands", "audit"),
      topicPublishesToAQueue: await rabbitProbes.publish(topic, "", "audit"),
      directPublishesWithItsKey: await rabbitProbes.publish(direct, "commands", "audit"),
      directPublishesWithAnotherKey: await rabbitProbes.publish(direct, "commands", "not-its-key"),
      directPublishesToAnotherExchange: await rabbitProbes.publish(direct, "events", TOPIC_PRODUCER_KEY),
      queuePublishesToItsQueue: await rabbitProbes.publish(queue, "", "orders"),
      queuePublishesToAnotherQueue: await rabbitProbes.publish(queue, "", "audit"),
      queuePublishesToAnExchange: await rabbitProbes.publish(queue, "events", TOPIC_PRODUCER_KEY),
      producerReads: await rabbitProbes.read(topic, "orders"),
      producerPurges: await rabbitProbes.purge(queue, "orders"),
      consumerReadsItsQueue: await rabbitProbes.read(reader, "orders"),
      consumerPurgesItsQueue: await rabbitProbes.purge(reader, "orders"),
      consumerReadsAnotherQueue: await rabbitProbes.read(reader, "audit"),
      consumerPurgesAnotherQueue: await rabbitProbes.purge(reader, "audit"),
      consumerPublishes: await rabbitProbes.publish(reader, "", "orders"),
      consumerInspectsItsQueue: await rabbitProbes.inspect(reader, "orders"),
      anyAppInspectsAnotherQueue: await rabbitProbes.inspect(reader, "audit"),
      anyAppDeclaresAQueue: await rabbitProbes.declare(topic, "ex-perm.stray"),
      anyAppDeletesAQueue: await rabbitProbes.deleteQueue(reader, "orders"),
      anyAppBindsAQueue: await rabbitProbes.bind(reader, "orders", "events", "#"),
      anyAppBindsToItsExchange: await rabbitProbes.bind(topic, "audit", "events", "#"),
    }).toEqual({
      topicPublishesWithItsKey: "allowed",
      topicPublishesWithAnotherKey: refused,
      topicPublishesToAnotherExchange: refused,
      topicPublishesToAQueue: refused,
      directPublishesWithItsKey: "allowed",
      directPublishesWithAnotherKey: "allowed",
      directPublishesToAnotherExchange: refused,
      queuePublishesToItsQueue: "allowed",
      queuePublishesToAnotherQueue: "allowed",
      queuePublishesToAnExchange: refused,
      producerReads: refused,
      producerPurges: refused,
      consumerReadsItsQueue: "allowed",
      consumerPurgesItsQueue: "allowed",
      consumerReadsAnotherQueue: refused,
      consumerPurgesAnotherQueue: refused,
      consumerPublishes: refused,
      // RabbitMQ 4.3 asks a passive declare for some permission on the queue
      // (4.0 asked for none): the consumer's read on its queue is enough, and
      // no app can probe a queue it holds nothing on.
      consumerInspectsItsQueue: "allowed",
      anyAppInspectsAnotherQueue: refused,
      anyAppDeclaresAQueue: refused,
      anyAppDeletesAQueue: refused,
      anyAppBindsAQueue: refused,
      anyAppBindsToItsExchange: refused,
    });
    // The set-up job said what it granted: the topic producer's key on its exchange.
    const setup = run("docker", ["logs", `${PERM.prefix}-rabbitmq-setup`]).stdout;
    expect(setup).toContain(
      `user ${PERM.prefix}-topic-producer: configure "^$", write "^(events)$", read "^$", routing keys on "events" "^(orders\\\\.created)$"`,
    );
  });

  test("then a second plan of each stack changes nothing", () => {
    for (const d of deployed) expect([d.stack, Object.fromEntries(plannedChanges(d.stack))]).toEqual([d.stack, {}]);
  });

  test("then destroy removes every container, network and volume of both", async () => {
    const destroyed = await Promise.all(deployed.map((d) => terraformAsync(d.stack, ["destroy", "-input=false", "-auto-approve"])));
    deployed.forEach((d, i) => (measured[`${d.stack}.destroySeconds`] = destroyed[i].seconds));
    for (const d of deployed) {
      expect([d.stack, ours(d).map((c) => c.name)]).toEqual([d.stack, []]);
      expect([d.stack, listed("network", d.networks), listed("volume", d.volumes)]).toEqual([d.stack, [], []]);
    }
  });
});
