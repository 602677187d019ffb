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
} from "../../../constructs";
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

  test("a broker node's health check on a Swarm needs none of its peers (a cluster-wide check would keep the nodes out of DNS)", () => {
    expect(service("swarm-rabbitmq-2").task_spec.container_spec.healthcheck.test).toEqual(["CMD", "rabbitmq-diagnostics", "-q", "ping"]);
    // Kafka binds to its names, which Swarm resolves only for an active (healthy, if checked) task: no check.
    expect(service("swarm-kafka-2").task_spec.container_spec.healthcheck).toBeUndefined();
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

  test("rejects tls and Prometheus, not on a Swarm yet, saying so", () => {
    const problems = problemsOf((s) => {
      new KafkaBroker(s, "kafka", { network: new Network(s, "net"), tls: { certificates: "generate" } });
      new Prometheus(s, "prometheus");
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/tls is not available on a Swarm yet/),
        expect.stringMatching(/Prometheus is not available on a Swarm yet/),
      ]),
    );
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
