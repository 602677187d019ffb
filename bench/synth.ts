/**
 * Synth benchmark (issue 5, part 1).
 *
 *   node -r esbuild-register bench/synth.ts [--runs 5] [--sizes 1,10,100,500] [--no-profile]
 *
 * For each size, a child process per run synthesizes a stack with the
 * default stack's brokers plus <size> producer/consumer apps, built either
 * with our constructs (bench/synth/ours-stack.ts) or with the provider-docker
 * classes directly (bench/synth/raw-stack.ts); same process model
 * (`node -r esbuild-register`, cdktf App, app.synth()). Wall time is measured
 * around the child, peak RSS by GNU time. One warm-up run of each, then the
 * runs alternate ours/raw. The two synthesized stacks are checked to hold the
 * same resources with the same attributes.
 *
 * Then `npm run synth` of the default stack (CDKTF_OUTDIR set to a temporary
 * folder, so cdktf.out/ is untouched), and its two steps on their own.
 *
 * With profiling (default), one `node --cpu-prof` run of ours and raw at the
 * largest size and of main.ts, summarized by self time.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "fs";
import * as os from "os";
import { tmpdir } from "os";
import { join } from "path";
import { summarizeProfile, type ProfileSummary } from "./lib/cpuprofile";
import { run, timedRun, type TimedRun } from "./lib/proc";
import {
  fmt,
  out,
  runHeader,
  linearFit,
  log,
  parseArgs,
  ratio,
  REPO_ROOT,
  summarize,
  table,
  writeReport,
  writeResult,
  type Summary,
} from "./lib/stats";
import { compareStacks, type Equivalence } from "./synth/equivalence";
import { APP_KINDS, STACK_NAME } from "./synth/shape";

const args = parseArgs(process.argv.slice(2));
const RUNS = Number(args.get("runs") ?? 5);
const SIZES = (args.get("sizes") ?? "1,10,100,500").split(",").map(Number);
const PROFILE = !args.has("no-profile");
const TARGETS = { defaultSynthSeconds: 1.0, overheadRatio: 1.1, apps500Seconds: 5.0 };

const work = mkdtempSync(join(tmpdir(), "bench-synth-"));
const NODE = process.execPath;
const RUN_ONE = join(REPO_ROOT, "bench", "synth", "run-one.ts");

function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  delete env.CDKTF_OUTDIR;
  delete env.NODE_OPTIONS;
  return env;
}

/** One synth of `impl` with `apps` apps in a fresh outdir; returns the timing and the stack file. */
function synthOnce(
  impl: "ours" | "raw",
  apps: number,
  appsDir: string,
  keep = false,
  sourceMaps = true,
): TimedRun & { stackFile: string; bytes: number } {
  const outdir = join(work, `${impl}-${apps}-${Date.now()}`);
  const r = timedRun(NODE, ["-r", "esbuild-register", RUN_ONE, impl, String(apps), outdir], {
    cwd: REPO_ROOT,
    env: cleanEnv({ BENCH_APPS_DIR: appsDir, ...(sourceMaps ? {} : { BENCH_SOURCE_MAPS: "off" }) }),
  });
  const stackFile = join(outdir, "stacks", STACK_NAME, "cdk.tf.json");
  const bytes = statSync(stackFile).size;
  if (!keep) rmSync(outdir, { recursive: true, force: true });
  return { ...r, stackFile, bytes };
}

interface Figures {
  wall: Summary;
  cpu: Summary;
  rssMiB: Summary;
}

function figures(runs: readonly TimedRun[]): Figures {
  return {
    wall: summarize(runs.map((x) => x.wallSeconds)),
    cpu: summarize(runs.map((x) => x.cpuSeconds)),
    rssMiB: summarize(runs.map((x) => x.maxRssMiB)),
  };
}

interface SizeResult {
  apps: number;
  resources: number;
  stackBytes: number;
  ours: Figures;
  raw: Figures;
  overhead: number;
  equivalence: Equivalence;
}

