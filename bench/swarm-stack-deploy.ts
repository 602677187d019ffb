/**
 * Swarm deploy benchmark (issue 27): `terraform apply` of examples/swarm
 * against `docker stack deploy` of the same services, on the test Swarm of
 * toolchain/test-swarm.sh, alternating in the same session.
 *
 *   node -r ./toolchain/ts-register.cjs bench/swarm-stack-deploy.ts [--rounds 3]
 *
 * "The same services": after the warm-up deploy, the compose file is written
 * from what Terraform deployed (`docker service inspect` of every service,
 * `docker config inspect` for the configs' content, the secrets' content
 * read in a running task, since Docker never gives a secret back; the two
 * set-up jobs, containers on the manager, become services that run once).
 * Both tools then deploy the same images (by digest, already in the
 * registry), commands, environment, health checks, mounts, limits,
 * placement and update policies. What compose does not get is what the
 * constructs add around the services: the order (Terraform starts the apps
 * after the set-up jobs, compose starts everything at once and the apps
 * retry), and the checks (a `docker stack deploy` returns before any task
 * runs, so it is timed to the same end state).
 *
 * Each tool, each round, from an empty Swarm (no service, volume, config or
 * secret of the stack):
 *   converged  every service has all its tasks running (the set-up jobs:
 *              exited 0), timed from the command's start;
 *   flowing    both consumers have received a message;
 *   command    how long the command itself took (`terraform apply` returns
 *              once converged; `docker stack deploy` at once).
 * Round 0 is a warm-up (Terraform builds and pushes the images there).
 *
 * Needs: toolchain/setup.sh and `bash toolchain/test-swarm.sh up`.
 */
import { randomBytes } from "crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import * as os from "os";
import { join } from "path";
import { App, LocalBackend } from "cdktf";
import { buildSwarmStack } from "../examples/swarm/main";
import { run } from "./lib/proc";
import { fmt, log, out, parseArgs, ratio, runHeader, summarize, table, writeReport, writeResult } from "./lib/stats";

const args = parseArgs(process.argv.slice(2));
const ROUNDS = Number(args.get("rounds") ?? 3);
const STACK = "swarm";
/** `docker stack deploy`'s namespace: its services are `cmp_<name>`; networks, volumes, configs and secrets keep their names. */
const NAMESPACE = "cmp";
const MANAGER = "tcp://127.0.0.1:23751";
const ENGINES = ["tcp://127.0.0.1:23751", "tcp://127.0.0.1:23752", "tcp://127.0.0.1:23753"];
const work = mkdtempSync(join(os.tmpdir(), "bench-swarm-stack-"));
const stackDir = join(work, "out", "stacks", STACK);
/** The stack's secrets: a random value for each variable it declares (set after synth). */
const env: Record<string, string | undefined> = { ...process.env };
const docker = (engine: string, argv: string[], allowFail = false) => run("docker", ["-H", engine, ...argv], { allowFail, env });
const terraform = (argv: string[]) => run("terraform", argv, { cwd: stackDir, env, timeout: 1_200_000 });
/** The registry test-swarm.sh started (its env file), where the images are pushed. */
const registry =
  readFileSync(join(process.env.TOOLCHAIN_CACHE ?? join(os.homedir(), ".cache", "cdktf-docker-messaging"), "test-swarm.env"), "utf8").match(
    /SWARM_REGISTRY=(\S+)/,
  )?.[1] ?? "127.0.0.1:23750";

function synthesize(): void {
  const app = new App({ outdir: join(work, "out"), stackTraces: false });
  const stack = buildSwarmStack(app, STACK, {
    manager: MANAGER,
    swarm: { brokerNodes: { label: "cdktf-docker-messaging.swarm-node", values: ["1", "2", "3"] }, registry },
    rate: 20,
  });
  new LocalBackend(stack, { path: join(work, `${STACK}.tfstate`) });
  app.synth();
  const declared = JSON.parse(readFileSync(join(stackDir, "cdk.tf.json"), "utf8")).variable ?? {};
  for (const name of Object.keys(declared)) env[`TF_VAR_${name}`] = randomBytes(24).toString("base64url");
}

