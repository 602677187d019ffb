/**
 * Kafka client comparison (issue 12, part 1): which maintained client gets
 * the apps closest to the broker's limit, at the apps' durability?
 *
 *   node -r esbuild-register bench/kafka-clients.ts [--runs 3] [--messages 200000]
 *        [--clients kafkajs,platformatic,confluent] [--profile platformatic]
 *
 * Each client (bench/kafka-clients/<client>.ts) does the same work through
 * the same harness (bench/kafka-clients/client.ts): the kafka-producer's
 * envelopes and keys, acks=all, idempotent; then the kafka-consumer's
 * per-message work (parse, duplicate check, latency) with manual commits of
 * processed offsets only, from the earliest offset in a new group. Each run
 * is a process of its own on the apps' runtime (Node 24, the package
 * DefaultImages.node is built from: bench/lib/node-runtime.ts), through the HOST listener published on 127.0.0.1,
 * authenticated as the broker's admin (SCRAM-SHA-512). A client spec may
 * carry knobs: `platformatic:inFlight=4,batch=1000`.
 *
 * Kafka's own perf tools run in the same session on the same broker, at
 * their defaults (in the broker's container), for scale. One warm-up round,
 * then --runs rounds, the order rotating every round; a fresh topic per run
 * (3 partitions, replication 1, as the default stack's topic).
 */
import { randomBytes } from "crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "fs";
import * as os from "os";
import { join } from "path";
import { build } from "esbuild";
import { KAFKA_ADMIN_USER } from "../constructs/brokers/kafka/kafka-constants";
import { MESSAGE_BYTES, payloadBytes, type Sample, summarizeField } from "./lib/app-runs";
import { summarizeProfile, type ProfileSummary } from "./lib/cpuprofile";
import { createTopics, kafkaToolConsume, kafkaToolProduce, type KafkaRunTarget } from "./lib/kafka-runs";
import { appNodePrefix } from "./lib/node-runtime";
import { run, timeCommandAsync } from "./lib/proc";
import { outputs, prepareInstance, type InstanceNaming } from "./lib/stack-instance";
import { fmt, log, out, parseArgs, ratio, REPO_ROOT, runHeader, summarize, table, writeReport, writeResult } from "./lib/stats";

const args = parseArgs(process.argv.slice(2));
const RUNS = Number(args.get("runs") ?? 3);
const N = Number(args.get("messages") ?? 200_000);
const SPECS = (args.get("clients") ?? "kafkajs,platformatic,confluent").split(";").flatMap((s) => s.split(/,(?![^:]*=)/));
const PROFILE = args.get("profile");
const work = mkdtempSync(join(os.tmpdir(), "bench-kafka-clients-"));
/** Names and host ports of its own, so it can run while another benchmark's bench- instance does. */
const NAMING: InstanceNaming = { prefix: "clients-", ports: { 5672: 35772, 15672: 45772, 29092: 39192, 9090: 49190 } };

interface ClientSpec {
  /** As given, e.g. `platformatic:inFlight=4`. */
  readonly label: string;
  readonly client: string;
  readonly knobs: Record<string, number>;
}

function parseSpec(label: string): ClientSpec {
  const [client, rest] = label.split(":");
  const knobs = Object.fromEntries(
    (rest ? rest.split(",") : []).map((kv) => {
      const [k, v] = kv.split("=");
      if (!k || v === undefined || !Number.isFinite(Number(v))) throw new Error(`--clients: "${kv}" in "${label}" is not knob=number`);
      return [k, Number(v)];
    }),
  );
  return { label, client: client!, knobs };
}

interface WorkerResult extends Sample {
  client: string;
  seconds: number;
  cpuSeconds: number;
  wallSeconds: number;
  maxRssMiB: number;
}

async function bundleWorker(): Promise<string> {
  const file = join(work, "worker.mjs");
  await build({
    entryPoints: [join(REPO_ROOT, "bench", "kafka-clients", "worker.ts")],
    outfile: file,
    bundle: true,
    platform: "node",
    target: "node24",
    // ESM, so that import.meta.url (which @platformatic/kafka uses) is the bundle's; `require` for the CommonJS packages.
    format: "esm",
    banner: { js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);' },
    // A native addon: loaded from NODE_PATH (toolchain/confluent-kafka-javascript.sh).
    external: ["@confluentinc/kafka-javascript"],
    // @platformatic/kafka's CRC32C comes from @platformatic/wasm-utils, which
    // loads `new URL("../dist/native.wasm", import.meta.url)`: gone once
    // bundled. Its `bundled` entry carries the same module inline, for bundlers.
    alias: { "@platformatic/wasm-utils": "@platformatic/wasm-utils/bundled" },
    logLevel: "error",
  });
  return file;
}

