/**
 * RabbitMqBroker with `nodes`: one container, volume and host ports per
 * node, one Erlang cookie from a sensitive variable, classic_config peer
 * discovery, pause_minority, quorum queues sized to the cluster, a
 * healthcheck that waits for the whole cluster, and every node's URL for the apps.
 */
import { TerraformStack } from "cdktf";
import { AppContainer, ContainerImage, Network, RabbitMqBroker, type RabbitMqBrokerProps } from "../../../../constructs";
import { MessagingTemplate } from "../../../../constructs/testing";
import { container, envOf, labelsOf, newStack, problemMessages, renderTemplate, resources, synth, upload } from "../../helpers";

function cluster(props: Partial<RabbitMqBrokerProps> = {}, stack: TerraformStack = newStack()) {
  const network = (stack.node.tryFindChild("net") as Network | undefined) ?? new Network(stack, "net");
  return { stack, mq: new RabbitMqBroker(stack, "mq", { network, nodes: 3, ...props }) };
}

describe("a 3-node RabbitMQ cluster", () => {
  const { stack, mq } = cluster({ amqpHostPort: 35672, managementHostPort: 35682, dataRemovalPolicy: "destroy" });
  const orders = mq.addQueue("orders");
  mq.addQueue("audit", { type: "classic" });
  const consumer = new AppContainer(stack, "consumer", { image: ContainerImage.fromRegistry("busybox:1.36") });
  orders.grantConsume(consumer);
  const { json } = synth(stack);
  const nodes = ["mq-1", "mq-2", "mq-3"];

  test("runs one container per node with its own hostname, aliases, volume and host ports", () => {
    for (const [i, name] of nodes.entries()) {
      const c = container(json, name);
      expect(c.hostname).toBe(name);
      expect(c.networks_advanced[0].aliases).toEqual([name, "mq"]);
      expect(c.ports.map((p: any) => [p.internal, p.external, p.ip])).toEqual([
        [5672, 35672 + i, "127.0.0.1"],
        [15672, 35682 + i, "127.0.0.1"],
      ]);
    }
    expect(
      resources(json, "docker_volume")
        .map((v) => v.name)
        .sort(),
    ).toEqual(["mq-1-data", "mq-2-data", "mq-3-data"]);
  });

  test("every node writes the cluster's Erlang cookie from one sensitive variable before the server starts", () => {
    expect(json.variable.mq_erlang_cookie).toMatchObject({ type: "string", sensitive: true, nullable: true, default: null });
    expect(json.variable.mq_erlang_cookie.default).toBeNull();
    for (const name of nodes) {
      const c = container(json, name);
      expect(envOf(c).CDKTF_MESSAGING_ERLANG_COOKIE).toBe("${var.mq_erlang_cookie}");
      expect(c.command.slice(0, 2)).toEqual(["/bin/sh", "-c"]);
      expect(c.command[2]).toMatch(/> "\$HOME\/\.erlang\.cookie" && chmod 400 "\$HOME\/\.erlang\.cookie" && exec rabbitmq-server$/);
    }
  });

  test("peer discovery lists every node; no partition handling key (RabbitMQ 4.3 ignores it: Khepri is Raft); net_ticktime stays at its 60 s (a hung node that resumes must not find the cluster split)", () => {
    const conf = renderTemplate(upload(container(json, "mq-2"), "/etc/rabbitmq/rabbitmq.conf"));
    expect(conf).toContain("cluster_formation.peer_discovery_backend = classic_config");
    for (const [i, name] of nodes.entries()) expect(conf).toContain(`cluster_formation.classic_config.nodes.${i + 1} = rabbit@${name}`);
    expect(conf).not.toMatch(/cluster_partition_handling/);
    expect(conf).not.toMatch(/net_ticktime/);
    expect(conf).toContain("quorum_queue.continuous_membership_reconciliation.target_group_size = 3");
  });

  test("quorum queues get a replica on every node; classic queues are left alone", () => {
    const t = MessagingTemplate.fromJson(json);
    expect(t.queue("mq-1", "orders").arguments["x-quorum-initial-group-size"]).toBe(3);
    expect(t.queue("mq-1", "audit").arguments["x-quorum-initial-group-size"]).toBeUndefined();
  });

  test("is healthy only when all 3 nodes run in the cluster", () => {
    const test_ = container(json, "mq-3").healthcheck.test;
    expect(test_[0]).toBe("CMD-SHELL");
    expect(test_[1]).toContain('"running_nodes":\\[');
    expect(test_[1]).toMatch(/-eq 3 \]$/);
  });

  test("each node is labelled with its broker, its index and the check the rolling-replace command runs before taking it down", () => {
    for (const [i, name] of nodes.entries()) {
      const labels = labelsOf(container(json, name));
      expect(labels["cdktf-docker-messaging.broker"]).toBe("mq");
      expect(labels["cdktf-docker-messaging.node"]).toBe(String(i + 1));
      // The cluster is whole, and no quorum queue needs this node for its majority.
      expect(labels["cdktf-docker-messaging.rolling-check"]).toMatch(/-eq 3 \] && rabbitmq-queues -q check_if_node_is_quorum_critical$/);
    }
  });

  test("apps get every node's URL and start after every node", () => {
    const c = container(json, "consumer-1");
    // Each node's URL, as the app's own user.
    expect(envOf(c).RABBITMQ_URL.split(",")).toEqual(
      nodes.map((n) => `amqp://consumer:\${sha256("\${var.mq_credentials_key}/mq/consumer")}@${n}:5672/%2F`),
    );
    // Every node, then the set-up job (which tries every node's management API).
    expect(c.depends_on).toHaveLength(4);
    expect(c.depends_on[3]).toMatch(/^docker_container\.mq_setup_/);
    expect(envOf(container(json, "mq-setup")).MANAGEMENT_URLS).toBe(nodes.map((n) => `http://${n}:15672`).join(","));
    expect(json.output.mq_amqp_url.value.split(",")).toHaveLength(3);
    MessagingTemplate.fromJson(json).expectWiring("consumer", { broker: "mq", kind: "rabbitmq", role: "consumer", queue: "orders" });
  });
});

