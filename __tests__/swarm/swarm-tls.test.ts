/**
 * TLS on a Swarm: a RabbitMQ and a Kafka that speak TLS only, with the
 * user's own certificate files (TlsCertificates.fromFiles), and a producer
 * and a consumer on each that verify the broker against the CA, deployed
 * with `terraform apply` to the test Swarm (toolchain/test-swarm.sh). The
 * files reach the tasks as docker secrets (no job, no volume): messages
 * that flow prove the broker served the certificate and the apps trusted it.
 */
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App, LocalBackend, TerraformStack } from "cdktf";
import {
  AppContainer,
  AppEnv,
  DockerHost,
  HealthCheck,
  KafkaBroker,
  Network,
  RabbitMqBroker,
  ShippedApps,
  TlsCertificates,
} from "../../constructs";
import { makeTestCertificates } from "../support/certificates";
import { type CommandResult, run, waitFor } from "../support/commands";
import { MANAGER, removeStackVolumes, testSwarmRegistry } from "../support/test-swarm";

jest.setTimeout(900_000);

const STACK = "tls";
const RABBIT = `${STACK}-rabbitmq`;
const KAFKA = `${STACK}-kafka`;
const credentials = {
  TF_VAR_tls_rabbitmq_admin_password: randomBytes(18).toString("base64url"),
  TF_VAR_tls_rabbitmq_credentials_key: randomBytes(24).toString("base64url"),
  TF_VAR_tls_kafka_admin_password: randomBytes(18).toString("base64url"),
  TF_VAR_tls_kafka_credentials_key: randomBytes(24).toString("base64url"),
};
const work = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-docker-messaging-swarm-tls-"));
const stackDir = path.join(work, "out", "stacks", STACK);
const certificates = makeTestCertificates([RABBIT, KAFKA]);
let deployed = false;

const terraform = (args: string[], timeoutSeconds = 900): CommandResult =>
  run(process.env.TERRAFORM_BINARY_NAME || "terraform", [`-chdir=${stackDir}`, ...args], { env: credentials, timeoutSeconds });
const manager = (args: string[], okCodes = [0]): CommandResult => run("docker", ["-H", MANAGER, ...args], { okCodes, timeoutSeconds: 120 });

/** The highest `received` a consumer's tasks have logged (their JSON stats lines, through the manager). */
function received(service: string): number {
  const lines = manager(["service", "logs", "--raw", service], [0, 1]).stdout.split("\n");
  return Math.max(
    0,
    ...lines.flatMap((line) => {
      try {
        return line.startsWith("{") ? [Number(JSON.parse(line).received ?? 0)] : [];
      } catch {
        return [];
      }
    }),
  );
}

function buildStack(cdktfApp: App): TerraformStack {
  const stack = new TerraformStack(cdktfApp, STACK);
  new DockerHost(stack, "docker", {
    host: MANAGER,
    swarm: {
      brokerNodes: { label: "cdktf-docker-messaging.swarm-node", values: ["1", "2", "3"] },
      registry: testSwarmRegistry(),
    },
  });
  const network = new Network(stack, "net", { name: STACK });
  const files = { caFile: certificates.caFile, certFile: certificates.certFile, keyFile: certificates.keyFile };
  // One certificate (its names cover both brokers), installed for each broker's process user.
  const rabbitTls = TlsCertificates.fromFiles(stack, "rabbit-tls", { name: RABBIT, ...files, keyOwnerUid: 999, keyOwnerGid: 999 });
  const kafkaTls = TlsCertificates.fromFiles(stack, "kafka-tls", { name: KAFKA, ...files, keyOwnerUid: 1000, keyOwnerGid: 1000 });
  const healthy = HealthCheck.exec(["test", "-f", "/tmp/app-healthy"], { intervalSeconds: 5, startPeriodSeconds: 5 });
  const app = (name: string, image: ReturnType<typeof ShippedApps.kafkaConsumer>, environment: Record<string, string> = {}) =>
    new AppContainer(stack, name, { name, image, environment, memoryMb: 128, healthCheck: healthy });

  const rabbit = new RabbitMqBroker(stack, "rabbitmq", { network, name: RABBIT, tls: { certificates: rabbitTls } });
  const jobs = rabbit.addQueue("jobs");
  jobs.grantPublish(app(`${STACK}-rabbitmq-producer`, ShippedApps.rabbitmqProducer(), { [AppEnv.PRODUCER_RATE]: "20" }));
  jobs.grantConsume(app(`${STACK}-rabbitmq-consumer`, ShippedApps.rabbitmqConsumer()));

  const kafka = new KafkaBroker(stack, "kafka", { network, name: KAFKA, memoryMb: 768, tls: { certificates: kafkaTls } });
  const events = kafka.addTopic("events");
  events.grantProduce(app(`${STACK}-kafka-producer`, ShippedApps.kafkaProducer(), { [AppEnv.PRODUCER_RATE]: "20" }));
  events.grantConsume(app(`${STACK}-kafka-consumer`, ShippedApps.kafkaConsumer()), { groupId: `${STACK}-consumers` });
  new LocalBackend(stack, { path: path.join(work, `${STACK}.tfstate`) });
  return stack;
}

