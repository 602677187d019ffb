/**
 * kafka-producer and kafka-consumer against a real single-node KRaft Kafka
 * 4.1 in the local Docker engine (one container for the whole file).
 */
import { Admin, Kafka, logLevel } from "kafkajs";
import { AppEnv, ConnectionEnv } from "../../constructs/connection-env";
import { AppOnlyEnv } from "../../apps/shared/app-only-env";
import { createEnvelope, encodeEnvelope } from "../../apps/shared/envelope";
import { run } from "../support/commands";
import { startKafka, TestKafka } from "../support/brokers";
import { AppProcesses, bundleApps, distinct, metricsPortEnv } from "./helpers/app-process";
import { Scrape } from "../support/prometheus-text";
import * as topics from "./helpers/kafka-topics";

let broker: TestKafka;
let kafka: Kafka;
let admin: Admin;
const apps = new AppProcesses();

// Every test is bounded (the project's testTimeout does not reach tests: Jest reads it only globally).
jest.setTimeout(90_000);

beforeAll(async () => {
  bundleApps();
  broker = await startKafka();
  kafka = new Kafka({ clientId: "apps-test", brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  admin = kafka.admin();
  await admin.connect();
}, 150_000);

afterAll(async () => {
  await apps.stopAll();
  await admin?.disconnect().catch(() => undefined);
  broker?.remove();
});

const createTopic = (topic: string, partitions = 4) => topics.createTopic(admin, topic, partitions);
const messagesInTopic = (topic: string) => topics.messagesInTopic(admin, topic);
const committed = (groupId: string, topic: string) => topics.committed(admin, groupId, topic);

function producerEnv(topic: string, count: number, extra: Record<string, string> = {}): Record<string, string> {
  return {
    [ConnectionEnv.KAFKA_BOOTSTRAP_SERVERS]: broker.bootstrap,
    [ConnectionEnv.KAFKA_TOPIC]: topic,
    [AppEnv.PRODUCER_RATE]: "0",
    [AppEnv.PRODUCER_COUNT]: String(count),
    [AppEnv.MESSAGE_SIZE_BYTES]: "128",
    [AppEnv.EXIT_WHEN_DONE]: "true",
    [AppEnv.STATS_INTERVAL_SECONDS]: "1",
    ...extra,
  };
}

function consumerEnv(topic: string, groupId: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    [ConnectionEnv.KAFKA_BOOTSTRAP_SERVERS]: broker.bootstrap,
    [ConnectionEnv.KAFKA_TOPIC]: topic,
    [ConnectionEnv.KAFKA_GROUP_ID]: groupId,
    [AppEnv.STATS_INTERVAL_SECONDS]: "1",
    [AppOnlyEnv.LOG_LEVEL]: "debug", // one `message` line per processed message: the ids we count
    ...extra,
  };
}

/** The lag gauge's series: partition -> messages behind. */
function lagByPartition(metrics: Scrape, topic: string): Record<string, number> {
  const series = metrics.series("messaging_app_consumer_lag_messages");
  for (const sample of series) expect(sample.labels.topic).toBe(topic);
  return Object.fromEntries(series.map((sample) => [sample.labels.partition, sample.value]));
}

async function produce(topic: string, count: number): Promise<void> {
  const producer = apps.start("kafka-producer", producerEnv(topic, count));
  expect(await producer.waitForExit(30_000)).toEqual({ code: 0, signal: null });
  expect(producer.events("done")).toEqual([expect.objectContaining({ confirmed: count })]);
}

test("delivers every message: 500 acked by the producer are 500 distinct ids processed and committed, as the logs and the metrics say", async () => {
  const topic = await createTopic("e2e-500");
  const consumer = apps.start("kafka-consumer", consumerEnv(topic, "e2e", await metricsPortEnv()));
  await consumer.waitForEvent("connected", 30_000);
  expect(consumer.events("group-joined")).toEqual([expect.objectContaining({ partitions: [0, 1, 2, 3] })]);
  expect(consumer.healthy).toBe(true);

  // Idle once done (the containers' default), so that its metrics can be read.
  const producer = apps.start("kafka-producer", producerEnv(topic, 500, { [AppEnv.EXIT_WHEN_DONE]: "false", ...(await metricsPortEnv()) }));
  await consumer.waitFor("500 distinct ids", 30_000, () => distinct(consumer.processedIds()) === 500);
  await producer.waitForEvent("done", 10_000);
  const produced = await producer.scrape();
  expect(produced.value("messaging_app_messages_sent_total")).toBeGreaterThanOrEqual(500);
  expect(produced.value("messaging_app_messages_confirmed_total")).toBe(500);
  expect(produced.value("messaging_app_broker_connected")).toBe(1);
  producer.kill("SIGTERM");
  expect(await producer.waitForExit(10_000)).toEqual({ code: 0, signal: null });
  expect(producer.events("done")).toEqual([expect.objectContaining({ sent: 500, confirmed: 500 })]);
  expect(producer.events("stats").at(-1)).toEqual(expect.objectContaining({ confirmed: 500, latencyKind: "confirm" }));
  const seqs = consumer.events("message").map((line) => line.seq as number);
  expect(new Set(seqs)).toEqual(new Set(Array.from({ length: 500 }, (_, i) => i)));
  // Keys spread the messages over every partition.
  expect(new Set(consumer.events("message").map((line) => line.partition))).toEqual(new Set([0, 1, 2, 3]));

  // Caught up: no lag on any partition (set as each batch ends, a moment after its last message line).
  const consumed = await consumer.waitForMetrics(
    "lag 0 on the 4 partitions",
    10_000,
    (metrics) => JSON.stringify(lagByPartition(metrics, topic)) === JSON.stringify({ 0: 0, 1: 0, 2: 0, 3: 0 }),
  );
  expect(consumed.value("messaging_app_messages_received_total")).toBe(500);
  expect(consumed.value("messaging_app_messages_acked_total")).toBe(500);
  expect(consumed.value("messaging_app_messages_duplicates_total")).toBe(0);
  expect(consumed.value("messaging_app_end_to_end_latency_seconds_count")).toBe(500);
  const latencySum = consumed.value("messaging_app_end_to_end_latency_seconds_sum")!;
  expect(latencySum).toBeGreaterThan(0);
  expect(latencySum / 500).toBeLessThan(10);
  expect(consumed.value("messaging_app_broker_connected")).toBe(1);

  consumer.kill("SIGTERM");
  expect(await consumer.waitForExit(15_000)).toEqual({ code: 0, signal: null });
  expect(consumer.events("shutdown")).toEqual([expect.objectContaining({ received: 500, acked: 500, duplicates: 0 })]);
  expect(consumer.healthy).toBe(false);
  expect(await messagesInTopic(topic)).toBe(500);
  expect(await committed("e2e", topic)).toBe(500);
});

test("rejects a topic that does not exist (never auto-created): exits 1 naming it once BROKER_RETRY_SECONDS are spent", async () => {
  const retry = { [AppEnv.BROKER_RETRY_SECONDS]: "2" };
  const consumer = apps.start("kafka-consumer", consumerEnv("no-such-topic", "nobody", retry));
  const producer = apps.start("kafka-producer", producerEnv("no-such-topic", 1, retry));
  expect((await consumer.waitForExit(15_000)).code).toBe(1);
  expect((await producer.waitForExit(15_000)).code).toBe(1);
  for (const app of [consumer, producer]) {
    // kafkajs (the consumer) and @platformatic/kafka (the producer) word Kafka's UNKNOWN_TOPIC_OR_PARTITION their own way.
    expect(app.stderr).toMatch(/topic "no-such-topic": .*(This server does not host this topic-partition|Unknown topic no-such-topic)/);
  }
  expect((await admin.listTopics()).includes("no-such-topic")).toBe(false);
});

test("loses nothing when a consumer is killed with SIGKILL mid-stream: the group's next member gets the rest", async () => {
  const topic = await createTopic("sigkill-500");
  await produce(topic, 500);

  const first = apps.start("kafka-consumer", consumerEnv(topic, "sigkill", { [AppOnlyEnv.CONSUMER_WORK_MS]: "10" }));
  await first.waitFor("100 processed", 40_000, () => first.events("message").length >= 100);
  first.kill("SIGKILL");
  expect(await first.waitForExit(5000)).toEqual({ code: null, signal: "SIGKILL" });
  expect(distinct(first.processedIds())).toBeLessThan(500);

  // The dead member holds its partitions until its session times out (10 s).
  const second = apps.start("kafka-consumer", consumerEnv(topic, "sigkill"));
  await second.waitFor("every id across both consumers", 60_000, () =>
    distinct([...first.processedIds(), ...second.processedIds()]) === 500 ? true : undefined,
  );
  second.kill("SIGTERM");
  expect((await second.waitForExit(15_000)).code).toBe(0);
  expect(await committed("sigkill", topic)).toBe(500);
});

test("SIGTERM to a consumer commits what it processed, leaves the group, logs shutdown and exits 0", async () => {
  const topic = await createTopic("sigterm-consumer");
  await produce(topic, 300);

  const first = apps.start(
    "kafka-consumer",
    consumerEnv(topic, "sigterm", { [AppOnlyEnv.CONSUMER_WORK_MS]: "20", ...(await metricsPortEnv()) }),
  );
  await first.waitFor("some processed", 40_000, () => first.events("message").length >= 30);
  // Mid-stream the lag shows the backlog of the partition being worked on.
  await first.waitForMetrics("a lag > 0", 5000, (metrics) => Object.values(lagByPartition(metrics, topic)).some((lag) => lag > 0));
  first.kill("SIGTERM");
  expect(await first.waitForExit(15_000)).toEqual({ code: 0, signal: null });
  const [shutdown] = first.events("shutdown");
  expect(shutdown).toEqual(expect.objectContaining({ reason: "SIGTERM" }));
  expect(shutdown.acked).toBe(shutdown.received);
  const processedByFirst = new Set(first.processedIds());
  // Exactly what it processed is committed: nothing more (no loss), nothing less (no rework).
  expect(await committed("sigterm", topic)).toBe(processedByFirst.size);

  // It left the group on the way out, so the next member starts at once, right after.
  const started = Date.now();
  const second = apps.start("kafka-consumer", consumerEnv(topic, "sigterm"));
  await second.waitFor("the rest", 30_000, () => distinct(second.processedIds()) >= 300 - processedByFirst.size);
  expect(Date.now() - started).toBeLessThan(9000);
  expect(second.processedIds().filter((id) => processedByFirst.has(id))).toEqual([]);
  second.kill("SIGTERM");
  expect((await second.waitForExit(15_000)).code).toBe(0);
});

test("commits what it processed before a rebalance takes partitions away: a joining member re-processes nothing", async () => {
  const topic = await createTopic("rebalance-600");
  await produce(topic, 600);
  // Slow enough that the first member cannot finish all 600 before the second
  // has joined (10 ms was not, with Kafka 4.4 on Node 24: the second got none).
  const slow = { [AppOnlyEnv.CONSUMER_WORK_MS]: "40" };

  const first = apps.start("kafka-consumer", consumerEnv(topic, "rebalance", slow));
  await first.waitFor("100 processed", 40_000, () => first.events("message").length >= 100);
  const second = apps.start("kafka-consumer", consumerEnv(topic, "rebalance", slow));
  await second.waitForEvent("connected", 30_000);
  // The first member gave up partitions in the rebalance and rejoined.
  await first.waitFor("a second assignment", 10_000, () => first.events("group-joined").length >= 2);
  expect(first.events("group-joined")[1].partitions.length).toBeLessThan(4);
  await second.waitFor("every id across both members", 90_000, () =>
    distinct([...first.processedIds(), ...second.processedIds()]) === 600 ? true : undefined,
  );

  const processedByFirst = new Set(first.processedIds());
  expect(second.processedIds().filter((id) => processedByFirst.has(id))).toEqual([]);
  expect(second.processedIds().length).toBeGreaterThan(0);
  first.kill("SIGTERM");
  second.kill("SIGTERM");
  expect((await first.waitForExit(15_000)).code).toBe(0);
  expect((await second.waitForExit(15_000)).code).toBe(0);
  expect(await committed("rebalance", topic)).toBe(600);
});

test("SIGTERM to a producer waits for the send in flight, logs shutdown and exits 0", async () => {
  const topic = await createTopic("sigterm-producer");
  const producer = apps.start("kafka-producer", producerEnv(topic, 0, { [AppEnv.EXIT_WHEN_DONE]: "false" }));
  await producer.waitForEvent("stats", 20_000, (line) => line.confirmed > 1000);
  producer.kill("SIGTERM");
  expect(await producer.waitForExit(10_000)).toEqual({ code: 0, signal: null });

  const [shutdown] = producer.events("shutdown");
  expect(shutdown).toEqual(expect.objectContaining({ reason: "SIGTERM", unconfirmed: 0 }));
  expect(shutdown.confirmed).toBe(shutdown.sent);
  // Idempotent producer, nothing re-sent: the topic holds exactly what was acknowledged.
  expect(await messagesInTopic(topic)).toBe(shutdown.confirmed);
});

test("skips a poison message after CONSUMER_MAX_DELIVERIES=3 attempts, logs it, and moves on", async () => {
  const topic = await createTopic("poison", 1);
  const good = Array.from({ length: 10 }, (_, seq) => createEnvelope(seq, "test", 16));
  const poison = { ...createEnvelope(10, "test", 16), payload: "this one is POISON" };
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic,
    messages: [good[0], poison, ...good.slice(1)].map((envelope) => ({ value: encodeEnvelope(envelope) })),
  });
  await producer.disconnect();

  const consumer = apps.start(
    "kafka-consumer",
    consumerEnv(topic, "poison", { [AppOnlyEnv.CONSUMER_FAIL_MARKER]: "POISON", [AppEnv.CONSUMER_MAX_DELIVERIES]: "3" }),
  );
  expect(await consumer.waitForEvent("poison-skipped", 30_000)).toEqual(
    expect.objectContaining({ id: poison.id, deliveries: 3, offset: "1" }),
  );
  await consumer.waitFor("the 10 good ones", 10_000, () => distinct(consumer.processedIds()) === 10);
  consumer.kill("SIGTERM");
  expect((await consumer.waitForExit(15_000)).code).toBe(0);
  expect(consumer.events("shutdown")).toEqual([expect.objectContaining({ acked: 10, deadLettered: 1, received: 13, redelivered: 2 })]);
  expect(await committed("poison", topic)).toBe(11);
});

