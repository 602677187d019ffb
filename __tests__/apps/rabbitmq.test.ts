/**
 * rabbitmq-producer and rabbitmq-consumer against a real RabbitMQ 4.0 in
 * the local Docker engine (one container for the whole file).
 */
import * as amqp from "amqplib";
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { AppEnv, ConnectionEnv } from "../../constructs/connection-env";
import { AppOnlyEnv } from "../../apps/shared/app-only-env";
import { createEnvelope, encodeEnvelope } from "../../apps/shared/envelope";
import { run } from "../support/commands";
import { startRabbitMq, TestRabbitMq } from "../support/brokers";
import { AppProcesses, bundleApps, distinct, metricsPortEnv } from "./helpers/app-process";

let broker: TestRabbitMq;
const apps = new AppProcesses();

// Every test is bounded (the project's testTimeout does not reach tests: Jest reads it only globally).
jest.setTimeout(60_000);

beforeAll(async () => {
  bundleApps();
  broker = await startRabbitMq();
}, 150_000);

afterAll(async () => {
  await apps.stopAll();
  broker?.remove();
});

/**
 * A test's own short-lived connection (one test closes every connection on
 * purpose). A confirm channel, waited on before closing: a plain publish
 * followed at once by close() can be dropped.
 */
async function withChannel<T>(use: (channel: amqp.ConfirmChannel) => Promise<T>): Promise<T> {
  const connection = await amqp.connect(broker.url);
  try {
    const channel = await connection.createConfirmChannel();
    const result = await use(channel);
    await channel.waitForConfirms();
    return result;
  } finally {
    await connection.close();
  }
}

/** Declares a fresh durable queue (the topology is the broker construct's job, not the apps'). */
function declareQueue(name: string, args: Record<string, unknown> = {}): Promise<string> {
  return withChannel(async (channel) => (await channel.assertQueue(name, { durable: true, arguments: args })).queue);
}

function queueDepth(name: string): Promise<number> {
  return withChannel(async (channel) => (await channel.checkQueue(name)).messageCount);
}

function producerEnv(queue: string, count: number, extra: Record<string, string> = {}): Record<string, string> {
  return {
    [ConnectionEnv.RABBITMQ_URL]: broker.url,
    [ConnectionEnv.RABBITMQ_EXCHANGE]: "",
    [ConnectionEnv.RABBITMQ_ROUTING_KEY]: queue,
    [AppEnv.PRODUCER_RATE]: "0",
    [AppEnv.PRODUCER_COUNT]: String(count),
    [AppEnv.MESSAGE_SIZE_BYTES]: "128",
    [AppEnv.EXIT_WHEN_DONE]: "true",
    [AppEnv.STATS_INTERVAL_SECONDS]: "1",
    ...extra,
  };
}

function consumerEnv(queue: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    [ConnectionEnv.RABBITMQ_URL]: broker.url,
    [ConnectionEnv.RABBITMQ_QUEUE]: queue,
    [AppEnv.STATS_INTERVAL_SECONDS]: "1",
    [AppOnlyEnv.LOG_LEVEL]: "debug", // one `message` line per processed message: the ids we count
    ...extra,
  };
}

/** Runs a producer to completion (EXIT_WHEN_DONE) and checks it confirmed all `count`. */
async function produce(queue: string, count: number): Promise<void> {
  const producer = apps.start("rabbitmq-producer", producerEnv(queue, count));
  expect(await producer.waitForExit(30_000)).toEqual({ code: 0, signal: null });
  expect(producer.events("done")).toEqual([expect.objectContaining({ confirmed: count })]);
}