describe("a RabbitMQ cluster: problems", () => {
  const rejects: [string, (s: TerraformStack) => unknown, RegExp][] = [
    ["rejects 2 nodes", (s) => cluster({ nodes: 2 }, s), /test\/mq: nodes must be 1 or an odd number between 3 and 9, got 2/],
    ["rejects 0 nodes", (s) => cluster({ nodes: 0 }, s), /nodes must be 1 or an odd number between 3 and 9, got 0/],
    ["rejects 6 nodes", (s) => cluster({ nodes: 6 }, s), /got 6/],
    [
      "rejects a quorum group size above the node count",
      (s) => cluster({}, s).mq.addQueue("q", { arguments: { "x-quorum-initial-group-size": 5 } }),
      /queue "q": x-quorum-initial-group-size is above the broker's node count \(3\), got 5\. Fix: use at most 3/,
    ],
    ["rejects a management port range past 65535", (s) => cluster({ managementHostPort: 65535 }, s), /node 3 would publish port 65537/],
    ["rejects an AMQP port range past 65535", (s) => cluster({ amqpHostPort: 65534 }, s), /host ports: node 3 would publish port 65536/],
  ];
  test.each(rejects)("%s", (_name, build, message) => {
    expect(problemMessages(build)).toEqual(expect.arrayContaining([expect.stringMatching(message)]));
  });

  test("accepts a quorum group size of 3 on 3 nodes", () => {
    expect(problemMessages((s) => cluster({}, s).mq.addQueue("q", { arguments: { "x-quorum-initial-group-size": 3 } }))).toEqual([]);
  });
});
