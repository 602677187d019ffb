/**
 * Throwaway brokers for the apps suite: one container per test file, from the
 * local images, ports published on 127.0.0.1 only, removed in afterAll.
 * Containers carry the label below so a crashed run's leftovers can be found:
 *   docker rm -f $(docker ps -aq --filter label=cdktf-docker-messaging.test=apps)
 */
import { randomBytes } from "crypto";
import { writeFileSync } from "fs";
import { createServer } from "net";
import { kafkaEnvName } from "../../constructs/brokers/kafka/kafka-env";
import { DefaultImages } from "../../constructs/images/default-images";
import { run, waitFor } from "./commands";

export const TEST_LABEL = "cdktf-docker-messaging.test=apps";
// The images the constructs default to: the apps are tested against what a stack deploys.
const RABBITMQ_IMAGE = DefaultImages.rabbitmq;
const KAFKA_IMAGE = DefaultImages.kafka;

export interface TestBroker {
  readonly container: string;
  /** Stops and deletes the container (and its anonymous volumes). */
  remove(): void;
}

export interface TestRabbitMq extends TestBroker {
  /** `amqp://user:pass@127.0.0.1:<port>` as a host process reaches it. */
  readonly url: string;
}

export interface TestKafka extends TestBroker {
  /** `127.0.0.1:<port>`, the listener advertised for host clients. */
  readonly bootstrap: string;
}

function containerName(kind: string): string {
  return `apps-test-${kind}-${process.pid}-${randomBytes(3).toString("hex")}`;
}

function removeContainer(name: string): void {
  run("docker", ["rm", "-f", "-v", name], { okCodes: [0, 1] });
}

/** Runs `docker run -d ...` and returns a remover; removes the container if `ready` fails. */
async function startContainer(name: string, args: string[], ready: () => Promise<void>): Promise<() => void> {
  run("docker", ["run", "-d", "--name", name, "--label", TEST_LABEL, ...args]);
  const remove = () => removeContainer(name);
  try {
    await ready();
  } catch (err) {
    const logs = run("docker", ["logs", "--tail", "40", name], { okCodes: [0, 1] });
    remove();
    throw new Error(`${String(err)}\n--- container logs\n${logs.stdout}${logs.stderr}`);
  }
  return remove;
}

/** The host port Docker picked for `-p 127.0.0.1:0:<containerPort>`. */
function publishedPort(name: string, containerPort: number): number {
  const out = run("docker", ["port", name, `${containerPort}/tcp`]).stdout;
  const match = /127\.0\.0\.1:(\d+)/.exec(out);
  if (!match) throw new Error(`no 127.0.0.1 port published for ${name}:${containerPort}: ${out}`);
  return Number(match[1]);
}

/** A currently free TCP port on 127.0.0.1 (for Kafka, which must know its published port in advance, and an app's METRICS_PORT). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

export async function startRabbitMq(): Promise<TestRabbitMq> {
  const name = containerName("rabbitmq");
  const user = "apps";
  const password = randomBytes(9).toString("base64url");
  const remove = await startContainer(
    name,
    [
      // A fixed hostname is the node name (rabbit@rabbit): RabbitMQ keys its data by it.
      "--hostname",
      "rabbit",
      "-e",
      `RABBITMQ_DEFAULT_USER=${user}`,
      "-e",
      `RABBITMQ_DEFAULT_PASS=${password}`,
      "-p",
      "127.0.0.1:0:5672",
      RABBITMQ_IMAGE,
    ],
    () => rabbitListenersUp(name),
  );
  const port = publishedPort(name, 5672);
  return { container: name, url: `amqp://${user}:${password}@127.0.0.1:${port}`, remove };
}

/** Resolves once the node's listeners accept connections (`ping` answers as soon as the Erlang node runs; the listeners open later). */
async function rabbitListenersUp(name: string): Promise<void> {
  await waitFor("rabbitmq-diagnostics check_port_connectivity", 120, () => {
    run("docker", ["exec", name, "rabbitmq-diagnostics", "-q", "check_port_connectivity"], { timeoutSeconds: 30 });
    return true;
  });
}

