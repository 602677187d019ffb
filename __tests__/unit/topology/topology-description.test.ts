/**
 * The topology description: made at synth from the construct tree and
 * carried in cdk.tf.json under a Terraform comment key, so any synthesized
 * stack can be drawn. Checked against what the synthesized resources say.
 */
import { App, Testing } from "cdktf";
import { buildSwarmStack } from "../../../examples/swarm/main";
import { renderTopologyMermaid } from "../../../constructs/topology/render-mermaid";
import { AppContainer, ContainerImage, KafkaBroker, RabbitMqBroker } from "../../../constructs";
import { describeTopology } from "../../../constructs/topology/describe-topology";
import type { BrokerTopology, TopologyDescription } from "../../../constructs/topology/topology-description";
import { net, newStack, synth } from "../helpers";
import { contentsOf, synthesizeExamples } from "./synthesized-examples";

const topologyOf = (json: any): TopologyDescription => json["//"]["cdktf-docker-messaging"].topology;
/** The names of a broker's entities of one kind (`queue`, `topic`, ...). */
const entitiesOf = (broker: BrokerTopology, kind: string) => broker.entities.filter((e) => e.kind === kind);

describe("the topology in a synthesized stack", () => {
  const examples = synthesizeExamples();
  const again = synthesizeExamples();

  test.each(examples.map((e) => [e.name, e]))(
    "%s: is in cdk.tf.json beside cdktf's own comment, and names every broker, queue, topic and app and no others",
    (_name, example) => {
      const { json } = example;
      expect(Object.keys(json["//"]).sort()).toEqual(["cdktf-docker-messaging", "metadata", "outputs"]);
      const topology = topologyOf(json);
      expect(topology.formatVersion).toBe(2);
      expect(topology.stack).toBe(example.name);
      const expected = contentsOf(json);
      expect(topology.brokers.map((b) => b.name)).toEqual(expected.brokers);
      expect(topology.apps.map((a) => a.name)).toEqual(expected.apps);
      expect(topology.brokers.flatMap((b) => entitiesOf(b, "queue").map((q) => q.name)).sort()).toEqual(expected.queues);
      expect(topology.brokers.flatMap((b) => entitiesOf(b, "topic").map((t) => t.name)).sort()).toEqual(expected.topics);
    },
  );

  test.each(examples.map((e) => [e.name, e]))(
    "%s: accounts for every container once, and every network the containers join",
    (_name, { json }) => {
      const topology = topologyOf(json);
      const named = [
        ...topology.brokers.flatMap((b) => b.nodes.map((n) => n.name)),
        ...topology.apps.flatMap((a) => a.containers),
        ...topology.components.map((c) => c.name),
      ].sort();
      const containers = Object.values<any>(json.resource.docker_container)
        .map((c) => c.name)
        .sort();
      expect(named).toEqual(containers);
      expect(topology.networks.map((n) => n.name)).toEqual(
        Object.values<any>(json.resource.docker_network)
          .map((n) => n.name)
          .sort(),
      );
    },
  );

  test("is the same on every synth (sorted), so snapshots and the README picture are stable", () => {
    expect(again.map((e) => topologyOf(e.json))).toEqual(examples.map((e) => topologyOf(e.json)));
  });

  test("default stack: the queue's dead-letter path, the topic's partitions, each app's role, replicas, image and network, the published ports", () => {
    const topology = topologyOf(examples.find((e) => e.name === "messaging")!.json);
    const rabbitmq = topology.brokers.find((b) => b.name === "rabbitmq")!;
    expect(rabbitmq).toMatchObject({ kind: "rabbitmq", title: "RabbitMQ", network: "messaging", path: "messaging/rabbitmq" });
    expect(rabbitmq.portNames).toEqual({ "5671": "AMQPS", "5672": "AMQP", "15672": "management UI" });
    expect(entitiesOf(rabbitmq, "queue")).toEqual([
      { kind: "queue", name: "orders", summary: "quorum", properties: { type: "quorum", durable: true } },
      { kind: "queue", name: "orders.dead-letter", summary: "quorum", properties: { type: "quorum", durable: true } },
    ]);
    expect(rabbitmq.links).toEqual([
      {
        kind: "dead-letter",
        from: { kind: "queue", name: "orders" },
        to: { kind: "queue", name: "orders.dead-letter" },
        label: "dead letters",
        dashed: true,
      },
    ]);
    expect(rabbitmq.nodes).toEqual([
      {
        index: 1,
        name: "rabbitmq",
        networks: ["messaging"],
        ports: [
          { hostIp: "127.0.0.1", hostPort: 5672, containerPort: 5672, protocol: "tcp" },
          { hostIp: "127.0.0.1", hostPort: 15672, containerPort: 15672, protocol: "tcp" },
        ],
      },
    ]);
    const kafka = topology.brokers.find((b) => b.name === "kafka")!;
    expect(kafka).toMatchObject({ title: "Kafka", portNames: { "9094": "Kafka" }, links: [] });
    expect(kafka.entities).toEqual([
      { kind: "topic", name: "events", summary: "3 partitions × RF 1", properties: { partitions: 3, replicationFactor: 1 } },
    ]);
    const consumer = topology.apps.find((a) => a.name === "kafka-consumer")!;
    expect(consumer).toMatchObject({ replicas: 1, containers: ["kafka-consumer-1"], networks: ["messaging"], ports: [] });
    expect(consumer.image).toEqual({ name: expect.stringMatching(/^kafka-consumer:[0-9a-f]{12}$/), source: "build" });
    expect(consumer.wirings).toEqual([
      {
        broker: "kafka",
        role: 'consumer of topic "events"',
        direction: "consume",
        entityKind: "topic",
        entityName: "events",
        groupId: "events-consumer",
        attributes: { topic: "events", groupId: "events-consumer" },
      },
    ]);
    expect(topology.apps.find((a) => a.name === "rabbitmq-producer")!.wirings).toEqual([
      {
        broker: "rabbitmq",
        role: 'publisher to queue "orders"',
        direction: "publish",
        entityKind: "queue",
        entityName: "orders",
        routingKey: "orders",
        attributes: { exchange: "", routingKey: "orders" },
      },
    ]);
    expect(topology.components.map((c) => [c.name, c.component, c.owner, c.oneShot])).toEqual([
      ["kafka-setup", "kafka-setup", "kafka", true],
      ["prometheus", "prometheus", undefined, false],
      ["rabbitmq-setup", "rabbitmq-setup", "rabbitmq", true],
    ]);
    expect(topology.networks.find((n) => n.name === "kafka-replication")).toEqual({
      name: "kafka-replication",
      internal: true,
      containers: ["kafka", "kafka-setup"],
    });
  });

  test("cluster stack: every node with its own host ports, replication factor 3, the certificate jobs as the brokers' components", () => {
    const topology = topologyOf(examples.find((e) => e.name === "cluster")!.json);
    const rabbit = topology.brokers.find((b) => b.name === "cluster-rabbitmq")!;
    expect(rabbit.nodes.map((n) => [n.name, n.ports.map((p) => `${p.hostIp}:${p.hostPort}->${p.containerPort}`)])).toEqual([
      ["cluster-rabbitmq-1", ["127.0.0.1:35672->5671", "127.0.0.1:35682->15672"]],
      ["cluster-rabbitmq-2", ["127.0.0.1:35673->5671", "127.0.0.1:35683->15672"]],
      ["cluster-rabbitmq-3", ["127.0.0.1:35674->5671", "127.0.0.1:35684->15672"]],
    ]);
    expect(entitiesOf(topology.brokers.find((b) => b.name === "cluster-kafka")!, "topic").map((t) => t.properties)).toEqual([
      { partitions: 3, replicationFactor: 3 },
    ]);
    expect(topology.components.filter((c) => c.component === "tls-certificates").map((c) => [c.name, c.owner])).toEqual([
      ["cluster-kafka-tls", "cluster-kafka"],
      ["cluster-rabbitmq-tls", "cluster-rabbitmq"],
    ]);
  });
});

