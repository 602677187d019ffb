/**
 * KafkaBroker with `nodes`: one container, volume and host port per node,
 * KRaft voters over every node, replication sized for the cluster, and the
 * problems a cluster's props and topics are reported with.
 */
import { TerraformStack } from "cdktf";
import { addMessagingAspects, AppContainer, ContainerImage, KafkaBroker, Network, type KafkaBrokerProps } from "../../../../constructs";
import { MessagingTemplate } from "../../../../constructs/testing";
import { container, envOf, labelsOf, newStack, problemMessages, resources, synth } from "../../helpers";

function cluster(props: Partial<KafkaBrokerProps> = {}, stack: TerraformStack = newStack()) {
  const network = (stack.node.tryFindChild("net") as Network | undefined) ?? new Network(stack, "net");
  return { stack, kafka: new KafkaBroker(stack, "kafka", { network, nodes: 3, ...props }) };
}

describe("a 3-node Kafka cluster", () => {
  const { stack, kafka } = cluster({ hostPort: 39092, dataRemovalPolicy: "destroy" });
  const events = kafka.addTopic("events", { partitions: 3 });
  const producer = new AppContainer(stack, "producer", { image: ContainerImage.fromRegistry("busybox:1.36") });
  const consumer = new AppContainer(stack, "consumer", { image: ContainerImage.fromRegistry("busybox:1.36") });
  events.grantProduce(producer);
  events.grantConsume(consumer, { groupId: "g" });
  const { json } = synth(stack);
  const nodes = ["kafka-1", "kafka-2", "kafka-3"];

  test("runs one container per node, each with its own hostname, aliases and data volume", () => {
    for (const [i, name] of nodes.entries()) {
      const c = container(json, name);
      expect(c.hostname).toBe(name);
      expect(c.networks_advanced[0].aliases).toEqual([name, "kafka"]);
      expect(c.volumes).toEqual([expect.objectContaining({ container_path: "/var/lib/kafka/data" })]);
      expect(c.wait).toBe(true);
      expect(envOf(c).KAFKA_NODE_ID).toBe(String(i + 1));
    }
    expect(
      resources(json, "docker_volume")
        .map((v) => v.name)
        .sort(),
    ).toEqual(["kafka-1-data", "kafka-2-data", "kafka-3-data"]);
    expect(kafka.containers).toHaveLength(3);
    expect(kafka.node.defaultChild).toBe(kafka.containers[0]);
  });

  test("every node is a KRaft voter; one cluster id", () => {
    const envs = nodes.map((n) => envOf(container(json, n)));
    for (const env of envs) {
      // The voters are reached on the replication network, which apps do not join.
      expect(env.KAFKA_CONTROLLER_QUORUM_VOTERS).toBe("1@kafka-1-replication:9093,2@kafka-2-replication:9093,3@kafka-3-replication:9093");
      expect(env.KAFKA_PROCESS_ROLES).toBe("broker,controller");
      expect(env.CLUSTER_ID).toBe(envs[0].CLUSTER_ID);
    }
  });

  test("each node advertises its own name inside and its own port on 127.0.0.1", () => {
    for (const [i, name] of nodes.entries()) {
      const c = container(json, name);
      expect(envOf(c).KAFKA_ADVERTISED_LISTENERS).toBe(
        `INTERNAL://${name}:9092,REPLICATION://${name}-replication:9095,HOST://127.0.0.1:${39092 + i}`,
      );
      expect(envOf(c).KAFKA_LISTENERS).toBe(
        `INTERNAL://:9092,CONTROLLER://${name}-replication:9093,REPLICATION://${name}-replication:9095,HOST://:9094`,
      );
      expect(c.networks_advanced[1]).toEqual({
        aliases: [`${name}-replication`],
        name: "${docker_network.kafka_replication_network_D27131DE.name}",
      });
      expect(c.ports).toEqual([{ internal: 9094, external: 39092 + i, ip: "127.0.0.1", protocol: "tcp" }]);
    }
    expect(json.output.kafka_bootstrap_servers.value).toBe("127.0.0.1:39092,127.0.0.1:39093,127.0.0.1:39094");
  });

  test("replicates 3 ways with 2 in sync, and never elects an out-of-sync leader", () => {
    const env = envOf(container(json, "kafka-2"));
    expect(env).toMatchObject({
      KAFKA_DEFAULT_REPLICATION_FACTOR: "3",
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: "3",
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: "3",
      KAFKA_MIN_INSYNC_REPLICAS: "2",
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: "2",
      KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE: "false",
    });
    expect(MessagingTemplate.fromJson(json).topic("kafka", "events")).toMatchObject({ partitions: 3, replicationFactor: 3 });
  });

  test("apps bootstrap from every node and start after all of them and the set-up job", () => {
    for (const app of ["producer", "consumer"]) {
      const c = container(json, `${app}-1`);
      expect(envOf(c).KAFKA_BOOTSTRAP_SERVERS).toBe("kafka-1:9092,kafka-2:9092,kafka-3:9092");
      expect(c.depends_on).toEqual([
        "docker_container.kafka_node-1_16A53CAE",
        "docker_container.kafka_node-2_192F6A43",
        "docker_container.kafka_node-3_07E6371D",
        "docker_container.kafka_setup_24BBEAA3",
      ]);
    }
    // The set-up job reaches every node on the REPLICATION listener.
    expect(container(json, "kafka-setup").command[0]).toContain(
      '--bootstrap-server kafka-1-replication:9095,kafka-2-replication:9095,kafka-3-replication:9095 --command-config "$cfg"',
    );
  });

  test("fences a dead node within 3 s (heartbeats every 0.5 s), so its partitions get a new leader fast; a single node keeps Kafka's defaults", () => {
    for (const name of nodes) {
      expect(envOf(container(json, name))).toMatchObject({
        KAFKA_BROKER_SESSION_TIMEOUT_MS: "3000",
        KAFKA_BROKER_HEARTBEAT_INTERVAL_MS: "500",
      });
    }
    const single = cluster({ nodes: 1 });
    expect(envOf(container(synth(single.stack).json, "kafka")).KAFKA_BROKER_SESSION_TIMEOUT_MS).toBeUndefined();
    const tuned = cluster({ serverProperties: { "broker.session.timeout.ms": 6000 } });
    expect(envOf(container(synth(tuned.stack).json, "kafka-1")).KAFKA_BROKER_SESSION_TIMEOUT_MS).toBe("6000");
  });

  test("each node is labelled with its broker, its index and the check the rolling-replace command runs before taking it down", () => {
    for (const [i, name] of nodes.entries()) {
      const labels = labelsOf(container(json, name));
      expect(labels["cdktf-docker-messaging.broker"]).toBe("kafka");
      expect(labels["cdktf-docker-messaging.node"]).toBe(String(i + 1));
      // No partition, internal ones included, is missing an in-sync replica.
      // As the broker principal, on this node's REPLICATION listener, with a temporary command-config file.
      const check = labels["cdktf-docker-messaging.rolling-check"];
      expect(check).toMatch(
        /^f=\$\(mktemp\) && printf 'security\.protocol=SASL_PLAINTEXT\\nsasl\.mechanism=PLAIN\\nsasl\.jaas\.config=%s\\n' "\$KAFKA_LISTENER_NAME_REPLICATION_PLAIN_SASL_JAAS_CONFIG" > "\$f"/,
      );
      expect(check).toContain(
        `kafka-topics.sh --bootstrap-server ${name}-replication:9095 --command-config "$f" --describe --under-replicated-partitions); s=$?; rm -f "$f"; [ $s -eq 0 ] && [ -z "$out" ]`,
      );
      expect(check).not.toContain("${");
    }
    expect(labelsOf(container(synth(cluster({ nodes: 1 }).stack).json, "kafka"))["cdktf-docker-messaging.rolling-check"]).toBeUndefined();
  });

  test("the nodes and the set-up job authenticate with a password derived from the cluster secret, not from the credentials key: a new key restarts no node", () => {
    expect(json.variable.kafka_cluster_secret).toMatchObject({ type: "string", sensitive: true, nullable: true, default: null });
    expect(kafka.clusterSecretVariable).toBeDefined();
    const secretHash = '${sha256("${var.kafka_cluster_secret}/kafka/broker")}';
    for (const name of nodes) {
      const jaas = envOf(container(json, name)).KAFKA_LISTENER_NAME_REPLICATION_PLAIN_SASL_JAAS_CONFIG;
      expect(jaas).toContain(`password="${secretHash}"`);
      expect(jaas).toContain(`user_broker="${secretHash}"`);
      expect(JSON.stringify(container(json, name))).not.toContain("var.kafka_credentials_key");
    }
    expect(envOf(container(json, "kafka-setup")).BROKER_PASSWORD).toBe(secretHash);
    // The apps' passwords still derive from the credentials key.
    const app = resources(json, "docker_container").find((c) => c.name.startsWith(producer.appName));
    expect(envOf(app).KAFKA_SASL_PASSWORD).toContain("var.kafka_credentials_key");
  });

  test("a single node needs no cluster secret: its inter-broker password derives from the credentials key", () => {
    const single = newStack();
    const broker = new KafkaBroker(single, "kafka", { network: new Network(single, "net") });
    const out = synth(single).json;
    expect(out.variable.kafka_cluster_secret).toBeUndefined();
    expect(broker.clusterSecretVariable).toBeUndefined();
    expect(envOf(container(out, "kafka")).KAFKA_LISTENER_NAME_REPLICATION_PLAIN_SASL_JAAS_CONFIG).toContain("var.kafka_credentials_key");
  });

  test("a 5-node cluster keeps 3 copies", () => {
    const five = cluster({ nodes: 5 });
    five.kafka.addTopic("t");
    const env = envOf(container(synth(five.stack).json, "kafka-5"));
    expect(env.KAFKA_DEFAULT_REPLICATION_FACTOR).toBe("3");
    expect(env.KAFKA_CONTROLLER_QUORUM_VOTERS.split(",")).toHaveLength(5);
  });
});

