/**
 * RABBITMQ_URL with two nodes: rabbitmq-producer and rabbitmq-consumer move
 * to the second node when the first dies, in the same process.
 *
 * The two brokers are independent containers, not a cluster: what broker 1
 * confirmed before it died stays on broker 1 (nothing replicates it), so this
 * file proves the failover itself (both apps reconnect to broker 2 within a few
 * seconds, the producer keeps confirming there and every message confirmed
 * there is consumed there). That a cluster loses nothing across a failover is
 * the fault suite's business (__tests__/faults/).
 */
import { AppEnv, ConnectionEnv } from "../../constructs/connection-env";
import { AppOnlyEnv } from "../../apps/shared/app-only-env";
import { nodeAddress } from "../../apps/shared/rabbitmq-nodes";
import { run } from "../support/commands";
import type { TestRabbitMq } from "../support/brokers";
import { startRabbitPair } from "./helpers/rabbitmq-pair";
import { AppProcesses, bundleApps, LogLine } from "./helpers/app-process";

let first: TestRabbitMq | undefined;
let second: TestRabbitMq | undefined;
const apps = new AppProcesses();
const QUEUE = "failover";

// Every test is bounded (the project's testTimeout does not reach tests: Jest reads it only globally).
jest.setTimeout(60_000);

beforeAll(async () => {
  bundleApps();
  [first, second] = await startRabbitPair(QUEUE);
}, 150_000);

afterAll(async () => {
  await apps.stopAll();
  first?.remove();
  second?.remove();
});

const at = (line: LogLine): number => Date.parse(line.ts);

test("fails over to the next node of RABBITMQ_URL: both apps reconnect to broker 2 in the same process and the producer keeps confirming there", async () => {
  const node1 = nodeAddress(first!.url);
  const node2 = nodeAddress(second!.url);
  const urls = `${first!.url},${second!.url}`;
  const common = {
    [ConnectionEnv.RABBITMQ_URL]: urls,
    [AppEnv.STATS_INTERVAL_SECONDS]: "1",
    // debug: one `message` line per processed message, one `confirmed` line per confirm, with its node.
    [AppOnlyEnv.LOG_LEVEL]: "debug",
  };
  const consumer = apps.start("rabbitmq-consumer", { ...common, [ConnectionEnv.RABBITMQ_QUEUE]: QUEUE });
  const producer = apps.start("rabbitmq-producer", {
    ...common,
    [ConnectionEnv.RABBITMQ_EXCHANGE]: "",
    [ConnectionEnv.RABBITMQ_ROUTING_KEY]: QUEUE,
    [AppEnv.PRODUCER_RATE]: "200",
    [AppEnv.PRODUCER_COUNT]: "0",
    [AppEnv.EXIT_WHEN_DONE]: "false",
  });

  // The first reachable node of the list: broker 1.
  expect(await consumer.waitForEvent("connected", 10_000)).toEqual(expect.objectContaining({ node: node1 }));
  expect(await producer.waitForEvent("connected", 10_000)).toEqual(expect.objectContaining({ node: node1 }));
  // The settings line lists both nodes, passwords masked.
  for (const app of [consumer, producer]) {
    const [starting] = app.events("starting");
    expect(starting.urls).toEqual([first!.url, second!.url].map((url) => url.replace(/:[^:@/]+@/, ":***@")));
    expect(JSON.stringify(app.lines)).not.toContain(new URL(first!.url).password);
  }
  await consumer.waitFor("200 messages through broker 1", 15_000, () => consumer.events("message").length >= 200);
  expect(producer.events("confirmed").every((line) => line.node === node1)).toBe(true);

  const killedAt = Date.now();
  run("docker", ["kill", first!.container]);
  const killReturned = (Date.now() - killedAt) / 1000;

  // Both name the node they lost and the node they moved to, within a few seconds.
  const producerLost = await producer.waitForEvent("disconnected", 10_000);
  const consumerLost = await consumer.waitForEvent("disconnected", 10_000);
  expect(producerLost).toEqual(expect.objectContaining({ node: node1, reason: expect.any(String) }));
  expect(consumerLost).toEqual(expect.objectContaining({ node: node1, reason: expect.any(String) }));
  const producerMoved = await producer.waitForEvent("connected", 10_000, (line) => line.node === node2);
  const consumerMoved = await consumer.waitForEvent("connected", 10_000, (line) => line.node === node2);
  const firstConfirmOn2 = await producer.waitForEvent("confirmed", 10_000, (line) => line.node === node2);
  const seconds = {
    killReturned,
    producerConnected: (at(producerMoved) - killedAt) / 1000,
    consumerConnected: (at(consumerMoved) - killedAt) / 1000,
    firstConfirm: (at(firstConfirmOn2) - killedAt) / 1000,
  };
  console.log(`failover, seconds after docker kill: ${JSON.stringify(seconds)}`);
  expect(seconds.producerConnected).toBeLessThan(5);
  expect(seconds.consumerConnected).toBeLessThan(5);
  expect(seconds.firstConfirm).toBeLessThan(5);
  expect(producer.healthy).toBe(true);
  expect(consumer.healthy).toBe(true);

  // The producer keeps confirming on broker 2: 2 s more at 200/s.
  const confirmedOn2 = () => producer.events("confirmed").filter((line) => line.node === node2);
  await producer.waitFor("400 confirms on broker 2", 15_000, () => confirmedOn2().length >= 400);
  producer.kill("SIGTERM");
  expect(await producer.waitForExit(10_000)).toEqual({ code: 0, signal: null });
  const [producerShutdown] = producer.events("shutdown");
  expect(producerShutdown).toEqual(expect.objectContaining({ reason: "SIGTERM", unconfirmed: 0 }));
  // Nothing left un-re-sent: every message the producer made was confirmed by one broker or the other.
  expect(producerShutdown.confirmed).toBe(producer.events("confirmed").length);

  // Every message confirmed by broker 2 is consumed from broker 2: processed after the consumer lost
  // broker 1 (its first deliveries there may be logged just before its `connected` line).
  const idsOn2 = new Set(confirmedOn2().map((line) => String(line.id)));
  const lostIndex = consumer.lines.indexOf(consumerLost);
  const consumedAfterMove = () =>
    new Set(
      consumer.lines
        .slice(lostIndex)
        .filter((line) => line.event === "message")
        .map((line) => String(line.id)),
    );
  await consumer.waitFor(`the ${idsOn2.size} ids confirmed on broker 2`, 15_000, () => {
    const consumed = consumedAfterMove();
    return [...idsOn2].every((id) => consumed.has(id));
  });

  consumer.kill("SIGTERM");
  expect(await consumer.waitForExit(10_000)).toEqual({ code: 0, signal: null });
  // Same processes throughout: one session per broker, no fatal.
  for (const app of [producer, consumer]) {
    expect(app.events("connected").map((line) => line.node)).toEqual([node1, node2]);
    expect(app.events("fatal")).toEqual([]);
    expect(app.stderr).toBe("");
  }
});
