/**
 * Faults injected into the nodes of the clusters example from the host: a
 * crash, a full outage (every node stopped, then started), a hung node, a
 * silently cut-off node, RabbitMQ's two resource alarms, and a rolling
 * replacement of every node with the package's own command. Each fault
 * has its undoing next to it, and every fault still in force is listed (`healAll` undoes them: a failed test must not
 * leave a paused node or a black hole behind for the next run or for
 * `terraform destroy`).
 *
 * None of them changes what terraform manages (networks, IPs, the
 * containers' configuration): a plan after the faults shows no changes.
 * `rabbitWhole` tells when RabbitMQ got over one (every node's own view).
 *
 * Used by the fault suite (faults.test.ts) and the failover benchmark
 * (bench/failover.ts).
 */
import * as fs from "fs";
import { run, runInBackground, withTimeout } from "../support/commands";
import { credentials, docker, KAFKA_NODES, RABBIT_NODES, runningContainerNames, stackDir } from "../e2e-cluster/cluster-stack";
import { partitionStates } from "../e2e-cluster/kafka-probes";
import { queueState } from "../e2e-cluster/rabbitmq-probes";

/** What `healAll` would undo, by container. */
const inForce = new Map<string, { fault: string; undo: () => void }>();

function remember(container: string, fault: string, undo: () => void): void {
  if (inForce.has(container)) throw new Error(`${container} already has a fault in force (${inForce.get(container)!.fault})`);
  inForce.set(container, { fault, undo });
}

/** The faults in force now, by container: `{ "cluster-kafka-2": "cut" }`. */
export function faultsInForce(): Record<string, string> {
  return Object.fromEntries([...inForce].map(([container, { fault }]) => [container, fault]));
}

/** Undoes every fault still in force (each at most once; errors are collected and thrown together at the end). */
export function healAll(): void {
  const errors: string[] = [];
  for (const [container, { fault, undo }] of [...inForce]) {
    try {
      undo();
    } catch (error) {
      errors.push(`${container} (${fault}): ${String(error)}`);
    }
    inForce.delete(container);
  }
  if (errors.length > 0) throw new Error(`could not heal every fault:\n${errors.join("\n")}`);
}

// ---------------------------------------------------------------------------
// A hung node: docker pause.

/**
 * Freezes every process of the container (the cgroup freezer): a hung node.
 * Its TCP connections stay open and its kernel still ACKs what arrives (the
 * socket buffers fill), but nothing answers: clients and peers see silence,
 * not a refusal or a reset, until a timeout or a heartbeat of their own says
 * so. Unlike a kill, the node comes back with all its state, as if nothing
 * had happened, and finds the cluster moved on without it.
 */
export function pause(container: string): void {
  remember(container, "pause", () => docker("unpause", container));
  docker("pause", container);
}

/** Thaws a paused container: its processes run on from where they were frozen. */
export function unpause(container: string): void {
  inForce.delete(container);
  docker("unpause", container);
}

// ---------------------------------------------------------------------------
// A crash and a full outage: the nodes' processes end.

/**
 * A crash: SIGKILL, no shutdown of any kind (what the kernel's OOM killer or
 * a lost host does). The containers stay down until `start`: `docker kill`
 * counts as a manual stop, so no restart policy brings them back.
 */
export function kill(...containers: string[]): void {
  for (const container of containers) remember(container, "kill", () => start(container));
  docker("kill", "-s", "KILL", ...containers);
}

/**
 * An orderly stop of several nodes at once (SIGTERM, then each container's
 * stop grace period; Docker stops them in parallel): with every node of a
 * cluster, a full outage, as a host reboot or a maintenance window makes it.
 */
export function stop(...containers: string[]): void {
  for (const container of containers) remember(container, "stop", () => start(container));
  docker("stop", ...containers);
}

/** Starts killed or stopped nodes again, together. */
export function start(...containers: string[]): void {
  for (const container of containers) inForce.delete(container);
  docker("start", ...containers);
}

