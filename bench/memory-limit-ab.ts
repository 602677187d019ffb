/**
 * What the apps' container memory limit costs the Kafka apps (issue 12).
 *
 *   node -r esbuild-register bench/memory-limit-ab.ts [--runs 3] [--messages 200000] [--limit 256]
 *        [--flags=--max-semi-space-size=16]
 *
 * One private instance of the default stack (`ab-` names and ports of its
 * own, observability off); our kafka-producer then kafka-consumer, as in
 * bench/throughput.ts, run alternately under the apps' default memory limit
 * (a cgroup, as their containers have; bench/lib/apps.ts) and unlimited,
 * and with --flags also under the limit with those node options added. Every
 * variant runs with the node options of the app image's CMD
 * (apps/<app>/Dockerfile), as every benchmark of our apps does. One warm-up
 * round, then --runs rounds, the order flipping every round.
 */
import { randomBytes } from "crypto";
import { mkdtempSync, rmSync } from "fs";
import * as os from "os";
import { join } from "path";
import { KAFKA_ADMIN_USER } from "../constructs/brokers/kafka/kafka-constants";
import { APP_DEFAULT_MEMORY_MIB } from "./lib/apps";
import { createTopics, kafkaOursConsume, kafkaOursProduce, type KafkaRunTarget } from "./lib/kafka-runs";
import { run } from "./lib/proc";
import { outputs, prepareInstance, type InstanceNaming } from "./lib/stack-instance";
import { fmt, log, out, parseArgs, ratio, runHeader, summarize, table, writeReport, writeResult } from "./lib/stats";

const args = parseArgs(process.argv.slice(2));
const RUNS = Number(args.get("runs") ?? 3);
const N = Number(args.get("messages") ?? 200_000);
const LIMIT = Number(args.get("limit") ?? APP_DEFAULT_MEMORY_MIB);
const FLAGS = args.get("flags")?.split(" ").filter(Boolean);
const VARIANTS: Record<string, { appMemoryMiB: number; appNodeArgs?: string[] }> = {
  limited: { appMemoryMiB: LIMIT },
  unlimited: { appMemoryMiB: 0 },
  ...(FLAGS ? { [`limited ${FLAGS.join(" ")}`]: { appMemoryMiB: LIMIT, appNodeArgs: FLAGS } } : {}),
};
const NAMING: InstanceNaming = { prefix: "ab-", ports: { 5672: 35872, 15672: 45872, 29092: 39292, 9090: 49290 } };

async function main(): Promise<void> {
  const started = Date.now();
  const load = os.loadavg();
  log(
    `memory-limit-ab: ${RUNS} rounds after a warm-up; ${N} messages; variants ${Object.keys(VARIANTS).join(", ")}; load average ${load.map((l) => l.toFixed(2)).join(" ")}`,
  );
  const work = mkdtempSync(join(os.tmpdir(), "bench-memory-ab-"));
  const inst = prepareInstance(join(work, "instance"), randomBytes(18).toString("base64url"), { observability: false, naming: NAMING });
  const tf = (argv: string[]) =>
    run("terraform", [...argv, "-auto-approve", "-input=false", "-no-color"], { cwd: inst.dir, env: inst.env });
  tf(["apply"]);
  const rows: Record<string, { produce: number[]; consume: number[]; rss: number[] }> = Object.fromEntries(
    Object.keys(VARIANTS).map((k) => [k, { produce: [], consume: [], rss: [] }]),
  );
  try {
    run("docker", ["stop", ...inst.containers.filter((n) => /(producer|consumer)/.test(n))]);
    const base: KafkaRunTarget = {
      bootstrap: outputs(inst).kafka_bootstrap_servers!,
      container: `${NAMING.prefix}kafka`,
      messages: N,
      work,
      sasl: { username: KAFKA_ADMIN_USER, password: inst.env.TF_VAR_kafka_admin_password! },
    };
    const names = Object.keys(VARIANTS);
    await createTopics(base, Array.from({ length: RUNS + 1 }, (_, i) => names.map((_n, v) => `ab-${v}-${i}`)).flat(), 1);
    for (let i = 0; i <= RUNS; i++) {
      const order = i % 2 === 0 ? names : [...names].reverse();
      for (const who of order) {
        const target = { ...base, ...VARIANTS[who] };
        const topic = `ab-${names.indexOf(who)}-${i}`;
        const p = await kafkaOursProduce(target, topic);
        const c = await kafkaOursConsume(target, topic);
        log(
          `memory-limit-ab: run ${i}${i === 0 ? " (warm-up)" : ""} ${who}: produce ${p.rate.toFixed(0)} msg/s, consume ${c.rate.toFixed(0)} msg/s, consumer peak RSS ${(c.peakRssMiB as number).toFixed(0)} MiB (limit ${String(c.memoryLimitMiB ?? "none")})`,
        );
        if (i > 0) {
          rows[who]!.produce.push(p.rate);
          rows[who]!.consume.push(c.rate);
          rows[who]!.rss.push(c.peakRssMiB as number);
        }
      }
    }
  } finally {
    tf(["destroy"]);
    rmSync(work, { recursive: true, force: true });
  }
  const s = Object.fromEntries(
    Object.entries(rows).map(([k, v]) => [k, { produce: summarize(v.produce), consume: summarize(v.consume), rss: summarize(v.rss) }]),
  );
  out(`\n### Kafka apps under a ${LIMIT} MiB memory limit vs unlimited (median (min–max) of ${RUNS} runs after a warm-up, alternating)\n`);
  out(
    table(
      ["variant", "produce msg/s", "consume msg/s", "consumer peak RSS MiB"],
      Object.entries(s).map(([k, v]) => [k, fmt(v.produce, 0), fmt(v.consume, 0), fmt(v.rss, 0)]),
    ),
  );
  for (const name of Object.keys(VARIANTS).filter((n) => n !== "unlimited")) {
    out(
      `\n${name} / unlimited: produce ${ratio(s[name]!.produce.median, s.unlimited!.produce.median).toFixed(2)}×, consume ${ratio(s[name]!.consume.median, s.unlimited!.consume.median).toFixed(2)}×.`,
    );
  }
  const file = writeResult("memory-limit-ab", {
    runs: RUNS,
    messages: N,
    limitMiB: LIMIT,
    raw: rows,
    summary: s,
    seconds: (Date.now() - started) / 1000,
  });
  writeReport("memory-limit-ab", runHeader(file, load));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
