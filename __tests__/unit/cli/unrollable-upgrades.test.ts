/**
 * cdktf-messaging-roll's refusal of an upgrade that cannot roll: RabbitMQ
 * from before 4.2 to 4.3 or later (a 4.3 node does not boot beside older
 * peers), read from the image names in the state and in the synthesized
 * stack. The refusal on a deployed cluster is the upgrade suite's
 * (__tests__/upgrade).
 */
import { configuredImages, deployedImages, unrollableUpgrades } from "../../../constructs/cli/unrollable-upgrades";
import { refusalOf, rollRefusalsOf } from "../../../constructs/brokers/roll-refusal";
import { rabbitMqLineOf, rabbitMqRollRefusals } from "../../../constructs/brokers/rabbitmq/rabbitmq-roll-refusals";
import { brokerNodes } from "../../../constructs/cli/rolling-replace";
import { ContainerImage, KafkaBroker, Network, RabbitMqBroker } from "../../../constructs";
import { newStack, synth } from "../helpers";
import * as fs from "fs";
import * as path from "path";
import { Testing } from "cdktf";

describe("rabbitMqLineOf: the RabbitMQ release line an image name says", () => {
  test.each([
    ["rabbitmq:4.0-management", { major: 4, minor: 0 }],
    ["rabbitmq:4.3-management", { major: 4, minor: 3 }],
    ["rabbitmq:4.0.5", { major: 4, minor: 0 }],
    ["rabbitmq:4.2.1-management-alpine", { major: 4, minor: 2 }],
    ["rabbitmq:3.13", { major: 3, minor: 13 }],
    ["library/rabbitmq:4.1-alpine", { major: 4, minor: 1 }],
    ["registry.internal:5000/mirror/rabbitmq:v4.0-management", { major: 4, minor: 0 }],
    ["rabbitmq:4.0-management@sha256:0123456789abcdef", { major: 4, minor: 0 }],
  ])("%s is %o", (image, line) => {
    expect(rabbitMqLineOf(image)).toEqual(line);
  });

  test.each([
    "rabbitmq:4-management", // a major only
    "rabbitmq:management",
    "rabbitmq:latest",
    "rabbitmq", // no tag
    "rabbitmq@sha256:0123456789abcdef", // a digest only
    "registry.internal:5000/rabbitmq", // the registry's port is no tag
    "mycorp/broker:4.0", // not a rabbitmq repository: its tag is the user's own version
    "mycorp/rabbitmq-custom:4.0",
    "rabbitmq:4.0x",
  ])("%s says no line (never refused)", (image) => {
    expect(rabbitMqLineOf(image)).toBeUndefined();
  });
});

/** The refusal of moving broker's nodes from `from` to `to`, as the roll command makes it from the refusals a node on `to` carries. */
const unrollableRabbitMqUpgrade = (broker: string, from: string, to: string, firstNode = `${broker}-1`) =>
  refusalOf(rabbitMqRollRefusals(to), { broker, from, to, firstNode });

describe("rabbitMqRollRefusals: which moves the roll refuses", () => {
  test("refuses 4.0 -> 4.3 in one line naming the broker, both versions and images, the Khepri step and the plain deploy", () => {
    const refusal = unrollableRabbitMqUpgrade("orders", "rabbitmq:4.0-management", "rabbitmq:4.3-management", "orders-1");
    expect(refusal).toBeDefined();
    expect(refusal).not.toContain("\n");
    expect(refusal).toMatch(/^broker orders: RabbitMQ 4\.0 -> 4\.3 \(rabbitmq:4\.0-management -> rabbitmq:4\.3-management\) cannot roll/);
    expect(refusal).toContain("Nothing was changed.");
    expect(refusal).toContain("`docker exec orders-1 rabbitmqctl enable_feature_flag --opt-in khepri_db`");
    expect(refusal).toContain("`cdktf deploy`");
    expect(refusal).toMatch(/measured 4\.0 -> 4\.3 on 3 nodes: .* s /);
  });

  test.each([
    ["rabbitmq:4.1.3", "rabbitmq:4.3.6"],
    ["rabbitmq:4.0-management", "rabbitmq:4.4-management"],
    ["rabbitmq:4.0-management", "rabbitmq:5.0-management"],
    ["registry.internal:5000/rabbitmq:4.0", "rabbitmq:4.3-management-alpine"],
  ])("refuses %s -> %s (from before 4.2 to 4.3 or later)", (from, to) => {
    expect(unrollableRabbitMqUpgrade("mq", from, to)).toMatch(/^broker mq: .* cannot roll/);
  });

  test("refuses a move from 3.x with the other fix: 4.0 first", () => {
    const refusal = unrollableRabbitMqUpgrade("mq", "rabbitmq:3.13-management", "rabbitmq:4.3-management");
    expect(refusal).toMatch(/RabbitMQ 3\.13 -> 4\.3 .*Move to 4\.0 first/);
    expect(refusal).not.toContain("khepri_db");
  });

  test.each([
    ["rabbitmq:4.2-management", "rabbitmq:4.3-management"], // the supported in-place path
    ["rabbitmq:4.0-management", "rabbitmq:4.2-management"], // not to 4.3
    ["rabbitmq:4.0.4", "rabbitmq:4.0.5"], // a patch release
    ["rabbitmq:4.3-management", "rabbitmq:4.0-management"], // a downgrade: not this rule's
    ["rabbitmq:4-management", "rabbitmq:4.3-management"], // the old tag says no minor
    ["rabbitmq:4.0-management", "rabbitmq:latest"],
    ["mycorp/broker:4.0", "mycorp/broker:4.3"], // a user's image: its tag is not RabbitMQ's version
    ["rabbitmq:4.0-management", "mycorp/rabbitmq-custom:4.3"],
  ])("lets %s -> %s roll", (from, to) => {
    expect(unrollableRabbitMqUpgrade("mq", from, to)).toBeUndefined();
  });
});