// ---------------------------------------------------------------------------
// A silent network partition: iptables in the node's network namespace.

/**
 * Marks our rules, so that `heal` deletes exactly them and nothing Docker
 * (its DNS redirect lives in the same namespace's nat table) or anyone else
 * put there.
 */
const CUT_COMMENT = "cdktf-docker-messaging fault: cut";

/**
 * The rules of a cut, in the order they end up at the top of their chains:
 * loopback first (the node keeps talking to itself: RabbitMQ's CLI and epmd,
 * Kafka's own listeners on its own address, Docker's embedded DNS at
 * 127.0.0.11; a packet to the container's own IP goes over `lo` too), then
 * DROP for everything else.
 */
const CUT_RULES = [
  ["INPUT", "-i", "lo", "-j", "ACCEPT"],
  ["INPUT", "-j", "DROP"],
  ["OUTPUT", "-o", "lo", "-j", "ACCEPT"],
  ["OUTPUT", "-j", "DROP"],
].map(([chain, ...spec]) => ({ chain, spec: [...spec.slice(0, -2), "-m", "comment", "--comment", CUT_COMMENT, ...spec.slice(-2)] }));

/** iptables in the network namespace of a running container's init process, run from the host (the images have no iptables, and need none). */
function iptablesIn(container: string, args: string[], okCodes = [0]) {
  const pid = String(inspectState(container).Pid);
  if (pid === "0") throw new Error(`${container} is not running: it has no network namespace to cut`);
  return run("nsenter", ["-t", pid, "-n", "iptables", "-w", "5", ...args], { timeoutSeconds: 30, okCodes });
}

function inspectState(container: string): { Pid: number; Running: boolean; Paused: boolean } {
  return JSON.parse(docker("inspect", "-f", "{{json .State}}", container).stdout);
}

/**
 * Cuts a node off the network without a trace in Docker: every packet in or
 * out of the container's interfaces is dropped in its own network namespace
 * (iptables over nsenter from the host). Peers and clients see silence
 * (connects time out, sent data is retransmitted unanswered), never a refusal
 * or a reset; established connections stay open and carry on once healed.
 * The node's processes keep running and believe nothing happened: a
 * partition, not a crash. Its networks, aliases and IPs are untouched, so
 * terraform sees no drift (`docker network disconnect` would change them and
 * turn a published port into drift).
 *
 * Checked on this machine's kernel (6.18, iptables 1.8.9 nf_tables, Docker
 * 20.10): from another container on the same network, a TCP connect to a cut
 * container times out on an open port and on a closed one (a closed port is
 * refused when not cut), its name still resolves, an established connection
 * stalls and delivers the queued data after `heal`, and the cut container
 * still reaches itself on 127.0.0.1. IPv4 only: the stack's networks have no
 * IPv6, and cut refuses a container that has a global IPv6 address.
 */
export function cut(container: string): void {
  const networks = JSON.parse(docker("inspect", "-f", "{{json .NetworkSettings.Networks}}", container).stdout) as Record<
    string,
    { GlobalIPv6Address?: string }
  >;
  const v6 = Object.entries(networks).filter(([, n]) => n.GlobalIPv6Address);
  if (v6.length > 0) throw new Error(`${container} has IPv6 on ${v6.map(([name]) => name).join(", ")}: cut drops IPv4 only`);
  remember(container, "cut", () => heal(container));
  // -I puts a rule at the top: insert in reverse, so ACCEPT lo ends up above DROP in each chain.
  for (const rule of [...CUT_RULES].reverse()) iptablesIn(container, ["-I", rule.chain, ...rule.spec]);
}

/**
 * Ends a cut: deletes exactly the rules `cut` inserted (found by their
 * comment). A rule already gone (the container restarted in between: a new
 * namespace) is no error; a container that is not running has nothing to heal.
 */
