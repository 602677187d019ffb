/**
 * The Swarm target (DockerHost({ swarm })): the same constructs rendered as
 * docker_services, what must differ from one engine, and the inputs that
 * mean nothing on a Swarm, refused at synth.
 */
import * as path from "path";
import { App, TerraformStack, Testing } from "cdktf";
import { buildSwarmStack } from "../../../examples/swarm/main";
import {
  AppContainer,
  ContainerImage,
  DockerHost,
  KafkaBroker,
  MessagingProblems,
  Network,
  Prometheus,
  RabbitMqBroker,
  type SwarmOptions,
  ShippedApps,
  TlsCertificates,
} from "../../../constructs";
import { makeTestCertificates, type TestCertificates } from "../../support/certificates";
import { run } from "../../support/commands";
import { synthStack } from "../../../constructs/testing";

const SWARM: SwarmOptions = { brokerNodes: { label: "slot", values: ["a", "b", "c"] }, registry: "registry.internal:5000" };

function swarmStack(swarm: SwarmOptions = SWARM): TerraformStack {
  const stack = new TerraformStack(Testing.app(), "s");
  new DockerHost(stack, "docker", { host: "tcp://manager:2376", swarm });
  return stack;
}

function problemsOf(build: (stack: TerraformStack) => void, swarm?: SwarmOptions): string[] {
  const stack = swarmStack(swarm);
  build(stack);
  try {
    synthStack(stack);
    return [];
  } catch (error) {
    if (error instanceof MessagingProblems) return error.problems.map((p) => p.message);
    throw error;
  }
}

