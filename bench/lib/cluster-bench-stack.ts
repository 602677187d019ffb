/**
 * The stack of bench/cluster-throughput.ts, written with the library's
 * constructs as a user would: the same two brokers twice, a 1-node and a
 * 3-node variant, deployed side by side (own names, networks and host ports),
 * so that the runs can alternate between them in one session:
 *
 *   variant  RabbitMQ, queue "orders" (quorum)           Kafka, topic "events" (3 partitions)
 *   c1       bench-c1-rabbitmq      127.0.0.1:46100       bench-c1-kafka      127.0.0.1:46200      replication 1
 *   c3       bench-c3-rabbitmq-1..3 127.0.0.1:46110-46112 bench-c3-kafka-1..3 127.0.0.1:46210-46212 replication 3, min.insync 2
 *
 * The host ports are clear of the default stack's, the clusters example's and
 * the other benchmarks'. No app containers: the benchmark runs the apps as
 * host processes, as bench/throughput.ts does. Data volumes go with
 * `destroy`. The admin passwords and the Erlang cookie are the brokers' own
 * sensitive variables (no defaults): the benchmark generates them per run.
 */
import { join } from "path";
import { App, LocalBackend, TerraformStack } from "cdktf";
import {
  addMessagingAspects,
  DockerHost,
  KafkaBroker,
  Network,
  RabbitMqBroker,
  runSynth,
  type KafkaTopic,
  type RabbitMqQueue,
} from "../../constructs";
import { terraformIdentifier } from "../../constructs/private/terraform-text";

export const CLUSTER_BENCH_STACK = "bench-cluster";

/** The two variants: what differs between them is the node count (and the ports and names that follow from it). */
const VARIANTS = [
  { key: "c1", nodes: 1, amqpHostPort: 46100, kafkaHostPort: 46200 },
  { key: "c3", nodes: 3, amqpHostPort: 46110, kafkaHostPort: 46210 },
] as const;

export type VariantKey = (typeof VARIANTS)[number]["key"];

/** One deployed variant as the benchmark needs it: names, outputs, and what the constructs decided. */
export interface BenchVariant {
  readonly key: VariantKey;
  readonly nodes: number;
  readonly rabbitmq: RabbitMqBroker;
  readonly queue: RabbitMqQueue;
  readonly kafka: KafkaBroker;
  readonly topic: KafkaTopic;
  /** Node containers, node 1 first. */
  readonly rabbitmqNodes: string[];
  readonly kafkaNodes: string[];
  /** Terraform outputs holding the host URLs (one per node, comma-separated). */
  readonly amqpUrlOutput: string;
  readonly bootstrapOutput: string;
  /** The Terraform variable holding the Kafka admin user's password (TF_VAR_<it>). */
  readonly kafkaAdminPasswordVariable: string;
}

function buildStack(app: App, stateFile: string): BenchVariant[] {
  const stack = new TerraformStack(app, CLUSTER_BENCH_STACK);
  // The state outside the synthesized folder, where an interrupted run's successor finds it.
  new LocalBackend(stack, { path: stateFile });
  new DockerHost(stack, "docker");
  addMessagingAspects(stack, { labels: { "cdktf-docker-messaging.bench": "cluster-throughput" } });
  return VARIANTS.map(({ key, nodes, amqpHostPort, kafkaHostPort }) => {
    const network = new Network(stack, `${key}-net`, { name: `bench-${key}` });
    // Eight brokers boot at once on what may be a small, shared host: more
    // time to become healthy than the default 180 s.
    const startTimeoutSeconds = 600;
    const rabbitmq = new RabbitMqBroker(stack, `${key}-rabbitmq`, {
      network,
      name: `bench-${key}-rabbitmq`,
      nodes,
      amqpHostPort,
      dataRemovalPolicy: "destroy",
      startTimeoutSeconds,
    });
    // Quorum, as the default stack's queue: on 3 nodes a member on each, a
    // message confirmed once a majority has it on disk.
    const queue = rabbitmq.addQueue("orders", { type: "quorum" });
    const kafka = new KafkaBroker(stack, `${key}-kafka`, {
      network,
      name: `bench-${key}-kafka`,
      nodes,
      hostPort: kafkaHostPort,
      dataRemovalPolicy: "destroy",
      startTimeoutSeconds,
    });
    // The default stack's topic; the runs use fresh topics with its settings.
    const topic = kafka.addTopic("events", { partitions: 3, configs: { "retention.ms": 7 * 24 * 3600 * 1000 } });
    return {
      key,
      nodes,
      rabbitmq,
      queue,
      kafka,
      topic,
      rabbitmqNodes: rabbitmq.nodes.map((n) => n.name),
      kafkaNodes: kafka.nodes.map((n) => n.name),
      // The output names the brokers give themselves (BrokerBase.addOutput).
      amqpUrlOutput: `${terraformIdentifier(rabbitmq.brokerName)}_amqp_url`,
      bootstrapOutput: `${terraformIdentifier(kafka.brokerName)}_bootstrap_servers`,
      kafkaAdminPasswordVariable: kafka.adminPasswordVariable!.friendlyUniqueId,
    };
  });
}

/**
 * Synthesizes the stack into `outdir` (every problem reported as `cdktf
 * synth` reports it) and returns the variants and the stack's folder.
 */
export function synthClusterBenchStack(outdir: string, stateFile: string): { stackDir: string; variants: BenchVariant[] } {
  let variants: BenchVariant[] = [];
  const ok = runSynth(() => {
    const app = new App({ outdir, stackTraces: false });
    variants = buildStack(app, stateFile);
    app.synth();
  });
  if (!ok) throw new Error("synth of the cluster benchmark stack failed (problems above)");
  return { stackDir: join(outdir, "stacks", CLUSTER_BENCH_STACK), variants };
}