export function heal(container: string): void {
  inForce.delete(container);
  if (!inspectState(container).Running) return;
  for (const rule of CUT_RULES) {
    // -C exits 1 when no such rule exists.
    if (iptablesIn(container, ["-C", rule.chain, ...rule.spec], [0, 1]).code === 0) iptablesIn(container, ["-D", rule.chain, ...rule.spec]);
  }
  const left = iptablesIn(container, ["-S"])
    .stdout.split("\n")
    .filter((line) => line.includes(CUT_COMMENT));
  if (left.length > 0) throw new Error(`${container}: cut rules left after heal: ${left.join("; ")}`);
}

// ---------------------------------------------------------------------------
// RabbitMQ resource alarms, raised on one node with its own CLI.

/** The limits a RabbitMQ node has in force (not the configured ones: the CLI changes these, not the application environment). */
export interface RabbitLimits {
  /** `{ relative: 0.6 }` (a fraction of the memory the node sees) or `{ absolute: bytes }`. */
  readonly memoryWatermark: { readonly relative: number } | { readonly absolute: number };
  /** The watermark in bytes. */
  readonly memoryLimitBytes: number;
  /** The free disk space below which the disk alarm is on, bytes (the default is 50000000). */
  readonly diskFreeLimitBytes: number;
  /** Resource alarms in force in the cluster, as the node reports them: `["memory@rabbit@cluster-rabbitmq-1"]`. */
  readonly alarms: string[];
}

function rabbitmqctl(node: string, ...args: string[]) {
  return run("docker", ["exec", node, ...args], { timeoutSeconds: 60 });
}

/** The node's limits in force and the alarms it knows of, from `rabbitmq-diagnostics status`. */
export function rabbitLimits(node: string): RabbitLimits {
  const status = JSON.parse(rabbitmqctl(node, "rabbitmq-diagnostics", "-q", "status", "--formatter", "json").stdout);
  return {
    memoryWatermark: status.vm_memory_high_watermark_setting,
    memoryLimitBytes: status.vm_memory_high_watermark_limit,
    diskFreeLimitBytes: status.disk_free_limit,
    alarms: (status.alarms as { node: string; resource: string }[]).map((a) => `${a.resource}@${a.node}`).sort(),
  };
}

/**
 * A memory alarm on one node: its memory watermark set to 1 MB (a node uses
 * tens of MB at rest). The node is otherwise healthy; the alarm blocks every
 * publishing connection of the whole cluster (alarms are cluster-wide), not
 * only the node's own, while consumers go on. What an operator sees when a
 * node runs out of memory, without running out of memory. Returns the limits
 * the node had, for `restoreMemoryWatermark`.
 */
export function memoryAlarm(node: string): RabbitLimits {
  const before = rabbitLimits(node);
  remember(node, "memory alarm", () => restoreMemoryWatermark(node, before));
  rabbitmqctl(node, "rabbitmqctl", "set_vm_memory_high_watermark", "absolute", "1MB");
  return before;
}

/** Puts back the memory watermark the node had, in the same form (a fraction, or bytes), and checks it is in force. */
export function restoreMemoryWatermark(node: string, before: RabbitLimits): void {
  inForce.delete(node);
  const w = before.memoryWatermark;
  if ("relative" in w) rabbitmqctl(node, "rabbitmqctl", "set_vm_memory_high_watermark", String(w.relative));
  else rabbitmqctl(node, "rabbitmqctl", "set_vm_memory_high_watermark", "absolute", String(w.absolute));
  const now = rabbitLimits(node);
  if (JSON.stringify(now.memoryWatermark) !== JSON.stringify(w) || now.memoryLimitBytes !== before.memoryLimitBytes) {
    throw new Error(`${node}: memory watermark not restored: ${JSON.stringify(now)} instead of ${JSON.stringify(before)}`);
  }
}

/**
 * A disk alarm on one node: its free-disk limit set to 1 EB, more than any
 * disk has free. Blocks every publisher of the cluster like the memory
 * alarm, without filling a disk. Returns the limits the node had, for
 * `restoreDiskFreeLimit`.
 */