function benchSize(apps: number, appsDir: string): SizeResult {
  log(`synth: ${apps} apps: warm-up`);
  const ours0 = synthOnce("ours", apps, appsDir, true);
  const raw0 = synthOnce("raw", apps, appsDir, true);
  const equivalence = compareStacks(ours0.stackFile, raw0.stackFile);
  if (equivalence.differences.length || !equivalence.outputsEqual || !equivalence.variablesEqual) {
    log(`synth: WARNING: ours and raw differ at ${apps} apps: ${equivalence.differences.slice(0, 5).join(", ")}`);
  }
  const o: TimedRun[] = [];
  const r: TimedRun[] = [];
  for (let i = 0; i < RUNS; i++) {
    o.push(synthOnce("ours", apps, appsDir));
    r.push(synthOnce("raw", apps, appsDir));
    log(`synth: ${apps} apps run ${i + 1}/${RUNS}: ours ${o[i]!.wallSeconds.toFixed(2)} s, raw ${r[i]!.wallSeconds.toFixed(2)} s`);
  }
  const ours = figures(o);
  const raw = figures(r);
  return {
    apps,
    resources: equivalence.resources.a,
    stackBytes: ours0.bytes,
    ours,
    raw,
    overhead: ratio(ours.wall.median, raw.wall.median),
    equivalence,
  };
}

function benchDefaultStack(): Record<string, Figures> {
  const outRoot = join(work, "default");
  mkdirSync(outRoot, { recursive: true });
  const variants: [string, string, string[], Record<string, string>][] = [
    ["npm run synth", "npm", ["run", "--silent", "synth"], {}],
    ["  node apps/bundle.mjs", NODE, ["apps/bundle.mjs"], {}],
    ["  node -r esbuild-register main.ts", NODE, ["-r", "esbuild-register", "main.ts"], {}],
    [
      "  the same, source maps off (bench/synth/main-variant.ts)",
      NODE,
      ["-r", "esbuild-register", "bench/synth/main-variant.ts"],
      { BENCH_SOURCE_MAPS: "off" },
    ],
  ];
  const results: Record<string, Figures> = {};
  const runs: Record<string, TimedRun[]> = {};
  for (const [name] of variants) runs[name] = [];
  for (let i = -1; i < RUNS; i++) {
    for (const [name, cmd, argv, extra] of variants) {
      const outdir = join(outRoot, `run-${i}-${runs[name]!.length}-${name.length}`);
      const t = timedRun(cmd, argv, { cwd: REPO_ROOT, env: cleanEnv({ CDKTF_OUTDIR: outdir, ...extra }) });
      rmSync(outdir, { recursive: true, force: true });
      if (i >= 0) runs[name]!.push(t); // i = -1: warm-up
    }
    if (i >= 0) log(`synth: default stack run ${i + 1}/${RUNS}: npm run synth ${runs["npm run synth"]![i]!.wallSeconds.toFixed(2)} s`);
  }
  for (const [name] of variants) {
    results[name] = figures(runs[name]!);
  }
  return results;
}

function profileRun(label: string, argv: string[], env: NodeJS.ProcessEnv, focus?: string): ProfileSummary {
  const dir = join(work, `prof-${label}`);
  mkdirSync(dir, { recursive: true });
  run(NODE, ["--cpu-prof", "--cpu-prof-dir", dir, ...argv], { cwd: REPO_ROOT, env });
  const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
  if (!file) throw new Error(`no profile written in ${dir}`);
  return summarizeProfile(join(dir, file), 15, focus);
}

function printProfile(title: string, p: ProfileSummary): void {
  out(`\n#### Profile: ${title} (${p.totalMs} ms sampled, ${p.busyMs} ms not idle; % of the latter)\n`);
  out("Self time by package / folder:\n");
  out(
    table(
      ["group", "ms", "%"],
      p.byGroup.slice(0, 10).map((r) => [r.name, r.ms.toFixed(1), r.percent.toFixed(1)]),
    ),
  );
  out("\nTop self-time functions:\n");
  out(
    table(
      ["function", "ms", "%"],
      p.topSelf.slice(0, 12).map((r) => [r.name, r.ms.toFixed(1), r.percent.toFixed(1)]),
    ),
  );
  out("\nTop inclusive-time functions:\n");
  out(
    table(
      ["function", "ms", "%"],
      p.topInclusive.slice(0, 12).map((r) => [r.name, r.ms.toFixed(1), r.percent.toFixed(1)]),
    ),
  );
  if (p.focusInclusive.length) {
    out("\nOur constructs (constructs/) by inclusive time:\n");
    out(
      table(
        ["function", "ms", "%"],
        p.focusInclusive.slice(0, 12).map((r) => [r.name, r.ms.toFixed(1), r.percent.toFixed(1)]),
      ),
    );
  }
}

