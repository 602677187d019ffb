/**
 * The hostile-input cases of no-crash*.test.ts: every public constructor and
 * method (a site), given a hostile value in each position (null, undefined,
 * a wrong type, a list holding null, a nested field set to null, a handle of
 * another stack or of the wrong kind). The sites are tested in two files,
 * half each (`describeNoCrash`), so the unit suite's two workers share them:
 * together they were two thirds of its time in one file.
 */
import * as path from "path";
import { Testing, TerraformStack } from "cdktf";
import {
  addMessagingAspects,
  Alertmanager,
  AlertReceiver,
  AppContainer,
  ContainerImage,
  DataVolume,
  DockerHost,
  HealthCheck,
  KafkaBroker,
  MessagingValidationError,
  Network,
  Prometheus,
  RabbitMqBroker,
  runSynth,
  ShippedApps,
  TlsCertificates,
} from "../../../constructs";
import { synthStack } from "../../../constructs/testing";

const STACK = "fuzz";
const BUILD_DIR = path.resolve(__dirname, "..", "..", "..", "apps", "kafka-consumer");

type Make = (s: TerraformStack) => unknown;
interface Hostile {
  readonly label: string;
  readonly make: Make;
}
const v =
  (value: unknown): Make =>
  () =>
    value;

/** Another stack of the same app, for handles that belong elsewhere. */
function otherStack(s: TerraformStack): TerraformStack {
  const app = s.node.root;
  return (app.node.tryFindChild("other") as TerraformStack | undefined) ?? new TerraformStack(app, "other");
}

const SCALARS: Hostile[] = [
  { label: "undefined", make: v(undefined) },
  { label: "null", make: v(null) },
  { label: "{}", make: () => ({}) },
  { label: "[]", make: () => [] },
  { label: "[null]", make: () => [null] },
  { label: "[undefined]", make: () => [undefined] },
  { label: '""', make: v("") },
  { label: "0", make: v(0) },
  { label: "-1", make: v(-1) },
  { label: "NaN", make: v(NaN) },
  { label: "Infinity", make: v(Infinity) },
  { label: "1.5", make: v(1.5) },
  { label: '"7"', make: v("7") },
  { label: '"x y"', make: v("x y") },
  { label: "true", make: v(true) },
  { label: "{ a: null }", make: () => ({ a: null }) },
  { label: "Object.create(null)", make: () => Object.create(null) },
  { label: "a function", make: v(() => "x") },
  { label: "a symbol", make: v(Symbol("s")) },
];
const HANDLES: Hostile[] = [
  { label: "a Network of another stack", make: (s) => new Network(otherStack(s), "net") },
  { label: "a DataVolume (wrong kind)", make: (s) => new DataVolume(s, "wrong-volume", { name: "wrong-volume" }) },
  {
    label: "a RabbitMqBroker of another stack",
    make: (s) => new RabbitMqBroker(otherStack(s), "rabbit", { network: new Network(otherStack(s), "rnet") }),
  },
];
const HOSTILE: Hostile[] = [...SCALARS, ...HANDLES];
/** For each field of props: fewer scalars (undefined is every optional field's default), every handle. */
const FIELD_HOSTILE: Hostile[] = [
  ...SCALARS.filter((h) => ["null", "{}", "[]", "[null]", '""', "-1", "NaN", '"7"', "{ a: null }"].includes(h.label)),
  ...HANDLES,
];
/** Fewer values, for fields nested one level further. */
const NESTED: Hostile[] = [
  { label: "undefined", make: v(undefined) },
  { label: "null", make: v(null) },
  { label: "{}", make: () => ({}) },
  { label: "[null]", make: () => [null] },
  { label: '""', make: v("") },
  { label: "-1", make: v(-1) },
  { label: "NaN", make: v(NaN) },
  { label: '"7"', make: v("7") },
  { label: "{ a: null }", make: () => ({ a: null }) },
];

/** Fewer still, for the many nested fields of an Alertmanager's receivers and routes. */
const FEW: Hostile[] = NESTED.filter((h) => ["null", "{}", '""', '"7"'].includes(h.label));

export const image = () => ContainerImage.fromRegistry("busybox:1.36");

