/**
 * An app bundle (apps/<app>/dist/main.js) running as a child process on the
 * host, with its JSON log parsed as it arrives.
 */
import { ChildProcess, spawn, spawnSync } from "child_process";
import { existsSync, mkdtempSync, rmSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { AppOnlyEnv } from "../../../apps/shared/app-only-env";
import { AppMetricsEnv } from "../../../constructs/connection-env";
import { freePort } from "../../support/brokers";
import { Scrape, scrapeMetrics } from "../../support/prometheus-text";

export type AppName = "rabbitmq-producer" | "rabbitmq-consumer" | "kafka-producer" | "kafka-consumer";
export type LogLine = Record<string, any> & { event: string };

const repoRoot = path.resolve(__dirname, "..", "..", "..");
export const bundlePath = (app: AppName) => path.join(repoRoot, "apps", app, "dist", "main.js");

/**
 * The Node the apps run on in their image (Node 24; the host's is 20):
 * toolchain/app-node.sh installs it and toolchain/env.sh names it in APP_NODE.
 */
export function appNode(): string {
  const node = process.env.APP_NODE;
  if (!node || !existsSync(node)) {
    throw new Error(
      `APP_NODE (${node ?? "not set"}) is not the apps' Node: run \`bash toolchain/setup.sh\` and \`. toolchain/env.sh\` first`,
    );
  }
  return node;
}

/** Runs apps/bundle.mjs once per test file (beforeAll): the tests run what the images ship. */
export function bundleApps(): { stdout: string; stderr: string; seconds: number } {
  const started = Date.now();
  const result = spawnSync(process.execPath, [path.join(repoRoot, "apps", "bundle.mjs")], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`apps/bundle.mjs failed:\n${result.stderr}`);
  return { stdout: result.stdout, stderr: result.stderr, seconds: (Date.now() - started) / 1000 };
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

const scratch = mkdtempSync(path.join(tmpdir(), "apps-test-"));
let started = 0;

export class AppProcess {
  readonly lines: LogLine[] = [];
  stderr = "";
  /** Where this process's health file lives (HEALTH_FILE), so parallel apps do not share /tmp/app-healthy. */
  readonly healthFile: string;
  /** METRICS_PORT, when the test set it (see `metricsPortEnv`). */
  readonly metricsPort: number | undefined;
  readonly exited: Promise<Exit>;
  private readonly child: ChildProcess;
  private exit: Exit | undefined;
  private readonly listeners = new Set<() => void>();
  private partial = "";

  constructor(
    readonly app: AppName,
    env: Record<string, string>,
  ) {
    this.healthFile = path.join(scratch, `${app}-${++started}.healthy`);
    const metricsPort = Number(env[AppMetricsEnv.METRICS_PORT] ?? 0);
    this.metricsPort = metricsPort > 0 ? metricsPort : undefined;
    // A clean environment: only what the test passes (plus PATH), as in a container.
    this.child = spawn(appNode(), [bundlePath(app)], {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", [AppOnlyEnv.HEALTH_FILE]: this.healthFile, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child.stdout!.setEncoding("utf8").on("data", (chunk: string) => this.onStdout(chunk));
    this.child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) =>
      this.child.on("exit", (code, signal) => {
        this.exit = { code, signal };
        this.notify();
        resolve(this.exit);
      }),
    );
  }

  events(event: string): LogLine[] {
    return this.lines.filter((line) => line.event === event);
  }

  /** Ids of the messages this consumer processed (needs LOG_LEVEL=debug). */
  processedIds(): string[] {
    return this.events("message").map((line) => String(line.id));
  }

  get healthy(): boolean {
    return existsSync(this.healthFile);
  }

  /** The first line of `event` matching `predicate`, waiting up to `timeoutMs` for it. */
  waitForEvent(event: string, timeoutMs: number, predicate: (line: LogLine) => boolean = () => true): Promise<LogLine> {
    return this.waitFor(`event "${event}"`, timeoutMs, () => this.lines.find((line) => line.event === event && predicate(line)));
  }

  /** Resolves once `condition` holds (checked on every log line and at exit). */
  waitFor<T>(what: string, timeoutMs: number, probe: () => T | undefined | false): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const value = probe();
        if (value !== undefined && value !== false) {
          finish();
          resolve(value);
          return true;
        }
        if (this.exit) {
          finish();
          reject(new Error(`${this.app} exited (${JSON.stringify(this.exit)}) before ${what}\n${this.describe()}`));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`${this.app}: timed out after ${timeoutMs} ms waiting for ${what}\n${this.describe()}`));
      }, timeoutMs);
      const listener = () => void check();
      const finish = () => {
        clearTimeout(timer);
        this.listeners.delete(listener);
      };
      if (!check()) this.listeners.add(listener);
    });
  }

  /** Waits for the exit; kills the process and fails if it takes longer than `timeoutMs`. */
  async waitForExit(timeoutMs: number): Promise<Exit> {
    const timeout = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), timeoutMs).unref());
    const result = await Promise.race([this.exited, timeout]);
    if (result === "timeout") {
      this.child.kill("SIGKILL");
      throw new Error(`${this.app} did not exit within ${timeoutMs} ms\n${this.describe()}`);
    }
    return result;
  }

  /** Its /metrics, parsed (the test must have set METRICS_PORT). */
  scrape(): Promise<Scrape> {
    if (this.metricsPort === undefined) throw new Error(`${this.app} was started without ${AppMetricsEnv.METRICS_PORT}`);
    return scrapeMetrics(this.metricsPort);
  }

  /**
   * Scrapes every 100 ms until `holds` does, up to `timeoutMs`; returns that scrape. For
   * values set a moment after the log line a test waits for (the Kafka lag, at the batch's end).
   */
  async waitForMetrics(what: string, timeoutMs: number, holds: (scrape: Scrape) => boolean): Promise<Scrape> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const scrape = await this.scrape();
      if (holds(scrape)) return scrape;
      if (this.exit || Date.now() >= deadline) {
        const ours = scrape.text.split("\n").filter((line) => line.startsWith("messaging_app_") && !line.includes("_bucket"));
        throw new Error(
          `${this.app}: metrics never showed ${what} within ${timeoutMs} ms; last scrape:\n${ours.join("\n")}\n${this.describe()}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** For afterEach/afterAll: make sure nothing outlives the test. */
  async stop(): Promise<void> {
    if (this.exit) return;
    this.child.kill("SIGKILL");
    await this.exited;
  }

  /** The last lines of output, for failure messages. */
  describe(): string {
    const tail = this.lines.slice(-15).map((line) => JSON.stringify(line));
    return `--- ${this.app} stdout (last 15 lines)\n${tail.join("\n")}\n--- stderr\n${this.stderr}`;
  }

  private onStdout(chunk: string): void {
    const text = this.partial + chunk;
    const complete = text.split("\n");
    this.partial = complete.pop() ?? "";
    for (const raw of complete) {
      if (!raw.startsWith("{")) continue;
      try {
        this.lines.push(JSON.parse(raw) as LogLine);
      } catch {
        // not one of ours
      }
    }
    this.notify();
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

/** Every AppProcess a test file started, to kill in afterAll. */
export class AppProcesses {
  private readonly all: AppProcess[] = [];

  start(app: AppName, env: Record<string, string>): AppProcess {
    const process = new AppProcess(app, env);
    this.all.push(process);
    return process;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.all.map((p) => p.stop()));
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** `{ METRICS_PORT: <a free port> }`, to spread into an app's environment: then `scrape()` reads its /metrics. */
export async function metricsPortEnv(): Promise<Record<string, string>> {
  return { [AppMetricsEnv.METRICS_PORT]: String(await freePort()) };
}

/** How many different values. */
export function distinct(values: Iterable<string>): number {
  return new Set(values).size;
}
