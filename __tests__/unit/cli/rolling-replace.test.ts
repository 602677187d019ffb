/**
 * cdktf-messaging-roll's reading of its input: arguments, the broker nodes
 * of a synthesized stack (from the labels the broker constructs set), and
 * which nodes a saved plan replaces. The roll itself runs against a real
 * engine in the fault suite (__tests__/faults/).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  brokerNodes,
  parseArgs,
  providerHost,
  restartedAddresses,
  rollSteps,
  RollUsageError,
} from "../../../constructs/cli/rolling-replace";
import { TerraformStack, Testing } from "cdktf";
import { DockerHost, KafkaBroker, Network, RabbitMqBroker } from "../../../constructs";
import { newStack, synth } from "../helpers";

function clusterStack(swarm = false) {
  let stack = newStack();
  if (swarm) {
    stack = new TerraformStack(Testing.app(), "s");
    new DockerHost(stack, "docker", {
      host: "tcp://manager:2376",
      swarm: { brokerNodes: { label: "slot", values: ["1", "2", "3"] } },
    });
  }
  const network = new Network(stack, "net");
  new RabbitMqBroker(stack, "mq", { network, nodes: 3 }).addQueue("q");
  new KafkaBroker(stack, "kafka", { network, nodes: 3 }).addTopic("t");
  new KafkaBroker(stack, "single", { network, name: "single-kafka" }).addTopic("s");
  return synth(stack).json;
}

describe("cdktf-messaging-roll: the nodes it rolls", () => {
  const nodes = brokerNodes(clusterStack());

  test("are every node of every clustered broker, in broker then node order, with their container names and Terraform addresses", () => {
    expect(nodes.map((n) => [n.broker, n.index, n.name])).toEqual([
      ["kafka", 1, "kafka-1"],
      ["kafka", 2, "kafka-2"],
      ["kafka", 3, "kafka-3"],
      ["mq", 1, "mq-1"],
      ["mq", 2, "mq-2"],
      ["mq", 3, "mq-3"],
    ]);
    for (const n of nodes) expect(n.address).toMatch(/^docker_container\.[A-Za-z0-9_-]+$/);
    for (const n of nodes) expect(n.onSwarm).toBe(false);
  });

  test("are rolled in steps of one node of each cluster: node k of every broker together, never two of one cluster", () => {
    expect(rollSteps(nodes).map((step) => step.map((n) => n.name))).toEqual([
      ["kafka-1", "mq-1"],
      ["kafka-2", "mq-2"],
      ["kafka-3", "mq-3"],
    ]);
    // Only the nodes the plan replaces: a broker with fewer of them is done sooner, and its nodes stay in order.
    const planned = nodes.filter((n) => n.name !== "kafka-1" && n.name !== "mq-2");
    expect(rollSteps(planned).map((step) => step.map((n) => n.name))).toEqual([
      ["kafka-2", "mq-1"],
      ["kafka-3", "mq-3"],
    ]);
    expect(rollSteps([])).toEqual([]);
  });

  test("leave out single-node brokers and apps: there is nothing to roll there", () => {
    expect(nodes.map((n) => n.broker)).not.toContain("single-kafka");
  });

  test("carry each kind's rolling check as a shell command, Terraform's $${ escapes undone", () => {
    expect(nodes.find((n) => n.broker === "mq")!.rollingCheck).toContain("check_if_node_is_quorum_critical");
    expect(nodes.find((n) => n.broker === "kafka")!.rollingCheck).toContain("--under-replicated-partitions");
    for (const n of nodes) expect(n.rollingCheck).not.toContain("$${");
  });
});

describe("cdktf-messaging-roll: the nodes it rolls on a Swarm", () => {
  const json = clusterStack(true);
  const nodes = brokerNodes(json);

  test("are the node services, named as the services, with their Terraform addresses", () => {
    expect(nodes.map((n) => [n.broker, n.index, n.name, n.onSwarm])).toEqual([
      ["kafka", 1, "kafka-1", true],
      ["kafka", 2, "kafka-2", true],
      ["kafka", 3, "kafka-3", true],
      ["mq", 1, "mq-1", true],
      ["mq", 2, "mq-2", true],
      ["mq", 3, "mq-3", true],
    ]);
    for (const n of nodes) expect(n.address).toMatch(/^docker_service\.[A-Za-z0-9_-]+$/);
  });

  test("export the task's secret files before the check: a docker exec does not see what the start wrapper exported", () => {
    for (const n of nodes) {
      expect(n.rollingCheck).toMatch(/^for f in \/run\/secrets\/cdktf-env-\*; do .* export "\$n=\$\(cat "\$f"\)"; done; /);
      expect(n.rollingCheck).not.toContain("$${");
    }
    expect(nodes.find((n) => n.broker === "kafka")!.rollingCheck).toContain("--under-replicated-partitions");
  });

  test("find the manager in the stack's provider block, unless it is an expression", () => {
    expect(providerHost(json)).toBe("tcp://manager:2376");
    expect(providerHost({ provider: { docker: [{ host: "${var.manager}" }] } })).toBeUndefined();
    expect(providerHost({})).toBeUndefined();
  });
});

describe("cdktf-messaging-roll: what a plan restarts", () => {
  test("counts replacements (either order) and deletions, not updates or creations, of containers", () => {
    const plan = {
      resource_changes: [
        { address: "docker_container.a", change: { actions: ["delete", "create"] } },
        { address: "docker_container.b", change: { actions: ["create", "delete"] } },
        { address: "docker_container.c", change: { actions: ["update"] } },
        { address: "docker_container.d", change: { actions: ["create"] } },
        { address: "docker_volume.e", change: { actions: ["delete"] } },
        { address: "docker_container.f", change: { actions: ["no-op"] } },
      ],
    };
    expect([...restartedAddresses(plan)].sort()).toEqual(["docker_container.a", "docker_container.b", "docker_volume.e"]);
    expect(restartedAddresses({}).size).toBe(0);
  });

  test("counts a service's update too: Swarm replaces its task", () => {
    const plan = {
      resource_changes: [
        { address: "docker_service.node", type: "docker_service", change: { actions: ["update"] } },
        { address: "docker_service.same", type: "docker_service", change: { actions: ["no-op"] } },
        { address: "docker_service.new", type: "docker_service", change: { actions: ["create"] } },
        { address: "docker_config.c", type: "docker_config", change: { actions: ["update"] } },
      ],
    };
    expect([...restartedAddresses(plan)]).toEqual(["docker_service.node"]);
  });
});

describe("cdktf-messaging-roll: arguments", () => {
  const project = fs.mkdtempSync(path.join(os.tmpdir(), "roll-args-"));
  const stacks = path.join(project, "cdktf.out", "stacks");

  test("defaults to the only synthesized stack, with a 600 s time box", () => {
    fs.mkdirSync(path.join(stacks, "messaging"), { recursive: true });
    fs.writeFileSync(path.join(stacks, "messaging", "cdk.tf.json"), "{}");
    expect(parseArgs([], project)).toEqual({
      stackDir: path.join(stacks, "messaging"),
      brokers: [],
      replace: false,
      nodesOnly: false,
      timeoutSeconds: 600,
      engines: [],
    });
  });

  test("takes brokers, --replace, --nodes-only, --timeout-seconds and a stack folder", () => {
    expect(
      parseArgs(
        [
          "--stack-dir",
          "out/x",
          "--broker",
          "a",
          "--broker",
          "b",
          "--replace",
          "--nodes-only",
          "--timeout-seconds",
          "90",
          "--manager",
          "tcp://m:2376",
          "--engine",
          "ssh://admin@n2",
          "--engine",
          "ssh://admin@n3",
        ],
        project,
      ),
    ).toEqual({
      stackDir: path.join(project, "out", "x"),
      brokers: ["a", "b"],
      replace: true,
      nodesOnly: true,
      timeoutSeconds: 90,
      manager: "tcp://m:2376",
      engines: ["ssh://admin@n2", "ssh://admin@n3"],
    });
  });

  const rejects: [string, string[], RegExp][] = [
    ["an unknown flag", ["--force"], /unknown argument '--force'/],
    ["a flag without its value", ["--broker"], /--broker needs a value/],
    ["an engine without its API", ["--engine"], /--engine needs a value/],
    ["a flag followed by another flag instead of its value", ["--stack", "--replace"], /--stack needs a value/],
    ["a time box that is not a whole number", ["--timeout-seconds", "1.5"], /--timeout-seconds: '1.5' is not a whole number/],
    ["a time box of 0", ["--timeout-seconds", "0"], /--timeout-seconds: '0'/],
    ["both --stack and --stack-dir", ["--stack", "a", "--stack-dir", "b"], /not both/],
  ];
  test.each(rejects)("rejects %s, in one line", (_name, argv, message) => {
    expect(() => parseArgs(argv, project)).toThrow(RollUsageError);
    expect(() => parseArgs(argv, project)).toThrow(message);
  });

  test("rejects a project with several stacks and no --stack, naming them", () => {
    fs.mkdirSync(path.join(stacks, "other"), { recursive: true });
    fs.writeFileSync(path.join(stacks, "other", "cdk.tf.json"), "{}");
    expect(() => parseArgs([], project)).toThrow(/holds 2 stacks \(messaging, other\): choose one with --stack/);
  });

  test("rejects a project that was never synthesized", () => {
    expect(() => parseArgs([], fs.mkdtempSync(path.join(os.tmpdir(), "roll-empty-")))).toThrow(
      /no synthesized stack .* run `cdktf synth` \(`cdktn synth` on cdktn\) first/,
    );
  });
});
