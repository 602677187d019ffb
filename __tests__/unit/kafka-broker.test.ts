import { Container } from "@cdktf/provider-docker/lib/container";
import { AppContainer, ContainerImage, KafkaBroker, Network, deriveClusterId, kafkaEnvName } from "../../constructs";
import { allKeys, container, envOf, labelsOf, newStack, synth } from "./helpers";

function broker(props: Partial<ConstructorParameters<typeof KafkaBroker>[2]> = {}) {
  const stack = newStack();
  const network = new Network(stack, "net");
  const kafka = new KafkaBroker(stack, "kafka", { network, ...props });
  return { stack, network, kafka };
}

describe("KafkaBroker", () => {
  test("runs KRaft combined mode with the full property set as KAFKA_* variables", () => {
    const env = envOf(container(synth(broker().stack).json, "kafka"));
    expect(env).toEqual({
      CLUSTER_ID: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      KAFKA_HEAP_OPTS: "-Xmx512m -Xms512m",
      KAFKA_NODE_ID: "1",
      KAFKA_PROCESS_ROLES: "broker,controller",
      KAFKA_CONTROLLER_QUORUM_VOTERS: "1@kafka:9093",
      KAFKA_CONTROLLER_LISTENER_NAMES: "CONTROLLER",
      KAFKA_LISTENERS: "INTERNAL://:9092,CONTROLLER://:9093",
      KAFKA_ADVERTISED_LISTENERS: "INTERNAL://kafka:9092",
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: "INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT",
      KAFKA_INTER_BROKER_LISTENER_NAME: "INTERNAL",
      KAFKA_LOG_DIRS: "/var/lib/kafka/data",
      KAFKA_NUM_PARTITIONS: "1",
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: "false",
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: "1",
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: "1",
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: "1",
      KAFKA_DEFAULT_REPLICATION_FACTOR: "1",
      KAFKA_MIN_INSYNC_REPLICAS: "1",
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: "0",
    });
  });

  test("advertises the network alias inside and 127.0.0.1:<hostPort> to the host", () => {
    const { stack } = broker({ hostPort: 29092 });
    const { text, json } = synth(stack);
    const c = container(json, "kafka");
    const env = envOf(c);
    expect(env.KAFKA_LISTENERS).toBe("INTERNAL://:9092,CONTROLLER://:9093,HOST://:9094");
    expect(env.KAFKA_ADVERTISED_LISTENERS).toBe("INTERNAL://kafka:9092,HOST://127.0.0.1:29092");
    expect(env.KAFKA_LISTENER_SECURITY_PROTOCOL_MAP).toBe("INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT,HOST:PLAINTEXT");
    expect(text).toHaveResourceWithProperties(Container, {
      name: "kafka",
      hostname: "kafka",
      ports: [{ internal: 9094, external: 29092, ip: "127.0.0.1", protocol: "tcp" }],
    });
    expect(c.networks_advanced[0].aliases).toEqual(["kafka"]);
    expect(json.output.kafka_bootstrap_servers.value).toBe("127.0.0.1:29092");
  });

  test("keeps log.dirs on a named volume, with a grace period and a healthcheck it waits for", () => {
    const c = container(synth(broker({ dataRemovalPolicy: "destroy" }).stack).json, "kafka");
    expect(c.volumes).toEqual([{ container_path: "/var/lib/kafka/data", volume_name: expect.stringMatching(/^\$\{docker_volume\./) }]);
    expect(c.destroy_grace_seconds).toBe(30);
    expect(c.memory).toBe(1024);
    expect(c.wait).toBe(true);
    expect(c.healthcheck).toEqual({
      test: [
        "CMD-SHELL",
        "KAFKA_HEAP_OPTS=-Xmx96m KAFKA_JVM_PERFORMANCE_OPTS='-XX:+UseSerialGC -XX:TieredStopAtLevel=1' /opt/kafka/bin/kafka-broker-api-versions.sh --bootstrap-server localhost:9092 >/dev/null",
      ],
      interval: "10s",
      timeout: "30s",
      retries: 12,
      start_period: "30s",
    });
    expect(labelsOf(c)["cdktf-docker-messaging.healthcheck-sha256"]).toMatch(/^[0-9a-f]{16}$/);
    expect(allKeys(c).has("cpus")).toBe(false);
  });

  test("derives a stable 16-byte cluster id, the same on every synth", () => {
    const a = envOf(container(synth(broker().stack).json, "kafka")).CLUSTER_ID;
    const b = envOf(container(synth(broker().stack).json, "kafka")).CLUSTER_ID;
    expect(a).toBe(b);
    expect(Buffer.from(a, "base64url")).toHaveLength(16);
    expect(a).toBe(deriveClusterId("kafka-cluster:kafka-data"));
    expect(envOf(container(synth(broker({ clusterId: "MkU3OEVBNTcwNTJENDM2Qg" }).stack).json, "kafka")).CLUSTER_ID).toBe(
      "MkU3OEVBNTcwNTJENDM2Qg",
    );
  });

  test("passes extra server properties with the image's env name rule", () => {
    expect(kafkaEnvName("log.retention.hours")).toBe("KAFKA_LOG_RETENTION_HOURS");
    expect(kafkaEnvName("a_b-c.d")).toBe("KAFKA_A__B___C_D");
    const env = envOf(container(synth(broker({ serverProperties: { "log.retention.hours": 24 } }).stack).json, "kafka"));
    expect(env.KAFKA_LOG_RETENTION_HOURS).toBe("24");
  });

  test("creates topics with a one-shot container after the broker is healthy", () => {
    const { stack, kafka } = broker();
    kafka.addTopic("events", { partitions: 3, configs: { "retention.ms": 1000 } }).addTopic("audit");
    const job = container(synth(stack).json, "kafka-topics");
    expect(job.must_run).toBe(false);
    expect(job.attach).toBe(true);
    expect(job.restart).toBe("no");
    expect(job.depends_on).toEqual(["docker_container.kafka_container_36BF297E"]);
    expect(job.image).toBe(container(synth(stack).json, "kafka").image);
    expect(job.entrypoint).toEqual(["/bin/sh", "-c"]);
    const script: string = job.command[0];
    expect(script).toContain(
      "/opt/kafka/bin/kafka-topics.sh --bootstrap-server kafka:9092 --create --if-not-exists --topic 'events' --partitions 3 --replication-factor 1 --config 'retention.ms=1000'",
    );
    expect(script).toContain("--topic 'audit' --partitions 1 --replication-factor 1");
    expect(script).toContain("--alter --entity-type topics --entity-name 'events' --add-config 'retention.ms=1000'");
    expect(job.lifecycle.postcondition[0].condition).toBe("${self.exit_code == 0}");
  });

  test("connect() gives the app bootstrap servers, topic and group, after the broker and the topics", () => {
    const { stack, kafka } = broker();
    kafka.addTopic("events");
    const app = new AppContainer(stack, "consumer", { image: ContainerImage.fromRegistry("busybox:1.36"), replicas: 2 });
    kafka.connect(app, { topic: "events" });
    const { json } = synth(stack);
    for (const name of ["consumer-1", "consumer-2"]) {
      const c = container(json, name);
      expect(envOf(c)).toEqual({
        BROKER_KIND: "kafka",
        KAFKA_BOOTSTRAP_SERVERS: "kafka:9092",
        KAFKA_TOPIC: "events",
        KAFKA_GROUP_ID: "consumer",
      });
      expect(c.depends_on).toEqual(["docker_container.kafka_container_36BF297E", "docker_container.kafka_topics_F7FCEA7D"]);
    }
  });

  test("orders apps connected before a topic is added after the topics job too", () => {
    const { stack, kafka } = broker({ autoCreateTopics: true });
    const app = new AppContainer(stack, "consumer", { image: ContainerImage.fromRegistry("busybox:1.36") });
    kafka.connect(app, { topic: "later" });
    kafka.addTopic("later");
    expect(container(synth(stack).json, "consumer-1").depends_on).toContain("docker_container.kafka_topics_F7FCEA7D");
  });

  describe("bad input", () => {
    test("rejects memory below what Kafka needs", () => {
      expect(() => broker({ memoryMb: 256 })).toThrow(/test\/kafka: memoryMb must be an integer >= 512, got 256\. Fix: give Kafka at least 512 MiB/);
    });
    test("rejects an invalid container name", () => {
      expect(() => broker({ name: "kafka broker" })).toThrow(/name is not a valid Docker name, got "kafka broker"/);
    });
    test("rejects a host port out of range", () => {
      expect(() => broker({ hostPort: 0 })).toThrow(/hostPort is out of range, got 0/);
    });
    test("rejects a malformed cluster id", () => {
      expect(() => broker({ clusterId: "not-a-cluster-id" })).toThrow(/clusterId is not a Kafka cluster id/);
    });
    test("rejects overriding a managed property", () => {
      expect(() => broker({ serverProperties: { "advertised.listeners": "x" } })).toThrow(/sets advertised.listeners, which the construct manages/);
    });
    test("rejects a topic declared twice", () => {
      const { kafka } = broker();
      kafka.addTopic("events");
      expect(() => kafka.addTopic("events")).toThrow(/test\/kafka: topic declared twice, got "events"/);
    });
    test("rejects partitions < 1", () => {
      const { kafka } = broker();
      expect(() => kafka.addTopic("events", { partitions: 0 })).toThrow(/topic "events": partitions must be an integer >= 1, got 0/);
    });
    test("rejects a replication factor above the node count", () => {
      const { kafka } = broker();
      expect(() => kafka.addTopic("events", { replicationFactor: 3 })).toThrow(
        /topic "events": replicationFactor is above the broker's node count \(1\), got 3\. Fix: use a replication factor <= 1/,
      );
    });
    test("rejects an invalid topic name", () => {
      const { kafka } = broker();
      expect(() => kafka.addTopic("bad topic")).toThrow(/invalid topic name/);
    });
    test("rejects connecting to an undeclared topic", () => {
      const { stack, kafka } = broker();
      const app = new AppContainer(stack, "consumer", { image: ContainerImage.fromRegistry("busybox:1.36") });
      expect(() => kafka.connect(app, { topic: "events" })).toThrow(/the topic is not declared on this broker, got "events"/);
    });
    test("rejects RabbitMQ options", () => {
      const { stack, kafka } = broker();
      const app = new AppContainer(stack, "consumer", { image: ContainerImage.fromRegistry("busybox:1.36") });
      expect(() => kafka.connect(app, { queue: "q" })).toThrow(/RabbitMQ options/);
    });
  });
});
