/** What the Docker engine says about a deployed stack, read through the docker CLI. */
import { run } from "./commands";

export interface ContainerState {
  readonly name: string;
  readonly id: string;
  readonly running: boolean;
  /** `healthy`, `unhealthy`, `starting`, or `none` when the container has no healthcheck. */
  readonly health: string;
  readonly restartCount: number;
  readonly labels: Record<string, string>;
}

function ids(kind: "container" | "network" | "volume", filters: string[]): string[] {
  const args =
    kind === "container"
      ? ["ps", "-a", "-q", "--no-trunc", ...filters.flatMap((f) => ["--filter", f])]
      : [kind, "ls", "--format", "{{.Name}}", ...filters.flatMap((f) => ["--filter", f])];
  return run("docker", args).stdout.split("\n").filter(Boolean);
}

/** Containers carrying a label `key=value`. */
export function containersLabelled(label: string): ContainerState[] {
  const found = ids("container", [`label=${label}`]);
  if (found.length === 0) return [];
  const inspected = JSON.parse(run("docker", ["inspect", ...found]).stdout) as any[];
  return inspected.map((c) => ({
    name: String(c.Name).replace(/^\//, ""),
    id: c.Id,
    running: c.State.Running === true,
    health: c.State.Health?.Status ?? "none",
    restartCount: c.RestartCount ?? 0,
    labels: c.Config.Labels ?? {},
  }));
}

/** Names of the networks carrying a label. */
export function networksLabelled(label: string): string[] {
  return ids("network", [`label=${label}`]);
}

/** Names of the volumes carrying a label. */
export function volumesLabelled(label: string): string[] {
  return ids("volume", [`label=${label}`]);
}

/** The JSON objects a container wrote to stdout, one per line (other lines skipped). */
export function jsonLogLines(container: string): Array<Record<string, any>> {
  const { stdout } = run("docker", ["logs", container]);
  return stdout
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .flatMap((line) => {
      try {
        return [JSON.parse(line)];
      } catch {
        return [];
      }
    });
}

/** Memory each running container uses now (`docker stats`), in MiB, unrounded. */
export function memoryUsageMiB(containers: readonly string[]): Record<string, number> {
  const { stdout } = run("docker", ["stats", "--no-stream", "--format", "{{.Name}} {{.MemUsage}}", ...containers]);
  const unit: Record<string, number> = { B: 1 / 1048576, KiB: 1 / 1024, MiB: 1, GiB: 1024 };
  return Object.fromEntries(
    stdout
      .split("\n")
      .filter(Boolean)
      .map((line) => {
        const [name, used] = line.split(" ");
        const m = /^([\d.]+)([A-Za-z]+)$/.exec(used);
        return [name, m ? Number(m[1]) * (unit[m[2]] ?? NaN) : NaN];
      }),
  );
}
