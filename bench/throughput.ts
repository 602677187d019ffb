/**
 * Throughput benchmark (issue 5, part 3).
 *
 *   node -r esbuild-register bench/throughput.ts [--runs 3] [--rabbitmq-messages 20000] [--kafka-messages 200000]
 *
 * Deploys a private instance of the default stack (bench/lib/stack-instance.ts,
 * `terraform apply`), stops its four app containers (so nothing else touches
 * the queue), and measures on the same brokers, alternating in one session
 * (one warm-up pair, then --runs pairs, the order flipping every pair):
 *
 * RabbitMQ, queue `orders` (quorum, durable) through the AMQP port published
 * on 127.0.0.1, 1 KiB bodies, publisher confirms (at most 1000 unconfirmed),
 * persistent messages, consumer prefetch 50 with one ack per message; a
 * producer and a consumer at the same time:
 *   ours  apps/rabbitmq-producer + apps/rabbitmq-consumer (host processes)
 *   tool  RabbitMQ PerfTest on the host (-x 1 -y 1 --predeclared -u orders
 *         --confirm 1000 -f persistent -s 1024 -q 50 -C N -D N)
 *
 * Kafka, a fresh topic per run with the deployed topic's settings (3
 * partitions, replication 1, retention.ms 7 days), 1 KiB records, acks=all,
 * idempotent producer; the producer first, then the consumer (the way the
 * perf tools work):
 *   ours  apps/kafka-producer, then apps/kafka-consumer (host, HOST listener)
 *   tool  kafka-producer-perf-test.sh / kafka-consumer-perf-test.sh inside
 *         the broker container (docker exec, bootstrap localhost:9092)
 *   host  control: the same two tools on the host (the image's jars, Java 17)
 *         through the published port, the network path our apps take
 * and, ours only (no perf tool measures it), producer + consumer at the same
 * time for the end-to-end latency.
 *
 * Our apps' stats interval is set longer than a run, so the one `stats` line
 * they write at done/shutdown summarizes the whole run (percentiles over a
 * uniform sample of up to 100k latencies), except the Kafka consumer in the
 * consume-only phase, which reports every second so the end of the run can be
 * found (interpolated inside the last second).
 */
import { randomBytes, randomUUID } from "crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "fs";
import * as os from "os";
import { join } from "path";
import * as amqp from "amqplib";
import { Kafka, logLevel } from "kafkajs";
import { AppEnv, ConnectionEnv } from "../constructs/connection-env";
import { AppOnlyEnv } from "../apps/shared/app-only-env";
import { AppProcess, waitUntilIdle, type AppLine } from "./lib/apps";
import { summarizeProfile, type ProfileSummary } from "./lib/cpuprofile";
import { run, timeCommandAsync } from "./lib/proc";
import { outputs, prepareInstance, PREFIX, type StackInstance } from "./lib/stack-instance";
import { fmt, out, runHeader, log, parseArgs, ratio, summarize, table, writeReport, writeResult, type Summary } from "./lib/stats";

const args = parseArgs(process.argv.slice(2));
const RUNS = Number(args.get("runs") ?? 3);
const RABBIT_N = Number(args.get("rabbitmq-messages") ?? 20_000);
const KAFKA_N = Number(args.get("kafka-messages") ?? 200_000);
const MESSAGE_BYTES = 1024;
const PREFETCH = 50;
const MAX_UNCONFIRMED = 1000; // apps/rabbitmq-producer/src/publisher-session.ts
const QUEUE = "orders";
const TOPIC_PARTITIONS = 3;
const TOPIC_CONFIGS = [{ name: "retention.ms", value: String(7 * 24 * 3600 * 1000) }];
const TARGET_RATIO = 0.5;
const PROFILE = !args.has("no-profile");
const KAFKA_CONTAINER = `${PREFIX}kafka`;
const PERFTEST_HOME = process.env.PERFTEST_HOME ?? join(process.env.TOOLCHAIN_CACHE ?? join(os.homedir(), ".cache", "cdktf-docker-messaging"), "perf-test-2.22.1");

const work = mkdtempSync(join(os.tmpdir(), "bench-throughput-"));

/**
 * Our messages are JSON envelopes (id, seq, producer, sentAt, payload): the
 * payload is sized so that the whole body is MESSAGE_BYTES (± a few bytes of
 * seq and pid digits), the size the perf tools send.
 */
