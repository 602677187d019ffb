/**
 * Faults under traffic, from a crash to a rolling restart, on the clusters
 * example (buildClusterStack in examples/cluster/main.ts: a 3-node
 * RabbitMQ with a quorum queue and a
 * 3-node Kafka with replication factor 3 and min.insync.replicas 2, each
 * with an endless producer at 50 msg/s with confirms / acks=all and a
 * consumer), synthesized into a folder of its own and deployed the way a
 * user deploys a synthesized stack: `terraform init` + `terraform apply` in
 * its stack folder (the stack, names, probes and loss bookkeeping:
 * ../e2e-cluster/).
 *
 * Once deployed: every node and app healthy, and host clients reach every
 * node through the ports it publishes on 127.0.0.1, TLS only (a plaintext
 * client is refused). After the rounds, with the apps idle, both clusters
 * are stopped and started: the queue and its unconsumed messages, the topic,
 * its records and the group's commits survive. (These were the cluster e2e
 * suite's; it deployed the same stack a second time, about 100 s of CI.)
 *
 * Each step is a round under traffic: the producers confirming, a fault on
 * the RabbitMQ node leading the quorum queue and, at the same time, on the
 * Kafka node leading partition 0 (or on every node), held, healed; then the
 * producers confirm again, both clusters are whole again (every RabbitMQ
 * node sees 3 running nodes and no partition, the queue has 3 online
 * members; every partition has 3 in-sync replicas), the producers are
 * stopped, the consumers catch up, and nothing confirmed is lost. The faults
 * (./fault-injection.ts):
 * - kill: SIGKILL, a crash, held until Prometheus fires
 *   MessagingBrokerNodeDown for both nodes and the example's Alertmanager
 *   has notified its webhook of both, then `docker start`;
 * - pause: `docker pause`, a hung node (20 s);
 * - cut: iptables DROP in the node's network namespace, a silent partition
 *   that leaves Docker's networks and IPs (terraform's state) alone (30 s);
 * - a RabbitMQ memory alarm and a disk alarm on the queue leader, raised with
 *   its own CLI and put back to the exact limits it had (20 s at least, and
 *   until Prometheus fires RabbitMqResourceAlarm and reads the producer's
 *   blocked gauge as 1, at most 60 s). Kafka has no such alarm;
 * - kafkaDiskFull: the data volume of a Kafka node leading a partition
 *   filled up. Its volume is a local Docker volume, a folder on the host's
 *   disk: the node's data is first moved onto a 256 MB filesystem of its
 *   own, loop-mounted over that folder (smallVolume), so that only that
 *   fills. Kafka stops the node; the space is freed and the node restarted
 *   once it has stopped and 20 s have passed;
 * - restart: a full outage, every node of both clusters stopped (`docker
 *   stop`, in parallel), then started together 5 s later;
 * - roll: every node of both clusters replaced by the package's own
 *   command (`cdktf-messaging-roll --replace`: one node of each cluster at
 *   a time, the clusters together), as for a new image: never two nodes of
 *   a cluster down.
 * The apps' processes never change; the nodes' do only in kill,
 * kafkaDiskFull, restart and roll.
 *
 * Every round also runs two outside clients, nobody's code here, as their
 * users run them (./outside-clients.ts): pika with publisher confirms and
 * confluent-kafka (librdkafka, acks=all, idempotent), each at 50 msg/s to a
 * queue or topic of its own through the nodes' host ports (TLS). They are
 * held to the same promise: every message they saw confirmed is in their
 * queue or topic. Their gaps are measured alongside the apps'.
 *
 * Measured and printed, never asserted (they are the benchmark's targets,
 * bench/failover.ts --faults): each producer's longest time without a
 * confirm over the round, from the fault to its first confirming stats
 * interval, heal->whole seconds for each cluster, and the first confirming
 * stats interval's end after the cluster was whole (the target for a full
 * outage: within 10 s). Asserted: 0 lost, the apps' processes never
 * restarted (nor the nodes', but in the faults that end them), exit codes
 * 0, the node-down alert for a kill and its firing and resolved
 * notifications at the Alertmanager's webhook (a receiver container of this
 * suite on the stack's network, ./alert-receiver.ts, which a healthy deploy
 * sends nothing), Kafka's own "No space left on device"
 * for the full volume, for the alarms the producer's `blocked`/`unblocked`
 * and no reconnect, the alert and the producer's blocked gauge in
 * Prometheus, for the roll never two nodes of a cluster down; after the
 * rounds, no drift and a clean destroy.
 *
 * The steps build on each other, so they run in file order; each names what
 * it proves. Every wait is time-boxed. One line at the end holds every
 * measurement: `faults measurements: {json}`.
 *
 * E2E_CLUSTER_KEEP=1 keeps a failed run's clusters for a look (every fault
 * is healed first in any case; the next run removes them).
 */
import { randomBytes } from "crypto";
import * as fs from "fs";
import { AppMetricNames } from "../../constructs/apps/app-metric-names";
import { waitFor, waitForAsync, withTimeout } from "../support/commands";
import { alerts, alertRules, query } from "../support/prometheus";
import {
  confirming,
  confirmingAgain,
  consumerDistinct,
  currentRun,
  eventsSince,
  longestConfirmGapMs,
  lossReport,
  stopProducer,
} from "../e2e-cluster/app-logs";
import {
  allRunningAndHealthy,
  APPS,
  deployCluster,
  destroyCluster,
  secondPlan,
  deployedContainers,
  EXPECTED_DEPLOY,
  docker,
  inspect,
  KAFKA_CONSUMER,
  KAFKA_NODES,
  KAFKA_PRODUCER,
  memoryMiB,
  NODES,
  processes,
  PROMETHEUS_URL,
  RABBIT_CONSUMER,
  RABBIT_NODES,
  RABBIT_PRODUCER,
  removeAlertReceiver,
  removeLeftovers,
  synthAndInit,
  terraform,
} from "../e2e-cluster/cluster-stack";
import {
  describeTopic,
  electPreferredLeaders,
  HOST_BROKERS,
  hostKafka,
  kafkaConsumerCaughtUp,
  offsets,
  partitionStates,
  readTopic,
  sum,
  withAdmin,
  type Offsets,
} from "../e2e-cluster/kafka-probes";
import { KAFKA_DATA_DIR } from "../../constructs/brokers/kafka/kafka-constants";
import {
  ALL_MEMBERS,
  containerOf,
  HOST_AMQP_PORTS,
  hostRoundTrip,
  plaintextAmqp,
  queueState,
  rabbitConsumerCaughtUp,
  runningNodes,
  settledQueueState,
} from "../e2e-cluster/rabbitmq-probes";
import {
  diskAlarm,
  faultsInForce,
  fill,
  healAll,
  kafkaWhole,
  kill,
  memoryAlarm,
  NODE_FAULTS,
  OUTAGE_SECONDS,
  rabbitLimits,
  rabbitViews,
  rabbitWhole,
  releaseSmallVolumes,
  restoreDiskFreeLimit,
  restoreMemoryWatermark,
  rollingReplace,
  smallVolume,
  start,
  stop,
  unfill,
  type RabbitLimits,
  type RollResult,
} from "./fault-injection";
import { ensureOutsideClients, startOutsideProducer, type OutsideProducer, type OutsideVerify } from "./outside-clients";
import { notifications, notifiedNodes, receiverLog, startAlertReceiver } from "./alert-receiver";

