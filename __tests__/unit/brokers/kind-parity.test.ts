/**
 * Parity of a third broker kind with the shipped two, the kind written
 * entirely in this file against the public barrel: what it tells BrokerBase
 * (its title, port names, connection variables, published host ports,
 * metrics and alert rules) and its topology hook reach every shared part of
 * the library that RabbitMQ and Kafka reach, with no file of constructs/
 * naming it: the topology description and picture, the testing helpers,
 * Prometheus's default rules, the typo check of an app's environment, and
 * the host-port collision message.
 */
import * as fs from "fs";
import * as path from "path";
import { Testing } from "cdktf";
import {
  AppContainer,
  BROKER_BASE_PROPS,
  BrokerBase,
  ContainerImage,
  HealthCheck,
  Network,
  Prometheus,
  describeTopology,
  renderTopologyMermaid,
  renderTopologySvg,
  scrapesFor,
  type BrokerBaseProps,
  type BrokerKindTopology,
  type BrokerWiring,
  type IBrokerClient,
} from "../../../constructs";
import { MessagingTemplate } from "../../../constructs/testing";
import { newStack, problemMessages, synth } from "../helpers";

type Scope = ConstructorParameters<typeof Network>[0];

const NATS_CLIENT_PORT = 4222;
const NATS_MONITOR_PORT = 8222;
const NatsConnectionEnv = { NATS_URL: "NATS_URL", NATS_SUBJECT: "NATS_SUBJECT" } as const;

interface NatsBrokerProps extends BrokerBaseProps {
  /** Publish the client port on 127.0.0.1:<clientHostPort>. */
  readonly clientHostPort?: number;
}

/** A minimal NATS-like kind: subjects, streams that capture subjects, and two grant verbs. */
class NatsBroker extends BrokerBase {
  private readonly subjects: string[] = [];
  private readonly streams: { name: string; subject: string }[] = [];

  constructor(scope: Scope, id: string, props: NatsBrokerProps) {
    super(scope, id, props, {
      kind: "nats",
      title: "NATS",
      portNames: { [NATS_CLIENT_PORT]: "NATS client", [NATS_MONITOR_PORT]: "monitoring" },
      connectionVariables: Object.values(NatsConnectionEnv),
      propsName: "NatsBrokerProps",
      knownProps: { ...BROKER_BASE_PROPS, clientHostPort: true },
      internalPort: NATS_CLIENT_PORT,
      hostPort: props?.clientHostPort,
      publishedHostPorts: { clientHostPort: props?.clientHostPort },
      metrics: {
        port: 7777,
        endpoints: [{ job: "nats", path: "/metrics" }],
        served: { names: ["gnatsd_varz_slow_consumers"] },
        alertRules: (scrapeIntervalSeconds) => [
          {
            name: "NatsSlowConsumers",
            expression: "max by (broker, node) (gnatsd_varz_slow_consumers) > 0",
            forSeconds: scrapesFor(scrapeIntervalSeconds, 2, 10),
            summary: "NATS broker {{ $labels.broker }} has slow consumers",
          },
        ],
      },
      defaultImage: "nats:2.10",
      defaultMemoryMb: 128,
      minMemoryMb: 32,
      memoryFix: "give NATS at least 32 MiB",
    });
    this.addNode(this.nodes[0], {
      component: "nats-broker",
      ports: props.clientHostPort !== undefined ? [{ containerPort: NATS_CLIENT_PORT, hostPort: props.clientHostPort }] : [],
      healthCheck: HealthCheck.exec(["nats-server", "--help"]),
    });
  }

  public addSubject(name: string): this {
    this.subjects.push(name);
    return this;
  }

  /** A stream keeps what is published on `subject`. */
  public addStream(name: string, subject: string): this {
    this.streams.push({ name, subject });
    return this;
  }

  public grantPublish(app: IBrokerClient, subject: string): void {
    this.wireApp(app, "publish", subject);
  }

  public grantSubscribe(app: IBrokerClient, subject: string): void {
    this.wireApp(app, "consume", subject);
  }

