/**
 * Failover benchmark (issue 9): the failover gap of each broker's cluster,
 * the longest time a producer gets no confirm after a fault on the node that
 * leads its queue / partition: killed, hung (`docker pause`) or cut off the
 * network (iptables DROP in its network namespace); or on every node: all
 * stopped and started again 5 s later (a full outage), or replaced one at a
 * time by the package's rolling command (`cdktf-messaging-roll --replace
 * --broker <it>`).
 *
 *   node -r esbuild-register bench/failover.ts [--kills 3] [--faults kill,pause,cut,restart,roll] [--brokers rabbitmq,kafka]
 *
 * Deploys the clusters example (the fault suite's stack: a 3-node
 * RabbitMQ with a quorum queue and a 3-node Kafka with 3 partitions of
 * replication factor 3, min.insync.replicas 2, each with its endless
 * producer at 50 msg/s with confirms / acks=all and a consumer, all in
 * containers) with terraform, then for each fault of --faults (default
 * every one), for each broker, --kills times: wait for the cluster to be
 * whole and the producer confirming, inject the fault into the leader (of
 * the quorum queue; of partition 0) or every node, undo it, read the gap
 * from the producer's own `confirmGapMaxMs` (the longest time between two
 * confirms, exact to the millisecond, not bounded by the stats interval)
 * from the fault up to its first confirming stats interval after the
 * undoing (so a second stall as the node rejoins counts too), and wait
 * until the cluster is whole again
 * (RabbitMQ: every node sees 3 running nodes and no partition, the queue has
 * 3 online members; Kafka: every partition has 3 in-sync replicas).
 * A killed node is started again as soon as the producer confirms again; a
 * paused or cut node is healed after the fault suite's hold (pause 20 s,
 * cut 30 s: __tests__/faults/fault-injection.ts), whether or not the
 * producer confirmed meanwhile (if it did not, the gap runs past the heal).
 * For a full outage the gap is the outage; what counts there is how soon the
 * producer confirms once the cluster is whole again (target: 10 s), reported
 * as "confirms after whole" (the end of its first confirming stats
 * interval, so up to 5 s late; negative: it confirmed before every node was
 * back).
 * One broker is faulted at a time, so each gap is that broker's alone.
 * Reports the median of the runs per fault and broker.
 *
 * The result is bench/results/failover.json (and .md, and BENCHMARKS.md's
 * section) for the default (every fault, both brokers),
 * failover-<faults>[-<brokers>].json/.md (e.g. failover-pause-cut-rabbitmq)
 * for any other set; the JSON names its faults.
 *
 * Alongside the apps, one outside client per broker (pika with publisher
 * confirms; librdkafka with acks=all, idempotent: __tests__/faults/
 * outside-clients.ts) writes at 50 msg/s to a queue or topic of its own
 * through the nodes' host ports for the whole run. Its gap is measured
 * over the same faults, from the fault until it confirms again; at the end
 * it reads its queue or topic and reports what it saw confirmed and lost.
 *
 * Uses the cluster example's names and ports (__tests__/e2e-cluster/): do
 * not run it at the same time as `npm run test:faults`.
 */
import { waitFor, waitForAsync } from "../__tests__/support/commands";
import { confirming, confirmingAgain, longestConfirmGapMs } from "../__tests__/e2e-cluster/app-logs";
import {
  allRunningAndHealthy,
  KAFKA_NODES,
  KAFKA_PRODUCER,
  RABBIT_NODES,
  RABBIT_PRODUCER,
  removeLeftovers,
  synthAndInit,
  terraform,
} from "../__tests__/e2e-cluster/cluster-stack";
import { partitionStates } from "../__tests__/e2e-cluster/kafka-probes";
import { containerOf, queueState } from "../__tests__/e2e-cluster/rabbitmq-probes";
import {
  healAll,
  kafkaWhole,
  kill,
  NODE_FAULTS,
  OUTAGE_SECONDS,
  rabbitWhole,
  rollingReplace,
  start,
  stop,
} from "../__tests__/faults/fault-injection";
import { ensureOutsideClients, startOutsideProducer, type OutsideProducer, type OutsideVerify } from "../__tests__/faults/outside-clients";
import { fmt, log, out, parseArgs, runHeader, summarize, table, writeReport, writeResult } from "./lib/stats";
import * as os from "os";