describe("unrollableUpgrades: the images a roll would move each node between", () => {
  /** A stack with a 3-node RabbitMQ and a 3-node Kafka, RabbitMQ on `image`. */
  function stackJson(image?: string) {
    const stack = newStack();
    const network = new Network(stack, "net");
    new RabbitMqBroker(stack, "mq", { network, nodes: 3, ...(image ? { image: ContainerImage.fromRegistry(image) } : {}) }).addQueue("q");
    new KafkaBroker(stack, "kafka", { network, nodes: 3 }).addTopic("t");
    synth(stack); // the checks
    // What `cdktf synth` writes, `//` comments included (Testing.synth drops them): what the roll command reads.
    const out = Testing.fullSynth(stack);
    return JSON.parse(fs.readFileSync(path.join(out, "stacks", stack.node.id, "cdk.tf.json"), "utf8"));
  }

  /** What `terraform show -json` says after a deploy of `json`: each node on its docker_image's id. */
  function stateOf(json: any) {
    const images = Object.entries<any>(json.resource.docker_image).map(([id, r], i) => ({
      address: `docker_image.${id}`,
      type: "docker_image",
      values: { name: r.name, image_id: `sha256:${String(i).padStart(64, "0")}` },
    }));
    const containers = Object.entries<any>(json.resource.docker_container).map(([id, r]) => {
      const ref = /docker_image\.([^.]+)\./.exec(r.image)?.[1];
      return {
        address: `docker_container.${id}`,
        type: "docker_container",
        values: { name: r.name, image: images.find((i) => i.address === `docker_image.${ref}`)?.values.image_id },
      };
    });
    return { values: { root_module: { resources: [...images, ...containers] } } };
  }

  const old = stackJson("rabbitmq:4.0-management");
  const next = stackJson(); // the default: rabbitmq:4.3-management
  const nodes = brokerNodes(next);

  test("reads each RabbitMQ node's image name from the state (through its image id) and from the stack (through its docker_image)", () => {
    const mq = nodes.filter((n) => n.broker === "mq");
    const deployed = deployedImages(stateOf(old), mq);
    const configured = configuredImages(next, mq);
    expect([...deployed.values()]).toEqual(["rabbitmq:4.0-management", "rabbitmq:4.0-management", "rabbitmq:4.0-management"]);
    expect([...configured.values()]).toEqual(["rabbitmq:4.3-management", "rabbitmq:4.3-management", "rabbitmq:4.3-management"]);
  });

  test("refuses the default's move from 0.8's rabbitmq:4.0-management once, for the RabbitMQ broker only, naming its first node", () => {
    const refusals = unrollableUpgrades(nodes, deployedImages(stateOf(old), nodes), configuredImages(next, nodes), next);
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatch(/^broker mq: RabbitMQ 4\.0 -> 4\.3 .*docker exec mq-1 rabbitmqctl/);
  });

  test("refuses nothing when the images do not change, and nothing on a first deploy (no state)", () => {
    expect(unrollableUpgrades(nodes, deployedImages(stateOf(next), nodes), configuredImages(next, nodes), next)).toEqual([]);
    expect(unrollableUpgrades(nodes, deployedImages({ format_version: "1.0" }, nodes), configuredImages(next, nodes), next)).toEqual([]);
  });

  test("each RabbitMQ node resource carries its refusals in a Terraform JSON comment (no diff, no replacement); Kafka's carry none", () => {
    for (const node of nodes) {
      const [type, id] = [node.address.slice(0, node.address.indexOf(".")), node.address.slice(node.address.indexOf(".") + 1)];
      const refusals = rollRefusalsOf(next.resource[type][id]);
      if (node.broker === "mq") expect(refusals).toEqual(rabbitMqRollRefusals("rabbitmq:4.3-management"));
      else expect(refusals).toEqual([]);
    }
    // A node on 4.0 (0.8's default) may be rolled from anything.
    expect(brokerNodes(old).every((n) => rollRefusalsOf(old.resource.docker_container[n.address.split(".")[1]]).length === 0)).toBe(true);
  });

  test("reads a Swarm service's image from its container_spec, in the state (a list of one block) and in the stack (an object)", () => {
    const node = { broker: "mq", index: 1, address: "docker_service.mq_node-1", name: "mq-1" };
    const state = {
      values: {
        root_module: {
          resources: [
            {
              address: node.address,
              type: "docker_service",
              values: { task_spec: [{ container_spec: [{ image: "rabbitmq:4.0-management" }] }] },
            },
          ],
        },
      },
    };
    const stack = {
      resource: {
        docker_service: {
          "mq_node-1": {
            "//": { "cdktf-docker-messaging": { "roll-refusals": rabbitMqRollRefusals("rabbitmq:4.3-management") } },
            task_spec: { container_spec: { image: "rabbitmq:4.3-management" } },
          },
        },
      },
    };
    expect(unrollableUpgrades([node], deployedImages(state, [node]), configuredImages(stack, [node]), stack)).toEqual([
      expect.stringMatching(/^broker mq: RabbitMQ 4\.0 -> 4\.3/),
    ]);
  });
});