/** Values of one field beyond the generic ones: its own fields set to hostile values. */
function nestedOf(field: string): Hostile[] {
  const objectWith = (keys: string[]) =>
    keys.flatMap((k) => NESTED.map((h): Hostile => ({ label: `{ ${k}: ${h.label} }`, make: (s) => ({ [k]: h.make(s) }) })));
  const listOf = (inner: Hostile[]) => inner.map((h): Hostile => ({ label: `[${h.label}]`, make: (s) => [h.make(s)] }));
  const map = objectWith(["A", "retention.ms", "x-max-length", "max-length"]);
  switch (field) {
    case "tls":
      return [...objectWith(["certificates"]), { label: '"generate"', make: v("generate") }];
    case "hardening":
      return objectWith([
        "reason",
        "noNewPrivileges",
        "dropAllCapabilities",
        "addCapabilities",
        "readOnlyRootFilesystem",
        "tmpfsSizeMb",
        "logRotation",
        "logMaxSizeMb",
        "logMaxFiles",
      ]);
    case "metrics":
      return objectWith(["enabled", "hostPort", "port", "path"]);
    case "environment":
    case "labels":
    case "serverProperties":
    case "buildArgs":
    case "configs":
    case "arguments":
    case "definition":
      return map;
    case "ports":
      return [...listOf(NESTED), ...listOf(objectWith(["containerPort", "hostPort", "hostIp"]))];
    case "alertRules":
      return [...listOf(NESTED), ...listOf(objectWith(["name", "expression", "forSeconds", "severity", "summary"]))];
    case "networks":
      return [...listOf(NESTED), ...listOf(HANDLES)];
    case "receivers": {
      const receiverOptions: [string, (name: any, options: any) => AlertReceiver, string[]][] = [
        ["webhook", AlertReceiver.webhook, ["url", "sendResolved"]],
        ["email", AlertReceiver.email, ["to", "from", "smarthost", "authUsername", "authPassword", "requireTls", "sendResolved"]],
        ["slack", AlertReceiver.slack, ["apiUrl", "channel", "sendResolved"]],
        ["pagerDuty", AlertReceiver.pagerDuty, ["routingKey", "sendResolved"]],
        ["msTeams", AlertReceiver.msTeams, ["webhookUrl", "sendResolved"]],
        ["opsgenie", AlertReceiver.opsgenie, ["apiKey", "apiUrl", "sendResolved"]],
      ];
      // Fewer values per option: six kinds of options (each case is a synth).
      const few = (keys: string[]) =>
        keys.flatMap((k) => FEW.map((h): Hostile => ({ label: `{ ${k}: ${h.label} }`, make: (s) => ({ [k]: h.make(s) }) })));
      return [
        ...listOf(NESTED),
        ...FEW.map(
          (h): Hostile => ({
            label: `[AlertReceiver.webhook(${h.label}, ...)]`,
            make: (s) => [AlertReceiver.webhook(h.make(s) as any, { url: "http://a:1/" })],
          }),
        ),
        ...receiverOptions.flatMap(([kind, factory, keys]) =>
          [...FEW, ...few(keys)].map(
            (h): Hostile => ({ label: `[AlertReceiver.${kind}("x", ${h.label})]`, make: (s) => [factory("x", h.make(s))] }),
          ),
        ),
      ];
    }
    case "route": {
      const routeKeys = ["receiver", "groupBy", "groupWaitSeconds", "groupIntervalSeconds", "repeatIntervalSeconds", "routes"];
      const few = (keys: string[]) =>
        keys.flatMap((k) => FEW.map((h): Hostile => ({ label: `{ ${k}: ${h.label} }`, make: (s) => ({ [k]: h.make(s) }) })));
      return [
        ...few(routeKeys),
        ...listOf([...FEW, ...few([...routeKeys, "matchers", "continue"])]).map(
          (h): Hostile => ({ label: `{ routes: ${h.label} }`, make: (s) => ({ routes: h.make(s) }) }),
        ),
      ];
    }
    case "inhibitRules":
      return listOf([
        ...FEW,
        ...["sourceMatchers", "targetMatchers", "equal"].flatMap((k) =>
          FEW.map((h): Hostile => ({ label: `{ ${k}: ${h.label} }`, make: (s) => ({ [k]: h.make(s) }) })),
        ),
      ]);
    case "command":
    case "dnsNames":
    case "ipAddresses":
    case "addCapabilities":
      return listOf(NESTED);
    case "swarm":
      return [
        ...objectWith(["brokerNodes", "registry", "registryProtocol", "endpointMode"]),
        ...objectWith(["label", "values"]).map(
          (h): Hostile => ({ label: `{ brokerNodes: ${h.label} }`, make: (s) => ({ brokerNodes: h.make(s) }) }),
        ),
      ];
    case "image":
    case "jobImage":
      return [
        ...NESTED.map(
          (h): Hostile => ({ label: `fromRegistry(${h.label})`, make: (s) => ContainerImage.fromRegistry(h.make(s) as string) }),
        ),
        ...NESTED.map((h): Hostile => ({ label: `fromLocal(${h.label})`, make: (s) => ContainerImage.fromLocal(h.make(s) as string) })),
        ...NESTED.map((h): Hostile => ({ label: `fromBuild(${h.label})`, make: (s) => ContainerImage.fromBuild(h.make(s) as string) })),
        ...NESTED.map(
          (h): Hostile => ({ label: `fromRegistry("x:1", ${h.label})`, make: (s) => ContainerImage.fromRegistry("x:1", h.make(s) as any) }),
        ),
        ...NESTED.map(
          (h): Hostile => ({ label: `fromBuild(dir, ${h.label})`, make: (s) => ContainerImage.fromBuild(BUILD_DIR, h.make(s) as any) }),
        ),
        ...objectWith(["name", "tag", "dockerfile", "buildArgs", "keepLocally"]).map(
          (h): Hostile => ({ label: `fromBuild(dir, ${h.label})`, make: (s) => ContainerImage.fromBuild(BUILD_DIR, h.make(s) as any) }),
        ),
        ...NESTED.map(
          (h): Hostile => ({ label: `ShippedApps.kafkaProducer(${h.label})`, make: (s) => ShippedApps.kafkaProducer(h.make(s) as any) }),
        ),
        ...NESTED.map((h): Hostile => ({ label: `ShippedApps.image(${h.label})`, make: (s) => ShippedApps.image(h.make(s) as any) })),
      ];
    case "healthCheck":
      return [
        ...HOSTILE.map((h): Hostile => ({ label: `HealthCheck.exec(${h.label})`, make: (s) => HealthCheck.exec(h.make(s) as any) })),
        ...HOSTILE.map((h): Hostile => ({ label: `HealthCheck.shell(${h.label})`, make: (s) => HealthCheck.shell(h.make(s) as any) })),
        ...HOSTILE.map(
          (h): Hostile => ({ label: `HealthCheck.exec(["true"], ${h.label})`, make: (s) => HealthCheck.exec(["true"], h.make(s) as any) }),
        ),
        ...objectWith(["intervalSeconds", "timeoutSeconds", "retries", "startPeriodSeconds"]).map(
          (h): Hostile => ({ label: `HealthCheck.exec(["true"], ${h.label})`, make: (s) => HealthCheck.exec(["true"], h.make(s) as any) }),
        ),
      ];
    default:
      return [];
  }
}