test("delivers every message: 500 confirmed by the producer are 500 distinct ids acked by the consumer, as the logs and the metrics say", async () => {
  const queue = await declareQueue("e2e-500");
  const consumer = apps.start("rabbitmq-consumer", consumerEnv(queue, await metricsPortEnv()));
  await consumer.waitForEvent("connected", 10_000);
  expect(consumer.healthy).toBe(true);

  // Idle once done (the containers' default), so that its metrics can be read.
  const producer = apps.start(
    "rabbitmq-producer",
    producerEnv(queue, 500, { [AppEnv.EXIT_WHEN_DONE]: "false", ...(await metricsPortEnv()) }),
  );
  await consumer.waitFor("500 distinct ids", 30_000, () => distinct(consumer.processedIds()) === 500);

  await producer.waitForEvent("done", 10_000);
  const produced = await producer.scrape();
  expect(produced.value("messaging_app_messages_sent_total")).toBeGreaterThanOrEqual(500);
  expect(produced.value("messaging_app_messages_confirmed_total")).toBe(500);
  expect(produced.value("messaging_app_messages_resent_total")).toBe(0);
  expect(produced.value("messaging_app_broker_connected")).toBe(1);
  producer.kill("SIGTERM");
  expect(await producer.waitForExit(10_000)).toEqual({ code: 0, signal: null });
  const done = producer.events("done");
  expect(done).toEqual([expect.objectContaining({ sent: 500, confirmed: 500, refused: 0 })]);
  // The producer's `stats` lines are what a benchmark reads.
  expect(producer.events("stats").at(-1)).toEqual(
    expect.objectContaining({ confirmed: 500, latencyKind: "confirm", intervalSeconds: expect.any(Number) }),
  );
  const seqs = consumer.events("message").map((line) => line.seq as number);
  expect(new Set(seqs)).toEqual(new Set(Array.from({ length: 500 }, (_, i) => i)));

  const consumed = await consumer.scrape();
  expect(consumed.value("messaging_app_messages_received_total")).toBe(500);
  expect(consumed.value("messaging_app_messages_acked_total")).toBe(500);
  expect(consumed.value("messaging_app_messages_duplicates_total")).toBe(0);
  expect(consumed.value("messaging_app_messages_dead_lettered_total")).toBe(0);
  expect(consumed.value("messaging_app_end_to_end_latency_seconds_count")).toBe(500);
  // Every message took more than nothing and (a local broker) well under 10 s on average.
  const latencySum = consumed.value("messaging_app_end_to_end_latency_seconds_sum")!;
  expect(latencySum).toBeGreaterThan(0);
  expect(latencySum / 500).toBeLessThan(10);
  expect(consumed.value("messaging_app_end_to_end_latency_seconds_bucket", { le: "+Inf" })).toBe(500);
  expect(consumed.value("messaging_app_broker_connected")).toBe(1);
  expect(consumed.value("process_cpu_seconds_total")).toBeGreaterThan(0);

  consumer.kill("SIGTERM");
  expect(await consumer.waitForExit(10_000)).toEqual({ code: 0, signal: null });
  expect(consumer.events("shutdown")).toEqual([expect.objectContaining({ received: 500, acked: 500, duplicates: 0 })]);
  const lastStats = consumer.events("stats").at(-1)!;
  expect(lastStats).toEqual(expect.objectContaining({ acked: 500, latencyKind: "end-to-end" }));
  expect(consumer.healthy).toBe(false);
  expect(await queueDepth(queue)).toBe(0);
});

test("reads RABBITMQ_URL from RABBITMQ_URL_FILE (a docker secret on a Swarm): 100 messages flow, the password never logged", async () => {
  const queue = await declareQueue("e2e-url-file");
  // As `docker secret create` from `echo` stores it: one trailing newline.
  const urlFile = path.join(mkdtempSync(path.join(tmpdir(), "rabbitmq-secret-")), "rabbitmq-url");
  writeFileSync(urlFile, `${broker.url}\n`, { mode: 0o600 });
  const fromFile = (env: Record<string, string>) => {
    const only: Record<string, string> = { ...env, [ConnectionEnv.RABBITMQ_URL_FILE]: urlFile };
    delete only[ConnectionEnv.RABBITMQ_URL];
    return only;
  };
  const consumer = apps.start("rabbitmq-consumer", fromFile(consumerEnv(queue)));
  await consumer.waitForEvent("connected", 10_000);
  const producer = apps.start("rabbitmq-producer", fromFile(producerEnv(queue, 100)));
  expect(await producer.waitForExit(30_000)).toEqual({ code: 0, signal: null });
  await consumer.waitFor("100 distinct ids", 30_000, () => distinct(consumer.processedIds()) === 100);
  consumer.kill("SIGTERM");
  expect((await consumer.waitForExit(10_000)).code).toBe(0);
  const password = new URL(broker.url).password;
  expect(producer.events("starting")[0]).toEqual(expect.objectContaining({ urls: [expect.stringContaining(":***@")] }));
  for (const app of [producer, consumer]) expect(JSON.stringify(app.lines) + app.stderr).not.toContain(password);
  rmSync(path.dirname(urlFile), { recursive: true, force: true });
});

