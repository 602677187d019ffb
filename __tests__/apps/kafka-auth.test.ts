/**
 * kafka-producer and kafka-consumer against a Kafka 4.4 with an authorizer:
 * each app with its own SCRAM-SHA-512 user and ACLs for its role only, as
 * the constructs wire them, over SASL_PLAINTEXT and over SASL_SSL (a CA and
 * server certificate made with openssl for the test). One container for the file.
 */
import { Admin, Kafka, logLevel } from "kafkajs";
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { AppEnv, ConnectionEnv } from "../../constructs/connection-env";
import { AppOnlyEnv } from "../../apps/shared/app-only-env";
import { aclScript, scramUserScript, startSecureKafka, TestSecureKafka } from "../support/brokers";
import { makeTestCertificates, TestCertificates } from "../support/certificates";
import { AppProcesses, bundleApps, distinct } from "./helpers/app-process";
import * as topics from "./helpers/kafka-topics";

let certificates: TestCertificates;
let broker: TestSecureKafka;
let admin: Admin;
const apps = new AppProcesses();
const users = { producer: "pw-producer-1", consumer: "pw-consumer-1", reader: "pw-reader-1" };

jest.setTimeout(60_000);

beforeAll(async () => {
  bundleApps();
  certificates = makeTestCertificates();
  broker = await startSecureKafka(certificates);
  // One JVM per tool run: run them side by side. Prefixed ACLs cover every topic and group of this file.
  broker.exec(
    [
      ...Object.entries(users).map(([user, password]) => scramUserScript(user, password)),
      aclScript("producer", "--operation Write --resource-pattern-type prefixed --topic auth-"),
      aclScript("consumer", "--operation Read --resource-pattern-type prefixed --topic auth- --group auth-"),
      // The reader may read the topics but not use any group.
      aclScript("reader", "--operation Read --resource-pattern-type prefixed --topic auth-"),
    ]
      .map((command) => `(${command} >/dev/null) &`)
      .join("\n") + "\nwait",
  );
  const kafka = new Kafka({
    clientId: "apps-test",
    brokers: [broker.saslBootstrap],
    sasl: { mechanism: "scram-sha-512", ...broker.admin },
    logLevel: logLevel.NOTHING,
  });
  admin = kafka.admin();
  await admin.connect();
}, 150_000);

afterAll(async () => {
  await apps.stopAll();
  await admin?.disconnect().catch(() => undefined);
  broker?.remove();
  certificates?.remove();
});

const createTopic = (topic: string) => topics.createTopic(admin, topic, 2);
const messagesInTopic = (topic: string) => topics.messagesInTopic(admin, topic);
const committed = (groupId: string, topic: string) => topics.committed(admin, groupId, topic);

function sasl(user: string, password: string, bootstrap = broker.saslBootstrap): Record<string, string> {
  return {
    [ConnectionEnv.KAFKA_BOOTSTRAP_SERVERS]: bootstrap,
    [ConnectionEnv.KAFKA_SASL_USERNAME]: user,
    [ConnectionEnv.KAFKA_SASL_PASSWORD]: password,
    [AppEnv.STATS_INTERVAL_SECONDS]: "1",
  };
}

function producerEnv(topic: string, count: number, auth: Record<string, string>): Record<string, string> {
  return {
    ...auth,
    [ConnectionEnv.KAFKA_TOPIC]: topic,
    [AppEnv.PRODUCER_RATE]: "0",
    [AppEnv.PRODUCER_COUNT]: String(count),
    [AppEnv.MESSAGE_SIZE_BYTES]: "64",
    [AppEnv.EXIT_WHEN_DONE]: "true",
  };
}

function consumerEnv(topic: string, groupId: string, auth: Record<string, string>): Record<string, string> {
  return { ...auth, [ConnectionEnv.KAFKA_TOPIC]: topic, [ConnectionEnv.KAFKA_GROUP_ID]: groupId, [AppOnlyEnv.LOG_LEVEL]: "debug" };
}