/**
 * A call to fuzz: `setup` builds valid arguments (the receiver first, for a
 * method), `call` makes the call; `positions` are the arguments replaced by
 * hostile values, `fields` the props fields replaced one at a time.
 */
interface Site {
  readonly name: string;
  readonly setup: (s: TerraformStack) => unknown[];
  readonly call: (args: any[]) => unknown;
  readonly positions: number[];
  readonly fields?: { readonly position: number; readonly keys: readonly string[] };
}

const BROKER_KEYS = [
  "network",
  "name",
  "image",
  "memoryMb",
  "dataRemovalPolicy",
  "startTimeoutSeconds",
  "stopGracePeriodSeconds",
  "labels",
  "nodes",
  "credentialsKey",
  "tls",
  "hardening",
  "metrics",
];
const rabbitOf = (s: TerraformStack) => new RabbitMqBroker(s, "rabbit", { network: new Network(s, "net") });
const kafkaOf = (s: TerraformStack) => new KafkaBroker(s, "kafka", { network: new Network(s, "net") });
const appOf = (s: TerraformStack, id = "app") => new AppContainer(s, id, { image: image() });

const SITES: Site[] = [
  {
    name: "new DockerHost",
    // In a stack of its own: a second DockerHost in the test's stack is a (reported) mistake of its own.
    setup: (s) => [
      otherStack(s),
      "docker2",
      { host: "unix:///var/run/docker.sock", swarm: { brokerNodes: { label: "slot", values: ["1"] } } },
    ],
    call: (a) => new DockerHost(a[0], a[1], a[2]),
    positions: [0, 1, 2],
    fields: { position: 2, keys: ["host", "swarm"] },
  },
  {
    name: "new Network",
    setup: (s) => [s, "net", { name: "net" }],
    call: (a) => new Network(a[0], a[1], a[2]),
    positions: [0, 1, 2],
    fields: { position: 2, keys: ["name", "internal", "labels"] },
  },
  {
    name: "new DataVolume",
    setup: (s) => [s, "vol", { name: "vol" }],
    call: (a) => new DataVolume(a[0], a[1], a[2]),
    positions: [0, 1, 2],
    fields: { position: 2, keys: ["name", "removalPolicy", "labels"] },
  },
  {
    name: "new RabbitMqBroker",
    setup: (s) => [s, "rabbit", { network: new Network(s, "net") }],
    call: (a) => new RabbitMqBroker(a[0], a[1], a[2]),
    positions: [0, 1, 2],
    fields: { position: 2, keys: [...BROKER_KEYS, "adminUser", "adminPassword", "vhost", "amqpHostPort", "managementHostPort"] },
  },
  {
    name: "new KafkaBroker",
    setup: (s) => [s, "kafka", { network: new Network(s, "net") }],
    call: (a) => new KafkaBroker(a[0], a[1], a[2]),
    positions: [0, 1, 2],
    fields: {
      position: 2,
      keys: [...BROKER_KEYS, "hostPort", "defaultPartitions", "autoCreateTopics", "clusterId", "serverProperties", "adminPassword"],
    },
  },
  {
    name: "new AppContainer",
    setup: (s) => [s, "app", { image: image() }],
    call: (a) => new AppContainer(a[0], a[1], a[2]),
    positions: [0, 1, 2],
    fields: {
      position: 2,
      keys: [
        "image",
        "name",
        "replicas",
        "environment",
        "command",
        "restartPolicy",
        "memoryMb",
        "labels",
        "healthCheck",
        "startTimeoutSeconds",
        "stopGracePeriodSeconds",
        "networks",
        "ports",
        "hardening",
        "metrics",
      ],
    },
  },
  {
    name: "new Prometheus",
    setup: (s) => [s, "prometheus", {}],
    call: (a) => new Prometheus(a[0], a[1], a[2]),
    positions: [0, 1, 2],
    fields: {
      position: 2,
      keys: [
        "name",
        "image",
        "scrapeIntervalSeconds",
        "retentionDays",
        "retentionSizeMb",
        "memoryMb",
        "uiHostPort",
        "networks",
        "defaultAlertRules",
        "alertRules",
        "dataRemovalPolicy",
        "startTimeoutSeconds",
        "labels",
        "hardening",
      ],
    },
  },
  {
    name: "new Alertmanager",
    setup: (s) => [
      s,
      "alertmanager",
      { receivers: [AlertReceiver.webhook("on-call", { url: "http://receiver:8080/alerts" })], networks: [new Network(s, "net")] },
    ],
    call: (a) => new Alertmanager(a[0], a[1], a[2]),
    positions: [0, 1, 2],
    fields: {
      position: 2,
      keys: [
        "name",
        "image",
        "receivers",
        "route",
        "defaultInhibitRules",
        "inhibitRules",
        "uiHostPort",
        "networks",
        "memoryMb",
        "dataRemovalPolicy",
        "startTimeoutSeconds",
        "labels",
        "hardening",
        "placementConstraints",
      ],
    },
  },
  {
    name: "new TlsCertificates",
    setup: (s) => [s, "tls", { keyOwnerUid: 999, keyOwnerGid: 999, dnsNames: ["rabbit"] }],
    call: (a) => new TlsCertificates(a[0], a[1], a[2]),
    positions: [0, 1, 2],
    fields: {
      position: 2,
      keys: [
        "name",
        "keyOwnerUid",
        "keyOwnerGid",
        "removalPolicy",
        "jobImage",
        "dnsNames",
        "ipAddresses",
        "validityDays",
        "caValidityDays",
      ],
    },
  },
  {
    name: "TlsCertificates.fromFiles",
    setup: (s) => [s, "tls", { keyOwnerUid: 999, keyOwnerGid: 999, caFile: "/ca.pem", certFile: "/cert.pem", keyFile: "/key.pem" }],
    call: (a) => TlsCertificates.fromFiles(a[0], a[1], a[2]),
    positions: [0, 1, 2],
    fields: { position: 2, keys: ["name", "keyOwnerUid", "keyOwnerGid", "removalPolicy", "jobImage", "caFile", "certFile", "keyFile"] },
  },
  {
    name: "rabbit.addQueue",
    setup: (s) => [rabbitOf(s), "orders", {}],
    call: (a) => a[0].addQueue(a[1], a[2]),
    positions: [1, 2],
    fields: {
      position: 2,
      keys: [
        "type",
        "durable",
        "deadLetterQueue",
        "deadLetterExchange",
        "deadLetterRoutingKey",
        "messageTtlMs",
        "maxLength",
        "deliveryLimit",
        "arguments",
      ],
    },
  },
  {
    name: "rabbit.addExchange",
    setup: (s) => [rabbitOf(s), "events", {}],
    call: (a) => a[0].addExchange(a[1], a[2]),
    positions: [1, 2],
    fields: { position: 2, keys: ["type", "durable", "autoDelete", "internal"] },
  },
  {
    name: "rabbit.predefinedExchange",
    setup: (s) => [rabbitOf(s), "amq.topic"],
    call: (a) => a[0].predefinedExchange(a[1]),
    positions: [1],
  },
  {
    name: "rabbit.addPolicy",
    setup: (s) => [rabbitOf(s), "cap", { pattern: "^orders", definition: { "max-length": 10 } }],
    call: (a) => a[0].addPolicy(a[1], a[2]),
    positions: [1, 2],
    fields: { position: 2, keys: ["pattern", "definition", "applyTo", "priority"] },
  },
  {
    name: "rabbit.bindQueue",
    setup: (s) => {
      const r = rabbitOf(s);
      return [r, r.addQueue("q"), r.addExchange("e"), { routingKey: "k" }];
    },
    call: (a) => a[0].bindQueue(a[1], a[2], a[3]),
    positions: [1, 2, 3],
    fields: { position: 3, keys: ["routingKey"] },
  },
  {
    name: "rabbit.wireConsumer",
    setup: (s) => {
      const r = rabbitOf(s);
      r.addQueue("q");
      return [r, appOf(s), "q"];
    },
    call: (a) => a[0].wireConsumer(a[1], a[2]),
    positions: [1, 2],
  },
  {
    name: "rabbit.wirePublisher",
    setup: (s) => {
      const r = rabbitOf(s);
      r.addExchange("e");
      return [r, appOf(s), "e", "k", { routingKey: "k" }];
    },
    call: (a) => a[0].wirePublisher(a[1], a[2], a[3], a[4]),
    positions: [1, 2, 3, 4],
  },
  {
    name: "queue.grantConsume",
    setup: (s) => [rabbitOf(s).addQueue("q"), appOf(s)],
    call: (a) => a[0].grantConsume(a[1]),
    positions: [1],
  },
  {
    name: "queue.grantPublish",
    setup: (s) => [rabbitOf(s).addQueue("q"), appOf(s)],
    call: (a) => a[0].grantPublish(a[1]),
    positions: [1],
  },
  {
    name: "queue.bindTo",
    setup: (s) => {
      const r = rabbitOf(s);
      return [r.addQueue("q"), r.addExchange("e", { type: "topic" }), { routingKey: "k.*" }];
    },
    call: (a) => a[0].bindTo(a[1], a[2]),
    positions: [1, 2],
    fields: { position: 2, keys: ["routingKey"] },
  },
  {
    name: "exchange.grantPublish",
    setup: (s) => [rabbitOf(s).addExchange("e"), appOf(s), { routingKey: "k" }],
    call: (a) => a[0].grantPublish(a[1], a[2]),
    positions: [1, 2],
    fields: { position: 2, keys: ["routingKey"] },
  },
  {
    name: "kafka.addTopic",
    setup: (s) => [kafkaOf(s), "events", {}],
    call: (a) => a[0].addTopic(a[1], a[2]),
    positions: [1, 2],
    fields: { position: 2, keys: ["partitions", "replicationFactor", "configs"] },
  },
  {
    name: "kafka.wireProducer",
    setup: (s) => {
      const k = kafkaOf(s);
      k.addTopic("t");
      return [k, appOf(s), "t"];
    },
    call: (a) => a[0].wireProducer(a[1], a[2]),
    positions: [1, 2],
  },
  {
    name: "kafka.wireConsumer",
    setup: (s) => {
      const k = kafkaOf(s);
      k.addTopic("t");
      return [k, appOf(s), "t", { groupId: "g" }];
    },
    call: (a) => a[0].wireConsumer(a[1], a[2], a[3]),
    positions: [1, 2, 3],
    fields: { position: 3, keys: ["groupId"] },
  },
  {
    name: "topic.grantProduce",
    setup: (s) => [kafkaOf(s).addTopic("t"), appOf(s)],
    call: (a) => a[0].grantProduce(a[1]),
    positions: [1],
  },
  {
    name: "topic.grantConsume",
    setup: (s) => [kafkaOf(s).addTopic("t"), appOf(s), { groupId: "g" }],
    call: (a) => a[0].grantConsume(a[1], a[2]),
    positions: [1, 2],
    fields: { position: 2, keys: ["groupId"] },
  },
  {
    name: "app.settingValue",
    setup: (s) => [appOf(s), "RABBITMQ_URL"],
    call: (a) => a[0].settingValue(a[1]),
    positions: [1],
  },
  {
    name: "addMessagingAspects",
    setup: (s) => [s, { labels: { team: "shop" } }],
    call: (a) => addMessagingAspects(a[0], a[1]),
    positions: [0, 1],
    fields: { position: 1, keys: ["labels"] },
  },
];

