/**
 * Perf tools at their best (issue 12, part 3).
 *
 *   node -r esbuild-register bench/perf-tool-sweep.ts [--runs 3] [--rabbitmq-messages 20000]
 *        [--kafka-messages 200000] [--tools perftest,kafka-producer,kafka-consumer]
 *
 * bench/throughput.ts compares our apps with the brokers' perf tools at one
 * setting each (PerfTest `-x 1 -y 1 -c 1000 -q 50`, one ack per message;
 * Kafka's tools at the client defaults). This sweeps each tool's knobs at the
 * SAME durability as the apps, on a private instance of the default stack
 * (bench/lib/stack-instance.ts, without observability, its app containers
 * stopped; named `sweep-*`, on ports of its own, so that it does not collide
 * with another benchmark's `bench-*` instance), and writes the best setting found per tool to
 * bench/results/perf-tool-sweep.json, which bench/throughput.ts then runs
 * next to the defaults.
 *
 * A full grid is too big for 2 shared cores, so each tool gets a coordinate
 * sweep: from the tool's defaults, one knob at a time, every value of that
 * knob with the others as they stand (each value --runs times, the values
 * interleaved run by run, the order flipping), the value with the highest
 * median kept before the next knob. The result is the best setting along
 * that path, not necessarily the grid's best. At the end, the swept setting
 * and the defaults run alternately --runs times more, a same-phase ratio
 * that also referees the path (on a loaded machine it can follow noise):
 * the swept setting is the tool's `best` only if it wins there, else the
 * defaults are. One warm-up run per tool first, not counted.
 *
 *   PerfTest (host, bench/lib/rabbitmq-runs.ts): queue `orders` (quorum,
 *     durable), persistent, publisher confirms, manual acks, producers and
 *     consumers at the same time, N messages of 1 KiB in all. Knobs:
 *     producers, consumers, confirm window, prefetch, multi-ack (a multi-ack
 *     interval above the prefetch is skipped: PerfTest would never ack).
 *   kafka-producer-perf-test (in the broker container): a fresh topic per run
 *     (3 partitions, replication 1), N records of 1 KiB, acks=all, idempotent,
 *     no compression. Knobs: batch.size, linger.ms, max.in.flight.
 *   kafka-consumer-perf-test (in the container): N records in a new group
 *     from the beginning of one topic written once by the producer tool at
 *     its best setting; the tool's auto-commit (enable.auto.commit, its
 *     default) is its committing. Knobs: fetch.min.bytes,
 *     max.partition.fetch.bytes (the tool's --fetch-size), max.poll.records,
 *     fetch.max.wait.ms.
 */
import { randomBytes } from "crypto";
import { existsSync, mkdtempSync, rmSync } from "fs";
import * as os from "os";
import { join } from "path";
import * as amqp from "amqplib";
import { KAFKA_ADMIN_USER } from "../constructs/brokers/kafka/kafka-constants";
import { MESSAGE_BYTES, summarizeField, type Sample } from "./lib/app-runs";
import {
  createTopics,
  deleteTopics,
  kafkaToolConsume,
  kafkaToolProduce,
  TOPIC_PARTITIONS,
  type KafkaRunTarget,
  type ToolProperties,
} from "./lib/kafka-runs";
import type { KafkaToolBest, PerfTestBest } from "./lib/perf-tool-best";
import { run } from "./lib/proc";
import {
  PERFTEST_DEFAULTS,
  PERFTEST_HOME,
  perfTestKnobArgs,
  rabbitPerfTest,
  type PerfTestOptions,
  type RabbitMqRunTarget,
} from "./lib/rabbitmq-runs";
import { outputs, prepareInstance, type InstanceNaming } from "./lib/stack-instance";
import { fmt, log, out, parseArgs, ratio, runHeader, summarize, table, writeReport, writeResult, type Summary } from "./lib/stats";