jest.setTimeout(300_000); // each step passes its own, smaller time box

const measured: Record<string, unknown> & { rounds: Record<string, unknown> } = { rounds: {} };
const suiteStarted = Date.now();
let deployed = false;

/** The Kafka node whose data volume fills, and the size of the filesystem it gets for that (its data is a few MB). */
const KAFKA_FULL_DISK_NODE = "cluster-kafka-1";
const SMALL_VOLUME_MIB = 256;

/** The cluster example's route (examples/cluster/main.ts): a new group of alerts is notified 5 s after its first alert. */
const ALERT_GROUP_WAIT_SECONDS = 5;
/**
 * Beyond the node-down rule's `for` and the group wait: a scrape and a rule
 * evaluation (5 s each), Prometheus's send to Alertmanager, the webhook's
 * POST, on a loaded host.
 */
const ALERT_NOTIFY_MARGIN_SECONDS = 30;

/** The producers' blocked gauge (apps/README.md, Metrics). */
const BLOCKED_GAUGE = AppMetricNames.publishingBlocked;
/** The outside producers of the round in progress, killed by afterAll if a round fails. */
const outsideProducers: OutsideProducer[] = [];

beforeAll(() => {
  const config = process.env.TF_CLI_CONFIG_FILE;
  if (!config || !fs.existsSync(config)) {
    throw new Error("TF_CLI_CONFIG_FILE names no file: run `bash toolchain/setup.sh && . toolchain/env.sh` first");
  }
  const started = Date.now();
  ensureOutsideClients();
  synthAndInit();
  releaseSmallVolumes(); // a failed run's, which would keep its volume from being removed
  removeLeftovers();
  measured.prepareSeconds = (Date.now() - started) / 1000;
}, 420_000);

afterAll(() => {
  for (const producer of outsideProducers) producer.dispose();
  // A fault left in force (a failed step) would hang the destroy (a paused
  // node) or the next run: heal first, whatever happens next.
  const left = faultsInForce();
  if (Object.keys(left).length > 0) {
    console.log(`healing the faults still in force: ${JSON.stringify(left)}`);
    try {
      healAll();
    } catch (error) {
      console.log(String(error));
    }
  }
  if (process.env.E2E_CLUSTER_KEEP !== "1") removeAlertReceiver(); // its endpoint on the stack's network would keep destroy from removing it
  if (deployed && process.env.E2E_CLUSTER_KEEP !== "1") {
    releaseSmallVolumes();
    const destroyed = terraform(["destroy", "-input=false", "-auto-approve"], [0, 1], 240);
    if (destroyed.code !== 0) console.log(`cleanup destroy failed:\n${destroyed.stderr.slice(-2000)}`);
  }
  measured.suiteSeconds = (Date.now() - suiteStarted) / 1000;
  console.log(`faults measurements: ${JSON.stringify(measured)}`);
}, 300_000);

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const seconds = (from: number, to: number) => Math.round((to - from) / 100) / 10;
/** A node's number, the `node` label Prometheus puts on its series: cluster-rabbitmq-2 -> "2". */
const nodeOf = (container: string) => container.slice(container.lastIndexOf("-") + 1);

/** What both clusters look like now, for a failure message. */
async function clustersDiagnosis(): Promise<string> {
  const kafka = await withTimeout(partitionStates(), 20_000, "partition states").catch((error: Error) => error.message);
  let queue: unknown;
  try {
    queue = queueState();
  } catch (error) {
    queue = String(error);
  }
  return `RabbitMQ nodes' views: ${JSON.stringify(await rabbitViews())}\nquorum queue: ${JSON.stringify(queue)}\nKafka partitions: ${JSON.stringify(kafka)}`;
}

/**
 * Waits until both clusters are whole, checking each on its own (both at
 * once, about every second), and returns how long after `since` each was
 * first seen whole: the time the check that saw it ended, so the figures
 * carry a check's duration (a few seconds on a loaded host). Each figure is
 * written into `seen` as soon as it is known (null until then), so a
 * timeout still tells which cluster came back.
 */
async function wholeAgain(
  since: number,
  seen: { rabbitmq: number | null; kafka: number | null },
  timeoutSeconds = 180,
): Promise<{ rabbitmq: number; kafka: number }> {
  const at: { rabbitmq?: number; kafka?: number } = {};
  await waitFor(
    "both clusters whole again (RabbitMQ: every node sees 3 running nodes and no partition, 3 online queue members; Kafka: 3 in-sync replicas of every partition)",
    timeoutSeconds,
    async () => {
      await Promise.all([
        at.rabbitmq === undefined &&
          rabbitWhole().then(
            (whole) => whole && (seen.rabbitmq = seconds(since, (at.rabbitmq = Date.now()))),
            () => undefined,
          ),
        at.kafka === undefined &&
          kafkaWhole().then(
            (whole) => whole && (seen.kafka = seconds(since, (at.kafka = Date.now()))),
            () => undefined,
          ),
      ]);
      return at.rabbitmq !== undefined && at.kafka !== undefined ? true : undefined;
    },
    1000,
  ).catch(async (error: Error) => {
    throw new Error(`${error.message}\n${await clustersDiagnosis()}`, { cause: error });
  });
  return { rabbitmq: seconds(since, at.rabbitmq!), kafka: seconds(since, at.kafka!) };
}

// State the rounds hand on.
/** When the producers' current runs began (0: at deploy). */
let producersStartedAt = 0;
/** What each consumer had processed, and counted as duplicates, when the producers' current runs began. */
const consumedAtProducerStart = { rabbit: 0, kafka: 0 };
const duplicatesAtProducerStart = { rabbit: 0, kafka: 0 };

interface Targets {
  /** The RabbitMQ node leading the quorum queue when the fault began. */
  rabbit: string;
  /** The Kafka node leading partition 0 (none for the RabbitMQ-only alarms). */
  kafka?: string;
}

interface RoundSpec {
  /** The round's key in the measurements. */
  fault: string;
  /** Whether the fault hits Kafka too. */
  kafka: boolean;
  /** What the fault hits, for the log, when not the leaders (the targets). */
  hits?: string;
  /** The fault ends nodes' processes (a kill, a stop, a replacement): they are not the same afterwards, only running. */
  restartsNodes?: boolean;
  /** Called once the leaders are known, right before the fault. */
  beforeFault?(targets: Targets): Promise<void>;
  inject(targets: Targets): void;
  /** Holds the fault; resolves once it may be healed. */
  hold(targets: Targets, faultAt: number): Promise<void>;
  heal(targets: Targets): void;
}

/**
 * One round: producers confirming -> the fault on the leaders -> hold ->
 * heal -> each producer confirming again -> both clusters whole -> producers
 * stopped -> consumers caught up. Measures, prints and returns what the
 * round's test asserts; starts the producers again for the next round
 * (stopped producers would also be drift for the final plan).
 */
