/**
 * End to end on a 3-node Kafka cluster: the kafka-cluster example stack
 * (buildKafkaClusterStack in ../support/example-stacks.ts: KRaft, every node a
 * voter, replication factor 3, min.insync.replicas 2, an endless idempotent
 * acks=all producer at 50 msg/s and a consumer group) synthesized by
 * ./cluster-app.ts into a folder of its own and deployed the way a user
 * deploys a synthesized stack: `terraform init` + `terraform apply` in its
 * stack folder, with the provider from the local mirror (toolchain/env.sh)
 * and the local images. The tests reach the cluster from the host only
 * through the ports it publishes on 127.0.0.1 (39192-39194), and break it
 * with the docker CLI: kill a partition leader under traffic, start it again,
 * stop and start the whole cluster.
 *
 * The steps build on each other, so they run in file order; each one names
 * what it proves. Every wait is time-boxed. Measurements (deploy time,
 * confirmed/consumed/duplicates, failover gap bounds, rejoin time) are
 * printed with console.log and in one line at the end.
 *
 * Set E2E_CLUSTER_KEEP=1 to keep a failed run's cluster for a look (the next
 * run removes it first in any case).
 */
import { createHash, randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Admin, Kafka, logLevel } from "kafkajs";
import { repoRoot, run, waitFor } from "../support/commands";
import { containersLabelled, jsonLogLines, networksLabelled, volumesLabelled } from "../support/docker";

jest.setTimeout(300_000); // each step passes its own, smaller time box

const STACK = "kafka-cluster";
const stackLabel = `cdktf-docker-messaging.stack=${STACK}`;
const NODES = ["cluster-kafka-1", "cluster-kafka-2", "cluster-kafka-3"];
const PRODUCER = "cluster-producer-1";
const CONSUMER = "cluster-consumer-1";
const TOPICS_JOB = "cluster-kafka-topics";
const CONTAINERS = [...NODES, CONSUMER, PRODUCER, TOPICS_JOB];
const NETWORKS = ["kafka-cluster"];
const VOLUMES = NODES.map((node) => `${node}-data`);
const TOPIC = "cluster.events";
const GROUP = "cluster-consumers";
const HOST_BROKERS = ["127.0.0.1:39192", "127.0.0.1:39193", "127.0.0.1:39194"];
/** The apps' STATS_INTERVAL_SECONDS (their default): the resolution of anything read from `stats` lines. */
const STATS_INTERVAL_MS = 5000;

// Outside the work tree (nothing to ignore or to commit by mistake), one
// folder per clone; the local state stays where cdktf puts it: repoRoot/terraform.kafka-cluster.tfstate.
const outdir = path.join(
  os.tmpdir(),
  `cdktf-docker-messaging-e2e-cluster-${createHash("sha256").update(repoRoot).digest("hex").slice(0, 8)}`,
);
const stackDir = path.join(outdir, "stacks", STACK);
const stateFile = path.join(repoRoot, `terraform.${STACK}.tfstate`);

const measured: Record<string, unknown> = {};
const suiteStarted = Date.now();
let deployed = false;

// ---------------------------------------------------------------- tools

function terraform(args: string[], okCodes = [0], timeoutSeconds = 300) {
  // The binary cdktf would run: terraform, or OpenTofu where toolchain/terraform.sh built it.
  const binary = process.env.TERRAFORM_BINARY_NAME || "terraform";
  return run(binary, [...args, "-no-color"], { cwd: stackDir, timeoutSeconds, okCodes });
}

/** Synthesizes the stack as `npm run synth` does the default one (apps bundled first), then `terraform init`. */
function synthAndInit(): void {
  run("node", ["apps/bundle.mjs"], { timeoutSeconds: 120 });
  run("node", ["-r", "./toolchain/ts-register.cjs", path.join("__tests__", "e2e-cluster", "cluster-app.ts"), outdir], {
    timeoutSeconds: 120,
  });
  terraform(["init", "-input=false"], [0], 120);
}

function docker(...args: string[]) {
  return run("docker", args, { timeoutSeconds: 120 });
}

function inspect(container: string): any {
  return JSON.parse(docker("inspect", container).stdout)[0];
}