// Last in the file: it restarts the broker under everyone.
test("rides out a broker restart: both apps reconnect and all 3000 ids arrive; an idle producer stays up", async () => {
  const topic = await createTopic("broker-restart");
  // A producer that is done and idles until SIGTERM (the containers' default).
  const idleTopic = await createTopic("broker-restart-idle", 1);
  const idle = apps.start("kafka-producer", producerEnv(idleTopic, 10, { [AppEnv.EXIT_WHEN_DONE]: "false" }));
  await idle.waitForEvent("done", 30_000);
  const consumer = apps.start("kafka-consumer", consumerEnv(topic, "restart"));
  await consumer.waitForEvent("connected", 30_000);
  // 500 msg/s for 6 s: the restart lands mid-stream.
  const producer = apps.start("kafka-producer", producerEnv(topic, 3000, { [AppEnv.PRODUCER_RATE]: "500" }));
  await producer.waitForEvent("stats", 10_000, (line) => line.confirmed >= 250);

  run("docker", ["restart", "--time", "10", broker.container], { timeoutSeconds: 60 });

  expect(await producer.waitForExit(60_000)).toEqual({ code: 0, signal: null });
  expect(producer.events("done")).toEqual([expect.objectContaining({ confirmed: 3000 })]);
  await consumer.waitFor("3000 distinct ids", 60_000, () => distinct(consumer.processedIds()) === 3000);
  consumer.kill("SIGTERM");
  expect((await consumer.waitForExit(15_000)).code).toBe(0);
  expect(await committed("restart", topic)).toBe(await messagesInTopic(topic));
  // The idle producer lived through the outage and still stops cleanly. (In a
  // container it used to exit 0 silently when its broker went away, and the
  // restart re-sent its batch; the e2e suite's broker replacement, which
  // compares topic offsets, is what caught that.)
  const stillRunning = await Promise.race([idle.exited.then((exit) => exit), Promise.resolve("running")]);
  expect(stillRunning).toBe("running");
  idle.kill("SIGTERM");
  expect(await idle.waitForExit(15_000)).toEqual({ code: 0, signal: null });
  expect(idle.events("done")).toEqual([expect.objectContaining({ confirmed: 10 })]);
}, 150_000);