beforeAll(async () => {
  run("bash", [path.join(__dirname, "..", "..", "toolchain", "test-swarm.sh"), "up"], { timeoutSeconds: 600 });
  await removeStackVolumes(STACK);
});

afterAll(() => {
  if (deployed) terraform(["destroy", "-auto-approve", "-input=false"], 600);
  certificates.remove();
  fs.rmSync(work, { recursive: true, force: true });
});

test("TLS brokers with the user's certificate files deploy to the Swarm; the files are secrets, the key readable by the broker only", () => {
  const app = new App({ outdir: path.join(work, "out"), stackTraces: false });
  buildStack(app);
  app.synth();
  const json = fs.readFileSync(path.join(stackDir, "cdk.tf.json"), "utf8");
  expect(json).not.toMatch(/BEGIN PRIVATE KEY/);
  terraform(["init", "-input=false"], 300);
  deployed = true;
  terraform(["apply", "-auto-approve", "-input=false"]);
  const secrets = JSON.parse(manager(["service", "inspect", `${KAFKA}`]).stdout)[0].Spec.TaskTemplate.ContainerSpec.Secrets;
  const key = secrets.find((s: any) => s.File.Name === "/etc/messaging/tls/key.pem");
  expect(key.File).toMatchObject({ UID: "1000", GID: "1000", Mode: 0o400 });
  // The apps verify against the CA, a secret of their service at the path their settings name.
  for (const [consumer, setting] of [
    [`${STACK}-rabbitmq-consumer`, `RABBITMQ_TLS_CA_FILE=/etc/messaging/tls-ca/${RABBIT}/ca.pem`],
    [`${STACK}-kafka-consumer`, `KAFKA_TLS_CA_FILE=/etc/messaging/tls-ca/${KAFKA}/ca.pem`],
  ]) {
    const spec = JSON.parse(manager(["service", "inspect", consumer]).stdout)[0].Spec.TaskTemplate.ContainerSpec;
    expect(spec.Env).toContain(setting);
    expect(spec.Secrets.map((s: any) => s.File.Name)).toContain(setting.split("=")[1]);
  }
});

test("messages flow through both TLS brokers: the apps verified the brokers' certificates against the CA", async () => {
  for (const consumer of [`${STACK}-rabbitmq-consumer`, `${STACK}-kafka-consumer`]) {
    await waitFor(`${consumer} to receive 100 messages over TLS`, 240, () => (received(consumer) >= 100 ? true : undefined), 5000);
  }
});

test("a second plan is empty; destroy leaves no service, config or secret", async () => {
  expect(terraform(["plan", "-detailed-exitcode", "-input=false", "-no-color"], 300).stdout).toMatch(/No changes/);
  terraform(["destroy", "-auto-approve", "-input=false"], 600);
  deployed = false;
  for (const kind of ["service", "secret", "config"]) {
    expect(
      manager([kind, "ls", "--format", "{{.Name}}"])
        .stdout.split("\n")
        .filter((n) => n.startsWith(`${STACK}-`)),
    ).toEqual([]);
  }
  expect(await removeStackVolumes(STACK)).toEqual([`${KAFKA}-data`, `${RABBIT}-data`]);
});