/** Every line an app wrote, to check that no password leaked into the logs. */
function output(app: { lines: unknown[]; stderr: string }): string {
  return JSON.stringify(app.lines) + app.stderr;
}

test("SASL: producer and consumer, each with its own user and ACLs, deliver and commit every message", async () => {
  const topic = await createTopic("auth-sasl");
  const consumer = apps.start("kafka-consumer", consumerEnv(topic, "auth-sasl", sasl("consumer", users.consumer)));
  await consumer.waitForEvent("connected", 30_000);
  expect(consumer.events("starting")[0]).toEqual(expect.objectContaining({ saslUsername: "consumer", tlsCaFile: null }));
  const producer = apps.start("kafka-producer", producerEnv(topic, 200, sasl("producer", users.producer)));
  expect(await producer.waitForExit(30_000)).toEqual({ code: 0, signal: null });
  await consumer.waitFor("200 distinct ids", 30_000, () => distinct(consumer.processedIds()) === 200);
  // The stall watch (stall-watch.ts) reads the topic's and the group's offsets with the consumer's own ACLs.
  await consumer.waitForEvent("stall-watch-ready", 15_000);
  expect(consumer.events("stall-check-failed")).toEqual([]);
  consumer.kill("SIGTERM");
  expect((await consumer.waitForExit(15_000)).code).toBe(0);
  expect(await committed("auth-sasl", topic)).toBe(200);
  expect(output(producer) + output(consumer)).not.toMatch(/pw-(producer|consumer)-1/);
});

test("SASL: the password from KAFKA_SASL_PASSWORD_FILE (a docker secret on a Swarm) authenticates both apps; it is never logged", async () => {
  const topic = await createTopic("auth-file");
  const secrets = mkdtempSync(path.join(tmpdir(), "kafka-secret-"));
  // Only the _FILE form: as `docker secret create` from `echo` stores it, with one trailing newline.
  const fromFile = (user: keyof typeof users) => {
    const file = path.join(secrets, user);
    writeFileSync(file, `${users[user]}\n`, { mode: 0o600 });
    const env: Record<string, string> = { ...sasl(user, users[user]), [ConnectionEnv.KAFKA_SASL_PASSWORD_FILE]: file };
    delete env[ConnectionEnv.KAFKA_SASL_PASSWORD];
    return env;
  };
  const consumer = apps.start("kafka-consumer", consumerEnv(topic, "auth-file", fromFile("consumer")));
  await consumer.waitForEvent("connected", 30_000);
  const producer = apps.start("kafka-producer", producerEnv(topic, 50, fromFile("producer")));
  expect(await producer.waitForExit(30_000)).toEqual({ code: 0, signal: null });
  await consumer.waitFor("50 distinct ids", 30_000, () => distinct(consumer.processedIds()) === 50);
  consumer.kill("SIGTERM");
  expect((await consumer.waitForExit(15_000)).code).toBe(0);
  expect(await committed("auth-file", topic)).toBe(50);
  expect(output(producer) + output(consumer)).not.toMatch(/pw-(producer|consumer)-1/);
  rmSync(secrets, { recursive: true, force: true });
});

test("SASL: a wrong password and an unknown user are authentication refusals; the app retries and works once the user exists", async () => {
  const topic = await createTopic("auth-late");
  const wrong = apps.start("kafka-consumer", consumerEnv(topic, "auth-late", sasl("consumer", "not-the-password")));
  const late = apps.start("kafka-producer", producerEnv(topic, 50, sasl("late", "pw-late-1")));
  for (const app of [wrong, late]) {
    await app.waitFor("two refused attempts", 15_000, () => app.events("access-refused").length >= 2);
    expect(app.events("access-refused")[0]).toEqual(
      // kafkajs (the consumer) and @platformatic/kafka (the producer) each in their words.
      expect.objectContaining({
        level: "error",
        refused: "authentication",
        error: expect.stringMatching(/SASL SCRAM SHA512 authentication failed|SASL authentication failed/),
      }),
    );
    expect(app.events("connected")).toEqual([]);
    expect(app.healthy).toBe(false);
  }
  expect(output(wrong)).not.toContain("not-the-password");
  wrong.kill("SIGTERM");
  expect((await wrong.waitForExit(10_000)).code).toBe(0);

  // The wiring catches up: the user and its ACL appear while the producer retries.
  broker.exec(
    `${scramUserScript("late", "pw-late-1")} >/dev/null && ${aclScript("late", `--operation Write --topic ${topic}`)} >/dev/null`,
  );
  expect(await late.waitForExit(40_000)).toEqual({ code: 0, signal: null });
  expect(late.events("done")).toEqual([expect.objectContaining({ confirmed: 50 })]);
  expect(output(late)).not.toContain("pw-late-1");
  expect(await messagesInTopic(topic)).toBe(50);
});