describe("describeTopology", () => {
  test("counts constructs added after the first container: it is made at synth", () => {
    const stack = newStack();
    const mq = new RabbitMqBroker(stack, "mq", { network: net(stack) });
    const later = new AppContainer(stack, "late", { image: ContainerImage.fromRegistry("acme/late:1.0") });
    const events = mq.addExchange("events", { type: "fanout" });
    mq.addQueue("audit").bindTo(events);
    mq.addQueue("mail", { deadLetterExchange: "amq.fanout" }).bindTo(events);
    events.grantPublish(later, { routingKey: "x" });
    Testing.synth(stack);
    const topology = describeTopology(stack);
    const broker = topology.brokers[0];
    expect(entitiesOf(broker, "exchange")).toEqual([
      {
        kind: "exchange",
        name: "amq.fanout",
        summary: "fanout, predefined",
        properties: { type: "fanout", internal: false, predefined: true },
      },
      { kind: "exchange", name: "events", summary: "fanout", properties: { type: "fanout", internal: false, predefined: false } },
    ]);
    expect(broker.links.map((l) => [l.kind, l.from.name, l.to.kind, l.to.name, l.label])).toEqual([
      ["binding", "events", "queue", "audit", undefined],
      ["binding", "events", "queue", "mail", undefined],
      ["dead-letter", "mail", "exchange", "amq.fanout", "dead letters"],
    ]);
    expect(topology.apps).toEqual([
      expect.objectContaining({
        name: "late",
        image: { name: "acme/late:1.0", source: "registry" },
        wirings: [
          {
            broker: "mq",
            role: 'publisher to exchange "events"',
            direction: "publish",
            entityKind: "exchange",
            entityName: "events",
            routingKey: "x",
            attributes: { exchange: "events", routingKey: "x" },
          },
        ],
      }),
    ]);
  });

  test("shows an app's published ports with the address they are bound to, and a user's own container as a component", () => {
    const stack = newStack();
    const kafka = new KafkaBroker(stack, "kafka", { network: net(stack) });
    const web = new AppContainer(stack, "web", {
      image: ContainerImage.fromLocal("acme/web:2"),
      ports: [{ containerPort: 80, hostPort: 8080, hostIp: "0.0.0.0" }],
    });
    kafka.addTopic("clicks", { partitions: 6 }).grantProduce(web);
    const { json } = synth(stack);
    expect(json).toBeDefined();
    const topology = describeTopology(stack);
    expect(topology.apps[0]).toMatchObject({
      image: { name: "acme/web:2", source: "local" },
      ports: [{ hostIp: "0.0.0.0", hostPort: 8080, containerPort: 80, protocol: "tcp" }],
    });
    expect(entitiesOf(topology.brokers[0], "topic").map((t) => [t.name, t.summary])).toEqual([["clicks", "6 partitions × RF 1"]]);
  });
});

