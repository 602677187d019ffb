/** Running and timing child processes. */
import { spawn, spawnSync, type SpawnSyncOptions } from "child_process";
import { mkdtempSync, readFileSync, rmSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";

export interface TimedRun {
  /** Wall time measured by this process around the child, in seconds. */
  readonly wallSeconds: number;
  /** Peak resident set size of the child, in MiB (GNU time %M). */
  readonly maxRssMiB: number;
  /** User + system CPU seconds of the child and its children (GNU time %U + %S). */
  readonly cpuSeconds: number;
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `cmd args` under /usr/bin/time and returns its wall time and peak
 * RSS. Throws when it fails (the benchmarks never report a failed run).
 */
export function timedRun(cmd: string, args: readonly string[], options: SpawnSyncOptions = {}): TimedRun {
  const dir = mkdtempSync(join(tmpdir(), "bench-time-"));
  const out = join(dir, "time.txt");
  try {
    const start = process.hrtime.bigint();
    const r = spawnSync("/usr/bin/time", ["-f", "%e %M %U %S", "-o", out, cmd, ...args], {
      encoding: "utf8",
      maxBuffer: 256 * 1024 * 1024,
      timeout: 600_000,
      ...options,
    });
    const wallSeconds = Number(process.hrtime.bigint() - start) / 1e9;
    const stdout = String(r.stdout ?? "");
    const stderr = String(r.stderr ?? "");
    if (r.status !== 0) {
      throw new Error(`${cmd} ${args.join(" ")} exited ${r.status ?? r.signal}:\n${stderr.slice(-2000)}${stdout.slice(-2000)}`);
    }
    const lines = readFileSync(out, "utf8").trim().split("\n");
    const [, kb, user, sys] = lines[lines.length - 1]!.split(" ");
    return { wallSeconds, maxRssMiB: Number(kb) / 1024, cpuSeconds: Number(user) + Number(sys), status: r.status, stdout, stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs a command, returns stdout; throws with its output on failure. */
export function run(cmd: string, args: readonly string[], options: SpawnSyncOptions & { allowFail?: boolean } = {}): string {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 256 * 1024 * 1024, timeout: 900_000, ...options });
  if (r.status !== 0 && !options.allowFail) {
    throw new Error(
      `${cmd} ${args.join(" ")} exited ${r.status ?? r.signal}:\n${String(r.stderr ?? "").slice(-3000)}\n${String(r.stdout ?? "").slice(-3000)}`,
    );
  }
  return String(r.stdout ?? "");
}

/** Wall time of a command in seconds (hrtime around spawn); throws on failure. */
export function timeCommand(cmd: string, args: readonly string[], options: SpawnSyncOptions = {}): { seconds: number; stdout: string } {
  const start = process.hrtime.bigint();
  const stdout = run(cmd, args, options);
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, stdout };
}

/** The same, asynchronous: resolves with seconds and output, rejects on failure or timeout. */
export function timeCommandAsync(
  cmd: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number; onLine?: (line: string, seconds: number) => void } = {},
): Promise<{ seconds: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(cmd, args, { env: options.env, cwd: options.cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let partial = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
      if (!options.onLine) return;
      partial += d.toString();
      const lines = partial.split("\n");
      partial = lines.pop() ?? "";
      const now = Number(process.hrtime.bigint() - start) / 1e9;
      for (const line of lines) options.onLine(line, now);
    });
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 600_000);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      if (code === 0) resolve({ seconds, stdout, stderr });
      else reject(new Error(`${cmd} ${args.join(" ")} exited ${code ?? signal}:\n${stderr.slice(-3000)}\n${stdout.slice(-2000)}`));
    });
  });
}