const args = parseArgs(process.argv.slice(2));
const RUNS = Number(args.get("runs") ?? 3);
const RABBIT_N = Number(args.get("rabbitmq-messages") ?? 20_000);
const KAFKA_N = Number(args.get("kafka-messages") ?? 200_000);
const TOOLS = new Set((args.get("tools") ?? "perftest,kafka-producer,kafka-consumer").split(","));
const QUEUE = "orders";
/**
 * Names and host ports of its own: a sweep takes long, and the other
 * benchmarks' instances (`bench-`, bench/lib/stack-instance.ts) may come and
 * go on the same engine meanwhile.
 */
const NAMING: InstanceNaming = { prefix: "sweep-", ports: { 5672: 36672, 15672: 46672, 29092: 40092, 9090: 50090 } };
const KAFKA_CONTAINER = `${NAMING.prefix}kafka`;

const work = mkdtempSync(join(os.tmpdir(), "bench-perf-tool-sweep-"));

// ---------------------------------------------------------------- the knobs

type Setting = Record<string, number>;

interface Knob {
  /** The setting's key: a PerfTestOptions field or a Kafka client property. */
  readonly key: string;
  readonly label: string;
  readonly values: readonly number[];
  /** Why a setting cannot run (it is then reported, not measured). */
  readonly skip?: (s: Setting) => string | undefined;
}

const PERFTEST_KNOBS: Knob[] = [
  { key: "producers", label: "producers (-x)", values: [1, 2] },
  { key: "consumers", label: "consumers (-y)", values: [1, 2] },
  { key: "confirm", label: "confirm window (-c)", values: [100, 1000, 5000] },
  { key: "prefetch", label: "prefetch (-q)", values: [50, 500, 2000] },
  {
    key: "multiAckEvery",
    label: "multi-ack every (-A; 1 = one ack per message)",
    values: [1, 50, 100],
    skip: (s) => (s.multiAckEvery! > s.prefetch! ? `skipped: above the prefetch (${s.prefetch}), PerfTest would never ack` : undefined),
  },
];
const PRODUCER_DEFAULTS: Setting = { "batch.size": 16384, "linger.ms": 5, "max.in.flight.requests.per.connection": 5 };
const PRODUCER_KNOBS: Knob[] = [
  { key: "batch.size", label: "batch.size", values: [16384, 65536, 262144] },
  { key: "linger.ms", label: "linger.ms", values: [5, 20, 50] },
  { key: "max.in.flight.requests.per.connection", label: "max.in.flight.requests.per.connection", values: [1, 5] },
];
const CONSUMER_DEFAULTS: Setting = {
  "fetch.min.bytes": 1,
  "max.partition.fetch.bytes": 1048576,
  "max.poll.records": 500,
  "fetch.max.wait.ms": 500,
};
const CONSUMER_KNOBS: Knob[] = [
  { key: "fetch.min.bytes", label: "fetch.min.bytes", values: [1, 65536, 1048576] },
  { key: "max.partition.fetch.bytes", label: "max.partition.fetch.bytes (--fetch-size)", values: [1048576, 4194304] },
  { key: "max.poll.records", label: "max.poll.records", values: [500, 2000, 5000] },
  { key: "fetch.max.wait.ms", label: "fetch.max.wait.ms", values: [100, 500] },
];

/** The properties of `s` that differ from the tool's defaults: a default run passes none, as bench/throughput.ts does. */
function changed(s: Setting, defaults: Setting): ToolProperties {
  return Object.fromEntries(Object.entries(s).filter(([k, v]) => defaults[k] !== v));
}

function perfTestOptions(s: Setting): Required<PerfTestOptions> {
  return { ...PERFTEST_DEFAULTS, ...(s as Partial<PerfTestOptions>) };
}

/** PerfTest's knobs in its short flags, for the tables. */
function describePerfTest(s: Setting): string {
  const o = perfTestOptions(s);
  return `-x ${o.producers} -y ${o.consumers} -c ${o.confirm} -q ${o.prefetch}${o.multiAckEvery > 1 ? ` -A ${o.multiAckEvery}` : ""}`;
}