const FAULT_NAMES = ["kill", "pause", "cut", "restart", "roll"] as const;
type FaultName = (typeof FAULT_NAMES)[number];

const args = parseArgs(process.argv.slice(2));
/** Runs per fault and broker (the name dates from when the only fault was a kill). */
const KILLS = Number(args.get("kills") ?? 3);
const FAULTS = (args.get("faults") ?? FAULT_NAMES.join(",")).split(",").map((f) => f.trim()) as FaultName[];
for (const f of FAULTS) if (!FAULT_NAMES.includes(f)) throw new Error(`--faults: unknown fault "${f}" (known: ${FAULT_NAMES.join(", ")})`);
/** The targets (issue 22): a one-node fault's gap; a full outage's confirms after the cluster is whole again. */
const TARGET_SECONDS = 5;
const OUTAGE_TARGET_SECONDS = 10;
/** The faults that hit every node of the broker, not its leader. */
const EVERY_NODE: readonly FaultName[] = ["restart", "roll"];

interface FaultRun {
  node: string;
  /** Longest time without a confirm from the fault to the producer's first confirming stats interval after the undoing. */
  gapSeconds: number;
  /** The outside client's (pika; librdkafka) longest time without a confirm from the fault until it confirmed again. */
  outsideGapSeconds: number;
  /** From the fault to the end of the first stats interval with a confirm (5-s resolution). */
  confirmingAgainWithinSeconds: number;
  /** Whether the producer confirmed again while the fault held (a kill: always, the node is started only then). */
  confirmedBeforeHeal: boolean;
  /** How long the fault was in force: a kill until `docker start`, pause/cut the hold. */
  heldSeconds: number;
  /** From `docker start` (kill, restart) / unpause / heal (cut) / the roll's end to the node back in every replica set. */
  rejoinSeconds: number;
  /** From the cluster whole again to the end of the producer's first confirming stats interval after the undoing (negative: before). */
  confirmingAfterWholeSeconds: number;
}

interface BrokerUnderTest {
  name: string;
  /** Its name in the stack (what cdktf-messaging-roll --broker takes) and its node containers. */
  construct: "cluster-rabbitmq" | "cluster-kafka";
  nodes: readonly string[];
  outsideKind: "rabbitmq" | "kafka";
  producer: string;
  /** The container of the node leading what the producer writes to. */
  leader(): Promise<string>;
  /** The cluster is whole: every node running and in every replica set. */
  whole(): Promise<boolean>;
}

const ALL_BROKERS: BrokerUnderTest[] = [
  {
    name: "RabbitMQ",
    construct: "cluster-rabbitmq",
    nodes: RABBIT_NODES,
    outsideKind: "rabbitmq",
    producer: RABBIT_PRODUCER,
    leader: async () => containerOf(queueState().leader),
    // Every node's own view (after a partition each side may see only itself), and the queue's members.
    whole: rabbitWhole,
  },
  {
    name: "Kafka",
    construct: "cluster-kafka",
    nodes: KAFKA_NODES,
    outsideKind: "kafka",
    producer: KAFKA_PRODUCER,
    leader: async () => `cluster-kafka-${(await partitionStates())[0].leader}`,
    whole: kafkaWhole,
  },
];

/** --brokers rabbitmq,kafka (default both): which clusters get the faults. */
const BROKER_KINDS = (args.get("brokers") ?? "rabbitmq,kafka").split(",").map((b) => b.trim());
for (const b of BROKER_KINDS)
  if (b !== "rabbitmq" && b !== "kafka") throw new Error(`--brokers: unknown broker "${b}" (known: rabbitmq, kafka)`);
