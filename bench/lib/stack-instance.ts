/**
 * A private instance of the default stack for the deploy and throughput
 * benchmarks: main.ts synthesized as it is (CDKTF_OUTDIR in a temporary
 * folder), then renamed so it can never collide with a default stack that
 * someone else deploys on the same engine:
 *   - every container, network, volume and built-image name gets `bench-`;
 *   - host ports 5672 -> 35672, 15672 -> 45672, 29092 -> 39092, 9090 -> 49090 (also inside
 *     strings, e.g. Kafka's advertised HOST listener and the outputs);
 *   (or another prefix and other ports, InstanceOptions.naming, so that an
 *   instance can run while another benchmark's `bench-` instance does);
 *   - the local backend's state file moves into the instance's folder.
 * Hostnames and network aliases stay (they are per network), so the apps'
 * connection settings are unchanged. Resources, attributes and start order
 * are exactly main.ts's.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { run, timeCommand } from "./proc";
import { REPO_ROOT } from "./stats";

export const BENCH_PORTS: Record<number, number> = { 5672: 35672, 15672: 45672, 29092: 39092, 9090: 49090 };
export const PREFIX = "bench-";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface StackInstance {
  readonly dir: string;
  /** The renamed stack as written to `dir`/cdk.tf.json. */
  readonly doc: Record<string, Json>;
  /** Names of the containers the stack runs, and of its one-shot jobs. */
  readonly containers: string[];
  readonly jobs: string[];
  readonly env: NodeJS.ProcessEnv;
  readonly synthSeconds: number;
  /** The prefix of its names (InstanceNaming). */
  readonly prefix: string;
}

function mapPortsInString(s: string, ports: Record<number, number>): string {
  return s.replace(/127\.0\.0\.1:(\d+)\b/g, (m, p: string) => (ports[Number(p)] ? `127.0.0.1:${ports[Number(p)]}` : m));
}

function deepMapStrings(v: Json, ports: Record<number, number>): Json {
  if (typeof v === "string") return mapPortsInString(v, ports);
  if (Array.isArray(v)) return v.map((x) => deepMapStrings(x, ports));
  if (v && typeof v === "object") {
    const out: Record<string, Json> = {};
    for (const [k, x] of Object.entries(v)) out[k] = deepMapStrings(x, ports);
    return out;
  }
  return v;
}

/** An instance's names and host ports. */
export interface InstanceNaming {
  /** Prefix of every container, network, volume and built-image name. */
  readonly prefix: string;
  /** Host port of the default stack -> host port of the instance. */
  readonly ports: Record<number, number>;
}

export const BENCH_NAMING: InstanceNaming = { prefix: PREFIX, ports: BENCH_PORTS };

/** What the instance holds beyond main.ts's defaults. */
export interface InstanceOptions {
  /**
   * The default stack's metrics and Prometheus (DefaultStackOptions.observability).
   * @default true
   */
  readonly observability?: boolean;
  /**
   * Names and host ports.
   * @default BENCH_NAMING (`bench-`, BENCH_PORTS)
   */
  readonly naming?: InstanceNaming;
}

/** Synthesizes main.ts's default stack into a temporary folder and returns its JSON. */
export function synthDefaultStack(tmp: string, options: InstanceOptions = {}): { doc: Record<string, Json>; seconds: number } {
  const outdir = join(tmp, "cdktf.out");
  rmSync(outdir, { recursive: true, force: true });
  const env: NodeJS.ProcessEnv = { ...process.env, CDKTF_OUTDIR: outdir };
  delete env.NODE_OPTIONS;
  // What `npm run synth` does (bundle the apps, run the stack), through an entry that can leave observability out.
  const entry = [
    "-r",
    "./toolchain/ts-register.cjs",
    "bench/lib/default-stack-entry.ts",
    ...(options.observability === false ? ["--without-observability"] : []),
  ];
  const t = timeCommand("sh", ["-c", `node apps/bundle.mjs && node ${entry.join(" ")}`], { cwd: REPO_ROOT, env });
  const doc = JSON.parse(readFileSync(join(outdir, "stacks", "messaging", "cdk.tf.json"), "utf8")) as Record<string, Json>;
  return { doc, seconds: t.seconds };
}