const SHORT: Record<string, string> = {
  "max.in.flight.requests.per.connection": "max.in.flight",
  "max.partition.fetch.bytes": "max.partition.fetch",
};
function describeProps(s: Setting): string {
  return Object.entries(s)
    .map(([k, v]) => `${SHORT[k] ?? k}=${v}`)
    .join(" ");
}

// ---------------------------------------------------------------- the sweep

interface Measured {
  readonly value: number;
  readonly setting: Setting;
  readonly skipped?: string;
  /** Why a run of this setting failed: it is not run again and cannot be the best. */
  failed?: string;
  readonly samples: Sample[];
}

interface Pass {
  readonly knob: string;
  readonly label: string;
  readonly loadAverage: number[];
  readonly candidates: (Measured & { rate: Summary; p50: Summary; p99: Summary })[];
  readonly chosen: number;
}

interface ToolSweep {
  readonly passes: Pass[];
  /** Where the coordinate path ended. */
  readonly swept: Setting;
  /** `swept` if it beat the defaults in the alternating runs after the sweep, else the defaults. */
  readonly best: Setting;
  readonly sweptBeatDefaults: boolean;
  readonly bestVsDefault: { default: Sample[]; best: Sample[]; same: boolean; failed: string[] };
  readonly seconds: number;
}

type Measure = (s: Setting, what: string) => Promise<Sample>;

/** How a tool's sweep measures, and how it gets the broker back after a failed run. */
interface Runner {
  readonly measure: Measure;
  readonly recover?: () => Promise<void>;
}

function line(s: Sample): string {
  const lat = typeof s.p50 === "number" ? `, p50 ${s.p50} ms p99 ${s.p99} ms` : "";
  const summary = typeof s.summaryRate === "number" ? ` (PerfTest's summary ${s.summaryRate.toFixed(0)})` : "";
  return `${s.rate.toFixed(0)} msg/s${summary}${lat}`;
}