export function diskAlarm(node: string): RabbitLimits {
  const before = rabbitLimits(node);
  remember(node, "disk alarm", () => restoreDiskFreeLimit(node, before));
  rabbitmqctl(node, "rabbitmqctl", "set_disk_free_limit", "1000000000000000000");
  return before;
}

/**
 * Puts back the free-disk limit the node had (in bytes: the form the node
 * reports; the same limit whether it was configured in bytes or, unlike this
 * stack, relative to memory) and checks it is in force.
 */
export function restoreDiskFreeLimit(node: string, before: RabbitLimits): void {
  inForce.delete(node);
  rabbitmqctl(node, "rabbitmqctl", "set_disk_free_limit", String(before.diskFreeLimitBytes));
  const now = rabbitLimits(node);
  if (now.diskFreeLimitBytes !== before.diskFreeLimitBytes) {
    throw new Error(`${node}: disk free limit not restored: ${now.diskFreeLimitBytes} instead of ${before.diskFreeLimitBytes}`);
  }
}

// ---------------------------------------------------------------------------
// A full data volume: the node's volume on a small filesystem of its own.

/** Where the small filesystems' images live: on the host's disk, named so that a failed run's are found again. */
const SMALL_VOLUME_DIR = "/var/tmp";
const SMALL_VOLUME_PREFIX = "cdktf-messaging-fault-volume-";
/** The filler `fill` writes into the volume's top folder (not a partition's folder: Kafka's log manager skips plain files there). */
const FILLER = "fault-filler";

/** The host folder of the volume a container mounts at `destination` (the local driver's `_data`). */
function volumeFolder(container: string, destination: string): { name: string; folder: string } {
  const mounts = JSON.parse(docker("inspect", "-f", "{{json .Mounts}}", container).stdout) as {
    Type: string;
    Name?: string;
    Source: string;
    Destination: string;
  }[];
  const mount = mounts.find((m) => m.Destination === destination && m.Type === "volume");
  if (!mount?.Name) throw new Error(`${container} mounts no volume at ${destination}: ${JSON.stringify(mounts)}`);
  return { name: mount.Name, folder: mount.Source };
}

function sh(script: string, timeoutSeconds = 120) {
  return run("sh", ["-euc", script], { timeoutSeconds });
}

/**
 * Puts the volume a node mounts at `destination` on an ext4 filesystem of
 * `sizeMiB` of its own: a node's data volume is a folder on the host's disk
 * (the local driver), so filling it would fill the host's disk and every
 * other container's. The node is stopped, its data copied into the new
 * filesystem (an image file under /var/tmp, loop-mounted over the volume's
 * folder: the node's own data, owner and modes as they were), and started
 * again. Docker and terraform see the same volume, path and container (no
 * drift); a node that replaces this container later (a roll) mounts the
 * same small filesystem. `releaseSmallVolumes` undoes it before a destroy.
 *
 * `-m 0` reserves no blocks for root: the node's user (not root) and the
 * filler see the same free space. No `lost+found`: Kafka takes every folder
 * in a log dir for a partition's and refuses to start on one that is not.
 */
export function smallVolume(container: string, destination: string, sizeMiB: number): void {
  const { name, folder } = volumeFolder(container, destination);
  const image = `${SMALL_VOLUME_DIR}/${SMALL_VOLUME_PREFIX}${name}.img`;
  stop(container);
  sh(`
    rm -f '${image}'
    fallocate -l ${sizeMiB}M '${image}'
    mkfs.ext4 -q -F -m 0 '${image}'
    staging=$(mktemp -d)
    mount -o loop '${image}' "$staging"
    rmdir "$staging/lost+found"
    cp -a '${folder}/.' "$staging/"
    chown --reference='${folder}' "$staging"
    chmod --reference='${folder}' "$staging"
    umount "$staging"
    rmdir "$staging"
    mount -o loop '${image}' '${folder}'
  `);
  start(container);
}

