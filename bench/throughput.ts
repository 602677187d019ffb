/**
 * Throughput benchmark (issue 5, part 3).
 *
 *   node -r esbuild-register bench/throughput.ts [--runs 3] [--rabbitmq-messages 20000] [--kafka-messages 200000]
 *        [--baseline REV] [--only kafka|rabbitmq] [--rabbitmq-prefetch 50]
 *
 * `--baseline REV` also runs our apps as commit REV built them
 * (bench/lib/baseline-apps.ts), in the same rotation, and reports
 * before/after rows: a change to the apps measured against its parent in one
 * session. `--rabbitmq-prefetch` sets our consumer's CONSUMER_PREFETCH (PerfTest
 * at its defaults keeps -q 50), for sweeping it. `--only` runs one broker's flows, for iterating; such a run writes
 * bench/results/throughput-<broker>-only.{json,md} and leaves BENCHMARKS.md alone.
 *
 * Deploys a private instance of the default stack (bench/lib/stack-instance.ts,
 * `terraform apply`), stops its four app containers (so nothing else touches
 * the queue), and measures on the same brokers, alternating in one session
 * (one warm-up pair, then --runs pairs, the order flipping every pair):
 *
 * RabbitMQ, queue `orders` (quorum, durable) through the AMQP port published
 * on 127.0.0.1, 1 KiB bodies, publisher confirms (at most 1000 unconfirmed),
 * persistent messages; PerfTest's consumer prefetch 50 with one ack per
 * message, ours at its defaults (CONSUMER_PREFETCH 200, acks in runs); a
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
 * Each perf tool ALSO runs at its best setting, in the same session and the
 * same rotation, when bench/results/perf-tool-sweep.json exists (written by
 * bench/perf-tool-sweep.ts; `--no-best` leaves it out): PerfTest with the
 * sweep's knobs (producers, consumers, confirm window, prefetch, multi-ack),
 * its rate by the sweep's definition (N / its own clock at the N-th message
 * received, or confirmed); kafka-producer-perf-test with the sweep's client
 * properties on a topic of its own, then kafka-consumer-perf-test with its
 * properties on that topic. The default-setting rows stay as they were.
 *
 * Our apps' stats interval is set longer than a run, so the one `stats` line
 * they write at done/shutdown summarizes the whole run (percentiles over a
 * uniform sample of up to 100k latencies), except the Kafka consumer in the
 * consume-only phase, which reports every second so the end of the run can be
 * found (interpolated inside the last second).
 *
 * The runs themselves are bench/lib/rabbitmq-runs.ts and bench/lib/kafka-runs.ts,
 * shared with bench/cluster-throughput.ts.
 */
import { randomBytes } from "crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "fs";
import * as os from "os";
import { join } from "path";
import * as amqp from "amqplib";
import { KAFKA_ADMIN_USER } from "../constructs/brokers/kafka/kafka-constants";
import { MESSAGE_BYTES, summarizeField, type Sample } from "./lib/app-runs";
import { summarizeProfile, type ProfileSummary } from "./lib/cpuprofile";
import {
  createTopics,
  kafkaOursConsume,
  kafkaOursEndToEnd,
  kafkaOursProduce,
  kafkaToolConsume,
  kafkaToolProduce,
  TOPIC_PARTITIONS,
  type KafkaRunTarget,
} from "./lib/kafka-runs";
import { buildBaselineApps } from "./lib/baseline-apps";
import { run } from "./lib/proc";
import { readPerfToolBest } from "./lib/perf-tool-best";
import {
  MAX_UNCONFIRMED,
  OURS_PREFETCH as DEFAULT_OURS_PREFETCH,
  PERFTEST_HOME,
  PREFETCH,
  rabbitOurs,
  rabbitPerfTest,
  type RabbitMqRunTarget,
} from "./lib/rabbitmq-runs";
import { outputs, prepareInstance, PREFIX, type StackInstance } from "./lib/stack-instance";
import { fmt, out, REPO_ROOT, runHeader, log, parseArgs, ratio, summarize, table, writeReport, writeResult } from "./lib/stats";