async function coordinateSweep(
  tool: string,
  defaults: Setting,
  knobs: readonly Knob[],
  { measure, recover }: Runner,
  describe: (s: Setting) => string,
): Promise<ToolSweep> {
  const started = Date.now();
  /** A run that fails (e.g. the broker OOM-killed) marks its setting failed instead of ending the sweep. */
  const attempt = async (c: Measured, what: string): Promise<void> => {
    try {
      c.samples.push(await measure(c.setting, what));
    } catch (err) {
      c.failed = (err as Error).message.split("\n")[0]!.slice(0, 300);
      log(`${tool}: ${describe(c.setting)} ${what} FAILED: ${c.failed}`);
      await recover?.();
    }
  };
  const warm = await measure(defaults, "warm-up");
  log(`${tool}: warm-up at ${describe(defaults)}: ${line(warm)}`);
  let current = { ...defaults };
  const passes: Pass[] = [];
  for (const knob of knobs) {
    const candidates: Measured[] = knob.values.map((value) => {
      const setting = { ...current, [knob.key]: value };
      return { value, setting, skipped: knob.skip?.(setting), samples: [] };
    });
    const active = candidates.filter((c) => !c.skipped);
    const loadAverage = os.loadavg();
    for (let r = 0; r < RUNS; r++) {
      // The knob's values interleaved, the order flipping every run.
      for (const c of r % 2 === 0 ? active : [...active].reverse()) {
        if (c.failed) continue;
        await attempt(c, `${knob.key}=${c.value} run ${r + 1}`);
        if (!c.failed)
          log(`${tool}: ${knob.key}=${c.value} (${describe(c.setting)}) run ${r + 1}/${RUNS}: ${line(c.samples[c.samples.length - 1]!)}`);
      }
    }
    const summarized = candidates.map((c) => ({
      ...c,
      rate: summarizeField(c.samples, "rate"),
      p50: summarizeField(c.samples, "p50"),
      p99: summarizeField(c.samples, "p99"),
    }));
    const score = (c: (typeof summarized)[number]) => (Number.isFinite(c.rate.median) ? c.rate.median : -Infinity);
    const eligible = summarized.filter((c) => !c.skipped && !c.failed);
    if (eligible.length === 0) throw new Error(`${knob.key}: every value failed or was skipped`);
    const best = eligible.reduce((a, b) => (score(b) > score(a) ? b : a));
    current = best.setting;
    passes.push({ knob: knob.key, label: knob.label, loadAverage, candidates: summarized, chosen: best.value });
    log(`${tool}: ${knob.key}: keeping ${best.value} (${best.rate.median.toFixed(0)} msg/s median); now ${describe(current)}`);
  }
  // The best setting and the defaults, alternating, in one phase.
  const same = Object.keys(defaults).every((k) => defaults[k] === current[k]);
  const final: Record<"default" | "best", Measured> = {
    default: { value: NaN, setting: defaults, samples: [] },
    best: { value: NaN, setting: current, samples: [] },
  };
  if (!same) {
    for (let r = 0; r < RUNS; r++) {
      for (const which of r % 2 === 0 ? (["default", "best"] as const) : (["best", "default"] as const)) {
        const c = final[which];
        if (c.failed) continue;
        await attempt(c, `${which} run ${r + 1}`);
        if (!c.failed) log(`${tool}: ${which} (${describe(c.setting)}) run ${r + 1}/${RUNS}: ${line(c.samples[c.samples.length - 1]!)}`);
      }
    }
  }
  const bestVsDefault = {
    default: final.default.samples,
    best: final.best.samples,
    same,
    failed: [final.default.failed, final.best.failed].filter(Boolean) as string[],
  };
  // The alternating runs referee the path, which on a loaded machine can follow noise.
  const sweptBeatDefaults =
    same ||
    (!final.best.failed && summarizeField(final.best.samples, "rate").median > summarizeField(final.default.samples, "rate").median);
  if (!sweptBeatDefaults) log(`${tool}: the swept setting did not beat the defaults in the alternating runs: the defaults stay the best`);
  return {
    passes,
    swept: current,
    best: sweptBeatDefaults ? current : { ...defaults },
    sweptBeatDefaults,
    bestVsDefault,
    seconds: Math.round((Date.now() - started) / 1000),
  };
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const started = Date.now();
  const loadStart = os.loadavg();
  if (TOOLS.has("perftest") && !existsSync(join(PERFTEST_HOME, "lib")))
    throw new Error(`no PerfTest in ${PERFTEST_HOME}: run bash toolchain/bench-tools.sh perftest`);
  log(
    `perf-tool-sweep: ${[...TOOLS].join(", ")}; ${RUNS} runs per setting; RabbitMQ ${RABBIT_N} and Kafka ${KAFKA_N} messages of ${MESSAGE_BYTES} bytes; load average ${loadStart.map((l) => l.toFixed(2)).join(" ")}`,
  );
  const password = randomBytes(18).toString("base64url");
  const inst = prepareInstance(join(work, "instance"), password, { observability: false, naming: NAMING });
  const tf = (argv: string[]) =>
    run("terraform", [...argv, "-auto-approve", "-input=false", "-no-color"], { cwd: inst.dir, env: inst.env });
  let conn: amqp.ChannelModel | undefined;
  const sweeps: { perfTest?: ToolSweep; kafkaProducer?: ToolSweep; kafkaConsumer?: ToolSweep } = {};
  let consumeTopicProps: ToolProperties = {};
  const warnings: string[] = [];
  /** A tool whose sweep fails is reported as failed; the others' results still count. */
  const errors: string[] = [];
  const guarded = async <T>(tool: string, f: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await f();
    } catch (err) {
      const message = `${tool}: ${(err as Error).message.split("\n").slice(0, 3).join(" ")}`;
      errors.push(message);
      log(`perf-tool-sweep: FAILED ${message}`);
      return undefined;
    }
  };
  try {
    log("perf-tool-sweep: deploying the default stack instance (terraform apply)");
    tf(["apply"]);
    run("docker", ["stop", ...inst.containers.filter((n) => /(producer|consumer)/.test(n))]);
    const o = outputs(inst);

    if (TOOLS.has("perftest")) {
      conn = await amqp.connect(o.rabbitmq_amqp_url!);
      const ch = await conn.createChannel();
      const target: RabbitMqRunTarget = { url: o.rabbitmq_amqp_url!, queue: QUEUE, messages: RABBIT_N, work };
      const measure: Measure = async (s, what) => {
        const r = await rabbitPerfTest(target, ch, perfTestOptions(s));
        if (r.queueLeft > 0) warnings.push(`PerfTest ${describePerfTest(s)} (${what}) left ${r.queueLeft} messages in ${QUEUE}`);
        const intervalRate = r.pair.intervalRate as number;
        if (!Number.isFinite(intervalRate))
          warnings.push(
            `PerfTest ${describePerfTest(s)} (${what}): its reports do not add up to ${RABBIT_N} received; the run is left out`,
          );
        return {
          // Ranked by one definition for every setting (see rabbitPerfTest): N / (PerfTest's clock at the N-th message received).
          rate: intervalRate,
          summaryRate: r.pair.summaryRate,
          p50: r.pair.p50,
          p99: r.pair.p99,
          confirmRate: r.producer.intervalRate,
          confirmP50: r.producer.p50,
          confirmP99: r.producer.p99,
          queueLeft: r.queueLeft,
        };
      };
      sweeps.perfTest = await guarded("PerfTest", () =>
        coordinateSweep("PerfTest", { ...PERFTEST_DEFAULTS }, PERFTEST_KNOBS, { measure }, describePerfTest),
      );
      await conn.close();
      conn = undefined;
    }

    const sasl = { username: KAFKA_ADMIN_USER, password: inst.env.TF_VAR_kafka_admin_password! };
    const kafka: KafkaRunTarget = { bootstrap: o.kafka_bootstrap_servers!, container: KAFKA_CONTAINER, messages: KAFKA_N, work, sasl };
    // The perf tools run inside the broker's container and share its memory limit: a setting that
    // needs more gets the broker OOM-killed (and restarted). Such a run fails; the sweep waits for
    // the broker to be healthy again and goes on without that setting.
    const inspect = (format: string) => run("docker", ["inspect", "--format", format, KAFKA_CONTAINER]).trim();
    const memoryMiB = Number(inspect("{{.HostConfig.Memory}}")) / 2 ** 20;
    const brokerChecked = async <T>(f: () => Promise<T>): Promise<T> => {
      const before = inspect("{{.RestartCount}}");
      let result: T | undefined;
      let error: unknown;
      try {
        result = await f();
      } catch (err) {
        error = err;
      }
      const after = inspect("{{.RestartCount}}");
      if (after !== before)
        throw new Error(
          `the broker restarted during the run (RestartCount ${before} -> ${after}, OOMKilled ${inspect("{{.State.OOMKilled}}")}): the tool and the broker share the container's ${memoryMiB} MiB`,
        );
      if (error !== undefined) throw error;
      return result as T;
    };
    const recover = async (): Promise<void> => {
      const deadline = Date.now() + 180_000;
      while (inspect("{{if .State.Health}}{{.State.Health.Status}}{{end}}") !== "healthy") {
        if (Date.now() > deadline) throw new Error(`${KAFKA_CONTAINER} not healthy again within 180 s`);
        await new Promise((r) => setTimeout(r, 2000));
      }
    };
    let topicNo = 0;
    const produceOnce = async (props: ToolProperties): Promise<Sample & { topic: string }> => {
      const topic = `sweep-produce-${++topicNo}`;
      await createTopics(kafka, [topic], 1);
      const p = await kafkaToolProduce(kafka, "container", topic, props);
      return { rate: p.rate, p50: p.p50, p99: p.p99, topic };
    };
    if (TOOLS.has("kafka-producer")) {
      const measure: Measure = (s) =>
        brokerChecked(async () => {
          const p = await produceOnce(changed(s, PRODUCER_DEFAULTS));
          await deleteTopics(kafka, [p.topic]);
          return { rate: p.rate, p50: p.p50, p99: p.p99 };
        });
      sweeps.kafkaProducer = await guarded("kafka-producer-perf-test", () =>
        coordinateSweep("kafka-producer-perf-test", PRODUCER_DEFAULTS, PRODUCER_KNOBS, { measure, recover }, describeProps),
      );
    }
    if (TOOLS.has("kafka-consumer")) {
      // One topic for every consumer run (each in a new group), written once by the producer tool at its best.
      consumeTopicProps = sweeps.kafkaProducer ? changed(sweeps.kafkaProducer.best, PRODUCER_DEFAULTS) : {};
      sweeps.kafkaConsumer = await guarded("kafka-consumer-perf-test", async () => {
        const { topic } = await produceOnce(consumeTopicProps);
        log(
          `kafka-consumer-perf-test: reading ${topic}, ${KAFKA_N} records written with ${describeProps({ ...PRODUCER_DEFAULTS, ...(consumeTopicProps as Setting) })}`,
        );
        const measure: Measure = (s) =>
          brokerChecked(async () => {
            const c = await kafkaToolConsume(kafka, "container", topic, changed(s, CONSUMER_DEFAULTS));
            return { rate: c.rate, overallRate: c.overallRate };
          });
        return coordinateSweep("kafka-consumer-perf-test", CONSUMER_DEFAULTS, CONSUMER_KNOBS, { measure, recover }, describeProps);
      });
    }
    const oom = inspect("{{.State.OOMKilled}} {{.RestartCount}}");
    if (oom !== "false 0")
      warnings.push(`${KAFKA_CONTAINER} OOMKilled/RestartCount = ${oom} (the runs it happened in are reported as failed)`);
  } finally {
    await conn?.close().catch(() => undefined);
    log("perf-tool-sweep: destroying the instance (terraform destroy)");
    try {
      tf(["destroy"]);
    } catch (err) {
      log(`perf-tool-sweep: destroy failed: ${(err as Error).message}`);
    }
    rmSync(work, { recursive: true, force: true });
  }

  // ---------------------------------------------------------------- report
  const ms = (s: Summary) => fmt(s, 0);
  const extra = (samples: Sample[], field: string) =>
    summarize(samples.map((x) => x[field]).filter((v): v is number => typeof v === "number" && Number.isFinite(v)));
  out(
    `\n### Perf tools at their best: coordinate sweeps at the apps' durability (${MESSAGE_BYTES}-byte messages; median (min–max) of ${RUNS} runs per setting)\n`,
  );
  out(
    `Each pass varies one knob from the setting the previous passes left (its values interleaved run by run) and keeps the value with the highest median (**bold**).`,
  );
  const passRows = (sweep: ToolSweep, describe: (s: Setting) => string, cells: (c: Pass["candidates"][number]) => string[]) =>
    sweep.passes.flatMap((p) =>
      p.candidates.map((c) => {
        const mark = (t: string) => (c.value === p.chosen ? `**${t}**` : t);
        const note = c.skipped ?? (c.failed && `failed (${c.samples.length} of ${RUNS} runs done): ${c.failed.slice(0, 160)}`);
        return [
          mark(p.label),
          mark(String(c.value)),
          describe(c.setting),
          ...(note
            ? [
                note,
                ...cells(c)
                  .slice(1)
                  .map(() => ""),
              ]
            : cells(c)),
        ];
      }),
    );
  if (sweeps.perfTest) {
    out(`\n#### PerfTest 2.22.1 (host; queue \`${QUEUE}\`, quorum; persistent; confirms; manual acks; N = ${RABBIT_N} in all)\n`);
    out(
      table(
        [
          "knob",
          "value",
          "setting",
          "msg/s (to the N-th received)",
          "PerfTest summary msg/s",
          "consumer p50 ms",
          "consumer p99 ms",
          "confirm p50 ms",
          "confirm p99 ms",
        ],
        passRows(sweeps.perfTest, describePerfTest, (c) => [
          fmt(c.rate, 0),
          ms(extra(c.samples, "summaryRate")),
          ms(c.p50),
          ms(c.p99),
          ms(extra(c.samples, "confirmP50")),
          ms(extra(c.samples, "confirmP99")),
        ]),
      ),
    );
    out(
      `\n"msg/s" is N / PerfTest's clock at the N-th message received (summed from its per-second reports, interpolated in the last second), ` +
        `for every setting; PerfTest's own summary ends later (at its shutdown, and with several consumers ≥ 1 s of idling before \`--exit-when empty\` stops them).`,
    );
  }
  if (sweeps.kafkaProducer) {
    out(
      `\n#### kafka-producer-perf-test (in the broker container; a fresh topic per run, 3 partitions; acks=all, idempotent, no compression; N = ${KAFKA_N})\n`,
    );
    out(
      table(
        ["knob", "value", "setting", "msg/s", "p50 ms (send → ack)", "p99 ms"],
        passRows(sweeps.kafkaProducer, describeProps, (c) => [fmt(c.rate, 0), ms(c.p50), ms(c.p99)]),
      ),
    );
  }
  if (sweeps.kafkaConsumer) {
    const written = describeProps({ ...PRODUCER_DEFAULTS, ...(consumeTopicProps as Setting) });
    out(
      `\n#### kafka-consumer-perf-test (in the container; ${KAFKA_N} records of one topic written by the producer tool with ${written}; a new group per run; auto-commit)\n`,
    );
    out(
      table(
        ["knob", "value", "setting", "msg/s (fetch.nMsg.sec, after the group join)", "msg/s incl. the join (nMsg.sec)"],
        passRows(sweeps.kafkaConsumer, describeProps, (c) => [fmt(c.rate, 0), ms(extra(c.samples, "overallRate"))]),
      ),
    );
  }
  const finals = (
    [
      ["PerfTest (producer + consumer)", sweeps.perfTest, describePerfTest, PERFTEST_DEFAULTS as unknown as Setting],
      ["kafka-producer-perf-test", sweeps.kafkaProducer, describeProps, PRODUCER_DEFAULTS],
      ["kafka-consumer-perf-test", sweeps.kafkaConsumer, describeProps, CONSUMER_DEFAULTS],
    ] as const
  ).flatMap(([name, sweep, describe, defaults]) => {
    if (!sweep) return [];
    const d = summarizeField(sweep.bestVsDefault.default, "rate");
    const b = summarizeField(sweep.bestVsDefault.best, "rate");
    return [
      {
        name,
        defaultSetting: describe(defaults),
        sweptSetting: describe(sweep.swept),
        same: sweep.bestVsDefault.same,
        sweptBeatDefaults: sweep.sweptBeatDefaults,
        best: sweep.best,
        default: d,
        swept: b,
        ratio: ratio(b.median, d.median),
        seconds: sweep.seconds,
      },
    ];
  });
  out(
    `\n#### The swept setting vs the defaults (${RUNS} more runs each, alternating, after the sweep): the tool's best is the swept setting only if it wins here\n`,
  );
  out(
    table(
      ["tool", "defaults", "msg/s", "swept setting", "msg/s", "swept/defaults", "best (for bench/throughput.ts)", "sweep time, s"],
      finals.map((f) =>
        f.same
          ? [f.name, f.defaultSetting, "–", "the defaults", "–", "1.00×", "the defaults", String(f.seconds)]
          : [
              f.name,
              f.defaultSetting,
              fmt(f.default, 0),
              f.sweptSetting,
              fmt(f.swept, 0),
              `${f.ratio.toFixed(2)}×`,
              f.sweptBeatDefaults ? "the swept setting" : "the defaults (the swept setting lost)",
              String(f.seconds),
            ],
      ),
    ),
  );
  if (warnings.length) out(`\nWarnings:\n${warnings.map((w) => `- ${w}`).join("\n")}`);
  if (errors.length) out(`\nFailed (no result for these tools):\n${errors.map((e) => `- ${e}`).join("\n")}`);

  const best = {
    perfTest:
      sweeps.perfTest &&
      ({
        args: perfTestKnobArgs(perfTestOptions(sweeps.perfTest.best)),
        options: perfTestOptions(sweeps.perfTest.best),
      } satisfies PerfTestBest),
    kafkaProducer: sweeps.kafkaProducer && ({ properties: sweeps.kafkaProducer.best } satisfies KafkaToolBest),
    kafkaConsumer: sweeps.kafkaConsumer && ({ properties: sweeps.kafkaConsumer.best } satisfies KafkaToolBest),
  };
  const tool = (sweep: ToolSweep | undefined, b: object | undefined, defaults: object, more: object) =>
    sweep && {
      ...more,
      defaults,
      best: b,
      swept: sweep.swept,
      sweptBeatDefaults: sweep.sweptBeatDefaults,
      passes: sweep.passes,
      bestVsDefault: sweep.bestVsDefault,
      seconds: sweep.seconds,
    };
  const file = writeResult("perf-tool-sweep", {
    command: "node -r esbuild-register bench/perf-tool-sweep.ts " + process.argv.slice(2).join(" "),
    runs: RUNS,
    method:
      "coordinate sweep: one knob at a time from the defaults, each value --runs times (interleaved), highest median kept; then the swept setting vs the defaults alternating --runs times, and the swept setting is the best only if its median beats the defaults' there",
    settings: {
      messageBytes: MESSAGE_BYTES,
      rabbitmq: {
        messages: RABBIT_N,
        queue: `${QUEUE} (quorum, durable)`,
        persistent: true,
        confirms: true,
        ack: "manual",
        via: "127.0.0.1 published port (docker-proxy)",
        perfTest: "com.rabbitmq:perf-test:2.22.1 on the host",
      },
      kafka: {
        messages: KAFKA_N,
        partitions: TOPIC_PARTITIONS,
        replication: 1,
        acks: "all",
        idempotent: true,
        compression: "none",
        consumerCommits: "the tool's auto-commit (enable.auto.commit default)",
        tools: "docker exec in the broker container, localhost:9092",
      },
    },
    loadAverage: { start: loadStart, end: os.loadavg() },
    durationSeconds: Math.round((Date.now() - started) / 1000),
    tools: {
      perfTest: tool(sweeps.perfTest, best.perfTest, PERFTEST_DEFAULTS, {
        rate: "N / PerfTest's clock at the N-th message received (per-second reports)",
        knobs: PERFTEST_KNOBS.map((k) => ({ key: k.key, values: k.values })),
      }),
      kafkaProducer: tool(sweeps.kafkaProducer, best.kafkaProducer, PRODUCER_DEFAULTS, {
        rate: "records/sec of its summary line",
        knobs: PRODUCER_KNOBS.map((k) => ({ key: k.key, values: k.values })),
      }),
      kafkaConsumer: tool(sweeps.kafkaConsumer, best.kafkaConsumer, CONSUMER_DEFAULTS, {
        rate: "fetch.nMsg.sec (after the group join)",
        topicWrittenWith: consumeTopicProps,
        knobs: CONSUMER_KNOBS.map((k) => ({ key: k.key, values: k.values })),
      }),
    },
    summary: finals,
    warnings,
    errors,
  });
  writeReport("perf-tool-sweep", runHeader(file, loadStart));
  log(`perf-tool-sweep: wrote ${file} in ${Math.round((Date.now() - started) / 1000)} s`);
  if (errors.length) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  rmSync(work, { recursive: true, force: true });
  process.exit(1);
});