function payloadBytes(app: string, n: number): number {
  const overhead = JSON.stringify({
    id: randomUUID(),
    seq: Math.floor(n / 2),
    producer: `${app}@${os.hostname()}:${process.pid}`,
    sentAt: Date.now(),
    payload: "",
  }).length;
  return MESSAGE_BYTES - overhead;
}

/** The `stats` line a producer writes when it is done: the summary of its whole run. */
function statsAtDone(p: AppProcess, done: AppLine): AppLine | undefined {
  const i = p.lines.indexOf(done);
  return [...p.lines.slice(0, i)].reverse().find((l) => l.event === "stats");
}

function num(l: AppLine | undefined, field: string): number {
  const v = l?.[field];
  return typeof v === "number" ? v : NaN;
}

interface Sample {
  /** messages per second */
  rate: number;
  p50?: number;
  p99?: number;
  [extra: string]: unknown;
}

// Variable names from the contract the constructs and the apps share.
function commonEnv(): Record<string, string> {
  return {
    [AppEnv.STATS_INTERVAL_SECONDS]: "3600",
    [AppEnv.BROKER_RETRY_SECONDS]: "30",
    [AppOnlyEnv.HEALTH_FILE]: join(work, `health-${randomUUID()}`),
  };
}

/** A producer's own settings: `count` messages, unthrottled, exit once all are confirmed. */
function producerEnv(app: "rabbitmq-producer" | "kafka-producer", count: number): Record<string, string> {
  return {
    [AppEnv.PRODUCER_COUNT]: String(count),
    [AppEnv.PRODUCER_RATE]: "0",
    [AppEnv.MESSAGE_SIZE_BYTES]: String(payloadBytes(app, count)),
    [AppEnv.EXIT_WHEN_DONE]: "true",
  };
}

// ---------------------------------------------------------------- RabbitMQ

async function queueDepth(ch: amqp.Channel): Promise<number> {
  return (await ch.checkQueue(QUEUE)).messageCount;
}

async function waitQueueEmpty(ch: amqp.Channel, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await queueDepth(ch)) === 0) return Date.now();
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`queue ${QUEUE} not drained within ${timeoutMs / 1000} s`);
}

async function rabbitOurs(url: string, ch: amqp.Channel): Promise<{ pair: Sample; producer: Sample; consumer: Sample }> {
  await ch.purgeQueue(QUEUE);
  // What queue.grantConsume and queue.grantPublish give the apps (publishing through the default exchange).
  const consumerEnv = { [ConnectionEnv.RABBITMQ_URL]: url, [ConnectionEnv.RABBITMQ_QUEUE]: QUEUE };
  const publisherEnv = {
    [ConnectionEnv.RABBITMQ_URL]: url,
    [ConnectionEnv.RABBITMQ_EXCHANGE]: "",
    [ConnectionEnv.RABBITMQ_ROUTING_KEY]: QUEUE,
  };
  const consumer = new AppProcess("rabbitmq-consumer", { ...commonEnv(), ...consumerEnv, [AppEnv.CONSUMER_PREFETCH]: String(PREFETCH) });
  try {
    await consumer.event("connected", 30_000);
    const producer = new AppProcess("rabbitmq-producer", {
      ...commonEnv(),
      ...publisherEnv,
      ...producerEnv("rabbitmq-producer", RABBIT_N),
    });
    const connected = await producer.event("connected", 30_000);
    const done = await producer.event("done", 300_000);
    const code = await producer.exited;
    if (code !== 0) throw new Error(`rabbitmq-producer exited ${code}\n${producer.tail()}`);
    const empty = await waitQueueEmpty(ch, 300_000);
    await new Promise((r) => setTimeout(r, 300)); // the last prefetched messages
    await consumer.stop();
    const pStats = statsAtDone(producer, done);
    const cStats = consumer.lastStats();
    const acked = num(cStats, "acked");
    if (!(acked >= RABBIT_N)) throw new Error(`rabbitmq-consumer acked ${acked} of ${RABBIT_N}\n${consumer.tail()}`);
    const seconds = (empty - connected.at) / 1000;
    return {
      pair: { rate: RABBIT_N / seconds, p50: num(cStats, "latencyP50Ms"), p99: num(cStats, "latencyP99Ms"), seconds },
      producer: {
        rate: RABBIT_N / ((done.at - connected.at) / 1000),
        p50: num(pStats, "latencyP50Ms"),
        p99: num(pStats, "latencyP99Ms"),
      },
      consumer: { rate: RABBIT_N / seconds, duplicates: num(cStats, "duplicates"), acked },
    };
  } finally {
    await consumer.stop();
  }
}

