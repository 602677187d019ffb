/**
 * Cluster throughput benchmark (issue 9): the throughput of our apps and of
 * the brokers' perf tools on 1 node vs 3 nodes, at the same durability.
 *
 *   node -r esbuild-register bench/cluster-throughput.ts [--runs 3] [--rabbitmq-messages 20000] [--kafka-messages 200000] [--no-perftest]
 *
 * Deploys bench/lib/cluster-bench-stack.ts with terraform in its synthesized
 * folder: a 1-node and a 3-node variant of RabbitMQ and of Kafka, side by
 * side, no app containers. Both variants run for the whole session, so each
 * measurement shares the machine with the other variant's idle nodes; the
 * runs alternate between the variants so that this, and whatever else the
 * machine does, falls on both: one warm-up pair, then --runs pairs, each pair
 * one run on each variant (ours, then the perf tool), the whole sequence
 * reversed every other pair. RabbitMQ first, then Kafka.
 *
 * The same durability on both variants, and exactly bench/throughput.ts's runs
 * (bench/lib/rabbitmq-runs.ts, bench/lib/kafka-runs.ts):
 *
 * RabbitMQ, quorum queue `orders` (one member on 1 node, one on each node of
 * 3, a message confirmed once a majority has it), 1 KiB persistent messages,
 * publisher confirms (at most 1000 unconfirmed), PerfTest's consumer at
 * prefetch 50 with one ack per message, ours at its defaults (prefetch 200,
 * acks in runs, since 0.6.1); producer and consumer at the same time:
 *   ours  apps/rabbitmq-producer + apps/rabbitmq-consumer on the host, with
 *         the broker's `amqp_url` output (every node's URL; they start on node 1)
 *   tool  RabbitMQ PerfTest on the host, on node 1
 *
 * Kafka, a fresh topic per run (3 partitions, retention.ms 7 days), with the
 * replication factor the broker gives its own topics: 1 on 1 node, 3 on 3
 * nodes, where min.insync.replicas is 2 (the broker's default there); 1 KiB
 * records, acks=all, idempotent producer; the producer first, then the consumer:
 *   ours  apps/kafka-producer, then apps/kafka-consumer on the host, with the
 *         broker's `bootstrap_servers` output (every node's HOST listener)
 *   tool  kafka-producer-perf-test.sh / kafka-consumer-perf-test.sh inside
 *         node 1's container (docker exec, bootstrap localhost:9092)
 *
 * Reports the median of each flow on each variant and the ratio 3 nodes /
 * 1 node. The admin passwords and the Erlang cookie are generated for each
 * run and given as TF_VAR_ variables. The stack is destroyed at the end, also
 * on failure or Ctrl-C; its state lives in a folder under the temporary
 * directory until a destroy succeeds, and a run that finds it destroys what
 * an interrupted run left before deploying.
 *
 * Needs: toolchain/setup.sh (engine, Terraform + provider mirror, images),
 * `. toolchain/env.sh`, and toolchain/bench-tools.sh perftest (or
 * --no-perftest, which leaves the PerfTest rows empty).
 */
import { createHash, randomBytes } from "crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "fs";
import * as os from "os";
import { join } from "path";
import * as amqp from "amqplib";
import { MESSAGE_BYTES, summarizeField, type Sample } from "./lib/app-runs";
import { synthClusterBenchStack, type BenchVariant, type VariantKey } from "./lib/cluster-bench-stack";
import { containersMatching } from "./lib/docker";
import { KAFKA_ADMIN_USER } from "../constructs/brokers/kafka/kafka-constants";
import {
  createTopics,
  kafkaOursConsume,
  kafkaOursProduce,
  kafkaToolConsume,
  kafkaToolProduce,
  TOPIC_PARTITIONS,
  type KafkaRunTarget,
} from "./lib/kafka-runs";
import { run } from "./lib/proc";
import {
  firstUrl,
  MAX_UNCONFIRMED,
  PERFTEST_HOME,
  OURS_PREFETCH,
  PREFETCH,
  rabbitOurs,
  rabbitPerfTest,
  type RabbitMqRunTarget,
} from "./lib/rabbitmq-runs";
import { fmt, log, out, parseArgs, ratio, REPO_ROOT, runHeader, table, writeReport, writeResult } from "./lib/stats";

