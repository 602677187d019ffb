/**
 * Runs our apps (apps/<app>/dist/main.js) as host processes for the
 * throughput benchmark, on the apps' own Node (bench/lib/node-runtime.ts),
 * and reads their JSON log lines as they come.
 */
import { spawn, type ChildProcess } from "child_process";
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from "fs";
import { join } from "path";
import { appNodeBinary } from "./node-runtime";
import { REPO_ROOT } from "./stats";

/** AppContainer's `memoryMb` default (constructs/apps/app-container.ts): the limit our apps get in their containers. */
export const APP_DEFAULT_MEMORY_MIB = 256;

export interface AppLine {
  readonly event: string;
  /** The app's own timestamp, ms since the epoch. */
  readonly at: number;
  /** The app's CPU seconds (user + system) when this process read the line. */
  readonly cpu: number;
  readonly [field: string]: unknown;
}

export class AppProcess {
  readonly lines: AppLine[] = [];
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  private stderr = "";
  private buffer = "";
  private waiters: { pred: (l: AppLine) => boolean; resolve: (l: AppLine) => void }[] = [];

  constructor(
    readonly app: string,
    env: Record<string, string>,
    /** Extra node options, e.g. `--cpu-prof`. */
    nodeArgs: readonly string[] = [],
    /**
     * Run it under this memory limit, as its container would be (AppContainer's
     * memoryMb, 256 by default), so its garbage collector works under the same
     * pressure: Node sizes its heap from the cgroup's limit. Needs root and
     * cgroup v1's memory controller (this machine's); without them it runs
     * unlimited and `memoryLimitMiB` says so (undefined). null: unlimited.
     */
    memoryLimitMiB: number | null = APP_DEFAULT_MEMORY_MIB,
    /** The apps' folder whose `<app>/dist/main.js` runs: another build of them (bench/lib/baseline-apps.ts), for before/after rows. */
    appsRoot: string = join(REPO_ROOT, "apps"),
  ) {
    const childEnv: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...env };
    const argv = [...nodeArgs, ...dockerfileNodeFlags(app), join(appsRoot, app, "dist", "main.js")];
    this.cgroup = memoryLimitMiB === null ? undefined : memoryCgroup(memoryLimitMiB);
    this.memoryLimitMiB = this.cgroup && memoryLimitMiB !== null ? memoryLimitMiB : undefined;
    // Under a limit, a shell joins the cgroup, then becomes node: the limit holds from its first allocation.
    const [command, ...commandArgs] = this.cgroup
      ? ["sh", "-c", `echo $$ > ${this.cgroup}/cgroup.procs && exec "$0" "$@"`, appNodeBinary(), ...argv]
      : [appNodeBinary(), ...argv];
    this.child = spawn(command!, commandArgs, { env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
    this.child.stdout!.on("data", (d: Buffer) => this.onData(d.toString()));
    this.child.stderr!.on("data", (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) =>
      this.child.on("close", (code) => {
        this.releaseCgroup();
        resolve(code);
      }),
    );
  }

  /** The memory limit it runs under, in MiB; undefined when it runs unlimited. */
  readonly memoryLimitMiB: number | undefined;
  private readonly cgroup: string | undefined;

  /** Whether the kernel's OOM killer has acted in its cgroup (false when it has none). */
  oomKilled(): boolean {
    if (!this.cgroup) return false;
    try {
      return /^oom_kill (\d+)$/m.exec(readFileSync(`${this.cgroup}/memory.oom_control`, "utf8"))?.[1] !== "0";
    } catch {
      return false;
    }
  }

  private releaseCgroup(): void {
    if (!this.cgroup) return;
    try {
      rmdirSync(this.cgroup);
    } catch {
      // Still has a task (it cannot: the process has exited) or already gone.
    }
  }

  private onData(text: string): void {
    this.buffer += text;
    let nl: number;
    while ((nl = this.buffer.indexOf("\n")) >= 0) {
      const raw = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        continue;
      }
      const line = { ...parsed, event: String(parsed.event), at: Date.parse(String(parsed.ts)), cpu: this.cpuSeconds() } as AppLine;
      this.lines.push(line);
      this.waiters = this.waiters.filter((w) => {
        if (!w.pred(line)) return true;
        w.resolve(line);
        return false;
      });
    }
  }

