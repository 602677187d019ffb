/**
 * The apps' Prometheus metrics (apps/shared/metrics.ts, metrics-server.ts,
 * kafka-consumer's ConsumerLag) without a broker: the exported names are a
 * contract (alert rules and e2e queries use them), the counters show what
 * the `stats` lines count, and the server answers only GET/HEAD /metrics.
 * The apps suite checks the same against real brokers.
 */
import { createServer, Server } from "net";
import { Histogram, Registry } from "prom-client";
import { AddressInfo } from "net";
import { ConsumerLag } from "../../../apps/kafka-consumer/src/consumer-lag";
import { ConsumerTally } from "../../../apps/shared/consumer-tally";
import { createEnvelope } from "../../../apps/shared/envelope";
import { Logger } from "../../../apps/shared/logger";
import {
  AppMetrics,
  consumerLagGauge,
  END_TO_END_LATENCY_BUCKETS,
  endToEndLatencyObserver,
  exportConsumerCounters,
  exportProducerCounters,
} from "../../../apps/shared/metrics";
import { describeListenError, MetricsServer } from "../../../apps/shared/metrics-server";
import { PublishLedger } from "../../../apps/shared/publish-ledger";
import { httpRequest, Scrape } from "../../support/prometheus-text";

const scrape = async (metrics: AppMetrics) => new Scrape(await metrics.registry.metrics());

/** The apps' own families (prom-client's default ones come on top when served). */
const PRODUCER_FAMILIES = [
  "messaging_app_broker_connected",
  "messaging_app_messages_confirmed_total",
  "messaging_app_messages_resent_total",
  "messaging_app_messages_sent_total",
  "messaging_app_publishing_blocked",
];
const CONSUMER_FAMILIES = [
  "messaging_app_broker_connected",
  "messaging_app_end_to_end_latency_seconds",
  "messaging_app_messages_acked_total",
  "messaging_app_messages_dead_lettered_total",
  "messaging_app_messages_duplicates_total",
  "messaging_app_messages_received_total",
  "messaging_app_messages_redelivered_total",
];

/** What runProducerLoop / runConsumerLoop and kafka-consumer's main register. */
function producer() {
  const health = { healthy: false };
  const metrics = new AppMetrics(health);
  const ledger = new PublishLedger("test", 0, 8);
  const broker = { blocked: false };
  exportProducerCounters(metrics, ledger.counters, () => broker.blocked);
  return { health, metrics, ledger, broker };
}
function consumer() {
  const metrics = new AppMetrics({ healthy: true });
  const tally = new ConsumerTally(new Logger("test"), endToEndLatencyObserver(metrics));
  exportConsumerCounters(metrics, tally.counters);
  return { metrics, tally };
}

describe("the exported metrics (a contract)", () => {
  test("a producer exports exactly its names, with their types and no labels", async () => {
    const result = await scrape(producer().metrics);
    expect(result.families()).toEqual(PRODUCER_FAMILIES);
    expect(result.types.get("messaging_app_messages_sent_total")).toBe("counter");
    expect(result.types.get("messaging_app_broker_connected")).toBe("gauge");
    expect(result.types.get("messaging_app_publishing_blocked")).toBe("gauge");
    for (const sample of result.samples) expect(sample.labels).toEqual({});
  });

  test("a consumer exports exactly its names; kafka-consumer adds the lag gauge", async () => {
    const { metrics } = consumer();
    expect((await scrape(metrics)).families()).toEqual(CONSUMER_FAMILIES);
    consumerLagGauge(metrics);
    const result = await scrape(metrics);
    expect(result.families()).toEqual([...CONSUMER_FAMILIES, "messaging_app_consumer_lag_messages"].sort());
    expect(result.types.get("messaging_app_end_to_end_latency_seconds")).toBe("histogram");
    expect(result.types.get("messaging_app_consumer_lag_messages")).toBe("gauge");
  });

  test("the latency buckets go from 1 ms to 30 s, each about x2-x3 the one before", () => {
    expect(END_TO_END_LATENCY_BUCKETS[0]).toBe(0.001);
    expect(END_TO_END_LATENCY_BUCKETS.at(-1)).toBe(30);
    for (let i = 1; i < END_TO_END_LATENCY_BUCKETS.length; i++) {
      const ratio = END_TO_END_LATENCY_BUCKETS[i] / END_TO_END_LATENCY_BUCKETS[i - 1];
      expect(ratio).toBeGreaterThanOrEqual(2);
      expect(ratio).toBeLessThanOrEqual(3);
    }
  });

  test("prom-client's default process_* and nodejs_* metrics come unprefixed, once, when the metrics are served", async () => {
    const { metrics } = producer();
    expect((await scrape(metrics)).families("process_")).toEqual([]);
    metrics.collectDefaults();
    metrics.collectDefaults();
    const result = await scrape(metrics);
    expect(result.families()).toEqual(
      expect.arrayContaining(["process_cpu_seconds_total", "nodejs_heap_size_used_bytes", "nodejs_eventloop_lag_seconds"]),
    );
    expect(result.families().filter((name) => !/^(process_|nodejs_|messaging_app_)/.test(name))).toEqual([]);
  });
});

