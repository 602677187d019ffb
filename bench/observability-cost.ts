/**
 * What observability costs (issue 11): the default stack deployed with its
 * metrics and Prometheus (as main.ts has it) against the same stack without
 * them (`observability: false`: no exporter agent in Kafka, no metrics
 * server in the apps, no Prometheus), alternating in the same session.
 *
 *   node -r esbuild-register bench/observability-cost.ts [--rounds 3]
 *
 * Round 0 is a warm-up; each round deploys both variants, the order flipping
 * every round. For each variant, each round:
 *   deploy   `terraform apply` from nothing to every container healthy;
 *   memory   `docker stats` of every running container once both producers
 *            have sent their 1000 messages and the consumers have them
 *            (traffic has flowed, Prometheus has scraped it): per container
 *            and in all;
 *   then `terraform destroy`.
 *
 * Needs: toolchain/setup.sh (engine, Terraform + provider mirror, images).
 */
import { randomBytes } from "crypto";
import { mkdtempSync, rmSync } from "fs";
import * as os from "os";
import { join } from "path";
import { containersMatching, inspectContainers } from "./lib/docker";
import { run, timeCommandAsync } from "./lib/proc";
import { prepareInstance, type StackInstance } from "./lib/stack-instance";
import { fmt, log, out, parseArgs, ratio, runHeader, summarize, table, writeReport, writeResult } from "./lib/stats";

const args = parseArgs(process.argv.slice(2));
const ROUNDS = Number(args.get("rounds") ?? 3);
const TIMEOUT_MS = 420_000;
const work = mkdtempSync(join(os.tmpdir(), "bench-observability-"));

type Variant = "with" | "without";
interface RoundResult {
  round: number;
  variant: Variant;
  deploySeconds: number;
  memoryMiB: Record<string, number>;
  totalMiB: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The JSON lines a container logged with `event` (the apps' log format). */
function events(container: string, event: string): Record<string, unknown>[] {
  const logs = run("docker", ["logs", container], { allowFail: true });
  return logs
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        return {};
      }
    })
    .filter((l) => l.event === event);
}