interface Case {
  readonly label: string;
  readonly replace: (s: TerraformStack, args: unknown[]) => void;
}

function casesOf(site: Site): Case[] {
  const cases: Case[] = [];
  for (const position of site.positions) {
    for (const h of HOSTILE) {
      cases.push({ label: `argument ${position} = ${h.label}`, replace: (s, args) => void (args[position] = h.make(s)) });
    }
  }
  if (site.fields) {
    const { position, keys } = site.fields;
    for (const key of keys) {
      for (const h of [...FIELD_HOSTILE, ...nestedOf(key)]) {
        cases.push({
          label: `{ ${key}: ${h.label} }`,
          replace: (s, args) => void (args[position] = { ...(args[position] as object), [key]: h.make(s) }),
        });
      }
    }
  }
  return cases;
}

/** Why an error is not an acceptable outcome, or undefined when it is one of ours naming a path in the stack. */
function crashOf(error: unknown): string | undefined {
  if (MessagingValidationError.isMessagingValidationError(error)) {
    // Without a scope there is no path yet: the error is named after the new construct or the function.
    const noScope = error.problem.startsWith("the scope of ");
    return noScope || error.constructPath.startsWith(STACK) || error.constructPath.startsWith("other")
      ? undefined
      : `MessagingValidationError without the construct path: ${error.message}`;
  }
  if (error instanceof Error && error.name === "MessagingProblems") {
    const problems = (error as any).problems as MessagingValidationError[];
    return problems.every((p) => p.constructPath.startsWith(STACK)) ? undefined : `MessagingProblems without paths: ${error.message}`;
  }
  if (error instanceof Error) {
    const frame = (error.stack ?? "").split("\n").find((l) => l.includes("/constructs/")) ?? "";
    return `${error.name}: ${error.message.split("\n")[0]} ${frame.trim()}`;
  }
  return `a thrown ${typeof error}`;
}

