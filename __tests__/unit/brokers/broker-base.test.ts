/**
 * Proof that a broker kind can be added without touching constructs/: the
 * toy kind below is written entirely in this file, against the public
 * barrel only, and then used the way RabbitMQ and Kafka are: wired to
 * AppContainer, checked by the messaging aspects, with outputs, secret
 * variables and names claimed in the stack.
 */
import { TerraformStack, TerraformVariable } from "cdktf";
import {
  AppContainer,
  BROKER_BASE_PROPS,
  BrokerBase,
  ContainerImage,
  HealthCheck,
  KafkaBroker,
  Network,
  RabbitMqBroker,
  addMessagingAspects,
  deferCheck,
  reportProblem,
  type BrokerBaseProps,
  type IBroker,
  type IBrokerClient,
} from "../../../constructs";
import { container, envOf, labelsOf, newStack, problemMessages, synth } from "../helpers";

// ---------------------------------------------------------------------------
// The toy broker kind: its props, its connection settings, one node, an
// output, a secret variable, channels declared as code and a grant verb.
// ---------------------------------------------------------------------------

/** The scope type constructs take (from a public constructor, so nothing outside the barrel is imported). */
type Scope = ConstructorParameters<typeof Network>[0];
/** What addNode declares: a docker_container on one engine, a docker_service on a Swarm. */
type BrokerContainer = BrokerBase["containers"][number] | BrokerBase["services"][number];

const TOY_PORT = 7070;
const TOY_HOST_LISTENER_PORT = 7071;

/** The connection settings a toy wiring gives an app. */
const ToyConnectionEnv = {
  TOY_URL: "TOY_URL",
  TOY_CHANNEL: "TOY_CHANNEL",
  TOY_TOKEN: "TOY_TOKEN",
} as const;

interface ToyBrokerProps extends BrokerBaseProps {
  /** Publish the toy protocol on 127.0.0.1:<hostPort>. */
  readonly hostPort?: number;
  /** @default "plain" */
  readonly flavour?: "plain" | "fancy";
}

const TOY_PROPS: Record<keyof ToyBrokerProps, true> = { ...BROKER_BASE_PROPS, hostPort: true, flavour: true };

class ToyBroker extends BrokerBase {
  /** The node's docker_container. */
  public readonly nodeContainer: BrokerContainer;
  public readonly tokenVariable: TerraformVariable;
  private readonly token: string;
  private readonly channels: string[] = [];

  constructor(scope: Scope, id: string, props: ToyBrokerProps) {
    super(scope, id, props, {
      kind: "toy",
      propsName: "ToyBrokerProps",
      knownProps: TOY_PROPS,
      internalPort: TOY_PORT,
      hostPort: props?.hostPort,
      defaultImage: "toy/broker:1.0",
      defaultMemoryMb: 64,
      minMemoryMb: 32,
      memoryFix: "give the toy broker at least 32 MiB",
    });
    if (props.flavour !== undefined && props.flavour !== "plain" && props.flavour !== "fancy") {
      reportProblem(this, "flavour is not plain or fancy", props.flavour, 'use "plain" or "fancy"');
    }
    this.tokenVariable = this.addSecretVariable("token", "token", `Access token of toy broker ${this.brokerName}`, 16);
    this.token = this.tokenVariable.stringValue;
    const data = this.addDataVolume();
    this.nodeContainer = this.addNode(this.nodes[0], {
      component: "toy-broker",
      // Rendered at synth: channels declared later are in it.
      env: () => ({ TOY_FLAVOUR: props.flavour ?? "plain", TOY_TOKEN: this.token, TOY_CHANNELS: this.channels.join(",") }),
      ports: props.hostPort !== undefined ? [{ containerPort: TOY_HOST_LISTENER_PORT, hostPort: props.hostPort }] : [],
      volumes: [{ volumeName: data.volumeName, containerPath: "/var/lib/toy" }],
      healthCheck: HealthCheck.exec(["toyctl", "ping"], { intervalSeconds: 5, retries: 3 }),
    });
    if (this.hostEndpoint) {
      this.addOutput("url", "url", `toy://${this.hostEndpoint.address}`, {
        description: `Toy broker ${this.brokerName} from the Docker host`,
      });
    }
  }

