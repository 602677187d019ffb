/**
 * rabbitmq-producer and rabbitmq-consumer against a RabbitMQ 4.0 that listens
 * on TLS only (amqps://, a CA and server certificate made with openssl for the
 * test), each app with its own user and permissions for its role only, as the
 * constructs wire them. One container for the file.
 */
import * as amqp from "amqplib";
import { readFileSync } from "fs";
import { createServer, Server } from "net";
import { AppEnv, ConnectionEnv } from "../../constructs/connection-env";
import { AppOnlyEnv } from "../../apps/shared/app-only-env";
import { startTlsRabbitMq, TestTlsRabbitMq } from "../support/brokers";
import { makeTestCertificates, TestCertificates } from "../support/certificates";
import { AppProcesses, bundleApps, distinct } from "./helpers/app-process";

let certificates: TestCertificates;
let broker: TestTlsRabbitMq;
const apps = new AppProcesses();
const QUEUE = "tls-orders";
const users = { producer: "pw-producer-1", consumer: "pw-consumer-1", outsider: "pw-outsider-1" };

jest.setTimeout(60_000);

beforeAll(async () => {
  bundleApps();
  certificates = makeTestCertificates();
  broker = await startTlsRabbitMq(certificates);
  // Permissions by role (configure, write, read): the producer may only write
  // to the default exchange, the consumer only read the queue; the outsider
  // may use the vhost and nothing in it.
  broker.exec(
    [
      ...Object.entries(users).map(([user, password]) => `rabbitmqctl -q add_user ${user} ${password}`),
      `rabbitmqctl -q set_permissions -p / producer '^$' '^amq\\.default$' '^$'`,
      `rabbitmqctl -q set_permissions -p / consumer '^$' '^$' '^${QUEUE}$'`,
      `rabbitmqctl -q set_permissions -p / outsider '^$' '^$' '^$'`,
    ].join(" && "),
  );
  await withChannel((channel) => channel.assertQueue(QUEUE, { durable: true }));
}, 150_000);

afterAll(async () => {
  await apps.stopAll();
  broker?.remove();
  certificates?.remove();
});

async function withChannel<T>(use: (channel: amqp.ConfirmChannel) => Promise<T>): Promise<T> {
  const connection = await amqp.connect(broker.url(broker.admin.username, broker.admin.password), {
    ca: [readFileSync(certificates.caFile)],
  });
  try {
    const channel = await connection.createConfirmChannel();
    const result = await use(channel);
    await channel.waitForConfirms();
    return result;
  } finally {
    await connection.close();
  }
}

const queueDepth = () => withChannel(async (channel) => (await channel.checkQueue(QUEUE)).messageCount);

function tls(url: string, caFile = certificates.caFile): Record<string, string> {
  return {
    [ConnectionEnv.RABBITMQ_URL]: url,
    [ConnectionEnv.RABBITMQ_TLS_CA_FILE]: caFile,
    [AppEnv.STATS_INTERVAL_SECONDS]: "1",
  };
}

function producerEnv(count: number, auth: Record<string, string>): Record<string, string> {
  return {
    ...auth,
    [ConnectionEnv.RABBITMQ_EXCHANGE]: "",
    [ConnectionEnv.RABBITMQ_ROUTING_KEY]: QUEUE,
    [AppEnv.PRODUCER_RATE]: "0",
    [AppEnv.PRODUCER_COUNT]: String(count),
    [AppEnv.MESSAGE_SIZE_BYTES]: "64",
    [AppEnv.EXIT_WHEN_DONE]: "true",
  };
}

function consumerEnv(auth: Record<string, string>): Record<string, string> {
  return { ...auth, [ConnectionEnv.RABBITMQ_QUEUE]: QUEUE, [AppOnlyEnv.LOG_LEVEL]: "debug" };
}

function output(app: { lines: unknown[]; stderr: string }): string {
  return JSON.stringify(app.lines) + app.stderr;
}

/** A port on 127.0.0.1 that accepts TCP and closes at once: a node that is down in a way TLS notices. */
async function deadNode(): Promise<{ port: number; server: Server }> {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return { port: typeof address === "object" && address ? address.port : 0, server };
}

