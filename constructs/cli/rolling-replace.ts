#!/usr/bin/env node
/**
 * cdktf-messaging-roll: applies a change that replaces broker nodes one node
 * of each cluster at a time, so a cluster never has more than one node down.
 *
 * A plain `cdktf deploy` of a change that replaces the containers of a
 * cluster's nodes (a new image, memory, a server property) lets Terraform
 * destroy them all at once: the cluster is down and, for RabbitMQ's quorum
 * queues and Kafka's acks=all, stops taking writes. Terraform has no rolling
 * order of its own (depends_on between the nodes would destroy them in
 * reverse order, still together), so this command drives it:
 *
 *   in steps, each taking the next node that the plan replaces (every node
 *   with --replace) of every clustered broker, together (the clusters are
 *   independent: a step still takes one node of a cluster, and a roll of two
 *   3-node clusters takes 3 steps, not 6):
 *     1. wait until each cluster can lose its node: the node's rolling check
 *        passes (label cdktf-docker-messaging.rolling-check, set by the
 *        broker construct: RabbitMQ - the cluster is whole and no quorum
 *        queue needs the node for its majority; Kafka - no partition misses
 *        an in-sync replica), every node of the step in the same round of
 *        checks;
 *     2. `terraform apply -target=<node>... [-replace=<node>...]`: the
 *        provider stops the nodes (their grace period), creates the new ones
 *        and returns once they are healthy (`wait`: in a cluster, running
 *        inside the whole cluster);
 *     3. wait until the rolling check passes on each new node (it has caught
 *        up);
 *   then applies the rest of the plan, once it replaces no broker node.
 *
 * Before it takes anything down, it refuses an image change that cannot roll
 * (the new nodes do not boot beside the old ones, as the broker's kind says
 * in the node resources: RabbitMQ from before 4.2 to 4.3 or later; see
 * unrollable-upgrades.ts), with the kind's reason and fix.
 *
 * It works on a synthesized stack (run `cdktf synth` first) and on the state
 * cdktf deploys with; give it the same TF_VAR_* variables as `cdktf deploy`.
 *
 * On a Swarm each broker node is a service of one task, and a change updates
 * the service in place (Swarm stops the old task and starts the new one):
 * the same order holds, with "the plan updates or replaces the node's
 * service" for "replaces its container". The rolling check runs in the
 * node's task, on the engine of the Swarm node that holds it: name each
 * Swarm node's engine with --engine (what `docker -H` takes: tcp://,
 * ssh://user@host); the manager's (the stack's DockerHost `host`, or
 * --manager) finds the tasks.
 *
 *   cdktf-messaging-roll [--stack NAME | --stack-dir DIR] [--broker NAME]...
 *                        [--replace] [--nodes-only] [--timeout-seconds N]
 *                        [--manager API] [--engine API]...
 */
import { spawnSync, type SpawnSyncReturns } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Labels } from "../private/labels";
import { configuredImages, deployedImages, unrollableUpgrades } from "./unrollable-upgrades";

const USAGE = `usage: cdktf-messaging-roll [--stack NAME | --stack-dir DIR] [--broker NAME]... [--replace] [--nodes-only] [--timeout-seconds N] [--manager API] [--engine API]...

  --stack NAME        the stack in cdktf.out/stacks/NAME (default: the only stack there)
  --stack-dir DIR     a synthesized stack folder (holds cdk.tf.json)
  --broker NAME       roll only this broker (its name; repeatable; default: every clustered broker)
  --replace           replace every node of the brokers, changed or not (e.g. to restart them one by one)
  --nodes-only        stop after the nodes; do not apply the rest of the plan
  --timeout-seconds N how long to wait for a cluster to be ready to lose a node, and for a new node to catch up (default 600)

On a Swarm (broker nodes are services):
  --manager API       a manager's Docker API, to find the node's task (default: the stack's DockerHost host, else $DOCKER_HOST)
  --engine API        the Docker API of a Swarm node that holds broker nodes, to run the rolling check in its task
                      (repeatable; e.g. tcp://10.0.0.2:2376 or ssh://admin@node2; the manager's is always tried)`;