describe("a Swarm stack (examples/swarm)", () => {
  const topology = describeTopology(buildSwarmStack(new App({ stackTraces: false }) as never, "swarm", { manager: "tcp://manager:2376" }));

  test("each broker node is a service, with the Swarm node it is pinned to", () => {
    for (const broker of topology.brokers) {
      expect(broker.nodes.map((n) => [n.name, n.placement])).toEqual(
        [1, 2, 3].map((i) => [`${broker.name}-${i}`, [`node.labels.cdktf-docker-messaging.swarm-node==${i}`]]),
      );
    }
  });

  test("each app is one service of its replicas, on the overlay network, with its pushed image", () => {
    const app = topology.apps.find((a) => a.name === "swarm-kafka-consumer")!;
    expect(app).toMatchObject({ replicas: 2, containers: ["swarm-kafka-consumer"], networks: ["swarm"] });
    expect(app.image).toEqual({ name: expect.stringMatching(/^127\.0\.0\.1:23750\/kafka-consumer:[0-9a-f]{12}$/), source: "build" });
    expect(topology.components.map((c) => c.name)).toEqual(["swarm-kafka-setup", "swarm-prometheus", "swarm-rabbitmq-setup"]);
  });

  test("the picture says which Swarm node runs each broker node", () => {
    const mermaid = renderTopologyMermaid(topology);
    for (const i of [1, 2, 3])
      expect(mermaid).toContain(`node swarm-rabbitmq-${i}  (no published ports)  on Swarm node cdktf-docker-messaging.swarm-node=${i}`);
  });
});