export async function startKafka(): Promise<TestKafka> {
  const name = containerName("kafka");
  const port = await freePort();
  const env = {
    KAFKA_NODE_ID: "1",
    KAFKA_PROCESS_ROLES: "broker,controller",
    // PLAINTEXT for the broker itself and the CLI tools inside the container;
    // HOST advertised as the published 127.0.0.1 port for the apps on the host.
    KAFKA_LISTENERS: "PLAINTEXT://:9092,CONTROLLER://:9093,HOST://:9094",
    KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://localhost:9092,HOST://127.0.0.1:${port}`,
    KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,HOST:PLAINTEXT",
    KAFKA_CONTROLLER_LISTENER_NAMES: "CONTROLLER",
    KAFKA_INTER_BROKER_LISTENER_NAME: "PLAINTEXT",
    KAFKA_CONTROLLER_QUORUM_VOTERS: "1@localhost:9093",
    // One broker: internal topics with replication factor 3 would hang consumer groups.
    KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: "1",
    KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: "1",
    KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: "1",
    KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: "0",
    KAFKA_AUTO_CREATE_TOPICS_ENABLE: "false",
    KAFKA_LOG_DIRS: "/tmp/kraft-combined-logs",
    CLUSTER_ID: "5L6g3nShT-eMCtK--X86sw", // a base64url UUID, as kafka-storage.sh random-uuid prints
  };
  const remove = await startContainer(
    name,
    [...Object.entries(env).flatMap(([key, value]) => ["-e", `${key}=${value}`]), "-p", `127.0.0.1:${port}:9094`, KAFKA_IMAGE],
    async () => {
      // Watch the log first (cheap), then ask the broker itself (a JVM start per try).
      await waitFor("Kafka to start", 120, () => (/Kafka Server started/.test(run("docker", ["logs", name]).stdout) ? true : undefined));
      await waitFor("kafka-broker-api-versions", 60, () => {
        run("docker", ["exec", name, "/opt/kafka/bin/kafka-broker-api-versions.sh", "--bootstrap-server", "localhost:9092"], {
          timeoutSeconds: 30,
        });
        return true;
      });
    },
  );
  return { container: name, bootstrap: `127.0.0.1:${port}`, remove };
}

export interface TestSecureKafka extends TestBroker {
  /** `127.0.0.1:<port>`: SASL_PLAINTEXT, SCRAM-SHA-512. */
  readonly saslBootstrap: string;
  /** `127.0.0.1:<port>`: SASL_SSL, SCRAM-SHA-512, the certificate of `certificates`. */
  readonly tlsBootstrap: string;
  /** A super user's SCRAM-SHA-512 credentials, for the test's own admin client. */
  readonly admin: { readonly username: string; readonly password: string };
  /** Runs a shell script in the container (the Kafka CLI tools, which take the PLAINTEXT listener). */
  exec(script: string): string;
}

/**
 * A single-node Kafka with an authorizer, SCRAM-SHA-512 users and ACLs, as the
 * constructs configure it: the host gets a SASL_PLAINTEXT listener and a
 * SASL_SSL one (PEM keystore). The controller and the in-container PLAINTEXT
 * listener (CLI tools, inter-broker) stay on plaintext as User:ANONYMOUS, a
 * super user, unpublished.
 */
export async function startSecureKafka(certificates: { readonly dir: string }): Promise<TestSecureKafka> {
  const name = containerName("kafka-secure");
  const saslPort = await freePort();
  const tlsPort = await freePort();
  const jaas = "org.apache.kafka.common.security.scram.ScramLoginModule required;";
  const admin = { username: "admin", password: randomBytes(9).toString("base64url") };
  const env: Record<string, string> = {
    KAFKA_NODE_ID: "1",
    KAFKA_PROCESS_ROLES: "broker,controller",
    KAFKA_LISTENERS: "PLAINTEXT://:9092,CONTROLLER://:9093,SASL://:9094,TLS://:9095",
    KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://localhost:9092,SASL://127.0.0.1:${saslPort},TLS://127.0.0.1:${tlsPort}`,
    KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL:SASL_PLAINTEXT,TLS:SASL_SSL",
    KAFKA_CONTROLLER_LISTENER_NAMES: "CONTROLLER",
    KAFKA_INTER_BROKER_LISTENER_NAME: "PLAINTEXT",
    KAFKA_CONTROLLER_QUORUM_VOTERS: "1@localhost:9093",
    KAFKA_SASL_ENABLED_MECHANISMS: "SCRAM-SHA-512",
    [kafkaEnvName("listener.name.sasl.scram-sha-512.sasl.jaas.config")]: jaas,
    [kafkaEnvName("listener.name.tls.scram-sha-512.sasl.jaas.config")]: jaas,
    // Kafka's PEM keystore: one file, an unencrypted PKCS#8 key then the certificate chain (no ssl.key.password).
    [kafkaEnvName("listener.name.tls.ssl.keystore.type")]: "PEM",
    [kafkaEnvName("listener.name.tls.ssl.keystore.location")]: "/certs/keystore.pem",
    KAFKA_AUTHORIZER_CLASS_NAME: "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
    KAFKA_SUPER_USERS: `User:ANONYMOUS;User:${admin.username}`,
    KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: "1",
    KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: "1",
    KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: "1",
    KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: "0",
    KAFKA_AUTO_CREATE_TOPICS_ENABLE: "false",
    KAFKA_LOG_DIRS: "/tmp/kraft-combined-logs",
    CLUSTER_ID: "5L6g3nShT-eMCtK--X86sw",
  };
  const exec = (script: string) => run("docker", ["exec", name, "bash", "-c", script], { timeoutSeconds: 90 }).stdout;
  const remove = await startContainer(
    name,
    [
      ...Object.entries(env).flatMap(([key, value]) => ["-e", `${key}=${value}`]),
      "-v",
      `${certificates.dir}:/certs:ro`,
      "-p",
      `127.0.0.1:${saslPort}:9094`,
      "-p",
      `127.0.0.1:${tlsPort}:9095`,
      KAFKA_IMAGE,
    ],
    async () => {
      await waitFor("Kafka to start", 120, () => (/Kafka Server started/.test(run("docker", ["logs", name]).stdout) ? true : undefined));
    },
  );
  try {
    exec(scramUserScript(admin.username, admin.password));
  } catch (err) {
    remove();
    throw err;
  }
  return { container: name, saslBootstrap: `127.0.0.1:${saslPort}`, tlsBootstrap: `127.0.0.1:${tlsPort}`, admin, exec, remove };
}

