/** Docker helpers for the deploy and throughput benchmarks (the docker CLI, nothing else). */
import { spawn, type ChildProcess } from "child_process";
import { run } from "./proc";

export interface ContainerState {
  readonly name: string;
  readonly running: boolean;
  readonly exitCode: number;
  readonly health: string | undefined;
}

export function inspectContainers(names: readonly string[]): ContainerState[] {
  if (names.length === 0) return [];
  const out = run("docker", ["inspect", "--format", "{{json .}}", ...names], { allowFail: true });
  return out
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => {
      const c = JSON.parse(l) as { Name: string; State: { Running: boolean; ExitCode: number; Health?: { Status: string } } };
      return { name: c.Name.replace(/^\//, ""), running: c.State.Running, exitCode: c.State.ExitCode, health: c.State.Health?.Status };
    });
}

/** Names of the containers (running or not) whose name matches the regex. */
export function containersMatching(pattern: RegExp): string[] {
  return run("docker", ["ps", "-a", "--format", "{{.Names}}"])
    .split("\n")
    .filter((n) => n && pattern.test(n));
}

export interface DockerEvent {
  /** Seconds since the recorder started. */
  readonly t: number;
  readonly type: string;
  readonly action: string;
  readonly name: string;
}

/**
 * Records `docker events` (containers and images) from now until stop(), with
 * times relative to start: the timeline of a deployment, the same way for
 * every tool.
 */
export class EventRecorder {
  private readonly child: ChildProcess;
  private readonly startNs = process.hrtime.bigint();
  private readonly startUnixNs: bigint;
  private buffer = "";
  readonly events: DockerEvent[] = [];

  constructor() {
    this.startUnixNs = BigInt(Date.now()) * 1_000_000n;
    this.child = spawn(
      "docker",
      [
        "events",
        "--format",
        "{{json .}}",
        "--filter",
        "type=container",
        "--filter",
        "type=image",
        "--filter",
        "type=network",
        "--filter",
        "type=volume",
      ],
      {
        stdio: ["ignore", "pipe", "ignore"],
      },
    );
    this.child.stdout!.on("data", (d: Buffer) => {
      this.buffer += d.toString();
      let nl: number;
      while ((nl = this.buffer.indexOf("\n")) >= 0) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        try {
          const e = JSON.parse(line) as {
            Type: string;
            Action: string;
            timeNano: number;
            Actor: { ID: string; Attributes: Record<string, string> };
          };
          this.events.push({
            t: Number(BigInt(e.timeNano) - this.startUnixNs) / 1e9,
            type: e.Type,
            action: e.Action,
            // Volumes carry their name as the actor id, not as an attribute.
            name: e.Actor.Attributes?.name ?? (e.Type === "volume" ? e.Actor.ID : ""),
          });
        } catch {
          // a partial or foreign line: ignore
        }
      }
    });
  }

  /** Seconds since start, by this process's clock. */
  elapsed(): number {
    return Number(process.hrtime.bigint() - this.startNs) / 1e9;
  }

  async stop(): Promise<DockerEvent[]> {
    await new Promise((r) => setTimeout(r, 300)); // let the last events arrive
    this.child.kill("SIGTERM");
    return this.events;
  }
}

export interface ContainerTimeline {
  name: string;
  created?: number;
  started?: number;
  healthy?: number;
  exited?: number;
}

/** Per container of interest: when it was created, started, first healthy, and (one-shot jobs) exited. */
export function timeline(events: readonly DockerEvent[], names: readonly string[]): ContainerTimeline[] {
  return names.map((name) => {
    const mine = events.filter((e) => e.type === "container" && e.name === name);
    const first = (pred: (e: DockerEvent) => boolean) => mine.find(pred)?.t;
    return {
      name,
      created: first((e) => e.action === "create"),
      started: first((e) => e.action === "start"),
      healthy: first((e) => e.action === "health_status: healthy"),
      exited: first((e) => e.action === "die"),
    };
  });
}
