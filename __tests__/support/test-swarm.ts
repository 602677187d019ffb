/**
 * The three engines of the test Swarm (toolchain/test-swarm.sh), through
 * their APIs on 127.0.0.1: engine 1 is the manager Terraform talks to.
 */
import { readFileSync } from "fs";
import * as path from "path";
import { type CommandResult, run, waitFor } from "./commands";

export const ENGINES = [1, 2, 3];
/** Engine `engine`'s API. */
export const api = (engine: number): string => `tcp://127.0.0.1:2375${engine}`;
/** The manager's API, which Terraform talks to. */
export const MANAGER = api(1);
/** The registry every engine pulls from, as test-swarm.sh wrote it in its env file (`up` writes it). */
export function testSwarmRegistry(): string {
  const env = readFileSync(path.join(process.env.TOOLCHAIN_CACHE ?? "", "test-swarm.env"), "utf8");
  return env.match(/SWARM_REGISTRY=(\S+)/)?.[1] ?? "127.0.0.1:23750";
}

/** `docker -H <engine> ...args`. */
export const dockerAt = (engine: number, args: string[], okCodes = [0]): CommandResult =>
  run("docker", ["-H", api(engine), ...args], { okCodes, timeoutSeconds: 120 });

/**
 * Removes the volumes of `stack` (named `<stack>-...`) from every engine, as a user does after a
 * destroy (they stay on the Swarm nodes by design), and the anonymous ones
 * the images' VOLUME lines leave behind: each run deploys onto empty disks,
 * as a first deploy does (a Prometheus would otherwise replay the last
 * run's series, and brokers their data).
 */
export async function removeStackVolumes(stack: string): Promise<string[]> {
  const removed: string[] = [];
  for (const engine of ENGINES) {
    // A removed service's task containers go a few seconds after it (each engine's agent removes them): until then their volumes are in use.
    await waitFor(
      `engine ${engine}'s volumes of the stack to be free`,
      120,
      () => {
        const names = dockerAt(engine, ["volume", "ls", "-q"])
          .stdout.split("\n")
          .filter((n) => n.startsWith(`${stack}-`));
        if (names.length === 0) return true;
        const rm = dockerAt(engine, ["volume", "rm", ...names], [0, 1]);
        removed.push(...rm.stdout.split("\n").filter(Boolean));
        return rm.code === 0 ? true : undefined;
      },
      2000,
    );
    dockerAt(engine, ["volume", "prune", "-f"]);
  }
  return removed.sort();
}
