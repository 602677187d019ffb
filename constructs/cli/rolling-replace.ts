#!/usr/bin/env node
/**
 * cdktf-messaging-roll: applies a change that replaces broker nodes one node
 * at a time, so a cluster never has more than one node down.
 *
 * A plain `cdktf deploy` of a change that replaces the containers of a
 * cluster's nodes (a new image, memory, a server property) lets Terraform
 * destroy them all at once: the cluster is down and, for RabbitMQ's quorum
 * queues and Kafka's acks=all, stops taking writes. Terraform has no rolling
 * order of its own (depends_on between the nodes would destroy them in
 * reverse order, still together), so this command drives it:
 *
 *   for each clustered broker, for each node that the plan replaces (every
 *   node with --replace):
 *     1. wait until the cluster can lose the node: the node's rolling check
 *        passes (label cdktf-docker-messaging.rolling-check, set by the
 *        broker construct: RabbitMQ - the cluster is whole and no quorum
 *        queue needs the node for its majority; Kafka - no partition misses
 *        an in-sync replica);
 *     2. `terraform apply -target=<node> [-replace=<node>]`: the provider
 *        stops the node (its grace period), creates the new one and returns
 *        once it is healthy (`wait`: in a cluster, running inside the whole
 *        cluster);
 *     3. wait until the rolling check passes on the new node (it has caught up);
 *   then applies the rest of the plan, once it replaces no broker node.
 *
 * It works on a synthesized stack (run `cdktf synth` first) and on the state
 * cdktf deploys with; give it the same TF_VAR_* variables as `cdktf deploy`.
 *
 *   cdktf-messaging-roll [--stack NAME | --stack-dir DIR] [--broker NAME]...
 *                        [--replace] [--nodes-only] [--timeout-seconds N]
 */
import { spawnSync, type SpawnSyncReturns } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Labels } from "../private/labels";

const USAGE = `usage: cdktf-messaging-roll [--stack NAME | --stack-dir DIR] [--broker NAME]... [--replace] [--nodes-only] [--timeout-seconds N]

  --stack NAME        the stack in cdktf.out/stacks/NAME (default: the only stack there)
  --stack-dir DIR     a synthesized stack folder (holds cdk.tf.json)
  --broker NAME       roll only this broker (its name; repeatable; default: every clustered broker)
  --replace           replace every node of the brokers, changed or not (e.g. to restart them one by one)
  --nodes-only        stop after the nodes; do not apply the rest of the plan
  --timeout-seconds N how long to wait for a cluster to be ready to lose a node, and for a new node to catch up (default 600)`;

export interface RollOptions {
  readonly stackDir: string;
  readonly brokers: string[];
  readonly replace: boolean;
  readonly nodesOnly: boolean;
  readonly timeoutSeconds: number;
}

/** One node container of a clustered broker, as the synthesized stack declares it. */
export interface BrokerNodeResource {
  readonly broker: string;
  readonly index: number;
  /** Terraform address, `docker_container.<id>`. */
  readonly address: string;
  readonly containerName: string;
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
      default:
        throw new RollUsageError(`unknown argument '${arg}' (see --help)`);
    }
  }
  if (stack && stackDir) throw new RollUsageError("give --stack or --stack-dir, not both");
  return { stackDir: path.resolve(cwd, stackDir ?? resolveStackDir(cwd, stack)), brokers, replace, nodesOnly, timeoutSeconds };
}

function resolveStackDir(cwd: string, stack: string | undefined): string {
  const stacks = path.join(cwd, "cdktf.out", "stacks");
  if (stack) return path.join(stacks, stack);
  const found = fs.existsSync(stacks) ? fs.readdirSync(stacks).filter((d) => fs.existsSync(path.join(stacks, d, "cdk.tf.json"))) : [];
  if (found.length === 1) return path.join(stacks, found[0]);
  if (found.length === 0) throw new RollUsageError(`no synthesized stack in ${stacks}: run \`cdktf synth\` first, or give --stack-dir`);
  throw new RollUsageError(`${stacks} holds ${found.length} stacks (${found.join(", ")}): choose one with --stack`);
}

