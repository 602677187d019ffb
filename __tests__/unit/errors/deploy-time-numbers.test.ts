/**
 * Numbers the constructs compute with at synth (counts, sizes, ports they
 * number nodes from, durations they write into flags) given as Terraform
 * values: a variable's number is a placeholder token at synth (such as
 * -1.888e+289), and arithmetic on it gave negative heap sizes, no
 * containers or every node on one port. Each is refused, naming the field.
 */
import { TerraformStack, TerraformVariable, Testing } from "cdktf";
import {
  AppContainer,
  ContainerImage,
  HealthCheck,
  KafkaBroker,
  MessagingProblems,
  Network,
  Prometheus,
  RabbitMqBroker,
} from "../../../constructs";
import { synthStack } from "../../../constructs/testing";

type Build = (stack: TerraformStack, n: number) => void;

const image = () => ContainerImage.fromRegistry("busybox:1.36");
const rabbit = (s: TerraformStack, props: object) => new RabbitMqBroker(s, "mq", { network: new Network(s, "net"), ...props });
const kafka = (s: TerraformStack, props: object) => new KafkaBroker(s, "kafka", { network: new Network(s, "net"), ...props });

const cases: Array<[string, Build]> = [
  ["nodes", (s, n) => rabbit(s, { nodes: n })],
  ["memoryMb", (s, n) => kafka(s, { memoryMb: n })],
  ["startTimeoutSeconds", (s, n) => rabbit(s, { startTimeoutSeconds: n })],
  ["stopGracePeriodSeconds", (s, n) => kafka(s, { stopGracePeriodSeconds: n })],
  ["amqpHostPort", (s, n) => rabbit(s, { amqpHostPort: n })],
  ["managementHostPort", (s, n) => rabbit(s, { managementHostPort: n })],
  ["hostPort", (s, n) => kafka(s, { hostPort: n })],
  ["metrics.hostPort", (s, n) => kafka(s, { metrics: { hostPort: n } })],
  ["defaultPartitions", (s, n) => kafka(s, { defaultPartitions: n })],
  ["partitions", (s, n) => kafka(s, {}).addTopic("orders", { partitions: n })],
  ["replicationFactor", (s, n) => kafka(s, { nodes: 3 }).addTopic("orders", { replicationFactor: n })],
  ["maxLength", (s, n) => rabbit(s, {}).addQueue("orders", { maxLength: n })],
  ["messageTtlMs", (s, n) => rabbit(s, {}).addQueue("orders", { messageTtlMs: n })],
  ["deliveryLimit", (s, n) => rabbit(s, {}).addQueue("orders", { deliveryLimit: n })],
  ["replicas", (s, n) => new AppContainer(s, "app", { image: image(), replicas: n })],
  ["memoryMb", (s, n) => new AppContainer(s, "app", { image: image(), memoryMb: n })],
  ["stopGracePeriodSeconds", (s, n) => new AppContainer(s, "app", { image: image(), stopGracePeriodSeconds: n })],
  ["hostPort", (s, n) => new AppContainer(s, "app", { image: image(), ports: [{ containerPort: 8080, hostPort: n }] })],
  [
    "intervalSeconds",
    (s, n) => new AppContainer(s, "app", { image: image(), healthCheck: HealthCheck.exec(["true"], { intervalSeconds: n }) }),
  ],
  ["scrapeIntervalSeconds", (s, n) => new Prometheus(s, "prometheus", { scrapeIntervalSeconds: n })],
  ["retentionDays", (s, n) => new Prometheus(s, "prometheus", { retentionDays: n })],
  ["uiHostPort", (s, n) => new Prometheus(s, "prometheus", { uiHostPort: n })],
];

function problemsOf(build: Build): string[] {
  const stack = new TerraformStack(Testing.app(), "s");
  const variable = new TerraformVariable(stack, "n", { type: "number" });
  try {
    build(stack, variable.numberValue);
    synthStack(stack);
    return [];
  } catch (error) {
    if (error instanceof MessagingProblems) return error.problems.map((p) => p.message);
    throw error;
  }
}

test.each(cases)("refuses %s from a Terraform variable, naming the field and the fix", (field, build) => {
  const problems = problemsOf(build);
  expect(problems).toContainEqual(
    expect.stringMatching(
      new RegExp(
        `${field.replace(".", "\\.")} is a value Terraform knows only at deploy .*computed with at synth.*Fix: pass a number literal`,
      ),
    ),
  );
  // The placeholder never reaches a message as if it were the user's number.
  expect(problems.join("\n")).not.toMatch(/e\+\d{3}/);
});