const args = parseArgs(process.argv.slice(2));
const RUNS = Number(args.get("runs") ?? 3);
const RABBIT_N = Number(args.get("rabbitmq-messages") ?? 20_000);
const KAFKA_N = Number(args.get("kafka-messages") ?? 200_000);
const QUEUE = "orders";
/** Issue 5: every app at least half its broker's perf tool at the tool's defaults. */
const TARGET_RATIO = 0.5;
/** Issue 12: against the perf tool at its best (bench/perf-tool-sweep.ts). */
const BEST_TARGET_RATIO: Readonly<Record<string, number>> = {
  "RabbitMQ producer + consumer (end-to-end)": 0.8,
  "RabbitMQ producer (confirmed)": 0.8,
  "Kafka producer (acks=all)": 0.9,
  "Kafka consumer": 0.8,
};
const PROFILE = !args.has("no-profile");
const KAFKA_CONTAINER = `${PREFIX}kafka`;
/** The perf tools' best settings from bench/perf-tool-sweep.ts, if it has been run. */
const BEST = args.has("no-best") ? undefined : readPerfToolBest();
/** `--baseline REV`: our apps as REV built them also run, in the same rotation, for before/after rows. */
const BASELINE = args.get("baseline");
/** `--rabbitmq-prefetch N`: our consumer's CONSUMER_PREFETCH (both builds), for a sweep; PerfTest at its defaults keeps PREFETCH. @default the app's default */
const OURS_PREFETCH = Number(args.get("rabbitmq-prefetch") ?? DEFAULT_OURS_PREFETCH);
/** `--only kafka` or `--only rabbitmq`: one broker's runs (for iterating; the report then has the other's rows empty). */
const ONLY = args.get("only");
if (ONLY !== undefined && ONLY !== "kafka" && ONLY !== "rabbitmq") throw new Error(`--only ${ONLY}: expected kafka or rabbitmq`);

const work = mkdtempSync(join(os.tmpdir(), "bench-throughput-"));

// ---------------------------------------------------------------- main

interface Series {
  ours: Sample[];
  tool: Sample[];
}