/**
 * Takes every free block of the small filesystem under the node's volume
 * (one file of zeros, written from the host until the disk is full): the
 * node's next write that needs a block fails with ENOSPC, as on a disk that
 * filled up. `unfill` deletes the file.
 */
export function fill(container: string, destination: string): void {
  const { folder } = volumeFolder(container, destination);
  if (!smallVolumeImages().some((i) => i.folder === folder)) {
    throw new Error(
      `${container}: ${folder} is not on a small filesystem of its own (smallVolume first): filling it would fill the host's disk`,
    );
  }
  remember(container, "full volume", () => unfill(container, destination));
  // dd stops at ENOSPC (exit 1); sync so that the blocks are taken now, not at writeback.
  run("dd", ["if=/dev/zero", `of=${folder}/${FILLER}`, "bs=1M"], { timeoutSeconds: 120, okCodes: [0, 1] });
  run("sync", ["-f", `${folder}/${FILLER}`], { timeoutSeconds: 60 });
}

/** Frees what `fill` took. */
export function unfill(container: string, destination: string): void {
  inForce.delete(container);
  const { folder } = volumeFolder(container, destination);
  fs.rmSync(`${folder}/${FILLER}`, { force: true });
}

/** The small filesystems in place now: each image and the volume folder it is mounted on. */
function smallVolumeImages(): { image: string; folder: string }[] {
  const lines = run("losetup", ["--list", "--noheadings", "--output", "NAME,BACK-FILE"]).stdout.split("\n").filter(Boolean);
  const images = lines
    .map((line) => line.trim().split(/\s+/))
    .filter(([, backing]) => backing?.startsWith(`${SMALL_VOLUME_DIR}/${SMALL_VOLUME_PREFIX}`));
  return images.flatMap(([device, image]) =>
    run("findmnt", ["--noheadings", "--output", "TARGET", "--source", device!], { okCodes: [0, 1] })
      .stdout.split("\n")
      .filter(Boolean)
      .map((folder) => ({ image: image!, folder: folder.trim() })),
  );
}

/**
 * Takes every small filesystem off its volume folder and deletes its image
 * (also a failed run's). The host's mount goes at once (lazily: a running
 * node keeps its own until it stops, and the loop device goes with the last
 * mount), so `terraform destroy` can remove the volume; its data is not
 * copied back (it is about to be destroyed).
 */
export function releaseSmallVolumes(): void {
  for (const { folder } of smallVolumeImages()) run("umount", ["-l", folder], { timeoutSeconds: 60 });
  for (const file of fs.readdirSync(SMALL_VOLUME_DIR)) {
    if (file.startsWith(SMALL_VOLUME_PREFIX)) fs.rmSync(`${SMALL_VOLUME_DIR}/${file}`, { force: true });
  }
}

// ---------------------------------------------------------------------------
// A rolling restart, the way this package does it.

/** What a rolling replacement did. */
export interface RollResult {
  readonly seconds: number;
  /** The fewest nodes of each broker seen running (looked at every 0.5 s): 2 when one node at a time was down. */
  readonly fewestRunning: Record<string, number>;
  /** The command's own progress lines (` roll: `). */
  readonly progress: string[];
}

/**
 * Replaces every node of the named brokers, one node of each at a time, with
 * the package's rolling command (`cdktf-messaging-roll --replace`, bin of
 * constructs/cli/rolling-replace.ts: a new container per node, the next only
 * once its cluster can lose one), as an operator restarts a cluster for a
 * new image or a kernel patch. Resolves when the command ends; throws with
 * its output if it failed.
 */
