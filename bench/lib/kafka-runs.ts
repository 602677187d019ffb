/**
 * One Kafka throughput run, ours or the perf tools', on a fresh topic
 * (bench/throughput.ts on the default stack's broker,
 * bench/cluster-throughput.ts on a 1-node and a 3-node cluster):
 *
 * a topic with the default stack's topic settings (3 partitions, retention.ms
 * 7 days; the replication factor is the caller's), 1 KiB records, acks=all,
 * idempotent producer; the producer first, then the consumer (the way the
 * perf tools work):
 *   ours  apps/kafka-producer, then apps/kafka-consumer (host processes,
 *         through the HOST listener published on 127.0.0.1)
 * Every client authenticates as the broker's `admin` user (SCRAM-SHA-512, a
 * super user, so no ACL stands between it and the bench's own topics): the
 * apps through KAFKA_SASL_*, the perf tools through a client properties file.
 *   tool  kafka-producer-perf-test.sh / kafka-consumer-perf-test.sh inside a
 *         broker node's container (docker exec, bootstrap localhost:9092)
 *   host  the same two tools on the host (the image's jars, the host's Java)
 *         through the published port, the network path our apps take
 * and, ours only (no perf tool measures it), producer + consumer at the same
 * time for the end-to-end latency.
 */
import { randomBytes } from "crypto";
import { existsSync, mkdirSync, writeFileSync } from "fs";
import { join } from "path";
import { Kafka, logLevel } from "kafkajs";
import { KAFKA_APP_SASL_MECHANISM } from "../../constructs/brokers/kafka/kafka-constants";
import { AppEnv, ConnectionEnv } from "../../constructs/connection-env";
import { APP_DEFAULT_MEMORY_MIB, AppProcess, waitUntilIdle } from "./apps";
import { commonEnv, MESSAGE_BYTES, num, producerEnv, statsAtDone, type Sample } from "./app-runs";
import { run, timeCommandAsync } from "./proc";

export const TOPIC_PARTITIONS = 3;
export const TOPIC_CONFIGS = [{ name: "retention.ms", value: String(7 * 24 * 3600 * 1000) }];

/** Where a run sends and how much. */
export interface KafkaRunTarget {
  /**
   * KAFKA_BOOTSTRAP_SERVERS from the host, one or more `host:port`,
   * comma-separated: our apps, the admin client and the perf tools on the host use it.
   */
  readonly bootstrap: string;
  /** A broker node's container: the perf tools run in it (docker exec), and the host-side tools copy its jars. */
  readonly container: string;
  /** Records a run produces, then consumes. */
  readonly messages: number;
  /** Scratch folder (the apps' health files, the copied jars). */
  readonly work: string;
  /** The broker's admin user (SCRAM-SHA-512): every client of a run authenticates as it. */
  readonly sasl: KafkaCredentials;
  /** Memory limit of our apps, MiB (bench/lib/apps.ts); 0 runs them unlimited. @default APP_DEFAULT_MEMORY_MIB (256) */
  readonly appMemoryMiB?: number;
  /** Extra node options for our apps (before the Dockerfile's own). */
  readonly appNodeArgs?: readonly string[];
  /** Our apps' folder to run them from (another build, for a before/after row). @default the repository's apps/ */
  readonly appsRoot?: string;
}

/** One of our Kafka apps as a host process, with the target's memory limit and node options (plus `nodeArgs`). */
function ourApp(
  target: KafkaRunTarget,
  app: "kafka-producer" | "kafka-consumer",
  env: Record<string, string>,
  nodeArgs: readonly string[] = [],
): AppProcess {
  const memoryMiB = target.appMemoryMiB === 0 ? null : (target.appMemoryMiB ?? APP_DEFAULT_MEMORY_MIB);
  return new AppProcess(app, env, [...(target.appNodeArgs ?? []), ...nodeArgs], memoryMiB, target.appsRoot);
}

