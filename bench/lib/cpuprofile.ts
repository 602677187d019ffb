/**
 * Summarizes a V8 .cpuprofile (written by `node --cpu-prof`): self time by
 * function, self time by package/file group, and inclusive time of the
 * functions that matter, so BENCHMARKS.md can say where the time goes.
 */
import { readFileSync } from "fs";
import { relative } from "path";
import { REPO_ROOT } from "./stats";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileRow {
  readonly name: string;
  readonly ms: number;
  readonly percent: number;
}

export interface ProfileSummary {
  readonly totalMs: number;
  /** Sampled time outside "(idle)": percentages below are of this. */
  readonly busyMs: number;
  readonly topSelf: ProfileRow[];
  readonly byGroup: ProfileRow[];
  readonly topInclusive: ProfileRow[];
  /** Inclusive time of the functions defined under `focus` (an absolute folder), when given. */
  readonly focusInclusive: ProfileRow[];
}

/**
 * esbuild bundles (apps/<app>/dist/main.js) mark each module with a
 * `// <path>` comment line: frames in a bundle are attributed to that module.
 */
const bundleModules = new Map<string, { line: number; module: string }[]>();

function bundleModuleAt(path: string, line: number): string | undefined {
  if (!/\/dist\/main\.js$/.test(path)) return undefined;
  let marks = bundleModules.get(path);
  if (!marks) {
    marks = [];
    try {
      readFileSync(path, "utf8")
        .split("\n")
        .forEach((text, i) => {
          const m = /^\/\/ ((?:node_modules|apps|constructs)\/\S+)$/.exec(text);
          if (m) marks!.push({ line: i, module: m[1]! });
        });
    } catch {
      // not readable: no attribution
    }
    bundleModules.set(path, marks);
  }
  let found: string | undefined;
  for (const m of marks) {
    if (m.line > line) break;
    found = m.module;
  }
  return found;
}

function shortUrl(url: string, line = 0): string {
  const path = url.replace(/^file:\/\//, "");
  const inBundle = bundleModuleAt(path, line);
  if (inBundle) return `${inBundle} (bundled)`;
  if (!path) return "";
  const nm = path.lastIndexOf("node_modules/");
  if (nm >= 0) return path.slice(nm + "node_modules/".length);
  if (path.startsWith(REPO_ROOT)) return relative(REPO_ROOT, path);
  return path;
}

/** Where a frame belongs: an npm package, one of our folders, Node internals, or V8 pseudo-frames. */
function groupOf(frame: CallFrame): string {
  let url = frame.url.replace(/^file:\/\//, "");
  const inBundle = bundleModuleAt(url, frame.lineNumber);
  if (inBundle) url = `${REPO_ROOT}/${inBundle}`;
  if (!url) {
    if (frame.functionName.startsWith("(")) return frame.functionName; // (garbage collector), (program), (idle)
    return "(native)";
  }
  if (url.startsWith("node:")) return "node: internals";
  const nm = url.lastIndexOf("node_modules/");
  if (nm >= 0) {
    const rest = url.slice(nm + "node_modules/".length).split("/");
    const pkg = rest[0]!.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]!;
    if (pkg === "@cdktf/provider-docker") return `${pkg}/${rest[2] ?? ""}${rest[3] ? "/" + rest[3] : ""}`.replace(/\/index\.js$/, "");
    return pkg;
  }
  if (url.startsWith(REPO_ROOT)) {
    const rel = relative(REPO_ROOT, url).split("/");
    return rel.length > 2 ? `${rel[0]}/${rel[1]}/` : rel.join("/");
  }
  return url;
}

function label(frame: CallFrame): string {
  const fn = frame.functionName || "(anonymous)";
  const where = shortUrl(frame.url, frame.lineNumber);
  return where ? `${fn} ${where.includes("(bundled)") ? where : `${where}:${frame.lineNumber + 1}`}` : fn;
}

export function summarizeProfile(file: string, top = 15, focus?: string): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  for (const node of profile.nodes) byId.set(node.id, node);
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);
  let idleUs = 0;
  for (const [id, us] of selfUs) if (byId.get(id)!.callFrame.functionName === "(idle)") idleUs += us;
  const busyUs = totalUs - idleUs;
  const toRows = (m: Map<string, number>): ProfileRow[] =>
    [...m.entries()]
      .filter(([name]) => name !== "(idle)")
      .map(([name, us]) => ({ name, ms: Math.round(us / 100) / 10, percent: Math.round((us / busyUs) * 1000) / 10 }))
      .sort((a, b) => b.ms - a.ms);

  const self = new Map<string, number>();
  const groups = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    self.set(label(frame), (self.get(label(frame)) ?? 0) + us);
    groups.set(groupOf(frame), (groups.get(groupOf(frame)) ?? 0) + us);
  }

  // Inclusive time: a function's self time plus its callees', counted once
  // per sample even when the function is on the stack more than once.
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const c of node.children ?? []) parent.set(c, node.id);
  const inclusive = new Map<string, number>();
  const focused = new Set<string>();
  for (const [id, us] of selfUs) {
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const frame = byId.get(cur)!.callFrame;
      if (!frame.functionName || frame.functionName.startsWith("(")) continue;
      const key = label(frame);
      if (focus && frame.url.replace(/^file:\/\//, "").startsWith(focus)) focused.add(key);
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + us);
    }
  }
  return {
    totalMs: Math.round(totalUs / 1000),
    busyMs: Math.round(busyUs / 1000),
    topSelf: toRows(self).slice(0, top),
    byGroup: toRows(groups).slice(0, top),
    topInclusive: toRows(inclusive)
      .filter((r) => !/^(Module\.|require |Object\.\.js|wrapModuleLoad|executeUserEntryPoint|runMain|compile |Module\._)/.test(r.name))
      .slice(0, top),
    focusInclusive: toRows(inclusive)
      .filter((r) => focused.has(r.name))
      .slice(0, top),
  };
}
