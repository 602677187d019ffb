/**
 * A fix that fits the value given: a number above its range got the fix
 * written for one below it ("use 1 or more partitions" for 1,000,000).
 */
import type { TerraformStack } from "cdktf";
import { AppContainer, ContainerImage, HealthCheck, KafkaBroker, Network } from "../../../constructs";
import { problemMessages } from "../helpers";

test.each<[string, (s: TerraformStack) => void, RegExp]>([
  [
    "too many partitions",
    (s) => new KafkaBroker(s, "kafka", { network: new Network(s, "net") }).addTopic("t", { partitions: 1_000_000 }),
    /partitions must be an integer between 1 and 100000, got 1000000\. Fix: use at most 100000$/,
  ],
  [
    "too much memory",
    (s) => new KafkaBroker(s, "kafka", { network: new Network(s, "net"), memoryMb: 2_000_000 }),
    /memoryMb must be an integer between 512 and 1048576, got 2000000\. Fix: use at most 1048576$/,
  ],
  [
    "too many health check retries",
    (s) =>
      new AppContainer(s, "app", {
        image: ContainerImage.fromRegistry("example/app:1.0"),
        healthCheck: HealthCheck.exec(["true"], { retries: 5000 }),
      }),
    /healthCheck\.retries must be an integer between 0 and 1000, got 5000\. Fix: use at most 1000$/,
  ],
])("%s: the fix gives the maximum", (_, build, message) => {
  expect(problemMessages(build)).toEqual([expect.stringMatching(message)]);
});

test.each<[string, (s: TerraformStack) => void, RegExp]>([
  [
    "too little memory keeps its own fix",
    (s) => new KafkaBroker(s, "kafka", { network: new Network(s, "net"), memoryMb: 100 }),
    /memoryMb must be an integer between 512 and 1048576, got 100\. Fix: give Kafka at least 512 MiB/,
  ],
  [
    "a fix that already names the maximum is kept",
    (s) =>
      new AppContainer(s, "app", {
        image: ContainerImage.fromRegistry("example/app:1.0"),
        ports: [{ containerPort: 80, hostPort: 70000 }],
      }),
    /hostPort.*got 70000\. Fix: .*65535/,
  ],
])("%s", (_, build, message) => {
  expect(problemMessages(build)).toEqual([expect.stringMatching(message)]);
});
