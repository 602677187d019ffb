/**
 * The Kafka cluster of the clusters example, seen from the host through the
 * ports its nodes publish on 127.0.0.1 (kafkajs), and through Kafka's own
 * tools run inside a node.
 */
import { randomBytes } from "crypto";
import { Admin, AssignerProtocol, Kafka, logLevel } from "kafkajs";
import { run, waitFor, waitForAsync, withTimeout } from "../support/commands";
import { consumerDistinct, currentRun, STATS_INTERVAL_MS, type Consumed } from "./app-logs";
import { caCertificate, credentials } from "./cluster-stack";

export const TOPIC = "cluster.events";
export const GROUP = "cluster-consumers";
export const HOST_BROKERS = ["127.0.0.1:39192", "127.0.0.1:39193", "127.0.0.1:39194"];

let kafkaCa: string | undefined;

export function hostKafka(brokers = HOST_BROKERS, options: { tls?: boolean } = {}): Kafka {
  kafkaCa ??= caCertificate("cluster-kafka");
  return new Kafka({
    clientId: "e2e-cluster",
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3000,
    requestTimeout: 15000,
    retry: { retries: 3, initialRetryTime: 300, maxRetryTime: 2000 },
    // The operators' super user: the listeners take SASL SCRAM-SHA-512 only.
    sasl: { mechanism: "scram-sha-512", username: "admin", password: credentials.TF_VAR_cluster_kafka_admin_password },
    // The host listeners take SASL_SSL only: trust the CA the stack exported.
    ...(options.tls === false ? {} : { ssl: { ca: [kafkaCa], rejectUnauthorized: true } }),
  });
}

