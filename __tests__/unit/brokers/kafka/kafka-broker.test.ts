/**
 * KafkaBroker: the KRaft node's container and properties, the set-up job,
 * what each grant verb gives an app, and the problems its props, topics
 * and wirings are reported with. The rule tables (topic configs, server
 * properties) have their own tests in kafka-rules.test.ts.
 */
import { TerraformResource, TerraformStack, TerraformVariable } from "cdktf";
import { Container } from "@cdktf/provider-docker/lib/container";
import {
  AppContainer,
  AppEnv,
  ContainerImage,
  KAFKA_INTERNAL_PORT,
  KafkaBroker,
  KafkaTopic,
  RabbitMqBroker,
  type KafkaBrokerProps,
} from "../../../../constructs";
import { deriveClusterId } from "../../../../constructs/brokers/kafka/kafka-broker";
import { kafkaEnvName } from "../../../../constructs/brokers/kafka/kafka-env";
import { allKeys, container, envOf, labelsOf, newStack, problemMessages, resources, synth, net } from "../../helpers";

const BROKER_CONTAINER = "docker_container.kafka_container_36BF297E";
const SETUP_JOB = "docker_container.kafka_setup_24BBEAA3";
const REPLICATION_NETWORK = "${docker_network.kafka_replication_network_D27131DE.name}";
/** The set-up job's tools reach the broker on its REPLICATION listener, as the broker principal. */
const BOOTSTRAP = '--bootstrap-server kafka-replication:9095 --command-config "$cfg"';
const TOPICS_SH = `/opt/kafka/bin/kafka-topics.sh ${BOOTSTRAP} --create --if-not-exists`;
const BROKER_PASSWORD = '${sha256("${var.kafka_credentials_key}/kafka/broker")}';
const BROKER_JAAS = `org.apache.kafka.common.security.plain.PlainLoginModule required username="broker" password="${BROKER_PASSWORD}" user_broker="${BROKER_PASSWORD}";`;
const SCRAM_JAAS = "org.apache.kafka.common.security.scram.ScramLoginModule required;";
/** The password Terraform derives for the app user `user` of broker "kafka". */
const appPassword = (user: string) => `\${sha256("\${var.kafka_credentials_key}/kafka/${user}")}`;
/** The set-up job's line creating (or updating) the SCRAM user `user`. */
const scramLine = (user: string, passwordEnv: string) =>
  `/opt/kafka/bin/kafka-configs.sh ${BOOTSTRAP} --alter --entity-type users --entity-name '${user}' --add-config "SCRAM-SHA-512=[password=$${passwordEnv}]" &`;

function kafkaIn(stack: TerraformStack, props: Partial<KafkaBrokerProps> = {}, id = "kafka"): KafkaBroker {
  return new KafkaBroker(stack, id, { network: net(stack), ...props });
}

function broker(props: Partial<KafkaBrokerProps> = {}) {
  const stack = newStack();
  return { stack, kafka: kafkaIn(stack, props) };
}

function app(stack: TerraformStack, id = "app", props: { replicas?: number; environment?: Record<string, string> } = {}): AppContainer {
  // busybox serves no metrics: these tests are about the wirings' settings.
  return new AppContainer(stack, id, { image: ContainerImage.fromRegistry("busybox:1.36"), metrics: { enabled: false }, ...props });
}

/** The set-up job's script, one command a line. */
function scriptOf(json: any, name = "kafka"): string[] {
  return (container(json, `${name}-setup`).command[0] as string).split("\n");
}