export interface RollOptions {
  readonly stackDir: string;
  readonly brokers: string[];
  readonly replace: boolean;
  readonly nodesOnly: boolean;
  readonly timeoutSeconds: number;
  /** A Swarm manager's API (--manager), when given. */
  readonly manager?: string;
  /** APIs of the Swarm nodes' engines (--engine). */
  readonly engines: string[];
}

/** One node of a clustered broker, as the synthesized stack declares it: a container, or on a Swarm a service of one task. */
export interface BrokerNodeResource {
  readonly broker: string;
  readonly index: number;
  /** Terraform address, `docker_container.<id>` or `docker_service.<id>`. */
  readonly address: string;
  /** The container's name, or on a Swarm the service's. */
  readonly name: string;
  /** True when the node is a Swarm service. */
  readonly onSwarm: boolean;
  /** Shell command run in the node: exit 0 when the cluster can lose it now. */
  readonly rollingCheck: string;
}

/** A usage or state problem: printed as one line, exit code 2. */
export class RollUsageError extends Error {}

export function parseArgs(argv: string[], cwd = process.cwd()): RollOptions {
  let stack: string | undefined;
  let stackDir: string | undefined;
  const brokers: string[] = [];
  let replace = false;
  let nodesOnly = false;
  let timeoutSeconds = 600;
  let manager: string | undefined;
  const engines: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new RollUsageError(`${arg} needs a value`);
      return v;
    };
    switch (arg) {
      case "--stack":
        stack = value();
        break;
      case "--stack-dir":
        stackDir = value();
        break;
      case "--broker":
        brokers.push(value());
        break;
      case "--replace":
        replace = true;
        break;
      case "--nodes-only":
        nodesOnly = true;
        break;
      case "--timeout-seconds": {
        const raw = value();
        timeoutSeconds = Number(raw);
        if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1)
          throw new RollUsageError(`--timeout-seconds: '${raw}' is not a whole number of seconds >= 1`);
        break;
      }
      case "--manager":
        manager = value();
        break;
      case "--engine":
        engines.push(value());
        break;
      default:
        throw new RollUsageError(`unknown argument '${arg}' (see --help)`);
    }
  }
  if (stack && stackDir) throw new RollUsageError("give --stack or --stack-dir, not both");
  return {
    stackDir: path.resolve(cwd, stackDir ?? resolveStackDir(cwd, stack)),
    brokers,
    replace,
    nodesOnly,
    timeoutSeconds,
    ...(manager !== undefined ? { manager } : {}),
    engines,
  };
}

function resolveStackDir(cwd: string, stack: string | undefined): string {
  const stacks = path.join(cwd, "cdktf.out", "stacks");
  if (stack) return path.join(stacks, stack);
  const found = fs.existsSync(stacks) ? fs.readdirSync(stacks).filter((d) => fs.existsSync(path.join(stacks, d, "cdk.tf.json"))) : [];
  if (found.length === 1) return path.join(stacks, found[0]);
  if (found.length === 0)
    throw new RollUsageError(
      `no synthesized stack in ${stacks}: run \`cdktf synth\` (\`cdktn synth\` on cdktn) first, or give --stack-dir`,
    );
  throw new RollUsageError(`${stacks} holds ${found.length} stacks (${found.join(", ")}): choose one with --stack`);
}