test("amqps:// with RABBITMQ_TLS_CA_FILE: own users deliver every message, walking past a dead node to one named localhost", async () => {
  const dead = await deadNode();
  try {
    const deadUrl = (user: keyof typeof users) => `amqps://${user}:${users[user]}@127.0.0.1:${dead.port}`;
    // The second node by name: the certificate's DNS name is verified as well as its IP address.
    const nodes = (user: keyof typeof users) => `${deadUrl(user)},${broker.url(user, users[user], "localhost")}`;
    const consumer = apps.start("rabbitmq-consumer", consumerEnv(tls(nodes("consumer"))));
    await consumer.waitForEvent("connected", 20_000);
    expect(consumer.events("connected")[0].node).toBe(`localhost:${broker.port}`);
    const producer = apps.start("rabbitmq-producer", producerEnv(200, tls(nodes("producer"))));
    expect(await producer.waitForExit(20_000)).toEqual({ code: 0, signal: null });
    // The dead node in turn fails at once, so the other node is tried at once (RabbitNodes): no backoff, no retry.
    expect(producer.events("connected").map((line) => line.node)).toEqual([`localhost:${broker.port}`]);
    expect(producer.events("reconnect-scheduled")).toEqual([]);
    await consumer.waitFor("200 distinct ids", 20_000, () => distinct(consumer.processedIds()) === 200);
    consumer.kill("SIGTERM");
    expect((await consumer.waitForExit(15_000)).code).toBe(0);
    expect(await queueDepth()).toBe(0);
    expect(output(producer) + output(consumer)).not.toMatch(/pw-(producer|consumer)-1/);
  } finally {
    dead.server.close();
  }
});

test("amqps:// with a CA that did not sign the broker's certificate: the producer refuses to connect, sends nothing, exits 1", async () => {
  const producer = apps.start("rabbitmq-producer", {
    ...producerEnv(10, tls(broker.url("producer", users.producer), certificates.otherCaFile)),
    [AppEnv.BROKER_RETRY_SECONDS]: "2",
  });
  expect((await producer.waitForExit(20_000)).code).toBe(1);
  // Under load the first attempt may outlast the 2 s budget: then the `fatal` line alone carries the reason.
  const errors = [...producer.events("reconnect-scheduled"), ...producer.events("fatal")].map((line) => String(line.error));
  expect(errors[0]).toMatch(/certificate/);
  expect(producer.events("connected")).toEqual([]);
  expect(await queueDepth()).toBe(0);
});

test("a wrong password is an authentication refusal: logged, retried, unhealthy, never echoed", async () => {
  const consumer = apps.start("rabbitmq-consumer", consumerEnv(tls(broker.url("consumer", "not-the-password"))));
  await consumer.waitFor("two refused attempts", 15_000, () => consumer.events("access-refused").length >= 2);
  expect(consumer.events("access-refused")[0]).toEqual(
    expect.objectContaining({
      level: "error",
      refused: "authentication",
      error: expect.stringMatching(/ACCESS_REFUSED - Login was refused/),
    }),
  );
  expect(consumer.events("connected")).toEqual([]);
  expect(consumer.healthy).toBe(false);
  expect(output(consumer)).not.toContain("not-the-password");
  consumer.kill("SIGTERM");
  expect((await consumer.waitForExit(10_000)).code).toBe(0);
});

test("no read permission on the queue is an authorization refusal: nothing consumed or acked, retried until granted", async () => {
  await withChannel(async (channel) => {
    channel.sendToQueue(QUEUE, Buffer.from(JSON.stringify({ id: "x", seq: 0, producer: "test", sentAt: Date.now(), payload: "" })));
  });
  const outsider = apps.start("rabbitmq-consumer", consumerEnv(tls(broker.url("outsider", users.outsider))));
  await outsider.waitFor("two refused attempts", 15_000, () => outsider.events("access-refused").length >= 2);
  expect(outsider.events("access-refused")[0]).toEqual(
    // RabbitMQ 4.3 refuses the consumer's passive declare of a queue it holds no permission on (the message names
    // configure, the first it checks); 4.0 let the declare through and refused the consume (read access).
    expect.objectContaining({
      refused: "authorization",
      error: expect.stringMatching(/403 \(ACCESS-REFUSED\).*access to queue 'tls-orders'/),
    }),
  );
  expect(outsider.events("connected")).toEqual([]);
  expect(outsider.healthy).toBe(false);
  expect(await queueDepth()).toBe(1);

  broker.exec(`rabbitmqctl -q set_permissions -p / outsider '^$' '^$' '^${QUEUE}$'`);
  await outsider.waitFor("the message", 20_000, () => outsider.events("message").length === 1);
  outsider.kill("SIGTERM");
  expect((await outsider.waitForExit(15_000)).code).toBe(0);
  expect(await queueDepth()).toBe(0);
});

test("a producer without write permission is refused at its first publish: backs off, nothing reaches the queue", async () => {
  const outsider = apps.start("rabbitmq-producer", {
    ...producerEnv(5, tls(broker.url("consumer", users.consumer))),
    [AppEnv.BROKER_RETRY_SECONDS]: "3",
  });
  expect((await outsider.waitForExit(20_000)).code).toBe(1);
  const refusals = outsider.events("access-refused");
  expect(refusals[0]).toEqual(
    expect.objectContaining({ refused: "authorization", error: expect.stringMatching(/write access to exchange 'amq.default'/) }),
  );
  // Refused sessions back off like failed connects: a handful in 3 s, not a tight loop.
  expect(refusals.length).toBeLessThan(10);
  expect(outsider.events("shutdown")).toEqual([]);
  expect(outsider.stderr).toMatch(/gave up trying to publish/);
  expect(await queueDepth()).toBe(0);
});
