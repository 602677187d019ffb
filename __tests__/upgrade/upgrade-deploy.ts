/**
 * The upgrade suite's stacks (./upgrade-stack.ts) as the suite drives them:
 * synthesized into a folder outside the work tree, deployed with terraform
 * as a user deploys a synthesized stack (the provider from the local mirror,
 * TF_VAR_* secrets), and asked from the host only: the RabbitMQ management
 * API and AMQP on the ports the stack publishes on 127.0.0.1, the Prometheus
 * API, and `docker exec` for RabbitMQ's own CLI.
 */
import { createHash, randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as amqp from "amqplib";
import { repoRoot, run, runInBackground } from "../support/commands";
import { ensureOutsideClients } from "../faults/outside-clients";
import { containersLabelled, networksLabelled, volumesLabelled } from "../support/docker";
import { nodeNames, prometheusName, QUEUE, SHAPES, type UpgradeImages, type UpgradeShape } from "./upgrade-stack";

// One folder per clone, outside the work tree: the synthesized stacks, and beside them their local states.
const root = path.join(os.tmpdir(), `cdktf-docker-messaging-upgrade-${createHash("sha256").update(repoRoot).digest("hex").slice(0, 8)}`);

export const ADMIN_USER = "admin"; // RabbitMqBroker's default adminUser

export class UpgradeStack {
  readonly name: string;
  readonly broker: string;
  readonly nodes: string[];
  readonly prometheus: string;
  readonly stackDir: string;
  readonly stateFile: string;
  /** `127.0.0.1` AMQP ports, node by node. */
  readonly amqpPorts: number[];
  readonly managementUrl: string;
  readonly prometheusUrl: string;
  /** The secrets the stack asks for, fresh each run, given as a user gives them. */
  readonly credentials: Record<string, string>;
  readonly adminPassword = randomBytes(18).toString("base64url");

  constructor(readonly shape: UpgradeShape) {
    const s = SHAPES[shape];
    this.name = s.stack;
    this.broker = s.broker;
    this.nodes = nodeNames(shape);
    this.prometheus = prometheusName(shape);
    this.stackDir = path.join(root, "out", "stacks", this.name);
    this.stateFile = path.join(root, "state", `terraform.${this.name}.tfstate`);
    this.amqpPorts = this.nodes.map((_, i) => s.amqp + i);
    this.managementUrl = `http://127.0.0.1:${s.management}`;
    this.prometheusUrl = `http://127.0.0.1:${s.prometheus}`;
    const variable = this.broker.replace(/-/g, "_");
    this.credentials = {
      [`TF_VAR_${variable}_admin_password`]: this.adminPassword,
      ...(s.nodes > 1 ? { [`TF_VAR_${variable}_erlang_cookie`]: randomBytes(24).toString("base64url") } : {}),
    };
  }

  /** Writes the stack with `images` to its folder (the state stays where it is), then `terraform init` when not done yet. */
  synth(images: UpgradeImages): void {
    fs.mkdirSync(path.dirname(this.stateFile), { recursive: true });
    run(
      "node",
      [
        "-r",
        "./toolchain/ts-register.cjs",
        path.join("__tests__", "upgrade", "upgrade-stack.ts"),
        path.join(root, "out"),
        this.shape,
        images,
        this.stateFile,
      ],
      { timeoutSeconds: 120 },
    );
    if (!fs.existsSync(path.join(this.stackDir, ".terraform"))) this.terraform(["init", "-input=false"], [0], 120);
  }

  terraform(args: string[], okCodes = [0], timeoutSeconds = 300) {
    // The binary cdktf would run: terraform, or OpenTofu where toolchain/terraform.sh built it.
    const binary = process.env.TERRAFORM_BINARY_NAME || "terraform";
    return run(binary, [...args, "-no-color"], { cwd: this.stackDir, timeoutSeconds, okCodes, env: this.credentials });
  }

  apply(): number {
    return this.terraform(["apply", "-input=false", "-auto-approve"], [0], 420).seconds;
  }

  /** `terraform apply` without blocking the event loop (outside clients' output keeps being read meanwhile): its seconds. */
  async applyInBackground(): Promise<number> {
    const binary = process.env.TERRAFORM_BINARY_NAME || "terraform";
    const started = Date.now();
    const { code, output } = await runInBackground(
      binary,
      [`-chdir=${this.stackDir}`, "apply", "-input=false", "-auto-approve", "-no-color"],
      this.credentials,
    ).done;
    if (code !== 0) throw new Error(`terraform apply of ${this.name} exited ${code}:\n${output.slice(-6000)}`);
    return (Date.now() - started) / 1000;
  }

  /** `cdktf-messaging-roll` on the synthesized stack, as a user runs it (`npx cdktf-messaging-roll --stack-dir ...`). */
  roll(args: string[] = []) {
    return run("node", ["-r", "./toolchain/ts-register.cjs", "constructs/cli/rolling-replace.ts", "--stack-dir", this.stackDir, ...args], {
      timeoutSeconds: 600,
      okCodes: [0, 1, 2],
      env: this.credentials,
    });
  }

  private get label(): string {
    return `cdktf-docker-messaging.stack=${this.name}`;
  }

  /** What of the stack Docker still holds: its containers, networks and volumes (all labelled with the stack). */
  left(): { containers: string[]; networks: string[]; volumes: string[] } {
    return {
      containers: containersLabelled(this.label).map((c) => c.name),
      networks: networksLabelled(this.label),
      volumes: volumesLabelled(this.label),
    };
  }

  /** `terraform destroy` (the stack's volumes go too: dataRemovalPolicy "destroy"), then what is left. */
  destroy(): { seconds: number; left: ReturnType<UpgradeStack["left"]> } {
    const { seconds } = this.terraform(["destroy", "-input=false", "-auto-approve"], [0], 300);
    return { seconds, left: this.left() };
  }

  /** Removes what an earlier, interrupted run left: through its state first, then by label. */
  removeLeftovers(): void {
    if (fs.existsSync(this.stateFile)) {
      const destroyed = this.terraform(["destroy", "-input=false", "-auto-approve"], [0, 1], 240);
      if (destroyed.code !== 0)
        console.log(`leftover destroy of ${this.name} failed (cleaning by label):\n${destroyed.stderr.slice(-2000)}`);
      fs.rmSync(this.stateFile, { force: true });
    }
    const { containers, networks, volumes } = this.left();
    if (containers.length > 0) run("docker", ["rm", "-f", "-v", ...containers]);
    for (const network of networks) run("docker", ["network", "rm", network]);
    for (const volume of volumes) run("docker", ["volume", "rm", volume]);
  }

  /** Every long-running container of the stack (nodes, Prometheus) running and healthy; the set-up job exited 0. */
  healthy(): true | undefined {
    const containers = containersLabelled(this.label);
    const long = containers.filter((c) => c.name !== `${this.broker}-setup`);
    const names = long.map((c) => c.name).sort();
    if (JSON.stringify(names) !== JSON.stringify([...this.nodes, this.prometheus].sort())) return undefined;
    return long.every((c) => c.running && c.health === "healthy") ? true : undefined;
  }

  /**
   * `rabbitmqctl enable_feature_flag --opt-in khepri_db` in node 1, as the
   * README tells a cluster's operator to do before the upgrade (4.0 asks for
   * the opt-in: there it is not enabled by `enable_feature_flag all`).
   */
  enableKhepri() {
    return run("docker", ["exec", this.nodes[0], "rabbitmqctl", "enable_feature_flag", "--opt-in", "khepri_db"], { timeoutSeconds: 180 });
  }

  /** Each node's container id and the time its process started (a replacement or a restart changes them). */
  nodeProcesses(): string[] {
    return this.nodes.map((n) => run("docker", ["inspect", "-f", "{{.Name}} {{.Id}} {{.State.StartedAt}}", n]).stdout.trim());
  }

  /** The management API as the administrator, on node 1's published port. */
  async management(apiPath: string): Promise<any> {
    const response = await fetch(`${this.managementUrl}/api${apiPath}`, {
      headers: { authorization: "Basic " + Buffer.from(`${ADMIN_USER}:${this.adminPassword}`).toString("base64") },
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) throw new Error(`GET /api${apiPath}: HTTP ${response.status}`);
    return response.json();
  }

  /** The state of each feature flag, by name. */
  async featureFlags(): Promise<Record<string, string>> {
    const flags = (await this.management("/feature-flags")) as { name: string; state: string }[];
    return Object.fromEntries(flags.map((f) => [f.name, f.state]));
  }

  /** RabbitMQ's own view, from node 1: the running nodes and each node's version. */
  clusterStatus(): { running: string[]; versions: Record<string, string> } {
    const out = run("docker", ["exec", this.nodes[0], "rabbitmq-diagnostics", "-q", "cluster_status", "--formatter", "json"], {
      timeoutSeconds: 60,
    }).stdout;
    const status = JSON.parse(out) as { running_nodes: string[]; versions: Record<string, { rabbitmq_version: string }> };
    return {
      running: [...status.running_nodes].sort(),
      versions: Object.fromEntries(Object.entries(status.versions).map(([node, v]) => [node, v.rabbitmq_version])),
    };
  }

  /** The Erlang node names RabbitMQ gives the nodes: `rabbit@<container name>`. */
  get members(): string[] {
    return this.nodes.map((n) => `rabbit@${n}`).sort();
  }

  /**
   * ./confirmed_batch.py (pika, from the host): `publish` sends `count`
   * persistent messages of run `runId` to the stack's queue, each after the
   * previous one is confirmed; `consume` reads the queue to the end, by id.
   */
  confirmedBatch(mode: "publish" | "consume", count: number, runId: string): Record<string, any> {
    const args = [path.join(__dirname, "confirmed_batch.py"), mode, "--ports", this.amqpPorts.join(","), "--user", ADMIN_USER];
    const out = run(ensureOutsideClients(), [...args, "--queue", QUEUE, "--count", String(count), "--run-id", runId], {
      timeoutSeconds: 300,
      env: { OUTSIDE_CLIENT_PASSWORD: this.adminPassword, PYTHONUNBUFFERED: "1" },
    }).stdout;
    const line = out.trim().split("\n").pop() ?? "";
    return JSON.parse(line);
  }

  /** Messages ready in the stack's quorum queue, from a passive declare on any node that answers (exact, no statistics delay). */
  async queueDepth(queue = QUEUE): Promise<number> {
    let last: unknown;
    for (const port of this.amqpPorts) {
      let connection: Awaited<ReturnType<typeof amqp.connect>> | undefined;
      try {
        connection = await amqp.connect(`amqp://${ADMIN_USER}:${encodeURIComponent(this.adminPassword)}@127.0.0.1:${port}/%2F`);
        connection.on("error", () => {});
        const channel = await connection.createChannel();
        channel.on("error", () => {});
        return (await channel.checkQueue(queue)).messageCount;
      } catch (error) {
        last = error;
      } finally {
        await connection?.close().catch(() => {});
      }
    }
    throw new Error(`no node answered a passive declare of ${queue}: ${String(last)}`);
  }

  /** The Prometheus server's version (its build info). */
  async prometheusVersion(): Promise<string> {
    return (await prometheusApi(this.prometheusUrl, "/api/v1/status/buildinfo")).version;
  }

  /**
   * Every sample of `up` Prometheus holds in the minute up to `time` (epoch
   * s), each series by its labels: the raw samples (a range selector), so
   * the same answer before and after an upgrade means the same data on disk.
   * The window's start is left out (Prometheus 3 made range selectors
   * left-open; 2 includes a sample exactly there).
   */
  async upSamples(time: number): Promise<Record<string, [number, string][]>> {
    const data = await prometheusApi(this.prometheusUrl, `/api/v1/query?query=${encodeURIComponent("up[2m]")}&time=${time}`);
    if (data.resultType !== "matrix") throw new Error(`up[2m]: a ${data.resultType}, not a matrix`);
    const series: Record<string, [number, string][]> = {};
    for (const r of data.result as { metric: Record<string, string>; values: [number, string][] }[]) {
      const key = JSON.stringify(Object.fromEntries(Object.entries(r.metric).sort()));
      series[key] = r.values.filter(([t]) => t > time - 60 && t <= time);
    }
    return series;
  }
}

async function prometheusApi(base: string, apiPath: string): Promise<any> {
  const response = await fetch(`${base}${apiPath}`, { signal: AbortSignal.timeout(10_000) });
  const body = (await response.json()) as { status: string; data: any; error?: string };
  if (body.status !== "success") throw new Error(`Prometheus ${apiPath}: ${body.error ?? response.status}`);
  return body.data;
}
