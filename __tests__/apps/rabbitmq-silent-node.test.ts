/**
 * A RabbitMQ node that stops answering without closing anything, and one
 * that blocks publishers, as the apps see them (issue 22):
 *
 * - a hung node (`docker pause`: its TCP connections stay open, nothing
 *   answers). The producer calls it silent after its confirm deadline (3 s of
 *   outstanding messages and no confirm) and fails over to the next node of
 *   RABBITMQ_URL; the consumer notices through AMQP heartbeats (the apps ask
 *   for 5 s: two to three missed, 10-15 s). Before, both waited for the
 *   broker's 60 s heartbeat.
 * - a memory alarm (`rabbitmqctl set_vm_memory_high_watermark`): the broker
 *   blocks publishers. The producer says so (the `blocked` event, the
 *   messaging_app_publishing_blocked gauge), stays connected, healthy and on
 *   the same node (its deadline does not run while blocked: every node of a
 *   cluster blocks then, failing over would not help) and resumes when the
 *   alarm clears.
 *
 * As in rabbitmq-failover.test.ts the two brokers are independent containers:
 * this proves what the apps do; that a cluster loses nothing under these
 * faults is the fault suite's business (__tests__/faults).
 */
import { AppEnv, ConnectionEnv } from "../../constructs/connection-env";
import { AppOnlyEnv } from "../../apps/shared/app-only-env";
import { nodeAddress } from "../../apps/shared/rabbitmq-nodes";
import { run } from "../support/commands";
import type { TestRabbitMq } from "../support/brokers";
import { startRabbitPair } from "./helpers/rabbitmq-pair";
import { AppProcesses, bundleApps, LogLine, metricsPortEnv } from "./helpers/app-process";

let first: TestRabbitMq | undefined;
let second: TestRabbitMq | undefined;
const apps = new AppProcesses();
const QUEUE = "silent";

jest.setTimeout(90_000);

beforeAll(async () => {
  bundleApps();
  [first, second] = await startRabbitPair(QUEUE);
}, 150_000);

afterAll(async () => {
  await apps.stopAll();
  if (first) run("docker", ["unpause", first.container], { okCodes: [0, 1] });
  first?.remove();
  second?.remove();
});

const at = (line: LogLine): number => Date.parse(line.ts);
const producerEnv = {
  [ConnectionEnv.RABBITMQ_EXCHANGE]: "",
  [ConnectionEnv.RABBITMQ_ROUTING_KEY]: QUEUE,
  [AppEnv.PRODUCER_RATE]: "200",
  [AppEnv.PRODUCER_COUNT]: "0",
  [AppEnv.EXIT_WHEN_DONE]: "false",
};

test("when the node both apps use hangs (docker pause), then the producer fails over after its 3 s confirm deadline and confirms on the next node within 5 s, the consumer follows on heartbeats, in the same processes", async () => {
  const node1 = nodeAddress(first!.url);
  const node2 = nodeAddress(second!.url);
  const common = {
    [ConnectionEnv.RABBITMQ_URL]: `${first!.url},${second!.url}`,
    [AppEnv.STATS_INTERVAL_SECONDS]: "1",
    [AppOnlyEnv.LOG_LEVEL]: "debug",
  };
  const consumer = apps.start("rabbitmq-consumer", { ...common, [ConnectionEnv.RABBITMQ_QUEUE]: QUEUE });
  const producer = apps.start("rabbitmq-producer", { ...common, ...producerEnv });
  expect(await consumer.waitForEvent("connected", 10_000)).toEqual(expect.objectContaining({ node: node1 }));
  expect(await producer.waitForEvent("connected", 10_000)).toEqual(expect.objectContaining({ node: node1 }));
  await consumer.waitFor("200 messages through broker 1", 15_000, () => consumer.events("message").length >= 200);

  const pausedAt = Date.now();
  run("docker", ["pause", first!.container]);
  try {
    const producerLost = await producer.waitForEvent("disconnected", 10_000);
    expect(producerLost).toEqual(expect.objectContaining({ node: node1, reason: expect.stringContaining("hung or cut off") }));
    const producerMoved = await producer.waitForEvent("connected", 10_000, (line) => line.node === node2);
    const firstConfirmOn2 = await producer.waitForEvent("confirmed", 10_000, (line) => line.node === node2);
    // Heartbeats: two to three 5 s intervals.
    const consumerLost = await consumer.waitForEvent("disconnected", 25_000);
    const consumerMoved = await consumer.waitForEvent("connected", 10_000, (line) => line.node === node2);
    const seconds = {
      producerLost: (at(producerLost) - pausedAt) / 1000,
      producerConnected: (at(producerMoved) - pausedAt) / 1000,
      firstConfirm: (at(firstConfirmOn2) - pausedAt) / 1000,
      consumerLost: (at(consumerLost) - pausedAt) / 1000,
      consumerConnected: (at(consumerMoved) - pausedAt) / 1000,
    };
    console.log(`hung node, seconds after docker pause: ${JSON.stringify(seconds)}; producer: ${producerLost.reason}`);
    // The deadline is 3 s from the oldest unconfirmed publish, looked at every 250 ms.
    expect(seconds.producerLost).toBeGreaterThanOrEqual(2.5);
    expect(seconds.firstConfirm).toBeLessThan(5);
    expect(consumerLost).toEqual(expect.objectContaining({ node: node1, reason: expect.stringMatching(/heartbeat/i) }));
    expect(seconds.consumerLost).toBeGreaterThanOrEqual(9);
    expect(seconds.consumerLost).toBeLessThan(20);

    // Every message confirmed on broker 2 is consumed there.
    await producer.waitFor(
      "400 confirms on broker 2",
      15_000,
      () => producer.events("confirmed").filter((l) => l.node === node2).length >= 400,
    );
    producer.kill("SIGTERM");
    expect(await producer.waitForExit(10_000)).toEqual({ code: 0, signal: null });
    expect(producer.events("shutdown")[0]).toEqual(expect.objectContaining({ reason: "SIGTERM", unconfirmed: 0 }));
    const idsOn2 = new Set(
      producer
        .events("confirmed")
        .filter((l) => l.node === node2)
        .map((l) => String(l.id)),
    );
    const processed = () => new Set(consumer.events("message").map((l) => String(l.id)));
    await consumer.waitFor(`the ${idsOn2.size} ids confirmed on broker 2`, 20_000, () => [...idsOn2].every((id) => processed().has(id)));
    consumer.kill("SIGTERM");
    expect(await consumer.waitForExit(10_000)).toEqual({ code: 0, signal: null });
    for (const app of [producer, consumer]) {
      expect(app.events("connected").map((line) => line.node)).toEqual([node1, node2]);
      expect(app.events("fatal")).toEqual([]);
    }
  } finally {
    run("docker", ["unpause", first!.container], { okCodes: [0, 1] });
  }
});

