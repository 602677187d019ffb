/**
 * The upgrade suite's stack: a RabbitMQ of one or three nodes with a quorum
 * queue, and a Prometheus that scrapes it, nothing else (no Kafka, no apps:
 * the suite stays short). The images are the test's to choose: 0.8's
 * defaults (`rabbitmq:4.0-management`, `prom/prometheus:v2.53.3`) for the
 * first deploy, then the constructs' defaults (DefaultImages) for the second.
 *
 *   node -r ./toolchain/ts-register.cjs __tests__/upgrade/upgrade-stack.ts <outdir> <single|cluster> <old|new> <state file>
 *
 * writes the stack to <outdir>/stacks/upgrade-<single|cluster>/, its local
 * state at <state file> (outside the work tree, and outside <outdir>, so a
 * second synth never touches it).
 */
import "../../constructs/private/synth-entry";
import { App, LocalBackend, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { addMessagingAspects, ContainerImage, DockerHost, Network, Prometheus, RabbitMqBroker, runSynth } from "../../constructs";

export type UpgradeShape = "single" | "cluster";
export type UpgradeImages = "old" | "new";

/** 0.8's default images, the ones a stack deployed with 0.8 runs. */
export const OLD_IMAGES = { rabbitmq: "rabbitmq:4.0-management", prometheus: "prom/prometheus:v2.53.3" } as const;

/** The quorum queue the stack declares (the definitions create it on the first boot). */
export const QUEUE = "upgrade.jobs";

/**
 * Names and host ports (127.0.0.1) of each shape; no other suite uses
 * 47xxx. The cluster's node i publishes amqp + i - 1 and management + i - 1.
 */
export const SHAPES = {
  single: { stack: "upgrade-single", broker: "upgrade-single-rabbitmq", nodes: 1, amqp: 47672, management: 47682, prometheus: 47090 },
  cluster: { stack: "upgrade-cluster", broker: "upgrade-cluster-rabbitmq", nodes: 3, amqp: 47772, management: 47782, prometheus: 47190 },
} as const;

/** The broker's node containers: `<broker>` alone, or `<broker>-1..N`. */
export function nodeNames(shape: UpgradeShape): string[] {
  const { broker, nodes } = SHAPES[shape];
  return nodes === 1 ? [broker] : Array.from({ length: nodes }, (_, i) => `${broker}-${i + 1}`);
}

export function prometheusName(shape: UpgradeShape): string {
  return `${SHAPES[shape].stack}-prometheus`;
}

export function buildUpgradeStack(scope: Construct, shape: UpgradeShape, images: UpgradeImages, stateFile: string): TerraformStack {
  const s = SHAPES[shape];
  const stack = new TerraformStack(scope, s.stack);
  new LocalBackend(stack, { path: stateFile });
  new DockerHost(stack, "docker");
  addMessagingAspects(stack); // the stack's label on everything: what the suite finds leftovers by
  const network = new Network(stack, "net", { name: s.stack });
  const old = images === "old";
  const rabbit = new RabbitMqBroker(stack, "rabbitmq", {
    network,
    name: s.broker,
    nodes: s.nodes,
    amqpHostPort: s.amqp,
    managementHostPort: s.management,
    dataRemovalPolicy: "destroy",
    // Left out on the second deploy: the constructs' default, as a user who upgrades the package gets it.
    ...(old ? { image: ContainerImage.fromRegistry(OLD_IMAGES.rabbitmq) } : {}),
  });
  rabbit.addQueue(QUEUE); // quorum, a member on every node
  new Prometheus(stack, "prometheus", {
    name: prometheusName(shape),
    uiHostPort: s.prometheus,
    scrapeIntervalSeconds: 5,
    dataRemovalPolicy: "destroy",
    ...(old ? { image: ContainerImage.fromRegistry(OLD_IMAGES.prometheus) } : {}),
  });
  return stack;
}

if (require.main === module) {
  const [outdir, shape, images, stateFile] = process.argv.slice(2);
  if (!outdir || !(shape in SHAPES) || !["old", "new"].includes(images) || !stateFile) {
    console.error("usage: upgrade-stack.ts <outdir> <single|cluster> <old|new> <state file>");
    process.exit(2);
  }
  runSynth(() => {
    const app = new App({ stackTraces: false, outdir });
    buildUpgradeStack(app, shape as UpgradeShape, images as UpgradeImages, stateFile);
    app.synth();
  });
}