describe("KafkaBroker container", () => {
  test("runs KRaft combined mode with the full property set as KAFKA_* variables", () => {
    expect(envOf(container(synth(broker().stack).json, "kafka"))).toEqual({
      CLUSTER_ID: deriveClusterId("kafka-cluster:kafka-data"),
      KAFKA_HEAP_OPTS: "-Xmx512m -Xms512m",
      KAFKA_NODE_ID: "1",
      KAFKA_PROCESS_ROLES: "broker,controller",
      KAFKA_CONTROLLER_QUORUM_VOTERS: "1@kafka-replication:9093",
      KAFKA_CONTROLLER_LISTENER_NAMES: "CONTROLLER",
      KAFKA_LISTENERS: "INTERNAL://:9092,CONTROLLER://kafka-replication:9093,REPLICATION://kafka-replication:9095",
      KAFKA_ADVERTISED_LISTENERS: "INTERNAL://kafka:9092,REPLICATION://kafka-replication:9095",
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: "INTERNAL:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT,REPLICATION:SASL_PLAINTEXT",
      KAFKA_INTER_BROKER_LISTENER_NAME: "REPLICATION",
      // Between nodes: SASL PLAIN as the broker principal, its password derived from the credentials key.
      KAFKA_SASL_MECHANISM_CONTROLLER_PROTOCOL: "PLAIN",
      KAFKA_SASL_MECHANISM_INTER_BROKER_PROTOCOL: "PLAIN",
      KAFKA_LISTENER_NAME_CONTROLLER_SASL_ENABLED_MECHANISMS: "PLAIN",
      KAFKA_LISTENER_NAME_CONTROLLER_PLAIN_SASL_JAAS_CONFIG: BROKER_JAAS,
      KAFKA_LISTENER_NAME_REPLICATION_SASL_ENABLED_MECHANISMS: "PLAIN",
      KAFKA_LISTENER_NAME_REPLICATION_PLAIN_SASL_JAAS_CONFIG: BROKER_JAAS,
      // Apps: SCRAM-SHA-512, users kept in the cluster metadata.
      KAFKA_LISTENER_NAME_INTERNAL_SASL_ENABLED_MECHANISMS: "SCRAM-SHA-512",
      KAFKA_LISTENER_NAME_INTERNAL_SCRAM___SHA___512_SASL_JAAS_CONFIG: SCRAM_JAAS,
      // No access without an ACL; broker and admin are the super users.
      KAFKA_AUTHORIZER_CLASS_NAME: "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
      KAFKA_SUPER_USERS: "User:broker;User:admin",
      KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND: "false",
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

  test("advertises the network alias inside and 127.0.0.1:<hostPort> to the host, published on loopback only", () => {
    const { stack, kafka } = broker({ hostPort: 29092 });
    const { text, json } = synth(stack);
    const c = container(json, "kafka");
    const env = envOf(c);
    expect(env.KAFKA_LISTENERS).toBe(
      "INTERNAL://:9092,CONTROLLER://kafka-replication:9093,REPLICATION://kafka-replication:9095,HOST://:9094",
    );
    expect(env.KAFKA_ADVERTISED_LISTENERS).toBe("INTERNAL://kafka:9092,REPLICATION://kafka-replication:9095,HOST://127.0.0.1:29092");
    expect(env.KAFKA_LISTENER_SECURITY_PROTOCOL_MAP).toBe(
      "INTERNAL:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT,REPLICATION:SASL_PLAINTEXT,HOST:SASL_PLAINTEXT",
    );
    // The host listener takes SCRAM-SHA-512 too: no anonymous access from the host either.
    expect(env.KAFKA_LISTENER_NAME_HOST_SASL_ENABLED_MECHANISMS).toBe("SCRAM-SHA-512");
    expect(env.KAFKA_LISTENER_NAME_HOST_SCRAM___SHA___512_SASL_JAAS_CONFIG).toBe(SCRAM_JAAS);
    expect(env.KAFKA_INTER_BROKER_LISTENER_NAME).toBe("REPLICATION");
    expect(env.KAFKA_CONTROLLER_LISTENER_NAMES).toBe("CONTROLLER");
    expect(text).toHaveResourceWithProperties(Container, {
      name: "kafka",
      hostname: "kafka",
      ports: [{ internal: 9094, external: 29092, ip: "127.0.0.1", protocol: "tcp" }],
    });
    expect(c.networks_advanced).toEqual([
      { aliases: ["kafka"], name: "${docker_network.net_network_0C4DCF91.name}" },
      { aliases: ["kafka-replication"], name: REPLICATION_NETWORK },
    ]);
    expect(resources(json, "docker_network").find((n) => n.name === "kafka-replication")).toMatchObject({ internal: true });
    expect(json.output.kafka_bootstrap_servers).toEqual({
      value: "127.0.0.1:29092",
      description: "Kafka bootstrap servers of broker kafka from the Docker host",
    });
    expect(kafka.endpoint).toEqual({ hostname: "kafka", port: KAFKA_INTERNAL_PORT, address: "kafka:9092" });
    expect(kafka.hostEndpoint).toEqual({ hostname: "127.0.0.1", port: 29092, address: "127.0.0.1:29092" });
  });

  test("publishes no port and outputs nothing without hostPort", () => {
    const { stack, kafka } = broker();
    const { json } = synth(stack);
    expect(container(json, "kafka").ports).toBeUndefined();
    expect(json.output).toBeUndefined();
    expect(kafka.hostEndpoint).toBeUndefined();
  });

  test("advertises its own name", () => {
    const stack = newStack();
    kafkaIn(stack, { name: "audit-kafka" }, "whatever");
    const env = envOf(container(synth(stack).json, "audit-kafka"));
    expect(env.KAFKA_ADVERTISED_LISTENERS).toBe("INTERNAL://audit-kafka:9092,REPLICATION://audit-kafka-replication:9095");
    expect(env.KAFKA_CONTROLLER_QUORUM_VOTERS).toBe("1@audit-kafka-replication:9093");
  });

  test("keeps log.dirs on a named volume, with a grace period and a healthcheck it waits for", () => {
    const c = container(synth(broker({ dataRemovalPolicy: "destroy" }).stack).json, "kafka");
    expect(c.volumes).toEqual([{ container_path: "/var/lib/kafka/data", volume_name: expect.stringMatching(/^\$\{docker_volume\./) }]);
    expect(c.destroy_grace_seconds).toBe(30);
    expect(c.memory).toBe(1024);
    expect(c.restart).toBe("unless-stopped");
    expect(c.wait).toBe(true);
    expect(c.wait_timeout).toBe(180);
    // Healthy once the broker answers an ApiVersions request on its
    // REPLICATION listener (bash, no JVM; answered before authentication),
    // checked every 3 s; unhealthy after 2 min of failures.
    expect(c.healthcheck).toEqual({
      test: ["CMD", "bash", "-c", expect.stringMatching(/^exec 3<>\/dev\/tcp\/kafka-replication\/9095 && printf /)],
      interval: "3s",
      timeout: "10s",
      retries: 40,
      start_period: "30s",
    });
    const probe: string = c.healthcheck.test[3];
    // The request: size 10, ApiVersions (18) v0, correlation id 1, null client id; the answer must carry id 1 and error 0.
    expect(probe).toContain("printf '\\0\\0\\0\\12\\0\\22\\0\\0\\0\\0\\0\\1\\377\\377' >&3");
    expect(probe).toContain("case $r in ????????000000010000) exit 0 ;; *) exit 1 ;; esac");
    expect(probe).not.toContain("${"); // Terraform would interpolate it
    expect(labelsOf(c)["cdktf-docker-messaging.healthcheck-sha256"]).toMatch(/^[0-9a-f]{16}$/);
    expect(labelsOf(c)["cdktf-docker-messaging.component"]).toBe("kafka-broker");
    expect(allKeys(c).has("cpus")).toBe(false);
  });

  test("retains its volume by default", () => {
    const { json } = synth(broker().stack);
    expect(resources(json, "docker_volume")).toHaveLength(0);
    expect(container(json, "kafka").volumes).toEqual([{ container_path: "/var/lib/kafka/data", volume_name: "kafka-data" }]);
  });

  test("sizes the heap at half the memory limit", () => {
    const c = container(synth(broker({ memoryMb: 2048 }).stack).json, "kafka");
    expect(c.memory).toBe(2048);
    expect(envOf(c).KAFKA_HEAP_OPTS).toBe("-Xmx1024m -Xms1024m");
  });

  test("derives a stable 16-byte cluster id from its volume's name, the same on every synth", () => {
    const a = envOf(container(synth(broker().stack).json, "kafka")).CLUSTER_ID;
    const b = envOf(container(synth(broker().stack).json, "kafka")).CLUSTER_ID;
    expect(a).toBe(b);
    expect(a).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(Buffer.from(a, "base64url")).toHaveLength(16);
    expect(broker().kafka.clusterId).toBe(a);
    const other = newStack();
    expect(kafkaIn(other, { name: "other-kafka" }).clusterId).toBe(deriveClusterId("kafka-cluster:other-kafka-data"));
    expect(deriveClusterId("kafka-cluster:other-kafka-data")).not.toBe(a);
  });

  test("takes a cluster id of the user's own", () => {
    expect(envOf(container(synth(broker({ clusterId: "MkU3OEVBNTcwNTJENDM2Qg" }).stack).json, "kafka")).CLUSTER_ID).toBe(
      "MkU3OEVBNTcwNTJENDM2Qg",
    );
  });

  test("names a property's variable with the image's rule", () => {
    expect(kafkaEnvName("log.retention.hours")).toBe("KAFKA_LOG_RETENTION_HOURS");
    expect(kafkaEnvName("a_b-c.d")).toBe("KAFKA_A__B___C_D");
    expect(kafkaEnvName("num.replica.fetchers")).toBe("KAFKA_NUM_REPLICA_FETCHERS");
  });

  test("passes extra server properties, defaultPartitions and autoCreateTopics as KAFKA_* variables", () => {
    const env = envOf(
      container(
        synth(
          broker({
            serverProperties: { "log.retention.hours": 24, "log.cleaner.enable": false, "compression.type": "zstd" },
            defaultPartitions: 6,
            autoCreateTopics: true,
          }).stack,
        ).json,
        "kafka",
      ),
    );
    expect(env).toMatchObject({
      KAFKA_LOG_RETENTION_HOURS: "24",
      KAFKA_LOG_CLEANER_ENABLE: "false",
      KAFKA_COMPRESSION_TYPE: "zstd",
      KAFKA_NUM_PARTITIONS: "6",
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: "true",
    });
  });

  test("the container is node.defaultChild; an override on it survives topics and wirings declared later", () => {
    const { stack, kafka } = broker();
    expect(kafka.node.defaultChild).toBe(kafka.container);
    expect(kafka.containers).toEqual([kafka.container]);
    (kafka.node.defaultChild as TerraformResource).addOverride("log_driver", "local");
    kafka.container.shmSize = 64;
    kafka.addTopic("events").grantProduce(app(stack, "producer"));
    const { json } = synth(stack);
    expect(container(json, "kafka").log_driver).toBe("local");
    expect(container(json, "kafka").shm_size).toBe(64);
    expect(scriptOf(json).join("\n")).toContain("--topic 'events'");
  });
});

describe("set-up job", () => {
  test("is always declared: a one-shot container on the replication network only, after the broker is healthy, failing the deploy on error", () => {
    const { stack, kafka } = broker();
    expect(kafka.setupJob).toBeDefined();
    kafka.addTopic("events", { partitions: 3, configs: { "retention.ms": 1000 } });
    kafka.addTopic("audit");
    expect(kafka.topicNames).toEqual(["events", "audit"]);
    const { json } = synth(stack);
    const job = container(json, "kafka-setup");
    expect(job.must_run).toBe(false);
    expect(job.attach).toBe(true);
    expect(job.restart).toBe("no");
    expect(job.memory).toBe(512);
    expect(job.depends_on).toEqual([BROKER_CONTAINER]);
    expect(job.image).toBe(container(json, "kafka").image);
    expect(job.entrypoint).toEqual(["/bin/sh", "-c"]);
    expect(job.networks_advanced).toEqual([{ name: REPLICATION_NETWORK }]);
    expect(envOf(job)).toEqual({
      KAFKA_HEAP_OPTS: "-Xmx96m",
      KAFKA_JVM_PERFORMANCE_OPTS: "-XX:+UseSerialGC -XX:TieredStopAtLevel=1",
      BROKER_PASSWORD,
      ADMIN_PASSWORD: "${var.kafka_admin_password}",
    });
    expect(labelsOf(job)["cdktf-docker-messaging.component"]).toBe("kafka-setup");
    expect(job.lifecycle.postcondition).toEqual([
      {
        condition: "${self.exit_code == 0}",
        error_message: "Setting up the Kafka topics, users and ACLs of kafka failed: see `docker logs kafka-setup`.",
      },
    ]);
    expect(scriptOf(json)).toEqual([
      "umask 077",
      "cfg=$(mktemp)",
      `printf 'security.protocol=SASL_PLAINTEXT\\nsasl.mechanism=PLAIN\\nsasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="broker" password="%s";\\n' "$BROKER_PASSWORD" > "$cfg"`,
      'pids=""; failed=0',
      'settle() { for p in $pids; do wait "$p" || failed=1; done; pids=""; }',
      "(set -e",
      "echo 'topic events'",
      `${TOPICS_SH} --topic 'events' --partitions 3 --replication-factor 1 --config 'retention.ms=1000'`,
      `/opt/kafka/bin/kafka-configs.sh ${BOOTSTRAP} --alter --entity-type topics --entity-name 'events' --add-config 'retention.ms=1000'`,
      "echo 'topic audit'",
      `${TOPICS_SH} --topic 'audit' --partitions 1 --replication-factor 1`,
      ") &",
      'pids="$pids $!"',
      scramLine("admin", "ADMIN_PASSWORD"),
      'pids="$pids $!"',
      "settle",
      'rm -f "$cfg"',
      '[ "$failed" -eq 0 ] && echo "set-up done"',
      "",
    ]);
  });

  test("is declared without topics too (it creates the admin user), and apps then wait for it", () => {
    const { stack, kafka } = broker({ autoCreateTopics: true });
    kafka.wireProducer(app(stack, "producer"), "anything");
    const { json } = synth(stack);
    expect(
      resources(json, "docker_container")
        .map((c) => c.name)
        .sort(),
    ).toEqual(["kafka", "kafka-setup", "producer-1"]);
    const script = scriptOf(json);
    expect(script.some((line) => line.includes("kafka-topics.sh"))).toBe(false);
    expect(script).toContain(scramLine("admin", "ADMIN_PASSWORD"));
    expect(container(json, "producer-1").depends_on).toEqual([BROKER_CONTAINER, SETUP_JOB]);
  });

  test("defaults the replication factor to the node count", () => {
    const { stack, kafka } = broker();
    const topic = kafka.addTopic("events");
    expect(kafka.nodeCount).toBe(1);
    expect(topic.replicationFactor).toBe(kafka.nodeCount);
    expect(topic.partitions).toBe(1);
    expect(scriptOf(synth(stack).json)).toContain(`${TOPICS_SH} --topic 'events' --partitions 1 --replication-factor 1`);
  });

  test("writes list configs in brackets for kafka-configs.sh", () => {
    const { stack, kafka } = broker();
    kafka.addTopic("audit", { configs: { "cleanup.policy": "compact,delete", "min.compaction.lag.ms": 0 } });
    const script = scriptOf(synth(stack).json);
    expect(script).toContain(
      `${TOPICS_SH} --topic 'audit' --partitions 1 --replication-factor 1 --config 'cleanup.policy=compact,delete' --config 'min.compaction.lag.ms=0'`,
    );
    expect(script).toContain(
      `/opt/kafka/bin/kafka-configs.sh ${BOOTSTRAP} --alter --entity-type topics --entity-name 'audit' --add-config 'cleanup.policy=[compact,delete],min.compaction.lag.ms=0'`,
    );
  });

  test("is rendered at synth: a topic added after a grant is in it", () => {
    const { stack, kafka } = broker();
    kafka.addTopic("first").grantProduce(app(stack, "producer"));
    kafka.addTopic("second");
    const { json } = synth(stack);
    const script = scriptOf(json).join("\n");
    expect(script).toContain("--topic 'first'");
    expect(script).toContain("--topic 'second'");
    expect(container(json, "producer-1").depends_on).toEqual([BROKER_CONTAINER, SETUP_JOB]);
  });

  test("an app wired before the first topic exists still starts after the set-up job", () => {
    const { stack, kafka } = broker({ autoCreateTopics: true });
    kafka.wireProducer(app(stack, "producer"), "later");
    kafka.addTopic("later");
    const { json } = synth(stack);
    expect(container(json, "producer-1").depends_on).toEqual([BROKER_CONTAINER, SETUP_JOB]);
    expect(scriptOf(json).join("\n")).toContain("--topic 'later'");
  });

  test("an override on the job survives topics added after it", () => {
    const { stack, kafka } = broker();
    kafka.addTopic("a");
    kafka.setupJob.addOverride("log_driver", "none");
    kafka.addTopic("b");
    const { json } = synth(stack);
    expect(container(json, "kafka-setup").log_driver).toBe("none");
    expect(scriptOf(json).join("\n")).toContain("--topic 'b'");
  });

  test("creates one SCRAM user per wired app, and its ACLs, as the grants are made (also after the job exists)", () => {
    const { stack, kafka } = broker();
    const events = kafka.addTopic("events");
    events.grantProduce(app(stack, "writer"));
    events.grantConsume(app(stack, "reader"), { groupId: "readers" });
    const { json } = synth(stack);
    const job = container(json, "kafka-setup");
    expect(envOf(job)).toMatchObject({ APP_PASSWORD_1: appPassword("reader"), APP_PASSWORD_2: appPassword("writer") });
    const script = scriptOf(json);
    expect(script).toContain(scramLine("reader", "APP_PASSWORD_1"));
    expect(script).toContain(scramLine("writer", "APP_PASSWORD_2"));
    expect(script).toContain(
      `/opt/kafka/bin/kafka-acls.sh ${BOOTSTRAP} --add --allow-principal 'User:writer' --operation Write --topic 'events' &`,
    );
    expect(script).toContain(
      `/opt/kafka/bin/kafka-acls.sh ${BOOTSTRAP} --add --allow-principal 'User:reader' --operation Read --topic 'events' --group 'readers' &`,
    );
  });

  test("runs at most 3 tools at a time", () => {
    const { stack, kafka } = broker();
    const events = kafka.addTopic("events");
    for (const name of ["a", "b", "c", "d"]) events.grantProduce(app(stack, name));
    const script = scriptOf(synth(stack).json);
    // topics, 5 users (admin + 4 apps), 4 ACL lines, the revocation of stale ACLs: 11 background steps.
    const steps = script.filter((line) => line.endsWith(" &")).length;
    expect(steps).toBe(11);
    let running = 0;
    for (const line of script) {
      if (line.endsWith(" &")) running++;
      if (line === "settle") running = 0;
      expect(running).toBeLessThanOrEqual(3);
    }
    expect(script.filter((line) => line === "settle")).toHaveLength(4);
  });
});

describe("grants", () => {
  test("grantProduce gives the bootstrap servers, topic and the app's own user; the app starts after the broker and the set-up job", () => {
    const { stack, kafka } = broker();
    const topic = kafka.addTopic("events");
    expect(topic).toBeInstanceOf(KafkaTopic);
    expect([topic.broker, topic.topicName]).toEqual([kafka, "events"]);
    topic.grantProduce(app(stack, "producer"));
    const c = container(synth(stack).json, "producer-1");
    expect(envOf(c)).toEqual({
      KAFKA_BOOTSTRAP_SERVERS: "kafka:9092",
      KAFKA_TOPIC: "events",
      KAFKA_SASL_USERNAME: "producer",
      KAFKA_SASL_PASSWORD: appPassword("producer"),
    });
    expect(c.depends_on).toEqual([BROKER_CONTAINER, SETUP_JOB]);
    expect(c.networks_advanced).toEqual([{ name: "${docker_network.net_network_0C4DCF91.name}" }]);
  });

  test("grantConsume gives the group too, to every replica", () => {
    const { stack, kafka } = broker();
    kafka.addTopic("events").grantConsume(app(stack, "consumer", { replicas: 2 }), { groupId: "readers" });
    const { json } = synth(stack);
    for (const name of ["consumer-1", "consumer-2"]) {
      const c = container(json, name);
      expect(envOf(c)).toEqual({
        KAFKA_BOOTSTRAP_SERVERS: "kafka:9092",
        KAFKA_TOPIC: "events",
        KAFKA_GROUP_ID: "readers",
        KAFKA_SASL_USERNAME: "consumer",
        KAFKA_SASL_PASSWORD: appPassword("consumer"),
      });
      expect(c.depends_on).toEqual([BROKER_CONTAINER, SETUP_JOB]);
    }
  });

  test("the same wiring twice is one", () => {
    const { stack, kafka } = broker();
    const events = kafka.addTopic("events");
    const consumer = app(stack, "consumer");
    const producer = app(stack, "producer");
    events.grantConsume(consumer, { groupId: "g" });
    events.grantConsume(consumer, { groupId: "g" });
    events.grantProduce(producer);
    events.grantProduce(producer);
    expect(consumer.wiredTo).toHaveLength(1);
    expect(producer.wiredTo).toHaveLength(1);
    const { json } = synth(stack);
    expect(container(json, "consumer-1").env).toEqual([
      "KAFKA_BOOTSTRAP_SERVERS=kafka:9092",
      "KAFKA_GROUP_ID=g",
      `KAFKA_SASL_PASSWORD=${appPassword("consumer")}`,
      "KAFKA_SASL_USERNAME=consumer",
      "KAFKA_TOPIC=events",
    ]);
    expect(container(json, "consumer-1").depends_on).toEqual([BROKER_CONTAINER, SETUP_JOB]);
    // One user and one ACL line per app, however often it is granted.
    const script = scriptOf(json);
    expect(script.filter((line) => line.includes("--entity-name 'consumer'"))).toHaveLength(1);
    expect(script.filter((line) => line.includes("'User:producer'"))).toHaveLength(1);
  });

  test("the app's own settings sit next to the connection settings", () => {
    const { stack, kafka } = broker();
    kafka
      .addTopic("events")
      .grantProduce(app(stack, "producer", { environment: { [AppEnv.PRODUCER_RATE]: "50", [AppEnv.MESSAGE_SIZE_BYTES]: "1024" } }));
    expect(envOf(container(synth(stack).json, "producer-1"))).toEqual({
      KAFKA_BOOTSTRAP_SERVERS: "kafka:9092",
      KAFKA_TOPIC: "events",
      KAFKA_SASL_USERNAME: "producer",
      KAFKA_SASL_PASSWORD: appPassword("producer"),
      PRODUCER_RATE: "50",
      MESSAGE_SIZE_BYTES: "1024",
    });
  });
});

// ---------------------------------------------------------------------------
// Bad input: reported, all at once, at synth.
// ---------------------------------------------------------------------------

type Build = (stack: TerraformStack) => void;
/** A fragment of one expected message, or a pattern it matches. */
type Expected = string | RegExp;
const matching = (e: Expected) => (typeof e === "string" ? expect.stringContaining(e) : expect.stringMatching(e));

/** A producer of topic "t" (declared with `configs`) with MESSAGE_SIZE_BYTES = `size`. */
function producerOf(size: number | undefined, configs?: Record<string, number>, props: Partial<KafkaBrokerProps> = {}): Build {
  return (s) => {
    const environment = size === undefined ? undefined : { [AppEnv.MESSAGE_SIZE_BYTES]: String(size) };
    kafkaIn(s, props)
      .addTopic("t", configs ? { configs } : {})
      .grantProduce(app(s, "app", { environment }));
  };
}

const tooLarge = (size: number, limit: number) =>
  `test/kafka: producer to topic "t" (test/app): MESSAGE_SIZE_BYTES plus the message envelope (~1024 bytes) exceeds the ${limit}-byte message limit, so Kafka would refuse every record, got ${size}. Fix: use MESSAGE_SIZE_BYTES <= ${
    limit - 1024
  }`;

describe("KafkaBroker: problems", () => {
  const rejects: [string, Build, Expected[]][] = [
    [
      "memory below what Kafka needs",
      (s) => kafkaIn(s, { memoryMb: 256 }),
      ["test/kafka: memoryMb must be an integer between 512 and 1048576, got 256. Fix: give Kafka at least 512 MiB"],
    ],
    [
      "a name Docker refuses",
      (s) => kafkaIn(s, { name: "kafka broker" }),
      ['test/kafka: name is not a valid Docker container name, got "kafka broker"'],
    ],
    [
      "a name with '.' (it is the advertised host name)",
      (s) => kafkaIn(s, { name: "kafka.local" }),
      ['test/kafka: name is also the broker\'s hostname and must be a host name label, got "kafka.local"'],
    ],
    ["a host port of 0", (s) => kafkaIn(s, { hostPort: 0 }), ["test/kafka: hostPort is not a TCP port, got 0"]],
    [
      "defaultPartitions of 0",
      (s) => kafkaIn(s, { defaultPartitions: 0 }),
      ["test/kafka: defaultPartitions must be an integer between 1 and 100000, got 0"],
    ],
    [
      "autoCreateTopics as a string",
      (s) => kafkaIn(s, { autoCreateTopics: "true" as any }),
      ['test/kafka: autoCreateTopics must be true or false, got "true"'],
    ],
    [
      "a malformed cluster id",
      (s) => kafkaIn(s, { clusterId: "not-a-cluster-id" }),
      ['test/kafka: clusterId is not a Kafka cluster id (22 base64url characters encoding 16 bytes), got "not-a-cluster-id"'],
    ],
    [
      "a cluster id whose last character carries stray bits",
      (s) => kafkaIn(s, { clusterId: "MkU3OEVBNTcwNTJENDM2Qh" }),
      ["test/kafka: clusterId is not a Kafka cluster id"],
    ],
    [
      "an unknown prop, with a did-you-mean",
      (s) => kafkaIn(s, { hostport: 9092 } as any),
      ['test/kafka: KafkaBrokerProps has no field "hostport", got "hostport". Fix: did you mean "hostPort"?'],
    ],
    [
      "serverProperties advertised.listeners (owned by the construct)",
      (s) => kafkaIn(s, { serverProperties: { "advertised.listeners": "PLAINTEXT://x:9092" } }),
      [
        'test/kafka: server property "advertised.listeners" is set by the construct, got "advertised.listeners". Fix: remove it: the construct declares the INTERNAL (9092), CONTROLLER (9093), REPLICATION (9095) and HOST listeners',
      ],
    ],
    [
      "serverProperties node.id (owned)",
      (s) => kafkaIn(s, { serverProperties: { "node.id": 2 } }),
      ['test/kafka: server property "node.id" is set by the construct'],
    ],
    [
      "serverProperties num.partitions (a prop sets it)",
      (s) => kafkaIn(s, { serverProperties: { "num.partitions": 3 } }),
      ['test/kafka: server property "num.partitions" is set by the construct, got "num.partitions". Fix: use the defaultPartitions prop'],
    ],
    [
      "serverProperties of a listener's own family (owned)",
      (s) => kafkaIn(s, { serverProperties: { "listener.name.internal.ssl.keystore.location": "/x" } }),
      ['test/kafka: server property "listener.name.internal.ssl.keystore.location" is set by the construct'],
    ],
    [
      "serverProperties that would become KAFKA_HEAP_OPTS",
      (s) => kafkaIn(s, { serverProperties: { "heap.opts": "-Xmx2g" } }),
      [
        'test/kafka: serverProperties "heap.opts" would become KAFKA_HEAP_OPTS, which Kafka\'s start scripts read as JVM settings, not a broker property, got "heap.opts". Fix: remove it: the heap is half of memoryMb',
      ],
    ],
    [
      "serverProperties that is not an object",
      (s) => kafkaIn(s, { serverProperties: ["a=b"] as any }),
      ['test/kafka: serverProperties must be an object of property names to values, got ["a=b"]'],
    ],
    [
      "a topic declared twice",
      (s) => {
        const k = kafkaIn(s);
        k.addTopic("events");
        k.addTopic("events");
      },
      ['test/kafka: topic declared twice, got "events". Fix: declare each topic once (addTopic) and reuse the handle it returns'],
    ],
    [
      "topics whose metric names collide (a.b vs a_b)",
      (s) => {
        const k = kafkaIn(s);
        k.addTopic("a.b");
        k.addTopic("a_b");
      },
      [
        `test/kafka: topic "a_b" collides with topic "a.b": Kafka's metrics name both "a_b" ('.' and '_' are the same there), and Kafka refuses the second, got "a_b"`,
      ],
    ],
    [
      "topics whose metric names collide (a_b vs a.b, the other order)",
      (s) => {
        const k = kafkaIn(s);
        k.addTopic("orders_eu");
        k.addTopic("orders.eu");
      },
      ['test/kafka: topic "orders.eu" collides with topic "orders_eu"'],
    ],
    [
      "partitions of 0",
      (s) => kafkaIn(s).addTopic("events", { partitions: 0 }),
      ['test/kafka: topic "events": partitions must be an integer between 1 and 100000, got 0'],
    ],
    [
      "a replication factor above the node count",
      (s) => kafkaIn(s).addTopic("events", { replicationFactor: 3 }),
      ['test/kafka: topic "events": replicationFactor is above the broker\'s node count (1), got 3. Fix: use a replication factor <= 1'],
    ],
    ["an invalid topic name", (s) => kafkaIn(s).addTopic("bad topic"), ['test/kafka: invalid topic name, got "bad topic"']],
    ["a topic name over 249 characters", (s) => kafkaIn(s).addTopic("t".repeat(250)), ["test/kafka: invalid topic name"]],
    ["the topic name '..'", (s) => kafkaIn(s).addTopic(".."), ['test/kafka: invalid topic name, got ".."']],
    [
      "a topic name starting with __",
      (s) => kafkaIn(s).addTopic("__mine"),
      ['test/kafka: topic "__mine": names starting with "__" are Kafka\'s internal topics, got "__mine"'],
    ],
    [
      "a topic option with a typo",
      (s) => kafkaIn(s).addTopic("events", { partition: 3 } as any),
      ['test/kafka: topic "events" options has no field "partition", got "partition". Fix: did you mean "partitions"?'],
    ],
    [
      "topic configs that are not an object",
      (s) => kafkaIn(s).addTopic("events", { configs: "retention.ms=1" as any }),
      ['test/kafka: topic "events": configs must be an object, got "retention.ms=1"'],
    ],
    [
      "grantConsume without groupId (JS caller)",
      (s) =>
        kafkaIn(s)
          .addTopic("t")
          .grantConsume(app(s), {} as any),
      ['test/kafka: consumer of topic "t": groupId is required, got {}. Fix: pass { groupId: "my-group" }'],
    ],
    [
      "grantConsume without options (JS caller)",
      (s) =>
        kafkaIn(s)
          .addTopic("t")
          .grantConsume(app(s), undefined as any),
      ['test/kafka: consumer of topic "t": options are required, got undefined. Fix: pass { groupId: "my-group" }'],
    ],
    [
      "grantConsume with an empty groupId",
      (s) => kafkaIn(s).addTopic("t").grantConsume(app(s), { groupId: "" }),
      ['test/kafka: consumer of topic "t": groupId must be a non-empty string, got ""'],
    ],
    [
      "grantConsume with groupID (a did-you-mean)",
      (s) =>
        kafkaIn(s)
          .addTopic("t")
          .grantConsume(app(s), { groupID: "g" } as any),
      ['test/kafka: consumer of topic "t": options has no field "groupID", got "groupID". Fix: did you mean "groupId"?'],
    ],
    [
      "a producer to an undeclared topic, suggesting the declared one",
      (s) => {
        const k = kafkaIn(s);
        k.addTopic("events");
        k.wireProducer(app(s), "evnets");
      },
      [
        /^test\/kafka: producer to topic "evnets" \(test\/app\): the topic is not declared on this broker, got "evnets"\. Fix: .*did you mean "events"\?.*topics are not auto-created/,
      ],
    ],
    [
      "a consumer of an undeclared topic",
      (s) => {
        const k = kafkaIn(s);
        new KafkaTopic(k, "ghost", 1, 1).grantConsume(app(s), { groupId: "g" });
      },
      ['test/kafka: consumer of topic "ghost" (test/app): the topic is not declared on this broker, got "ghost"'],
    ],
    [
      "a grant on a topic whose declaration was refused",
      (s) => kafkaIn(s).addTopic("bad topic").grantProduce(app(s)),
      [
        'test/kafka: invalid topic name, got "bad topic"',
        'test/kafka: producer to topic "bad topic" (test/app): the topic is not declared on this broker',
      ],
    ],
    ["a producer above the default 1 MiB limit", producerOf(2_000_000), [tooLarge(2_000_000, 1048588)]],
    ["a producer one byte above the default limit", producerOf(1047565), [tooLarge(1047565, 1048588)]],
    ["a producer above the topic's max.message.bytes", producerOf(100_000, { "max.message.bytes": 100_000 }), [tooLarge(100_000, 100_000)]],
    [
      "a 2 MB producer on a topic with configs that do not raise max.message.bytes (the broker's 1 MiB default applies)",
      producerOf(2_000_000, { "retention.ms": 60_000 }),
      [tooLarge(2_000_000, 1048588)],
    ],
    [
      "a producer above the broker's message.max.bytes, which the topic does not raise",
      producerOf(600_000, undefined, { serverProperties: { "message.max.bytes": 500_000 } }),
      [tooLarge(600_000, 500_000)],
    ],
    [
      "one app consuming two topics (it reads one KAFKA_TOPIC)",
      (s) => {
        const k = kafkaIn(s);
        const consumer = app(s, "consumer");
        k.addTopic("a").grantConsume(consumer, { groupId: "g" });
        k.addTopic("b").grantConsume(consumer, { groupId: "g" });
      },
      [
        'test/consumer: consumer of topic "b" (test/kafka) needs KAFKA_TOPIC="b", but the app is already consumer of topic "a" (test/kafka) with KAFKA_TOPIC="a"',
      ],
    ],
    [
      "a RabbitMQ broker named like this broker's set-up job",
      (s) => {
        kafkaIn(s);
        new RabbitMqBroker(s, "mq", { network: net(s), name: "kafka-setup" });
      },
      ['test/mq: the container name "kafka-setup" is already used by test/kafka/setup, got "kafka-setup"'],
    ],
    [
      "a broker named like another Kafka broker's set-up job declared after it",
      (s) => {
        kafkaIn(s, { name: "kafka-setup" }, "first");
        kafkaIn(s, {}, "kafka");
      },
      ['test/kafka: the container name "kafka-setup" is already used by test/first/container, got "kafka-setup"'],
    ],
    [
      "two Kafka brokers whose bootstrap outputs would have the same name",
      (s) => {
        kafkaIn(s, { name: "bus", hostPort: 29092 }, "a");
        kafkaIn(s, { name: "bus", hostPort: 29093 }, "b");
      },
      [
        'test/b: the container name "bus" is already used by test/a',
        'test/b/data: the volume name "bus-data" is already used by test/a/data',
        'test/b: the terraform output name "bus_bootstrap_servers" is already used by test/a',
        'test/b: the container name "bus-setup" is already used by test/a/setup',
        'test/b/replication: the network name "bus-replication" is already used by test/a/replication',
        'test/b: the terraform variable name "bus_admin_password" is already used by test/a',
        'test/b: the terraform variable name "bus_credentials_key" is already used by test/a',
      ],
    ],
  ];

  test.each(rejects)("rejects %s", (_name, build, expected) => {
    const messages = problemMessages(build);
    expect(messages).toHaveLength(expected.length);
    for (const fragment of expected) expect(messages).toContainEqual(matching(fragment));
  });

  const accepts: [string, Build][] = [
    ["the defaults", (s) => kafkaIn(s)],
    [
      "a producer to an undeclared topic with autoCreateTopics",
      (s) => kafkaIn(s, { autoCreateTopics: true }).wireProducer(app(s), "anything"),
    ],
    [
      "a consumer of an undeclared topic with autoCreateTopics",
      (s) => kafkaIn(s, { autoCreateTopics: true }).wireConsumer(app(s), "anything", { groupId: "g" }),
    ],
    [
      "topics a.b and a-b (only '.' and '_' collide)",
      (s) => {
        const k = kafkaIn(s);
        k.addTopic("a.b");
        k.addTopic("a-b");
      },
    ],
    [
      "topics a.b and a.b.c",
      (s) => {
        const k = kafkaIn(s);
        k.addTopic("a.b");
        k.addTopic("a.b.c");
      },
    ],
    [
      "the same topic name on two brokers",
      (s) => {
        kafkaIn(s, { name: "kafka-a" }, "a").addTopic("events");
        kafkaIn(s, { name: "kafka-b" }, "b").addTopic("events");
      },
    ],
    ["a 249-character topic name", (s) => kafkaIn(s).addTopic("t".repeat(249))],
    ["a topic name with a single leading underscore", (s) => kafkaIn(s).addTopic("_mine")],
    ["an explicit replication factor of 1", (s) => kafkaIn(s).addTopic("events", { replicationFactor: 1 })],
    ["the default message size (256 bytes)", producerOf(undefined)],
    ["a message exactly at the default limit", producerOf(1047564)],
    [
      "a large message on a consumer (only producers are checked)",
      (s) =>
        kafkaIn(s)
          .addTopic("t")
          .grantConsume(app(s, "app", { environment: { [AppEnv.MESSAGE_SIZE_BYTES]: "2000000" } }), { groupId: "g" }),
    ],
    [
      "a large message with both the topic's max.message.bytes and the broker's message.max.bytes raised",
      producerOf(2_000_000, { "max.message.bytes": 5_000_000 }, { serverProperties: { "message.max.bytes": 5_000_000 } }),
    ],
    [
      "a large message on a topic that raises max.message.bytes, the broker's message.max.bytes left at its 1 MiB default (the topic's replaces it)",
      producerOf(2_000_000, { "max.message.bytes": 5_000_000 }),
    ],
    [
      "a large message with the broker's message.max.bytes raised (topics inherit it)",
      producerOf(2_000_000, undefined, { serverProperties: { "message.max.bytes": 5_000_000 } }),
    ],
    ["a topic that lowers max.message.bytes with small messages", producerOf(1000, { "max.message.bytes": 10_000 })],
    ["a plugin's own server property", (s) => kafkaIn(s, { serverProperties: { "my.plugin.endpoint": "http://x" } })],
    [
      "server properties next to the owned ones",
      (s) => kafkaIn(s, { serverProperties: { "log.retention.hours": 24, "num.network.threads": 3, "log.cleaner.enable": false } }),
    ],
    ["a cluster id Token", (s) => kafkaIn(s, { clusterId: new TerraformVariable(s, "cluster", { type: "string" }).stringValue })],
    ["a valid cluster id", (s) => kafkaIn(s, { clusterId: "MkU3OEVBNTcwNTJENDM2Qg" })],
    ["the minimum memory (512 MiB)", (s) => kafkaIn(s, { memoryMb: 512 })],
    [
      "one producer and consumers in two groups of one topic",
      (s) => {
        const events = kafkaIn(s).addTopic("events");
        events.grantProduce(app(s, "producer"));
        events.grantConsume(app(s, "audit"), { groupId: "audit" });
        events.grantConsume(app(s, "billing"), { groupId: "billing" });
      },
    ],
    [
      "one app producing to and consuming the same topic",
      (s) => {
        const events = kafkaIn(s).addTopic("events");
        const both = app(s, "both");
        events.grantProduce(both);
        events.grantConsume(both, { groupId: "g" });
      },
    ],
    [
      "a Kafka broker named like a RabbitMQ broker's volume",
      (s) => {
        new RabbitMqBroker(s, "mq", { network: net(s), name: "bus" });
        kafkaIn(s, { name: "bus-data" });
      },
    ],
  ];

  test.each(accepts)("accepts %s", (_name, build) => {
    expect(problemMessages(build)).toEqual([]);
  });
});