describe("the swarm example (examples/swarm)", () => {
  let json: Record<string, any>;
  beforeAll(() => {
    json = synthStack(buildSwarmStack(new App({ stackTraces: false }) as never, "swarm", { manager: "tcp://manager:2376" }));
  });
  const services = () => Object.values<any>(json.resource.docker_service);
  const service = (name: string) => services().find((s) => s.name === name);

  test("every broker node and app is a service; only the one-shot set-up jobs stay containers (on the manager)", () => {
    expect(
      services()
        .map((s) => s.name)
        .sort(),
    ).toEqual([
      "swarm-kafka-1",
      "swarm-kafka-2",
      "swarm-kafka-3",
      "swarm-kafka-consumer",
      "swarm-kafka-producer",
      "swarm-prometheus",
      "swarm-rabbitmq-1",
      "swarm-rabbitmq-2",
      "swarm-rabbitmq-3",
      "swarm-rabbitmq-consumer",
      "swarm-rabbitmq-producer",
    ]);
    expect(
      Object.values<any>(json.resource.docker_container)
        .map((c) => c.name)
        .sort(),
    ).toEqual(["swarm-kafka-setup", "swarm-rabbitmq-setup"]);
  });

  test("each node of a cluster is pinned to a different Swarm node, one task, stopped before it is replaced", () => {
    for (const broker of ["swarm-rabbitmq", "swarm-kafka"]) {
      const constraints = [1, 2, 3].map((i) => service(`${broker}-${i}`).task_spec.placement.constraints);
      expect(constraints).toEqual([1, 2, 3].map((i) => [`node.labels.cdktf-docker-messaging.swarm-node==${i}`]));
      for (const i of [1, 2, 3]) {
        const s = service(`${broker}-${i}`);
        expect(s.mode).toEqual({ replicated: { replicas: 1 } });
        expect(s.update_config.order).toBe("stop-first");
        expect(s.task_spec.container_spec.hostname).toBe(`${broker}-${i}`);
        expect(s.endpoint_spec.mode).toBe("dnsrr");
        expect(s.task_spec.container_spec.mounts).toEqual(
          expect.arrayContaining([expect.objectContaining({ type: "volume", source: `${broker}-${i}-data` })]),
        );
      }
    }
  });

  test("no password, cookie or key is a service environment variable or a literal: each is a docker_secret", () => {
    const text = JSON.stringify(services().map((s) => s.task_spec.container_spec.env ?? {}));
    expect(text).not.toMatch(/\$\{/);
    for (const s of services()) {
      const names = Object.keys(s.task_spec.container_spec.env ?? {}).filter((name) => !name.endsWith("_FILE"));
      for (const name of names) expect(name).not.toMatch(/PASS|COOKIE|PASSWORD$|_URL$/);
    }
    const rabbit = service("swarm-rabbitmq-1").task_spec.container_spec;
    expect(rabbit.secrets.map((x: any) => x.file_name).sort()).toEqual([
      "/etc/rabbitmq/definitions.json",
      "/run/secrets/cdktf-env-CDKTF_MESSAGING_ERLANG_COOKIE",
      "/run/secrets/cdktf-env-RABBITMQ_DEFAULT_PASS",
    ]);
    expect(rabbit.configs.map((x: any) => x.file_name)).toEqual(["/etc/rabbitmq/rabbitmq.conf"]);
    // The start wrapper exports the secret files, then execs the server's own command.
    expect(rabbit.args.slice(0, 2)).toEqual(["/bin/sh", "-c"]);
    expect(rabbit.args.at(-1)).toMatch(/exec rabbitmq-server$/);
    for (const secret of Object.values<any>(json.resource.docker_secret)) {
      expect(secret.lifecycle).toEqual({ create_before_destroy: true });
      expect(secret.data).toMatch(/^\$\{base64encode\(".*"\)\}$/s);
    }
  });

  test("apps read their secrets from files, and roll one task at a time, started first, rolled back on failure", () => {
    const consumer = service("swarm-rabbitmq-consumer");
    expect(consumer.task_spec.container_spec.env).toEqual(
      expect.objectContaining({ RABBITMQ_URL_FILE: "/run/secrets/cdktf-env-RABBITMQ_URL" }),
    );
    expect(consumer.task_spec.container_spec.env.RABBITMQ_URL).toBeUndefined();
    expect(service("swarm-kafka-producer").task_spec.container_spec.env).toEqual(
      expect.objectContaining({ KAFKA_SASL_PASSWORD_FILE: "/run/secrets/cdktf-env-KAFKA_SASL_PASSWORD" }),
    );
    expect(consumer.update_config).toEqual({ parallelism: 1, order: "start-first", failure_action: "rollback" });
    expect(consumer.converge_config).toEqual({ delay: "2s", timeout: "2m0s" });
    expect(consumer.task_spec.restart_policy.condition).toBe("any");
    expect(consumer.task_spec.container_spec.read_only).toBe(true);
    expect(consumer.task_spec.container_spec.cap_drop).toEqual(["ALL"]);
  });

  test("built images are pushed to the registry and run by digest", () => {
    const images = Object.values<any>(json.resource.docker_registry_image);
    expect(images).toHaveLength(4);
    expect(service("swarm-kafka-consumer").task_spec.container_spec.image).toMatch(
      /^127\.0\.0\.1:23750\/kafka-consumer:[0-9a-f]{12}@\$\{docker_registry_image\.[^.]+\.sha256_digest\}$/,
    );
  });

  test("networks are attachable overlays, named by id in the services", () => {
    for (const n of Object.values<any>(json.resource.docker_network)) expect(n).toMatchObject({ driver: "overlay", attachable: true });
    expect(service("swarm-kafka-1").task_spec.networks_advanced.map((n: any) => n.id)).toEqual([
      expect.stringMatching(/^\$\{docker_network\..+\.id\}$/),
      expect.stringMatching(/^\$\{docker_network\..+\.id\}$/),
    ]);
  });

  test("the provider may push to the loopback registry over http, without credentials", () => {
    expect(json.provider.docker[0].registry_auth).toEqual([{ address: "http://127.0.0.1:23750", auth_disabled: true }]);
    for (const image of Object.values<any>(json.resource.docker_image).filter((i) => i.build))
      expect(image.build.use_legacy_builder).toBe(true);
  });

  test("Prometheus is a one-task service, pinned where the example says, that scrapes broker nodes by name and app tasks by the service's task DNS", () => {
    const prometheus = service("swarm-prometheus");
    expect(prometheus.task_spec.placement.constraints).toEqual(["node.labels.cdktf-docker-messaging.swarm-node==1"]);
    expect(prometheus.mode).toEqual({ replicated: { replicas: 1 } });
    expect(prometheus.update_config.order).toBe("stop-first");
    expect(prometheus.endpoint_spec.ports).toBeUndefined();
    const config = JSON.parse(prometheus.task_spec.container_spec.env.PROMETHEUS_CONFIG);
    const rabbit = config.scrape_configs.find((c: any) => c.job_name === "rabbitmq");
    expect(rabbit.static_configs.map((g: any) => g.targets[0])).toEqual([1, 2, 3].map((i) => `swarm-rabbitmq-${i}:15692`));
    const apps = config.scrape_configs.filter((c: any) => (c.dns_sd_configs ?? []).length > 0);
    expect(apps.map((c: any) => c.dns_sd_configs[0].names[0]).sort()).toEqual(
      ["swarm-kafka-consumer", "swarm-kafka-producer", "swarm-rabbitmq-consumer", "swarm-rabbitmq-producer"].map((a) => `tasks.${a}`),
    );
    const producer = apps.find((c: any) => c.dns_sd_configs[0].names[0] === "tasks.swarm-kafka-producer");
    expect(producer.dns_sd_configs[0]).toMatchObject({ type: "A", port: 9464 });
    // The series carry job "apps" and the app's labels, as on one engine: the default alerts hold.
    expect(producer.relabel_configs).toEqual([
      { target_label: "job", replacement: "apps" },
      { target_label: "app", replacement: "swarm-kafka-producer" },
      { target_label: "component", replacement: "app" },
    ]);
    expect(new Set(config.scrape_configs.map((c: any) => c.job_name)).size).toBe(config.scrape_configs.length);
  });

  test("environment values are kept from Swarm's template expansion: each {{ prints itself", () => {
    const rules = service("swarm-prometheus").task_spec.container_spec.env.PROMETHEUS_RULES;
    expect(rules).toContain('{{"{{"}} $labels.node }}');
    expect(rules.replace(/\{\{"\{\{"\}\}/g, "")).not.toContain("{{");
  });

  test("a broker node's health check on a Swarm needs none of its peers (a cluster-wide check would keep the nodes out of DNS)", () => {
    expect(service("swarm-rabbitmq-2").task_spec.container_spec.healthcheck.test).toEqual(["CMD", "rabbitmq-diagnostics", "-q", "ping"]);
    // Kafka binds to its names, which Swarm resolves only for an active (healthy, if checked) task: no check.
    expect(service("swarm-kafka-2").task_spec.container_spec.healthcheck).toBeUndefined();
  });
});

describe("TLS on a Swarm: the user's certificate files become secrets of the services", () => {
  let certs: TestCertificates;
  beforeAll(() => {
    certs = makeTestCertificates(["shop-kafka", "shop-kafka-1", "shop-kafka-2", "shop-kafka-3"]);
  });
  afterAll(() => certs.remove());

  function tlsStack(keyFile = certs.keyFile): { json: Record<string, any>; problems: string[] } {
    const stack = swarmStack();
    const network = new Network(stack, "net");
    const certificates = TlsCertificates.fromFiles(stack, "certs", {
      name: "shop-kafka",
      caFile: certs.caFile,
      certFile: certs.certFile,
      keyFile,
      keyOwnerUid: 1000,
      keyOwnerGid: 1000,
    });
    const kafka = new KafkaBroker(stack, "kafka", { network, name: "shop-kafka", nodes: 3, tls: { certificates } });
    kafka.addTopic("orders").grantConsume(new AppContainer(stack, "consumer", { image: ContainerImage.fromRegistry("busybox:1.36") }), {
      groupId: "g",
    });
    try {
      return { json: synthStack(stack) as Record<string, any>, problems: [] };
    } catch (error) {
      if (error instanceof MessagingProblems) return { json: {}, problems: error.problems.map((p) => p.message) };
      throw error;
    }
  }

  test("each broker node mounts key and keystore as secrets only its uid reads (0400), certificate and CA readable; no job, no volume", () => {
    const { json, problems } = tlsStack();
    expect(problems).toEqual([]);
    const node = Object.values<any>(json.resource.docker_service).find((s) => s.name === "shop-kafka-2").task_spec.container_spec;
    const byFile = Object.fromEntries(node.secrets.map((x: any) => [x.file_name, x]));
    for (const file of ["key.pem", "keystore.pem"]) {
      expect(byFile[`/etc/messaging/tls/${file}`]).toMatchObject({ file_uid: "1000", file_gid: "1000", file_mode: 0o400 });
    }
    for (const file of ["ca.pem", "cert.pem"]) expect(byFile[`/etc/messaging/tls/${file}`]).toMatchObject({ file_mode: 0o444 });
    expect(Object.values<any>(json.resource.docker_container ?? {}).map((c) => c.name)).not.toContain("shop-kafka-tls");
    expect(Object.values<any>(json.resource.docker_volume ?? {}).map((v) => v.name)).not.toContain("shop-kafka-tls-server");
    // Terraform reads the files at deploy: their paths are in the JSON, never a key.
    const text = JSON.stringify(json);
    expect(text).toContain(`file(\\"${certs.keyFile}\\")`);
    expect(text).not.toMatch(/BEGIN PRIVATE KEY/);
  });

  test("a wired app gets the CA certificate as a file of its service, where KAFKA_TLS_CA_FILE says", () => {
    const { json } = tlsStack();
    const app = Object.values<any>(json.resource.docker_service).find((s) => s.name === "consumer").task_spec.container_spec;
    expect(app.env.KAFKA_TLS_CA_FILE).toBe("/etc/messaging/tls-ca/shop-kafka/ca.pem");
    expect(app.secrets.map((x: any) => x.file_name)).toContain("/etc/messaging/tls-ca/shop-kafka/ca.pem");
    expect((app.mounts ?? []).filter((m: any) => m.type === "volume")).toEqual([]);
  });

  test("refuses a key that is not PKCS#8 (Kafka's PEM keystore reads nothing else, and no job converts it)", () => {
    const rsa = path.join(certs.dir, "server-key-pkcs1.pem");
    run("openssl", ["pkey", "-in", certs.keyFile, "-traditional", "-out", rsa], { timeoutSeconds: 60 });
    expect(tlsStack(rsa).problems).toEqual([
      expect.stringMatching(/keyFile: on a Swarm the private key must be PKCS#8.*Fix: convert it: `openssl pkcs8/),
    ]);
  });
});

describe("rejects what means nothing on a Swarm", () => {
  test("rejects a broker with more nodes than the Swarm nodes listed for broker nodes", () => {
    const problems = problemsOf((s) => new RabbitMqBroker(s, "mq", { network: new Network(s, "net"), nodes: 5 }), {
      brokerNodes: { label: "slot", values: ["a", "b", "c"] },
    });
    expect(problems).toEqual([
      expect.stringMatching(/broker mq has 5 nodes but the Swarm lists 3 Swarm nodes for broker nodes .*Fix: .*nodes: 3/),
    ]);
  });

  test("rejects a built image without a registry", () => {
    const problems = problemsOf((s) => new AppContainer(s, "app", { image: ShippedApps.kafkaConsumer() }), {
      brokerNodes: { label: "slot", values: ["a"] },
    });
    expect(problems).toEqual([expect.stringMatching(/a built image on a Swarm needs a registry.*Fix: set swarm\.registry/)]);
  });

  test("rejects an app port published on loopback, which a Swarm cannot bind", () => {
    const problems = problemsOf(
      (s) =>
        new AppContainer(s, "web", { image: ContainerImage.fromRegistry("busybox:1.36"), ports: [{ containerPort: 80, hostPort: 8080 }] }),
    );
    expect(problems).toEqual([
      expect.stringMatching(/on a Swarm, port 8080 would be published on every address .*Fix: set hostIp: "0\.0\.0\.0"/),
    ]);
    expect(
      problemsOf(
        (s) =>
          new AppContainer(s, "web", {
            image: ContainerImage.fromRegistry("busybox:1.36"),
            ports: [{ containerPort: 80, hostPort: 8080, hostIp: "0.0.0.0" }],
          }),
      ),
    ).toEqual([]);
  });

  test("rejects generated TLS certificates (a job would write them into volumes of one engine), pointing to fromFiles", () => {
    const problems = problemsOf((s) => {
      new KafkaBroker(s, "kafka", { network: new Network(s, "net"), tls: { certificates: "generate" } });
    });
    expect(problems).toEqual([
      expect.stringMatching(/certificates: "generate" \} is not available on a Swarm.*Fix: bring your own: .*TlsCertificates\.fromFiles/),
    ]);
  });

  test("rejects a Prometheus UI port (open on every address of a Swarm node) and placement constraints that are not Docker's", () => {
    expect(problemsOf((s) => new Prometheus(s, "prometheus", { uiHostPort: 9090 }))).toEqual([
      expect.stringMatching(
        /uiHostPort cannot be published on 127\.0\.0\.1 on a Swarm.*Fix: leave uiHostPort unset and reach http:\/\/prometheus:9090/,
      ),
    ]);
    expect(problemsOf((s) => new Prometheus(s, "prometheus", { placementConstraints: ["node.labels.monitoring=1"] }))).toEqual([
      expect.stringMatching(/placementConstraints must be Docker placement constraints.*node\.labels\.monitoring=1/),
    ]);
    expect(problemsOf((s) => new Prometheus(s, "prometheus", { placementConstraints: ["node.labels.monitoring==1"] }))).toEqual([]);
    const stack = new TerraformStack(Testing.app(), "one-engine");
    new Prometheus(stack, "prometheus", { placementConstraints: ["node.role==manager"] });
    expect(() => synthStack(stack)).toThrow(/placementConstraints mean something only on a Swarm/);
  });

  test("a Prometheus on a Swarm is a service on a manager by default: reading its container says so", () => {
    const stack = swarmStack();
    const prometheus = new Prometheus(stack, "prometheus");
    expect(prometheus.service).toBeDefined();
    expect(() => prometheus.container).toThrow(/runs on a Swarm: it is a service \(prometheus\.service\)/);
    const json = synthStack(stack) as Record<string, any>;
    expect(Object.values<any>(json.resource.docker_service)[0].task_spec.placement.constraints).toEqual(["node.role==manager"]);
  });

  test("rejects a DockerHost with swarm declared after the networks it decides the form of", () => {
    const stack = new TerraformStack(Testing.app(), "late");
    new Network(stack, "net");
    new DockerHost(stack, "docker", { swarm: SWARM });
    expect(() => synthStack(stack)).toThrow(/declared after networks or containers .*Fix: declare the DockerHost first/s);
  });

  test.each([
    [{ brokerNodes: { label: "slot", values: [] } }, /swarm\.brokerNodes\.values must list at least one/],
    [{ brokerNodes: { label: "slot", values: ["a", "a"] } }, /has a value twice/],
    [{ brokerNodes: { label: "bad label!", values: ["a"] } }, /not a node label key/],
    [{ brokerNodes: { label: "slot", values: ["a"] }, registry: "http://reg:5000" }, /not a registry address/],
    [{ brokerNodes: { label: "slot", values: ["a"] }, endpointMode: "ingress" }, /endpointMode/],
    [{ registry: "reg:5000" }, /swarm\.brokerNodes is required/],
  ])("rejects swarm options %j", (swarm, message) => {
    expect(() => synthStack(swarmStack(swarm as SwarmOptions))).toThrow(message);
  });
});

test("on one engine nothing changes: the default stack has no service, config or secret", () => {
  const stack = new TerraformStack(Testing.app(), "one");
  new DockerHost(stack, "docker");
  const net = new Network(stack, "net");
  new RabbitMqBroker(stack, "mq", { network: net })
    .addQueue("q")
    .grantConsume(
      new AppContainer(stack, "app", { image: ContainerImage.fromBuild(path.join(ShippedApps.directory(), "rabbitmq-consumer")) }),
    );
  const json = synthStack(stack);
  expect(json.resource.docker_service).toBeUndefined();
  expect(json.resource.docker_secret).toBeUndefined();
  expect(json.resource.docker_network && Object.values<any>(json.resource.docker_network)[0].driver).toBe("bridge");
});