test("paces publishing to PRODUCER_RATE: 300 messages at 200/s take about 1.5 s, then done", async () => {
  const queue = await declareQueue("rate-200");
  const producer = apps.start("rabbitmq-producer", producerEnv(queue, 300, { [AppEnv.PRODUCER_RATE]: "200" }));
  const connected = await producer.waitForEvent("connected", 10_000);
  const done = await producer.waitForEvent("done", 10_000);
  const seconds = (Date.parse(done.ts) - Date.parse(connected.ts)) / 1000;
  expect(seconds).toBeGreaterThan(1.3);
  expect(seconds).toBeLessThan(2.5);
  // A full interval's rate is the configured one.
  const fullIntervals = producer.events("stats").filter((line) => line.intervalSeconds === 1 && line.sent < 300);
  for (const line of fullIntervals) expect(line.sentPerSec).toBeGreaterThanOrEqual(180);
  expect((await producer.waitForExit(5000)).code).toBe(0);
  expect(await queueDepth(queue)).toBe(300);
});

test("does not count an unroutable message as sent: it is re-sent until a queue is bound, then confirmed", async () => {
  // The producer starts before its queue exists (start order is not guaranteed).
  const producer = apps.start(
    "rabbitmq-producer",
    producerEnv("not-yet-declared", 5, { [AppEnv.EXIT_WHEN_DONE]: "false", ...(await metricsPortEnv()) }),
  );
  const unroutable = await producer.waitForEvent("unroutable", 10_000);
  expect(unroutable).toEqual(expect.objectContaining({ routingKey: "not-yet-declared" }));
  expect(producer.events("done")).toEqual([]);

  await declareQueue("not-yet-declared");
  const done = await producer.waitForEvent("done", 10_000);
  expect(done).toEqual(expect.objectContaining({ confirmed: 5 }));
  expect(done.refused).toBeGreaterThanOrEqual(5);
  // The metrics count the re-sends as the log does: every send, once confirmed 5.
  const metrics = await producer.scrape();
  expect(metrics.value("messaging_app_messages_confirmed_total")).toBe(5);
  expect(metrics.value("messaging_app_messages_resent_total")).toBe(done.republished);
  expect(metrics.value("messaging_app_messages_resent_total")).toBeGreaterThanOrEqual(5);
  expect(metrics.value("messaging_app_messages_sent_total")).toBe(5 + done.republished);
  producer.kill("SIGTERM");
  expect(await producer.waitForExit(10_000)).toEqual({ code: 0, signal: null });
  expect(await queueDepth("not-yet-declared")).toBe(5);
});

test("rejects a queue or exchange that does not exist: exits 1 naming it once BROKER_RETRY_SECONDS are spent", async () => {
  const consumer = apps.start("rabbitmq-consumer", consumerEnv("no-such-queue", { [AppEnv.BROKER_RETRY_SECONDS]: "2" }));
  const producer = apps.start(
    "rabbitmq-producer",
    producerEnv("q", 1, { [ConnectionEnv.RABBITMQ_EXCHANGE]: "no-such-exchange", [AppEnv.BROKER_RETRY_SECONDS]: "2" }),
  );
  expect((await consumer.waitForExit(10_000)).code).toBe(1);
  expect((await producer.waitForExit(10_000)).code).toBe(1);
  expect(consumer.stderr).toMatch(/NOT_FOUND - no queue 'no-such-queue'/);
  expect(producer.stderr).toMatch(/NOT_FOUND - no exchange 'no-such-exchange'/);
  expect(consumer.events("connected")).toEqual([]);
});