const brokers = ALL_BROKERS.filter((b) => BROKER_KINDS.includes(b.outsideKind));

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function faultOnce(broker: BrokerUnderTest, fault: FaultName, outside: OutsideProducer): Promise<FaultRun> {
  await waitForAsync(`${broker.name} whole`, 240, async () => ((await broker.whole()) ? true : undefined), 3000);
  await waitFor(`${broker.producer} confirming`, 90, () => confirming(broker.producer));
  await waitFor(`the outside ${broker.outsideKind} client confirming`, 90, () => outside.confirming());
  const node = EVERY_NODE.includes(fault) ? broker.nodes.join(", ") : await broker.leader();
  const faultAt = Date.now();
  let healAt: number;
  if (fault === "kill") {
    kill(node);
    await waitFor(`${broker.producer} confirming again`, 120, () => confirmingAgain(broker.producer, faultAt));
    healAt = Date.now();
    start(node);
  } else if (fault === "restart") {
    stop(...broker.nodes);
    await sleep(OUTAGE_SECONDS * 1000);
    healAt = Date.now();
    start(...broker.nodes);
  } else if (fault === "roll") {
    const rolled = await rollingReplace([broker.construct]);
    log(`failover: ${broker.name}: roll ${rolled.seconds} s, fewest nodes running ${rolled.fewestRunning[broker.construct]}`);
    healAt = Date.now();
  } else {
    const { inject, heal, holdSeconds } = NODE_FAULTS[fault];
    inject(node);
    try {
      await sleep(holdSeconds * 1000);
    } finally {
      healAt = Date.now();
      heal(node);
    }
  }
  const firstConfirm = confirmingAgain(broker.producer, faultAt);
  const again = await waitFor(`${broker.producer} confirming again after the ${fault}`, 180, () =>
    confirmingAgain(broker.producer, healAt),
  );
  const gapSeconds = longestConfirmGapMs(broker.producer, faultAt, again.t) / 1000;
  await waitForAsync(`${broker.name} whole again after the ${fault}`, 240, async () => ((await broker.whole()) ? true : undefined), 2000);
  const wholeAt = Date.now();
  // The outside client may still be reconnecting when the cluster is whole: its gap runs until it confirms again.
  const outsideAgain = await waitFor(`the outside ${broker.outsideKind} client confirming again`, 120, () =>
    outside.confirmingAgain(healAt),
  );
  const outsideGapSeconds = outside.longestGapMs(faultAt, Math.max(Date.now(), outsideAgain.t)) / 1000;
  const run = {
    node,
    gapSeconds,
    outsideGapSeconds,
    confirmingAgainWithinSeconds: ((firstConfirm ?? again).t - faultAt) / 1000,
    confirmedBeforeHeal: firstConfirm !== undefined && firstConfirm.t <= healAt,
    heldSeconds: (healAt - faultAt) / 1000,
    rejoinSeconds: (wholeAt - healAt) / 1000,
    confirmingAfterWholeSeconds: (again.t - wholeAt) / 1000,
  };
  log(
    `failover: ${broker.name}: ${fault} ${node}: gap ${gapSeconds} s (outside client ${outsideGapSeconds} s), whole again ${run.rejoinSeconds} s after the ${fault === "roll" ? "roll" : "start or heal"}, confirming ${run.confirmingAfterWholeSeconds} s after whole`,
  );
  return run;
}