  /** Declares a channel. */
  public addChannel(name: string): this {
    if (this.channels.includes(name)) reportProblem(this, "channel declared twice", name, "declare each channel once");
    else this.channels.push(name);
    return this;
  }

  /** Makes `app` a subscriber of `channel` (which may be declared later; checked at synth). */
  public grantSubscribe(app: IBrokerClient, channel: string): void {
    const role = `subscriber of channel "${channel}"`;
    const wired = this.wire(app, role, {
      [ToyConnectionEnv.TOY_URL]: `toy://${this.endpoint.address}`,
      [ToyConnectionEnv.TOY_CHANNEL]: channel,
      [ToyConnectionEnv.TOY_TOKEN]: this.token,
    });
    if (!wired) return;
    deferCheck(this, () =>
      this.channels.includes(channel)
        ? []
        : [
            {
              problem: `${role} (${app.node.path}): the channel is not declared`,
              received: channel,
              fix: `declare it with addChannel("${channel}")`,
            },
          ],
    );
  }
}

/** A kind that mistakenly declares a second node: every node gets the broker's name, so the second one clashes. */
class TwoNodeToyBroker extends ToyBroker {
  public readonly secondNode: BrokerContainer;

  constructor(scope: Scope, id: string, props: ToyBrokerProps) {
    super(scope, id, props);
    this.secondNode = this.addNode(
      { ...this.nodes[0], containerId: "second-node" },
      { component: "toy-broker", healthCheck: HealthCheck.exec(["toyctl", "ping"]) },
    );
  }
}

// ---------------------------------------------------------------------------

function net(stack: TerraformStack, id = "net"): Network {
  return (stack.node.tryFindChild(id) as Network | undefined) ?? new Network(stack, id);
}

function toyIn(stack: TerraformStack, props: Partial<ToyBrokerProps> = {}, id = "toy"): ToyBroker {
  return new ToyBroker(stack, id, { network: net(stack), ...props });
}

function app(stack: TerraformStack, id = "app", props: { replicas?: number } = {}): AppContainer {
  // busybox serves no metrics: these tests are about the wirings' settings.
  return new AppContainer(stack, id, { image: ContainerImage.fromRegistry("busybox:1.36"), metrics: { enabled: false }, ...props });
}

/** A Terraform reference to the construct's docker_container (as depends_on lists it). */
function ref(resource: BrokerContainer): string {
  return `docker_container.${TerraformStack.of(resource).getLogicalId(resource)}`;
}

