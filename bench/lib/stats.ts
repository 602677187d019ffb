/**
 * Small statistics and reporting helpers shared by the benchmarks: every
 * figure is a median of several runs with its min and max; comparisons are
 * ratios of medians measured in the same session.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import { join, resolve } from "node:path";

export const REPO_ROOT = resolve(__dirname, "..", "..");
export const RESULTS_DIR = join(REPO_ROOT, "bench", "results");

export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly n: number;
  readonly runs: readonly number[];
}

export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) return { median: NaN, min: NaN, max: NaN, n: 0, runs: [] };
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, n: values.length, runs: [...values] };
}

/** Least-squares line y = intercept + slope * x, with r². */
export function linearFit(xs: readonly number[], ys: readonly number[]): { slope: number; intercept: number; r2: number } {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
    syy += (ys[i]! - my) ** 2;
  }
  const slope = sxx === 0 ? 0 : sxy / sxx;
  const intercept = my - slope * mx;
  const r2 = sxx === 0 || syy === 0 ? 1 : (sxy * sxy) / (sxx * syy);
  return { slope, intercept, r2 };
}

/** `median (min–max)` with a fixed number of decimals. */
export function fmt(s: Summary, digits = 2, unit = ""): string {
  if (s.n === 0) return "n/a";
  const f = (v: number) => v.toFixed(digits);
  return `${f(s.median)}${unit} (${f(s.min)}–${f(s.max)})`;
}

export function ratio(a: number, b: number): number {
  return b === 0 ? NaN : a / b;
}

/** A plain-text table, also valid Markdown. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(headers), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)].join("\n");
}

function tryRun(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 20_000 }).trim();
  } catch {
    return "n/a";
  }
}

/** The machine and tool versions a result was measured with. */
export function machineInfo(): Record<string, string | number> {
  const cpu = os.cpus()[0]?.model ?? "unknown";
  return {
    nproc: os.cpus().length,
    cpu,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    kernel: os.release(),
    node: process.version,
    docker: tryRun("docker", ["version", "--format", "{{.Server.Version}} (API {{.Server.APIVersion}})"]),
    terraform: tryRun("terraform", ["version"]).split("\n")[0] ?? "n/a",
    git: tryRun("git", ["-C", REPO_ROOT, "rev-parse", "--short", "HEAD"]),
  };
}

/** Writes bench/results/<name>.json (the latest result of that benchmark). */
export function writeResult(name: string, data: Record<string, unknown>): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${name}.json`);
  const body = { benchmark: name, finishedAt: new Date().toISOString(), machine: machineInfo(), ...data };
  writeFileSync(file, `${JSON.stringify(body, null, 2)}\n`);
  return file;
}

export function log(message: string): void {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

/** Parses `--name value` / `--flag` arguments into a map. */
export function parseArgs(argv: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith("--")) continue;
    const eq = a.indexOf("=");
    if (eq > 0) out.set(a.slice(2, eq), a.slice(eq + 1));
    else if (i + 1 < argv.length && !argv[i + 1]!.startsWith("--")) out.set(a.slice(2), argv[++i]!);
    else out.set(a.slice(2), "true");
  }
  return out;
}

const reportLines: string[] = [];

/** Prints a line of the result report (Markdown) and keeps it for writeReport(). */
export function out(text = ""): void {
  console.log(text);
  reportLines.push(text);
}

/**
 * Writes what out() printed to bench/results/<name>.md and splices it into
 * BENCHMARKS.md between `<!-- results:<name>:start -->` and
 * `<!-- results:<name>:end -->`, so the document always shows the latest run.
 */
export function writeReport(name: string, header: string): void {
  const body =
    [header, "", ...reportLines]
      .join("\n")
      .replace(/\n{3,}/g, "\n\n")
      .trim() + "\n";
  writeFileSync(join(RESULTS_DIR, `${name}.md`), body);
  const doc = join(REPO_ROOT, "BENCHMARKS.md");
  let text: string;
  try {
    text = readFileSync(doc, "utf8");
  } catch {
    return;
  }
  const start = `<!-- results:${name}:start -->`;
  const end = `<!-- results:${name}:end -->`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < i) return;
  writeFileSync(doc, `${text.slice(0, i + start.length)}\n${body}${text.slice(j)}`);
}

/** The line above a report: when, how, on what. */
export function runHeader(resultFile: string, loadStart: number[]): string {
  const m = machineInfo();
  const cmd = `node -r esbuild-register ${process.argv
    .slice(1)
    .map((a) => a.replace(`${REPO_ROOT}/`, ""))
    .join(" ")}`;
  return (
    `_Latest run: ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, \`${cmd}\`, ` +
    `${m.nproc} CPUs, ${m.memoryGiB} GiB, load average at start ${loadStart.map((l) => l.toFixed(2)).join(" ")}, ` +
    `commit ${m.git}; raw data: \`${resultFile.replace(`${REPO_ROOT}/`, "")}\`._`
  );
}