describe("a Kafka cluster: problems", () => {
  const rejects: [string, (s: TerraformStack) => unknown, RegExp][] = [
    [
      "rejects 2 nodes",
      (s) => cluster({ nodes: 2 }, s),
      /test\/kafka: nodes must be 1 or an odd number between 3 and 9, got 2\. Fix: use 3: with 2 nodes the loss of either stops the cluster/,
    ],
    ["rejects 0 nodes", (s) => cluster({ nodes: 0 }, s), /nodes must be 1 or an odd number between 3 and 9, got 0\. Fix: use 1/],
    ["rejects 4 nodes", (s) => cluster({ nodes: 4 }, s), /nodes must be 1 or an odd number between 3 and 9, got 4/],
    ["rejects 11 nodes", (s) => cluster({ nodes: 11 }, s), /nodes must be 1 or an odd number between 3 and 9, got 11/],
    ["rejects a fractional node count", (s) => cluster({ nodes: 3.5 }, s), /got 3\.5/],
    [
      "rejects a node count given as text",
      (s) => cluster({ nodes: "3" as never }, s),
      /nodes must be 1 or an odd number between 3 and 9, got "3"/,
    ],
    [
      "rejects a replication factor above the node count",
      (s) => cluster({}, s).kafka.addTopic("t", { replicationFactor: 5 }),
      /replicationFactor is above the broker's node count \(3\), got 5/,
    ],
    [
      "rejects a replication factor below the cluster's min.insync.replicas",
      (s) => cluster({}, s).kafka.addTopic("t", { replicationFactor: 1 }),
      /topic "t": replicationFactor 1 is below the broker's min\.insync\.replicas \(2\), so every acks=all write would fail with NotEnoughReplicas, got 1\. Fix: use a replication factor >= 2/,
    ],
    [
      "rejects a topic min.insync.replicas above its replication factor",
      (s) => cluster({}, s).kafka.addTopic("t", { replicationFactor: 3, configs: { "min.insync.replicas": 4 } }),
      /min\.insync\.replicas/,
    ],
    [
      "rejects a host port range past 65535",
      (s) => cluster({ hostPort: 65534 }, s),
      /host ports: node 3 would publish port 65536, above 65535, got 65534\. Fix: use a base port <= 65533/,
    ],
    [
      "rejects a host port range that overlaps another published port",
      (s) => {
        addMessagingAspects(s); // UniqueHostPorts
        const { kafka } = cluster({ hostPort: 39092 }, s);
        new AppContainer(s, "web", { image: ContainerImage.fromRegistry("busybox:1.36"), ports: [{ containerPort: 80, hostPort: 39093 }] });
        return kafka;
      },
      /host port 39093\/tcp on 127\.0\.0\.1 is already published by test\/kafka\/node-2/,
    ],
    [
      "rejects a broker whose node names clash with another container",
      (s) => {
        cluster({}, s);
        new KafkaBroker(s, "other", { network: s.node.tryFindChild("net") as Network, name: "kafka-2" });
      },
      /the container name "kafka-2" is already used by test\/kafka\/node-2/,
    ],
  ];
  test.each(rejects)("%s", (_name, build, message) => {
    expect(problemMessages(build)).toEqual(expect.arrayContaining([expect.stringMatching(message)]));
  });

  const accepts: [string, (s: TerraformStack) => unknown][] = [
    ["accepts 1 node (the default)", (s) => cluster({ nodes: 1 }, s).kafka.addTopic("t")],
    [
      "accepts 3 nodes with a topic that keeps 2 copies and its own min.insync.replicas 1",
      (s) => cluster({}, s).kafka.addTopic("t", { replicationFactor: 2, configs: { "min.insync.replicas": 1 } }),
    ],
    ["accepts 9 nodes", (s) => cluster({ nodes: 9 }, s)],
    ["accepts a host port range ending at 65535", (s) => cluster({ hostPort: 65533 }, s)],
  ];
  test.each(accepts)("%s", (_name, build) => {
    expect(problemMessages(build)).toEqual([]);
  });
});
