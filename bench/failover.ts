/**
 * Failover benchmark (issue 9): the failover gap of each broker's cluster,
 * the longest time a producer gets no confirm after a fault on the node that
 * leads its queue / partition: killed, hung (`docker pause`) or cut off the
 * network (iptables DROP in its network namespace).
 *
 *   node -r esbuild-register bench/failover.ts [--kills 3] [--faults kill,pause,cut]
 *
 * Deploys the clusters example (the cluster e2e suite's stack: a 3-node
 * RabbitMQ with a quorum queue and a 3-node Kafka with 3 partitions of
 * replication factor 3, min.insync.replicas 2, each with its endless
 * producer at 50 msg/s with confirms / acks=all and a consumer, all in
 * containers) with terraform, then for each fault of --faults (default
 * all three), for each broker, --kills times: wait for the cluster to be whole
 * and the producer confirming, inject the fault into the leader (of the
 * quorum queue; of partition 0), read the gap from the producer's own
 * `confirmGapMaxMs` (the longest time between two confirms, exact to the
 * millisecond, not bounded by the stats interval) up to its first confirming
 * stats interval, undo the fault and wait until the cluster is whole again
 * (RabbitMQ: every node sees 3 running nodes and no partition, the queue has
 * 3 online members; Kafka: every partition has 3 in-sync replicas).
 * A killed node is started again as soon as the producer confirms again; a
 * paused or cut node is healed after the fault suite's hold (pause 20 s,
 * cut 30 s: __tests__/faults/fault-injection.ts), whether or not the
 * producer confirmed meanwhile (if it did not, the gap runs past the heal).
 * One broker is faulted at a time, so each gap is that broker's alone.
 * Reports the median of the runs per fault and broker.
 *
 * The result is bench/results/failover.json (and .md, and BENCHMARKS.md's
 * section) for the default `--faults kill,pause,cut`, failover-<faults>.json/.md
 * (e.g. failover-cut) for any other set; the JSON names its faults.
 *
 * Alongside the apps, one outside client per broker (pika with publisher
 * confirms; librdkafka with acks=all, idempotent: __tests__/faults/
 * outside-clients.ts) writes at 50 msg/s to a queue or topic of its own
 * through the nodes' host ports for the whole run. Its gap is measured
 * over the same faults, from the fault until it confirms again; at the end
 * it reads its queue or topic and reports what it saw confirmed and lost.
 *
 * Uses the cluster e2e suite's names and ports: do not run it at the same
 * time as `npm run test:e2e-cluster` or `npm run test:faults`.
 */
import { waitFor, waitForAsync } from "../__tests__/support/commands";
import { confirming, confirmingAgain, longestConfirmGapMs } from "../__tests__/e2e-cluster/app-logs";
import {
  allRunningAndHealthy,
  docker,
  KAFKA_PRODUCER,
  RABBIT_PRODUCER,
  removeLeftovers,
  synthAndInit,
  terraform,
} from "../__tests__/e2e-cluster/cluster-stack";
import { partitionStates } from "../__tests__/e2e-cluster/kafka-probes";
import { containerOf, queueState } from "../__tests__/e2e-cluster/rabbitmq-probes";
import { healAll, NODE_FAULTS, rabbitWhole } from "../__tests__/faults/fault-injection";
import { ensureOutsideClients, startOutsideProducer, type OutsideProducer, type OutsideVerify } from "../__tests__/faults/outside-clients";
import { fmt, log, out, parseArgs, runHeader, summarize, table, writeReport, writeResult } from "./lib/stats";
import * as os from "os";

const FAULT_NAMES = ["kill", "pause", "cut"] as const;
type FaultName = (typeof FAULT_NAMES)[number];

const args = parseArgs(process.argv.slice(2));
/** Runs per fault and broker (the name dates from when the only fault was a kill). */
const KILLS = Number(args.get("kills") ?? 3);
const FAULTS = (args.get("faults") ?? FAULT_NAMES.join(",")).split(",").map((f) => f.trim()) as FaultName[];
for (const f of FAULTS) if (!FAULT_NAMES.includes(f)) throw new Error(`--faults: unknown fault "${f}" (known: ${FAULT_NAMES.join(", ")})`);
const TARGET_SECONDS = 5;

interface FaultRun {
  node: string;
  /** Longest time without a confirm from the fault to the producer's first confirming stats interval. */
  gapSeconds: number;
  /** The outside client's (pika; librdkafka) longest time without a confirm from the fault until it confirmed again. */
  outsideGapSeconds: number;
  /** From the fault to the end of the first stats interval with a confirm (5-s resolution). */
  confirmingAgainWithinSeconds: number;
  /** Whether the producer confirmed again while the fault held (a kill: always, the node is started only then). */
  confirmedBeforeHeal: boolean;
  /** How long the fault was in force: a kill until `docker start`, pause/cut the hold. */
  heldSeconds: number;
  /** From `docker start` (kill) / unpause / heal (cut) to the node back in every replica set. */
  rejoinSeconds: number;
}