/** kafka-configs.sh creating (or changing) a SCRAM-SHA-512 user, over the container's PLAINTEXT listener. */
export function scramUserScript(user: string, password: string): string {
  return (
    `/opt/kafka/bin/kafka-configs.sh --bootstrap-server localhost:9092 --alter --entity-type users ` +
    `--entity-name '${user}' --add-config 'SCRAM-SHA-512=[password=${password}]'`
  );
}

/**
 * kafka-acls.sh (this image ships the class, org.apache.kafka.tools.AclCommand,
 * without the script) adding ACLs for one principal, over PLAINTEXT.
 */
export function aclScript(user: string, args: string): string {
  return (
    `/opt/kafka/bin/kafka-run-class.sh org.apache.kafka.tools.AclCommand --bootstrap-server localhost:9092 ` +
    `--add --allow-principal 'User:${user}' ${args}`
  );
}

export interface TestTlsRabbitMq extends TestBroker {
  /** The published AMQPS port on 127.0.0.1 (the plaintext listener is off). */
  readonly port: number;
  /** `amqps://user:pass@<host>:<port>` for a user. */
  url(user: string, password: string, host?: string): string;
  /** The default user (administrator, all permissions on "/"). */
  readonly admin: { readonly username: string; readonly password: string };
  /** Runs a shell script in the container (rabbitmqctl). */
  exec(script: string): string;
}

/** RabbitMQ with TLS only: `listeners.ssl.default = 5671`, `listeners.tcp = none`, the certificate of `certificates`. */
export async function startTlsRabbitMq(certificates: { readonly dir: string }): Promise<TestTlsRabbitMq> {
  const name = containerName("rabbitmq-tls");
  const admin = { username: "apps", password: randomBytes(9).toString("base64url") };
  const conf = [
    "listeners.tcp = none",
    "listeners.ssl.default = 5671",
    "ssl_options.cacertfile = /certs/ca.pem",
    "ssl_options.certfile = /certs/server.pem",
    "ssl_options.keyfile = /certs/server-key.pem",
    "ssl_options.verify = verify_none",
    "ssl_options.fail_if_no_peer_cert = false",
    "",
  ].join("\n");
  const confFile = `${certificates.dir}/20-tls.conf`;
  writeFileSync(confFile, conf, { mode: 0o644 });
  const exec = (script: string) => run("docker", ["exec", name, "bash", "-c", script], { timeoutSeconds: 60 }).stdout;
  const remove = await startContainer(
    name,
    [
      "--hostname",
      "rabbit",
      "-e",
      `RABBITMQ_DEFAULT_USER=${admin.username}`,
      "-e",
      `RABBITMQ_DEFAULT_PASS=${admin.password}`,
      "-v",
      `${certificates.dir}:/certs:ro`,
      "-v",
      `${confFile}:/etc/rabbitmq/conf.d/20-tls.conf:ro`,
      "-p",
      "127.0.0.1:0:5671",
      RABBITMQ_IMAGE,
    ],
    () => rabbitListenersUp(name),
  );
  const port = publishedPort(name, 5671);
  const url = (user: string, password: string, host = "127.0.0.1") =>
    `amqps://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${host}:${port}`;
  return { container: name, port, url, admin, exec, remove };
}