/** The nodes of every clustered broker in a synthesized stack (containers, or services on a Swarm), in broker then node order. */
export function brokerNodes(stackJson: any): BrokerNodeResource[] {
  const nodes: BrokerNodeResource[] = [];
  for (const type of ["docker_container", "docker_service"]) {
    const resources: Record<string, any> = stackJson?.resource?.[type] ?? {};
    for (const [id, resource] of Object.entries(resources)) {
      const labels = Object.fromEntries(((resource.labels ?? []) as { label: string; value: string }[]).map((l) => [l.label, l.value]));
      const check = labels[Labels.rollingCheck];
      if (!check || !labels[Labels.broker]) continue; // a single node or not a broker: nothing to roll
      nodes.push({
        broker: labels[Labels.broker],
        index: Number(labels[Labels.node]),
        address: `${type}.${id}`,
        name: String(resource.name),
        onSwarm: type === "docker_service",
        // Labels are rendered as Terraform strings: `$${` stands for `${`.
        rollingCheck: check.replace(/\$\$\{/g, "${").replace(/%%\{/g, "%{"),
      });
    }
  }
  return nodes.sort((a, b) => a.broker.localeCompare(b.broker) || a.index - b.index);
}

/**
 * The roll's steps: step k holds the k-th node to roll of every broker (in
 * `nodes`' order), replaced together. Each step takes at most one node of a
 * cluster, and a roll takes as many steps as its largest cluster has nodes
 * to roll.
 */
export function rollSteps(nodes: readonly BrokerNodeResource[]): BrokerNodeResource[][] {
  const byBroker = new Map<string, BrokerNodeResource[]>();
  for (const node of nodes) byBroker.set(node.broker, [...(byBroker.get(node.broker) ?? []), node]);
  const steps: BrokerNodeResource[][] = [];
  for (const ofBroker of byBroker.values()) ofBroker.forEach((node, k) => (steps[k] ??= []).push(node));
  return steps;
}

/**
 * Addresses whose change a saved plan would apply by stopping the workload:
 * every deletion (replacements included) and, on a Swarm, every update of
 * a service (Swarm replaces its task: a broker node's service is stop-first).
 */
export function restartedAddresses(planJson: any): Set<string> {
  const restarted = new Set<string>();
  for (const change of planJson?.resource_changes ?? []) {
    const actions: string[] = change.change?.actions ?? [];
    const type = change.type ?? String(change.address).split(".")[0];
    if (actions.includes("delete") || (type === "docker_service" && actions.includes("update"))) restarted.add(change.address);
  }
  return restarted;
}

// ---------------------------------------------------------------- running it

const log = (message: string) => console.log(`${new Date().toISOString()} roll: ${message}`);

function run(command: string, args: string[], cwd: string, inherit = false): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, { cwd, encoding: "utf8", stdio: inherit ? "inherit" : "pipe", maxBuffer: 256 * 1024 * 1024 });
  if (result.error) throw new Error(`${command}: ${result.error.message}`);
  return result;
}

function terraformBinary(): string {
  // The binary cdktf runs (it honours the same variable).
  return process.env.TERRAFORM_BINARY_NAME || "terraform";
}

/** `terraform <command> -input=false -no-color <rest>`: Terraform reads no flag after a positional argument (a plan file). */
function terraform(stackDir: string, [command, ...rest]: string[]): void {
  const result = run(terraformBinary(), [command, "-input=false", "-no-color", ...rest], stackDir, true);
  if (result.status !== 0)
    throw new Error(`terraform ${command} failed (exit ${result.status}): the run stopped here; see its output above`);
}

/**
 * Plans into a file (in a private folder: a saved plan holds the sensitive
 * variables' values), returns the addresses the plan would restart, and hands
 * the file to `use` before the folder is removed.
 */