async function main(): Promise<void> {
  const loadStart = os.loadavg();
  log(`failover: faults ${FAULTS.join(", ")}, ${KILLS} per broker; deploying the clusters example`);
  synthAndInit();
  removeLeftovers();
  ensureOutsideClients();
  /** Runs by fault, then broker. */
  const results: Record<string, Record<string, FaultRun[]>> = {};
  /** What each outside client's queue or topic held at the end against what it saw confirmed, by broker. */
  const outsideLoss: Record<string, OutsideVerify> = {};
  const outside: OutsideProducer[] = [];
  try {
    terraform(["apply", "-input=false", "-auto-approve"], [0], 600);
    await waitFor("every container of the stack running and healthy", 240, allRunningAndHealthy);
    // One outside client per broker for the whole run, each on a queue or topic of its own.
    for (const broker of brokers) outside.push(await startOutsideProducer(broker.outsideKind));
    for (const fault of FAULTS) {
      results[fault] = {};
      for (const [i, broker] of brokers.entries()) {
        results[fault][broker.name] = [];
        for (let k = 0; k < KILLS; k++) results[fault][broker.name].push(await faultOnce(broker, fault, outside[i]));
      }
    }
    for (const [i, broker] of brokers.entries()) {
      await outside[i].stop();
      outsideLoss[broker.name] = await outside[i].verify();
    }
  } finally {
    for (const producer of outside) producer.dispose();
    healAll(); // a fault still in force (a failed wait) would hang the destroy
    terraform(["destroy", "-input=false", "-auto-approve"], [0, 1], 600);
  }

  const everything = FAULTS.join(",") === FAULT_NAMES.join(",") && brokers.length === ALL_BROKERS.length;
  const name = everything ? "failover" : `failover-${[...FAULTS, ...(brokers.length < ALL_BROKERS.length ? BROKER_KINDS : [])].join("-")}`;
  const holdSeconds = Object.fromEntries(
    FAULTS.flatMap((f): [string, number][] =>
      f === "pause" || f === "cut" ? [[f, NODE_FAULTS[f].holdSeconds]] : f === "restart" ? [[f, OUTAGE_SECONDS]] : [],
    ),
  );
  const file = writeResult(name, {
    faults: FAULTS,
    brokers: brokers.map((b) => b.name),
    runsPerFault: KILLS,
    holdSeconds,
    targetSeconds: TARGET_SECONDS,
    outageTargetSeconds: OUTAGE_TARGET_SECONDS,
    results,
    outsideLoss,
  });
  out(
    table(
      [
        "fault",
        "broker",
        "our producer's gap, s: median (min–max)",
        "target met",
        "outside client's gap, s",
        "confirming again within, s",
        "start/heal → whole, s",
        "whole → confirming, s",
        "nodes",
      ],
      Object.entries(results).flatMap(([fault, byBroker]) =>
        Object.entries(byBroker).map(([broker, runs]) => {
          const gap = summarize(runs.map((r) => r.gapSeconds));
          const afterWhole = summarize(runs.map((r) => r.confirmingAfterWholeSeconds));
          // A one-node fault: the gap within 5 s; a full outage: confirming within 10 s of whole; a roll: the one-node target.
          const met =
            fault === "restart"
              ? `${afterWhole.median <= OUTAGE_TARGET_SECONDS ? "yes" : "no"} (≤ ${OUTAGE_TARGET_SECONDS} s after whole)`
              : `${gap.median <= TARGET_SECONDS ? "yes" : "no"} (gap ≤ ${TARGET_SECONDS} s)`;
          return [
            fault,
            broker,
            fmt(gap, 2),
            met,
            fmt(summarize(runs.map((r) => r.outsideGapSeconds)), 2),
            fmt(summarize(runs.map((r) => r.confirmingAgainWithinSeconds)), 1),
            fmt(summarize(runs.map((r) => r.rejoinSeconds)), 1),
            fmt(afterWhole, 1),
            fault === "restart" || fault === "roll" ? "all" : runs.map((r) => r.node).join(", "),
          ];
        }),
      ),
    ),
  );
  out();
  out(
    table(
      ["outside client", "confirmed", "in its queue/topic (distinct)", "duplicates", "lost"],
      Object.entries(outsideLoss).map(([broker, v]) => [
        broker === "RabbitMQ" ? "pika (RabbitMQ)" : "librdkafka (Kafka)",
        String(v.confirmed),
        String(v.consumedDistinct),
        String(v.duplicates),
        String(v.lost),
      ]),
    ),
  );
  writeReport(name, runHeader(file, loadStart));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
