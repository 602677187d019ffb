/**
 * Failover benchmark (issue 9): the failover gap of each broker's cluster,
 * the longest time a producer gets no confirm after the node that leads its
 * queue / partition is killed.
 *
 *   node -r esbuild-register bench/failover.ts [--kills 3]
 *
 * Deploys the clusters example (the cluster e2e suite's stack: a 3-node
 * RabbitMQ with a quorum queue and a 3-node Kafka with 3 partitions of
 * replication factor 3, min.insync.replicas 2, each with its endless
 * producer at 50 msg/s with confirms / acks=all and a consumer, all in
 * containers) with terraform, then for each broker, --kills times: wait for
 * the cluster to be whole and the producer confirming, `docker kill -s KILL`
 * the leader (of the quorum queue; of partition 0), read the gap from the
 * producer's own `confirmGapMaxMs` (the longest time between two confirms,
 * exact to the millisecond, not bounded by the stats interval), start the node
 * again and wait until it has rejoined. One broker is killed at a time, so
 * each gap is that broker's alone. Reports the median of the kills.
 *
 * Uses the cluster e2e suite's names and ports: do not run it at the same
 * time as `npm run test:e2e-cluster`.
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
import { containerOf, queueState, runningNodes } from "../__tests__/e2e-cluster/rabbitmq-probes";
import { fmt, log, out, parseArgs, runHeader, summarize, table, writeReport, writeResult } from "./lib/stats";
import * as os from "os";

const args = parseArgs(process.argv.slice(2));
const KILLS = Number(args.get("kills") ?? 3);
const TARGET_SECONDS = 5;

interface Kill {
  node: string;
  /** Longest time without a confirm around the kill. */
  gapSeconds: number;
  /** From the kill to the end of the first stats interval with a confirm (5-s resolution). */
  confirmingAgainWithinSeconds: number;
  /** From `docker start` to the node back in every replica set. */
  rejoinSeconds: number;
}

interface BrokerUnderTest {
  name: string;
  producer: string;
  /** The container of the node leading what the producer writes to. */
  leader(): Promise<string>;
  /** The cluster is whole: every node running and in every replica set. */
  whole(): Promise<boolean>;
}

const brokers: BrokerUnderTest[] = [
  {
    name: "RabbitMQ",
    producer: RABBIT_PRODUCER,
    leader: async () => containerOf(queueState().leader),
    whole: async () => runningNodes().length === 3 && queueState().online.length === 3,
  },
  {
    name: "Kafka",
    producer: KAFKA_PRODUCER,
    leader: async () => `cluster-kafka-${(await partitionStates())[0].leader}`,
    whole: async () => (await partitionStates()).every((p) => p.isr.length === 3),
  },
];

async function killOnce(broker: BrokerUnderTest): Promise<Kill> {
  await waitForAsync(`${broker.name} whole`, 240, async () => ((await broker.whole()) ? true : undefined), 3000);
  await waitFor(`${broker.producer} confirming`, 90, () => confirming(broker.producer));
  const node = await broker.leader();
  const killAt = Date.now();
  docker("kill", "-s", "KILL", node);
  const again = await waitFor(`${broker.producer} confirming again`, 120, () => confirmingAgain(broker.producer, killAt));
  const gapSeconds = longestConfirmGapMs(broker.producer, killAt, again.t) / 1000;
  const startedAt = Date.now();
  docker("start", node);
  await waitForAsync(`${node} rejoined`, 240, async () => ((await broker.whole()) ? true : undefined), 2000);
  const kill = {
    node,
    gapSeconds,
    confirmingAgainWithinSeconds: (again.t - killAt) / 1000,
    rejoinSeconds: (Date.now() - startedAt) / 1000,
  };
  log(`failover: ${broker.name}: killed ${node}: gap ${gapSeconds} s, rejoined in ${kill.rejoinSeconds} s`);
  return kill;
}

async function main(): Promise<void> {
  const loadStart = os.loadavg();
  log(`failover: ${KILLS} kills per broker; deploying the clusters example`);
  synthAndInit();
  removeLeftovers();
  const results: Record<string, Kill[]> = {};
  try {
    terraform(["apply", "-input=false", "-auto-approve"], [0], 600);
    await waitFor("every container of the stack running and healthy", 240, allRunningAndHealthy);
    for (const broker of brokers) {
      results[broker.name] = [];
      for (let k = 0; k < KILLS; k++) results[broker.name].push(await killOnce(broker));
    }
  } finally {
    terraform(["destroy", "-input=false", "-auto-approve"], [0, 1], 600);
  }

  const file = writeResult("failover", { kills: KILLS, targetSeconds: TARGET_SECONDS, results });
  out(
    table(
      ["broker", "failover gap, s: median (min–max)", `≤ ${TARGET_SECONDS} s`, "confirming again within, s", "rejoin, s", "nodes killed"],
      Object.entries(results).map(([name, kills]) => {
        const gap = summarize(kills.map((k) => k.gapSeconds));
        return [
          name,
          fmt(gap, 2),
          gap.median <= TARGET_SECONDS ? "yes" : "no",
          fmt(summarize(kills.map((k) => k.confirmingAgainWithinSeconds)), 1),
          fmt(summarize(kills.map((k) => k.rejoinSeconds)), 1),
          kills.map((k) => k.node).join(", "),
        ];
      }),
    ),
  );
  writeReport("failover", runHeader(file, loadStart));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