/** Parses PerfTest's summary: `sending rate avg: 1234 msg/s`, `consumer latency min/median/75th/95th/99th 1/2/3/4/5 ms`. */
function parsePerfTest(out: string): { send: number; receive: number; latency?: number[]; confirm?: number[] } {
  const rate = (what: string) => Number(new RegExp(`${what} rate avg: ([\\d.]+) msg/s`).exec(out)?.[1]);
  const lat = (what: string) => {
    const m = new RegExp(`${what} latency min/median/75th/95th/99th ([\\d./]+) (ms|µs)`).exec(out);
    if (!m) return undefined;
    const k = m[2] === "ms" ? 1 : 0.001;
    return m[1]!.split("/").map((v) => Number(v) * k);
  };
  return { send: rate("sending"), receive: rate("receiving"), latency: lat("consumer"), confirm: lat("confirm") };
}

async function rabbitPerfTest(url: string, ch: amqp.Channel): Promise<{ pair: Sample; producer: Sample; consumer: Sample; output: string }> {
  await ch.purgeQueue(QUEUE);
  const argv = [
    "-cp", `${PERFTEST_HOME}/lib/*`, "com.rabbitmq.perf.PerfTest",
    "--uri", url,
    "--producers", "1", "--consumers", "1",
    "--predeclared", "--queue", QUEUE, "--exchange", "amq.default", "--routing-key", QUEUE,
    "--size", String(MESSAGE_BYTES),
    "--confirm", String(MAX_UNCONFIRMED),
    "--flag", "persistent",
    "--qos", String(PREFETCH),
    "--pmessages", String(RABBIT_N), "--cmessages", String(RABBIT_N),
    "--time", "300",
    "--use-millis",
    "--id", "bench",
  ];
  const r = await timeCommandAsync("java", argv, { timeoutMs: 330_000 });
  const out = r.stdout + r.stderr;
  const p = parsePerfTest(out);
  if (!Number.isFinite(p.send) || !Number.isFinite(p.receive)) throw new Error(`PerfTest printed no summary:\n${out.slice(-3000)}`);
  const left = await queueDepth(ch);
  if (left > 0) log(`throughput: WARNING: ${left} messages left in ${QUEUE} after PerfTest`);
  return {
    pair: { rate: p.receive, p50: p.latency?.[1], p99: p.latency?.[4], wallSeconds: r.seconds },
    producer: { rate: p.send, p50: p.confirm?.[1], p99: p.confirm?.[4] },
    consumer: { rate: p.receive },
    output: out.split("\n").filter((l) => /rate avg|latency min/.test(l)).join("\n"),
  };
}

// ---------------------------------------------------------------- Kafka

async function createTopics(bootstrap: string, names: string[]): Promise<void> {
  const kafka = new Kafka({ clientId: "bench-admin", brokers: [bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: names.map((topic) => ({ topic, numPartitions: TOPIC_PARTITIONS, replicationFactor: 1, configEntries: TOPIC_CONFIGS })),
    });
  } finally {
    await admin.disconnect();
  }
}