async function round(spec: RoundSpec) {
  await waitFor("every container of the stack running and healthy", 180, allRunningAndHealthy, 2000);
  await waitFor("both clusters whole", 120, async () => ((await rabbitWhole()) && (await kafkaWhole()) ? true : undefined), 2000).catch(
    async (error: Error) => {
      throw new Error(`${error.message}\n${await clustersDiagnosis()}`, { cause: error });
    },
  );
  // The outside clients write to queues and topics of their own, through the nodes' host ports. Started
  // while the apps' producers get going (each needs three stats intervals of confirms: 15 s).
  const outside: Partial<Record<"rabbitmq" | "kafka", OutsideProducer>> = {};
  const outsideStartedAt = Date.now();
  outside.rabbitmq = await startOutsideProducer("rabbitmq");
  outsideProducers.push(outside.rabbitmq);
  if (spec.kafka) {
    outside.kafka = await startOutsideProducer("kafka");
    outsideProducers.push(outside.kafka);
  }
  await waitFor("both producers confirming", 90, () =>
    confirming(RABBIT_PRODUCER, producersStartedAt) && confirming(KAFKA_PRODUCER, producersStartedAt) ? true : undefined,
  );
  await waitFor("the outside producers confirming", 90, () =>
    Object.values(outside).every((p) => p.confirming(outsideStartedAt)) ? true : undefined,
  );
  const roundStart = Date.now();
  const appsBefore = processes(APPS);
  const nodesBefore = processes(NODES);
  const targets: Targets = {
    rabbit: containerOf(queueState().leader),
    kafka: spec.kafka ? `cluster-kafka-${(await partitionStates())[0].leader}` : undefined,
  };
  // Filled in as the round goes, so that a failed round still reports what it measured.
  const measurement: Record<string, unknown> = { targets };
  measured.rounds[spec.fault] = measurement;

  await spec.beforeFault?.(targets);
  const faultAt = Date.now();
  spec.inject(targets);
  await spec.hold(targets, faultAt);
  const healAt = Date.now();
  spec.heal(targets);
  measurement.heldSeconds = seconds(faultAt, healAt);
  const hits = spec.hits ?? `${targets.rabbit} (queue leader)${targets.kafka ? ` and ${targets.kafka} (leader of partition 0)` : ""}`;
  console.log(`${spec.fault}: ${hits} held ${measurement.heldSeconds} s, healed`);

  let stopAt = 0;
  /** The producers' side of the round, up to `to`: longest gaps, first confirms, the apps' events. */
  const producerMeasurements = (to: number) => {
    const firstConfirm = (producer: string) => {
      const s = confirmingAgain(producer, faultAt);
      return s && s.t <= to ? seconds(faultAt, s.t) : null;
    };
    Object.assign(measurement, {
      longestConfirmGapSeconds: {
        rabbitmq: longestConfirmGapMs(RABBIT_PRODUCER, roundStart, to) / 1000,
        kafka: longestConfirmGapMs(KAFKA_PRODUCER, roundStart, to) / 1000,
      },
      // From the fault to the end of the first stats interval in which the producer confirmed (5 s resolution).
      confirmingAgainAfterFaultSeconds: { rabbitmq: firstConfirm(RABBIT_PRODUCER), kafka: firstConfirm(KAFKA_PRODUCER) },
      events: Object.fromEntries(APPS.map((app) => [app, eventsSince(app, faultAt).split("\n").filter(Boolean)])),
    });
  };
  // Watched from the heal on, while the producers are waited for.
  const healToWholeSeconds: { rabbitmq: number | null; kafka: number | null } = { rabbitmq: null, kafka: null };
  measurement.healToWholeSeconds = healToWholeSeconds;
  const whole = wholeAgain(healAt, healToWholeSeconds);
  whole.catch(() => undefined); // awaited below; this only keeps an early failure from counting as unhandled
  try {
    // Each producer confirms again: a stats interval that began after the heal in which `confirmed` grew.
    const again = {
      rabbit: await waitFor(`${RABBIT_PRODUCER} to confirm again after the heal`, 120, () => confirmingAgain(RABBIT_PRODUCER, healAt)),
      kafka: await waitFor(`${KAFKA_PRODUCER} to confirm again after the heal`, 120, () => confirmingAgain(KAFKA_PRODUCER, healAt)),
    };
    measurement.confirmingAgainAfterHealSeconds = { rabbitmq: seconds(healAt, again.rabbit.t), kafka: seconds(healAt, again.kafka.t) };
    const wholeAt = await whole;
    // Negative: the producer confirmed before its cluster was whole (a majority or the in-sync replicas suffice).
    measurement.confirmingAgainAfterWholeSeconds = {
      rabbitmq: Math.round((seconds(healAt, again.rabbit.t) - wholeAt.rabbitmq) * 10) / 10,
      kafka: Math.round((seconds(healAt, again.kafka.t) - wholeAt.kafka) * 10) / 10,
    };
  } catch (error) {
    producerMeasurements(Date.now());
    throw error;
  }
  const apps = processes(APPS);
  const nodes = processes(NODES);

  // The outside clients' side: their longest gap over the round, then what reached their queue or topic.
  const outsideStopAt = Date.now();
  const outsideReport: Record<string, { longestGapSeconds: number; verify: OutsideVerify; disconnects: number }> = {};
  const verified = await Promise.all(Object.values(outside).map((producer) => producer.stop().then(() => producer.verify())));
  for (const [i, [kind, producer]] of Object.entries(outside).entries()) {
    const verify = verified[i];
    outsideReport[kind] = {
      longestGapSeconds: producer.longestGapMs(roundStart, outsideStopAt) / 1000,
      verify,
      disconnects: producer.events("disconnected", faultAt).length,
    };
    console.log(`${spec.fault}: outside ${kind} client events since the fault:\n${producer.eventsText(faultAt) || "  (none)"}`);
    producer.dispose();
  }
  outsideProducers.length = 0;
  measurement.outside = outsideReport;

  stopAt = Date.now();
  const runs = { rabbit: stopProducer(RABBIT_PRODUCER), kafka: stopProducer(KAFKA_PRODUCER) };
  producerMeasurements(stopAt);
  /** The rabbitmq producer's lines of the round's run (its log's current run until the `docker start` below). */
  const rabbitProducerLines = currentRun(RABBIT_PRODUCER);
  const rabbitConsumed = await rabbitConsumerCaughtUp(RABBIT_CONSUMER);
  const { consumed: kafkaConsumed } = await kafkaConsumerCaughtUp(KAFKA_CONSUMER);
  // Kafka keeps the records: the confirmed ones the topic lacks, by the producer's numbering.
  const records = await readTopic();
  const present = new Set(records.filter((r) => r.sentAt >= runs.kafka.startedAt - 1000).map((r) => r.seq));
  const missing: number[] = [];
  if (runs.kafka.unconfirmed === 0) for (let seq = 0; seq < runs.kafka.confirmed; seq++) if (!present.has(seq)) missing.push(seq);
  const report = {
    rabbitmq: lossReport(runs.rabbit, consumedAtProducerStart.rabbit, rabbitConsumed),
    kafka: { ...lossReport(runs.kafka, consumedAtProducerStart.kafka, kafkaConsumed), confirmedButNotInTopic: missing.length },
  };
  const duplicates = {
    rabbitmq: rabbitConsumed.duplicates - duplicatesAtProducerStart.rabbit,
    kafka: kafkaConsumed.duplicates - duplicatesAtProducerStart.kafka,
  };
  Object.assign(consumedAtProducerStart, { rabbit: rabbitConsumed.distinct, kafka: kafkaConsumed.distinct });
  Object.assign(duplicatesAtProducerStart, { rabbit: rabbitConsumed.duplicates, kafka: kafkaConsumed.duplicates });
  Object.assign(measurement, { duplicates, loss: report });

  console.log(
    `${spec.fault}: longest time without a confirm ${JSON.stringify(measurement.longestConfirmGapSeconds)} s; ` +
      `confirming again after the fault ${JSON.stringify(measurement.confirmingAgainAfterFaultSeconds)} s, after the heal ${JSON.stringify(measurement.confirmingAgainAfterHealSeconds)} s, ` +
      `after whole ${JSON.stringify(measurement.confirmingAgainAfterWholeSeconds)} s; ` +
      `heal -> whole ${JSON.stringify(measurement.healToWholeSeconds)} s; duplicates ${JSON.stringify(duplicates)}; ${JSON.stringify(report)}; ` +
      `outside clients ${JSON.stringify(Object.fromEntries(Object.entries(outsideReport).map(([k, o]) => [k, { gap: o.longestGapSeconds, disconnects: o.disconnects, confirmed: o.verify.confirmed, duplicates: o.verify.duplicates, lost: o.verify.lost }])))}`,
  );
  const events = measurement.events as Record<string, string[]>;
  for (const app of APPS) console.log(`${spec.fault}: ${app} events since the fault:\n${events[app].join("\n") || "  (none)"}`);

  // The next round's producer runs (and the final plan: a stopped container is drift).
  producersStartedAt = Date.now();
  docker("start", RABBIT_PRODUCER, KAFKA_PRODUCER);

  return {
    restartsNodes: spec.restartsNodes ?? false,
    targets,
    faultAt,
    healAt,
    runs,
    report,
    missing,
    appsBefore,
    apps,
    nodesBefore,
    nodes,
    measurement,
    rabbitProducerLines,
    outsideReport,
  };
}