const DEFAULTS = { runs: 3, rabbitmqMessages: 20_000, kafkaMessages: 200_000 };
const args = parseArgs(process.argv.slice(2));
const RUNS = Number(args.get("runs") ?? DEFAULTS.runs);
const RABBIT_N = Number(args.get("rabbitmq-messages") ?? DEFAULTS.rabbitmqMessages);
const KAFKA_N = Number(args.get("kafka-messages") ?? DEFAULTS.kafkaMessages);
/** PerfTest comes from Maven Central (toolchain/bench-tools.sh): a host without it can still measure the rest, when asked to. */
const PERFTEST = !args.has("no-perftest");
/** Fewer runs or messages than the defaults: the report says it checks that the benchmark works, not what the clusters do. */
const SMOKE = RUNS < DEFAULTS.runs || RABBIT_N < DEFAULTS.rabbitmqMessages || KAFKA_N < DEFAULTS.kafkaMessages;
const TERRAFORM = process.env.TERRAFORM_BINARY_NAME || "terraform";
/** Names the stack's containers start with: a container of that name and no state is someone else's business. */
const STACK_CONTAINERS = /^bench-c[13]-(rabbitmq|kafka)/;

const work = mkdtempSync(join(os.tmpdir(), "bench-cluster-throughput-"));
/**
 * The synthesized stack and its state: one folder per clone, outside the work
 * tree, removed only once a destroy succeeded.
 */
const stackHome = join(
  os.tmpdir(),
  `cdktf-docker-messaging-bench-cluster-${createHash("sha256").update(REPO_ROOT).digest("hex").slice(0, 8)}`,
);
const stateFile = join(stackHome, "terraform.tfstate");

type Who = "ours" | "tool";
type Flow = "rabbitPair" | "rabbitProducer" | "kafkaProducer" | "kafkaConsumer";
const FLOWS: { flow: Flow; name: string; tool: string; latency?: string }[] = [
  { flow: "rabbitPair", name: "RabbitMQ producer + consumer (end-to-end)", tool: "PerfTest", latency: "publish → consumed" },
  { flow: "rabbitProducer", name: "RabbitMQ producer (confirmed)", tool: "PerfTest", latency: "publish → confirm" },
  { flow: "kafkaProducer", name: "Kafka producer (acks=all)", tool: "kafka-producer-perf-test", latency: "send → ack" },
  { flow: "kafkaConsumer", name: "Kafka consumer", tool: "kafka-consumer-perf-test" },
];

const label = (v: BenchVariant) => (v.nodes === 1 ? "1 node" : `${v.nodes} nodes`);

function terraform(stackDir: string, env: NodeJS.ProcessEnv, argv: string[]): string {
  return run(TERRAFORM, [...argv, "-input=false", "-no-color"], { cwd: stackDir, env });
}

/** A fresh value for every variable the stack declares: they are all secrets (admin passwords, the Erlang cookie). */
function generatedSecrets(stackDir: string): Record<string, string> {
  const doc = JSON.parse(readFileSync(join(stackDir, "cdk.tf.json"), "utf8")) as { variable?: Record<string, unknown> };
  return Object.fromEntries(Object.keys(doc.variable ?? {}).map((name) => [`TF_VAR_${name}`, randomBytes(24).toString("base64url")]));
}

/** The stack's outputs, sensitive ones included. */
function outputs(stackDir: string, env: NodeJS.ProcessEnv): Record<string, string> {
  const raw = JSON.parse(run(TERRAFORM, ["output", "-json", "-no-color"], { cwd: stackDir, env })) as Record<string, { value: string }>;
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, v.value]));
}

/**
 * Where the quorum queue's leader is, from RabbitMQ's CLI in node 1: on 3
 * nodes, clients on node 1 reach a leader elsewhere through node 1 (one more
 * hop), which the numbers of this deployment include.
 */
function queuePlacement(v: BenchVariant): { leader: string; members: string[] } {
  const rows = JSON.parse(
    run("docker", ["exec", v.rabbitmqNodes[0]!, "rabbitmqctl", "-q", "list_queues", "--formatter", "json", "name", "leader", "members"]),
  ) as { name: string; leader: string; members: string[] }[];
  const q = rows.find((r) => r.name === v.queue.queueName);
  return { leader: q?.leader ?? "?", members: [...(q?.members ?? [])].sort() };
}