describe("the values: what the `stats` lines count, read at scrape time", () => {
  test("a producer's counters are its ledger's; broker_connected follows the health file's state", async () => {
    const { health, metrics, ledger } = producer();
    const first = ledger.take()!;
    ledger.sent();
    ledger.giveBack(first, true); // nacked
    ledger.take(); // the re-send
    ledger.sent();
    ledger.confirmed();
    let result = await scrape(metrics);
    expect(result.value("messaging_app_messages_sent_total")).toBe(2);
    expect(result.value("messaging_app_messages_confirmed_total")).toBe(1);
    expect(result.value("messaging_app_messages_resent_total")).toBe(1);
    expect(result.value("messaging_app_broker_connected")).toBe(0);

    health.healthy = true;
    ledger.take();
    ledger.sent();
    result = await scrape(metrics);
    expect(result.value("messaging_app_messages_sent_total")).toBe(ledger.counters.sent);
    expect(result.value("messaging_app_broker_connected")).toBe(1);
  });

  test("publishing_blocked is 1 exactly while the broker blocks the producer (a resource alarm)", async () => {
    const { metrics, broker } = producer();
    expect((await scrape(metrics)).value("messaging_app_publishing_blocked")).toBe(0);
    broker.blocked = true;
    expect((await scrape(metrics)).value("messaging_app_publishing_blocked")).toBe(1);
    broker.blocked = false;
    expect((await scrape(metrics)).value("messaging_app_publishing_blocked")).toBe(0);
  });

  test("a consumer's counters are its tally's, and each processed message is one latency sample in seconds", async () => {
    const { metrics, tally } = consumer();
    const envelope = { ...createEnvelope(0, "test", 8), sentAt: Date.now() - 200 };
    tally.received(false);
    tally.processed(envelope);
    tally.acked();
    tally.received(true);
    tally.processed(envelope); // the same producer and seq again: a duplicate
    tally.acked();
    tally.received(false);
    tally.deadLettered();
    const result = await scrape(metrics);
    expect(result.value("messaging_app_messages_received_total")).toBe(3);
    expect(result.value("messaging_app_messages_acked_total")).toBe(2);
    expect(result.value("messaging_app_messages_redelivered_total")).toBe(1);
    expect(result.value("messaging_app_messages_duplicates_total")).toBe(1);
    expect(result.value("messaging_app_messages_dead_lettered_total")).toBe(1);
    expect(result.value("messaging_app_end_to_end_latency_seconds_count")).toBe(2);
    const sum = result.value("messaging_app_end_to_end_latency_seconds_sum")!;
    expect(sum).toBeGreaterThanOrEqual(0.4);
    expect(sum).toBeLessThan(2);
    expect(result.value("messaging_app_end_to_end_latency_seconds_bucket", { le: "0.1" })).toBe(0);
    expect(result.value("messaging_app_end_to_end_latency_seconds_bucket", { le: "+Inf" })).toBe(2);
  });
});