export interface KafkaCredentials {
  readonly username: string;
  readonly password: string;
}

function adminClient(bootstrap: string, sasl: KafkaCredentials) {
  return new Kafka({
    clientId: "bench-admin",
    brokers: bootstrap.split(","),
    sasl: { mechanism: "scram-sha-512", ...sasl },
    logLevel: logLevel.NOTHING,
  }).admin();
}

/**
 * A Kafka client properties file for the perf tools: SASL_PLAINTEXT with
 * SCRAM-SHA-512 as `sasl` (the listeners apps and the host reach).
 */
export function clientProperties(sasl: KafkaCredentials): string {
  const quote = (v: string) => `"${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
  return [
    "security.protocol=SASL_PLAINTEXT",
    `sasl.mechanism=${KAFKA_APP_SASL_MECHANISM}`,
    `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=${quote(sasl.username)} password=${quote(sasl.password)};`,
    "",
  ].join("\n");
}

/**
 * Fresh topics with the default stack's topic settings and `replicationFactor`
 * copies of each partition, returning once every partition has a leader.
 * kafkajs's own wait (`waitForLeaders`) retries only LEADER_NOT_AVAILABLE and
 * gives up on UNKNOWN_TOPIC_OR_PARTITION, which a loaded broker answers for a
 * moment after the topic is created; this waits through both (60 s at most).
 */
export async function createTopics(
  target: Pick<KafkaRunTarget, "bootstrap" | "sasl">,
  names: string[],
  replicationFactor: number,
): Promise<void> {
  const admin = adminClient(target.bootstrap, target.sasl);
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: false,
      topics: names.map((topic) => ({ topic, numPartitions: TOPIC_PARTITIONS, replicationFactor, configEntries: TOPIC_CONFIGS })),
    });
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        const { topics } = await admin.fetchTopicMetadata({ topics: names });
        if (
          topics.length === names.length &&
          topics.every((t) => t.partitions.length === TOPIC_PARTITIONS && t.partitions.every((p) => p.leader >= 0))
        )
          return;
      } catch (err) {
        if (Date.now() > deadline) throw err;
      }
      if (Date.now() > deadline) throw new Error(`topics ${names.join(", ")}: no leader for every partition within 60 s`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await admin.disconnect();
  }
}

/** Deletes topics a run is done with (a sweep's many runs would otherwise fill the broker's volume). */
export async function deleteTopics(target: Pick<KafkaRunTarget, "bootstrap" | "sasl">, names: string[]): Promise<void> {
  const admin = adminClient(target.bootstrap, target.sasl);
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: names, timeout: 30_000 });
  } finally {
    await admin.disconnect();
  }
}

/** Committed offsets of a group on a topic, summed (what a restarted consumer would resume from). */
async function committedOffsets(target: KafkaRunTarget, groupId: string, topic: string): Promise<number> {
  const admin = adminClient(target.bootstrap, target.sasl);
  await admin.connect();
  try {
    const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return (t?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}

/** What topic.grantProduce (no group) and topic.grantConsume (`groupId`) give the apps. */
function kafkaEnv({ bootstrap, sasl }: KafkaRunTarget, topic: string, groupId?: string): Record<string, string> {
  return {
    [ConnectionEnv.KAFKA_BOOTSTRAP_SERVERS]: bootstrap,
    [ConnectionEnv.KAFKA_SASL_USERNAME]: sasl.username,
    [ConnectionEnv.KAFKA_SASL_PASSWORD]: sasl.password,
    [ConnectionEnv.KAFKA_TOPIC]: topic,
    ...(groupId === undefined ? {} : { [ConnectionEnv.KAFKA_GROUP_ID]: groupId }),
  };
}

/** Ours, produce only: rate = N / (done − connected). */
export async function kafkaOursProduce(target: KafkaRunTarget, topic: string, nodeArgs: string[] = []): Promise<Sample> {
  const { messages: n, work } = target;
  const producer = ourApp(
    target,
    "kafka-producer",
    { ...commonEnv(work), ...kafkaEnv(target, topic), ...producerEnv("kafka-producer", n) },
    nodeArgs,
  );
  try {
    const connected = await producer.event("connected", 60_000);
    const done = await producer.event("done", 400_000);
    const code = await producer.exited;
    if (code !== 0) throw new Error(`kafka-producer exited ${code}\n${producer.tail()}`);
    const s = statsAtDone(producer, done);
    return { rate: n / ((done.at - connected.at) / 1000), p50: num(s, "latencyP50Ms"), p99: num(s, "latencyP99Ms") };
  } finally {
    await producer.stop();
  }
}

/**
 * Ours, consume only, in a new group from the beginning: rate = N / (end −
 * group joined). The consumer reports every second so the end of the run can
 * be found (interpolated inside the last second).
 */
export async function kafkaOursConsume(target: KafkaRunTarget, topic: string, nodeArgs: string[] = []): Promise<Sample> {
  const { messages: n, work } = target;
  const groupId = `bench-consumer-${topic}`;
  const consumer = ourApp(
    target,
    "kafka-consumer",
    { ...commonEnv(work), ...kafkaEnv(target, topic, groupId), [AppEnv.STATS_INTERVAL_SECONDS]: "1" },
    nodeArgs,
  );
  try {
    const joined = await consumer.event("group-joined", 60_000);
    const last = await consumer.waitFor((l) => l.event === "stats" && num(l, "acked") >= n, 400_000, `stats with acked >= ${n}`);
    const stats = consumer.lines.filter((l) => l.event === "stats");
    const prev = stats[stats.indexOf(last) - 1];
    // The run ended inside the last one-second interval. Extrapolate from the
    // previous interval's rate (the steady rate); an interval that began
    // before the group join counts from the join.
    let end = last.at;
    if (prev && prev.at > joined.at) {
      const before = stats[stats.indexOf(prev) - 1];
      const from = before && before.at > joined.at ? before : joined;
      const ackedFrom = from === joined ? 0 : num(from, "acked");
      const rate = (num(prev, "acked") - ackedFrom) / (prev.at - from.at);
      if (rate > 0) end = Math.min(last.at, prev.at + (n - num(prev, "acked")) / rate);
    }
    const start = joined.at;
    // CPU share while busy: from the join to the last full interval.
    const cpuShare = prev && prev.at > joined.at ? (prev.cpu - joined.cpu) / ((prev.at - joined.at) / 1000) : NaN;
    const peakRssMiB = consumer.peakRssMiB();
    await consumer.stop();
    if (consumer.oomKilled())
      throw new Error(`kafka-consumer was OOM-killed under its ${consumer.memoryLimitMiB} MiB limit\n${consumer.tail()}`);
    const committed = await committedOffsets(target, groupId, topic);
    return {
      rate: n / ((end - start) / 1000),
      cpuShare,
      peakRssMiB,
      memoryLimitMiB: consumer.memoryLimitMiB,
      seconds: (end - start) / 1000,
      committedAfterStop: committed,
      duplicates: num(consumer.lastStats(), "duplicates"),
    };
  } finally {
    await consumer.stop();
  }
}

/** Ours, producer and consumer at the same time: the produce rate and the end-to-end latency. */
export async function kafkaOursEndToEnd(target: KafkaRunTarget, topic: string): Promise<Sample> {
  const { messages: n, work } = target;
  const consumer = ourApp(target, "kafka-consumer", { ...commonEnv(work), ...kafkaEnv(target, topic, `bench-e2e-${topic}`) });
  try {
    await consumer.event("group-joined", 60_000);
    const producer = ourApp(target, "kafka-producer", {
      ...commonEnv(work),
      ...kafkaEnv(target, topic),
      ...producerEnv("kafka-producer", n),
    });
    const connected = await producer.event("connected", 60_000);
    const done = await producer.event("done", 400_000);
    await producer.exited;
    // The consumer has no progress signal between stats lines: it is done
    // when it stops using CPU (below 10% of a core for 1.5 s); the acked
    // count checked below proves it.
    await waitUntilIdle(consumer, 1500, 120_000);
    await consumer.stop();
    const s = consumer.lastStats();
    const acked = num(s, "acked");
    if (!(acked >= n)) throw new Error(`kafka-consumer acked ${acked} of ${n} in the end-to-end run\n${consumer.tail()}`);
    return { rate: n / ((done.at - connected.at) / 1000), p50: num(s, "latencyP50Ms"), p99: num(s, "latencyP99Ms"), acked };
  } finally {
    await consumer.stop();
  }
}

export type ToolHost = "container" | "host";
const TOOL_CLASSES: Record<string, string> = {
  "kafka-producer-perf-test.sh": "org.apache.kafka.tools.ProducerPerformance",
  "kafka-consumer-perf-test.sh": "org.apache.kafka.tools.ConsumerPerformance",
};
const KAFKA_JVM = [
  "-Xmx256m",
  "-Xms256m",
  "-server",
  "-XX:+UseG1GC",
  "-XX:MaxGCPauseMillis=20",
  "-XX:InitiatingHeapOccupancyPercent=35",
  "-Djava.awt.headless=true",
];

/** Where the perf tools' client properties file is, per container or host scratch folder. */
const CLIENT_PROPERTIES = "bench-client.properties";

/**
 * A Kafka perf tool: inside the broker node's container (docker exec, the
 * comparison the issue asks for), or on the host with the image's own jars
 * (copied out once) against the published HOST listener: the network path
 * our apps take, as a control. Both authenticate as `target.sasl` through a
 * client properties file (`--command-config`).
 */
function kafkaTool(
  target: KafkaRunTarget,
  where: ToolHost,
  script: string,
  argv: (bootstrap: string, config: string) => string[],
): Promise<string> {
  if (where === "container") {
    const config = `/tmp/${CLIENT_PROPERTIES}`;
    run("docker", ["exec", "-i", target.container, "sh", "-c", `cat > ${config}`], { input: clientProperties(target.sasl) });
    return timeCommandAsync(
      "docker",
      ["exec", "-e", "KAFKA_HEAP_OPTS=-Xmx256m -Xms256m", target.container, `/opt/kafka/bin/${script}`, ...argv("localhost:9092", config)],
      { timeoutMs: 400_000 },
    ).then((r) => r.stdout + r.stderr);
  }
  const libs = join(target.work, "kafka", "libs");
  if (!existsSync(libs)) {
    mkdirSync(join(target.work, "kafka"), { recursive: true });
    run("docker", ["cp", `${target.container}:/opt/kafka/libs`, libs]);
  }
  const config = join(target.work, "kafka", CLIENT_PROPERTIES);
  writeFileSync(config, clientProperties(target.sasl), { mode: 0o600 });
  return timeCommandAsync("java", [...KAFKA_JVM, "-cp", `${libs}/*`, TOOL_CLASSES[script]!, ...argv(target.bootstrap, config)], {
    timeoutMs: 400_000,
  }).then((r) => r.stdout + r.stderr);
}

/** Client settings given to a perf tool beyond the run's own (`--command-property`), e.g. a sweep's batch.size. */
export type ToolProperties = Readonly<Record<string, string | number>>;

/** The consumer property kafka-consumer-perf-test.sh overrides with its `--fetch-size`. */
const FETCH_SIZE = "max.partition.fetch.bytes";

/**
 * `--command-property` arguments. The consumer tool (joptsimple) takes the
 * flag once per property; the producer tool (argparse4j, `nargs("+")`) takes
 * it once with every property after it, and keeps only the last flag's
 * values if it is repeated.
 */
function commandProperties(props: ToolProperties, form: "repeated" | "once"): string[] {
  const pairs = Object.entries(props).map(([k, v]) => `${k}=${v}`);
  if (pairs.length === 0) return [];
  return form === "once" ? ["--command-property", ...pairs] : pairs.flatMap((p) => ["--command-property", p]);
}

/** kafka-producer-perf-test.sh: N records of 1 KiB, unthrottled, acks=all, idempotent. */
export async function kafkaToolProduce(
  target: KafkaRunTarget,
  where: ToolHost,
  topic: string,
  props: ToolProperties = {},
): Promise<Sample & { line: string }> {
  const out = await kafkaTool(target, where, "kafka-producer-perf-test.sh", (bootstrap, config) => [
    "--topic",
    topic,
    "--num-records",
    String(target.messages),
    "--record-size",
    String(MESSAGE_BYTES),
    "--throughput",
    "-1",
    "--command-config",
    config,
    // The durability every run has; a sweep may not change it.
    ...commandProperties({ ...props, "bootstrap.servers": bootstrap, acks: "all", "enable.idempotence": "true" }, "once"),
  ]);
  // 100000 records sent, 45000.1 records/sec (43.95 MB/sec), 300.00 ms avg latency, 600.00 ms max latency, 280 ms 50th, 550 ms 95th, 590 ms 99th, 600 ms 99.9th.
  const line =
    out
      .split("\n")
      .filter((l) => /records sent/.test(l))
      .pop() ?? "";
  const m = /records sent, ([\d.]+) records\/sec .* (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th/.exec(line);
  if (!m) throw new Error(`kafka-producer-perf-test printed no summary:\n${out.slice(-2000)}`);
  return { rate: Number(m[1]), p50: Number(m[2]), p99: Number(m[4]), line };
}

/**
 * kafka-consumer-perf-test.sh: N records in a new group (a fresh one every
 * run, so that a topic can be read again from the beginning); its
 * fetch.nMsg.sec (after the group join, as ours). The tool sets
 * max.partition.fetch.bytes itself after the client properties (from its
 * `--fetch-size`, 1 MiB unless given), so that one property goes as
 * `--fetch-size`.
 */
export async function kafkaToolConsume(
  target: KafkaRunTarget,
  where: ToolHost,
  topic: string,
  props: ToolProperties = {},
): Promise<Sample & { line: string }> {
  const n = target.messages;
  const { [FETCH_SIZE]: fetchSize, ...rest } = props;
  const out = await kafkaTool(target, where, "kafka-consumer-perf-test.sh", (bootstrap, config) => [
    "--bootstrap-server",
    bootstrap,
    "--topic",
    topic,
    "--messages",
    String(n),
    "--group",
    `perf-consumer-${where}-${topic}-${Object.values(props).join("-")}-${randomBytes(4).toString("hex")}`,
    "--timeout",
    "60000",
    "--command-config",
    config,
    ...(fetchSize === undefined ? [] : ["--fetch-size", String(fetchSize)]),
    ...commandProperties(rest, "repeated"),
  ]);
  // start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
  const lines = out.split("\n").filter((l) => l.trim());
  const header = lines.findIndex((l) => l.includes("nMsg.sec"));
  const cols = header >= 0 ? lines[header]!.split(",").map((c) => c.trim()) : [];
  const vals = header >= 0 ? (lines[header + 1] ?? "").split(",").map((c) => c.trim()) : [];
  const get = (name: string) => Number(vals[cols.indexOf(name)]);
  const consumed = get("data.consumed.in.nMsg");
  if (!Number.isFinite(get("fetch.nMsg.sec")) || consumed < n) {
    throw new Error(`kafka-consumer-perf-test: no summary or too few records (${consumed}):\n${out.slice(-2000)}`);
  }
  // fetch.nMsg.sec: records / time after the group join, as ours is measured from group-joined.
  return { rate: get("fetch.nMsg.sec"), overallRate: get("nMsg.sec"), line: `${lines[header]}\n${lines[header + 1]}` };
}