/** What every round asserts: nothing confirmed lost, the same processes throughout, clean producer exits. */
function expectCleanRound(r: Awaited<ReturnType<typeof round>>) {
  expect(r.apps).toEqual(r.appsBefore);
  if (r.restartsNodes) expect(r.nodes.filter((n) => !n.running)).toEqual([]);
  // The other faults are survived by the nodes' own processes too: a pause or a cut is not a crash.
  else expect(r.nodes).toEqual(r.nodesBefore);
  expect([r.runs.rabbit.exitCode, r.runs.kafka.exitCode]).toEqual([0, 0]);
  expect(r.runs.rabbit.confirmed).toBeGreaterThan(0);
  expect(r.runs.kafka.confirmed).toBeGreaterThan(0);
  expect({ rabbitmq: r.report.rabbitmq.lost, kafka: r.report.kafka.lost, kafkaConfirmedButNotInTopic: r.missing }).toEqual({
    rabbitmq: 0,
    kafka: 0,
    kafkaConfirmedButNotInTopic: [],
  });
  // The outside clients too: every message they saw confirmed is in their queue or topic, read to its end.
  for (const [kind, { verify }] of Object.entries(r.outsideReport)) {
    expect({ kind, confirmed: verify.confirmed > 0, complete: verify.complete, lost: verify.lost }).toEqual({
      kind,
      confirmed: true,
      complete: true,
      lost: 0,
    });
  }
  expect(runningNodes()).toEqual(ALL_MEMBERS);
  expect(queueState().online).toEqual(ALL_MEMBERS);
}

/** Holds a node fault for its fixed time. */
const holdFor = (holdSeconds: number) => () => sleep(holdSeconds * 1000);

/** What the alarm rounds watch in Prometheus while the alarm holds. */
interface AlarmWatch {
  /** Seconds from the alarm to the first look that saw RabbitMqResourceAlarm firing for the node. */
  alertFiringAfterSeconds?: number;
  /** Every `broker-node` RabbitMqResourceAlarm was seen firing for. */
  firingFor: string[];
  /** The producer's blocked gauge: its value before the alarm, and the largest value seen while it held (null: no such series). */
  gaugeBefore: number | null;
  gaugeMax: number | null;
  /**
   * The largest value seen for the node, while the alarm held, of the node's
   * two alarm series and of the expression of the loaded RabbitMqResourceAlarm
   * rule (what the alert fires on): tells a rule that misses an alarm from a
   * metric that lacks it.
   */
  seriesMax: Record<string, number | null>;
}

const ALARM_SERIES = ["rabbitmq_alarms_memory_used_watermark", "rabbitmq_alarms_free_disk_space_watermark"];

/** The expression of the loaded RabbitMqResourceAlarm rule, from Prometheus's rules API. */
async function resourceAlarmExpression(): Promise<string> {
  const response = await fetch(`${PROMETHEUS_URL}/api/v1/rules?type=alert`, { signal: AbortSignal.timeout(10_000) });
  const body = (await response.json()) as { data: { groups: { rules: { name: string; query: string }[] }[] } };
  const rule = body.data.groups.flatMap((g) => g.rules).find((r) => r.name === "RabbitMqResourceAlarm");
  if (!rule) throw new Error("no RabbitMqResourceAlarm rule loaded");
  return rule.query;
}

async function blockedGauge(): Promise<number | null> {
  const samples = await query(PROMETHEUS_URL, `max(${BLOCKED_GAUGE}{app="cluster-rabbitmq-producer"})`);
  return samples.length > 0 ? samples[0].value : null;
}

/** Until no RabbitMqResourceAlarm is pending or firing (the previous alarm round's has resolved), so what fires next is this round's. */
async function noResourceAlarmAlert(): Promise<void> {
  await waitFor("no RabbitMqResourceAlarm pending or firing", 90, async () =>
    (await alerts(PROMETHEUS_URL)).some((a) => a.name === "RabbitMqResourceAlarm") ? undefined : true,
  );
}

/**
 * Holds an alarm at least `minSeconds`, and on until Prometheus fires
 * RabbitMqResourceAlarm for the node and the producer's blocked gauge has
 * read 1 (each looked for every 2 s), at most `maxSeconds`: an alert that
 * never fires fails the round's assertions, after the heal.
 */