/** Restarts and OOM kills of each node so far, as `docker inspect` reports them. */
function nodeRestarts(nodes: string[]): Record<string, string> {
  const lines = run("docker", ["inspect", "--format", "{{.Name}} {{.RestartCount}} {{.State.OOMKilled}}", ...nodes])
    .trim()
    .split("\n");
  return Object.fromEntries(
    lines.map((line) => {
      const [name, restarts, oom] = line.split(" ");
      return [name!.replace(/^\//, ""), `${restarts} restart${restarts === "1" ? "" : "s"}${oom === "true" ? ", OOM-killed" : ""}`];
    }),
  );
}

/**
 * Pair i: each variant in turn, ours then the tool; every other pair the
 * whole sequence reversed, so no variant or client always goes first.
 */
function pairOrder(variants: BenchVariant[], i: number, whos: Who[]): { v: BenchVariant; who: Who }[] {
  const steps = variants.flatMap((v) => whos.map((who) => ({ v, who })));
  return i % 2 === 0 ? steps : steps.reverse();
}

async function main(): Promise<void> {
  const started = Date.now();
  const loadStart = os.loadavg();
  if (PERFTEST && !existsSync(join(PERFTEST_HOME, "lib"))) {
    throw new Error(
      `no PerfTest in ${PERFTEST_HOME}: run bash toolchain/bench-tools.sh perftest (or pass --no-perftest to measure without it)`,
    );
  }
  log(
    `cluster-throughput: ${RUNS} pair${RUNS === 1 ? "" : "s"} after a warm-up pair; RabbitMQ ${RABBIT_N} and Kafka ${KAFKA_N} messages of ${MESSAGE_BYTES} bytes` +
      `${PERFTEST ? "" : "; no PerfTest"}${SMOKE ? " (smoke run)" : ""}; load average ${loadStart.map((l) => l.toFixed(2)).join(" ")}`,
  );
  // The apps run from their bundles (apps/<app>/dist/main.js), as in their images.
  run("node", ["apps/bundle.mjs"], { cwd: REPO_ROOT });
  mkdirSync(stackHome, { recursive: true });
  rmSync(join(stackHome, "cdktf.out"), { recursive: true, force: true });
  const { stackDir, variants } = synthClusterBenchStack(join(stackHome, "cdktf.out"), stateFile);
  const env: NodeJS.ProcessEnv = { ...process.env, ...generatedSecrets(stackDir), TF_IN_AUTOMATION: "1" };
  terraform(stackDir, env, ["init"]);

  let destroyed = false;
  const destroy = () => {
    if (destroyed) return;
    destroyed = true;
    log("cluster-throughput: destroying the stack (terraform destroy)");
    try {
      terraform(stackDir, env, ["destroy", "-auto-approve"]);
      rmSync(stackHome, { recursive: true, force: true });
    } catch (err) {
      log(
        `cluster-throughput: destroy failed: ${(err as Error).message}\nThe state stays in ${stackHome}: the next run destroys what it holds first.`,
      );
    }
    const left = containersMatching(STACK_CONTAINERS);
    if (left.length > 0) log(`cluster-throughput: WARNING: still there after destroy: ${left.join(", ")}`);
  };
  // Ctrl-C or a kill: take the stack down before going (try/finally does not run on a signal).
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      log(`cluster-throughput: ${signal}`);
      destroy();
      rmSync(work, { recursive: true, force: true });
      process.exit(signal === "SIGINT" ? 130 : 143);
    });
  }

  if (existsSync(stateFile)) {
    log(`cluster-throughput: an earlier run left its state in ${stackHome}: destroying what it deployed first`);
    terraform(stackDir, env, ["destroy", "-auto-approve"]);
  }
  const taken = containersMatching(STACK_CONTAINERS);
  if (taken.length > 0) {
    throw new Error(
      `containers with this benchmark's names exist, but not in its state: ${taken.join(", ")}; remove them if they are yours, then run again`,
    );
  }

  const samples = Object.fromEntries(
    variants.map((v) => [v.key, Object.fromEntries(FLOWS.map(({ flow }) => [flow, { ours: [] as Sample[], tool: [] as Sample[] }]))]),
  ) as Record<VariantKey, Record<Flow, Record<Who, Sample[]>>>;
  const keep = (v: BenchVariant, flow: Flow, who: Who, i: number, s: Sample) => {
    if (i > 0) samples[v.key][flow][who].push(s);
  };
  const perfToolLines: string[] = [];
  const placement: Record<string, { leader: string; members: string[] }> = {};
  const nodes = variants.flatMap((v) => [...v.rabbitmqNodes, ...v.kafkaNodes]);
  /** Restarts while the clusters formed (before any run), then during the runs: the latter make runs meaningless. */
  let restartsAtDeploy: Record<string, string> = {};
  let restartsDuringRuns: Record<string, string> = {};
  const connections: amqp.ChannelModel[] = [];
  try {
    log(
      `cluster-throughput: deploying ${variants.map((v) => `${v.rabbitmqNodes.join(", ")}; ${v.kafkaNodes.join(", ")}`).join("; ")} (terraform apply)`,
    );
    const applyStarted = Date.now();
    terraform(stackDir, env, ["apply", "-auto-approve"]);
    log(`cluster-throughput: deployed in ${Math.round((Date.now() - applyStarted) / 1000)} s`);
    const outs = outputs(stackDir, env);
    restartsAtDeploy = nodeRestarts(nodes);
    for (const [node, restarts] of Object.entries(restartsAtDeploy)) {
      if (!restarts.startsWith("0 restarts")) log(`cluster-throughput: ${node}: ${restarts} while the cluster formed (before any run)`);
    }

    const rabbit = new Map<VariantKey, { target: RabbitMqRunTarget; ch: amqp.Channel }>();
    for (const v of variants) {
      const url = outs[v.amqpUrlOutput]!;
      // The bench's own channel (purge, depth) on node 1, where the clients connect.
      const conn = await amqp.connect(firstUrl(url));
      connections.push(conn);
      rabbit.set(v.key, { target: { url, queue: v.queue.queueName, messages: RABBIT_N, work }, ch: await conn.createChannel() });
      placement[v.key] = queuePlacement(v);
      log(
        `cluster-throughput: ${label(v)}: queue ${v.queue.queueName} leader ${placement[v.key]!.leader}, members ${placement[v.key]!.members.join(" ")}`,
      );
    }
    for (let i = 0; i <= RUNS; i++) {
      for (const { v, who } of pairOrder(variants, i, PERFTEST ? ["ours", "tool"] : ["ours"])) {
        const { target, ch } = rabbit.get(v.key)!;
        const which = `${label(v)}, run ${i}${i === 0 ? " (warm-up)" : ""}`;
        let r: Awaited<ReturnType<typeof rabbitOurs>>;
        if (who === "ours") {
          r = await rabbitOurs(target, ch);
        } else {
          const tool = await rabbitPerfTest(target, ch);
          if (tool.queueLeft > 0) log(`cluster-throughput: WARNING: ${tool.queueLeft} messages left in ${target.queue} after PerfTest`);
          if (i === RUNS) perfToolLines.push(`PerfTest, ${label(v)}:\n${tool.output}`);
          r = tool;
        }
        keep(v, "rabbitPair", who, i, r.pair);
        keep(v, "rabbitProducer", who, i, r.producer);
        log(
          `cluster-throughput: RabbitMQ ${which} ${who === "ours" ? "ours" : "PerfTest"}: ${r.pair.rate.toFixed(0)} msg/s, e2e p50 ${r.pair.p50} ms p99 ${r.pair.p99} ms`,
        );
      }
    }

    const kafka = new Map<VariantKey, KafkaRunTarget>();
    for (const v of variants) {
      const sasl = { username: KAFKA_ADMIN_USER, password: env[`TF_VAR_${v.kafkaAdminPasswordVariable}`]! };
      const target = { bootstrap: outs[v.bootstrapOutput]!, container: v.kafkaNodes[0]!, messages: KAFKA_N, work, sasl };
      kafka.set(v.key, target);
      const topics = Array.from({ length: RUNS + 1 }, (_, i) => [`bench-ours-${i}`, `bench-tool-${i}`]).flat();
      await createTopics(target, topics, v.topic.replicationFactor);
    }
    for (let i = 0; i <= RUNS; i++) {
      for (const { v, who } of pairOrder(variants, i, ["ours", "tool"])) {
        const target = kafka.get(v.key)!;
        const which = `${label(v)}, run ${i}${i === 0 ? " (warm-up)" : ""}`;
        const topic = `bench-${who}-${i}`;
        const p = who === "ours" ? await kafkaOursProduce(target, topic) : await kafkaToolProduce(target, "container", topic);
        const c = who === "ours" ? await kafkaOursConsume(target, topic) : await kafkaToolConsume(target, "container", topic);
        keep(v, "kafkaProducer", who, i, p);
        keep(v, "kafkaConsumer", who, i, c);
        if (who === "tool" && i === RUNS)
          perfToolLines.push(
            `kafka-producer-perf-test, ${label(v)}:\n${String(p.line)}\nkafka-consumer-perf-test, ${label(v)}:\n${String(c.line)}`,
          );
        log(
          `cluster-throughput: Kafka ${which} ${who === "ours" ? "ours" : "perf tools"}: produce ${p.rate.toFixed(0)} msg/s (p50 ${p.p50} ms, p99 ${p.p99} ms), consume ${c.rate.toFixed(0)} msg/s`,
        );
      }
    }
    const atEnd = nodeRestarts(nodes);
    restartsDuringRuns = Object.fromEntries(Object.entries(atEnd).filter(([node, restarts]) => restarts !== restartsAtDeploy[node]));
    for (const [node, restarts] of Object.entries(restartsDuringRuns)) {
      log(
        `cluster-throughput: WARNING: ${node} restarted during the runs (now ${restarts}): the numbers of its variant are not a steady cluster's`,
      );
    }
  } finally {
    for (const conn of connections) await conn.close().catch(() => undefined);
    destroy();
    rmSync(work, { recursive: true, force: true });
  }

  const [one, three] = variants as [BenchVariant, BenchVariant];
  const whos: Who[] = ["ours", "tool"];
  const results = FLOWS.flatMap(({ flow, name, tool, latency }) =>
    whos.map((who) => {
      const on = (v: BenchVariant) => {
        const s = samples[v.key][flow][who];
        return { rate: summarizeField(s, "rate"), p50: summarizeField(s, "p50"), p99: summarizeField(s, "p99") };
      };
      const [a, b] = [on(one), on(three)];
      return {
        flow: name,
        client: who === "ours" ? "ours" : tool,
        latency,
        oneNode: a,
        threeNodes: b,
        threeToOne: ratio(b.rate.median, a.rate.median),
      };
    }),
  );
  const times = (x: number) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : "n/a");
  const latencyCell = (r: (typeof results)[number], s: (typeof results)[number]["oneNode"]["p50"]) => (r.latency ? fmt(s, 0) : "–");

  out(
    `\n### Clusters: 1 node vs 3 nodes at the same durability (${MESSAGE_BYTES}-byte messages; median (min–max) of ${RUNS} run${RUNS === 1 ? "" : "s"} after a warm-up)\n`,
  );
  if (SMOKE) {
    out(
      `**Smoke run**: ${RUNS} run${RUNS === 1 ? "" : "s"}, ${RABBIT_N} RabbitMQ and ${KAFKA_N} Kafka messages, below the defaults ` +
        `(${DEFAULTS.runs}, ${DEFAULTS.rabbitmqMessages}, ${DEFAULTS.kafkaMessages}): it shows that the benchmark works, not what the clusters do.\n`,
    );
  }
  if (!PERFTEST) out(`PerfTest was not run (--no-perftest): its rows are n/a.\n`);
  out(
    table(
      [
        "flow",
        "client",
        "1 node msg/s",
        "3 nodes msg/s",
        "3 nodes / 1 node",
        "1 node p50 ms",
        "3 nodes p50 ms",
        "1 node p99 ms",
        "3 nodes p99 ms",
        "latency",
      ],
      results.map((r) => [
        r.flow,
        r.client,
        fmt(r.oneNode.rate, 0),
        fmt(r.threeNodes.rate, 0),
        times(r.threeToOne),
        latencyCell(r, r.oneNode.p50),
        latencyCell(r, r.threeNodes.p50),
        latencyCell(r, r.oneNode.p99),
        latencyCell(r, r.threeNodes.p99),
        r.latency ?? "after the group join",
      ]),
    ),
  );
  const oursToTool = FLOWS.map(({ name }) => {
    const [ours, tool] = [
      results.find((r) => r.flow === name && r.client === "ours")!,
      results.find((r) => r.flow === name && r.client !== "ours")!,
    ];
    return {
      flow: name,
      oneNode: ratio(ours.oneNode.rate.median, tool.oneNode.rate.median),
      threeNodes: ratio(ours.threeNodes.rate.median, tool.threeNodes.rate.median),
    };
  });
  out(`\nOurs / perf tool on each variant:\n`);
  out(
    table(
      ["flow", "ours/tool, 1 node", "ours/tool, 3 nodes"],
      oursToTool.map((r) => [r.flow, times(r.oneNode), times(r.threeNodes)]),
    ),
  );
  out(
    `\nPlacement: clients connect to node 1 (${one.rabbitmqNodes[0]}, ${three.rabbitmqNodes[0]}); quorum queue leader ` +
      `${variants.map((v) => `${label(v)}: ${placement[v.key]?.leader ?? "?"}`).join(", ")}. Kafka perf tools in ${one.kafkaNodes[0]} and ` +
      `${three.kafkaNodes[0]}; topics with replication factor ${one.topic.replicationFactor} and ${three.topic.replicationFactor}, ` +
      `min.insync.replicas ${one.kafka.minInsyncReplicas} and ${three.kafka.minInsyncReplicas}.`,
  );
  const formed = Object.entries(restartsAtDeploy).filter(([, r]) => !r.startsWith("0 restarts"));
  if (formed.length > 0) out(`Restarted while the clusters formed (before any run): ${formed.map(([n, r]) => `${n} (${r})`).join(", ")}.`);
  const during = Object.entries(restartsDuringRuns);
  if (during.length > 0)
    out(
      `\n**Restarted during the runs** (the numbers of its variant are not a steady cluster's): ${during.map(([n, r]) => `${n} (now ${r})`).join(", ")}.`,
    );
  if (perfToolLines.length > 0) out(`\nLast run's perf tool summaries:\n${perfToolLines.join("\n")}`);

  const file = writeResult("cluster-throughput", {
    command: "node -r esbuild-register bench/cluster-throughput.ts " + process.argv.slice(2).join(" "),
    runs: RUNS,
    smoke: SMOKE,
    perfTest: PERFTEST,
    settings: {
      messageBytes: MESSAGE_BYTES,
      rabbitmq: {
        messages: RABBIT_N,
        queue: "orders (quorum, durable)",
        confirms: true,
        maxUnconfirmed: MAX_UNCONFIRMED,
        persistent: true,
        prefetch: { perfTestAtDefaults: PREFETCH, ours: OURS_PREFETCH },
        ack: { perfTestAtDefaults: "one per message", ours: "in runs of up to 50 (basic.ack multiple)" },
        via: "127.0.0.1 published port of node 1 (docker-proxy)",
      },
      kafka: {
        messages: KAFKA_N,
        partitions: TOPIC_PARTITIONS,
        acks: "all",
        idempotent: true,
        ours: "host, every node's published HOST listener",
        tools: "docker exec in node 1's container, localhost:9092",
      },
      perfTest: "com.rabbitmq:perf-test:2.22.1",
    },
    variants: variants.map((v) => ({
      key: v.key,
      nodes: v.nodes,
      rabbitmqNodes: v.rabbitmqNodes,
      kafkaNodes: v.kafkaNodes,
      queue: { name: v.queue.queueName, type: v.queue.type, ...placement[v.key] },
      kafkaTopics: { replicationFactor: v.topic.replicationFactor, minInsyncReplicas: v.kafka.minInsyncReplicas },
    })),
    nodeRestarts: { atDeploy: restartsAtDeploy, duringRuns: restartsDuringRuns },
    loadAverage: { start: loadStart, end: os.loadavg() },
    durationSeconds: Math.round((Date.now() - started) / 1000),
    results,
    oursToTool,
    raw: samples,
  });
  writeReport("cluster-throughput", runHeader(file, loadStart));
  log(`cluster-throughput: wrote ${file} in ${Math.round((Date.now() - started) / 1000)} s`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  rmSync(work, { recursive: true, force: true });
  // Nothing deployed (or destroyed since): the synthesized folder goes too.
  if (!existsSync(stateFile)) rmSync(stackHome, { recursive: true, force: true });
  process.exit(1);
});
