/**
 * The deployed clusters example (buildClusterStack in
 * examples/cluster/main.ts) as the fault suite (../faults/) and the cluster
 * benchmarks see it: its names and host ports, its synthesized folder,
 * terraform run in that folder the way a user runs a synthesized stack, and
 * the docker CLI.
 */
import { createHash, randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { repoRoot, run, waitFor } from "../support/commands";
import { containersLabelled, memoryUsageMiB, networksLabelled, volumesLabelled } from "../support/docker";
import { CLUSTER_STACK_NAME } from "./cluster-app";

export const STACK = CLUSTER_STACK_NAME;
const stackLabel = `cdktf-docker-messaging.stack=${STACK}`;
const nodesOf = (broker: string) => [1, 2, 3].map((i) => `${broker}-${i}`);
export const RABBIT_NODES = nodesOf("cluster-rabbitmq");
export const KAFKA_NODES = nodesOf("cluster-kafka");
export const NODES = [...RABBIT_NODES, ...KAFKA_NODES];
export const RABBIT_PRODUCER = "cluster-rabbitmq-producer-1";
export const RABBIT_CONSUMER = "cluster-rabbitmq-consumer-1";
export const KAFKA_PRODUCER = "cluster-kafka-producer-1";
export const KAFKA_CONSUMER = "cluster-kafka-consumer-1";
export const APPS = [RABBIT_PRODUCER, RABBIT_CONSUMER, KAFKA_PRODUCER, KAFKA_CONSUMER];
/** The one-shot set-up jobs (topics, users, ACLs): they exit once done. */
export const JOBS = ["cluster-kafka-setup", "cluster-kafka-tls", "cluster-rabbitmq-setup", "cluster-rabbitmq-tls"];
export const PROMETHEUS = "cluster-prometheus";
/** Its UI and API on the host. */
export const PROMETHEUS_URL = "http://127.0.0.1:39090";
export const ALERTMANAGER = "cluster-alertmanager";
/** Its UI and API on the host. */
export const ALERTMANAGER_URL = "http://127.0.0.1:39093";
/**
 * The webhook the Alertmanager notifies (TF_VAR_cluster_alert_webhook_url):
 * a container of the faults suite on the stack's network
 * (../faults/alert-receiver.ts), not part of the stack; elsewhere nothing
 * listens there, and Alertmanager logs its failed sends.
 */
export const ALERT_RECEIVER = "cluster-alert-receiver";
export const ALERT_WEBHOOK_URL = `http://${ALERT_RECEIVER}:8080/alerts`;
export const CONTAINERS = [...NODES, ...APPS, ...JOBS, PROMETHEUS, ALERTMANAGER];
const NETWORKS = [STACK, "cluster-kafka-replication"];
const VOLUMES = [
  ...[...NODES, PROMETHEUS, ALERTMANAGER].map((name) => `${name}-data`),
  ...["cluster-rabbitmq", "cluster-kafka"].flatMap((b) => ["server", "ca", "ca-private"].map((v) => `${b}-tls-${v}`)),
];

/** The secrets the stack asks for, fresh each run, given as a user gives them. */
export const credentials = {
  TF_VAR_cluster_rabbitmq_admin_password: randomBytes(18).toString("base64url"),
  TF_VAR_cluster_rabbitmq_erlang_cookie: randomBytes(24).toString("base64url"),
  TF_VAR_cluster_rabbitmq_credentials_key: randomBytes(24).toString("base64url"),
  TF_VAR_cluster_kafka_admin_password: randomBytes(18).toString("base64url"),
  TF_VAR_cluster_kafka_credentials_key: randomBytes(24).toString("base64url"),
  TF_VAR_cluster_kafka_cluster_secret: randomBytes(24).toString("base64url"),
  TF_VAR_cluster_alert_webhook_url: ALERT_WEBHOOK_URL,
};

// Outside the work tree (nothing to ignore or to commit by mistake), one
// folder per clone; the local state stays where cdktf puts it: repoRoot/terraform.cluster.tfstate.
const outdir = path.join(
  os.tmpdir(),
  `cdktf-docker-messaging-e2e-cluster-${createHash("sha256").update(repoRoot).digest("hex").slice(0, 8)}`,
);
export const stackDir = path.join(outdir, "stacks", STACK);
export const stateFile = path.join(repoRoot, `terraform.${STACK}.tfstate`);

export function terraform(args: string[], okCodes = [0], timeoutSeconds = 300) {
  // The binary cdktf would run: terraform, or OpenTofu where toolchain/terraform.sh built it.
  const binary = process.env.TERRAFORM_BINARY_NAME || "terraform";
  return run(binary, [...args, "-no-color"], { cwd: stackDir, timeoutSeconds, okCodes, env: credentials });
}

/** Synthesizes the stack as `npm run synth` does the default one (apps bundled first), then `terraform init`. */
export function synthAndInit(): void {
  run("node", ["apps/bundle.mjs"], { timeoutSeconds: 120 });
  run("node", ["-r", "./toolchain/ts-register.cjs", path.join("__tests__", "e2e-cluster", "cluster-app.ts"), outdir], {
    timeoutSeconds: 120,
  });
  terraform(["init", "-input=false"], [0], 120);
}

/** The CA certificate (PEM) a broker's TLS certificates job exported, as a host client trusts it. */
export function caCertificate(broker: "cluster-rabbitmq" | "cluster-kafka"): string {
  return terraform(["output", "-raw", `${broker.replace(/-/g, "_")}_ca_certificate`]).stdout;
}

export function docker(...args: string[]) {
  return run("docker", args, { timeoutSeconds: 120 });
}

export function inspect(container: string): any {
  return JSON.parse(docker("inspect", container).stdout)[0];
}

export const stackContainers = () => containersLabelled(stackLabel).filter((c) => CONTAINERS.includes(c.name));
export const stackNetworks = () => networksLabelled(stackLabel).filter((n) => NETWORKS.includes(n));
export const stackVolumes = () => volumesLabelled(stackLabel).filter((v) => VOLUMES.includes(v));

/** Whether each container still runs the process it ran (a restart changes StartedAt, and RestartCount when Docker did it). */
export function processes(containers: readonly string[]) {
  return containers.map((container) => {
    const s = inspect(container);
    return { container, running: s.State.Running, restartCount: s.RestartCount, startedAt: s.State.StartedAt };
  });
}

/** Names of the stack's running containers, from one `docker ps` (no inspect: safe while containers come and go). */
export function runningContainerNames(): Set<string> {
  return new Set(docker("ps", "--filter", `label=${stackLabel}`, "--format", "{{.Names}}").stdout.split("\n").filter(Boolean));
}

/** Every long-running container of the stack running and healthy (the topics job is one-shot). */
export function allRunningAndHealthy(): true | undefined {
  const long = stackContainers().filter((c) => !JOBS.includes(c.name));
  const ready = long.length === CONTAINERS.length - JOBS.length && long.every((c) => c.running && c.health === "healthy");
  return ready ? true : undefined;
}

/** `terraform apply` of the example, then every long-running container running and healthy: the seconds each took. */
export async function deployCluster(): Promise<{ applySeconds: number; deployToHealthySeconds: number }> {
  const started = Date.now();
  const applySeconds = terraform(["apply", "-input=false", "-auto-approve"], [0], 480).seconds;
  await waitFor("every container of the stack running and healthy", 180, allRunningAndHealthy);
  const deployToHealthySeconds = (Date.now() - started) / 1000;
  console.log(`deployed: terraform apply ${applySeconds} s, healthy after ${deployToHealthySeconds} s`);
  return { applySeconds, deployToHealthySeconds };
}

/** What a deploy left: the stack's container names, sorted, and each one-shot job's status and exit code. */
export function deployedContainers() {
  return {
    names: stackContainers()
      .map((c) => c.name)
      .sort(),
    jobs: JOBS.map((job) => {
      const state = inspect(job).State;
      return { job, status: state.Status, exitCode: state.ExitCode };
    }),
  };
}

/** What deployedContainers must say: every container of the stack, every job exited 0. */
export const EXPECTED_DEPLOY = {
  names: [...CONTAINERS].sort(),
  jobs: JOBS.map((job) => ({ job, status: "exited", exitCode: 0 })),
};

/** A second `terraform plan`: its exit code (0: no changes) and, when it has changes, what it printed. */
export function secondPlan(): { exitCode: number; changes: string } {
  const plan = terraform(["plan", "-input=false", "-detailed-exitcode"], [0, 2], 180);
  return { exitCode: plan.code, changes: plan.code === 2 ? plan.stdout : "" };
}

/**
 * `terraform destroy`, then what of the stack is left (nothing, when it
 * worked: the stack chooses dataRemovalPolicy "destroy" for its nodes' volumes).
 */
export function destroyCluster(): { seconds: number; left: { containers: unknown[]; networks: string[]; volumes: string[] } } {
  const { seconds } = terraform(["destroy", "-input=false", "-auto-approve"], [0], 300);
  return { seconds, left: { containers: stackContainers(), networks: stackNetworks(), volumes: stackVolumes() } };
}

/** Removes the faults suite's alert receiver, if there is one (it holds an endpoint on the stack's network, which destroy removes). */
export function removeAlertReceiver(): void {
  run("docker", ["rm", "-f", ALERT_RECEIVER], { okCodes: [0, 1] });
}

/** Removes what an earlier, interrupted run left: through its state first, then by label and name. */
export function removeLeftovers(): void {
  removeAlertReceiver();
  if (fs.existsSync(stateFile)) {
    const destroyed = terraform(["destroy", "-input=false", "-auto-approve"], [0, 1], 240);
    if (destroyed.code !== 0) console.log(`leftover destroy failed (cleaning by label instead):\n${destroyed.stderr.slice(-2000)}`);
  }
  // What a run without state (another clone, a deleted state file) left would hold the names and host ports.
  const leftovers = stackContainers().map((c) => c.id);
  if (leftovers.length > 0) run("docker", ["rm", "-f", "-v", ...leftovers]);
  for (const network of stackNetworks()) run("docker", ["network", "rm", network]);
  for (const volume of stackVolumes()) run("docker", ["volume", "rm", volume]);
}

/** Memory in use per container of the stack, MiB, as `docker stats` reports it. */
export function memoryMiB(): Record<string, number> {
  const used = memoryUsageMiB(CONTAINERS.filter((c) => !JOBS.includes(c)));
  return Object.fromEntries(Object.entries(used).map(([name, mib]) => [name, Math.round(mib)]));
}