const stackContainers = () => containersLabelled(stackLabel).filter((c) => CONTAINERS.includes(c.name));
const stackNetworks = () => networksLabelled(stackLabel).filter((n) => NETWORKS.includes(n));
const stackVolumes = () => volumesLabelled(stackLabel).filter((v) => VOLUMES.includes(v));

/** Every long-running container of the stack running and healthy (the topics job is one-shot). */
function allRunningAndHealthy(): true | undefined {
  const long = stackContainers().filter((c) => c.name !== TOPICS_JOB);
  const ready = long.length === CONTAINERS.length - 1 && long.every((c) => c.running && c.health === "healthy");
  return ready ? true : undefined;
}

/** Polls an async probe, each call bounded by what is left of the time, until it returns a value; fails after `timeoutSeconds`. */
function waitForAsync<T>(what: string, timeoutSeconds: number, probe: () => Promise<T | undefined>, intervalMs = 2000): Promise<T> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  return waitFor(what, timeoutSeconds, () => withTimeout(probe(), Math.max(1000, deadline - Date.now()), what), intervalMs);
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${Math.round(ms / 1000)} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// ---------------------------------------------------------------- Kafka from the host

function hostKafka(brokers = HOST_BROKERS): Kafka {
  return new Kafka({
    clientId: "e2e-cluster",
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3000,
    requestTimeout: 15000,
    retry: { retries: 3, initialRetryTime: 300, maxRetryTime: 2000 },
  });
}