  /** The first line (past or future) matching `pred`; rejects after `timeoutMs` or when the app exits first. */
  waitFor(pred: (l: AppLine) => boolean, timeoutMs: number, what: string): Promise<AppLine> {
    const seen = this.lines.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.app}: no ${what} within ${timeoutMs / 1000} s\n${this.tail()}`)), timeoutMs);
      this.waiters.push({
        pred,
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
      });
      void this.exited.then((code) => {
        setTimeout(() => {
          clearTimeout(timer);
          const late = this.lines.find(pred);
          if (late) resolve(late);
          else reject(new Error(`${this.app}: exited ${code} before ${what}\n${this.tail()}`));
        }, 50);
      });
    });
  }

  event(name: string, timeoutMs: number): Promise<AppLine> {
    return this.waitFor((l) => l.event === name, timeoutMs, `"${name}" line`);
  }

  /** SIGTERM, then the exit code (SIGKILL after `timeoutMs`). */
  async stop(timeoutMs = 30_000): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), timeoutMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }

  /** The last `stats` line (after shutdown: the summary of the last interval). */
  lastStats(): AppLine | undefined {
    return [...this.lines].reverse().find((l) => l.event === "stats");
  }

  /** CPU seconds (user + system) used so far, from /proc. */
  cpuSeconds(): number {
    try {
      const fields = readFileSync(`/proc/${this.child.pid}/stat`, "utf8").split(") ")[1]!.split(" ");
      return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
    } catch {
      return NaN;
    }
  }

  /** Peak resident set size so far in MiB (VmHWM from /proc): what a container's memory limit would meet. */
  peakRssMiB(): number {
    try {
      const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${this.child.pid}/status`, "utf8"));
      return match ? Number(match[1]) / 1024 : NaN;
    } catch {
      return NaN;
    }
  }

  tail(): string {
    const last = this.lines.slice(-5).map((l) => JSON.stringify(l));
    return [...last, this.stderr.slice(-1000)].join("\n");
  }
}

/**
 * Resolves once the process has used at most `maxShare` of one core over the
 * last `windowMs` (polled every 100 ms), or false after `timeoutMs`. An idle
 * kafkajs consumer still uses about 4% (fetch long-polls, heartbeats); a busy
 * one uses most of a core.
 */
export async function waitUntilIdle(p: AppProcess, windowMs: number, timeoutMs: number, maxShare = 0.1): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  const samples: { at: number; cpu: number }[] = [{ at: Date.now(), cpu: p.cpuSeconds() }];
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    const now = { at: Date.now(), cpu: p.cpuSeconds() };
    samples.push(now);
    while (samples.length > 1 && now.at - samples[1]!.at >= windowMs) samples.shift();
    const first = samples[0]!;
    if (now.at - first.at >= windowMs && now.cpu - first.cpu <= (maxShare * (now.at - first.at)) / 1000) return true;
  }
  return false;
}

const CGROUP_V1_MEMORY = "/sys/fs/cgroup/memory";
let cgroups = 0;

/** A fresh cgroup v1 memory cgroup limited to `mib` (swap included), or undefined where that cannot be had. */
function memoryCgroup(mib: number): string | undefined {
  if (!existsSync(`${CGROUP_V1_MEMORY}/cgroup.procs`)) return undefined;
  const dir = `${CGROUP_V1_MEMORY}/cdktf-bench-${process.pid}-${cgroups++}`;
  try {
    mkdirSync(dir);
    const bytes = String(mib * 1024 * 1024);
    writeFileSync(`${dir}/memory.limit_in_bytes`, bytes);
    // Docker's --memory without --memory-swap allows as much swap again; this machine has none, so the same.
    try {
      writeFileSync(`${dir}/memory.memsw.limit_in_bytes`, bytes);
    } catch {
      // No swap accounting in this kernel.
    }
    return dir;
  } catch {
    try {
      rmdirSync(dir);
    } catch {
      // never made
    }
    return undefined;
  }
}

/**
 * The node options of the app image's CMD (apps/<app>/Dockerfile, exec form
 * `["node", ...flags, "/app/main.js"]`), so a host run is the container's
 * process but for the container itself.
 */
export function dockerfileNodeFlags(app: string): string[] {
  let flags = nodeFlagsByApp.get(app);
  if (flags === undefined) {
    flags = readNodeFlags(app);
    nodeFlagsByApp.set(app, flags);
  }
  return [...flags];
}

const nodeFlagsByApp = new Map<string, readonly string[]>();

function readNodeFlags(app: string): string[] {
  const dockerfile = readFileSync(join(REPO_ROOT, "apps", app, "Dockerfile"), "utf8");
  const cmd = /^CMD\s+(\[.*\])\s*$/m.exec(dockerfile)?.[1];
  const argv = cmd === undefined ? undefined : (JSON.parse(cmd) as unknown);
  if (!Array.isArray(argv) || argv[0] !== "node" || argv[argv.length - 1] !== "/app/main.js") {
    throw new Error(`apps/${app}/Dockerfile: expected CMD ["node", ...flags, "/app/main.js"], found ${cmd ?? "no CMD"}`);
  }
  return argv.slice(1, -1).map(String);
}