async function main(): Promise<void> {
  const started = Date.now();
  const loadStart = os.loadavg();
  const specs = SPECS.map(parseSpec);
  const prefix = appNodePrefix();
  const node = join(prefix, "bin", "node");
  const worker = await bundleWorker();
  // Built for this Node (its headers), once, cached (about 2 minutes).
  const nodePath = specs.some((s) => s.client === "confluent")
    ? run("bash", [join(REPO_ROOT, "toolchain", "confluent-kafka-javascript.sh")], {
        env: { ...process.env, CKJS_NODE: node, CKJS_NODEDIR: prefix },
      })
        .trim()
        .split("\n")
        .pop()!
    : "";
  log(
    `kafka-clients: ${specs.map((s) => s.label).join(", ")}; ${RUNS} runs after a warm-up; ${N} messages of ${MESSAGE_BYTES} bytes; ${run(node, ["--version"]).trim()}; load average ${loadStart.map((l) => l.toFixed(2)).join(" ")}`,
  );

  const password = randomBytes(18).toString("base64url");
  const inst = prepareInstance(join(work, "instance"), password, { observability: false, naming: NAMING });
  const tf = (argv: string[]) =>
    run("terraform", [...argv, "-auto-approve", "-input=false", "-no-color"], { cwd: inst.dir, env: inst.env });
  log("kafka-clients: deploying the default stack instance (terraform apply)");
  tf(["apply"]);
  const versions = new Map<string, string>();
  const produced = new Map<string, WorkerResult[]>();
  const consumed = new Map<string, WorkerResult[]>();
  const tool = { produce: [] as Sample[], consume: [] as Sample[] };
  const profiles: Record<string, ProfileSummary> = {};
  try {
    run("docker", ["stop", ...inst.containers.filter((n) => /(producer|consumer)/.test(n))]);
    const sasl = { username: KAFKA_ADMIN_USER, password: inst.env.TF_VAR_kafka_admin_password! };
    const target: KafkaRunTarget = {
      bootstrap: outputs(inst).kafka_bootstrap_servers!,
      container: `${inst.prefix}kafka`,
      messages: N,
      work,
      sasl,
    };
    const runWorker = async (
      spec: ClientSpec,
      action: "produce" | "consume",
      topic: string,
      nodeArgs: string[] = [],
    ): Promise<WorkerResult> => {
      const options = {
        brokers: target.bootstrap.split(","),
        ...sasl,
        topic,
        messages: N,
        payloadBytes: payloadBytes("kafka-producer", N),
        groupId: `bench-${topic}`,
        knobs: spec.knobs,
      };
      const r = await timeCommandAsync(node, [...nodeArgs, worker, spec.client, action, JSON.stringify(options)], {
        env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_PATH: nodePath },
        timeoutMs: 600_000,
      });
      const line = r.stdout.split("\n").find((l) => l.startsWith('{"event":"result"'));
      if (!line) throw new Error(`${spec.label} ${action} on ${topic}: no result\n${(r.stdout + r.stderr).slice(-3000)}`);
      return JSON.parse(line) as WorkerResult;
    };
    const versionOf = (spec: ClientSpec): string => {
      const pkg =
        spec.client === "kafkajs" ? "kafkajs" : spec.client === "platformatic" ? "@platformatic/kafka" : "@confluentinc/kafka-javascript";
      const dir = spec.client === "confluent" ? nodePath : join(REPO_ROOT, "node_modules");
      return (JSON.parse(readFileSync(join(dir, pkg, "package.json"), "utf8")) as { version: string }).version;
    };

    const who = [...specs.map((s) => s.label), "tool"];
    const topic = (w: string, i: number) => `clients-${w.replace(/[^a-z0-9]+/gi, "-")}-${i}`;
    await createTopics(target, Array.from({ length: RUNS + 1 }, (_, i) => who.map((w) => topic(w, i))).flat(), 1);
    for (let i = 0; i <= RUNS; i++) {
      const order = who.map((_, k) => who[(k + i) % who.length]!);
      for (const w of order) {
        const t = topic(w, i);
        if (w === "tool") {
          const p = await kafkaToolProduce(target, "container", t);
          const c = await kafkaToolConsume(target, "container", t);
          if (i > 0) {
            tool.produce.push(p);
            tool.consume.push(c);
          }
          log(
            `kafka-clients: run ${i}${i === 0 ? " (warm-up)" : ""} perf tools: produce ${p.rate.toFixed(0)} msg/s, consume ${c.rate.toFixed(0)} msg/s`,
          );
          continue;
        }
        const spec = specs.find((s) => s.label === w)!;
        versions.set(w, versionOf(spec));
        const p = await runWorker(spec, "produce", t);
        const c = await runWorker(spec, "consume", t);
        if (i > 0) {
          produced.set(w, [...(produced.get(w) ?? []), p]);
          consumed.set(w, [...(consumed.get(w) ?? []), c]);
        }
        log(
          `kafka-clients: run ${i}${i === 0 ? " (warm-up)" : ""} ${w} ${versionOf(spec)}: produce ${p.rate.toFixed(0)} msg/s (p50 ${p.p50} ms, p99 ${p.p99} ms, CPU ${((p.cpuSeconds / p.wallSeconds) * 100).toFixed(0)}%), consume ${c.rate.toFixed(0)} msg/s (CPU ${((c.cpuSeconds / c.wallSeconds) * 100).toFixed(0)}%, ${String(c.duplicates)} duplicates)`,
        );
      }
    }
    if (PROFILE) {
      const spec = specs.find((s) => s.label === PROFILE) ?? parseSpec(PROFILE);
      for (const action of ["produce", "consume"] as const) {
        const dir = join(work, `prof-${action}`);
        mkdirSync(dir, { recursive: true });
        if (action === "produce") await createTopics(target, ["clients-profile"], 1);
        await runWorker(spec, action, "clients-profile", ["--cpu-prof", "--cpu-prof-dir", dir]);
        const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
        if (file) profiles[`${spec.label}, ${action}`] = summarizeProfile(join(dir, file));
      }
    }
  } finally {
    log("kafka-clients: destroying the instance (terraform destroy)");
    try {
      tf(["destroy"]);
    } catch (err) {
      log(`kafka-clients: destroy failed: ${(err as Error).message}`);
    }
    rmSync(work, { recursive: true, force: true });
  }

  const baseline = specs[0]!.label;
  const median = (m: Map<string, WorkerResult[]>, w: string) => summarizeField(m.get(w) ?? [], "rate").median;
  const cpuShare = (rs: WorkerResult[]) => summarize(rs.map((r) => (r.cpuSeconds / r.wallSeconds) * 100));
  const rows = specs.map(({ label }) => {
    const p = produced.get(label) ?? [];
    const c = consumed.get(label) ?? [];
    return {
      label,
      version: versions.get(label) ?? "?",
      produce: {
        rate: summarizeField(p, "rate"),
        p50: summarizeField(p, "p50"),
        p99: summarizeField(p, "p99"),
        cpu: cpuShare(p),
        rss: summarize(p.map((r) => r.maxRssMiB)),
      },
      consume: {
        rate: summarizeField(c, "rate"),
        cpu: cpuShare(c),
        rss: summarize(c.map((r) => r.maxRssMiB)),
        duplicates: c.map((r) => r.duplicates as number),
      },
      produceVsBaseline: ratio(median(produced, label), median(produced, baseline)),
      consumeVsBaseline: ratio(median(consumed, label), median(consumed, baseline)),
      produceVsTool: ratio(median(produced, label), summarizeField(tool.produce, "rate").median),
      consumeVsTool: ratio(median(consumed, label), summarizeField(tool.consume, "rate").median),
    };
  });
  out(
    `\n### Kafka clients at the apps' durability (${MESSAGE_BYTES}-byte messages, ${N} per run; median (min–max) of ${RUNS} runs after a warm-up)\n`,
  );
  out(
    table(
      ["client", "version", "produce msg/s", "p50 ms", "p99 ms", "CPU %", "× " + baseline, "× tool"],
      rows.map((r) => [
        r.label,
        r.version,
        fmt(r.produce.rate, 0),
        fmt(r.produce.p50, 0),
        fmt(r.produce.p99, 0),
        fmt(r.produce.cpu, 0),
        `${r.produceVsBaseline.toFixed(2)}×`,
        `${r.produceVsTool.toFixed(2)}×`,
      ]),
    ),
  );
  out("");
  out(
    table(
      ["client", "consume msg/s", "CPU %", "peak RSS MiB", "duplicates", "× " + baseline, "× tool"],
      rows.map((r) => [
        r.label,
        fmt(r.consume.rate, 0),
        fmt(r.consume.cpu, 0),
        fmt(r.consume.rss, 0),
        r.consume.duplicates.join(", "),
        `${r.consumeVsBaseline.toFixed(2)}×`,
        `${r.consumeVsTool.toFixed(2)}×`,
      ]),
    ),
  );
  out(
    `\nKafka's perf tools, same broker and session, defaults, in the broker's container: produce ${fmt(summarizeField(tool.produce, "rate"), 0)} msg/s, consume ${fmt(summarizeField(tool.consume, "rate"), 0)} msg/s.`,
  );
  out(
    `Produce: first send → last acknowledgement; p50/p99 send → acknowledged. Consume: first message → last processed and committed. CPU: the worker process's CPU time over its wall time (% of one core).`,
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
  }
  const file = writeResult("kafka-clients", {
    command: "node -r esbuild-register bench/kafka-clients.ts " + process.argv.slice(2).join(" "),
    runs: RUNS,
    messages: N,
    loadAverage: { start: loadStart, end: os.loadavg() },
    durationSeconds: Math.round((Date.now() - started) / 1000),
    rows,
    tool,
    profiles,
    raw: { produced: Object.fromEntries(produced), consumed: Object.fromEntries(consumed) },
  });
  writeReport("kafka-clients", runHeader(file, loadStart));
  log(`kafka-clients: wrote ${file} in ${Math.round((Date.now() - started) / 1000)} s`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  rmSync(work, { recursive: true, force: true });
  process.exit(1);
});