/** Committed offsets of a group on a topic, summed (what a restarted consumer would resume from). */
async function committedOffsets(bootstrap: string, groupId: string, topic: string): Promise<number> {
  const kafka = new Kafka({ clientId: "bench-admin", brokers: [bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return (t?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}

/** What topic.grantProduce (no group) and topic.grantConsume (`groupId`) give the apps. */
function kafkaEnv(bootstrap: string, topic: string, groupId?: string): Record<string, string> {
  return {
    [ConnectionEnv.KAFKA_BOOTSTRAP_SERVERS]: bootstrap,
    [ConnectionEnv.KAFKA_TOPIC]: topic,
    ...(groupId === undefined ? {} : { [ConnectionEnv.KAFKA_GROUP_ID]: groupId }),
  };
}

async function kafkaOursProduce(bootstrap: string, topic: string): Promise<Sample> {
  const producer = new AppProcess("kafka-producer", {
    ...commonEnv(),
    ...kafkaEnv(bootstrap, topic),
    ...producerEnv("kafka-producer", KAFKA_N),
  });
  try {
    const connected = await producer.event("connected", 60_000);
    const done = await producer.event("done", 400_000);
    const code = await producer.exited;
    if (code !== 0) throw new Error(`kafka-producer exited ${code}\n${producer.tail()}`);
    const s = statsAtDone(producer, done);
    return { rate: KAFKA_N / ((done.at - connected.at) / 1000), p50: num(s, "latencyP50Ms"), p99: num(s, "latencyP99Ms") };
  } finally {
    await producer.stop();
  }
}

async function kafkaOursConsume(bootstrap: string, topic: string, nodeArgs: string[] = []): Promise<Sample> {
  const groupId = `bench-consumer-${topic}`;
  const consumer = new AppProcess("kafka-consumer", { ...commonEnv(), ...kafkaEnv(bootstrap, topic, groupId), [AppEnv.STATS_INTERVAL_SECONDS]: "1" }, nodeArgs);
  try {
    const joined = await consumer.event("group-joined", 60_000);
    const last = await consumer.waitFor((l) => l.event === "stats" && num(l, "acked") >= KAFKA_N, 400_000, `stats with acked >= ${KAFKA_N}`);
    const stats = consumer.lines.filter((l) => l.event === "stats");
    const prev = stats[stats.indexOf(last) - 1];
    // The run ended inside the last one-second interval. Extrapolate from the
    // previous interval's rate (the steady rate); an interval that began
    // before the group join counts from the join.
    let end = last.at;
    if (prev && prev.at > joined.at) {
      const before = stats[stats.indexOf(prev) - 1];
      const from = before && before.at > joined.at ? before : joined;
      const ackedFrom = from === joined ? 0 : num(from, "acked");
      const rate = (num(prev, "acked") - ackedFrom) / (prev.at - from.at);
      if (rate > 0) end = Math.min(last.at, prev.at + (KAFKA_N - num(prev, "acked")) / rate);
    }
    const start = joined.at;
    // CPU share while busy: from the join to the last full interval.
    const cpuShare = prev && prev.at > joined.at ? (prev.cpu - joined.cpu) / ((prev.at - joined.at) / 1000) : NaN;
    await consumer.stop();
    const committed = await committedOffsets(bootstrap, groupId, topic);
    return {
      rate: KAFKA_N / ((end - start) / 1000),
      cpuShare,
      seconds: (end - start) / 1000,
      committedAfterStop: committed,
      duplicates: num(consumer.lastStats(), "duplicates"),
    };
  } finally {
    await consumer.stop();
  }
}

async function kafkaOursEndToEnd(bootstrap: string, topic: string): Promise<Sample> {
  const consumer = new AppProcess("kafka-consumer", { ...commonEnv(), ...kafkaEnv(bootstrap, topic, `bench-e2e-${topic}`) });
  try {
    await consumer.event("group-joined", 60_000);
    const producer = new AppProcess("kafka-producer", {
      ...commonEnv(),
      ...kafkaEnv(bootstrap, topic),
      ...producerEnv("kafka-producer", KAFKA_N),
    });
    const connected = await producer.event("connected", 60_000);
    const done = await producer.event("done", 400_000);
    await producer.exited;
    // The consumer has no progress signal between stats lines: it is done
    // when it stops using CPU (below 10% of a core for 1.5 s); the acked
    // count checked below proves it.
    await waitUntilIdle(consumer, 1500, 120_000);
    await consumer.stop();
    const s = consumer.lastStats();
    const acked = num(s, "acked");
    if (!(acked >= KAFKA_N)) throw new Error(`kafka-consumer acked ${acked} of ${KAFKA_N} in the end-to-end run\n${consumer.tail()}`);
    return { rate: KAFKA_N / ((done.at - connected.at) / 1000), p50: num(s, "latencyP50Ms"), p99: num(s, "latencyP99Ms"), acked };
  } finally {
    await consumer.stop();
  }
}

type ToolHost = "container" | "host";
const TOOL_CLASSES: Record<string, string> = {
  "kafka-producer-perf-test.sh": "org.apache.kafka.tools.ProducerPerformance",
  "kafka-consumer-perf-test.sh": "org.apache.kafka.tools.ConsumerPerformance",
};
const KAFKA_JVM = ["-Xmx256m", "-Xms256m", "-server", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-XX:InitiatingHeapOccupancyPercent=35", "-Djava.awt.headless=true"];

/**
 * A Kafka perf tool: inside the broker container (docker exec, the
 * comparison the issue asks for), or on the host with the image's own jars
 * (copied out once) against the published HOST listener: the network path
 * our apps take, as a control.
 */
function kafkaTool(where: ToolHost, script: string, argv: (bootstrap: string) => string[], hostBootstrap: string): Promise<string> {
  if (where === "container") {
    return timeCommandAsync(
      "docker",
      ["exec", "-e", "KAFKA_HEAP_OPTS=-Xmx256m -Xms256m", KAFKA_CONTAINER, `/opt/kafka/bin/${script}`, ...argv("localhost:9092")],
      { timeoutMs: 400_000 },
    ).then((r) => r.stdout + r.stderr);
  }
  const libs = join(work, "kafka", "libs");
  if (!existsSync(libs)) {
    mkdirSync(join(work, "kafka"), { recursive: true });
    run("docker", ["cp", `${KAFKA_CONTAINER}:/opt/kafka/libs`, libs]);
  }
  return timeCommandAsync("java", [...KAFKA_JVM, "-cp", `${libs}/*`, TOOL_CLASSES[script]!, ...argv(hostBootstrap)], {
    timeoutMs: 400_000,
  }).then((r) => r.stdout + r.stderr);
}

async function kafkaToolProduce(where: ToolHost, topic: string, hostBootstrap: string): Promise<Sample & { line: string }> {
  const out = await kafkaTool(where, "kafka-producer-perf-test.sh", (bootstrap) => [
    "--topic", topic,
    "--num-records", String(KAFKA_N),
    "--record-size", String(MESSAGE_BYTES),
    "--throughput", "-1",
    "--producer-props", `bootstrap.servers=${bootstrap}`, "acks=all", "enable.idempotence=true",
  ], hostBootstrap);
  // 100000 records sent, 45000.1 records/sec (43.95 MB/sec), 300.00 ms avg latency, 600.00 ms max latency, 280 ms 50th, 550 ms 95th, 590 ms 99th, 600 ms 99.9th.
  const line = out.split("\n").filter((l) => /records sent/.test(l)).pop() ?? "";
  const m = /records sent, ([\d.]+) records\/sec .* (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th/.exec(line);
  if (!m) throw new Error(`kafka-producer-perf-test printed no summary:\n${out.slice(-2000)}`);
  return { rate: Number(m[1]), p50: Number(m[2]), p99: Number(m[4]), line };
}

async function kafkaToolConsume(where: ToolHost, topic: string, hostBootstrap: string): Promise<Sample & { line: string }> {
  const out = await kafkaTool(where, "kafka-consumer-perf-test.sh", (bootstrap) => [
    "--bootstrap-server", bootstrap,
    "--topic", topic,
    "--messages", String(KAFKA_N),
    "--group", `perf-consumer-${where}-${topic}`,
    "--timeout", "60000",
  ], hostBootstrap);
  // start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
  const lines = out.split("\n").filter((l) => l.trim());
  const header = lines.findIndex((l) => l.includes("nMsg.sec"));
  const cols = header >= 0 ? lines[header]!.split(",").map((c) => c.trim()) : [];
  const vals = header >= 0 ? (lines[header + 1] ?? "").split(",").map((c) => c.trim()) : [];
  const get = (name: string) => Number(vals[cols.indexOf(name)]);
  const consumed = get("data.consumed.in.nMsg");
  if (!Number.isFinite(get("fetch.nMsg.sec")) || consumed < KAFKA_N) {
    throw new Error(`kafka-consumer-perf-test: no summary or too few records (${consumed}):\n${out.slice(-2000)}`);
  }
  // fetch.nMsg.sec: records / time after the group join, as ours is measured from group-joined.
  return { rate: get("fetch.nMsg.sec"), overallRate: get("nMsg.sec"), line: `${lines[header]}\n${lines[header + 1]}` };
}

// ---------------------------------------------------------------- main

interface Series {
  ours: Sample[];
  tool: Sample[];
}

function summ(samples: Sample[], field: "rate" | "p50" | "p99"): Summary {
  return summarize(samples.map((s) => s[field]).filter((v): v is number => typeof v === "number" && Number.isFinite(v)));
}

async function main(): Promise<void> {
  const started = Date.now();
  const loadStart = os.loadavg();
  if (!existsSync(join(PERFTEST_HOME, "lib"))) throw new Error(`no PerfTest in ${PERFTEST_HOME}: run bash toolchain/bench-tools.sh perftest`);
  log(`throughput: ${RUNS} runs after a warm-up; RabbitMQ ${RABBIT_N} and Kafka ${KAFKA_N} messages of ${MESSAGE_BYTES} bytes; load average ${loadStart.map((l) => l.toFixed(2)).join(" ")}`);
  const password = randomBytes(18).toString("base64url");
  const inst: StackInstance = prepareInstance(join(work, "instance"), password);
  const tf = (argv: string[]) => run("terraform", [...argv, "-auto-approve", "-input=false", "-no-color"], { cwd: inst.dir, env: inst.env });
  log("throughput: deploying the default stack instance (terraform apply)");
  tf(["apply"]);
  let conn: amqp.ChannelModel | undefined;
  const rabbit = { pair: { ours: [], tool: [] } as Series, producer: { ours: [], tool: [] } as Series, consumer: { ours: [], tool: [] } as Series };
  const kafka = {
    producer: { ours: [], tool: [] } as Series,
    consumer: { ours: [], tool: [] } as Series,
    /** Control: the perf tools on the host, through the published port like our apps. */
    hostProducer: [] as Sample[],
    hostConsumer: [] as Sample[],
    e2e: [] as Sample[],
  };
  const perfToolLines: string[] = [];
  const profiles: Record<string, ProfileSummary> = {};
  try {
    // The stack's own apps would compete for the queue and write to the broker.
    const apps = inst.containers.filter((n) => /(producer|consumer)/.test(n));
    run("docker", ["stop", ...apps]);
    const out = outputs(inst);
    const amqpUrl = out.rabbitmq_amqp_url!;
    const bootstrap = out.kafka_bootstrap_servers!;
    conn = await amqp.connect(amqpUrl);
    const ch = await conn.createChannel();

    for (let i = 0; i <= RUNS; i++) {
      const order = i % 2 === 0 ? ["ours", "tool"] : ["tool", "ours"];
      for (const who of order) {
        if (who === "ours") {
          const r = await rabbitOurs(amqpUrl, ch);
          if (i > 0) (["pair", "producer", "consumer"] as const).forEach((k) => rabbit[k].ours.push(r[k]));
          log(`throughput: RabbitMQ run ${i}${i === 0 ? " (warm-up)" : ""} ours: ${r.pair.rate.toFixed(0)} msg/s, e2e p50 ${r.pair.p50} ms p99 ${r.pair.p99} ms`);
        } else {
          const r = await rabbitPerfTest(amqpUrl, ch);
          if (i > 0) (["pair", "producer", "consumer"] as const).forEach((k) => rabbit[k].tool.push(r[k]));
          if (i === RUNS) perfToolLines.push(`PerfTest:\n${r.output}`);
          log(`throughput: RabbitMQ run ${i}${i === 0 ? " (warm-up)" : ""} PerfTest: ${r.pair.rate.toFixed(0)} msg/s, e2e p50 ${r.pair.p50} ms p99 ${r.pair.p99} ms`);
        }
      }
    }

    const topics = Array.from({ length: RUNS + 1 }, (_, i) => [`bench-ours-${i}`, `bench-tool-${i}`, `bench-host-${i}`, `bench-e2e-${i}`]).flat();
    await createTopics(bootstrap, topics);
    for (let i = 0; i <= RUNS; i++) {
      const order = i % 2 === 0 ? ["ours", "tool", "host"] : ["host", "tool", "ours"];
      for (const who of order) {
        if (who === "host") {
          const p = await kafkaToolProduce("host", `bench-host-${i}`, bootstrap);
          const c = await kafkaToolConsume("host", `bench-host-${i}`, bootstrap);
          if (i > 0) {
            kafka.hostProducer.push(p);
            kafka.hostConsumer.push(c);
          }
          log(`throughput: Kafka run ${i}${i === 0 ? " (warm-up)" : ""} perf tools on the host: produce ${p.rate.toFixed(0)} msg/s (p50 ${p.p50} ms, p99 ${p.p99} ms), consume ${c.rate.toFixed(0)} msg/s`);
        } else if (who === "ours") {
          const p = await kafkaOursProduce(bootstrap, `bench-ours-${i}`);
          const c = await kafkaOursConsume(bootstrap, `bench-ours-${i}`);
          if (i > 0) {
            kafka.producer.ours.push(p);
            kafka.consumer.ours.push(c);
          }
          log(`throughput: Kafka run ${i}${i === 0 ? " (warm-up)" : ""} ours: produce ${p.rate.toFixed(0)} msg/s (p50 ${p.p50} ms, p99 ${p.p99} ms), consume ${c.rate.toFixed(0)} msg/s (CPU ${((c.cpuShare as number) * 100).toFixed(0)}% of a core), committed offsets after stop ${String(c.committedAfterStop)}`);
        } else {
          const p = await kafkaToolProduce("container", `bench-tool-${i}`, bootstrap);
          const c = await kafkaToolConsume("container", `bench-tool-${i}`, bootstrap);
          if (i > 0) {
            kafka.producer.tool.push(p);
            kafka.consumer.tool.push(c);
          }
          if (i === RUNS) perfToolLines.push(`kafka-producer-perf-test:\n${p.line}\nkafka-consumer-perf-test:\n${c.line}`);
          log(`throughput: Kafka run ${i}${i === 0 ? " (warm-up)" : ""} perf tools: produce ${p.rate.toFixed(0)} msg/s (p50 ${p.p50} ms, p99 ${p.p99} ms), consume ${c.rate.toFixed(0)} msg/s`);
        }
      }
    }
    for (let i = 1; i <= RUNS; i++) {
      const e = await kafkaOursEndToEnd(bootstrap, `bench-e2e-${i}`);
      kafka.e2e.push(e);
      log(`throughput: Kafka end-to-end run ${i} ours: ${e.rate.toFixed(0)} msg/s produced, e2e p50 ${e.p50} ms p99 ${e.p99} ms`);
    }
    if (PROFILE) {
      // Where our Kafka consumer's time goes (the perf-tool ratio the target is most at risk on).
      const dir = join(work, "prof-kafka-consumer");
      mkdirSync(dir, { recursive: true });
      await createTopics(bootstrap, ["bench-profile"]);
      await kafkaOursProduce(bootstrap, "bench-profile");
      const c = await kafkaOursConsume(bootstrap, "bench-profile", ["--cpu-prof", "--cpu-prof-dir", dir]);
      const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
      if (file) profiles["kafka-consumer, consume-only run"] = summarizeProfile(join(dir, file));
      log(`throughput: profiled kafka-consumer (${c.rate.toFixed(0)} msg/s under the profiler)`);
    }
    const oom = run("docker", ["inspect", "--format", "{{.State.OOMKilled}} {{.RestartCount}}", KAFKA_CONTAINER]).trim();
    if (oom !== "false 0") log(`throughput: WARNING: ${KAFKA_CONTAINER} OOMKilled/RestartCount = ${oom}`);
  } finally {
    await conn?.close().catch(() => undefined);
    log("throughput: destroying the instance (terraform destroy)");
    try {
      tf(["destroy"]);
    } catch (err) {
      log(`throughput: destroy failed: ${(err as Error).message}`);
    }
    rmSync(work, { recursive: true, force: true });
  }

  type Row = { name: string; series: Series; latency: boolean; note: string };
  const rows: Row[] = [
    { name: "RabbitMQ producer + consumer (end-to-end)", series: rabbit.pair, latency: true, note: "latency: publish → consumed" },
    { name: "RabbitMQ producer (confirmed)", series: rabbit.producer, latency: true, note: "latency: publish → confirm" },
    { name: "Kafka producer (acks=all)", series: kafka.producer, latency: true, note: "latency: send → ack" },
    { name: "Kafka consumer", series: kafka.consumer, latency: false, note: "after the group join" },
  ];
  const results = rows.map((r) => {
    const o = summ(r.series.ours, "rate");
    const t = summ(r.series.tool, "rate");
    return {
      name: r.name,
      note: r.note,
      ours: { rate: o, p50: summ(r.series.ours, "p50"), p99: summ(r.series.ours, "p99") },
      tool: { rate: t, p50: summ(r.series.tool, "p50"), p99: summ(r.series.tool, "p99") },
      ratio: ratio(o.median, t.median),
      latency: r.latency,
    };
  });
  const e2e = { rate: summ(kafka.e2e, "rate"), p50: summ(kafka.e2e, "p50"), p99: summ(kafka.e2e, "p99") };

  out(`\n### Throughput: our apps vs the brokers' perf tools (${MESSAGE_BYTES}-byte messages; median (min–max) of ${RUNS} runs after a warm-up)\n`);
  out(
    table(
      ["flow", "ours msg/s", "perf tool msg/s", "ours/tool", "ours p50 ms", "ours p99 ms", "tool p50 ms", "tool p99 ms", "latency"],
      results.map((r) => [
        r.name,
        fmt(r.ours.rate, 0),
        fmt(r.tool.rate, 0),
        `${r.ratio.toFixed(2)}×`,
        r.latency ? fmt(r.ours.p50, 0) : "–",
        r.latency ? fmt(r.ours.p99, 0) : "–",
        r.latency ? fmt(r.tool.p50, 0) : "–",
        r.latency ? fmt(r.tool.p99, 0) : "–",
        r.note,
      ]),
    ),
  );
  const hostRows = [
    ["Kafka producer (acks=all)", kafka.hostProducer, kafka.producer.ours],
    ["Kafka consumer", kafka.hostConsumer, kafka.consumer.ours],
  ] as const;
  const control = hostRows.map(([name, host, ours]) => ({
    name,
    host: { rate: summ([...host], "rate"), p50: summ([...host], "p50"), p99: summ([...host], "p99") },
    ratio: ratio(summ([...ours], "rate").median, summ([...host], "rate").median),
  }));
  out(`\nControl: the Kafka perf tools on the host through the published port (the path our apps take):\n`);
  out(
    table(
      ["flow", "tool on host msg/s", "ours/tool-on-host", "tool p50 ms", "tool p99 ms"],
      control.map((c) => [c.name, fmt(c.host.rate, 0), `${c.ratio.toFixed(2)}×`, c.name.includes("producer") ? fmt(c.host.p50, 0) : "–", c.name.includes("producer") ? fmt(c.host.p99, 0) : "–"]),
    ),
  );
  out(`\nKafka producer + consumer at the same time (ours only; no perf tool reports end-to-end latency):\n`);
  out(table(["flow", "produced msg/s", "e2e p50 ms", "e2e p99 ms"], [["Kafka producer + consumer", fmt(e2e.rate, 0), fmt(e2e.p50, 0), fmt(e2e.p99, 0)]]));
  const committed = kafka.consumer.ours.map((c) => c.committedAfterStop as number);
  out(`\nKafka consumer (ours): offsets committed for the group after a clean stop: ${committed.join(", ")} of ${KAFKA_N} each run.`);
  const cpu = summarize(kafka.consumer.ours.map((c) => (c.cpuShare as number) * 100));
  out(`Kafka consumer (ours): CPU while consuming, % of one core: ${fmt(cpu, 0)}.`);
  out(`\nLast run's perf tool summaries:\n${perfToolLines.join("\n")}`);
  const targets = results.map((r) => ({
    target: `${r.name}: app throughput ≥ 0.5× the perf tool`,
    measured: `${r.ratio.toFixed(2)}× (${r.ours.rate.median.toFixed(0)} vs ${r.tool.rate.median.toFixed(0)} msg/s)`,
    met: r.ratio >= TARGET_RATIO,
  }));
  out(`\n### Targets\n`);
  out(table(["target", "measured", "met"], targets.map((t) => [t.target, t.measured, t.met ? "yes" : "NO"])));

  for (const [title, p] of Object.entries(profiles)) {
    out(`\n#### Profile: ${title} (${p.totalMs} ms sampled, ${p.busyMs} ms not idle; % of the latter)\n`);
    out(table(["group", "ms", "%"], p.byGroup.slice(0, 10).map((r) => [r.name, r.ms.toFixed(1), r.percent.toFixed(1)])));
    out("");
    out(table(["top self-time function", "ms", "%"], p.topSelf.slice(0, 12).map((r) => [r.name, r.ms.toFixed(1), r.percent.toFixed(1)])));
    out("");
    out(table(["top inclusive-time function", "ms", "%"], p.topInclusive.slice(0, 12).map((r) => [r.name, r.ms.toFixed(1), r.percent.toFixed(1)])));
  }

  const file = writeResult("throughput", {
    profiles,
    command: "node -r esbuild-register bench/throughput.ts " + process.argv.slice(2).join(" "),
    runs: RUNS,
    settings: {
      messageBytes: MESSAGE_BYTES,
      rabbitmq: { messages: RABBIT_N, queue: `${QUEUE} (quorum, durable)`, confirms: true, maxUnconfirmed: MAX_UNCONFIRMED, persistent: true, prefetch: PREFETCH, ack: "one per message", via: "127.0.0.1 published port (docker-proxy)" },
      kafka: { messages: KAFKA_N, partitions: TOPIC_PARTITIONS, replication: 1, acks: "all", idempotent: true, ours: "host, 127.0.0.1 published HOST listener", tools: "docker exec in the broker container, localhost:9092" },
      perfTest: "com.rabbitmq:perf-test:2.22.1",
    },
    loadAverage: { start: loadStart, end: os.loadavg() },
    durationSeconds: Math.round((Date.now() - started) / 1000),
    results,
    kafkaEndToEnd: e2e,
    kafkaToolsOnHost: control,
    kafkaCommittedAfterStop: committed,
    kafkaConsumerCpuPercent: cpu,
    targets,
    raw: { rabbit, kafka },
  });
  writeReport("throughput", runHeader(file, loadStart));
  log(`throughput: wrote ${file} in ${Math.round((Date.now() - started) / 1000)} s`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  rmSync(work, { recursive: true, force: true });
  process.exit(1);
});
