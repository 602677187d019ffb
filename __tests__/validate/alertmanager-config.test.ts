/**
 * The alertmanager.yml each example stack renders, and one that uses every
 * receiver kind, route and inhibition option, checked by Alertmanager's own
 * `amtool check-config` in the image the stacks run
 * (DefaultImages.alertmanager, built by toolchain/images.sh), with the
 * secret files in place as the start command writes them; and the
 * prometheus.yml of a Prometheus that sends to an Alertmanager, checked by
 * `promtool`. The unit tests check what the files say; this checks that
 * Alertmanager and Prometheus agree.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App, TerraformStack, TerraformVariable, Testing } from "cdktf";
import { Alertmanager, AlertReceiver, DefaultImages, DockerHost, KafkaBroker, Network, Prometheus, RabbitMqBroker } from "../../constructs";
import { run } from "../support/commands";
import { exampleStacks } from "../support/example-stacks";

jest.setTimeout(120_000);

/** Where the Alertmanager construct's start command writes the files, and Prometheus's (see alertmanager.ts, prometheus.ts). */
const ALERTMANAGER_DIR = "/tmp/alertmanager";
const PROMETHEUS_DIR = "/tmp/prometheus";

/** `tool args...` in `image`, with `dir` mounted read-only at `at` and no network: the tools read the mounted files only. */
function inImage(image: string, tool: string, dir: string, at: string, args: string[]) {
  return run("docker", ["run", "--rm", "--network", "none", "-v", `${dir}:${at}:ro`, "--entrypoint", tool, image, ...args], {
    okCodes: [0, 1],
  });
}
const amtool = (dir: string, args: string[]) => inImage(DefaultImages.alertmanager, "/bin/amtool", dir, ALERTMANAGER_DIR, args);
const promtool = (dir: string, args: string[]) => inImage(DefaultImages.prometheus, "/bin/promtool", dir, PROMETHEUS_DIR, args);

const envOf = (c: any): Record<string, string> =>
  Object.fromEntries((c.env as string[]).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));

/** The stack's Alertmanager and Prometheus files, as their start commands write them. */
function renderedFiles(stack: TerraformStack) {
  const json = JSON.parse(Testing.synth(stack));
  const containers = Object.values<any>(json.resource?.docker_container ?? {});
  const alertmanager = containers.find((c) => envOf(c).ALERTMANAGER_CONFIG !== undefined);
  const prometheus = containers.find((c) => envOf(c).PROMETHEUS_CONFIG !== undefined);
  return {
    alertmanagerName: alertmanager?.name as string | undefined,
    alertmanager: alertmanager ? envOf(alertmanager).ALERTMANAGER_CONFIG : undefined,
    prometheus: prometheus ? { config: envOf(prometheus).PROMETHEUS_CONFIG, rules: envOf(prometheus).PROMETHEUS_RULES } : undefined,
  };
}

/**
 * A folder holding alertmanager.yml and, under secrets/, a file for every
 * `*_file` it names (a dummy value: amtool checks the configuration, it
 * sends nothing), readable by the image's user (nobody).
 */
function alertmanagerDir(config: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "amtool-"));
  fs.writeFileSync(path.join(dir, "alertmanager.yml"), config);
  fs.mkdirSync(path.join(dir, "secrets"));
  const files = [...config.matchAll(/"[a-z_]+_file":"([^"]+)"/g)].map((m) => m[1]);
  for (const file of files) {
    expect(file.startsWith(`${ALERTMANAGER_DIR}/secrets/`)).toBe(true);
    fs.writeFileSync(
      path.join(dir, file.slice(ALERTMANAGER_DIR.length)),
      file.includes("url") ? "https://hooks.example.com/T0/B0/x" : "dummy-secret",
    );
  }
  for (const p of [dir, path.join(dir, "secrets")]) fs.chmodSync(p, 0o755);
  return dir;
}