/** Builds and synthesizes one case through `runSynth`; returns what went wrong, if anything. */
function runCase(site: Site, c: Case): string | undefined {
  const app = Testing.app();
  const stack = new TerraformStack(app, STACK);
  new DockerHost(stack, "docker", { host: "unix:///var/run/docker.sock" });
  let thrown: unknown;
  let printed = "";
  const savedExitCode = process.exitCode;
  try {
    const ok = runSynth(
      () => {
        try {
          const args = site.setup(stack);
          c.replace(stack, args);
          site.call(args);
          synthStack(stack);
        } catch (error) {
          thrown = error;
          throw error;
        }
      },
      (t) => void (printed += t),
    );
    if (ok) return undefined;
    if (process.exitCode !== 1) return "runSynth did not set the exit code";
  } catch (error) {
    return `runSynth threw ${crashOf(error) ?? String(error)}`;
  } finally {
    process.exitCode = savedExitCode;
  }
  if (!printed.includes("Synth failed:")) return `runSynth printed no report: ${printed}`;
  return crashOf(thrown);
}

/**
 * The test of one half of the sites, alternating (neighbours are often the
 * same construct, so each half gets a share of each): every hostile argument
 * ends in success or a reported problem.
 */
export function describeNoCrash(half: 0 | 1): void {
  describe(`no input crashes synth (sites, half ${half + 1} of 2)`, () => {
    for (const site of SITES.filter((_, index) => index % 2 === half)) {
      test(`${site.name}: every hostile argument ends in success or a reported problem`, () => {
        const crashes: string[] = [];
        for (const c of casesOf(site)) {
          const crash = runCase(site, c);
          if (crash !== undefined) crashes.push(`${site.name} ${c.label} -> ${crash}`);
        }
        expect(crashes).toEqual([]);
      });
    }
  });
}
