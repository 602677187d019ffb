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
import { waitFor } from "../__tests__/support/commands";
import { jsonLogLines, memoryUsageMiB } from "../__tests__/support/docker";
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

/** The last line `container` logged with `event` (the apps' JSON log format). */
function lastEvent(container: string, event: string): Record<string, any> | undefined {
  return jsonLogLines(container)
    .filter((line) => line.event === event)
    .pop();
}

async function runVariant(round: number, variant: Variant, inst: StackInstance): Promise<RoundResult> {
  const apply = await timeCommandAsync("terraform", ["apply", "-auto-approve", "-input=false", "-no-color"], {
    cwd: inst.dir,
    env: inst.env,
    timeoutMs: TIMEOUT_MS,
  });
  const states = inspectContainers(inst.containers);
  const unhealthy = inst.containers.filter((n) => !states.some((s) => s.name === n && s.running && s.health === "healthy"));
  if (unhealthy.length) throw new Error(`${variant}: not healthy after apply: ${unhealthy.join(", ")}`);
  // The producers send 1000 messages each at 20/s; measure once both are done and their consumers caught up.
  for (const [producer, consumer] of [
    ["bench-rabbitmq-producer-1", "bench-rabbitmq-consumer-1"],
    ["bench-kafka-producer-1", "bench-kafka-consumer-1"],
  ] as const) {
    const done = await waitFor(`${producer} done`, 240, () => lastEvent(producer, "done"), 2000);
    await waitFor(
      `${consumer} caught up`,
      120,
      () => {
        const last = lastEvent(consumer, "stats");
        return last !== undefined && last.received - last.duplicates >= done.confirmed ? true : undefined;
      },
      2000,
    );
  }
  const memory = Object.fromEntries(
    Object.entries(memoryUsageMiB(inst.containers)).map(([name, mib]) => [name.replace(/^bench-/, ""), Math.round(mib * 10) / 10]),
  );
  const total = Math.round(Object.values(memory).reduce((a, b) => a + b, 0) * 10) / 10;
  await timeCommandAsync("terraform", ["destroy", "-auto-approve", "-input=false", "-no-color"], {
    cwd: inst.dir,
    env: inst.env,
    timeoutMs: TIMEOUT_MS,
  });
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
    const values = of(variant)
      .map((r) => r.memoryMiB[name])
      .filter((v): v is number => v !== undefined);
    return values.length ? summarize(values) : undefined;
  };

  out(`\n### What metrics and Prometheus cost (median (min–max) of ${ROUNDS} rounds after a warm-up, the two variants alternating)\n`);
  out(
    table(
      ["", "with observability", "without", "with/without", "difference"],
      [
        [
          "deploy (terraform apply → all healthy), s",
          fmt(deploy.with, 1),
          fmt(deploy.without, 1),
          `${ratio(deploy.with.median, deploy.without.median).toFixed(2)}×`,
          `+${(deploy.with.median - deploy.without.median).toFixed(1)} s`,
        ],
        [
          "memory of all containers after the traffic, MiB",
          fmt(total.with, 0),
          fmt(total.without, 0),
          `${ratio(total.with.median, total.without.median).toFixed(2)}×`,
          `+${(total.with.median - total.without.median).toFixed(0)} MiB`,
        ],
      ],
    ),
  );
  out(`\nMemory per container (docker stats, MiB, median):\n`);
  out(
    table(
      ["container", "with", "without"],
      containers.map((name) => [
        name,
        perContainer("with", name)?.median.toFixed(1) ?? "–",
        perContainer("without", name)?.median.toFixed(1) ?? "–",
      ]),
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
