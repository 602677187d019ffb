/**
 * The two flavours side by side (issue 23): synth of the default stack on
 * each built package, their packed sizes, and the generated bindings' size.
 *
 *   node -r esbuild-register bench/synth-flavours.ts [--runs 9]
 *
 * Builds both packages first (`npm run build`, flavours/cdktn/build.mjs).
 * Each run is a child process (bench/synth/flavour-run.cjs) that loads one
 * flavour's compiled package, framework and constructs and synthesizes
 * examples/single-host (the default stack) with App.synth(): wall time
 * around the child and peak RSS by GNU time. One warm-up run of each, then
 * the runs alternate cdktf/cdktn, so both meet the same machine. The two
 * cdk.tf.json are checked to be the same but for the framework's version stamp.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "fs";
import * as os from "os";
import { join } from "path";
import { run, timedRun } from "./lib/proc";
import { fmt, log, out, parseArgs, ratio, REPO_ROOT, runHeader, summarize, table, writeReport, writeResult } from "./lib/stats";

const args = parseArgs(process.argv.slice(2));
const RUNS = Number(args.get("runs") ?? 9);
const FLAVOURS = ["cdktf", "cdktn"] as const;
type Flavour = (typeof FLAVOURS)[number];
const RUNNER = join(REPO_ROOT, "bench", "synth", "flavour-run.cjs");
const CDKTN_BUILD = join(REPO_ROOT, "flavours", "cdktn");
const loadStart = os.loadavg();
const work = mkdtempSync(join(os.tmpdir(), "bench-flavours-"));

/** Bytes under `dir` in files whose name passes `keep`. */
function bytesUnder(dir: string, keep: (file: string) => boolean): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const entry of readdirSync(dir, { recursive: true })) {
    const file = join(dir, String(entry));
    if (statSync(file).isFile() && keep(file)) {
      files++;
      bytes += statSync(file).size;
    }
  }
  return { files, bytes };
}

/** One flavour's cdk.tf.json with the framework's version stamp taken out. */
function stackJson(outdir: string): string {
  const json = JSON.parse(readFileSync(join(outdir, "stacks", "messaging", "cdk.tf.json"), "utf8"));
  delete json["//"].metadata.version;
  return JSON.stringify(json);
}

log("building both packages");
run("npm", ["run", "build"], { cwd: REPO_ROOT });
run("node", [join(CDKTN_BUILD, "build.mjs")], { cwd: REPO_ROOT });

const synthOnce = (flavour: Flavour) => {
  const outdir = join(work, `${flavour}-${Date.now()}`);
  const timed = timedRun(process.execPath, [RUNNER, flavour, outdir], { cwd: REPO_ROOT });
  return { timed, outdir };
};

const same = stackJson(synthOnce("cdktf").outdir) === stackJson(synthOnce("cdktn").outdir); // also the warm-up
const wall: Record<Flavour, number[]> = { cdktf: [], cdktn: [] };
const rss: Record<Flavour, number[]> = { cdktf: [], cdktn: [] };
for (let i = 0; i < RUNS; i++) {
  for (const flavour of i % 2 === 0 ? FLAVOURS : [...FLAVOURS].reverse()) {
    const { timed, outdir } = synthOnce(flavour);
    wall[flavour].push(timed.wallSeconds);
    rss[flavour].push(timed.maxRssMiB);
    rmSync(outdir, { recursive: true, force: true });
  }
  log(`run ${i + 1}/${RUNS}: cdktf ${wall.cdktf.at(-1)!.toFixed(2)} s, cdktn ${wall.cdktn.at(-1)!.toFixed(2)} s`);
}

const packed = (dir: string) => {
  const listing = run("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: dir });
  const [info] = JSON.parse(listing.slice(listing.indexOf("[")));
  return {
    name: info.name as string,
    size: info.size as number,
    unpackedSize: info.unpackedSize as number,
    files: info.entryCount as number,
  };
};
const packages = { cdktf: packed(REPO_ROOT), cdktn: packed(join(CDKTN_BUILD, "package")) };
const generatedSource = bytesUnder(join(CDKTN_BUILD, "generated", "providers", "docker"), (f) => f.endsWith(".ts"));
const shippedBindings = bytesUnder(join(CDKTN_BUILD, "package", "dist", "constructs", "private", "docker"), () => true);
const stamp = readFileSync(join(CDKTN_BUILD, "generated", "providers", "docker", "GENERATED-FROM"), "utf8").trim();
rmSync(work, { recursive: true, force: true });

const w = { cdktf: summarize(wall.cdktf), cdktn: summarize(wall.cdktn) };
const m = { cdktf: summarize(rss.cdktf), cdktn: summarize(rss.cdktn) };
const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
out(`Synth of the default stack (examples/single-host) on each built package, ${RUNS} runs each, alternating:`);
out();
out(
  table(
    ["flavour", "wall median (min-max)", "peak RSS median", "vs cdktf"],
    FLAVOURS.map((f) => [f, fmt(w[f], 2, " s"), fmt(m[f], 0, " MiB"), `${ratio(w[f].median, w.cdktf.median).toFixed(2)}x`]),
  ),
);
out();
out(`The two cdk.tf.json are ${same ? "the same" : "**not** the same"} but for the framework's version stamp.`);
out();
out(
  table(
    ["package", "packed", "unpacked", "files"],
    FLAVOURS.map((f) => [packages[f].name, kib(packages[f].size), kib(packages[f].unpackedSize), String(packages[f].files)]),
  ),
);
out();
out(
  `Generated bindings (${stamp}): ${generatedSource.files} TypeScript files, ${kib(generatedSource.bytes)}; ` +
    `shipped compiled in the cdktn package: ${shippedBindings.files} files, ${kib(shippedBindings.bytes)} unpacked.`,
);
const file = writeResult("synth-flavours", {
  runs: RUNS,
  sameTerraform: same,
  wallSeconds: wall,
  peakRssMiB: rss,
  summary: { wall: w, rss: m },
  packages,
  generatedSource,
  shippedBindings,
  generatedFrom: stamp,
});
writeReport("synth-flavours", runHeader(file, loadStart));
if (!same) process.exitCode = 1;
