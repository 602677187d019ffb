/**
 * The package on the containerd image store, Docker 29's default (the
 * machine's engine, 28.5.2, keeps the classic store, 28's default): a Docker
 * Engine 28.5.2 in a container from the test Swarm's engine image
 * (toolchain/test-swarm.sh; this suite runs after `test-swarm.sh up`), started
 * as test-swarm.sh's run_engine starts the Swarm's engines but with the
 * containerd snapshotter on, on no network of the Swarm, its API on
 * 127.0.0.1:23760. The images the stack names are loaded into it from the
 * machine's engine; it never pulls (`--dns 127.0.0.1`, for the engine and the
 * containers it runs: every outside name fails). Then a stack with one
 * RabbitMQ node, a quorum queue and the shipped producer and consumer, their
 * images built on that engine (containerd-store-stack.ts), is applied,
 * checked, planned again and destroyed.
 *
 * The steps build on each other and run in file order.
 */
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App, LocalBackend } from "cdktf";
import { DefaultImages } from "../../constructs";
import { type CommandResult, repoRoot, run, waitFor } from "../support/commands";
import { buildContainerdStoreStack, CONTAINERD_STORE_STACK, CONSUMER, PRODUCER, QUEUE, RABBITMQ } from "./containerd-store-stack";

jest.setTimeout(300_000);

/** The engine's container and its volume (/var/lib/docker: the managed containerd's content store and snapshots too). */
const ENGINE = "containerd-store-engine";
/** Marks what this suite made, so that a leftover is removed and nothing else is. */
const ENGINE_LABEL = "cdktf-docker-messaging.containerd-store-test=1";
/** Free in the repository: the test Swarm takes 127.0.0.1:23750..23753, the stacks' ports are elsewhere. */
const API = "tcp://127.0.0.1:23760";
/** Messages the producer sends (at 50 a second). */
const MESSAGES = 200;

const work = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-docker-messaging-containerd-store-"));
const stackDir = path.join(work, "out", "stacks", CONTAINERD_STORE_STACK);
const terraformBinary = process.env.TERRAFORM_BINARY_NAME || "terraform";
const credentials = {
  TF_VAR_containerd_store_rabbitmq_admin_password: randomBytes(18).toString("base64url"),
  TF_VAR_containerd_store_rabbitmq_credentials_key: randomBytes(24).toString("base64url"),
};
/** The images the stack names without building them (loaded into the engine by beforeAll). */
let loadedImages: string[] = [];
let deployed = false;
let applied = false;
const requireApplied = () => {
  if (!applied) throw new Error("the deploy failed (see the first test): this step was not run");
};

/** `docker ...` on the machine's engine. */
const docker = (args: string[], okCodes = [0]): CommandResult => run("docker", args, { okCodes, timeoutSeconds: 120 });
/** `docker -H <the containerd store engine> ...`. */
const engine = (args: string[], okCodes = [0]): CommandResult => run("docker", ["-H", API, ...args], { okCodes, timeoutSeconds: 120 });

/**
 * terraform in the stack's folder, with $DOCKER_HOST left at the machine's
 * engine (toolchain/env.sh): the images must still be built on the engine
 * the provider's `host` names. kreuzwerker/docker 4.6.0's BuildKit path
 * builds on $DOCKER_HOST's engine instead (measured with this stack: built
 * on the machine's engine, then "unable to pull image
 * containerd-store-rabbitmq-producer:...: lookup registry-1.docker.io"), so
 * ContainerImage.fromBuild sets `build.use_legacy_builder` when the
 * DockerHost's `host` is not $DOCKER_HOST's: this checks that it works, on
 * the containerd image store.
 */
const terraform = (args: string[], okCodes = [0], timeoutSeconds = 300): CommandResult =>
  run(terraformBinary, [`-chdir=${stackDir}`, ...args, "-no-color"], {
    env: credentials,
    okCodes,
    timeoutSeconds,
  });

/** What identifies an image's content on either store: the image id is the config digest on the classic store, the manifest digest on containerd's. */
const contentOf = (inspect: (args: string[], okCodes: number[]) => CommandResult, image: string): string | undefined => {
  const result = inspect(["image", "inspect", "-f", "{{json .RootFS.Layers}} {{.Created}}", image], [0, 1]);
  return result.code === 0 ? result.stdout.trim() : undefined;
};

/** The test Swarm's engine image (test-swarm.sh builds it, named by its recipe hash; older recipes' images are removed). */
function engineImage(): string {
  const images = docker(["images", "--format", "{{.Repository}}:{{.Tag}}", "cdktf-docker-messaging/test-swarm-engine"])
    .stdout.split("\n")
    .filter(Boolean);
  if (images.length === 0) throw new Error("no cdktf-docker-messaging/test-swarm-engine image: run toolchain/test-swarm.sh up first");
  return images[0];
}