describe("the end-to-end latency histogram", () => {
  test("is exposed byte for byte as prom-client's own Histogram exposes the same samples (bounds, +Inf, sum, count)", async () => {
    const samples = [0, 0.001, 0.0010001, 0.004, 0.05, 0.7, 1, 29.9, 30, 31, 1e6];
    const ours = new AppMetrics({ healthy: true });
    const observe = endToEndLatencyObserver(ours);
    const reference = new Registry();
    const histogram = new Histogram({
      name: "messaging_app_end_to_end_latency_seconds",
      help: "Seconds from the producer's sentAt to processed, per processed message.",
      buckets: [...END_TO_END_LATENCY_BUCKETS],
      registers: [reference],
    });
    for (const seconds of samples) {
      observe(seconds);
      histogram.observe(seconds);
    }
    const family = (text: string) => text.split("\n").filter((line) => line.includes("latency_seconds"));
    const oursText = family(await ours.registry.metrics());
    expect(oursText).toEqual(family(await reference.metrics()));
    expect(oursText).toContain('messaging_app_end_to_end_latency_seconds_bucket{le="1"} 7');
  });
});

describe("ConsumerLag (kafka-consumer)", () => {
  const lagOf = (result: Scrape) =>
    Object.fromEntries(
      result.series("messaging_app_consumer_lag_messages").map((s) => [`${s.labels.topic}/${s.labels.partition}`, s.value]),
    );

  test("is the high watermark minus the next offset, per partition held, 0 when caught up", async () => {
    const metrics = new AppMetrics({ healthy: true });
    const lag = new ConsumerLag(consumerLagGauge(metrics), "orders");
    lag.assigned([0, 1]);
    lag.update(0, "100", "40");
    lag.update(1, "7", 7);
    expect(lagOf(await scrape(metrics))).toEqual({ "orders/0": 60, "orders/1": 0 });
    lag.update(0, "100", 100);
    expect(lagOf(await scrape(metrics))).toEqual({ "orders/0": 0, "orders/1": 0 });
  });

  test("drops the partitions a rebalance or the session's end takes away, and ignores a late batch of one", async () => {
    const metrics = new AppMetrics({ healthy: true });
    const lag = new ConsumerLag(consumerLagGauge(metrics), "orders");
    lag.assigned([0, 1, 2]);
    for (const partition of [0, 1, 2]) lag.update(partition, "10", "5");
    lag.assigned([2, 3]);
    lag.update(0, "10", "6"); // a batch cut short by the rebalance, ending after it
    expect(lagOf(await scrape(metrics))).toEqual({ "orders/2": 5 });
    lag.assigned([]);
    expect(lagOf(await scrape(metrics))).toEqual({});
  });
});

describe("MetricsServer", () => {
  let server: MetricsServer;
  beforeAll(async () => {
    const metrics = new AppMetrics({ healthy: true });
    server = await MetricsServer.listen(metrics.registry, 0, "127.0.0.1");
  });
  afterAll(() => server.close());

  test("answers GET /metrics with the registry's Prometheus text", async () => {
    const answer = await httpRequest(server.port, "/metrics");
    expect(answer.status).toBe(200);
    expect(answer.headers["content-type"]).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(new Scrape(answer.body).value("messaging_app_broker_connected")).toBe(1);
    expect((await httpRequest(server.port, "/metrics?x=1")).status).toBe(200);
  });

  test("answers HEAD /metrics without a body, 404 for other paths, 405 for other methods", async () => {
    const head = await httpRequest(server.port, "/metrics", "HEAD");
    expect(head.status).toBe(200);
    expect(head.body).toBe("");
    expect(Number(head.headers["content-length"])).toBeGreaterThan(0);
    for (const path of ["/", "/metrics/", "/health"]) expect((await httpRequest(server.port, path)).status).toBe(404);
    const post = await httpRequest(server.port, "/metrics", "POST");
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe("GET, HEAD");
  });

  test("rejects a port that is taken with EADDRINUSE, described for the one stderr line", async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      const err = await MetricsServer.listen(new AppMetrics({ healthy: false }).registry, port, "127.0.0.1").then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(describeListenError(err)).toBe("EADDRINUSE: address already in use");
    } finally {
      taken.close();
    }
    expect(describeListenError(Object.assign(new Error("listen EACCES"), { code: "EACCES" }))).toBe("EACCES: permission denied");
  });
});