async function waitUntil(what: string, seconds: number, ok: () => boolean): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${seconds} s`);
    await sleep(2000);
  }
}

function memoryMiB(names: readonly string[]): Record<string, number> {
  const lines = run("docker", ["stats", "--no-stream", "--format", "{{.Name}} {{.MemUsage}}", ...names]).trim().split("\n");
  const unit: Record<string, number> = { KiB: 1 / 1024, MiB: 1, GiB: 1024, B: 1 / (1024 * 1024) };
  return Object.fromEntries(
    lines.map((l) => {
      const [name, usage] = [l.slice(0, l.indexOf(" ")), l.slice(l.indexOf(" ") + 1)];
      const m = /^([\d.]+)([KMG]?i?B)/.exec(usage);
      return [name.replace(/^bench-/, ""), m ? Math.round(Number(m[1]) * (unit[m[2]!] ?? NaN) * 10) / 10 : NaN];
    }),
  );
}

async function runVariant(round: number, variant: Variant, inst: StackInstance): Promise<RoundResult> {
  const apply = await timeCommandAsync("terraform", ["apply", "-auto-approve", "-input=false", "-no-color"], { cwd: inst.dir, env: inst.env, timeoutMs: TIMEOUT_MS });
  const states = inspectContainers(inst.containers);
  const unhealthy = inst.containers.filter((n) => !states.some((s) => s.name === n && s.running && s.health === "healthy"));
  if (unhealthy.length) throw new Error(`${variant}: not healthy after apply: ${unhealthy.join(", ")}`);
  // The producers send 1000 messages each at 20/s; measure once both are done and their consumers caught up.
  for (const [producer, consumer] of [["bench-rabbitmq-producer-1", "bench-rabbitmq-consumer-1"], ["bench-kafka-producer-1", "bench-kafka-consumer-1"]] as const) {
    await waitUntil(`${producer} done`, 240, () => events(producer, "done").length > 0);
    const confirmed = Number(events(producer, "done")[0]!.confirmed);
    await waitUntil(`${consumer} caught up`, 120, () => {
      const last = events(consumer, "stats").pop();
      return last !== undefined && Number(last.received) - Number(last.duplicates) >= confirmed;
    });
  }
  const memory = memoryMiB(inst.containers);
  const total = Math.round(Object.values(memory).reduce((a, b) => a + b, 0) * 10) / 10;
  await timeCommandAsync("terraform", ["destroy", "-auto-approve", "-input=false", "-no-color"], { cwd: inst.dir, env: inst.env, timeoutMs: TIMEOUT_MS });
  log(`observability: round ${round} ${variant}: deploy ${apply.seconds.toFixed(1)} s, memory ${total} MiB ${JSON.stringify(memory)}`);
  return { round, variant, deploySeconds: apply.seconds, memoryMiB: memory, totalMiB: total };
}

function cleanup(instances: Record<Variant, StackInstance>): void {
  for (const inst of Object.values(instances)) {
    run("terraform", ["destroy", "-auto-approve", "-input=false", "-no-color"], { cwd: inst.dir, env: inst.env, allowFail: true });
  }
}

async function main(): Promise<void> {
  const loadStart = os.loadavg();
  const started = Date.now();
  const leftovers = containersMatching(/^bench-/);
  if (leftovers.length) throw new Error(`containers of another benchmark run are there (${leftovers.join(", ")}): remove them first`);
  const password = randomBytes(18).toString("base64url");
  const instances: Record<Variant, StackInstance> = {
    with: prepareInstance(join(work, "with"), password, { observability: true }),
    without: prepareInstance(join(work, "without"), password, { observability: false }),
  };
  const results: RoundResult[] = [];
  try {
    for (let round = 0; round <= ROUNDS; round++) {
      const order: Variant[] = round % 2 === 0 ? ["with", "without"] : ["without", "with"];
      for (const variant of order) results.push(await runVariant(round, variant, instances[variant]));
    }
  } catch (error) {
    log(`observability: FAILED: ${(error as Error).message}`);
    cleanup(instances);
    throw error;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }

  const measured = results.filter((r) => r.round > 0);
  const of = (variant: Variant) => measured.filter((r) => r.variant === variant);
  const deploy = { with: summarize(of("with").map((r) => r.deploySeconds)), without: summarize(of("without").map((r) => r.deploySeconds)) };
  const total = { with: summarize(of("with").map((r) => r.totalMiB)), without: summarize(of("without").map((r) => r.totalMiB)) };
  const containers = [...new Set(measured.flatMap((r) => Object.keys(r.memoryMiB)))].sort();
  const perContainer = (variant: Variant, name: string) => {
    const values = of(variant).map((r) => r.memoryMiB[name]).filter((v): v is number => v !== undefined);
    return values.length ? summarize(values) : undefined;
  };

  out(`\n### What metrics and Prometheus cost (median (min–max) of ${ROUNDS} rounds after a warm-up, the two variants alternating)\n`);
  out(
    table(
      ["", "with observability", "without", "with/without", "difference"],
      [
        ["deploy (terraform apply → all healthy), s", fmt(deploy.with, 1), fmt(deploy.without, 1), `${ratio(deploy.with.median, deploy.without.median).toFixed(2)}×`, `+${(deploy.with.median - deploy.without.median).toFixed(1)} s`],
        ["memory of all containers after the traffic, MiB", fmt(total.with, 0), fmt(total.without, 0), `${ratio(total.with.median, total.without.median).toFixed(2)}×`, `+${(total.with.median - total.without.median).toFixed(0)} MiB`],
      ],
    ),
  );
  out(`\nMemory per container (docker stats, MiB, median):\n`);
  out(
    table(
      ["container", "with", "without"],
      containers.map((name) => [name, perContainer("with", name)?.median.toFixed(1) ?? "–", perContainer("without", name)?.median.toFixed(1) ?? "–"]),
    ),
  );
  const file = writeResult("observability-cost", {
    command: "node -r esbuild-register bench/observability-cost.ts " + process.argv.slice(2).join(" "),
    rounds: ROUNDS,
    loadAverage: { start: loadStart, end: os.loadavg() },
    durationSeconds: Math.round((Date.now() - started) / 1000),
    deploy,
    totalMiB: total,
    results,
  });
  writeReport("observability-cost", runHeader(file, loadStart));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