/** Removes the engine's container and volume, when this suite made them. */
function removeEngine(): void {
  const labelled = docker(["ps", "-aq", "--filter", `name=^/${ENGINE}$`, "--filter", `label=${ENGINE_LABEL}`]).stdout.trim();
  if (labelled) docker(["rm", "-f", "-v", ENGINE]);
  if (docker(["volume", "ls", "-q", "--filter", `name=^${ENGINE}$`, "--filter", `label=${ENGINE_LABEL}`]).stdout.trim()) {
    docker(["volume", "rm", ENGINE]);
  }
}

/** The stack's containers on the engine, by name: running, health, exit code. */
function stackContainers(): Map<string, { running: boolean; health: string; exitCode: number }> {
  const ids = engine(["ps", "-aq", "--filter", `label=cdktf-docker-messaging.stack=${CONTAINERD_STORE_STACK}`])
    .stdout.split("\n")
    .filter(Boolean);
  if (ids.length === 0) return new Map();
  const inspected = JSON.parse(engine(["inspect", ...ids]).stdout) as any[];
  return new Map(
    inspected.map((c) => [
      String(c.Name).replace(/^\//, ""),
      { running: c.State.Running === true, health: c.State.Health?.Status ?? "none", exitCode: c.State.ExitCode },
    ]),
  );
}

/** The JSON lines an app's container wrote. */
function logLines(container: string): Array<Record<string, any>> {
  return engine(["logs", container])
    .stdout.split("\n")
    .flatMap((line) => {
      if (!line.startsWith("{")) return [];
      try {
        return [JSON.parse(line)];
      } catch {
        return [];
      }
    });
}

/** A counter of an app's last `stats` line. */
const lastCount = (container: string, counter: string): number =>
  Number(
    logLines(container)
      .filter((l) => l.event === "stats")
      .pop()?.[counter] ?? 0,
  );

beforeAll(async () => {
  // What an interrupted run left (only if it is this suite's).
  if (
    docker(["ps", "-aq", "--filter", `name=^/${ENGINE}$`]).stdout.trim() &&
    !docker(["ps", "-aq", "--filter", `name=^/${ENGINE}$`, "--filter", `label=${ENGINE_LABEL}`]).stdout.trim()
  ) {
    throw new Error(`a container named ${ENGINE} exists that this suite did not make: remove it`);
  }
  removeEngine();
  const started = Date.now();
  docker(["volume", "create", "--label", ENGINE_LABEL, ENGINE]);
  // As test-swarm.sh's run_engine (no --privileged: the sandbox refuses it; every other grant one by one; cgroups
  // mounted afresh by the image's entrypoint) with no Swarm network, registry forward or published stack ports, and
  // the containerd image store: `--feature containerd-snapshotter=true`, the dockerd flag of daemon.json's
  // `"features": {"containerd-snapshotter": true}` (moby v28.5.2 cmd/dockerd/config.go, daemon/daemon.go).
  // (docker run warns that a loopback --dns "may fail": that is the point.)
  docker([
    "run",
    "-d",
    "--name",
    ENGINE,
    "--hostname",
    ENGINE,
    "--label",
    ENGINE_LABEL,
    ...["--dns", "127.0.0.1", "--dns-opt", "timeout:1", "--dns-opt", "attempts:1"],
    ...["--cap-add", "ALL"],
    ...["--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined", "--security-opt", "systempaths=unconfined"],
    ...["--device-cgroup-rule", "a *:* rwm", "--cgroupns", "private", "--tmpfs", "/run", "--stop-timeout", "30"],
    ...["-v", `${ENGINE}:/var/lib/docker`, "-p", `${API.replace("tcp://", "")}:2375`],
    engineImage(),
    ...["--host", "unix:///var/run/docker.sock", "--host", "tcp://0.0.0.0:2375", "--tls=false"],
    ...["--default-cgroupns-mode", "private", "--dns", "127.0.0.1", "--feature", "containerd-snapshotter=true"],
  ]);
  await waitFor(
    `${ENGINE}'s API on ${API}`,
    90,
    () => (engine(["version", "-f", "{{.Server.Version}}"], [0, 1]).code === 0 ? true : undefined),
    500,
  );
  const engineSeconds = (Date.now() - started) / 1000;
  const info = engine(["info", "-f", "{{.Driver}} {{json .DriverStatus}}"]).stdout.trim();
  expect(info).toContain("io.containerd.snapshotter.v1");

  // The stack, synthesized first: the images it names without a build are the ones to load.
  const bundles = ["rabbitmq-producer", "rabbitmq-consumer"].map((app) => path.join(repoRoot, "apps", app, "dist", "main.js"));
  if (!bundles.every((f) => fs.existsSync(f))) run("node", ["apps/bundle.mjs"], { timeoutSeconds: 120 });
  const app = new App({ outdir: path.join(work, "out"), stackTraces: false });
  const stack = buildContainerdStoreStack(app, { host: API, messages: MESSAGES });
  new LocalBackend(stack, { path: path.join(work, `${CONTAINERD_STORE_STACK}.tfstate`) });
  app.synth();
  const images = JSON.parse(fs.readFileSync(path.join(stackDir, "cdk.tf.json"), "utf8")).resource.docker_image as Record<string, any>;
  loadedImages = [
    ...new Set(
      Object.values(images)
        .filter((i) => i.build === undefined)
        .map((i) => String(i.name)),
    ),
  ].sort();
  // RabbitMQ for the broker; Node for the setup job and as the apps' base image (FROM ${NODE_IMAGE}).
  expect(loadedImages).toEqual([DefaultImages.node, DefaultImages.rabbitmq].sort());
  const loading = Date.now();
  for (const image of loadedImages) {
    const wanted = contentOf(docker, image);
    if (wanted === undefined) throw new Error(`${image} is not on the machine's engine (toolchain/images.sh builds it)`);
    if (contentOf(engine, image) === wanted) continue;
    run("bash", ["-o", "pipefail", "-c", 'docker save "$1" | docker -H "$2" load -q', "load", image, API], { timeoutSeconds: 300 });
    expect(contentOf(engine, image)).toBe(wanted);
  }
  console.log(
    `containerd store: engine API up after ${engineSeconds.toFixed(1)} s, ${loadedImages.join(" and ")} loaded in ${((Date.now() - loading) / 1000).toFixed(1)} s`,
  );
});

afterAll(() => {
  try {
    if (deployed) terraform(["destroy", "-auto-approve", "-input=false"], [0, 1], 300);
  } finally {
    removeEngine();
    fs.rmSync(work, { recursive: true, force: true });
  }
});

test("the stack deploys on the containerd image store: its app images are built there, every container runs healthy", async () => {
  terraform(["init", "-input=false"], [0], 120);
  deployed = true;
  const started = Date.now();
  const apply = terraform(["apply", "-auto-approve", "-input=false"], [0], 300);
  applied = true;
  const long = [RABBITMQ, `${PRODUCER}-1`, `${CONSUMER}-1`];
  await waitFor(
    "the broker and both apps running and healthy on the engine",
    90,
    () => {
      const containers = stackContainers();
      return long.every((name) => containers.get(name)?.running && containers.get(name)?.health === "healthy") ? containers : undefined;
    },
    2000,
  );
  console.log(
    `containerd store: terraform apply ${apply.seconds.toFixed(1)} s, every container healthy after ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  expect(stackContainers().get(`${RABBITMQ}-setup`)).toMatchObject({ running: false, exitCode: 0 });
  // The apps run the images built on this engine, stored by containerd (an image id is a manifest digest there).
  const built = engine([
    "images",
    "--format",
    "{{.Repository}}",
    "--filter",
    `label=cdktf-docker-messaging.stack=${CONTAINERD_STORE_STACK}`,
  ]).stdout;
  expect(built.split("\n").filter(Boolean).sort()).toEqual([
    `${CONTAINERD_STORE_STACK}-rabbitmq-consumer`,
    `${CONTAINERD_STORE_STACK}-rabbitmq-producer`,
  ]);
});

test("messages flow from the producer through the quorum queue to the consumer", async () => {
  requireApplied();
  await waitFor(
    `the consumer to receive the ${MESSAGES} messages the producer confirmed`,
    90,
    () => (lastCount(`${PRODUCER}-1`, "confirmed") >= MESSAGES && lastCount(`${CONSUMER}-1`, "received") >= MESSAGES ? true : undefined),
    2000,
  );
  // The queue is RabbitMQ's quorum queue, emptied: its message count is read from metrics the queue updates every few
  // seconds (a read right after the last ack has said 1), so it is awaited too.
  const queue = () =>
    (
      JSON.parse(
        engine(["exec", RABBITMQ, "rabbitmqctl", "-q", "list_queues", "name", "type", "messages", "--formatter", "json"]).stdout,
      ) as Array<Record<string, unknown>>
    ).find((q) => q.name === QUEUE);
  await waitFor(`queue ${QUEUE} to be empty`, 30, () => (queue()?.messages === 0 ? true : undefined), 1000);
  expect(queue()).toEqual({ name: QUEUE, type: "quorum", messages: 0 });
});

test("a second plan shows no changes", () => {
  requireApplied();
  const plan = terraform(["plan", "-detailed-exitcode", "-input=false"], [0, 2], 120);
  expect(plan.stdout).toMatch(/No changes/);
  expect(plan.code).toBe(0);
});

test("destroy leaves no container, network, volume or built image of the stack on the engine", () => {
  requireApplied();
  terraform(["destroy", "-auto-approve", "-input=false"], [0], 300);
  deployed = false;
  expect(engine(["ps", "-aq"]).stdout.trim()).toBe("");
  expect(engine(["network", "ls", "--format", "{{.Name}}"]).stdout.split("\n").filter(Boolean).sort()).toEqual(["bridge", "host", "none"]);
  expect(engine(["volume", "ls", "-q"]).stdout.trim()).toBe("");
  // The loaded images stay (keep_locally: a pre-loaded image is not pulled again); the built ones go.
  expect(engine(["images", "--format", "{{.Repository}}:{{.Tag}}"]).stdout.split("\n").filter(Boolean).sort()).toEqual(loadedImages);
});