interface BrokerUnderTest {
  name: string;
  outsideKind: "rabbitmq" | "kafka";
  producer: string;
  /** The container of the node leading what the producer writes to. */
  leader(): Promise<string>;
  /** The cluster is whole: every node running and in every replica set. */
  whole(): Promise<boolean>;
}

const brokers: BrokerUnderTest[] = [
  {
    name: "RabbitMQ",
    outsideKind: "rabbitmq",
    producer: RABBIT_PRODUCER,
    leader: async () => containerOf(queueState().leader),
    // Every node's own view (after a partition each side may see only itself), and the queue's members.
    whole: rabbitWhole,
  },
  {
    name: "Kafka",
    outsideKind: "kafka",
    producer: KAFKA_PRODUCER,
    leader: async () => `cluster-kafka-${(await partitionStates())[0].leader}`,
    whole: async () => (await partitionStates()).every((p) => p.isr.length === 3),
  },
];

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function faultOnce(broker: BrokerUnderTest, fault: FaultName, outside: OutsideProducer): Promise<FaultRun> {
  await waitForAsync(`${broker.name} whole`, 240, async () => ((await broker.whole()) ? true : undefined), 3000);
  await waitFor(`${broker.producer} confirming`, 90, () => confirming(broker.producer));
  await waitFor(`the outside ${broker.outsideKind} client confirming`, 90, () => outside.confirming());
  const node = await broker.leader();
  const faultAt = Date.now();
  let healAt: number;
  let again;
  if (fault === "kill") {
    docker("kill", "-s", "KILL", node);
    again = await waitFor(`${broker.producer} confirming again`, 120, () => confirmingAgain(broker.producer, faultAt));
    healAt = Date.now();
    docker("start", node);
  } else {
    const { inject, heal, holdSeconds } = NODE_FAULTS[fault];
    inject(node);
    try {
      await sleep(holdSeconds * 1000);
    } finally {
      healAt = Date.now();
      heal(node);
    }
    again = await waitFor(`${broker.producer} confirming again`, 120, () => confirmingAgain(broker.producer, faultAt));
  }
  const gapSeconds = longestConfirmGapMs(broker.producer, faultAt, again.t) / 1000;
  await waitForAsync(`${node} whole again`, 240, async () => ((await broker.whole()) ? true : undefined), 2000);
  // The outside client may still be reconnecting when the cluster is whole: its gap runs until it confirms again.
  const outsideAgain = await waitFor(`the outside ${broker.outsideKind} client confirming again`, 120, () =>
    outside.confirmingAgain(faultAt),
  );
  const outsideGapSeconds = outside.longestGapMs(faultAt, Math.max(Date.now(), outsideAgain.t)) / 1000;
  const run = {
    node,
    gapSeconds,
    outsideGapSeconds,
    confirmingAgainWithinSeconds: (again.t - faultAt) / 1000,
    confirmedBeforeHeal: again.t <= healAt,
    heldSeconds: (healAt - faultAt) / 1000,
    rejoinSeconds: (Date.now() - healAt) / 1000,
  };
  log(
    `failover: ${broker.name}: ${fault} ${node}: gap ${gapSeconds} s (outside client ${outsideGapSeconds} s), whole again ${run.rejoinSeconds} s after the ${fault === "kill" ? "start" : "heal"}`,
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

  const name = FAULTS.join(",") === FAULT_NAMES.join(",") ? "failover" : `failover-${FAULTS.join("-")}`;
  const holdSeconds = Object.fromEntries(FAULTS.filter((f) => f !== "kill").map((f) => [f, NODE_FAULTS[f as "pause" | "cut"].holdSeconds]));
  const file = writeResult(name, { faults: FAULTS, runsPerFault: KILLS, holdSeconds, targetSeconds: TARGET_SECONDS, results, outsideLoss });
  out(
    table(
      [
        "fault",
        "broker",
        "our producer's gap, s: median (min–max)",
        `≤ ${TARGET_SECONDS} s`,
        "outside client's gap, s",
        "confirming again within, s",
        "start/heal → whole, s",
        "nodes",
      ],
      Object.entries(results).flatMap(([fault, byBroker]) =>
        Object.entries(byBroker).map(([broker, runs]) => {
          const gap = summarize(runs.map((r) => r.gapSeconds));
          return [
            fault,
            broker,
            fmt(gap, 2),
            gap.median <= TARGET_SECONDS ? "yes" : "no",
            fmt(summarize(runs.map((r) => r.outsideGapSeconds)), 2),
            fmt(summarize(runs.map((r) => r.confirmingAgainWithinSeconds)), 1),
            fmt(summarize(runs.map((r) => r.rejoinSeconds)), 1),
            runs.map((r) => r.node).join(", "),
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