  protected topologyEntities(_wirings: readonly BrokerWiring[]): Pick<BrokerKindTopology, "entities" | "links"> {
    return {
      entities: [
        ...this.subjects.map((name) => ({ kind: "subject", name, summary: "core", properties: {} })),
        ...this.streams.map((s) => ({
          kind: "stream",
          name: s.name,
          summary: `captures ${s.subject}`,
          properties: { subject: s.subject },
        })),
      ],
      links: this.streams.map((s) => ({
        kind: "capture",
        from: { kind: "subject", name: s.subject },
        to: { kind: "stream", name: s.name },
        dashed: false,
      })),
    };
  }

  private wireApp(app: IBrokerClient, direction: "publish" | "consume", subject: string): void {
    const role = `${direction === "publish" ? "publisher" : "subscriber"} of subject "${subject}"`;
    this.wire(
      app,
      role,
      { [NatsConnectionEnv.NATS_URL]: `nats://${this.endpoint.address}`, [NatsConnectionEnv.NATS_SUBJECT]: subject },
      undefined,
      { direction, entityKind: "subject", entityName: subject, attributes: { subject } },
    );
  }
}

function natsStack(appEnvironment: Record<string, string> = {}) {
  const stack = newStack();
  const network = new Network(stack, "net");
  const nats = new NatsBroker(stack, "nats", { network, clientHostPort: 14222 }).addSubject("orders").addStream("orders-log", "orders");
  const image = ContainerImage.fromRegistry("acme/app:1.0");
  const publisher = new AppContainer(stack, "publisher", { image, environment: appEnvironment, metrics: { enabled: false } });
  const subscriber = new AppContainer(stack, "subscriber", { image, metrics: { enabled: false } });
  nats.grantPublish(publisher, "orders");
  nats.grantSubscribe(subscriber, "orders");
  return { stack, network, nats };
}

