/**
 * `npm run synth` of the default stack, this checkout against a baseline
 * commit, in the same session.
 *
 *   node -r esbuild-register bench/synth-versions.ts [--base <git ref>] [--runs 11]
 *
 * The baseline is checked out into a temporary git worktree sharing this
 * checkout's node_modules. Each side gets one warm-up run, then the runs
 * alternate base/current, with CDKTF_OUTDIR in a temporary folder. Reports
 * the median wall and CPU time of each side and their ratio.
 */
import { mkdtempSync, rmSync, symlinkSync } from "fs";
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

function synth(dir: string): TimedRun {
  const outdir = mkdtempSync(join(work, "out-"));
  const env: NodeJS.ProcessEnv = { ...process.env, CDKTF_OUTDIR: outdir };
  delete env.NODE_OPTIONS;
  const r = timedRun("npm", ["run", "--silent", "synth"], { cwd: dir, env });
  rmSync(outdir, { recursive: true, force: true });
  return r;
}

try {
  const sides = { base: baseDir, current: REPO_ROOT } as const;
  const runs: Record<keyof typeof sides, TimedRun[]> = { base: [], current: [] };
  for (const dir of Object.values(sides)) synth(dir); // warm-up (file cache, bundles)
  for (let i = 0; i < RUNS; i++) {
    for (const side of Object.keys(sides) as (keyof typeof sides)[]) runs[side].push(synth(sides[side]));
    log(`synth-versions: run ${i + 1}/${RUNS}: base ${runs.base[i]!.wallSeconds.toFixed(2)} s, current ${runs.current[i]!.wallSeconds.toFixed(2)} s`);
  }
  const wall = { base: summarize(runs.base.map((r) => r.wallSeconds)), current: summarize(runs.current.map((r) => r.wallSeconds)) };
  const cpu = { base: summarize(runs.base.map((r) => r.cpuSeconds)), current: summarize(runs.current.map((r) => r.cpuSeconds)) };
  const rss = { base: summarize(runs.base.map((r) => r.maxRssMiB)), current: summarize(runs.current.map((r) => r.maxRssMiB)) };
  out(`## npm run synth of the default stack: ${BASE} (baseline) vs this checkout`);
  out();
  out(
    table(
      ["", `baseline ${BASE}`, "current", "ratio current/baseline (medians)"],
      [
        ["wall s", fmt(wall.base), fmt(wall.current), ratio(wall.current.median, wall.base.median).toFixed(3)],
        ["CPU s", fmt(cpu.base), fmt(cpu.current), ratio(cpu.current.median, cpu.base.median).toFixed(3)],
        ["peak RSS MiB", fmt(rss.base, 0), fmt(rss.current, 0), ratio(rss.current.median, rss.base.median).toFixed(3)],
      ],
    ),
  );
  out();
  out(`${RUNS} runs a side after one warm-up each, alternated; median (min–max).`);
  const file = writeResult("synth-versions", { base: BASE, runs: RUNS, wall, cpu, rss });
  writeReport("synth-versions", runHeader(file, loadStart));
} finally {
  run("git", ["worktree", "remove", "--force", baseDir], { cwd: REPO_ROOT });
  rmSync(work, { recursive: true, force: true });
}
