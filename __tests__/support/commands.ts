/**
 * Running the real tools (cdktf, terraform, docker) from the Terraform-backed
 * suites: bounded in time, output captured, environment from toolchain/env.sh.
 */
import { spawn, spawnSync } from "child_process";
import * as path from "path";

export const repoRoot = path.resolve(__dirname, "..", "..");

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
}

export interface RunOptions {
  readonly cwd?: string;
  readonly env?: Record<string, string>;
  readonly timeoutSeconds?: number;
  /** Exit codes that count as success. @default [0] */
  readonly okCodes?: number[];
}

/** Runs a command to completion; throws with its output when it fails. */
export function run(command: string, args: string[], options: RunOptions = {}): CommandResult {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, {
    cwd: options.cwd ?? repoRoot,
    env: { ...process.env, ...options.env, NO_COLOR: "1", FORCE_COLOR: "0", CI: "true" },
    encoding: "utf8",
    timeout: (options.timeoutSeconds ?? 300) * 1000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const code = result.status ?? -1;
  const out = { code, stdout: result.stdout ?? "", stderr: result.stderr ?? "", seconds };
  if (!(options.okCodes ?? [0]).includes(code)) {
    const tail = (s: string) => s.split("\n").slice(-60).join("\n");
    throw new Error(
      `${command} ${args.join(" ")} exited ${code}${result.error ? ` (${result.error.message})` : ""} ` +
        `after ${seconds.toFixed(1)} s\n--- stdout\n${tail(out.stdout)}\n--- stderr\n${tail(out.stderr)}`,
    );
  }
  return out;
}

/** Polls `probe` (sync or async) until it returns a value other than undefined, or fails after `timeoutSeconds`. */
export async function waitFor<T>(
  what: string,
  timeoutSeconds: number,
  probe: () => T | undefined | Promise<T | undefined>,
  intervalMs = 1000,
): Promise<T> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutSeconds} s waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Polls an async probe, each call bounded by what is left of the time, until it returns a value; fails after `timeoutSeconds`. */
export function waitForAsync<T>(what: string, timeoutSeconds: number, probe: () => Promise<T | undefined>, intervalMs = 2000): Promise<T> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  return waitFor(what, timeoutSeconds, () => withTimeout(probe(), Math.max(1000, deadline - Date.now()), what), intervalMs);
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${Math.round(ms / 1000)} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Runs a command in the background, output collected; resolves with its exit code and output. */
export function runInBackground(
  command: string,
  args: string[],
  env: Record<string, string> = {},
): { done: Promise<{ code: number; output: string }> } {
  const child = spawn(command, args, { cwd: repoRoot, env: { ...process.env, ...env, NO_COLOR: "1", CI: "true" } });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  return { done: new Promise((resolve) => child.on("close", (code) => resolve({ code: code ?? -1, output }))) };
}