/** Every receiver kind, child routes with each operator, group-by-all, and inhibition rules of the user's. */
function buildRichAlertingStack(app: App): TerraformStack {
  const stack = new TerraformStack(app, "alerting");
  new DockerHost(stack, "docker");
  const network = new Network(stack, "net", { name: "alerting" });
  new RabbitMqBroker(stack, "rabbitmq", { network, name: "alerting-rabbitmq" });
  new KafkaBroker(stack, "kafka", { network, name: "alerting-kafka" });
  new Prometheus(stack, "prometheus", { name: "alerting-prometheus" });
  const secret = (id: string) => new TerraformVariable(stack, id, { type: "string", sensitive: true });
  new Alertmanager(stack, "alertmanager", {
    name: "alerting-alertmanager",
    receivers: [
      AlertReceiver.webhook("team", { url: secret("team_url") }),
      AlertReceiver.webhook("audit-log", { url: "http://audit:8080/alerts", sendResolved: false }),
      AlertReceiver.email("mail", {
        to: "ops@example.com, dev@example.com",
        from: "alertmanager@example.com",
        smarthost: "smtp.example.com:587",
        authUsername: "alertmanager",
        authPassword: secret("smtp_password"),
      }),
      AlertReceiver.slack("chat", { apiUrl: secret("slack_url"), channel: "#messaging" }),
      AlertReceiver.pagerDuty("pager", { routingKey: secret("pagerduty_key") }),
      AlertReceiver.msTeams("teams", { webhookUrl: secret("teams_url") }),
      AlertReceiver.opsgenie("genie", { apiKey: secret("opsgenie_key"), apiUrl: "https://api.eu.opsgenie.com/" }),
    ],
    route: {
      receiver: "team",
      groupBy: ["alertname", "broker"],
      groupWaitSeconds: 10,
      groupIntervalSeconds: 60,
      repeatIntervalSeconds: 3600,
      routes: [
        { matchers: ['severity="critical"'], receiver: "pager", continue: true, repeatIntervalSeconds: 600 },
        { matchers: ["severity=critical"], receiver: "genie", continue: true },
        { matchers: ['alertname=~"Kafka.*"', 'broker!="audit"'], receiver: "chat", groupBy: ["..."] },
        {
          matchers: ['alertname!~"Messaging(App|Broker).*"'],
          receiver: "mail",
          routes: [{ matchers: ["component=app"], receiver: "teams" }],
        },
        { matchers: ['alertname="MessagingMessagesDeadLettered"'], receiver: "audit-log" },
      ],
    },
    inhibitRules: [
      {
        sourceMatchers: ['alertname="KafkaOfflinePartitions"'],
        targetMatchers: ['alertname="KafkaUnderReplicatedPartitions"'],
        equal: ["broker"],
      },
    ],
    networks: [network],
  });
  return stack;
}

const withAlertmanager = exampleStacks
  .map(({ name, build }) => ({ name, files: renderedFiles(build(Testing.app() as App)) }))
  .filter((x) => x.files.alertmanager !== undefined);

test("the example with an Alertmanager is the cluster example", () => {
  expect(withAlertmanager.map((x) => x.name)).toEqual(["cluster"]);
});

const cases = [
  ...withAlertmanager.map(({ name, files }) => ({ name: `example stack ${name}`, files })),
  {
    name: "a stack with every receiver kind, routes and inhibition rules",
    files: renderedFiles(buildRichAlertingStack(Testing.app() as App)),
  },
];

describe.each(cases)("the Alertmanager of $name", ({ files }) => {
  const config = files.alertmanager!;
  const dir = alertmanagerDir(config);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("has a configuration amtool check-config accepts, secrets as files only", () => {
    // Terraform unescapes $${ and %%{ in env values; the file contains neither, so what synth wrote is what the container gets.
    expect(config).not.toMatch(/\$\$\{|%%\{|\$\{/);
    const result = amtool(dir, ["check-config", `${ALERTMANAGER_DIR}/alertmanager.yml`]);
    expect({ code: result.code, output: result.stdout + result.stderr }).toEqual({ code: 0, output: expect.stringMatching(/SUCCESS/) });
  });

  test("routes a broker node that is down to the receivers its routes name (amtool config routes test)", () => {
    const labels = ["alertname=MessagingBrokerNodeDown", "severity=critical", "broker=x", "component=broker"];
    const result = amtool(dir, ["config", "routes", "test", `--config.file=${ALERTMANAGER_DIR}/alertmanager.yml`, ...labels]);
    const route = JSON.parse(config).route;
    const expected = route.routes === undefined ? route.receiver : "pager,genie";
    expect({ code: result.code, receivers: result.stdout.trim() }).toEqual({ code: 0, receivers: expected });
  });

  test("its Prometheus sends to it, in a configuration promtool accepts", () => {
    const prometheus = files.prometheus!;
    expect(JSON.parse(prometheus.config).alerting.alertmanagers[0].static_configs[0].targets).toEqual([`${files.alertmanagerName}:9093`]);
    const promDir = fs.mkdtempSync(path.join(os.tmpdir(), "promtool-"));
    try {
      fs.writeFileSync(path.join(promDir, "prometheus.yml"), prometheus.config);
      fs.writeFileSync(path.join(promDir, "rules.yml"), prometheus.rules);
      fs.chmodSync(promDir, 0o755);
      const result = promtool(promDir, ["check", "config", `${PROMETHEUS_DIR}/prometheus.yml`]);
      expect({ code: result.code, output: result.stdout + result.stderr }).toEqual({ code: 0, output: expect.stringMatching(/SUCCESS/) });
    } finally {
      fs.rmSync(promDir, { recursive: true, force: true });
    }
  });
});

test("amtool refuses a route to a receiver that is not declared (the check is live)", () => {
  const dir = alertmanagerDir(
    JSON.stringify({ route: { receiver: "nobody" }, receivers: [{ name: "team", webhook_configs: [{ url: "http://a:1/" }] }] }),
  );
  try {
    const result = amtool(dir, ["check-config", `${ALERTMANAGER_DIR}/alertmanager.yml`]);
    expect({ code: result.code, output: result.stdout + result.stderr }).toEqual({
      code: 1,
      output: expect.stringMatching(/undefined receiver "nobody"/),
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