async function withAdmin<T>(use: (admin: Admin) => Promise<T>, brokers = HOST_BROKERS): Promise<T> {
  const admin = hostKafka(brokers).admin();
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

interface PartitionState {
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
}

const byPartition = (a: { partition: number }, b: { partition: number }) => a.partition - b.partition;

/** Leader, replicas and ISR of each partition of the topic, from the cluster's metadata. */
function partitionStates(): Promise<PartitionState[]> {
  return withAdmin(async (admin) => {
    const { topics } = await admin.fetchTopicMetadata({ topics: [TOPIC] });
    return topics[0].partitions
      .map((p) => ({ partition: p.partitionId, leader: p.leader, replicas: [...p.replicas].sort(), isr: [...p.isr].sort() }))
      .sort(byPartition);
  });
}

/** The same, as Kafka's own tool prints it, run inside a node (a JVM: seconds on a busy host). */
function describeTopic(node: string): PartitionState[] {
  const { stdout } = run(
    "docker",
    [
      "exec",
      "-e", "KAFKA_HEAP_OPTS=-Xmx96m",
      "-e", "KAFKA_JVM_PERFORMANCE_OPTS=-XX:+UseSerialGC -XX:TieredStopAtLevel=1",
      node,
      "/opt/kafka/bin/kafka-topics.sh", "--bootstrap-server", `${node}:9092`, "--describe", "--topic", TOPIC,
    ],
    { timeoutSeconds: 120 },
  );
  const list = (s: string) => s.split(",").filter(Boolean).map(Number).sort();
  return [...stdout.matchAll(/Partition:\s*(\d+)\s+Leader:\s*(-?\d+)\s+Replicas:\s*([\d,]+)\s+Isr:\s*([\d,]*)/g)]
    .map((m) => ({ partition: Number(m[1]), leader: Number(m[2]), replicas: list(m[3]), isr: list(m[4]) }))
    .sort(byPartition);
}

interface Offsets {
  high: Record<number, number>;
  committed: Record<number, number>;
}

/** High watermarks of the topic and the offsets committed by the apps' consumer group. */
function offsets(): Promise<Offsets> {
  return withAdmin(async (admin) => {
    const high = await admin.fetchTopicOffsets(TOPIC);
    const [committed] = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
    return {
      high: Object.fromEntries(high.map((p) => [p.partition, Number(p.high)])),
      committed: Object.fromEntries(committed.partitions.map((p) => [p.partition, Number(p.offset)])),
    };
  });
}

const sum = (values: Record<number, number>) => Object.values(values).reduce((a, b) => a + b, 0);

interface TopicRecord {
  partition: number;
  offset: number;
  seq: number;
  sentAt: number;
}

/** Every record of the topic up to the current high watermarks, read from the host by a throwaway group. */
async function readTopic(): Promise<TopicRecord[]> {
  const { high } = await offsets();
  const next = new Map<number, number>();
  const records: TopicRecord[] = [];
  const consumer = hostKafka().consumer({ groupId: `e2e-cluster-audit-${randomBytes(4).toString("hex")}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    const complete = () => Object.entries(high).every(([p, h]) => (next.get(Number(p)) ?? 0) >= h);
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        if (complete()) return resolve();
        consumer
          .run({
            eachBatch: async ({ batch }) => {
              for (const message of batch.messages) {
                const body = JSON.parse(message.value?.toString() ?? "{}");
                records.push({ partition: batch.partition, offset: Number(message.offset), seq: body.seq, sentAt: body.sentAt });
                next.set(batch.partition, Number(message.offset) + 1);
              }
              if (complete()) resolve();
            },
          })
          .catch(reject);
      }),
      90_000,
      `reading ${sum(high)} records of ${TOPIC}`,
    );
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
  return records;
}

// ---------------------------------------------------------------- the apps' logs

/** The app's JSON lines since its process last started (a `docker start` begins a new run in the same log). */
function currentRun(container: string): Array<Record<string, any>> {
  const lines = jsonLogLines(container);
  const start = lines.map((l) => l.event).lastIndexOf("starting");
  return start >= 0 ? lines.slice(start) : lines;
}

interface Stats extends Record<string, any> {
  t: number;
}

function statsOf(container: string): Stats[] {
  return currentRun(container)
    .filter((l) => l.event === "stats")
    .map((l) => ({ ...l, t: Date.parse(l.ts) }));
}

/** What the consumer has processed, duplicates not counted, as of its last `stats` line. */
function consumerDistinct(after = 0): { distinct: number; received: number; duplicates: number } | undefined {
  const last = statsOf(CONSUMER).pop();
  if (!last || last.t <= after) return undefined;
  return { distinct: last.received - last.duplicates, received: last.received, duplicates: last.duplicates };
}

/**
 * Stops the producer the way Docker stops it (SIGTERM; the app drains what is
 * in flight, at most 8 s, and exits 0) and returns its final counters.
 */
function stopProducer(): { confirmed: number; sent: number; unconfirmed: number; startedAt: number; stoppedAt: number; exitCode: number } {
  docker("stop", "-t", "20", PRODUCER);
  const lines = currentRun(PRODUCER);
  const shutdown = lines.filter((l) => l.event === "shutdown").pop();
  if (!shutdown) throw new Error(`${PRODUCER} stopped without a shutdown line; its last lines: ${JSON.stringify(lines.slice(-3))}`);
  return {
    confirmed: shutdown.confirmed,
    sent: shutdown.sent,
    unconfirmed: shutdown.unconfirmed,
    startedAt: Date.parse(lines[0].ts),
    stoppedAt: Date.parse(shutdown.ts),
    exitCode: inspect(PRODUCER).State.ExitCode,
  };
}

/**
 * With the producer stopped: waits until the consumer group has committed up
 * to the high watermark of every partition, then for the consumer's next
 * `stats` line, and returns both.
 */
async function consumerCaughtUp(): Promise<{ offsets: Offsets; consumed: { distinct: number; received: number; duplicates: number } }> {
  const caught = await waitForAsync("the consumer group to commit up to the high watermarks", 90, async () => {
    const o = await offsets();
    return Object.entries(o.high).every(([p, h]) => o.committed[Number(p)] === h) ? o : undefined;
  });
  const at = Date.now();
  const consumed = await waitFor(`a ${CONSUMER} stats line after it caught up`, 3 * (STATS_INTERVAL_MS / 1000), () => consumerDistinct(at));
  return { offsets: caught, consumed };
}

/**
 * Bounds on the longest stretch without a confirm around the kill, from the
 * producer's stats lines (cumulative `confirmed`, one line every 5 s):
 * - upper: an interval between two lines in which `confirmed` grew holds a
 *   confirm, so a confirm-free stretch fits inside (t[p-1], t[q]) for two
 *   consecutive such intervals p < q; the largest such span from the kill to
 *   the recovery is the bound (its resolution: the stats interval, 5 s);
 * - lower: the producer has one send in flight at a time and nothing is
 *   confirmed while it is pending, so the longest publish-to-confirm latency
 *   (`latencyMaxMs`) after the kill is a stretch without a confirm.
 */
function failoverGapBounds(stats: Stats[], killAt: number, recoveredAt: number): { lowerMs: number; upperMs: number } {
  const growing: number[] = [];
  for (let k = 1; k < stats.length; k++) if (stats[k].confirmed > stats[k - 1].confirmed) growing.push(k);
  let upperMs = 0;
  for (let i = 1; i < growing.length; i++) {
    const from = stats[growing[i - 1] - 1].t;
    const to = stats[growing[i]].t;
    if (to >= killAt && from <= recoveredAt) upperMs = Math.max(upperMs, to - from);
  }
  const after = stats.filter((s) => s.t > killAt && s.t <= recoveredAt);
  const lowerMs = Math.max(0, ...after.map((s) => Number(s.latencyMaxMs ?? 0)));
  return { lowerMs, upperMs };
}

// ---------------------------------------------------------------- the suite

beforeAll(() => {
  const config = process.env.TF_CLI_CONFIG_FILE;
  if (!config || !fs.existsSync(config)) {
    throw new Error("TF_CLI_CONFIG_FILE names no file: run `bash toolchain/setup.sh && . toolchain/env.sh` first");
  }
  const started = Date.now();
  synthAndInit();
  // A stack left by an earlier, interrupted run would make the deploy a no-op
  // (or a partial one): destroy it through its state first...
  if (fs.existsSync(stateFile)) {
    const destroyed = terraform(["destroy", "-input=false", "-auto-approve"], [0, 1], 180);
    if (destroyed.code !== 0) console.log(`leftover destroy failed (cleaning by label instead):\n${destroyed.stderr.slice(-2000)}`);
  }
  // ...and remove by label and name what a run without state (another clone, a
  // deleted state file) left: it would hold the names and host ports.
  const leftovers = stackContainers().map((c) => c.id);
  if (leftovers.length > 0) run("docker", ["rm", "-f", "-v", ...leftovers]);
  for (const network of stackNetworks()) run("docker", ["network", "rm", network]);
  for (const volume of stackVolumes()) run("docker", ["volume", "rm", volume]);
  measured.prepareSeconds = (Date.now() - started) / 1000;
}, 300_000);

afterAll(() => {
  // A failed run leaves a 3-node cluster with an endless producer running on a
  // shared host: remove it unless asked to keep it (the next run would anyway).
  if (deployed && process.env.E2E_CLUSTER_KEEP !== "1") {
    const destroyed = terraform(["destroy", "-input=false", "-auto-approve"], [0, 1], 180);
    if (destroyed.code !== 0) console.log(`cleanup destroy failed:\n${destroyed.stderr.slice(-2000)}`);
  }
  measured.suiteSeconds = (Date.now() - suiteStarted) / 1000;
  console.log(`e2e-cluster measurements: ${JSON.stringify(measured)}`);
}, 240_000);

// State the steps hand on.
let killedNode = "";
let appsStartedAt: Record<string, string> = {};

describe("given the kafka-cluster stack deployed with terraform apply", () => {
  test("then all 3 nodes and both apps run healthy, every partition has 3 in-sync replicas, and host clients reach the cluster on 127.0.0.1", async () => {
    const started = Date.now();
    deployed = true; // from here on, afterAll cleans up
    measured.applySeconds = terraform(["apply", "-input=false", "-auto-approve"], [0], 360).seconds;
    await waitFor("every container of the stack running and healthy", 180, allRunningAndHealthy);
    measured.deployToHealthySeconds = (Date.now() - started) / 1000;
    console.log(`deployed: terraform apply ${measured.applySeconds} s, healthy after ${measured.deployToHealthySeconds} s`);

    const containers = stackContainers();
    expect(containers.map((c) => c.name).sort()).toEqual([...CONTAINERS].sort());
    const topicsJob = inspect(TOPICS_JOB).State;
    expect({ status: topicsJob.Status, exitCode: topicsJob.ExitCode }).toEqual({ status: "exited", exitCode: 0 });
    appsStartedAt = Object.fromEntries([PRODUCER, CONSUMER].map((app) => [app, inspect(app).State.StartedAt]));

    // Kafka's own view: 3 partitions, each on all 3 nodes and all 3 in sync.
    expect(describeTopic("cluster-kafka-2")).toEqual(
      [0, 1, 2].map((partition) => ({ partition, leader: expect.any(Number), replicas: [1, 2, 3], isr: [1, 2, 3] })),
    );

    // Every node answers on its own host port and advertises the three host addresses.
    for (const seed of HOST_BROKERS) {
      const cluster = await withTimeout(withAdmin((admin) => admin.describeCluster(), [seed]), 60_000, `describeCluster via ${seed}`);
      expect(cluster.brokers.map((b) => `${b.host}:${b.port}`).sort()).toEqual(HOST_BROKERS);
    }

    // A host client produces (acks=all) and consumes through the published ports, on a topic of its own.
    const probe = `e2e.host-check.${randomBytes(3).toString("hex")}`;
    const kafka = hostKafka();
    await withAdmin((admin) => admin.createTopics({ topics: [{ topic: probe, numPartitions: 3, replicationFactor: 3 }], waitForLeaders: true }));
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await producer.connect();
    const sent = Array.from({ length: 30 }, (_, i) => `host-check ${i}`);
    await withTimeout(producer.send({ topic: probe, acks: -1, messages: sent.map((value, i) => ({ key: `k${i}`, value })) }), 60_000, "host produce");
    await producer.disconnect();
    const consumer = kafka.consumer({ groupId: `${probe}.group` });
    const received: string[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: probe, fromBeginning: true });
      await withTimeout(
        new Promise<void>((resolve, reject) => {
          consumer
            .run({
              eachMessage: async ({ message }) => {
                received.push(message.value?.toString() ?? "");
                if (received.length >= sent.length) resolve();
              },
            })
            .catch(reject);
        }),
        90_000,
        "host consume",
      );
    } finally {
      await consumer.disconnect().catch(() => undefined);
    }
    await withAdmin((admin) => admin.deleteTopics({ topics: [probe] }));
    expect(received.sort()).toEqual([...sent].sort());
  }, 540_000);

  test("when the leader of partition 0 is killed under traffic, then both apps ride it out in the same process, the producer keeps confirming, and every confirmed message is consumed", async () => {
    // Given traffic: the producer's last two stats intervals both confirmed messages.
    await waitFor(`${PRODUCER} confirming`, 30, () => {
      const stats = statsOf(PRODUCER);
      const [a, b, c] = stats.slice(-3);
      return c && c.confirmed > b.confirmed && b.confirmed > a.confirmed ? true : undefined;
    });
    const leader = (await partitionStates())[0].leader;
    killedNode = `cluster-kafka-${leader}`;
    const killAt = Date.now();
    docker("kill", "-s", "KILL", killedNode);

    // The producer confirms again: a stats interval that began after the kill in which `confirmed` grew.
    const recovered = await waitFor(`${PRODUCER} to confirm messages again after the kill`, 75, () => {
      const stats = statsOf(PRODUCER);
      const j = stats.findIndex((s, k) => k > 0 && stats[k - 1].t >= killAt && s.confirmed > stats[k - 1].confirmed);
      return j >= 0 ? stats[j] : undefined;
    });
    const gap = failoverGapBounds(statsOf(PRODUCER), killAt, recovered.t);
    measured.killedNode = killedNode;
    measured.confirmingAgainWithinSeconds = (recovered.t - killAt) / 1000;
    measured.failoverGapLowerBoundSeconds = gap.lowerMs / 1000;
    measured.failoverGapUpperBoundSeconds = gap.upperMs / 1000;
    console.log(
      `killed ${killedNode} (leader of partition 0); confirming again by ${measured.confirmingAgainWithinSeconds} s after the kill; ` +
        `longest stretch without a confirm: at least ${gap.lowerMs / 1000} s (the stalled send's latency), ` +
        `at most ${gap.upperMs / 1000} s (from ${STATS_INTERVAL_MS / 1000}-s stats lines)`,
    );

    // The apps: same process (not restarted by Docker, not exited), the killed node stays down.
    const apps = [PRODUCER, CONSUMER].map((app) => {
      const s = inspect(app);
      return { app, running: s.State.Running, restartCount: s.RestartCount, startedAt: s.State.StartedAt };
    });
    const killedStillDown = inspect(killedNode).State.Running === false;

    // Stop the producer gracefully; once the consumer has committed
    // everything, it must have processed every confirmed message.
    const producerRun = stopProducer();
    // How the producer got through (kafkajs retrying inside one send, or a
    // failed send re-sent by the app on a new connection: `disconnected`).
    const events = currentRun(PRODUCER).filter((l) => Date.parse(l.ts) >= killAt && !["stats", "shutdown"].includes(l.event));
    measured.producerDisconnects = events.filter((l) => l.event === "disconnected").length;
    console.log(
      `${PRODUCER} events after the kill:\n` +
        events.map((l) => `  ${l.ts} ${l.event} ${l.message ?? l.reason ?? l.error ?? ""}`.slice(0, 200)).join("\n"),
    );
    const { consumed } = await consumerCaughtUp();
    const records = await readTopic();
    // The producer numbers its messages 0, 1, ...: the ones it confirmed but the topic lacks.
    const present = new Set(records.filter((r) => r.sentAt >= producerRun.startedAt - 1000).map((r) => r.seq));
    const missing: number[] = [];
    if (producerRun.unconfirmed === 0) for (let seq = 0; seq < producerRun.confirmed; seq++) if (!present.has(seq)) missing.push(seq);
    measured.run1 = {
      confirmed: producerRun.confirmed,
      sent: producerRun.sent,
      consumedDistinct: consumed.distinct,
      duplicates: consumed.duplicates,
      recordsInTopic: records.length,
      lost: Math.max(0, producerRun.confirmed - consumed.distinct),
    };
    console.log(
      `run 1: producer confirmed ${producerRun.confirmed} (sent ${producerRun.sent}), consumer processed ${consumed.distinct} distinct ` +
        `(received ${consumed.received}, duplicates ${consumed.duplicates}); the topic holds ${records.length} records` +
        (missing.length > 0 ? `; confirmed but not in the topic: seq ${missing.join(", ")}` : ""),
    );

    expect(apps).toEqual([
      { app: PRODUCER, running: true, restartCount: 0, startedAt: appsStartedAt[PRODUCER] },
      { app: CONSUMER, running: true, restartCount: 0, startedAt: appsStartedAt[CONSUMER] },
    ]);
    expect(killedStillDown).toBe(true);
    expect(measured.confirmingAgainWithinSeconds).toBeLessThan(45); // ~30 s, plus a stats interval of resolution
    expect(producerRun.exitCode).toBe(0);
    expect(producerRun.confirmed).toBeGreaterThan(0);
    expect({ lost: Math.max(0, producerRun.confirmed - consumed.distinct), confirmedButNotInTopic: missing }).toEqual({
      lost: 0,
      confirmedButNotInTopic: [],
    });
  }, 300_000);

  test("when the killed node is started again under traffic, then it rejoins: every partition has 3 in-sync replicas within 120 s, and nothing confirmed meanwhile is lost", async () => {
    if (!killedNode) throw new Error("no node was killed: the previous step failed early");
    const consumedBefore = consumerDistinct()?.distinct ?? 0;
    const started = Date.now();
    docker("start", killedNode);
    docker("start", PRODUCER);
    const states = await waitForAsync(`all 3 replicas of every partition in sync after ${killedNode} started`, 120, async () => {
      const s = await partitionStates();
      return s.length === 3 && s.every((p) => p.isr.length === 3) ? s : undefined;
    });
    measured.rejoinSeconds = (Date.now() - started) / 1000;
    console.log(`${killedNode} back in the ISR of every partition ${measured.rejoinSeconds} s after docker start`);
    expect(states.map((p) => p.isr)).toEqual([[1, 2, 3], [1, 2, 3], [1, 2, 3]]);
    await waitFor(`${killedNode} healthy`, 90, () => (inspect(killedNode).State.Health?.Status === "healthy" ? true : undefined));

    // The traffic during the rejoin: let it run a little, then stop and count.
    await waitFor(`${PRODUCER} confirming again`, 60, () => (statsOf(PRODUCER).some((s) => s.confirmed > 0) ? true : undefined));
    const producerRun = stopProducer();
    const { consumed } = await consumerCaughtUp();
    const distinct = consumed.distinct - consumedBefore;
    measured.run2 = { confirmed: producerRun.confirmed, consumedDistinct: distinct, duplicatesTotal: consumed.duplicates };
    console.log(`run 2 (rejoin): producer confirmed ${producerRun.confirmed}, consumer processed ${distinct} more distinct (duplicates so far ${consumed.duplicates})`);
    expect(producerRun.exitCode).toBe(0);
    expect(producerRun.confirmed).toBeGreaterThan(0);
    expect(Math.max(0, producerRun.confirmed - distinct)).toBe(0);
  }, 300_000);

  test("when the whole cluster is stopped and started, then the topic, its records and the group's committed offsets survive, and traffic flows again", async () => {
    // The producer is stopped and the consumer has committed everything (previous step): a still picture.
    const before = await offsets();
    const metaBefore = await partitionStates();
    expect(sum(before.high)).toBeGreaterThan(0);
    expect(before.committed).toEqual(before.high);

    const stoppedAt = Date.now();
    docker("stop", ...NODES);
    const down = NODES.filter((node) => inspect(node).State.Running);
    expect(down).toEqual([]);
    docker("start", ...NODES);

    // Once the cluster answers again (leaders elected, group coordinator
    // loaded), the same watermarks and commits. A restarted leader may report
    // a lower high watermark until its followers fetch, hence the wait.
    let after: Offsets | undefined;
    await waitForAsync("the topic's offsets and the group's commits readable again and as before", 150, async () => {
      const s = await partitionStates();
      if (s.length !== 3 || s.some((p) => p.leader < 0)) return undefined;
      after = await offsets();
      return JSON.stringify(after) === JSON.stringify(before) ? after : undefined;
    }).catch((error) => {
      if (!after) throw error; // never readable: that is the failure
    });
    measured.clusterOutageSeconds = (Date.now() - stoppedAt) / 1000;
    console.log(`cluster stopped and started: offsets readable and compared ${measured.clusterOutageSeconds} s after docker stop`);
    expect(after).toEqual(before);
    const metaAfter = await partitionStates();
    expect(metaAfter.map((p) => ({ partition: p.partition, replicas: p.replicas }))).toEqual(
      metaBefore.map((p) => ({ partition: p.partition, replicas: p.replicas })),
    );

    // Traffic flows again: a new producer run confirms and the consumer receives it.
    const consumedBefore = consumerDistinct()?.distinct ?? 0;
    docker("start", PRODUCER);
    await waitFor(`${PRODUCER} confirming after the cluster restart`, 90, () =>
      statsOf(PRODUCER).some((s) => s.confirmed > 0) ? true : undefined,
    );
    await waitFor(`${CONSUMER} consuming after the cluster restart`, 90, () => {
      const now = consumerDistinct();
      return now && now.distinct > consumedBefore ? true : undefined;
    });
    await waitFor("every container healthy after the cluster restart", 150, allRunningAndHealthy);
    const consumer = inspect(CONSUMER);
    measured.consumerRestartsAfterClusterRestart = consumer.RestartCount;
    console.log(`${CONSUMER} after the cluster restart: restart count ${consumer.RestartCount} (it exits after BROKER_RETRY_SECONDS = 120 s without a broker)`);
  }, 420_000);

  test("then a second plan after the restarts shows no changes", () => {
    const plan = terraform(["plan", "-input=false", "-detailed-exitcode"], [0, 2], 180);
    expect({ exitCode: plan.code, changes: plan.code === 2 ? plan.stdout : "" }).toEqual({ exitCode: 0, changes: "" });
  }, 200_000);

  test("when destroyed, then no container, network or volume of the stack is left", () => {
    measured.destroySeconds = terraform(["destroy", "-input=false", "-auto-approve"], [0], 240).seconds;
    deployed = false;
    expect(stackContainers()).toEqual([]);
    expect(stackNetworks()).toEqual([]);
    // The stack chooses dataRemovalPolicy "destroy" for its nodes' volumes.
    expect(stackVolumes()).toEqual([]);
  }, 260_000);
});