test("when the broker raises a memory alarm, then the producer reports it blocked (event and gauge), stays connected and healthy on the same node past its deadline, and resumes when the alarm clears with nothing left unconfirmed", async () => {
  const node = nodeAddress(second!.url);
  const producer = apps.start("rabbitmq-producer", {
    [ConnectionEnv.RABBITMQ_URL]: second!.url,
    [AppEnv.STATS_INTERVAL_SECONDS]: "1",
    ...producerEnv,
    ...(await metricsPortEnv()),
  });
  expect(await producer.waitForEvent("connected", 10_000)).toEqual(expect.objectContaining({ node }));
  await producer.waitFor("confirms", 10_000, () => producer.events("stats").some((l) => l.confirmed > 100));

  const rabbitmqctl = (...args: string[]) => run("docker", ["exec", second!.container, "rabbitmqctl", "-q", ...args]);
  rabbitmqctl("set_vm_memory_high_watermark", "absolute", "1MB");
  try {
    const blocked = await producer.waitForEvent("blocked", 15_000);
    expect(blocked.reason).toMatch(/memory/i);
    await producer.waitForMetrics("publishing_blocked 1", 5000, (s) => s.value("messaging_app_publishing_blocked") === 1);
    // Held for three deadlines: a producer that took the alarm for a silent node would have failed over by now.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const confirmedWhileBlocked = producer.events("stats").at(-1)!.confirmed;
    await new Promise((resolve) => setTimeout(resolve, 7000));
    expect(producer.events("disconnected")).toEqual([]);
    expect(producer.healthy).toBe(true);
    // Really blocked (no confirm for 7 s), holding its unconfirmed messages.
    const last = producer.events("stats").at(-1)!;
    expect({ confirmed: last.confirmed, holding: last.inFlight > 0 }).toEqual({ confirmed: confirmedWhileBlocked, holding: true });
  } finally {
    rabbitmqctl("set_vm_memory_high_watermark", "0.6");
  }
  await producer.waitForEvent("unblocked", 15_000);
  await producer.waitForMetrics("publishing_blocked 0", 5000, (s) => s.value("messaging_app_publishing_blocked") === 0);
  const resumedFrom = producer.events("stats").at(-1)!.confirmed;
  await producer.waitFor("confirms again", 10_000, () => producer.events("stats").at(-1)!.confirmed > resumedFrom + 200);

  producer.kill("SIGTERM");
  expect(await producer.waitForExit(10_000)).toEqual({ code: 0, signal: null });
  expect(producer.events("shutdown")[0]).toEqual(expect.objectContaining({ reason: "SIGTERM", unconfirmed: 0 }));
  // One session throughout: the alarm cost no reconnect.
  expect(producer.events("connected").map((line) => line.node)).toEqual([node]);
  expect(producer.events("fatal")).toEqual([]);
});