describe("a third broker kind, defined outside constructs/", () => {
  test("the topology description has its title, port names, entities and links, as the kind gave them", () => {
    const { stack } = natsStack();
    Testing.synth(stack);
    const broker = describeTopology(stack).brokers[0];
    expect(broker).toMatchObject({ name: "nats", kind: "nats", title: "NATS", portNames: { "4222": "NATS client", "8222": "monitoring" } });
    expect(broker.entities.map((e) => [e.kind, e.name, e.summary])).toEqual([
      ["stream", "orders-log", "captures orders"],
      ["subject", "orders", "core"],
    ]);
    expect(broker.links).toEqual([
      { kind: "capture", from: { kind: "subject", name: "orders" }, to: { kind: "stream", name: "orders-log" }, dashed: false },
    ]);
  });

  test("the picture draws its frame, its entities, the capture link and the apps' lines to the subject", () => {
    const { stack } = natsStack();
    Testing.synth(stack);
    const topology = describeTopology(stack);
    const mermaid = renderTopologyMermaid(topology);
    expect(mermaid).toContain("NATS broker #34;nats#34; · 1 node");
    expect(mermaid).toContain("127.0.0.1:14222->4222 (NATS client)");
    expect(mermaid).toMatch(/orders-log.*stream · captures orders/);
    // The apps' lines end at the declared subject: no second, undeclared box of it.
    expect(mermaid).not.toContain("not declared");
    const svg = renderTopologySvg(topology);
    expect(svg).toContain('data-kind="capture"');
    // One line from the publisher, one to the subscriber (the legend's sample line comes from "legend").
    expect(svg.match(/<g class="edge" data-kind="(publish|consume)" data-from="(?!legend)/g)).toHaveLength(2);
  });

  test("the testing helpers read its wirings in its own words", () => {
    const { stack } = natsStack();
    const t = MessagingTemplate.fromStack(stack);
    expect(t.wiringOf("publisher")).toEqual([{ broker: "nats", kind: "nats", role: "publisher", subject: "orders" }]);
    t.expectWiring("subscriber", { kind: "nats", role: "subscriber", subject: "orders" });
    expect(() => t.expectWiring("subscriber", { subject: "payments" })).toThrow(/has no wiring \{"subject":"payments"\}/);
  });

  test("a Prometheus of the stack loads the kind's alert rule with the shared ones, once for two brokers, none without metrics", () => {
    const { stack, network } = natsStack();
    new NatsBroker(stack, "nats-2", { network });
    const prometheus = new Prometheus(stack, "prometheus", { scrapeIntervalSeconds: 15 });
    synth(stack);
    expect(prometheus.alertRules.map((r) => r.name)).toEqual([
      "MessagingBrokerNodeDown",
      "MessagingAppDown",
      "NatsSlowConsumers",
      "MessagingMessagesDeadLettered",
    ]);
    expect(prometheus.alertRules.find((r) => r.name === "NatsSlowConsumers")!.forSeconds).toBe(30);

    const quiet = newStack();
    new NatsBroker(quiet, "nats", { network: new Network(quiet, "net"), metrics: { enabled: false } });
    expect(new Prometheus(quiet, "prometheus").alertRules.map((r) => r.name)).not.toContain("NatsSlowConsumers");
  });

  test("an app's environment: a typo of its connection variable, and setting one its wiring sets, are refused at synth", () => {
    const typo = (environment: Record<string, string>) =>
      problemMessages((s) => {
        const nats = new NatsBroker(s, "nats", { network: new Network(s, "net") }).addSubject("orders");
        nats.grantPublish(new AppContainer(s, "publisher", { image: ContainerImage.fromRegistry("acme/app:1.0"), environment }), "orders");
      });
    expect(typo({ NATS_URLL: "nats://elsewhere:4222" })).toEqual([
      'test/publisher: environment.NATS_URLL is not a connection variable of the stack\'s brokers, got "NATS_URLL". Fix: did you mean "NATS_URL"? The app would ignore NATS_URLL',
    ]);
    expect(typo({ NATS_SUBJECT: "payments" })).toEqual([
      expect.stringContaining("sets NATS_SUBJECT, which the app's environment sets too"),
    ]);
    expect(typo({ ACME_MODE: "fast" })).toEqual([]);
  });

  test("a metrics host port on its client host port names the kind's own prop", () => {
    expect(
      problemMessages(
        (s) => new NatsBroker(s, "nats", { network: new Network(s, "net"), clientHostPort: 14222, metrics: { hostPort: 14222 } }),
      ),
    ).toEqual([expect.stringContaining("metrics.hostPort 14222 collides with clientHostPort 14222")]);
  });
});

describe("the shared code names no broker kind", () => {
  // Outside constructs/brokers/: the barrel, the contract of the shipped apps
  // (connection-env, apps/), the default images, and documentation text may
  // name the shipped kinds; code that reads a kind's entities, variables,
  // rules or ports asks the kind instead.
  const ROOT = path.resolve(__dirname, "../../../constructs");
  const ALLOWED = new Set([
    "index.ts",
    "connection-env.ts",
    "images/default-images.ts",
    "apps/shipped-apps.ts",
    "apps/app-settings.ts",
    "apps/app-metric-names.ts",
    // The MessagingTemplate's queue and topic readers are RabbitMQ's and Kafka's by name (its wirings are read through the kinds).
    "testing/index.ts",
  ]);
  const files = (dir: string): string[] =>
    fs
      .readdirSync(dir, { withFileTypes: true })
      .flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)]));
  const shared = files(ROOT)
    .map((f) => path.relative(ROOT, f).split(path.sep).join("/"))
    .filter((f) => f.endsWith(".ts") && !f.startsWith("brokers/") && !ALLOWED.has(f));

  test.each(shared)("%s: no comparison with a kind's name, no import from a kind's folder", (file) => {
    const code = fs
      .readFileSync(path.join(ROOT, file), "utf8")
      .replace(/\/\*[\s\S]*?\*\//g, "")
      .replace(/\/\/.*$/gm, "");
    expect(code).not.toMatch(/from "[^"]*brokers\/(rabbitmq|kafka)\//);
    expect(code).not.toMatch(/[=!]==?\s*"(rabbitmq|kafka)"|"(rabbitmq|kafka)"\s*[=!]==?|\b(rabbitmq|kafka)\s*:\s*\{/i);
  });
});