function withPlan<T>(stackDir: string, use: (restarted: Set<string>, file: string) => T): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-messaging-roll-"));
  try {
    return use(...plan(stackDir, path.join(dir, "plan")));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function plan(stackDir: string, file: string): [Set<string>, string] {
  const planned = run(terraformBinary(), ["plan", "-input=false", "-no-color", `-out=${file}`], stackDir);
  if (planned.status !== 0)
    throw new Error(`terraform plan failed (exit ${planned.status}):\n${planned.stdout.slice(-4000)}${planned.stderr.slice(-4000)}`);
  const shown = run(terraformBinary(), ["show", "-json", file], stackDir);
  if (shown.status !== 0) throw new Error(`terraform show failed (exit ${shown.status}): ${shown.stderr.slice(-2000)}`);
  return [restartedAddresses(JSON.parse(shown.stdout)), file];
}

/** Where the rolling checks run: the local engine for containers; for Swarm services, the engine that holds the node's task. */
interface CheckRunner {
  passes(node: BrokerNodeResource): boolean;
}

const localEngine: CheckRunner = {
  passes: (node) => run("docker", ["exec", node.name, "sh", "-c", node.rollingCheck], process.cwd()).status === 0,
};

/**
 * Runs a rolling check in a Swarm service's running task: the manager says
 * which Swarm node holds it, and the engine of that node (one of
 * `engines`, matched by the name `docker info` gives) runs `docker exec`.
 * A Swarm has no exec of its own: a manager's API reaches only its own
 * containers.
 */
class SwarmTasks implements CheckRunner {
  private readonly engineOfNode = new Map<string, string>();

  constructor(
    private readonly manager: string,
    private readonly engines: string[],
  ) {}

  passes(node: BrokerNodeResource): boolean {
    const located = this.locate(node.name);
    if (located === undefined) return false; // no running task yet: not safe, not caught up
    const { engine, container } = located;
    return run("docker", ["-H", engine, "exec", container, "sh", "-c", node.rollingCheck], process.cwd()).status === 0;
  }

  /** The engine and container of `service`'s running task, or undefined while it has none. */
  private locate(service: string): { engine: string; container: string } | undefined {
    const tasks = this.docker(this.manager, [
      "service",
      "ps",
      service,
      "--filter",
      "desired-state=running",
      "--format",
      "{{.Node}} {{.CurrentState}}",
    ]);
    const swarmNode = tasks
      .split("\n")
      .map((l) => l.trim().split(/\s+/))
      .find((f) => f[1] === "Running")?.[0];
    if (swarmNode === undefined) return undefined;
    const engine = this.engineOf(swarmNode);
    const container = this.docker(engine, [
      "ps",
      "-q",
      "--filter",
      `label=com.docker.swarm.service.name=${service}`,
      "--filter",
      "status=running",
    ])
      .split("\n")[0]
      ?.trim();
    return container ? { engine, container } : undefined;
  }

  private engineOf(swarmNode: string): string {
    if (!this.engineOfNode.has(swarmNode)) {
      for (const engine of [this.manager, ...this.engines]) {
        const name = run("docker", ["-H", engine, "info", "--format", "{{.Name}}"], process.cwd());
        if (name.status === 0) this.engineOfNode.set(name.stdout.trim(), engine);
      }
    }
    const engine = this.engineOfNode.get(swarmNode);
    if (engine === undefined) {
      throw new RollUsageError(
        `a broker node's task runs on Swarm node ${swarmNode}, and no engine given reaches it (engines named: ${[...this.engineOfNode.keys()].join(", ") || "none"}): ` +
          `add --engine <its Docker API>, e.g. --engine ssh://admin@${swarmNode}`,
      );
    }
    return engine;
  }

  private docker(engine: string, args: string[]): string {
    const result = run("docker", ["-H", engine, ...args], process.cwd());
    return result.status === 0 ? result.stdout : "";
  }
}

/** The stack's provider `host`, when it is a literal (the manager Terraform talks to). */
export function providerHost(stackJson: any): string | undefined {
  const providers = stackJson?.provider?.docker;
  const host = (Array.isArray(providers) ? providers[0] : providers)?.host;
  return typeof host === "string" && !host.includes("${") ? host : undefined;
}

/**
 * Waits until the rolling check of every node in `nodes` passes in one
 * round of checks (a node of one cluster that could be lost a minute ago,
 * while another cluster was waited for, is asked again).
 */
async function waitUntilSafe(
  checks: CheckRunner,
  nodes: readonly BrokerNodeResource[],
  what: string,
  timeoutSeconds: number,
): Promise<void> {
  const started = Date.now();
  for (;;) {
    const failing = nodes.filter((node) => !checks.passes(node));
    if (failing.length === 0) {
      for (const node of nodes) log(`${node.name}: ${what} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      return;
    }
    if (Date.now() - started > timeoutSeconds * 1000) {
      throw new Error(
        failing
          .map((node) => `${node.name}: not ${what} after ${timeoutSeconds} s (its rolling check keeps failing: ${node.rollingCheck})`)
          .join("; ") + "; nothing else was taken down. Look at the cluster, then run the command again",
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 3000));
  }
}

/** The Swarm's check runner: the manager from --manager, the stack's provider host or $DOCKER_HOST. */
function swarmChecks(options: RollOptions, stackJson: any): SwarmTasks {
  const manager = options.manager ?? providerHost(stackJson) ?? process.env.DOCKER_HOST;
  if (!manager) {
    throw new RollUsageError(
      "the broker nodes are Swarm services and the stack's DockerHost host is not a literal: give --manager <a manager's Docker API> (or set DOCKER_HOST)",
    );
  }
  return new SwarmTasks(manager, options.engines);
}

/**
 * Stops before anything is touched when a node's image would move to a
 * version that cannot run beside the old one (unrollable-upgrades.ts): the
 * deployed images are read from the state, the new ones from the stack.
 */
function refuseUnrollableUpgrades(stackDir: string, stackJson: any, nodes: readonly BrokerNodeResource[]): void {
  if (nodes.length === 0) return;
  const shown = run(terraformBinary(), ["show", "-json", "-no-color"], stackDir);
  if (shown.status !== 0) throw new Error(`terraform show failed (exit ${shown.status}): ${shown.stderr.slice(-2000)}`);
  const state = shown.stdout.trim() === "" ? {} : JSON.parse(shown.stdout);
  const refusals = unrollableUpgrades(nodes, deployedImages(state, nodes), configuredImages(stackJson, nodes), stackJson);
  if (refusals.length > 0) throw new RollUsageError(refusals.join("\n"));
}

export async function roll(options: RollOptions): Promise<void> {
  const stackFile = path.join(options.stackDir, "cdk.tf.json");
  if (!fs.existsSync(stackFile))
    throw new RollUsageError(`${stackFile} does not exist: run \`cdktf synth\` (\`cdktn synth\` on cdktn) first, or give --stack-dir`);
  const stackJson = JSON.parse(fs.readFileSync(stackFile, "utf8"));
  const all = brokerNodes(stackJson);
  const known = [...new Set(all.map((n) => n.broker))];
  for (const broker of options.brokers) {
    if (!known.includes(broker)) {
      throw new RollUsageError(
        `--broker ${broker}: no clustered broker of that name in ${stackFile} (clustered brokers: ${known.join(", ") || "none"})`,
      );
    }
  }
  const chosen = all.filter((n) => options.brokers.length === 0 || options.brokers.includes(n.broker));
  const checks = chosen.some((n) => n.onSwarm) ? swarmChecks(options, stackJson) : localEngine;
  if (!fs.existsSync(path.join(options.stackDir, ".terraform"))) terraform(options.stackDir, ["init"]);
  refuseUnrollableUpgrades(options.stackDir, stackJson, chosen);

  const replaced = options.replace ? new Set(chosen.map((n) => n.address)) : withPlan(options.stackDir, (planned) => planned);
  const toRoll = chosen.filter((n) => replaced.has(n.address));
  log(
    toRoll.length === 0
      ? "no broker node to replace"
      : `replacing ${toRoll.map((n) => n.name).join(", ")}, one node of each cluster at a time`,
  );
  for (const step of rollSteps(toRoll)) {
    await waitUntilSafe(checks, step, "the cluster can lose it", options.timeoutSeconds);
    for (const node of step) log(`${node.name}: replacing (${node.address})`);
    const started = Date.now();
    terraform(options.stackDir, [
      "apply",
      "-auto-approve",
      ...step.map((node) => `-target=${node.address}`),
      ...(options.replace ? step.map((node) => `-replace=${node.address}`) : []),
    ]);
    for (const node of step) log(`${node.name}: replaced and running (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    await waitUntilSafe(checks, step, "caught up: the cluster is whole again", options.timeoutSeconds);
  }
  if (options.nodesOnly) return;

  // The rest of the change (apps, topics, ...), now that the nodes are done.
  withPlan(options.stackDir, (restReplaced, file) => {
    const stillReplaced = all.filter((n) => restReplaced.has(n.address));
    if (stillReplaced.length > 0) {
      throw new Error(
        `the rest of the plan still replaces broker nodes (${stillReplaced.map((n) => n.name).join(", ")}): ` +
          "roll them first (leave out --broker, or name their broker)",
      );
    }
    log("applying the rest of the plan");
    terraform(options.stackDir, ["apply", file]);
  });
  log("done");
}

if (require.main === module) {
  (async () => {
    if (process.argv.includes("--help") || process.argv.includes("-h")) {
      console.log(USAGE);
      return;
    }
    try {
      await roll(parseArgs(process.argv.slice(2)));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      console.error(error instanceof RollUsageError ? message : `roll: ${message}`);
      process.exit(error instanceof RollUsageError ? 2 : 1);
    }
  })();
}