describe("a broker kind defined outside constructs/", () => {
  test("declares its node like the shipped kinds: fixed name, hostname, alias, volume, healthcheck it waits for", () => {
    const stack = newStack();
    const toy = toyIn(stack, { flavour: "fancy" });
    const c = container(synth(stack).json, "toy");
    expect(c).toMatchObject({
      name: "toy",
      hostname: "toy",
      memory: 64,
      memory_swap: 64,
      restart: "unless-stopped",
      destroy_grace_seconds: 30,
      wait: true,
      wait_timeout: 180,
      volumes: [{ container_path: "/var/lib/toy", volume_name: "toy-data" }],
      networks_advanced: [{ aliases: ["toy"], name: "${docker_network.net_network_0C4DCF91.name}" }],
      healthcheck: { test: ["CMD", "toyctl", "ping"], interval: "5s", timeout: "10s", retries: 3, start_period: "10s" },
    });
    expect(envOf(c)).toEqual({ TOY_FLAVOUR: "fancy", TOY_TOKEN: "${var.toy_token}", TOY_CHANNELS: "" });
    expect(labelsOf(c)["cdktf-docker-messaging.component"]).toBe("toy-broker");
    expect(labelsOf(c)["cdktf-docker-messaging.healthcheck-sha256"]).toMatch(/^[0-9a-f]{16}$/);
    expect(c.ports).toBeUndefined();
    expect(toy.node.defaultChild).toBe(toy.nodeContainer);
    expect(toy.containers).toEqual([toy.nodeContainer]);
  });

  test("is an IBroker with its kind, name, network and endpoints", () => {
    const stack = newStack();
    const toy: IBroker = toyIn(stack, { name: "toy-eu", hostPort: 17070 });
    expect(toy.kind).toBe("toy");
    expect(toy.brokerName).toBe("toy-eu");
    expect(toy.network).toBe(net(stack));
    expect(toy.endpoint).toEqual({ hostname: "toy-eu", port: TOY_PORT, address: "toy-eu:7070" });
    expect(toy.hostEndpoint).toEqual({ hostname: "127.0.0.1", port: 17070, address: "127.0.0.1:17070" });
    expect(toy.startDependencies()).toEqual([(toy as ToyBroker).nodeContainer]);
  });

  test("uses the base's image, memory, removal policy, timeouts and labels props", () => {
    const stack = newStack();
    toyIn(stack, {
      image: ContainerImage.fromRegistry("toy/broker:2.0"),
      memoryMb: 128,
      dataRemovalPolicy: "destroy",
      startTimeoutSeconds: 60,
      stopGracePeriodSeconds: 5,
      labels: { team: "toys" },
    });
    const { json } = synth(stack);
    const c = container(json, "toy");
    expect(c).toMatchObject({ memory: 128, wait_timeout: 60, destroy_grace_seconds: 5 });
    expect(c.image).toMatch(/^\$\{docker_image\..*toy-broker-2-0.*\.image_id\}$/);
    expect(c.volumes[0].volume_name).toMatch(/^\$\{docker_volume\..*\.name\}$/);
    expect(Object.values<any>(json.resource.docker_volume).map((v) => v.name)).toEqual(["toy-data"]);
    expect(labelsOf(c).team).toBe("toys");
  });

  test("declares a sensitive secret variable null by default (refused unset, never prompted), named after the broker", () => {
    const stack = newStack();
    toyIn(stack, { name: "toy-eu" });
    const { json } = synth(stack);
    expect(json.variable).toEqual({
      toy_eu_token: {
        type: "string",
        sensitive: true,
        nullable: true,
        default: null,
        description: "Access token of toy broker toy-eu (at least 16 characters). Set TF_VAR_toy_eu_token.",
        validation: [
          {
            condition: "${var.toy_eu_token != null}",
            error_message:
              "toy_eu_token is not set: export TF_VAR_toy_eu_token (Access token of toy broker toy-eu, at least 16 characters).",
          },
          {
            condition: "${var.toy_eu_token == null ? true : length(var.toy_eu_token) >= 16}",
            error_message: "toy_eu_token must be at least 16 characters long.",
          },
        ],
      },
    });
  });

  test("publishes its host port on loopback and outputs its host URL", () => {
    const stack = newStack();
    toyIn(stack, { hostPort: 17070 });
    const { json } = synth(stack);
    expect(container(json, "toy").ports).toEqual([{ internal: TOY_HOST_LISTENER_PORT, external: 17070, ip: "127.0.0.1", protocol: "tcp" }]);
    expect(json.output).toEqual({ toy_url: { value: "toy://127.0.0.1:17070", description: "Toy broker toy from the Docker host" } });
  });

  test("wires an AppContainer: connection settings, the broker's network, start after the broker", () => {
    const stack = newStack();
    const toy = toyIn(stack);
    const subscriber = app(stack, "subscriber", { replicas: 2 });
    toy.grantSubscribe(subscriber, "news");
    toy.addChannel("news"); // declared after the wiring
    const { json } = synth(stack);
    for (const name of ["subscriber-1", "subscriber-2"]) {
      const c = container(json, name);
      expect(envOf(c)).toEqual({ TOY_URL: "toy://toy:7070", TOY_CHANNEL: "news", TOY_TOKEN: "${var.toy_token}" });
      expect(c.networks_advanced).toEqual([{ name: "${docker_network.net_network_0C4DCF91.name}" }]);
      expect(c.depends_on).toEqual([ref(toy.nodeContainer)]);
    }
    expect(envOf(container(json, "toy")).TOY_CHANNELS).toBe("news");
    expect(subscriber.wiredTo.map((w) => [w.broker, w.role])).toEqual([[toy, 'subscriber of channel "news"']]);
  });

  test("the same wiring twice is one", () => {
    const stack = newStack();
    const toy = toyIn(stack).addChannel("news");
    const subscriber = app(stack, "subscriber");
    toy.grantSubscribe(subscriber, "news");
    toy.grantSubscribe(subscriber, "news");
    expect(subscriber.wiredTo).toHaveLength(1);
    expect(container(synth(stack).json, "subscriber-1").env).toHaveLength(3);
  });

  test("gets the messaging aspects: common labels", () => {
    const stack = newStack();
    addMessagingAspects(stack, { labels: { project: "toys" } });
    toyIn(stack);
    expect(labelsOf(container(synth(stack).json, "toy"))).toEqual({
      "cdktf-docker-messaging.broker": "toy",
      "cdktf-docker-messaging.node": "1",
      "cdktf-docker-messaging.component": "toy-broker",
      "cdktf-docker-messaging.hardening-sha256": expect.stringMatching(/^[0-9a-f]{16}$/),
      "cdktf-docker-messaging.healthcheck-sha256": expect.stringMatching(/^[0-9a-f]{16}$/),
      "cdktf-docker-messaging.managed-by": "cdktf",
      "cdktf-docker-messaging.stack": "test",
      project: "toys",
    });
  });

  test("wires one app to a RabbitMQ broker, a Kafka broker and a toy broker at once", () => {
    const stack = newStack();
    const rabbit = new RabbitMqBroker(stack, "rabbitmq", { network: net(stack, "mq-net") });
    const kafka = new KafkaBroker(stack, "kafka", { network: net(stack, "kafka-net") });
    const toy = toyIn(stack, {}, "toy").addChannel("news");
    const bridge = app(stack, "bridge");
    rabbit.addQueue("orders").grantConsume(bridge);
    kafka.addTopic("events").grantProduce(bridge);
    toy.grantSubscribe(bridge, "news");
    const { json } = synth(stack);
    const c = container(json, "bridge-1");
    expect(envOf(c)).toEqual({
      // Its own user on each broker, never an administrator.
      RABBITMQ_URL: 'amqp://bridge:${sha256("${var.rabbitmq_credentials_key}/rabbitmq/bridge")}@rabbitmq:5672/%2F',
      RABBITMQ_QUEUE: "orders",
      KAFKA_BOOTSTRAP_SERVERS: "kafka:9092",
      KAFKA_TOPIC: "events",
      KAFKA_SASL_USERNAME: "bridge",
      KAFKA_SASL_PASSWORD: '${sha256("${var.kafka_credentials_key}/kafka/bridge")}',
      TOY_URL: "toy://toy:7070",
      TOY_CHANNEL: "news",
      TOY_TOKEN: "${var.toy_token}",
    });
    expect(c.networks_advanced.map((n: any) => n.name)).toEqual([
      expect.stringMatching(/^\$\{docker_network\.mq-net_network_/),
      expect.stringMatching(/^\$\{docker_network\.kafka-net_network_/),
      "${docker_network.net_network_0C4DCF91.name}",
    ]);
    expect(c.depends_on).toEqual([
      ref(rabbit.container),
      ref(rabbit.setupJob),
      ref(kafka.container),
      ref(kafka.setupJob),
      ref(toy.nodeContainer),
    ]);
    expect(bridge.wiredTo.map((w) => w.broker.kind)).toEqual(["rabbitmq", "kafka", "toy"]);
  });
});

// ---------------------------------------------------------------------------
// The base's rules apply to the new kind too.
// ---------------------------------------------------------------------------

type Build = (stack: TerraformStack) => void;
/** A fragment of one expected message, or a pattern it matches. */
type Expected = string | RegExp;
const matching = (e: Expected) => (typeof e === "string" ? expect.stringContaining(e) : expect.stringMatching(e));

describe("a broker kind defined outside constructs/: problems", () => {
  const rejects: [string, Build, Expected[]][] = [
    [
      "an unknown prop of the kind, with a did-you-mean",
      (s) => toyIn(s, { flavor: "plain" } as any),
      ['test/toy: ToyBrokerProps has no field "flavor", got "flavor". Fix: did you mean "flavour"?'],
    ],
    [
      "the kind's own rule",
      (s) => toyIn(s, { flavour: "sour" as any }),
      ['test/toy: flavour is not plain or fancy, got "sour". Fix: use "plain" or "fancy"'],
    ],
    [
      "memory below the kind's minimum",
      (s) => toyIn(s, { memoryMb: 16 }),
      ["test/toy: memoryMb must be an integer between 32 and 1048576, got 16. Fix: give the toy broker at least 32 MiB"],
    ],
    [
      "a name that is not a host name label",
      (s) => toyIn(s, { name: "toy_box" }),
      ['test/toy: name is also the broker\'s hostname and must be a host name label, got "toy_box"'],
    ],
    [
      "a missing network",
      (s) => new ToyBroker(s, "toy", {} as any),
      ["test/toy: network is required and must be a Network, got undefined"],
    ],
    [
      "a subscriber of an undeclared channel (checked at synth)",
      (s) => toyIn(s).addChannel("news").grantSubscribe(app(s), "nwes"),
      [
        'test/toy: subscriber of channel "nwes" (test/app): the channel is not declared, got "nwes". Fix: declare it with addChannel("nwes")',
      ],
    ],
    [
      "a grantee that is not an app container",
      (s) =>
        toyIn(s)
          .addChannel("news")
          .grantSubscribe({} as any, "news"),
      ['test/toy: subscriber of channel "news": the grantee is not an app container, got {}'],
    ],
    [
      "a toy broker and an app colliding on a container name",
      (s) => {
        app(s, "worker");
        toyIn(s, { name: "worker-1" });
      },
      [
        'test/toy: the container name "worker-1" is already used by test/worker/replica-1, got "worker-1". Fix: give each broker and app its own name',
      ],
    ],
    [
      "an app whose replica takes a toy broker's name",
      (s) => {
        toyIn(s, { name: "worker-2" });
        app(s, "worker", { replicas: 2 });
      },
      ['test/worker: the container name "worker-2" is already used by test/toy/container, got "worker-2"'],
    ],
    [
      "two toy brokers with the same name (container, volume, variable and output)",
      (s) => {
        toyIn(s, { name: "box", hostPort: 17070 }, "a");
        toyIn(s, { name: "box", hostPort: 17071 }, "b");
      },
      [
        'test/b: the terraform variable name "box_token" is already used by test/a',
        'test/b: the container name "box" is already used by test/a',
        'test/b/data: the volume name "box-data" is already used by test/a/data',
        'test/b: the terraform output name "box_url" is already used by test/a',
      ],
    ],
    [
      "a toy broker and a RabbitMQ broker with the same name",
      (s) => {
        new RabbitMqBroker(s, "rabbitmq", { network: net(s), name: "bus" });
        toyIn(s, { name: "bus" });
      },
      [
        'test/toy: the container name "bus" is already used by test/rabbitmq',
        'test/toy/data: the volume name "bus-data" is already used by test/rabbitmq/data',
      ],
    ],
    [
      "a toy broker whose name differs from a Kafka broker's only in case",
      (s) => {
        new KafkaBroker(s, "kafka", { network: net(s), name: "Bus" });
        toyIn(s, { name: "bus" });
      },
      ['test/toy: the hostname name "bus" is already used by test/kafka ("Bus")'],
    ],
    [
      "a toy broker's host port clashing with a RabbitMQ broker's (unique host ports aspect)",
      (s) => {
        addMessagingAspects(s);
        new RabbitMqBroker(s, "rabbitmq", { network: net(s), amqpHostPort: 5672 });
        toyIn(s, { hostPort: 5672 });
      },
      ["test/toy/container: host port 5672/tcp on 127.0.0.1 is already published by test/rabbitmq/container, got 5672"],
    ],
    [
      "an app wired to a toy broker it shares no network with",
      (s) => {
        const pinned = new AppContainer(s, "app", { image: ContainerImage.fromRegistry("busybox:1.36"), networks: [net(s, "apps")] });
        toyIn(s).addChannel("news").grantSubscribe(pinned, "news");
      },
      ['test/app: the app shares no network with broker test/toy (its network is test/net), got ["test/apps"]'],
    ],
    [
      "a kind that calls addNode twice (both nodes would be containers named after the broker)",
      (s) => new TwoNodeToyBroker(s, "toy", { network: net(s) }),
      ['test/toy: the container name "toy" is already used by test/toy/container, got "toy". Fix: give each broker and app its own name'],
    ],
    [
      "an app wired to two toy channels (it reads one TOY_CHANNEL)",
      (s) => {
        const toy = toyIn(s).addChannel("a").addChannel("b");
        const subscriber = app(s, "subscriber");
        toy.grantSubscribe(subscriber, "a");
        toy.grantSubscribe(subscriber, "b");
      },
      [
        'test/subscriber: subscriber of channel "b" (test/toy) needs TOY_CHANNEL="b", but the app is already subscriber of channel "a" (test/toy) with TOY_CHANNEL="a"',
      ],
    ],
  ];

  test.each(rejects)("rejects %s", (_name, build, expected) => {
    const messages = problemMessages(build);
    expect(messages).toHaveLength(expected.length);
    for (const fragment of expected) expect(messages).toContainEqual(matching(fragment));
  });

  const accepts: [string, Build][] = [
    ["the defaults", (s) => toyIn(s)],
    [
      "a channel declared after the wiring",
      (s) => {
        const toy = toyIn(s);
        toy.grantSubscribe(app(s), "late");
        toy.addChannel("late");
      },
    ],
    [
      "a toy broker next to RabbitMQ and Kafka with distinct names and ports, under the aspects",
      (s) => {
        addMessagingAspects(s);
        new RabbitMqBroker(s, "rabbitmq", { network: net(s), amqpHostPort: 5672 });
        new KafkaBroker(s, "kafka", { network: net(s), hostPort: 9092 });
        toyIn(s, { hostPort: 7070 });
      },
    ],
    [
      "two toy brokers with distinct names",
      (s) => {
        toyIn(s, { name: "box-a", hostPort: 17070 }, "a");
        toyIn(s, { name: "box-b", hostPort: 17071 }, "b");
      },
    ],
    [
      "an app wired to a toy broker and a RabbitMQ broker on one network",
      (s) => {
        const shared = app(s, "shared");
        new RabbitMqBroker(s, "rabbitmq", { network: net(s) }).addQueue("q").grantConsume(shared);
        toyIn(s).addChannel("news").grantSubscribe(shared, "news");
      },
    ],
  ];

  test.each(accepts)("accepts %s", (_name, build) => {
    expect(problemMessages(build)).toEqual([]);
  });
});