/** Renames a synthesized default stack into a bench instance (see the file comment). */
export function toBenchInstance(
  doc: Record<string, Json>,
  stateFile: string,
  { prefix, ports }: InstanceNaming = BENCH_NAMING,
): { doc: Record<string, Json>; containers: string[]; jobs: string[] } {
  const out = deepMapStrings(JSON.parse(JSON.stringify(doc)) as Json, ports) as Record<
    string,
    Record<string, Record<string, Record<string, Json>>>
  >;
  const containers: string[] = [];
  const jobs: string[] = [];
  for (const [type, byId] of Object.entries(out.resource ?? {})) {
    for (const body of Object.values(byId)) {
      if (type === "docker_container" || type === "docker_network" || type === "docker_volume") {
        body.name = `${prefix}${body.name as string}`;
      }
      if (type === "docker_image" && body.build) body.name = `${prefix}${body.name as string}`;
      if (type === "docker_container") {
        if (body.must_run === false) jobs.push(body.name as string);
        else containers.push(body.name as string);
        for (const p of (body.ports as Record<string, Json>[] | undefined) ?? []) {
          const mapped = ports[p.external as number];
          if (mapped) p.external = mapped;
        }
      }
    }
  }
  const terraform = out.terraform as unknown as Record<string, Record<string, Record<string, Json>>>;
  terraform.backend = { local: { path: stateFile } };
  return { doc: out as unknown as Record<string, Json>, containers: containers.sort(), jobs: jobs.sort() };
}

/** Synthesizes the default stack, writes the bench instance into `dir` and runs `terraform init`. */
export function prepareInstance(dir: string, password: string, options: InstanceOptions = {}): StackInstance {
  const naming = options.naming ?? BENCH_NAMING;
  claimNaming(naming.prefix);
  mkdirSync(dir, { recursive: true });
  const { doc, seconds } = synthDefaultStack(dir, options);
  const inst = toBenchInstance(doc, join(dir, "terraform.tfstate"), naming);
  const stackDir = join(dir, "stack");
  mkdirSync(stackDir, { recursive: true });
  writeFileSync(join(stackDir, "cdk.tf.json"), JSON.stringify(inst.doc, null, 2));
  // Every secret the stack asks for (admin passwords, credentials keys); the RabbitMQ admin's is the one given.
  const secrets = Object.fromEntries(
    Object.keys((inst.doc as { variable?: object }).variable ?? {}).map((name) => [`TF_VAR_${name}`, `${password}-${name}`]),
  );
  const env: NodeJS.ProcessEnv = { ...process.env, ...secrets, TF_VAR_rabbitmq_admin_password: password, TF_IN_AUTOMATION: "1" };
  run("terraform", ["init", "-input=false", "-no-color"], { cwd: stackDir, env });
  return { dir: stackDir, doc: inst.doc, containers: inst.containers, jobs: inst.jobs, env, synthSeconds: seconds, prefix: naming.prefix };
}

/** The stack's outputs (`terraform output -json`), sensitive ones included. */
export function outputs(inst: StackInstance): Record<string, string> {
  const raw = JSON.parse(run("terraform", ["output", "-json", "-no-color"], { cwd: inst.dir, env: inst.env })) as Record<
    string,
    { value: string }
  >;
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, v.value]));
}

const claimed = new Set<string>();

/**
 * One benchmark process at a time per instance prefix: two `bench-`
 * instances share container names and host ports, and one run's clean-up
 * once removed the other's broker mid-run. The claim is a file holding the
 * owner's pid, released when the process exits; a dead owner's claim is
 * taken over. A process may prepare several instances of its own prefix
 * (one after the other, as observability-cost.ts does).
 */
function claimNaming(prefix: string): void {
  if (claimed.has(prefix)) return;
  const file = join(tmpdir(), `cdktf-messaging-bench-${prefix}instance.pid`);
  try {
    writeFileSync(file, String(process.pid), { flag: "wx" });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    const owner = Number(readFileSync(file, "utf8"));
    if (Number.isInteger(owner) && owner !== process.pid && isAlive(owner)) {
      throw new Error(
        `another benchmark (pid ${owner}) is using the "${prefix}" instance's names and ports: wait for it to finish, ` +
          `or run this one with names of its own (InstanceOptions.naming, as kafka-clients.ts does)`,
      );
    }
    writeFileSync(file, String(process.pid));
  }
  claimed.add(prefix);
  process.on("exit", () => {
    try {
      if (readFileSync(file, "utf8") === String(process.pid)) rmSync(file);
    } catch {
      // already gone
    }
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