function main(): void {
  const started = Date.now();
  const loadStart = os.loadavg();
  log(
    `synth: ${RUNS} runs per figure after a warm-up; sizes ${SIZES.join(", ")}; load average ${loadStart.map((l) => l.toFixed(2)).join(" ")}; work dir ${work}`,
  );
  // The apps must be bundled for their build contexts to hash as in a real
  // synth; then both stacks hash the same snapshot of them.
  run(NODE, ["apps/bundle.mjs"], { cwd: REPO_ROOT });
  const appsDir = join(work, "apps");
  for (const kind of APP_KINDS) cpSync(join(REPO_ROOT, "apps", kind), join(appsDir, kind), { recursive: true });

  const sizes = SIZES.map((n) => benchSize(n, appsDir));
  const def = benchDefaultStack();

  // Informational: the same largest synth with source-mapped stack traces off.
  const largestSize = Math.max(...SIZES);
  log(`synth: ${largestSize} apps with source maps off`);
  synthOnce("ours", largestSize, appsDir, false, false);
  synthOnce("raw", largestSize, appsDir, false, false);
  const smOurs: TimedRun[] = [];
  const smRaw: TimedRun[] = [];
  for (let i = 0; i < RUNS; i++) {
    smOurs.push(synthOnce("ours", largestSize, appsDir, false, false));
    smRaw.push(synthOnce("raw", largestSize, appsDir, false, false));
  }
  const sourceMapsOff = { apps: largestSize, ours: figures(smOurs), raw: figures(smRaw) };

  const fitOurs = linearFit(
    sizes.map((s) => s.apps),
    sizes.map((s) => s.ours.wall.median),
  );
  const fitRaw = linearFit(
    sizes.map((s) => s.apps),
    sizes.map((s) => s.raw.wall.median),
  );
  const fitRssOurs = linearFit(
    sizes.map((s) => s.apps),
    sizes.map((s) => s.ours.rssMiB.median),
  );
  const fitRssRaw = linearFit(
    sizes.map((s) => s.apps),
    sizes.map((s) => s.raw.rssMiB.median),
  );

  let profiles: Record<string, ProfileSummary> = {};
  if (PROFILE) {
    const largest = Math.max(...SIZES);
    log(`synth: profiling ours and raw at ${largest} apps, and main.ts`);
    const env = cleanEnv({ BENCH_APPS_DIR: appsDir });
    profiles = {
      [`ours, ${largest} apps`]: profileRun(
        "ours",
        ["-r", "esbuild-register", RUN_ONE, "ours", String(largest), join(work, "prof-out-ours")],
        env,
        join(REPO_ROOT, "constructs") + "/",
      ),
      [`raw, ${largest} apps`]: profileRun(
        "raw",
        ["-r", "esbuild-register", RUN_ONE, "raw", String(largest), join(work, "prof-out-raw")],
        env,
      ),
      "default stack (node -r esbuild-register main.ts)": profileRun(
        "main",
        ["-r", "esbuild-register", "main.ts"],
        cleanEnv({ CDKTF_OUTDIR: join(work, "prof-out-main") }),
      ),
    };
  }

  out(`\n### Synth: ours vs raw provider-docker classes (median (min–max) of ${RUNS} runs, after a warm-up)\n`);
  out(
    table(
      [
        "apps",
        "resources",
        "ours wall s",
        "raw wall s",
        "ours/raw wall",
        "ours CPU s",
        "raw CPU s",
        "ours/raw CPU",
        "ours peak RSS MiB",
        "raw peak RSS MiB",
        "same resources",
      ],
      sizes.map((s) => [
        String(s.apps),
        String(s.resources),
        fmt(s.ours.wall),
        fmt(s.raw.wall),
        `${s.overhead.toFixed(2)}×`,
        fmt(s.ours.cpu),
        fmt(s.raw.cpu),
        `${ratio(s.ours.cpu.median, s.raw.cpu.median).toFixed(2)}×`,
        fmt(s.ours.rssMiB, 0),
        fmt(s.raw.rssMiB, 0),
        s.equivalence.differences.length === 0 && s.equivalence.outputsEqual && s.equivalence.variablesEqual
          ? "yes"
          : `NO (${s.equivalence.differences.length})`,
      ]),
    ),
  );
  out(`\nGrowth (least-squares line through the medians):\n`);
  out(
    table(
      ["", "ms per app", "fixed cost s", "r²", "MiB per app"],
      [
        ["ours", (fitOurs.slope * 1000).toFixed(2), fitOurs.intercept.toFixed(2), fitOurs.r2.toFixed(4), fitRssOurs.slope.toFixed(3)],
        ["raw", (fitRaw.slope * 1000).toFixed(2), fitRaw.intercept.toFixed(2), fitRaw.r2.toFixed(4), fitRssRaw.slope.toFixed(3)],
        [
          "ours/raw",
          `${ratio(fitOurs.slope, fitRaw.slope).toFixed(2)}×`,
          `${ratio(fitOurs.intercept, fitRaw.intercept).toFixed(2)}×`,
          "",
          "",
        ],
      ],
    ),
  );
  const on = sizes.find((x) => x.apps === largestSize)!;
  out(
    `\nSource maps: \`-r esbuild-register\` turns on source-mapped stack traces (process.setSourceMapsEnabled(true)). The same ${largestSize}-app synth with them off (BENCH_SOURCE_MAPS=off, ${RUNS} runs after a warm-up, measured after the table above):\n`,
  );
  out(
    table(
      ["", "source maps on, wall s", "off, wall s", "off/on"],
      [
        [
          "ours",
          fmt(on.ours.wall),
          fmt(sourceMapsOff.ours.wall),
          `${ratio(sourceMapsOff.ours.wall.median, on.ours.wall.median).toFixed(2)}×`,
        ],
        ["raw", fmt(on.raw.wall), fmt(sourceMapsOff.raw.wall), `${ratio(sourceMapsOff.raw.wall.median, on.raw.wall.median).toFixed(2)}×`],
        [
          "ours/raw",
          `${on.overhead.toFixed(2)}×`,
          `${ratio(sourceMapsOff.ours.wall.median, sourceMapsOff.raw.wall.median).toFixed(2)}×`,
          "",
        ],
      ],
    ),
  );
  out(`\n### Default stack (median (min–max) of ${RUNS} runs, after a warm-up)\n`);
  out(
    table(
      ["command", "wall s", "CPU s", "peak RSS MiB"],
      Object.entries(def).map(([k, v]) => [k, fmt(v.wall), fmt(v.cpu), fmt(v.rssMiB, 0)]),
    ),
  );

  const at500 = sizes.find((s) => s.apps === 500);
  const maxOverhead = Math.max(...sizes.map((s) => s.overhead));
  const npmSynth = def["npm run synth"]!.wall;
  const targets = [
    {
      target: "synth of the default stack (npm run synth) ≤ 1.0 s",
      measured: `${fmt(npmSynth)} s`,
      met: npmSynth.median <= TARGETS.defaultSynthSeconds,
    },
    {
      target: "overhead vs raw ≤ 1.1×",
      measured: sizes.map((s) => `${s.apps}: ${s.overhead.toFixed(2)}×`).join(", "),
      met: maxOverhead <= TARGETS.overheadRatio,
    },
    ...(at500
      ? [
          {
            target: "500 apps ≤ 5 s",
            measured: `${fmt(at500.ours.wall)} s (raw ${fmt(at500.raw.wall)} s)`,
            met: at500.ours.wall.median <= TARGETS.apps500Seconds,
          },
        ]
      : []),
  ];
  out(`\n### Targets\n`);
  out(
    table(
      ["target", "measured (median (min–max))", "met"],
      targets.map((t) => [t.target, t.measured, t.met ? "yes" : "NO"]),
    ),
  );
  for (const [title, p] of Object.entries(profiles)) printProfile(title, p);

  const file = writeResult("synth", {
    loadAverage: { start: loadStart, end: os.loadavg() },
    runs: RUNS,
    command: "node -r esbuild-register bench/synth.ts " + process.argv.slice(2).join(" "),
    durationSeconds: Math.round((Date.now() - started) / 1000),
    sizes,
    fit: { ours: fitOurs, raw: fitRaw, rssOurs: fitRssOurs, rssRaw: fitRssRaw },
    defaultStack: def,
    sourceMapsOff,
    targets,
    profiles,
  });
  rmSync(work, { recursive: true, force: true });
  writeReport("synth", runHeader(file, loadStart));
  log(`synth: wrote ${file} in ${Math.round((Date.now() - started) / 1000)} s`);
}

main();