test("SASL: a consumer without Read on its group logs an authorization refusal, stays unhealthy and commits nothing", async () => {
  const topic = await createTopic("auth-nogroup");
  const producer = apps.start("kafka-producer", producerEnv(topic, 20, sasl("producer", users.producer)));
  expect((await producer.waitForExit(30_000)).code).toBe(0);

  const reader = apps.start("kafka-consumer", consumerEnv(topic, "auth-nogroup", sasl("reader", users.reader)));
  await reader.waitFor("two refused attempts", 15_000, () => reader.events("access-refused").length >= 2);
  expect(reader.events("access-refused")[0]).toEqual(
    expect.objectContaining({ refused: "authorization", error: expect.stringMatching(/Group authorization failed/) }),
  );
  expect(reader.events("connected")).toEqual([]);
  expect(reader.processedIds()).toEqual([]);
  expect(reader.healthy).toBe(false);
  reader.kill("SIGTERM");
  expect((await reader.waitForExit(10_000)).code).toBe(0);
  expect(await committed("auth-nogroup", topic)).toBe(0);
});

test("TLS: over SASL_SSL with KAFKA_TLS_CA_FILE the apps verify the broker and messages flow", async () => {
  const topic = await createTopic("auth-tls");
  const tls = (user: keyof typeof users) => ({
    ...sasl(user, users[user], broker.tlsBootstrap),
    [ConnectionEnv.KAFKA_TLS_CA_FILE]: certificates.caFile,
  });
  const consumer = apps.start("kafka-consumer", consumerEnv(topic, "auth-tls", tls("consumer")));
  await consumer.waitForEvent("connected", 30_000);
  const producer = apps.start("kafka-producer", producerEnv(topic, 100, tls("producer")));
  expect(await producer.waitForExit(30_000)).toEqual({ code: 0, signal: null });
  await consumer.waitFor("100 distinct ids", 30_000, () => distinct(consumer.processedIds()) === 100);
  consumer.kill("SIGTERM");
  expect((await consumer.waitForExit(15_000)).code).toBe(0);
  expect(await committed("auth-tls", topic)).toBe(100);
});

test("TLS: with a CA that did not sign the broker's certificate the producer refuses to connect, sends nothing, exits 1", async () => {
  const topic = await createTopic("auth-tls-wrong-ca");
  const producer = apps.start("kafka-producer", {
    ...producerEnv(topic, 10, sasl("producer", users.producer, broker.tlsBootstrap)),
    [ConnectionEnv.KAFKA_TLS_CA_FILE]: certificates.otherCaFile,
    [AppEnv.BROKER_RETRY_SECONDS]: "2",
  });
  expect((await producer.waitForExit(20_000)).code).toBe(1);
  // Under load the first attempt may outlast the 2 s budget: then the `fatal` line alone carries the reason.
  const errors = [...producer.events("reconnect-scheduled"), ...producer.events("fatal")].map((line) => String(line.error));
  expect(errors[0]).toMatch(/certificate/);
  expect(producer.events("access-refused")).toEqual([]);
  expect(producer.events("connected")).toEqual([]);
  expect(await messagesInTopic(topic)).toBe(0);
});
