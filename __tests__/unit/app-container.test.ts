import { Container } from "@cdktf/provider-docker/lib/container";
import { AppContainer, AppEnv, ContainerImage, HealthCheck, KafkaBroker, Network, RabbitMqBroker } from "../../constructs";
import { container, labelsOf, newStack, resources, synth } from "./helpers";

const image = ContainerImage.fromRegistry("busybox:1.36");

describe("AppContainer", () => {
  test("declares one container per replica, named <name>-1..N, on one shared image", () => {
    const stack = newStack();
    new AppContainer(stack, "worker", {
      image,
      replicas: 3,
      environment: { [AppEnv.PRODUCER_COUNT]: "1000" },
      memoryMb: 64,
      restartPolicy: "on-failure",
      labels: { team: "payments" },
    });
    const { text, json } = synth(stack);
    expect(resources(json, "docker_container").map((c) => c.name)).toEqual(["worker-1", "worker-2", "worker-3"]);
    expect(resources(json, "docker_image")).toHaveLength(1);
    expect(text).toHaveResourceWithProperties(Container, {
      name: "worker-2",
      memory: 64,
      restart: "on-failure",
      destroy_grace_seconds: 10,
      env: ["PRODUCER_COUNT=1000"],
    });
    expect(labelsOf(container(json, "worker-1"))).toMatchObject({ team: "payments", "cdktf-docker-messaging.component": "app" });
  });

  test("has no healthcheck unless given; with one, waits and labels its hash", () => {
    const stack = newStack();
    new AppContainer(stack, "plain", { image });
    new AppContainer(stack, "checked", {
      image,
      healthCheck: HealthCheck.exec(["test", "-f", "/tmp/app-healthy"], { intervalSeconds: 90 }),
    });
    const { json } = synth(stack);
    expect(container(json, "plain-1").healthcheck).toBeUndefined();
    expect(container(json, "plain-1").wait).toBeUndefined();
    const checked = container(json, "checked-1");
    expect(checked.healthcheck).toEqual({
      test: ["CMD", "test", "-f", "/tmp/app-healthy"],
      interval: "1m30s",
      timeout: "10s",
      retries: 5,
      start_period: "10s",
    });
    expect(checked.wait).toBe(true);
    expect(checked.wait_timeout).toBe(120);
    expect(labelsOf(checked)["cdktf-docker-messaging.healthcheck-sha256"]).toBeDefined();
  });

  test("a healthcheck change changes the hash label, so the container is replaced", () => {
    const a = HealthCheck.exec(["true"], { intervalSeconds: 5 });
    const b = HealthCheck.exec(["true"], { intervalSeconds: 6 });
    expect(a.hash()).not.toBe(b.hash());
    expect(a.hash()).toBe(HealthCheck.exec(["true"], { intervalSeconds: 5 }).hash());
  });

  test("publishes its ports on 127.0.0.1 by default", () => {
    const stack = newStack();
    new AppContainer(stack, "web", { image, ports: [{ containerPort: 8080, hostPort: 18080 }] });
    expect(container(synth(stack).json, "web-1").ports).toEqual([
      { internal: 8080, external: 18080, ip: "127.0.0.1", protocol: "tcp" },
    ]);
  });

  test("joins the broker's network on connect, or keeps a pinned list that already has it", () => {
    const stack = newStack();
    const a = new Network(stack, "a");
    const b = new Network(stack, "b");
    const kafka = new KafkaBroker(stack, "kafka", { network: b, autoCreateTopics: true });
    const joined = new AppContainer(stack, "joined", { image });
    const pinned = new AppContainer(stack, "pinned", { image, networks: [a, b] });
    kafka.connect(joined, { topic: "t" });
    kafka.connect(pinned, { topic: "t" });
    const { json } = synth(stack);
    expect(container(json, "joined-1").networks_advanced).toEqual([{ name: expect.stringContaining("docker_network.b_network") }]);
    expect(container(json, "pinned-1").networks_advanced).toEqual([
      { name: expect.stringContaining("docker_network.a_network") },
      { name: expect.stringContaining("docker_network.b_network") },
    ]);
  });

  describe("bad input", () => {
    test("rejects replicas < 1", () => {
      expect(() => new AppContainer(newStack(), "app", { image, replicas: 0 })).toThrow(
        /test\/app: replicas must be an integer >= 1, got 0\. Fix: run at least one replica/,
      );
    });
    test("rejects an invalid container name", () => {
      expect(() => new AppContainer(newStack(), "app", { image, name: "my app" })).toThrow(/name is not a valid Docker name, got "my app"/);
    });
    test("rejects a port out of range", () => {
      expect(() => new AppContainer(newStack(), "app", { image, ports: [{ containerPort: 80, hostPort: 65536 }] })).toThrow(
        /ports\[\]\.hostPort is out of range, got 65536/,
      );
    });
    test("rejects connection variables in environment", () => {
      expect(() => new AppContainer(newStack(), "app", { image, environment: { RABBITMQ_URL: "amqp://x" } })).toThrow(
        /sets the connection variable RABBITMQ_URL.*broker\.connect/,
      );
    });
    test("rejects an unknown restart policy", () => {
      expect(() => new AppContainer(newStack(), "app", { image, restartPolicy: "sometimes" as any })).toThrow(/restartPolicy/);
    });
    test("rejects an app connected to a broker it shares no network with", () => {
      const stack = newStack();
      const brokerNet = new Network(stack, "broker-net");
      const appNet = new Network(stack, "app-net");
      const rabbit = new RabbitMqBroker(stack, "rabbitmq", { network: brokerNet });
      rabbit.addQueue("q");
      const app = new AppContainer(stack, "app", { image, networks: [appNet] });
      expect(() => rabbit.connect(app, { queue: "q" })).toThrow(
        /test\/app: the app shares no network with broker test\/rabbitmq .*got \["test\/app-net"\]\. Fix: add the broker's network/,
      );
    });
    test("rejects connecting one app to two brokers of different kinds' conflicting settings", () => {
      const stack = newStack();
      const net = new Network(stack, "net");
      const r1 = new RabbitMqBroker(stack, "r1", { network: net });
      const k1 = new KafkaBroker(stack, "k1", { network: net, autoCreateTopics: true });
      r1.addQueue("q");
      const app = new AppContainer(stack, "app", { image });
      r1.connect(app, { queue: "q" });
      expect(() => k1.connect(app, { topic: "t" })).toThrow(/sets BROKER_KIND, which is already set to another value/);
    });
  });
});