function holdAlarm(watch: AlarmWatch, alarm: string, minSeconds = 20, maxSeconds = 60) {
  return async (targets: Targets, faultAt: number) => {
    const expressions = [...ALARM_SERIES, await resourceAlarmExpression()];
    // The alarm is in force on the node before anything else is waited for.
    await waitFor(`the ${alarm} alarm in force on ${targets.rabbit}`, 30, () =>
      rabbitLimits(targets.rabbit).alarms.includes(`${alarm}@rabbit@${targets.rabbit}`) ? true : undefined,
    );
    const node = nodeOf(targets.rabbit);
    for (;;) {
      try {
        const firing = (await alerts(PROMETHEUS_URL)).filter((a) => a.name === "RabbitMqResourceAlarm" && a.state === "firing");
        for (const a of firing) {
          const id = `${a.labels.broker}-${a.labels.node}`;
          if (!watch.firingFor.includes(id)) watch.firingFor.push(id);
          if (a.labels.broker === "cluster-rabbitmq" && a.labels.node === node)
            watch.alertFiringAfterSeconds ??= seconds(faultAt, Date.now());
        }
        const gauge = await blockedGauge();
        if (gauge !== null) watch.gaugeMax = Math.max(watch.gaugeMax ?? gauge, gauge);
        for (const [i, expression] of expressions.entries()) {
          const key = i < ALARM_SERIES.length ? expression : "RabbitMqResourceAlarm expression";
          const value = (await query(PROMETHEUS_URL, expression)).find(
            (x) => x.metric.broker === "cluster-rabbitmq" && x.metric.node === node,
          )?.value;
          if (value !== undefined) watch.seriesMax[key] = Math.max(watch.seriesMax[key] ?? value, value);
          else watch.seriesMax[key] ??= null;
        }
      } catch (error) {
        console.log(`Prometheus not answering during the ${alarm} alarm: ${String(error)}`);
      }
      const held = (Date.now() - faultAt) / 1000;
      const seen = watch.alertFiringAfterSeconds !== undefined && watch.gaugeMax === 1;
      if ((held >= minSeconds && seen) || held >= maxSeconds) return;
      await sleep(2000);
    }
  };
}

/** The rabbitmq producer's `blocked`, `unblocked` and `disconnected` lines of the round's run. */
function blockedTimeline(run: Array<Record<string, any>>, faultAt: number) {
  const lines = run.map((l): Record<string, any> => ({ ...l, t: Date.parse(l.ts) }));
  const blocked = lines.find((l) => l.event === "blocked" && l.t >= faultAt);
  const unblocked = blocked && lines.find((l) => l.event === "unblocked" && l.t >= blocked.t);
  const end = unblocked?.t ?? Infinity;
  const disconnected = lines.filter((l) => l.event === "disconnected" && l.t >= faultAt && l.t <= end).map((l) => `${l.ts} ${l.reason}`);
  return {
    blocked: blocked ? { afterSeconds: seconds(faultAt, blocked.t), reason: blocked.reason } : null,
    unblocked: unblocked ? { afterSeconds: seconds(faultAt, unblocked.t) } : null,
    disconnected,
  };
}

/** A RabbitMQ-only alarm round (memory or disk) and what it asserts beyond the common checks. */
async function alarmRound(fault: string, alarm: "memory" | "disk", raise: (node: string) => RabbitLimits) {
  await noResourceAlarmAlert();
  const watch: AlarmWatch = { firingFor: [], gaugeBefore: null, gaugeMax: null, seriesMax: {} };
  let before: RabbitLimits | undefined;
  const r = await round({
    fault,
    kafka: false,
    beforeFault: async () => {
      watch.gaugeBefore = await blockedGauge().catch(() => null);
    },
    inject: (t) => {
      before = raise(t.rabbit);
    },
    hold: holdAlarm(watch, alarm),
    heal: (t) => (alarm === "memory" ? restoreMemoryWatermark(t.rabbit, before!) : restoreDiskFreeLimit(t.rabbit, before!)),
  });
  const after = rabbitLimits(r.targets.rabbit);
  const timeline = blockedTimeline(r.rabbitProducerLines, r.faultAt);
  Object.assign(r.measurement, {
    limitsBefore: before,
    limitsAfter: after,
    prometheus: { ...watch, gauge: BLOCKED_GAUGE },
    producer: timeline,
  });
  console.log(
    `${fault}: limits before ${JSON.stringify(before)}, after ${JSON.stringify(after)}; producer ${JSON.stringify(timeline)}; ` +
      `Prometheus ${JSON.stringify(watch)}`,
  );
  return { r, before: before!, after, timeline, watch };
}

/** The alarm rounds' own assertions. */
function expectAlarmRound(a: Awaited<ReturnType<typeof alarmRound>>) {
  expectCleanRound(a.r);
  // The node's limits are back to exactly what they were, and no alarm is left.
  expect({
    memoryWatermark: a.after.memoryWatermark,
    memoryLimitBytes: a.after.memoryLimitBytes,
    diskFreeLimitBytes: a.after.diskFreeLimitBytes,
  }).toEqual({
    memoryWatermark: a.before.memoryWatermark,
    memoryLimitBytes: a.before.memoryLimitBytes,
    diskFreeLimitBytes: a.before.diskFreeLimitBytes,
  });
  expect(a.after.alarms).toEqual([]);
  // The producer was blocked, waited connected, and was unblocked.
  expect({ blocked: a.timeline.blocked !== null, unblocked: a.timeline.unblocked !== null, disconnected: a.timeline.disconnected }).toEqual(
    {
      blocked: true,
      unblocked: true,
      disconnected: [],
    },
  );
  // While the alarm held, Prometheus fired its alert for that node and read the producer's blocked gauge as 1
  // (seriesMax, in the log line above, tells a rule that misses the alarm from a metric that lacks it).
  // The gauge was 0 before the alarm.
  expect({ alertFiringFor: a.watch.firingFor, blockedGaugeBefore: a.watch.gaugeBefore, blockedGaugeMax: a.watch.gaugeMax }).toEqual({
    alertFiringFor: [`cluster-rabbitmq-${nodeOf(a.r.targets.rabbit)}`],
    blockedGaugeBefore: 0,
    blockedGaugeMax: 1,
  });
}

/**
 * From the host, through the ports the nodes publish on 127.0.0.1: a
 * plaintext client is refused by every node of both brokers; trusting the
 * exported CAs, every RabbitMQ node takes a confirmed publish and delivers it
 * back, every Kafka node answers and advertises the three host addresses,
 * and a Kafka client produces (acks=all) and consumes on a topic of its own.
 */