export async function rollingReplace(brokers: readonly (keyof typeof NODES_OF)[]): Promise<RollResult> {
  const started = Date.now();
  const roll = runInBackground(
    "node",
    [
      "-r",
      "./toolchain/ts-register.cjs",
      "constructs/cli/rolling-replace.ts",
      "--stack-dir",
      stackDir,
      "--replace",
      ...brokers.flatMap((broker) => ["--broker", broker]),
    ],
    credentials,
  );
  const fewestRunning = Object.fromEntries(brokers.map((broker) => [broker, NODES_OF[broker].length]));
  let rolling = true;
  const watching = (async () => {
    while (rolling) {
      const running = runningContainerNames();
      for (const broker of brokers)
        fewestRunning[broker] = Math.min(fewestRunning[broker], NODES_OF[broker].filter((n) => running.has(n)).length);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  })();
  const result = await roll.done;
  rolling = false;
  await watching;
  if (result.code !== 0) throw new Error(`the roll failed (exit ${result.code}):\n${result.output.slice(-6000)}`);
  const progress = result.output.split("\n").filter((l) => l.includes(" roll: "));
  return { seconds: (Date.now() - started) / 1000, fewestRunning, progress };
}

/** Each broker's node containers, by the broker's name (what `--broker` takes). */
const NODES_OF = { "cluster-rabbitmq": RABBIT_NODES, "cluster-kafka": KAFKA_NODES } as const;

// ---------------------------------------------------------------------------
// Telling that a cluster got over a fault.

/** Each RabbitMQ node's own view of the cluster (asked in parallel): the nodes it sees running, and the partitions it has recorded. */
export async function rabbitViews(): Promise<
  { node: string; running?: string[]; partitions?: Record<string, string[]>; error?: string }[]
> {
  return Promise.all(
    RABBIT_NODES.map(async (node) => {
      const { code, output } = await withTimeout(
        runInBackground("docker", ["exec", node, "rabbitmq-diagnostics", "-q", "cluster_status", "--formatter", "json"]).done,
        30_000,
        `${node} cluster_status`,
      ).catch((error: Error) => ({ code: -1, output: error.message }));
      try {
        if (code !== 0) throw new Error(`exit ${code}`);
        const status = JSON.parse(output.slice(output.indexOf("{")));
        return { node, running: [...status.running_nodes].sort(), partitions: status.partitions };
      } catch (error) {
        return { node, error: `${String(error)}: ${output.slice(-200)}` };
      }
    }),
  );
}

/**
 * RabbitMQ whole: every node sees the 3 nodes running and has recorded no
 * partition, and the quorum queue has its 3 members online. (Asking one node
 * is not enough: after a partition each side may see only itself.)
 */
export async function rabbitWhole(): Promise<boolean> {
  const views = await rabbitViews();
  const agreed = views.every((v) => v.running?.length === 3 && Object.keys(v.partitions ?? {}).length === 0);
  return agreed && queueState().online.length === 3;
}

/** Kafka whole: every partition of the example's topic has its 3 replicas in sync. */
export async function kafkaWhole(): Promise<boolean> {
  const states = await withTimeout(partitionStates(), 20_000, "partition states");
  return states.length === 3 && states.every((p) => p.isr.length === 3);
}

// ---------------------------------------------------------------------------
// The node faults the benchmark and the suite share: what they do, how long they are held.

export interface NodeFault {
  readonly name: "pause" | "cut";
  /** How long the suite holds the fault before healing it. */
  readonly holdSeconds: number;
  inject(container: string): void;
  heal(container: string): void;
}

/** How long a full outage (every node stopped) lasts before the nodes are started again. */
export const OUTAGE_SECONDS = 5;

export const NODE_FAULTS: Record<NodeFault["name"], NodeFault> = {
  // Longer than Kafka's broker session timeout (3 s in the clusters, kafka-node-config.ts: the controller fences the
  // node and moves its leaderships) and the rabbitmq-producer's confirm deadline (3 s); shorter than RabbitMQ's
  // net_ticktime (60 s: its peers never call the node down; rabbitmq-node-config.ts says why it stays there).
  pause: { name: "pause", holdSeconds: 20, inject: pause, heal: unpause },
  cut: { name: "cut", holdSeconds: 30, inject: cut, heal },
};