async function main(): Promise<void> {
  const started = Date.now();
  const loadStart = os.loadavg();
  if (!existsSync(join(PERFTEST_HOME, "lib")))
    throw new Error(`no PerfTest in ${PERFTEST_HOME}: run bash toolchain/bench-tools.sh perftest`);
  log(
    `throughput: ${RUNS} runs after a warm-up; RabbitMQ ${RABBIT_N} and Kafka ${KAFKA_N} messages of ${MESSAGE_BYTES} bytes; load average ${loadStart.map((l) => l.toFixed(2)).join(" ")}`,
  );
  log(
    BEST
      ? `throughput: perf tools also at their best (${BEST.file.replace(`${REPO_ROOT}/`, "")}, ${BEST.finishedAt}): PerfTest ${BEST.perfTest?.args.join(" ") ?? "(not swept)"}; producer ${JSON.stringify(BEST.kafkaProducer?.properties ?? {})}; consumer ${JSON.stringify(BEST.kafkaConsumer?.properties ?? {})}`
      : "throughput: no perf-tool sweep result: the perf tools run at their defaults only",
  );
  const baseline = BASELINE === undefined ? undefined : buildBaselineApps(BASELINE, work);
  const password = randomBytes(18).toString("base64url");
  const inst: StackInstance = prepareInstance(join(work, "instance"), password);
  const tf = (argv: string[]) =>
    run("terraform", [...argv, "-auto-approve", "-input=false", "-no-color"], { cwd: inst.dir, env: inst.env });
  log("throughput: deploying the default stack instance (terraform apply)");
  tf(["apply"]);
  let conn: amqp.ChannelModel | undefined;
  const rabbit = {
    pair: { ours: [], tool: [] } as Series,
    producer: { ours: [], tool: [] } as Series,
    consumer: { ours: [], tool: [] } as Series,
  };
  const kafka = {
    producer: { ours: [], tool: [] } as Series,
    consumer: { ours: [], tool: [] } as Series,
    /** Control: the perf tools on the host, through the published port like our apps. */
    hostProducer: [] as Sample[],
    hostConsumer: [] as Sample[],
    e2e: [] as Sample[],
  };
  /** The perf tools at the sweep's best settings (empty without a sweep result). */
  const best = { rabbitPair: [] as Sample[], rabbitProducer: [] as Sample[], kafkaProducer: [] as Sample[], kafkaConsumer: [] as Sample[] };
  /** PerfTest at its defaults, rated by the sweep's definition (N / its clock at the N-th message), for comparison with `best`. */
  const perfTestDefaultIntervals = { pair: [] as Sample[], producer: [] as Sample[] };
  /** Our apps as the baseline commit built them (empty without --baseline). */
  const before = {
    rabbitPair: [] as Sample[],
    rabbitProducer: [] as Sample[],
    kafkaProducer: [] as Sample[],
    kafkaConsumer: [] as Sample[],
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
    const rabbitTarget: RabbitMqRunTarget = { url: amqpUrl, queue: QUEUE, messages: RABBIT_N, work, prefetch: OURS_PREFETCH };
    const sasl = { username: KAFKA_ADMIN_USER, password: inst.env.TF_VAR_kafka_admin_password! };
    const kafkaTarget: KafkaRunTarget = { bootstrap, container: KAFKA_CONTAINER, messages: KAFKA_N, work, sasl };

    for (let i = 0; ONLY !== "kafka" && i <= RUNS; i++) {
      const whos = [...(BEST?.perfTest ? ["ours", "tool", "best"] : ["ours", "tool"]), ...(baseline ? ["before"] : [])];
      const order = i % 2 === 0 ? whos : [...whos].reverse();
      for (const who of order) {
        if (who === "before") {
          const r = await rabbitOurs({ ...rabbitTarget, appsRoot: baseline!.appsRoot }, ch);
          if (i > 0) {
            before.rabbitPair.push(r.pair);
            before.rabbitProducer.push(r.producer);
          }
          log(
            `throughput: RabbitMQ run ${i}${i === 0 ? " (warm-up)" : ""} ours at ${baseline!.commit}: ${r.pair.rate.toFixed(0)} msg/s, e2e p50 ${r.pair.p50} ms p99 ${r.pair.p99} ms`,
          );
        } else if (who === "best") {
          const r = await rabbitPerfTest(rabbitTarget, ch, BEST!.perfTest!.options);
          if (r.queueLeft > 0) log(`throughput: WARNING: ${r.queueLeft} messages left in ${QUEUE} after PerfTest at its best`);
          if (i > 0) {
            best.rabbitPair.push({ ...r.pair, rate: r.pair.intervalRate as number });
            best.rabbitProducer.push({ ...r.producer, rate: r.producer.intervalRate as number });
          }
          if (i === RUNS) perfToolLines.push(`PerfTest at its best (${BEST!.perfTest!.args.join(" ")}):\n${r.output}`);
          log(
            `throughput: RabbitMQ run ${i}${i === 0 ? " (warm-up)" : ""} PerfTest at its best: ${(r.pair.intervalRate as number).toFixed(0)} msg/s, e2e p50 ${r.pair.p50} ms p99 ${r.pair.p99} ms`,
          );
        } else if (who === "ours") {
          const r = await rabbitOurs(rabbitTarget, ch);
          if (i > 0) (["pair", "producer", "consumer"] as const).forEach((k) => rabbit[k].ours.push(r[k]));
          log(
            `throughput: RabbitMQ run ${i}${i === 0 ? " (warm-up)" : ""} ours: ${r.pair.rate.toFixed(0)} msg/s, e2e p50 ${r.pair.p50} ms p99 ${r.pair.p99} ms`,
          );
        } else {
          const r = await rabbitPerfTest(rabbitTarget, ch);
          if (r.queueLeft > 0) log(`throughput: WARNING: ${r.queueLeft} messages left in ${QUEUE} after PerfTest`);
          if (i > 0) (["pair", "producer", "consumer"] as const).forEach((k) => rabbit[k].tool.push(r[k]));
          if (i > 0) {
            perfTestDefaultIntervals.pair.push({ rate: r.pair.intervalRate as number });
            perfTestDefaultIntervals.producer.push({ rate: r.producer.intervalRate as number });
          }
          if (i === RUNS) perfToolLines.push(`PerfTest:\n${r.output}`);
          log(
            `throughput: RabbitMQ run ${i}${i === 0 ? " (warm-up)" : ""} PerfTest: ${r.pair.rate.toFixed(0)} msg/s, e2e p50 ${r.pair.p50} ms p99 ${r.pair.p99} ms`,
          );
        }
      }
    }

    const kafkaBest = BEST?.kafkaProducer || BEST?.kafkaConsumer;
    const topics = Array.from({ length: RUNS + 1 }, (_, i) => [
      `bench-ours-${i}`,
      `bench-tool-${i}`,
      `bench-host-${i}`,
      `bench-e2e-${i}`,
      ...(kafkaBest ? [`bench-best-${i}`] : []),
      ...(baseline ? [`bench-before-${i}`] : []),
    ]).flat();
    await createTopics(kafkaTarget, topics, 1);
    for (let i = 0; ONLY !== "rabbitmq" && i <= RUNS; i++) {
      const whos = [...(kafkaBest ? ["ours", "tool", "host", "best"] : ["ours", "tool", "host"]), ...(baseline ? ["before"] : [])];
      const order = i % 2 === 0 ? whos : [...whos].reverse();
      for (const who of order) {
        if (who === "before") {
          const target = { ...kafkaTarget, appsRoot: baseline!.appsRoot };
          const p = await kafkaOursProduce(target, `bench-before-${i}`);
          const c = await kafkaOursConsume(target, `bench-before-${i}`);
          if (i > 0) {
            before.kafkaProducer.push(p);
            before.kafkaConsumer.push(c);
          }
          log(
            `throughput: Kafka run ${i}${i === 0 ? " (warm-up)" : ""} ours at ${baseline!.commit}: produce ${p.rate.toFixed(0)} msg/s, consume ${c.rate.toFixed(0)} msg/s (CPU ${((c.cpuShare as number) * 100).toFixed(0)}% of a core, peak RSS ${(c.peakRssMiB as number).toFixed(0)} MiB)`,
          );
        } else if (who === "best") {
          const p = await kafkaToolProduce(kafkaTarget, "container", `bench-best-${i}`, BEST?.kafkaProducer?.properties);
          const c = await kafkaToolConsume(kafkaTarget, "container", `bench-best-${i}`, BEST?.kafkaConsumer?.properties);
          if (i > 0) {
            best.kafkaProducer.push(p);
            best.kafkaConsumer.push(c);
          }
          if (i === RUNS)
            perfToolLines.push(`kafka-producer-perf-test at its best:\n${p.line}\nkafka-consumer-perf-test at its best:\n${c.line}`);
          log(
            `throughput: Kafka run ${i}${i === 0 ? " (warm-up)" : ""} perf tools at their best: produce ${p.rate.toFixed(0)} msg/s (p50 ${p.p50} ms, p99 ${p.p99} ms), consume ${c.rate.toFixed(0)} msg/s`,
          );
        } else if (who === "host") {
          const p = await kafkaToolProduce(kafkaTarget, "host", `bench-host-${i}`);
          const c = await kafkaToolConsume(kafkaTarget, "host", `bench-host-${i}`);
          if (i > 0) {
            kafka.hostProducer.push(p);
            kafka.hostConsumer.push(c);
          }
          log(
            `throughput: Kafka run ${i}${i === 0 ? " (warm-up)" : ""} perf tools on the host: produce ${p.rate.toFixed(0)} msg/s (p50 ${p.p50} ms, p99 ${p.p99} ms), consume ${c.rate.toFixed(0)} msg/s`,
          );
        } else if (who === "ours") {
          const p = await kafkaOursProduce(kafkaTarget, `bench-ours-${i}`);
          const c = await kafkaOursConsume(kafkaTarget, `bench-ours-${i}`);
          if (i > 0) {
            kafka.producer.ours.push(p);
            kafka.consumer.ours.push(c);
          }
          log(
            `throughput: Kafka run ${i}${i === 0 ? " (warm-up)" : ""} ours: produce ${p.rate.toFixed(0)} msg/s (p50 ${p.p50} ms, p99 ${p.p99} ms), consume ${c.rate.toFixed(0)} msg/s (CPU ${((c.cpuShare as number) * 100).toFixed(0)}% of a core, peak RSS ${(c.peakRssMiB as number).toFixed(0)} MiB), committed offsets after stop ${String(c.committedAfterStop)}`,
          );
        } else {
          const p = await kafkaToolProduce(kafkaTarget, "container", `bench-tool-${i}`);
          const c = await kafkaToolConsume(kafkaTarget, "container", `bench-tool-${i}`);
          if (i > 0) {
            kafka.producer.tool.push(p);
            kafka.consumer.tool.push(c);
          }
          if (i === RUNS) perfToolLines.push(`kafka-producer-perf-test:\n${p.line}\nkafka-consumer-perf-test:\n${c.line}`);
          log(
            `throughput: Kafka run ${i}${i === 0 ? " (warm-up)" : ""} perf tools: produce ${p.rate.toFixed(0)} msg/s (p50 ${p.p50} ms, p99 ${p.p99} ms), consume ${c.rate.toFixed(0)} msg/s`,
          );
        }
      }
    }
    for (let i = 1; ONLY !== "rabbitmq" && i <= RUNS; i++) {
      const e = await kafkaOursEndToEnd(kafkaTarget, `bench-e2e-${i}`);
      kafka.e2e.push(e);
      log(`throughput: Kafka end-to-end run ${i} ours: ${e.rate.toFixed(0)} msg/s produced, e2e p50 ${e.p50} ms p99 ${e.p99} ms`);
    }
    if (PROFILE && ONLY !== "rabbitmq") {
      // Where our Kafka apps' time goes (the two ratios most at risk against the tools at their best).
      const profiled = async (title: string, runIt: (nodeArgs: string[]) => Promise<Sample>): Promise<void> => {
        const dir = join(work, `prof-${Object.keys(profiles).length}`);
        mkdirSync(dir, { recursive: true });
        const r = await runIt(["--cpu-prof", "--cpu-prof-dir", dir]);
        const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
        if (file) profiles[title] = summarizeProfile(join(dir, file));
        log(`throughput: profiled ${title} (${r.rate.toFixed(0)} msg/s under the profiler)`);
      };
      await createTopics(kafkaTarget, ["bench-profile"], 1);
      await profiled("kafka-producer, produce-only run", (nodeArgs) => kafkaOursProduce(kafkaTarget, "bench-profile", nodeArgs));
      await profiled("kafka-consumer, consume-only run", (nodeArgs) => kafkaOursConsume(kafkaTarget, "bench-profile", nodeArgs));
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
    const o = summarizeField(r.series.ours, "rate");
    const t = summarizeField(r.series.tool, "rate");
    return {
      name: r.name,
      note: r.note,
      ours: { rate: o, p50: summarizeField(r.series.ours, "p50"), p99: summarizeField(r.series.ours, "p99") },
      tool: { rate: t, p50: summarizeField(r.series.tool, "p50"), p99: summarizeField(r.series.tool, "p99") },
      ratio: ratio(o.median, t.median),
      latency: r.latency,
    };
  });
  const e2e = { rate: summarizeField(kafka.e2e, "rate"), p50: summarizeField(kafka.e2e, "p50"), p99: summarizeField(kafka.e2e, "p99") };

  out(
    `\n### Throughput: our apps vs the brokers' perf tools (${MESSAGE_BYTES}-byte messages; median (min–max) of ${RUNS} runs after a warm-up)\n`,
  );
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
  // The perf tools at their best (bench/perf-tool-sweep.ts), measured in this session next to ours.
  const bestRows = [
    {
      name: "RabbitMQ producer + consumer (end-to-end)",
      ours: rabbit.pair.ours,
      tool: best.rabbitPair,
      setting: BEST?.perfTest?.args.join(" "),
      latency: true,
    },
    {
      name: "RabbitMQ producer (confirmed)",
      ours: rabbit.producer.ours,
      tool: best.rabbitProducer,
      setting: BEST?.perfTest?.args.join(" "),
      latency: true,
    },
    {
      name: "Kafka producer (acks=all)",
      ours: kafka.producer.ours,
      tool: best.kafkaProducer,
      setting: props(BEST?.kafkaProducer?.properties),
      latency: true,
    },
    {
      name: "Kafka consumer",
      ours: kafka.consumer.ours,
      tool: best.kafkaConsumer,
      setting: props(BEST?.kafkaConsumer?.properties),
      latency: false,
    },
  ]
    .filter((r) => r.tool.length > 0)
    .map((r) => {
      const o = summarizeField(r.ours, "rate");
      const t = summarizeField(r.tool, "rate");
      return {
        name: r.name,
        setting: r.setting ?? "defaults",
        ours: o,
        tool: { rate: t, p50: summarizeField(r.tool, "p50"), p99: summarizeField(r.tool, "p99") },
        ratio: ratio(o.median, t.median),
        latency: r.latency,
      };
    });
  const perfTestDefaultByIntervals = {
    pair: summarizeField(perfTestDefaultIntervals.pair, "rate"),
    producer: summarizeField(perfTestDefaultIntervals.producer, "rate"),
  };
  if (BEST) {
    out(`\n### Our apps vs the perf tools at their best (the same runs of ours; median (min–max) of ${RUNS} runs after a warm-up)\n`);
    out(
      `Best settings from \`${BEST.file.replace(`${REPO_ROOT}/`, "")}\` (bench/perf-tool-sweep.ts, finished ${BEST.finishedAt}), ` +
        `run in this session in the same rotation as the rows above, at the same durability.\n`,
    );
    out(
      table(
        [
          "flow",
          "ours msg/s",
          "perf tool at its best msg/s",
          "ours/tool at best",
          "tool p50 ms",
          "tool p99 ms",
          "tool setting (from the sweep)",
        ],
        bestRows.map((r) => [
          r.name,
          fmt(r.ours, 0),
          fmt(r.tool.rate, 0),
          `${r.ratio.toFixed(2)}×`,
          r.latency ? fmt(r.tool.p50, 0) : "–",
          r.latency ? fmt(r.tool.p99, 0) : "–",
          r.setting,
        ]),
      ),
    );
    if (best.rabbitPair.length > 0) {
      out(
        `\nPerfTest at its best is rated as the sweep rates it: N / PerfTest's own clock at the N-th message received (producer: confirmed), from its per-second reports. ` +
          `PerfTest at its defaults by that definition, in the same runs as the rows above: ${fmt(perfTestDefaultByIntervals.pair, 0)} msg/s received, ${fmt(perfTestDefaultByIntervals.producer, 0)} msg/s confirmed ` +
          `(its summary, used above: ${fmt(summarizeField(rabbit.pair.tool, "rate"), 0)}).`,
      );
    }
  } else {
    out(`\nNo \`bench/results/perf-tool-sweep.json\` (bench/perf-tool-sweep.ts not run): the perf tools ran at their defaults only.`);
  }
  const beforeAfter = baseline
    ? (
        [
          ["RabbitMQ producer + consumer (end-to-end)", before.rabbitPair, rabbit.pair.ours],
          ["RabbitMQ producer (confirmed)", before.rabbitProducer, rabbit.producer.ours],
          ["Kafka producer (acks=all)", before.kafkaProducer, kafka.producer.ours],
          ["Kafka consumer", before.kafkaConsumer, kafka.consumer.ours],
        ] as const
      ).map(([name, then, now]) => ({
        name,
        before: summarizeField([...then], "rate"),
        after: summarizeField([...now], "rate"),
        ratio: ratio(summarizeField([...now], "rate").median, summarizeField([...then], "rate").median),
        cpuPercent:
          name === "Kafka consumer"
            ? {
                before: summarize(then.map((c) => (c.cpuShare as number) * 100)),
                after: summarize(now.map((c) => (c.cpuShare as number) * 100)),
              }
            : undefined,
        peakRssMiB:
          name === "Kafka consumer"
            ? { before: summarize(then.map((c) => c.peakRssMiB as number)), after: summarize(now.map((c) => c.peakRssMiB as number)) }
            : undefined,
      }))
    : undefined;
  if (baseline && beforeAfter) {
    out(
      `\n### Our apps before (${baseline.commit}) and after (the working tree), same session, same rotation (median (min–max) of ${RUNS} runs after a warm-up)\n`,
    );
    out(
      table(
        ["flow", "before msg/s", "after msg/s", "after/before", "CPU % before → after", "peak RSS MiB before → after"],
        beforeAfter.map((r) => [
          r.name,
          fmt(r.before, 0),
          fmt(r.after, 0),
          `${r.ratio.toFixed(2)}×`,
          r.cpuPercent ? `${fmt(r.cpuPercent.before, 0)} → ${fmt(r.cpuPercent.after, 0)}` : "–",
          r.peakRssMiB ? `${fmt(r.peakRssMiB.before, 0)} → ${fmt(r.peakRssMiB.after, 0)}` : "–",
        ]),
      ),
    );
  }
  const hostRows = [
    ["Kafka producer (acks=all)", kafka.hostProducer, kafka.producer.ours],
    ["Kafka consumer", kafka.hostConsumer, kafka.consumer.ours],
  ] as const;
  const control = hostRows.map(([name, host, ours]) => ({
    name,
    host: { rate: summarizeField([...host], "rate"), p50: summarizeField([...host], "p50"), p99: summarizeField([...host], "p99") },
    ratio: ratio(summarizeField([...ours], "rate").median, summarizeField([...host], "rate").median),
  }));
  out(`\nControl: the Kafka perf tools on the host through the published port (the path our apps take):\n`);
  out(
    table(
      ["flow", "tool on host msg/s", "ours/tool-on-host", "tool p50 ms", "tool p99 ms"],
      control.map((c) => [
        c.name,
        fmt(c.host.rate, 0),
        `${c.ratio.toFixed(2)}×`,
        c.name.includes("producer") ? fmt(c.host.p50, 0) : "–",
        c.name.includes("producer") ? fmt(c.host.p99, 0) : "–",
      ]),
    ),
  );
  out(`\nKafka producer + consumer at the same time (ours only; no perf tool reports end-to-end latency):\n`);
  out(
    table(
      ["flow", "produced msg/s", "e2e p50 ms", "e2e p99 ms"],
      [["Kafka producer + consumer", fmt(e2e.rate, 0), fmt(e2e.p50, 0), fmt(e2e.p99, 0)]],
    ),
  );
  const committed = kafka.consumer.ours.map((c) => c.committedAfterStop as number);
  out(`\nKafka consumer (ours): offsets committed for the group after a clean stop: ${committed.join(", ")} of ${KAFKA_N} each run.`);
  const cpu = summarize(kafka.consumer.ours.map((c) => (c.cpuShare as number) * 100));
  out(`Kafka consumer (ours): CPU while consuming, % of one core: ${fmt(cpu, 0)}.`);
  const rss = summarize(kafka.consumer.ours.map((c) => c.peakRssMiB as number));
  const limit = kafka.consumer.ours[0]?.memoryLimitMiB as number | undefined;
  out(
    `Kafka consumer (ours): peak RSS, MiB: ${fmt(rss, 0)}, ${limit === undefined ? "run WITHOUT a memory limit (no cgroup could be made)" : `under a ${limit} MiB memory limit, as in its container`}.`,
  );
  out(`\nLast run's perf tool summaries:\n${perfToolLines.join("\n")}`);
  const targets = results.map((r) => ({
    target: `${r.name}: app throughput ≥ 0.5× the perf tool`,
    measured: `${r.ratio.toFixed(2)}× (${r.ours.rate.median.toFixed(0)} vs ${r.tool.rate.median.toFixed(0)} msg/s)`,
    met: r.ratio >= TARGET_RATIO,
  }));
  for (const r of bestRows) {
    const wanted = BEST_TARGET_RATIO[r.name] ?? TARGET_RATIO;
    targets.push({
      target: `${r.name}: app throughput ≥ ${wanted}× the perf tool at its best (${r.setting})`,
      measured: `${r.ratio.toFixed(2)}× (${r.ours.median.toFixed(0)} vs ${r.tool.rate.median.toFixed(0)} msg/s)`,
      met: r.ratio >= wanted,
    });
  }
  out(`\n### Targets\n`);
  out(
    table(
      ["target", "measured", "met"],
      targets.map((t) => [t.target, t.measured, t.met ? "yes" : "NO"]),
    ),
  );

  for (const [title, p] of Object.entries(profiles)) {
    out(`\n#### Profile: ${title} (${p.totalMs} ms sampled, ${p.busyMs} ms not idle; % of the latter)\n`);
    out(
      table(
        ["group", "ms", "%"],
        p.byGroup.slice(0, 10).map((r) => [r.name, r.ms.toFixed(1), r.percent.toFixed(1)]),
      ),
    );
    out("");
    out(
      table(
        ["top self-time function", "ms", "%"],
        p.topSelf.slice(0, 12).map((r) => [r.name, r.ms.toFixed(1), r.percent.toFixed(1)]),
      ),
    );
    out("");
    out(
      table(
        ["top inclusive-time function", "ms", "%"],
        p.topInclusive.slice(0, 12).map((r) => [r.name, r.ms.toFixed(1), r.percent.toFixed(1)]),
      ),
    );
  }

  // A one-broker run is not the benchmark's result: its own files, BENCHMARKS.md untouched.
  const resultName = ONLY === undefined ? "throughput" : `throughput-${ONLY}-only`;
  const file = writeResult(resultName, {
    profiles,
    command: "node -r esbuild-register bench/throughput.ts " + process.argv.slice(2).join(" "),
    runs: RUNS,
    settings: {
      messageBytes: MESSAGE_BYTES,
      rabbitmq: {
        messages: RABBIT_N,
        queue: `${QUEUE} (quorum, durable)`,
        confirms: true,
        maxUnconfirmed: MAX_UNCONFIRMED,
        persistent: true,
        prefetch: { perfTestAtDefaults: PREFETCH, ours: OURS_PREFETCH },
        ack: { perfTestAtDefaults: "one per message", ours: "in runs of up to 50 (basic.ack multiple)" },
        via: "127.0.0.1 published port (docker-proxy)",
      },
      kafka: {
        messages: KAFKA_N,
        partitions: TOPIC_PARTITIONS,
        replication: 1,
        acks: "all",
        idempotent: true,
        ours: "host, 127.0.0.1 published HOST listener",
        tools: "docker exec in the broker container, localhost:9092",
      },
      perfTest: "com.rabbitmq:perf-test:2.22.1",
      perfToolsAtTheirBest: BEST
        ? {
            from: BEST.file.replace(`${REPO_ROOT}/`, ""),
            sweepFinishedAt: BEST.finishedAt,
            perfTest: BEST.perfTest,
            kafkaProducer: BEST.kafkaProducer,
            kafkaConsumer: BEST.kafkaConsumer,
          }
        : null,
    },
    loadAverage: { start: loadStart, end: os.loadavg() },
    durationSeconds: Math.round((Date.now() - started) / 1000),
    results,
    kafkaEndToEnd: e2e,
    kafkaToolsOnHost: control,
    kafkaCommittedAfterStop: committed,
    kafkaConsumerCpuPercent: cpu,
    targets,
    perfToolsAtTheirBest: bestRows,
    perfTestDefaultByIntervals,
    beforeAfter: baseline ? { baseline: baseline.commit, rows: beforeAfter } : null,
    raw: { rabbit, kafka, best, perfTestDefaultIntervals, before },
  });
  writeReport(resultName, runHeader(file, loadStart));
  log(`throughput: wrote ${file} in ${Math.round((Date.now() - started) / 1000)} s`);
}

/** Client properties as `k=v k=v`, for the tables. */
function props(p: Readonly<Record<string, string | number>> | undefined): string | undefined {
  return (
    p &&
    Object.entries(p)
      .map(([k, v]) => `${k}=${v}`)
      .join(" ")
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  rmSync(work, { recursive: true, force: true });
  process.exit(1);
});