async function expectHostClientsReachEveryNode(): Promise<void> {
  for (const port of HOST_AMQP_PORTS) expect(await plaintextAmqp(port)).toMatch(/^refused: /);
  for (const seed of HOST_BROKERS) {
    await expect(
      withTimeout(
        withAdmin((admin) => admin.describeCluster(), [seed], { tls: false }),
        30_000,
        `plaintext describeCluster via ${seed}`,
      ),
    ).rejects.toThrow();
  }
  for (const port of HOST_AMQP_PORTS) {
    expect((await hostRoundTrip(port)).length).toBe(10);
  }
  for (const seed of HOST_BROKERS) {
    const cluster = await withTimeout(
      withAdmin((admin) => admin.describeCluster(), [seed]),
      60_000,
      `describeCluster via ${seed}`,
    );
    expect(cluster.brokers.map((b) => `${b.host}:${b.port}`).sort()).toEqual(HOST_BROKERS);
  }
  const probe = `e2e.host-check.${randomBytes(3).toString("hex")}`;
  const kafka = hostKafka();
  await withAdmin((admin) =>
    admin.createTopics({ waitForLeaders: false, topics: [{ topic: probe, numPartitions: 3, replicationFactor: 3 }] }),
  );
  // Not createTopics' waitForLeaders (on unless turned off): it retries LEADER_NOT_AVAILABLE only, and a
  // broker that has not replayed the new topic from the metadata log yet answers
  // UNKNOWN_TOPIC_OR_PARTITION (seen once in CI). Ask until every partition has a leader.
  await waitForAsync(`a leader for every partition of ${probe}`, 60, async () => {
    const { topics } = await withAdmin((admin) => admin.fetchTopicMetadata({ topics: [probe] })).catch(() => ({
      topics: [] as { partitions: { leader: number }[] }[],
    }));
    return topics[0]?.partitions.length === 3 && topics[0].partitions.every((p) => p.leader >= 0) ? true : undefined;
  });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  const sent = Array.from({ length: 30 }, (_, i) => `host-check ${i}`);
  await withTimeout(
    producer.send({ topic: probe, acks: -1, messages: sent.map((value, i) => ({ key: `k${i}`, value })) }),
    60_000,
    "host produce",
  );
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
}