export async function withAdmin<T>(use: (admin: Admin) => Promise<T>, brokers = HOST_BROKERS, options: { tls?: boolean } = {}): Promise<T> {
  const admin = hostKafka(brokers, options).admin();
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export interface PartitionState {
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
}

const byPartition = (a: { partition: number }, b: { partition: number }) => a.partition - b.partition;

/** Leader, replicas and ISR of each partition of the topic, from the cluster's metadata. */
export function partitionStates(): Promise<PartitionState[]> {
  return withAdmin(async (admin) => {
    const { topics } = await admin.fetchTopicMetadata({ topics: [TOPIC] });
    return topics[0].partitions
      .map((p) => ({ partition: p.partitionId, leader: p.leader, replicas: [...p.replicas].sort(), isr: [...p.isr].sort() }))
      .sort(byPartition);
  });
}

/**
 * One of Kafka's own tools (kafka-topics.sh, ...) run inside a node (a JVM:
 * seconds on a busy host), as the broker principal over the node's
 * REPLICATION listener, with the client settings the node's own rolling
 * check writes. Returns its standard output.
 */
function kafkaTool(node: string, tool: string, args: string): string {
  return run(
    "docker",
    [
      "exec",
      "-e",
      "KAFKA_HEAP_OPTS=-Xmx96m",
      "-e",
      "KAFKA_JVM_PERFORMANCE_OPTS=-XX:+UseSerialGC -XX:TieredStopAtLevel=1",
      node,
      "bash",
      "-c",
      `f=$(mktemp) && printf 'security.protocol=SASL_PLAINTEXT\\nsasl.mechanism=PLAIN\\nsasl.jaas.config=%s\\n' "$KAFKA_LISTENER_NAME_REPLICATION_PLAIN_SASL_JAAS_CONFIG" > "$f" && ` +
        `/opt/kafka/bin/${tool} --bootstrap-server ${node}-replication:9095 --command-config "$f" ${args}; s=$?; rm -f "$f"; exit $s`,
    ],
    { timeoutSeconds: 120 },
  ).stdout;
}

/** The same, as Kafka's own tool prints it, run inside a node. */
export function describeTopic(node: string): PartitionState[] {
  const stdout = kafkaTool(node, "kafka-topics.sh", `--describe --topic ${TOPIC}`);
  const list = (s: string) => s.split(",").filter(Boolean).map(Number).sort();
  return [...stdout.matchAll(/Partition:\s*(\d+)\s+Leader:\s*(-?\d+)\s+Replicas:\s*([\d,]+)\s+Isr:\s*([\d,]*)/g)]
    .map((m) => ({ partition: Number(m[1]), leader: Number(m[2]), replicas: list(m[3]), isr: list(m[4]) }))
    .sort(byPartition);
}

/**
 * Moves the leadership of every partition (of every topic) to its
 * preferred replica, the first of its assignment (each node is for one of
 * the example topic's three), as Kafka's own rebalance would within
 * leader.imbalance.check.interval.seconds.
 */
export function electPreferredLeaders(node: string): string {
  // The tool's class, not kafka-leader-election.sh: the image ships a subset of Kafka's scripts (toolchain/images/kafka).
  const tool = "kafka-run-class.sh org.apache.kafka.tools.LeaderElectionCommand";
  return kafkaTool(node, tool, "--election-type PREFERRED --all-topic-partitions");
}

export interface Offsets {
  high: Record<number, number>;
  committed: Record<number, number>;
}

/**
 * High watermarks of the topic and the offsets committed by the apps' consumer group.
 *
 * Retries for up to 30 s while the brokers answer with a retriable error:
 * after a roll, Kafka moves partition leadership back to the preferred
 * replicas on its own (auto.leader.rebalance.enable), and the group's new
 * coordinator answers "The coordinator is loading" until it has read the
 * group's offsets; kafkajs's admin fetchOffsets does not retry that itself.
 */
export async function offsets(): Promise<Offsets> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      return await withAdmin(async (admin) => {
        const high = await admin.fetchTopicOffsets(TOPIC);
        const [committed] = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
        return {
          high: Object.fromEntries(high.map((p) => [p.partition, Number(p.high)])),
          committed: Object.fromEntries(committed.partitions.map((p) => [p.partition, Number(p.offset)])),
        };
      });
    } catch (err) {
      if ((err as { retriable?: boolean }).retriable !== true || Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

export const sum = (values: Record<number, number>) => Object.values(values).reduce((a, b) => a + b, 0);

export interface TopicRecord {
  partition: number;
  offset: number;
  seq: number;
  sentAt: number;
}

/** Every record of the topic up to the current high watermarks, read from the host by a throwaway group. */
export async function readTopic(): Promise<TopicRecord[]> {
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

/**
 * How long a caught-up check waits: the consumer's stall watch may first need
 * to notice a stuck kafkajs session (60 s without progress, checked every
 * 5 s), abandon it (up to 10 s) and rejoin the group (seconds).
 */
const CATCH_UP_SECONDS = 180;

/**
 * With the producer stopped: waits until the consumer group has committed up
 * to the high watermark of every partition, then for the consumer's next
 * `stats` line, and returns both.
 */
export async function kafkaConsumerCaughtUp(consumer: string): Promise<{ offsets: Offsets; consumed: Consumed }> {
  const caught = await waitForAsync("the consumer group to commit up to the high watermarks", CATCH_UP_SECONDS, async () => {
    const o = await offsets();
    return Object.entries(o.high).every(([p, h]) => o.committed[Number(p)] === h) ? o : undefined;
  }).catch(async (err: Error) => {
    throw new Error(`${err.message}\n${await consumerGroupDiagnosis(consumer)}`, { cause: err });
  });
  const at = Date.now();
  const consumed = await waitFor(`a ${consumer} stats line after it caught up`, 3 * (STATS_INTERVAL_MS / 1000), () =>
    consumerDistinct(consumer, at),
  );
  return { offsets: caught, consumed };
}

/**
 * What a stalled group looked like, for the failure message: offsets per
 * partition, the group's members and assignment, and the consumer's own
 * lines of its current run other than `stats` (kafkajs's warnings included).
 */
async function consumerGroupDiagnosis(consumer: string): Promise<string> {
  const parts: string[] = [];
  try {
    parts.push(`offsets: ${JSON.stringify(await offsets())}`);
    const { groups } = await withAdmin((admin) => admin.describeGroups([GROUP]));
    parts.push(
      `group: ${JSON.stringify(groups.map((g) => ({ state: g.state, members: g.members.map((m) => ({ id: m.memberId, host: m.clientHost, assignment: AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment })) })))}`,
    );
  } catch (err) {
    parts.push(`(group not readable: ${(err as Error).message})`);
  }
  const lines = currentRun(consumer);
  const notStats = lines.filter((l) => l.event !== "stats").slice(-60);
  const lastStats = lines.filter((l) => l.event === "stats").slice(-3);
  parts.push(`${consumer} log (current run, no stats):`, ...notStats.map((l) => JSON.stringify(l)));
  parts.push(`${consumer} last stats:`, ...lastStats.map((l) => JSON.stringify(l)));
  return parts.join("\n");
}