/** The node containers of every clustered broker in a synthesized stack, in broker then node order. */
export function brokerNodes(stackJson: any): BrokerNodeResource[] {
  const containers: Record<string, any> = stackJson?.resource?.docker_container ?? {};
  const nodes: BrokerNodeResource[] = [];
  for (const [id, container] of Object.entries(containers)) {
    const labels = Object.fromEntries(((container.labels ?? []) as { label: string; value: string }[]).map((l) => [l.label, l.value]));
    const check = labels[Labels.rollingCheck];
    if (!check || !labels[Labels.broker]) continue; // a single node or not a broker: nothing to roll
    nodes.push({
      broker: labels[Labels.broker],
      index: Number(labels[Labels.node]),
      address: `docker_container.${id}`,
      containerName: String(container.name),
      // Labels are rendered as Terraform strings: `$${` stands for `${`.
      rollingCheck: check.replace(/\$\$\{/g, "${").replace(/%%\{/g, "%{"),
    });
  }
  return nodes.sort((a, b) => a.broker.localeCompare(b.broker) || a.index - b.index);
}

/** Addresses a saved plan deletes (replacements included). */
export function replacedAddresses(planJson: any): Set<string> {
  const replaced = new Set<string>();
  for (const change of planJson?.resource_changes ?? []) {
    if ((change.change?.actions ?? []).includes("delete")) replaced.add(change.address);
  }
  return replaced;
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
 * variables' values), returns the addresses the plan would delete, and hands
 * the file to `use` before the folder is removed.
 */
function withPlan<T>(stackDir: string, use: (replaced: Set<string>, file: string) => T): T {
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
  return [replacedAddresses(JSON.parse(shown.stdout)), file];
}

function checkPasses(node: BrokerNodeResource): boolean {
  return run("docker", ["exec", node.containerName, "sh", "-c", node.rollingCheck], process.cwd()).status === 0;
}

async function waitUntilSafe(node: BrokerNodeResource, what: string, timeoutSeconds: number): Promise<void> {
  const started = Date.now();
  for (;;) {
    if (checkPasses(node)) {
      log(`${node.containerName}: ${what} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      return;
    }
    if (Date.now() - started > timeoutSeconds * 1000) {
      throw new Error(
        `${node.containerName}: not ${what} after ${timeoutSeconds} s (its rolling check keeps failing: ${node.rollingCheck}); ` +
          "nothing else was taken down. Look at the cluster, then run the command again",
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 3000));
  }
}

export async function roll(options: RollOptions): Promise<void> {
  const stackFile = path.join(options.stackDir, "cdk.tf.json");
  if (!fs.existsSync(stackFile)) throw new RollUsageError(`${stackFile} does not exist: run \`cdktf synth\` first, or give --stack-dir`);
  const all = brokerNodes(JSON.parse(fs.readFileSync(stackFile, "utf8")));
  const known = [...new Set(all.map((n) => n.broker))];
  for (const broker of options.brokers) {
    if (!known.includes(broker)) {
      throw new RollUsageError(
        `--broker ${broker}: no clustered broker of that name in ${stackFile} (clustered brokers: ${known.join(", ") || "none"})`,
      );
    }
  }
  const chosen = all.filter((n) => options.brokers.length === 0 || options.brokers.includes(n.broker));
  if (!fs.existsSync(path.join(options.stackDir, ".terraform"))) terraform(options.stackDir, ["init"]);

  const replaced = options.replace ? new Set(chosen.map((n) => n.address)) : withPlan(options.stackDir, (planned) => planned);
  const toRoll = chosen.filter((n) => replaced.has(n.address));
  log(toRoll.length === 0 ? "no broker node to replace" : `replacing ${toRoll.map((n) => n.containerName).join(", ")}, one at a time`);
  for (const node of toRoll) {
    await waitUntilSafe(node, "the cluster can lose it", options.timeoutSeconds);
    log(`${node.containerName}: replacing (${node.address})`);
    const started = Date.now();
    terraform(options.stackDir, [
      "apply",
      "-auto-approve",
      `-target=${node.address}`,
      ...(options.replace ? [`-replace=${node.address}`] : []),
    ]);
    log(`${node.containerName}: replaced and healthy (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    await waitUntilSafe(node, "caught up: the cluster is whole again", options.timeoutSeconds);
  }
  if (options.nodesOnly) return;

  // The rest of the change (apps, topics, ...), now that the nodes are done.
  withPlan(options.stackDir, (restReplaced, file) => {
    const stillReplaced = all.filter((n) => restReplaced.has(n.address));
    if (stillReplaced.length > 0) {
      throw new Error(
        `the rest of the plan still replaces broker nodes (${stillReplaced.map((n) => n.containerName).join(", ")}): ` +
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