describe("given the clusters example (3-node RabbitMQ, 3-node Kafka, a producer and a consumer on each) deployed with terraform apply", () => {
  test("then every node and app runs healthy, the quorum queue and every partition have 3 replicas in sync, host clients reach every node on 127.0.0.1 (TLS only), both producers confirm, and the Alertmanager notifies nobody", async () => {
    deployed = true; // from here on, afterAll cleans up
    Object.assign(measured, await deployCluster());
    expect(deployedContainers()).toEqual(EXPECTED_DEPLOY);
    expect(runningNodes()).toEqual(ALL_MEMBERS);
    const queue = queueState();
    expect({ members: queue.members, online: queue.online }).toEqual({ members: ALL_MEMBERS, online: ALL_MEMBERS });
    // Kafka's own view (its tool, inside a node): 3 partitions, each on all 3 nodes and all 3 in sync.
    expect(describeTopic("cluster-kafka-2")).toEqual(
      [0, 1, 2].map((partition) => ({ partition, leader: expect.any(Number), replicas: [1, 2, 3], isr: [1, 2, 3] })),
    );
    // The Alertmanager's webhook, from now on (what fired and resolved during the deploy, before anyone was told, is never
    // sent). Started before the host clients' checks, which take longer than the quiet time asserted after them.
    const receiverStartedAt = Date.now();
    startAlertReceiver();
    await waitFor("the alert receiver listening", 30, () => (/listening on/.test(receiverLog()) ? true : undefined));

    await expectHostClientsReachEveryNode();

    await waitFor("both producers confirming", 60, () => (confirming(RABBIT_PRODUCER) && confirming(KAFKA_PRODUCER) ? true : undefined));
    // What the example costs: memory per container once traffic flows.
    const memory = memoryMiB();
    measured.memoryMiB = memory;
    measured.memoryTotalMiB = Object.values(memory).reduce((a, b) => a + b, 0);
    console.log(`docker stats (MiB): ${JSON.stringify(memory)}; total ${measured.memoryTotalMiB} MiB`);
    // Two of the example's group intervals (10 s): a group that was firing would have been notified by then.
    await sleep(Math.max(0, receiverStartedAt + 20_000 - Date.now()));
    expect(notifications()).toEqual([]);
  }, 720_000);

  test("when the node leading the quorum queue and the leader of partition 0 are killed under traffic, then Prometheus fires MessagingBrokerNodeDown for both, and once they are started again the producers confirm, both clusters are whole, no app restarted and every confirmed message is consumed", async () => {
    let firing: string[] = [];
    /** When the webhook was first told each killed node (`<broker>-<node>`, its container's name) was down, ms since the epoch. */
    let notifiedFiring: Record<string, number> = {};
    // The rule's `for` as Prometheus loaded it (15 s: three scrapes of 5 s), and the bound on the notification's latency.
    const nodeDownFor = (await alertRules(PROMETHEUS_URL)).find((rule) => rule.name === "MessagingBrokerNodeDown")?.durationSeconds ?? 15;
    const notifyBoundSeconds = nodeDownFor + ALERT_GROUP_WAIT_SECONDS + ALERT_NOTIFY_MARGIN_SECONDS;
    const r = await round({
      fault: "kill",
      kafka: true,
      restartsNodes: true,
      inject: (t) => kill(t.rabbit, t.kafka!),
      // Down until the default node-down alert fires for both (its rule's `for` plus a scrape) and the webhook has been
      // told of both (plus the group wait), 5 s at least.
      hold: async (t, faultAt) => {
        firing = await waitForAsync("MessagingBrokerNodeDown firing for both killed nodes", 120, async () => {
          const firingNow = (await alerts(PROMETHEUS_URL)).filter((a) => a.name === "MessagingBrokerNodeDown" && a.state === "firing");
          const down = [...new Set(firingNow.map((a) => `${a.labels.broker}-${a.labels.node}`))].sort();
          return down.length >= 2 ? down : undefined;
        });
        console.log(`kill: MessagingBrokerNodeDown firing for ${firing.join(", ")}, ${seconds(faultAt, Date.now())} s after the kill`);
        // Twice the bound at most, so that a late notification is measured rather than only timed out; the round heals in any case.
        const killed = [t.rabbit, t.kafka!];
        notifiedFiring = await waitFor(
          "a firing MessagingBrokerNodeDown notification for both killed nodes at the webhook",
          Math.max(5, (faultAt + 2 * notifyBoundSeconds * 1000 - Date.now()) / 1000),
          () => {
            const notified = notifiedNodes("MessagingBrokerNodeDown", "firing", faultAt);
            return killed.every((node) => notified[node] !== undefined) ? notified : undefined;
          },
        ).catch((error: Error) => {
          console.log(`kill: ${error.message}\nthe receiver's log:\n${receiverLog()}`);
          return notifiedNodes("MessagingBrokerNodeDown", "firing", faultAt);
        });
        await sleep(Math.max(0, faultAt + 5000 - Date.now()));
      },
      heal: (t) => start(t.rabbit, t.kafka!),
    });
    const killed = [r.targets.rabbit, r.targets.kafka!].sort();
    // The nodes are back (the round waited for whole clusters): the alert resolves, and the webhook is told so.
    const notifiedResolved = await waitFor(
      "a resolved MessagingBrokerNodeDown notification for both restarted nodes at the webhook",
      120,
      () => {
        const notified = notifiedNodes("MessagingBrokerNodeDown", "resolved", r.healAt);
        return killed.every((node) => notified[node] !== undefined) ? notified : undefined;
      },
    ).catch((error: Error) => {
      console.log(`kill: ${error.message}\nthe receiver's log:\n${receiverLog()}`);
      return notifiedNodes("MessagingBrokerNodeDown", "resolved", r.healAt);
    });
    const latency = (at: Record<string, number>, from: number) =>
      Object.fromEntries(Object.entries(at).map(([node, t]) => [node, seconds(from, t)]));
    const notifiedAfterKillSeconds = latency(notifiedFiring, r.faultAt);
    const resolvedAfterStartSeconds = latency(notifiedResolved, r.healAt);
    Object.assign(r.measurement, {
      alertNotifiedAfterKillSeconds: notifiedAfterKillSeconds,
      alertResolvedNotifiedAfterStartSeconds: resolvedAfterStartSeconds,
    });
    console.log(
      `kill: the webhook was told MessagingBrokerNodeDown fired ${JSON.stringify(notifiedAfterKillSeconds)} s after the kill ` +
        `(bound: the rule's for ${nodeDownFor} s + group wait ${ALERT_GROUP_WAIT_SECONDS} s + ${ALERT_NOTIFY_MARGIN_SECONDS} s), ` +
        `and that it resolved ${JSON.stringify(resolvedAfterStartSeconds)} s after the start`,
    );
    expectCleanRound(r);
    expect(firing).toEqual([`cluster-kafka-${nodeOf(r.targets.kafka!)}`, `cluster-rabbitmq-${nodeOf(r.targets.rabbit)}`]);
    expect({
      firingNotified: Object.keys(notifiedFiring)
        .filter((node) => killed.includes(node))
        .sort(),
      lateFiringNotifications: Object.entries(notifiedAfterKillSeconds).filter(
        ([node, s]) => killed.includes(node) && s > notifyBoundSeconds,
      ),
      resolvedNotified: Object.keys(notifiedResolved)
        .filter((node) => killed.includes(node))
        .sort(),
    }).toEqual({ firingNotified: killed, lateFiringNotifications: [], resolvedNotified: killed });
  }, 600_000);

  /** A node fault on both leaders at once, held for its time, then healed: a round, and what every round asserts. */
  const nodeFaultRound = async (name: "pause" | "cut") => {
    const fault = NODE_FAULTS[name];
    const r = await round({
      fault: name,
      kafka: true,
      inject: (t) => [t.rabbit, t.kafka!].forEach(fault.inject),
      hold: holdFor(fault.holdSeconds),
      heal: (t) => [t.rabbit, t.kafka!].forEach(fault.heal),
    });
    expectCleanRound(r);
  };

  test("when the node leading the quorum queue and the leader of partition 0 hang for 20 s (docker pause) under traffic, then once thawed the producers confirm again, both clusters are whole, no app or node restarted and every confirmed message is consumed", async () => {
    await nodeFaultRound("pause");
  }, 600_000);

  test("when the node leading the quorum queue and the leader of partition 0 are cut off the network for 30 s (every packet dropped, Docker's networks untouched) under traffic, then once healed the producers confirm again, both clusters are whole, no app or node restarted and every confirmed message is consumed", async () => {
    await nodeFaultRound("cut");
  }, 600_000);

  test("when the node leading the quorum queue raises a memory alarm (its watermark set to 1 MB) under traffic, then the rabbitmq producer is blocked without reconnecting, Prometheus fires RabbitMqResourceAlarm for that node and shows the producer blocked, and once the watermark is restored the producer is unblocked and confirms again and every confirmed message is consumed", async () => {
    expectAlarmRound(await alarmRound("memoryAlarm", "memory", memoryAlarm));
  }, 600_000);

  test("when the node leading the quorum queue raises a disk alarm (its free-disk limit set to 1 EB) under traffic, then the rabbitmq producer is blocked without reconnecting, Prometheus fires RabbitMqResourceAlarm for that node and shows the producer blocked, and once the limit is restored the producer is unblocked and confirms again and every confirmed message is consumed", async () => {
    expectAlarmRound(await alarmRound("diskAlarm", "disk", diskAlarm));
  }, 600_000);

  test("when the data volume of a Kafka node leading a partition fills up under traffic, then the node stops, the kafka producer fails over, and once space is freed and the node restarted both clusters are whole, no app restarted and every confirmed message is consumed", async () => {
    // The node's volume onto a filesystem of its own first (fault-injection.ts, smallVolume: filling
    // the volume as it is would fill the host's disk), then its partitions' leaderships back to it.
    const node = KAFKA_FULL_DISK_NODE;
    const prepared = Date.now();
    smallVolume(node, KAFKA_DATA_DIR, SMALL_VOLUME_MIB);
    await waitFor("Kafka whole after moving the node's volume", 180, async () => ((await kafkaWhole()) ? true : undefined), 2000);
    const election = electPreferredLeaders(node);
    const leads = await waitForAsync(`${node} leading a partition again`, 60, async () => {
      const led = (await partitionStates()).filter((p) => `cluster-kafka-${p.leader}` === node).map((p) => p.partition);
      return led.length > 0 ? led : undefined;
    }).catch((error: Error) => {
      throw new Error(`${error.message}\nkafka-leader-election.sh: ${election}`, { cause: error });
    });
    measured.smallVolumeSeconds = seconds(prepared, Date.now());
    let nodeLog: string[] = [];
    /** How often Docker's restart policy started the node again while its volume was full. */
    let nodeRestartsWhileFull = 0;
    let before: ReturnType<typeof processes>[number];
    const r = await round({
      fault: "kafkaDiskFull",
      kafka: true,
      hits: `${node} (leading partitions ${leads.join(", ")}): its data volume full`,
      restartsNodes: true,
      beforeFault: async () => {
        before = processes([node])[0];
      },
      inject: () => fill(node, KAFKA_DATA_DIR),
      // Until the node's process has ended (Kafka stops a broker whose log directory fails), 20 s at least, 90 s at most.
      hold: async (_t, faultAt) => {
        await waitFor(`${node} to stop on its full disk`, 90, () => {
          const now = processes([node])[0];
          return !now.running || now.restartCount !== before.restartCount || now.startedAt !== before.startedAt ? true : undefined;
        });
        const logs = docker("logs", "--since", new Date(faultAt - 1000).toISOString(), node);
        nodeLog = `${logs.stdout}\n${logs.stderr}`
          .split("\n")
          .filter((l) => /No space left|log dir|Shutdown broker|halt/i.test(l))
          .slice(0, 12);
        await sleep(Math.max(0, faultAt + 20_000 - Date.now()));
      },
      // As an operator would: free the space, then restart the node (Docker's restart policy backs off up to a minute).
      heal: () => {
        nodeRestartsWhileFull = processes([node])[0].restartCount - before.restartCount;
        unfill(node, KAFKA_DATA_DIR);
        docker("restart", node);
      },
    });
    Object.assign(r.measurement, { nodeLog, leads, nodeRestartsWhileFull });
    console.log(`kafkaDiskFull: what ${node} logged:\n${nodeLog.join("\n") || "  (nothing matched)"}`);
    expectCleanRound(r);
    expect(nodeLog.some((l) => /No space left on device/.test(l))).toBe(true);
  }, 720_000);

  test("when every node of both clusters is stopped under traffic and started 5 s later, then the producers confirm again, both clusters are whole, no app restarted and every confirmed message is consumed", async () => {
    const r = await round({
      fault: "restart",
      kafka: true,
      hits: "every node of both clusters",
      restartsNodes: true,
      inject: () => stop(...NODES),
      hold: holdFor(OUTAGE_SECONDS),
      heal: () => start(...NODES),
    });
    expectCleanRound(r);
  }, 600_000);

  test("when every node of both clusters is replaced by the package's rolling command (npm run roll -- --replace: one node of each cluster at a time) under traffic, then no cluster ever has two nodes down, the producers confirm throughout, no app restarted and every confirmed message is consumed", async () => {
    let rolled: RollResult | undefined;
    let idsBefore: Record<string, string> = {};
    const r = await round({
      fault: "roll",
      kafka: true,
      hits: "every node of both clusters, one node of each cluster at a time",
      restartsNodes: true,
      inject: () => {
        idsBefore = Object.fromEntries(NODES.map((n) => [n, inspect(n).Id]));
      },
      hold: async () => {
        rolled = await rollingReplace(["cluster-rabbitmq", "cluster-kafka"]);
        console.log(`roll: ${rolled.seconds} s\n${rolled.progress.join("\n")}`);
      },
      heal: () => undefined,
    });
    Object.assign(r.measurement, { rollSeconds: rolled!.seconds, fewestRunning: rolled!.fewestRunning });
    expectCleanRound(r);
    expect(NODES.filter((n) => inspect(n).Id === idsBefore[n])).toEqual([]);
    expect(rolled!.fewestRunning).toEqual({ "cluster-rabbitmq": RABBIT_NODES.length - 1, "cluster-kafka": KAFKA_NODES.length - 1 });
  }, 900_000);

  test("when the producers stop and both clusters are stopped and started with the apps idle, then the queue and its unconsumed messages, the topic, its records and the group's committed offsets survive, and traffic flows again", async () => {
    // The producers' runs since the last round end, and the consumers catch up: Kafka's group has committed everything.
    const runs = { rabbit: stopProducer(RABBIT_PRODUCER), kafka: stopProducer(KAFKA_PRODUCER) };
    const rabbitConsumed = await rabbitConsumerCaughtUp(RABBIT_CONSUMER);
    const { consumed: kafkaConsumed } = await kafkaConsumerCaughtUp(KAFKA_CONSUMER);
    expect({
      rabbitmq: lossReport(runs.rabbit, consumedAtProducerStart.rabbit, rabbitConsumed).lost,
      kafka: lossReport(runs.kafka, consumedAtProducerStart.kafka, kafkaConsumed).lost,
    }).toEqual({ rabbitmq: 0, kafka: 0 });
    // Leave messages in the queue: the consumer stopped, the producer runs a few seconds.
    docker("stop", "-t", "20", RABBIT_CONSUMER);
    const producerStartedAt = Date.now();
    docker("start", RABBIT_PRODUCER);
    await waitFor(`${RABBIT_PRODUCER} confirming`, 60, () => confirming(RABBIT_PRODUCER, producerStartedAt));
    stopProducer(RABBIT_PRODUCER);
    const queueBefore = await settledQueueState();
    expect(queueBefore.ready).toBeGreaterThan(0);
    const before = await offsets();
    const metaBefore = await partitionStates();
    expect(sum(before.high)).toBeGreaterThan(0);
    expect(before.committed).toEqual(before.high);

    const stoppedAt = Date.now();
    docker("stop", ...NODES);
    expect(NODES.filter((node) => inspect(node).State.Running)).toEqual([]);
    docker("start", ...NODES);

    await waitFor(
      "RabbitMQ back with 3 nodes and the queue online on all of them",
      180,
      () => {
        const q = queueState();
        return runningNodes().length === 3 && q.online.length === 3 ? q : undefined;
      },
      3000,
    );
    const queueAfter = await settledQueueState();
    // Once Kafka answers again (leaders elected, group coordinator loaded), the
    // same watermarks and commits. A restarted leader may report a lower high
    // watermark until its followers fetch, hence the wait.
    let after: Offsets | undefined;
    await waitForAsync("the topic's offsets and the group's commits readable again and as before", 150, async () => {
      const states = await partitionStates();
      if (states.length !== 3 || states.some((p) => p.leader < 0)) return undefined;
      after = await offsets();
      return JSON.stringify(after) === JSON.stringify(before) ? after : undefined;
    }).catch((error) => {
      if (!after) throw error; // never readable: that is the failure
    });
    measured.idleClustersOutageSeconds = (Date.now() - stoppedAt) / 1000;
    console.log(
      `clusters stopped and started idle: state compared ${measured.idleClustersOutageSeconds} s after docker stop; queue ${queueBefore.ready} -> ${queueAfter.ready} ready`,
    );
    expect(queueAfter.ready).toBe(queueBefore.ready);
    expect(after).toEqual(before);
    const metaAfter = await partitionStates();
    expect(metaAfter.map((p) => ({ partition: p.partition, replicas: p.replicas }))).toEqual(
      metaBefore.map((p) => ({ partition: p.partition, replicas: p.replicas })),
    );

    // Traffic flows again: the consumer drains what was left, new producer runs confirm (and the plan sees no stopped container).
    const kafkaBefore = consumerDistinct(KAFKA_CONSUMER)?.distinct ?? 0;
    const appsStartedAt = Date.now();
    docker("start", RABBIT_CONSUMER, RABBIT_PRODUCER, KAFKA_PRODUCER);
    // A new consumer process: its counters start at 0.
    await waitFor(`${RABBIT_CONSUMER} drained the ${queueBefore.ready} messages left`, 120, () => {
      const now = consumerDistinct(RABBIT_CONSUMER);
      return now && now.distinct >= queueBefore.ready ? true : undefined;
    });
    await waitFor(`${KAFKA_CONSUMER} consuming after the restart`, 120, () => {
      const now = consumerDistinct(KAFKA_CONSUMER);
      return now && now.distinct > kafkaBefore ? true : undefined;
    });
    await waitFor("both producers confirming after the restart", 90, () =>
      confirming(RABBIT_PRODUCER, appsStartedAt) && confirming(KAFKA_PRODUCER, appsStartedAt) ? true : undefined,
    );
    await waitFor("every container healthy after the restart", 150, allRunningAndHealthy);
  }, 600_000);

  test("then a second plan after the faults shows no changes", () => {
    expect(secondPlan()).toEqual({ exitCode: 0, changes: "" });
  }, 200_000);

  test("when destroyed, then no container, network or volume of the stack is left", () => {
    releaseSmallVolumes();
    removeAlertReceiver(); // not the stack's: its endpoint on the stack's network would keep destroy from removing the network
    const destroyed = destroyCluster();
    deployed = false;
    measured.destroySeconds = destroyed.seconds;
    expect(destroyed.left).toEqual({ containers: [], networks: [], volumes: [] });
  }, 320_000);
});
