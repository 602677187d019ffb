/**
 * `npm run synth` of the default stack, this checkout against a baseline
 * commit, in the same session.
 *
 *   node -r esbuild-register bench/synth-versions.ts [--base <git ref>] [--runs 11]
 *
 * The baseline is checked out into a temporary git worktree sharing this
 * checkout's node_modules. Each side gets one warm-up run, then the runs
 * alternate base / current / current with an empty transform cache
 * (toolchain/ts-register.cjs caches each .ts file's JavaScript: the first
 * synth after an edit pays for the files that changed), with CDKTF_OUTDIR
 * in a temporary folder. Reports the median wall and CPU time of each side
 * and their ratio to the baseline.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "fs";
import * as os from "os";
import { join } from "path";
import { run, timedRun, type TimedRun } from "./lib/proc";
import { fmt, log, out, parseArgs, ratio, REPO_ROOT, runHeader, summarize, table, writeReport, writeResult } from "./lib/stats";

const args = parseArgs(process.argv.slice(2));
const BASE = args.get("base") ?? "8310020"; // the last 0.1 commit
const RUNS = Number(args.get("runs") ?? 11);
const loadStart = os.loadavg();

const work = mkdtempSync(join(os.tmpdir(), "bench-synth-versions-"));
const baseDir = join(work, "base");
run("git", ["worktree", "add", "--detach", baseDir, BASE], { cwd: REPO_ROOT });
symlinkSync(join(REPO_ROOT, "node_modules"), join(baseDir, "node_modules"));

const TRANSFORM_CACHE = join(REPO_ROOT, "node_modules", ".cache", "ts-register");

function synth(dir: string, coldCache = false): TimedRun {
  if (coldCache) rmSync(TRANSFORM_CACHE, { recursive: true, force: true });
  const outdir = mkdtempSync(join(work, "out-"));
  const env: NodeJS.ProcessEnv = { ...process.env, CDKTF_OUTDIR: outdir };
  delete env.NODE_OPTIONS;
  const r = timedRun("npm", ["run", "--silent", "synth"], { cwd: dir, env });
  rmSync(outdir, { recursive: true, force: true });
  return r;
}

try {
  const usesCache =
    existsSync(join(REPO_ROOT, "toolchain", "ts-register.cjs")) &&
    readFileSync(join(REPO_ROOT, "package.json"), "utf8").includes("ts-register");
  const sides = {
    base: { dir: baseDir, cold: false },
    current: { dir: REPO_ROOT, cold: false },
    "current, empty cache": { dir: REPO_ROOT, cold: true },
  };
  type Side = keyof typeof sides;
  const names = (Object.keys(sides) as Side[]).filter((s) => usesCache || !sides[s].cold);
  const runs = Object.fromEntries(names.map((s) => [s, [] as TimedRun[]])) as Record<Side, TimedRun[]>;
  for (const s of names) synth(sides[s].dir, sides[s].cold); // warm-up (file cache, bundles)
  for (let i = 0; i < RUNS; i++) {
    for (const s of names) runs[s].push(synth(sides[s].dir, sides[s].cold));
    log(`synth-versions: run ${i + 1}/${RUNS}: ${names.map((s) => `${s} ${runs[s][i]!.wallSeconds.toFixed(2)} s`).join(", ")}`);
  }
  const stat = (pick: (r: TimedRun) => number) => Object.fromEntries(names.map((s) => [s, summarize(runs[s].map(pick))]));
  const wall = stat((r) => r.wallSeconds);
  const cpu = stat((r) => r.cpuSeconds);
  const rss = stat((r) => r.maxRssMiB);
  out(`## npm run synth of the default stack: ${BASE} (baseline) vs this checkout`);
  out();
  out(
    table(
      [
        "",
        ...names.map((s) => (s === "base" ? `baseline ${BASE}` : s)),
        ...names.filter((s) => s !== "base").map((s) => `ratio ${s}/baseline`),
      ],
      [
        [
          "wall s",
          ...names.map((s) => fmt(wall[s]!)),
          ...names.filter((s) => s !== "base").map((s) => ratio(wall[s]!.median, wall.base!.median).toFixed(3)),
        ],
        [
          "CPU s",
          ...names.map((s) => fmt(cpu[s]!)),
          ...names.filter((s) => s !== "base").map((s) => ratio(cpu[s]!.median, cpu.base!.median).toFixed(3)),
        ],
        [
          "peak RSS MiB",
          ...names.map((s) => fmt(rss[s]!, 0)),
          ...names.filter((s) => s !== "base").map((s) => ratio(rss[s]!.median, rss.base!.median).toFixed(3)),
        ],
      ],
    ),
  );
  out();
  out(
    `${RUNS} runs a side after one warm-up each, alternated; median (min–max). "empty cache": the transform cache of toolchain/ts-register.cjs removed before each run (the first synth after a clone).`,
  );
  const file = writeResult("synth-versions", { base: BASE, runs: RUNS, wall, cpu, rss });
  writeReport("synth-versions", runHeader(file, loadStart));
} finally {
  run("git", ["worktree", "remove", "--force", baseDir], { cwd: REPO_ROOT });
  rmSync(work, { recursive: true, force: true });
}