test("loses nothing when a consumer is killed with SIGKILL mid-stream: a new consumer gets the rest", async () => {
  const queue = await declareQueue("sigkill-500");
  await produce(queue, 500);

  // 10 ms of work a message, 50 prefetched: ~50 unacked in flight when killed.
  const first = apps.start(
    "rabbitmq-consumer",
    consumerEnv(queue, { [AppOnlyEnv.CONSUMER_WORK_MS]: "10", [AppEnv.CONSUMER_PREFETCH]: "50" }),
  );
  await first.waitFor("100 acked", 30_000, () => first.events("message").length >= 100);
  first.kill("SIGKILL");
  expect(await first.waitForExit(5000)).toEqual({ code: null, signal: "SIGKILL" });
  expect(distinct(first.processedIds())).toBeLessThan(500);

  const second = apps.start("rabbitmq-consumer", consumerEnv(queue));
  await second.waitFor("every id across both consumers", 30_000, () =>
    distinct([...first.processedIds(), ...second.processedIds()]) === 500 ? true : undefined,
  );
  // What the killed consumer held unacked came back flagged as redelivered.
  await second.waitForEvent("stats", 5000, (line) => line.redelivered > 0);
  second.kill("SIGTERM");
  expect((await second.waitForExit(10_000)).code).toBe(0);
  expect(await queueDepth(queue)).toBe(0);
});

test("SIGTERM to a consumer finishes and acks its in-flight messages, logs shutdown and exits 0", async () => {
  const queue = await declareQueue("sigterm-consumer");
  await produce(queue, 300);

  // 300 ms of work a message, 20 prefetched: 20 in flight at any moment.
  const consumer = apps.start(
    "rabbitmq-consumer",
    consumerEnv(queue, { [AppOnlyEnv.CONSUMER_WORK_MS]: "300", [AppEnv.CONSUMER_PREFETCH]: "20" }),
  );
  await consumer.waitFor("some acked", 15_000, () => consumer.events("message").length >= 20);
  consumer.kill("SIGTERM");
  expect(await consumer.waitForExit(10_000)).toEqual({ code: 0, signal: null });

  const [shutdown] = consumer.events("shutdown");
  expect(shutdown).toEqual(expect.objectContaining({ reason: "SIGTERM" }));
  // Every delivery it took was processed and acked: nothing was abandoned mid-work.
  expect(shutdown.acked).toBe(shutdown.received);
  expect(consumer.events("drain-timeout")).toEqual([]);
  // ... and the broker agrees: exactly the unprocessed rest is still queued.
  expect(await queueDepth(queue)).toBe(300 - distinct(consumer.processedIds()));
});

test("SIGTERM to a producer waits for the outstanding confirms, logs shutdown and exits 0", async () => {
  const queue = await declareQueue("sigterm-producer");
  // Endless and unthrottled: up to 1000 unconfirmed at the moment of the signal.
  const producer = apps.start("rabbitmq-producer", producerEnv(queue, 0, { [AppEnv.EXIT_WHEN_DONE]: "false" }));
  await producer.waitForEvent("stats", 15_000, (line) => line.confirmed > 1000);
  producer.kill("SIGTERM");
  expect(await producer.waitForExit(10_000)).toEqual({ code: 0, signal: null });

  const [shutdown] = producer.events("shutdown");
  expect(shutdown).toEqual(expect.objectContaining({ reason: "SIGTERM", unconfirmed: 0 }));
  expect(shutdown.confirmed).toBe(shutdown.sent);
  expect(producer.healthy).toBe(false);
  // Everything confirmed is in the queue.
  expect(await queueDepth(queue)).toBe(shutdown.confirmed);
});