// ------------------------------------------------------------ the compose file

const q = (text: string) => text.replace(/\$/g, "$$$$"); // compose interpolates $ in every string
const duration = (ns: number | undefined) => (ns ? `${Math.round(ns / 1e6)}ms` : undefined);
const clean = <T extends Record<string, unknown>>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

/** The compose file of the services Terraform deployed, their configs and secrets written into `dir`. */
function exportCompose(dir: string): { file: string; services: string[]; jobs: string[] } {
  const names = docker(MANAGER, ["service", "ls", "--format", "{{.Name}}"])
    .split("\n")
    .filter((n) => n.startsWith(`${STACK}-`));
  const specs: any[] = JSON.parse(docker(MANAGER, ["service", "inspect", ...names]));
  const networkNames = new Map<string, { name: string; internal: boolean }>();
  for (const n of JSON.parse(
    docker(MANAGER, [
      "network",
      "inspect",
      ...new Set(specs.flatMap((s) => (s.Spec.TaskTemplate.Networks ?? []).map((x: any) => x.Target))),
    ]),
  ))
    networkNames.set(n.Id, { name: n.Name, internal: n.Internal });
  const configs: Record<string, unknown> = {};
  const secrets: Record<string, unknown> = {};
  const volumes: Record<string, unknown> = {};
  const services: Record<string, unknown> = {};
  for (const s of specs) {
    const c = s.Spec.TaskTemplate.ContainerSpec;
    for (const cfg of c.Configs ?? []) {
      const data = JSON.parse(docker(MANAGER, ["config", "inspect", cfg.ConfigName]))[0].Spec.Data;
      writeFileSync(join(dir, cfg.ConfigName), Buffer.from(data, "base64"));
      configs[cfg.ConfigName] = { name: cfg.ConfigName, file: join(dir, cfg.ConfigName) };
    }
    for (const sec of c.Secrets ?? []) {
      const target = sec.File.Name.startsWith("/") ? sec.File.Name : `/run/secrets/${sec.File.Name}`;
      writeFileSync(join(dir, sec.SecretName), readInTask(s.Spec.Name, target));
      secrets[sec.SecretName] = { name: sec.SecretName, file: join(dir, sec.SecretName) };
    }
    for (const m of c.Mounts ?? []) if (m.Type === "volume") volumes[m.Source] = { name: m.Source };
    const hc = c.Healthcheck;
    services[s.Spec.Name] = clean({
      image: c.Image,
      hostname: c.Hostname,
      entrypoint: c.Command?.map(q),
      command: c.Args?.map(q),
      environment: c.Env?.map(q),
      labels: c.Labels ? Object.fromEntries(Object.entries(c.Labels as Record<string, string>).map(([k, v]) => [k, q(v)])) : undefined,
      read_only: c.ReadOnly || undefined,
      cap_drop: c.CapabilityDrop,
      cap_add: c.CapabilityAdd,
      stop_grace_period: duration(c.StopGracePeriod),
      healthcheck: hc?.Test
        ? clean({
            test: hc.Test.map(q),
            interval: duration(hc.Interval),
            timeout: duration(hc.Timeout),
            retries: hc.Retries,
            start_period: duration(hc.StartPeriod),
          })
        : undefined,
      volumes: (c.Mounts ?? []).map((m: any) =>
        m.Type === "volume"
          ? clean({ type: "volume", source: m.Source, target: m.Target, read_only: m.ReadOnly || undefined })
          : { type: "tmpfs", target: m.Target, tmpfs: { size: m.TmpfsOptions?.SizeBytes } },
      ),
      configs: (c.Configs ?? []).map((x: any) => ({
        source: x.ConfigName,
        target: x.File.Name,
        uid: x.File.UID,
        gid: x.File.GID,
        mode: x.File.Mode,
      })),
      secrets: (c.Secrets ?? []).map((x: any) => ({
        source: x.SecretName,
        target: x.File.Name,
        uid: x.File.UID,
        gid: x.File.GID,
        mode: x.File.Mode,
      })),
      networks: Object.fromEntries(
        (s.Spec.TaskTemplate.Networks ?? []).map((n: any) => [networkNames.get(n.Target)!.name, n.Aliases ? { aliases: n.Aliases } : {}]),
      ),
      ports: (s.Spec.EndpointSpec?.Ports ?? []).map((p: any) => ({
        target: p.TargetPort,
        published: p.PublishedPort,
        mode: "host",
        protocol: "tcp",
      })),
      logging: s.Spec.TaskTemplate.LogDriver
        ? { driver: s.Spec.TaskTemplate.LogDriver.Name, options: s.Spec.TaskTemplate.LogDriver.Options }
        : undefined,
      deploy: clean({
        mode: "replicated",
        replicas: s.Spec.Mode.Replicated.Replicas,
        endpoint_mode: s.Spec.EndpointSpec?.Mode,
        placement: s.Spec.TaskTemplate.Placement?.Constraints ? { constraints: s.Spec.TaskTemplate.Placement.Constraints } : undefined,
        resources: { limits: { memory: String(s.Spec.TaskTemplate.Resources.Limits.MemoryBytes) } },
        restart_policy: { condition: s.Spec.TaskTemplate.RestartPolicy.Condition, delay: "5s" },
        update_config: { parallelism: 1, order: s.Spec.UpdateConfig.Order, failure_action: s.Spec.UpdateConfig.FailureAction },
      }),
    });
  }
  // The set-up jobs: containers on the manager, run once.
  const jobs: string[] = [];
  for (const id of docker(MANAGER, ["ps", "-aq", "--filter", `name=^${STACK}-.*-setup$`])
    .split("\n")
    .filter(Boolean)) {
    const c = JSON.parse(docker(MANAGER, ["container", "inspect", id]))[0];
    const name = c.Name.replace(/^\//, "");
    jobs.push(name);
    services[name] = clean({
      image: c.Config.Image,
      entrypoint: c.Config.Entrypoint?.map(q),
      command: c.Config.Cmd?.map(q),
      environment: c.Config.Env?.map(q),
      networks: Object.fromEntries(Object.keys(c.NetworkSettings.Networks).map((n) => [n, {}])),
      deploy: {
        mode: "replicated",
        replicas: 1,
        restart_policy: { condition: "none" },
        placement: { constraints: ["node.role==manager"] },
      },
    });
  }
  const networks = Object.fromEntries(
    [...networkNames.values()].map((n) => [
      n.name,
      { name: n.name, driver: "overlay", attachable: true, ...(n.internal ? { internal: true } : {}) },
    ]),
  );
  const file = join(dir, "compose.json");
  writeFileSync(file, JSON.stringify({ version: "3.8", services, networks, volumes, configs, secrets }, null, 2));
  return { file, services: names, jobs };
}

/** A secret's content, read in a running task of `service` (on the engine that holds it). */
function readInTask(service: string, path: string): string {
  for (const engine of ENGINES) {
    const id = docker(engine, ["ps", "-q", "--filter", `label=com.docker.swarm.service.name=${service}`], true)
      .split("\n")[0]
      ?.trim();
    if (id) return docker(engine, ["exec", id, "cat", path]);
  }
  throw new Error(`no running task of ${service} to read ${path} in`);
}

// ------------------------------------------------------------ the end state

/** Seconds from `started` until every service runs all its tasks and every job exited 0. */
async function converged(services: string[], jobs: string[], started: number): Promise<number> {
  for (;;) {
    const lines = docker(MANAGER, ["service", "ls", "--format", "{{.Name}} {{.Replicas}}"], true).split("\n");
    const replicas = new Map(lines.map((l) => l.split(" ") as [string, string]));
    const servicesUp = services.every((s) => {
      const [running, wanted] = (replicas.get(s) ?? "0/1").split(" ")[0].split("/");
      return running === wanted;
    });
    const jobsDone = jobs.every((j) => jobExitedZero(j));
    if (servicesUp && jobsDone) return (Date.now() - started) / 1000;
    if (Date.now() - started > 900_000) throw new Error(`not converged after 900 s: ${lines.join("; ")}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

let jobState: (job: string) => boolean = () => true;
const jobExitedZero = (job: string) => jobState(job);

/** Seconds from `started` until both consumers have received a message. */
async function flowing(consumers: string[], started: number): Promise<number> {
  for (;;) {
    const ok = consumers.every((service) =>
      ENGINES.some((engine) =>
        docker(engine, ["ps", "-q", "--filter", `label=com.docker.swarm.service.name=${service}`], true)
          .split("\n")
          .filter(Boolean)
          .some((id) => /"received":[1-9]/.test(docker(engine, ["logs", id], true))),
      ),
    );
    if (ok) return (Date.now() - started) / 1000;
    if (Date.now() - started > 900_000) throw new Error("no message consumed after 900 s");
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/**
 * Removes the stack's volumes from every engine (both tools start on empty
 * disks): a removed service's task containers go a few seconds after it,
 * and until then their volumes are in use, so it retries until none is left.
 */
async function removeVolumes(): Promise<void> {
  for (const engine of ENGINES) {
    for (let i = 0; ; i++) {
      const names = docker(engine, ["volume", "ls", "-q"])
        .split("\n")
        .filter((n) => n.startsWith(`${STACK}-`));
      if (names.length === 0) break;
      if (i >= 90) throw new Error(`volumes still in use on ${engine} after 3 minutes: ${names.join(", ")}`);
      docker(engine, ["volume", "rm", ...names], true);
      await new Promise((r) => setTimeout(r, 2000));
    }
    docker(engine, ["volume", "prune", "-f"], true);
  }
}

interface Round {
  readonly converged: number;
  readonly flowing: number;
  readonly command: number;
  /** Terraform only: the resources that took longest to create, as its output says (`<address>: <seconds>`). */
  readonly slowest?: string[];
}

/** The `count` slowest creations in `terraform apply` output (where Terraform's time goes: it creates in dependency order). */
function slowestCreations(output: string, count = 6): string[] {
  const times = [...output.matchAll(/^(\S+): Creation complete after (?:(\d+)m)?(\d+)s/gm)].map(
    (m) => [m[1], Number(m[2] ?? 0) * 60 + Number(m[3])] as const,
  );
  return times
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([address, seconds]) => `${address}: ${seconds}`);
}

async function terraformRound(services: string[], jobs: string[]): Promise<Round> {
  const started = Date.now();
  const output = terraform(["apply", "-auto-approve", "-input=false", "-no-color"]);
  const command = (Date.now() - started) / 1000;
  jobState = (job) => docker(MANAGER, ["inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", job], true).trim() === "exited 0";
  const result = {
    converged: await converged(services, jobs, started),
    flowing: await flowing(consumers(), started),
    command,
    slowest: slowestCreations(output),
  };
  terraform(["destroy", "-auto-approve", "-input=false", "-no-color"]);
  await removeVolumes();
  return result;
}

async function stackRound(file: string, services: string[], jobs: string[]): Promise<Round> {
  const started = Date.now();
  docker(MANAGER, ["stack", "deploy", "--resolve-image", "never", "-c", file, NAMESPACE]);
  const command = (Date.now() - started) / 1000;
  jobState = (job) =>
    docker(MANAGER, ["service", "ps", `${NAMESPACE}_${job}`, "--format", "{{.CurrentState}}"], true)
      .split("\n")
      .some((l) => l.startsWith("Complete"));
  const named = services.map((s) => `${NAMESPACE}_${s}`);
  const result = {
    converged: await converged(named, jobs, started),
    flowing: await flowing(
      consumers().map((c) => `${NAMESPACE}_${c}`),
      started,
    ),
    command,
  };
  docker(MANAGER, ["stack", "rm", NAMESPACE]);
  // `stack rm` returns before the tasks are gone: wait for them, then for the networks.
  for (
    let i = 0;
    i < 120 && docker(MANAGER, ["service", "ls", "-q", "--filter", `label=com.docker.stack.namespace=${NAMESPACE}`]).trim();
    i++
  )
    await new Promise((r) => setTimeout(r, 1000));
  await removeVolumes();
  for (let i = 0; i < 60; i++) {
    const left = docker(MANAGER, ["network", "ls", "-q", "--filter", `label=com.docker.stack.namespace=${NAMESPACE}`]).trim();
    if (!left) break;
    docker(MANAGER, ["network", "rm", ...left.split("\n")], true);
    await new Promise((r) => setTimeout(r, 2000));
  }
  return result;
}

const consumers = () => [`${STACK}-rabbitmq-consumer`, `${STACK}-kafka-consumer`];

async function main(): Promise<void> {
  const loadStart = os.loadavg();
  synthesize();
  terraform(["init", "-input=false", "-no-color"]);
  await removeVolumes();
  log("warm-up: terraform apply (builds and pushes the images), then the compose file is written from what it deployed");
  terraform(["apply", "-auto-approve", "-input=false", "-no-color"]);
  const exportDir = join(work, "compose");
  run("mkdir", ["-p", exportDir]);
  const { file, services, jobs } = exportCompose(exportDir);
  terraform(["destroy", "-auto-approve", "-input=false", "-no-color"]);
  await removeVolumes();
  log(`compose file: ${services.length} services and ${jobs.length} jobs`);
  const rounds: Record<"terraform" | "stack", Round[]> = { terraform: [], stack: [] };
  for (let r = 0; r < ROUNDS; r++) {
    const order: ("terraform" | "stack")[] = r % 2 === 0 ? ["stack", "terraform"] : ["terraform", "stack"];
    for (const tool of order) {
      const result = tool === "terraform" ? await terraformRound(services, jobs) : await stackRound(file, services, jobs);
      log(`round ${r + 1} ${tool}: ${JSON.stringify(result)}`);
      rounds[tool].push(result);
    }
  }
  const s = (tool: "terraform" | "stack", key: "converged" | "flowing" | "command") => summarize(rounds[tool].map((x) => x[key]));
  out(
    `swarm deploy: terraform apply vs docker stack deploy of the same ${services.length} services and ${jobs.length} set-up jobs, ${ROUNDS} rounds after a warm-up`,
  );
  out();
  out(
    table(
      ["seconds (median, min-max)", "terraform apply", "docker stack deploy", "ratio"],
      (["converged", "flowing", "command"] as const).map((key) => [
        key,
        fmt(s("terraform", key), 1),
        fmt(s("stack", key), 1),
        ratio(s("terraform", key).median, s("stack", key).median).toFixed(2),
      ]),
    ),
  );
  const resultFile = writeResult("swarm-stack-deploy", { rounds, services, jobs, loadAverage: { start: loadStart, end: os.loadavg() } });
  writeReport("swarm-stack-deploy", runHeader(resultFile, loadStart));
}

main()
  .catch((error) => {
    console.error(error instanceof Error ? error.stack : error);
    process.exitCode = 1;
  })
  .finally(() => {
    run("docker", ["-H", MANAGER, "stack", "rm", NAMESPACE], { allowFail: true });
    run("terraform", ["destroy", "-auto-approve", "-input=false", "-no-color"], { cwd: stackDir, env, allowFail: true });
    rmSync(work, { recursive: true, force: true });
  });