describe.each([
  ["classic", { "x-queue-type": "classic" }],
  ["quorum", { "x-queue-type": "quorum" }],
])("poison messages on a %s queue", (kind, queueArgs) => {
  test(`rejects a message that fails CONSUMER_MAX_DELIVERIES=3 times: the ${kind} queue's dead-letter exchange takes it`, async () => {
    const deadLetterExchange = `dlx-${kind}`;
    const deadLetters = await declareQueue(`dead-letters-${kind}`);
    const queue = await declareQueue(`work-${kind}`, { ...queueArgs, "x-dead-letter-exchange": deadLetterExchange });
    const good = Array.from({ length: 10 }, (_, seq) => createEnvelope(seq, "test", 16));
    const poison = { ...createEnvelope(10, "test", 16), payload: "this one is POISON" };
    await withChannel(async (channel) => {
      await channel.assertExchange(deadLetterExchange, "fanout", { durable: true });
      await channel.bindQueue(deadLetters, deadLetterExchange, "");
      for (const envelope of [...good, poison]) {
        channel.sendToQueue(queue, encodeEnvelope(envelope), { persistent: true, messageId: envelope.id });
      }
    });

    const consumer = apps.start(
      "rabbitmq-consumer",
      consumerEnv(queue, {
        [AppOnlyEnv.CONSUMER_FAIL_MARKER]: "POISON",
        [AppEnv.CONSUMER_MAX_DELIVERIES]: "3",
        ...(await metricsPortEnv()),
      }),
    );
    const deadLettered = await consumer.waitForEvent("dead-lettered", 20_000);
    expect(deadLettered).toEqual(expect.objectContaining({ id: poison.id, deliveries: 3 }));
    await consumer.waitFor("the 10 good ones", 10_000, () => distinct(consumer.processedIds()) === 10);
    const metrics = await consumer.scrape();
    expect(metrics.value("messaging_app_messages_dead_lettered_total")).toBe(1);
    expect(metrics.value("messaging_app_messages_received_total")).toBe(13);
    expect(metrics.value("messaging_app_messages_redelivered_total")).toBe(2);
    expect(metrics.value("messaging_app_messages_acked_total")).toBe(10);
    // Only processed messages are latency samples: not the poison one.
    expect(metrics.value("messaging_app_end_to_end_latency_seconds_count")).toBe(10);

    // Within a second the dead-letter queue holds the poison message, with RabbitMQ's x-death record.
    const dead = await withChannel(async (channel) => {
      for (let i = 0; i < 20; i++) {
        const message = await channel.get(deadLetters, { noAck: true });
        if (message) return message;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return false;
    });
    expect(dead).not.toBe(false);
    const message = dead as amqp.GetMessage;
    expect(JSON.parse(message.content.toString()).id).toBe(poison.id);
    expect(message.properties.headers?.["x-death"]?.[0]).toEqual(expect.objectContaining({ reason: "rejected", queue }));

    consumer.kill("SIGTERM");
    expect((await consumer.waitForExit(10_000)).code).toBe(0);
    expect(consumer.events("shutdown")).toEqual([expect.objectContaining({ acked: 10, deadLettered: 1, received: 13, redelivered: 2 })]);
    expect(await queueDepth(queue)).toBe(0);
  });
});

test("re-sends what a dropped connection left unconfirmed: both apps reconnect and all 3000 ids arrive", async () => {
  const queue = await declareQueue("connection-drop");
  const consumer = apps.start("rabbitmq-consumer", consumerEnv(queue));
  await consumer.waitForEvent("connected", 10_000);
  // 500 msg/s for 6 s: the drop (rabbitmqctl takes a second or two to start) lands mid-stream.
  const producer = apps.start("rabbitmq-producer", producerEnv(queue, 3000, { [AppEnv.PRODUCER_RATE]: "500" }));
  await producer.waitForEvent("stats", 10_000, (line) => line.confirmed >= 250);

  run("docker", ["exec", broker.container, "rabbitmqctl", "close_all_connections", "test: connection drop"]);

  await producer.waitForEvent("disconnected", 10_000);
  await consumer.waitForEvent("disconnected", 10_000);
  expect(await producer.waitForExit(30_000)).toEqual({ code: 0, signal: null });
  expect(producer.events("connected")).toHaveLength(2);
  expect(producer.events("done")).toEqual([expect.objectContaining({ confirmed: 3000 })]);
  await consumer.waitFor("3000 distinct ids", 30_000, () => distinct(consumer.processedIds()) === 3000);
  expect(consumer.events("connected")).toHaveLength(2);
  consumer.kill("SIGTERM");
  expect((await consumer.waitForExit(10_000)).code).toBe(0);
  expect(await queueDepth(queue)).toBe(0);
});
