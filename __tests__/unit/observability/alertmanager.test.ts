import { App, Fn, TerraformStack, TerraformVariable, Testing } from "cdktf";
import {
  Alertmanager,
  type AlertmanagerProps,
  AlertReceiver,
  ContainerImage,
  DockerHost,
  KafkaBroker,
  MessagingProblems,
  Network,
  Prometheus,
  RabbitMqBroker,
  type SwarmOptions,
} from "../../../constructs";
import { synthStack } from "../../../constructs/testing";
import { buildDefaultStack } from "../../../main";
import { buildClusterStack } from "../../../examples/cluster/main";
import { container, envOf, labelsOf, net, newStack, problemsOf, resources, synth } from "../helpers";

const messages = (build: (s: TerraformStack) => void) => problemsOf(build).map((p) => p.message);
const secret = (s: TerraformStack, id = "hook") => new TerraformVariable(s, id, { type: "string", sensitive: true });

/** alertmanager.yml as the container gets it, parsed (JSON, which YAML readers take as is). */
function alertmanagerConfig(json: any, name = "alertmanager"): any {
  return JSON.parse(envOf(container(json, name)).ALERTMANAGER_CONFIG);
}
function prometheusConfig(json: any, name = "prometheus"): any {
  return JSON.parse(envOf(container(json, name)).PROMETHEUS_CONFIG);
}

/** A stack with a RabbitMQ, a Prometheus and an Alertmanager built by `props`. */
function stackWith(props: (s: TerraformStack) => AlertmanagerProps) {
  const stack = newStack();
  new RabbitMqBroker(stack, "rabbitmq", { network: net(stack) });
  new Prometheus(stack, "prometheus");
  const alertmanager = new Alertmanager(stack, "alertmanager", props(stack));
  return { stack, alertmanager, json: synth(stack).json };
}

describe("an Alertmanager beside a Prometheus, with a webhook whose URL is a sensitive variable", () => {
  const { json, alertmanager } = stackWith((s) => ({
    receivers: [AlertReceiver.webhook("on-call", { url: secret(s) })],
    uiHostPort: 9093,
  }));
  const am = container(json, "alertmanager");

  test("renders alertmanager.yml: every alert to the receiver, grouped by alert name and broker, and the default inhibition", () => {
    expect(alertmanagerConfig(json)).toEqual({
      route: {
        receiver: "on-call",
        group_by: ["alertname", "broker"],
        group_wait: "30s",
        group_interval: "300s",
        repeat_interval: "14400s",
      },
      receivers: [{ name: "on-call", webhook_configs: [{ send_resolved: true, url_file: "/tmp/alertmanager/secrets/receiver-1-url" }] }],
      // A broker node that is down mutes the warnings of the same broker (the kinds' rules and series carry `broker`).
      inhibit_rules: [
        { source_matchers: ['alertname="MessagingBrokerNodeDown"'], target_matchers: ['severity="warning"'], equal: ["broker"] },
      ],
    });
    expect(alertmanager.renderConfig()).toBe(envOf(am).ALERTMANAGER_CONFIG);
  });

  test("the secret is in the environment as the variable, written to a file at start, and never in alertmanager.yml", () => {
    const env = envOf(am);
    expect(env.ALERTMANAGER_RECEIVER_1_URL).toBe("${var.hook}");
    expect(env.ALERTMANAGER_CONFIG).not.toMatch(/\$\{|var\.hook|TfToken/);
    const script = am.entrypoint[2];
    expect(am.entrypoint.slice(0, 2)).toEqual(["/bin/sh", "-c"]);
    expect(script).toContain(
      `{ if [ -n "$ALERTMANAGER_RECEIVER_1_URL_FILE" ]; then cat "$ALERTMANAGER_RECEIVER_1_URL_FILE"; else printf '%s' "$ALERTMANAGER_RECEIVER_1_URL"; fi; } > /tmp/alertmanager/secrets/receiver-1-url`,
    );
    expect(script).toMatch(/^umask 077 && mkdir -p \/tmp\/alertmanager\/secrets && /);
    expect(script).toMatch(/ && unset ALERTMANAGER_CONFIG ALERTMANAGER_RECEIVER_1_URL && exec \/bin\/alertmanager "\$@"$/);
    // Terraform would interpolate ${...} in the command: the script has none.
    expect(script).not.toMatch(/\$\{|%\{/);
  });

  test("Prometheus sends it alerts, by name, and they share the network", () => {
    expect(prometheusConfig(json).alerting).toEqual({ alertmanagers: [{ static_configs: [{ targets: ["alertmanager:9093"] }] }] });
    expect(am.networks_advanced).toEqual(
      container(json, "prometheus").networks_advanced.map((n: any) => ({ ...n, aliases: ["alertmanager"] })),
    );
    expect(alertmanager.address).toBe("alertmanager:9093");
  });

  test("publishes its UI and API on 127.0.0.1 only, with links in notifications pointing there", () => {
    expect(am.ports).toEqual([{ internal: 9093, external: 9093, ip: "127.0.0.1", protocol: "tcp" }]);
    expect(json.output.alertmanager_url.value).toBe("http://127.0.0.1:9093");
    expect(am.command).toEqual([
      "--config.file=/tmp/alertmanager/alertmanager.yml",
      "--storage.path=/alertmanager",
      "--web.listen-address=:9093",
      "--web.external-url=http://127.0.0.1:9093/",
      "--cluster.listen-address=",
    ]);
  });

  test("runs hardened as an app, keeps its data on a volume, and is healthy once its API answers", () => {
    expect(am.read_only).toBe(true);
    expect(am.capabilities).toEqual({ drop: ["ALL"] });
    expect(am.security_opts).toEqual(["no-new-privileges:true"]);
    expect(am.tmpfs).toEqual({ "/tmp": "rw,noexec,nosuid,nodev,size=64m" });
    expect(am.volumes).toEqual([{ volume_name: "alertmanager-data", container_path: "/alertmanager" }]);
    expect(am.memory).toBe(128);
    expect(envOf(am).GOMEMLIMIT).toBe("102MiB");
    expect(am.healthcheck.test).toEqual(["CMD-SHELL", "/bin/amtool --alertmanager.url=http://localhost:9093 config show > /dev/null"]);
    expect(am).toMatchObject({ wait: true, wait_timeout: 60, restart: "unless-stopped", destroy_grace_seconds: 10 });
    expect(labelsOf(am)["cdktf-docker-messaging.component"]).toBe("alertmanager");
  });
});

describe("Prometheus without an Alertmanager", () => {
  test("has no alerting section (the default stack's prometheus.yml is unchanged)", () => {
    const { json } = synth(buildDefaultStack(Testing.app() as App));
    expect(Object.keys(prometheusConfig(json))).toEqual(["global", "rule_files", "scrape_configs"]);
  });
});

describe("the cluster example's Alertmanager", () => {
  const { json } = synth(buildClusterStack(Testing.app() as App));

  test("notifies a webhook whose URL is the sensitive variable cluster_alert_webhook_url, quickly enough for the demo", () => {
    expect(json.variable.cluster_alert_webhook_url).toMatchObject({ type: "string", sensitive: true });
    const am = container(json, "cluster-alertmanager");
    expect(envOf(am).ALERTMANAGER_RECEIVER_1_URL).toBe("${var.cluster_alert_webhook_url}");
    const config = alertmanagerConfig(json, "cluster-alertmanager");
    expect(config.route).toMatchObject({ receiver: "on-call", group_wait: "5s", group_interval: "10s" });
    expect(config.inhibit_rules).toHaveLength(1);
    expect(prometheusConfig(json, "cluster-prometheus").alerting.alertmanagers[0].static_configs[0].targets).toEqual([
      "cluster-alertmanager:9093",
    ]);
    expect(am.ports).toEqual([{ internal: 9093, external: 39093, ip: "127.0.0.1", protocol: "tcp" }]);
  });
});

describe("networks", () => {
  test("given networks are joined by the Alertmanager and, to send it alerts, by the stack's Prometheus", () => {
    const stack = newStack();
    new RabbitMqBroker(stack, "rabbitmq", { network: net(stack) });
    const prometheus = new Prometheus(stack, "prometheus");
    const monitoring = new Network(stack, "monitoring");
    const alertmanager = new Alertmanager(stack, "alertmanager", {
      receivers: [AlertReceiver.webhook("hook", { url: "http://receiver:8080/alerts" })],
      networks: [monitoring],
    });
    const { json } = synth(stack);
    expect(alertmanager.networks()).toEqual([monitoring]);
    expect(prometheus.networks().map((n) => n.node.id)).toEqual(["net", "monitoring"]);
    expect(container(json, "prometheus").networks_advanced).toHaveLength(2);
    expect(container(json, "alertmanager").networks_advanced).toHaveLength(1);
  });

  test("a Prometheus declared after the Alertmanager is found too (call order does not matter)", () => {
    const stack = newStack();
    new Alertmanager(stack, "alertmanager", { receivers: [AlertReceiver.webhook("hook", { url: secret(stack) })] });
    new KafkaBroker(stack, "kafka", { network: net(stack) });
    new Prometheus(stack, "prometheus");
    const { json } = synth(stack);
    expect(prometheusConfig(json).alerting.alertmanagers[0].static_configs[0].targets).toEqual(["alertmanager:9093"]);
    expect(container(json, "alertmanager").networks_advanced).toHaveLength(1);
  });
});

describe("receivers", () => {
  test("each kind renders its Alertmanager section, with its secrets as files and its own send_resolved default", () => {
    const { json } = stackWith((s) => ({
      receivers: [
        AlertReceiver.email("mail", {
          to: "ops@example.com, dev@example.com",
          from: "alertmanager@example.com",
          smarthost: "smtp.example.com:587",
          authUsername: "alertmanager",
          authPassword: secret(s, "smtp_password").stringValue,
        }),
        AlertReceiver.slack("chat", { apiUrl: secret(s, "slack_url"), channel: "#messaging" }),
        AlertReceiver.pagerDuty("pager", { routingKey: secret(s, "pd_key") }),
        AlertReceiver.msTeams("teams", { webhookUrl: secret(s, "teams_url"), sendResolved: false }),
        AlertReceiver.opsgenie("genie", { apiKey: secret(s, "genie_key"), apiUrl: "https://api.eu.opsgenie.com/" }),
        AlertReceiver.webhook("plain", { url: "http://alert-receiver:8080/alerts", sendResolved: false }),
      ],
    }));
    const file = (i: number, field: string) => `/tmp/alertmanager/secrets/receiver-${i}-${field}`;
    expect(alertmanagerConfig(json).receivers).toEqual([
      {
        name: "mail",
        email_configs: [
          {
            send_resolved: false,
            to: "ops@example.com, dev@example.com",
            from: "alertmanager@example.com",
            smarthost: "smtp.example.com:587",
            auth_username: "alertmanager",
            auth_password_file: file(1, "auth-password"),
            require_tls: true,
          },
        ],
      },
      { name: "chat", slack_configs: [{ send_resolved: false, api_url_file: file(2, "api-url"), channel: "#messaging" }] },
      { name: "pager", pagerduty_configs: [{ send_resolved: true, routing_key_file: file(3, "routing-key") }] },
      { name: "teams", msteamsv2_configs: [{ send_resolved: false, webhook_url_file: file(4, "webhook-url") }] },
      {
        name: "genie",
        opsgenie_configs: [{ send_resolved: true, api_key_file: file(5, "api-key"), api_url: "https://api.eu.opsgenie.com/" }],
      },
      // A URL that carries no credential may be written as is.
      { name: "plain", webhook_configs: [{ send_resolved: false, url: "http://alert-receiver:8080/alerts" }] },
    ]);
    const env = envOf(container(json, "alertmanager"));
    expect(Object.keys(env).filter((k) => k.startsWith("ALERTMANAGER_RECEIVER_"))).toEqual([
      "ALERTMANAGER_RECEIVER_1_AUTH_PASSWORD",
      "ALERTMANAGER_RECEIVER_2_API_URL",
      "ALERTMANAGER_RECEIVER_3_ROUTING_KEY",
      "ALERTMANAGER_RECEIVER_4_WEBHOOK_URL",
      "ALERTMANAGER_RECEIVER_5_API_KEY",
    ]);
    expect(env.ALERTMANAGER_RECEIVER_3_ROUTING_KEY).toBe("${var.pd_key}");
    expect(env.ALERTMANAGER_CONFIG).not.toContain("var.");
  });

  test("accepts a secret that is an expression on a sensitive variable, or wrapped in Fn.sensitive", () => {
    expect(
      messages((s) => {
        const plain = new TerraformVariable(s, "token", { type: "string" });
        new Alertmanager(s, "alertmanager", {
          networks: [net(s)],
          receivers: [
            AlertReceiver.webhook("a", { url: `https://hooks.example.com/${secret(s).stringValue}` }),
            AlertReceiver.pagerDuty("b", { routingKey: Fn.sensitive(plain.stringValue) }),
          ],
        });
      }),
    ).toEqual([]);
  });
});

describe("routes and inhibition", () => {
  test("child routes: matchers written in one form, receivers, continue, timing inherited or their own; user inhibit rules after the default", () => {
    const { json } = stackWith((s) => ({
      receivers: [AlertReceiver.webhook("team", { url: secret(s) }), AlertReceiver.pagerDuty("pager", { routingKey: secret(s, "key") })],
      route: {
        receiver: "team",
        groupBy: ["alertname"],
        groupWaitSeconds: 10,
        routes: [
          { matchers: ["severity = critical", 'component="broker"'], receiver: "pager", continue: true, repeatIntervalSeconds: 3600 },
          { matchers: ['alertname=~"Kafka.*"'], groupBy: ["..."], routes: [{ matchers: ["broker!=audit"], receiver: "pager" }] },
        ],
      },
      inhibitRules: [
        {
          sourceMatchers: ['alertname="KafkaOfflinePartitions"'],
          targetMatchers: ['alertname="KafkaUnderReplicatedPartitions"'],
          equal: ["broker"],
        },
      ],
    }));
    const config = alertmanagerConfig(json);
    expect(config.route).toEqual({
      receiver: "team",
      group_by: ["alertname"],
      group_wait: "10s",
      group_interval: "300s",
      repeat_interval: "14400s",
      routes: [
        { receiver: "pager", matchers: ['severity="critical"', 'component="broker"'], repeat_interval: "3600s", continue: true },
        {
          matchers: ['alertname=~"Kafka.*"'],
          group_by: ["..."],
          routes: [{ receiver: "pager", matchers: ['broker!="audit"'] }],
        },
      ],
    });
    expect(config.inhibit_rules).toEqual([
      { source_matchers: ['alertname="MessagingBrokerNodeDown"'], target_matchers: ['severity="warning"'], equal: ["broker"] },
      {
        source_matchers: ['alertname="KafkaOfflinePartitions"'],
        target_matchers: ['alertname="KafkaUnderReplicatedPartitions"'],
        equal: ["broker"],
      },
    ]);
  });

  test("defaultInhibitRules: false leaves only the user's rules (none: no inhibit_rules)", () => {
    const { json } = stackWith((s) => ({ receivers: [AlertReceiver.webhook("team", { url: secret(s) })], defaultInhibitRules: false }));
    expect(alertmanagerConfig(json).inhibit_rules).toBeUndefined();
  });
});

describe("on a Swarm", () => {
  const SWARM: SwarmOptions = { brokerNodes: { label: "slot", values: ["a", "b", "c"] }, registry: "registry.internal:5000" };
  const swarmStack = () => {
    const stack = new TerraformStack(Testing.app(), "s");
    new DockerHost(stack, "docker", { host: "tcp://manager:2376", swarm: SWARM });
    return stack;
  };

  test("is a one-task service on a manager whose secrets are docker_secrets, read from <NAME>_FILE; Prometheus sends to its service name", () => {
    const stack = swarmStack();
    new RabbitMqBroker(stack, "rabbitmq", { network: new Network(stack, "net") });
    new Prometheus(stack, "prometheus");
    const alertmanager = new Alertmanager(stack, "alertmanager", { receivers: [AlertReceiver.webhook("on-call", { url: secret(stack) })] });
    expect(() => alertmanager.container).toThrow(/runs on a Swarm: it is a service \(alertmanager\.service\)/);
    const json = synthStack(stack) as any;
    const service = Object.values<any>(json.resource.docker_service).find((s) => s.name === "alertmanager");
    expect(service.mode).toEqual({ replicated: { replicas: 1 } });
    expect(service.task_spec.placement.constraints).toEqual(["node.role==manager"]);
    expect(service.endpoint_spec.ports).toBeUndefined();
    const env = service.task_spec.container_spec.env;
    expect(env.ALERTMANAGER_RECEIVER_1_URL).toBeUndefined();
    expect(env.ALERTMANAGER_RECEIVER_1_URL_FILE).toBe("/run/secrets/cdktf-env-ALERTMANAGER_RECEIVER_1_URL");
    expect(JSON.parse(env.ALERTMANAGER_CONFIG).receivers[0].webhook_configs[0].url_file).toBe("/tmp/alertmanager/secrets/receiver-1-url");
    expect(service.task_spec.container_spec.secrets).toEqual([
      expect.objectContaining({ file_name: "/run/secrets/cdktf-env-ALERTMANAGER_RECEIVER_1_URL" }),
    ]);
    expect(resources(json, "docker_secret").filter((r) => r.name.startsWith("alertmanager-"))).toEqual([
      expect.objectContaining({ data: '${base64encode("${var.hook}")}' }),
    ]);
    const prometheus = Object.values<any>(json.resource.docker_service).find((s) => s.name === "prometheus");
    expect(
      JSON.parse(prometheus.task_spec.container_spec.env.PROMETHEUS_CONFIG).alerting.alertmanagers[0].static_configs[0].targets,
    ).toEqual(["alertmanager:9093"]);
  });

  test("rejects a published UI (open on every address of a Swarm node)", () => {
    const stack = swarmStack();
    new Alertmanager(stack, "alertmanager", {
      receivers: [AlertReceiver.webhook("on-call", { url: secret(stack) })],
      networks: [new Network(stack, "net")],
      uiHostPort: 9093,
    });
    expect(() => synthStack(stack)).toThrow(/uiHostPort cannot be published on 127\.0\.0\.1 on a Swarm.*Fix: leave uiHostPort unset/);
  });
});

describe("Alertmanager: bad input, at synth", () => {
  const hook = (s: TerraformStack) => AlertReceiver.webhook("on-call", { url: secret(s) });
  const alertmanager = (props: (s: TerraformStack) => Partial<AlertmanagerProps>) => (s: TerraformStack) => {
    const given = props(s);
    new Alertmanager(s, "alertmanager", {
      networks: [net(s)],
      ...("receivers" in given ? {} : { receivers: [hook(s)] }),
      ...given,
    } as AlertmanagerProps);
  };

  test.each<[string, (s: TerraformStack) => Partial<AlertmanagerProps>, RegExp]>([
    [
      "no receivers",
      () => ({ receivers: [] }),
      /^test\/alertmanager: receivers must be a non-empty list of AlertReceivers.*got \[\]\. Fix: pass e\.g\./,
    ],
    [
      "a receiver that is a plain object",
      () => ({ receivers: [{ name: "x" } as never] }),
      /receivers\[0\] must be an AlertReceiver.*got \{"name":"x"\}/,
    ],
    [
      "two receivers of one name",
      (s) => ({ receivers: [hook(s), AlertReceiver.webhook("on-call", { url: "http://a:1/" })] }),
      /receivers\[1\]: two receivers are named "on-call"/,
    ],
    [
      "a receiver name with a space",
      (s) => ({ receivers: [AlertReceiver.webhook("on call", { url: secret(s) })] }),
      /receivers\[0\]: the receiver's name must be/,
    ],
    [
      "a route to an unknown receiver",
      () => ({ route: { receiver: "on-cal" } }),
      /route\.receiver names no receiver of this Alertmanager, got "on-cal"\. Fix: did you mean "on-call"\?/,
    ],
    [
      "a child route to an unknown receiver",
      () => ({ route: { routes: [{ matchers: ["severity=critical"], receiver: "pager" }] } }),
      /route\.routes\[0\]\.receiver names no receiver.*got "pager".*use one of: "on-call"/,
    ],
    [
      "a group wait above an hour",
      () => ({ route: { groupWaitSeconds: 7200 } }),
      /route\.groupWaitSeconds must be an integer between 0 and 3600, got 7200/,
    ],
    [
      "a group interval of 0",
      () => ({ route: { groupIntervalSeconds: 0 } }),
      /route\.groupIntervalSeconds must be an integer between 1 and 86400, got 0\. Fix: .*refuses 0/,
    ],
    [
      "a repeat interval beyond 5 days",
      () => ({ route: { repeatIntervalSeconds: 600000 } }),
      /route\.repeatIntervalSeconds .*got 600000\. Fix: .*5 days/,
    ],
    [
      "a repeat interval shorter than the group interval it inherits",
      () => ({ route: { groupIntervalSeconds: 600, routes: [{ matchers: ["a=b"], repeatIntervalSeconds: 60 }] } }),
      /route\.routes\[0\]: the repeat interval \(60 s\) is shorter than the group interval \(600 s\).*Fix: make repeatIntervalSeconds at least 600/,
    ],
    [
      "a malformed matcher",
      () => ({ route: { routes: [{ matchers: ["severity == critical"] }] } }),
      /route\.routes\[0\]\.matchers\[0\] is not a matcher, got "severity == critical"\. Fix: write label, operator/,
    ],
    [
      "an unquoted value with a dot",
      () => ({ route: { routes: [{ matchers: ["alertname=~Kafka.*"] }] } }),
      /matchers\[0\] is not a matcher.*quote a value/,
    ],
    [
      "a lookahead in a regex matcher",
      () => ({ route: { routes: [{ matchers: ['alertname=~"(?!Kafka).*"'] }] } }),
      /matchers\[0\] has a regular expression Alertmanager cannot use: lookaround/,
    ],
    [
      "a regex that does not compile",
      () => ({ route: { routes: [{ matchers: ['alertname=~"Kafka("'] }] } }),
      /matchers\[0\] has a regular expression Alertmanager cannot use/,
    ],
    [
      "a child route without matchers",
      () => ({ route: { routes: [{ receiver: "on-call" } as never] } }),
      /route\.routes\[0\]\.matchers must be a non-empty list of matchers, got undefined/,
    ],
    [
      "matchers on the root route",
      () => ({ route: { matchers: ["a=b"] } as never }),
      /route\.matchers: the root route takes every alert and has no matchers.*Fix: put the matchers on a child route/,
    ],
    ["a groupBy label name with a dash", () => ({ route: { groupBy: ["alert-name"] } }), /route\.groupBy\[0\] is not a label name/],
    [
      '"..." with other labels',
      () => ({ route: { groupBy: ["...", "broker"] } }),
      /route\.groupBy: "\.\.\." \(every label\) cannot be listed with other labels/,
    ],
    ["a misspelt route prop", () => ({ route: { groupWait: 5 } as never }), /route has no field "groupWait"/],
    ["a misspelt prop", () => ({ reciever: [] }) as never, /AlertmanagerProps has no field "reciever"/],
    [
      "an inhibit rule with a bad equal label",
      () => ({ inhibitRules: [{ sourceMatchers: ["a=b"], targetMatchers: ["c=d"], equal: ["broker name"] }] }),
      /inhibitRules\[0\]\.equal\[0\] is not a label name/,
    ],
    [
      "an inhibit rule without target",
      () => ({ inhibitRules: [{ sourceMatchers: ["a=b"] } as never] }),
      /inhibitRules\[0\]\.targetMatchers must be a non-empty list/,
    ],
    ["too little memory", () => ({ memoryMb: 16 }), /memoryMb must be an integer between 32 and .*got 16/],
    ["a UI port out of range", () => ({ uiHostPort: 70000 }), /uiHostPort is not a TCP port, got 70000/],
    [
      "placement constraints on one engine",
      () => ({ placementConstraints: ["node.role==manager"] }),
      /placementConstraints mean something only on a Swarm/,
    ],
    [
      "an email without a password for its user",
      () => ({ receivers: [AlertReceiver.email("mail", { to: "a@b.c", from: "d@e.f", smarthost: "smtp:587", authUsername: "u" })] }),
      /receivers\[0\]\.authPassword is required with authUsername/,
    ],
    [
      "an email smarthost without a port",
      () => ({ receivers: [AlertReceiver.email("mail", { to: "a@b.c", from: "d@e.f", smarthost: "smtp.example.com" })] }),
      /receivers\[0\]\.smarthost is not valid, got "smtp\.example\.com"\. Fix: use "host:port"/,
    ],
    [
      "an email option from a variable",
      (s) => ({
        receivers: [
          AlertReceiver.email("mail", {
            to: new TerraformVariable(s, "to", { type: "string" }).stringValue,
            from: "d@e.f",
            smarthost: "smtp:25",
          }),
        ],
      }),
      /receivers\[0\]\.to must be a literal: it is written into alertmanager\.yml at synth/,
    ],
    [
      "a misspelt receiver option",
      (s) => ({ receivers: [AlertReceiver.slack("chat", { apiUrl: secret(s), chanel: "#x" } as never)] }),
      /receivers\[0\] \("chat"\) has no field "chanel".*did you mean "channel"/,
    ],
    [
      "an Opsgenie API URL over http",
      (s) => ({ receivers: [AlertReceiver.opsgenie("genie", { apiKey: secret(s), apiUrl: "http://api.opsgenie.com/" })] }),
      /receivers\[0\]\.apiUrl is not an https URL/,
    ],
  ])("rejects %s", (_what, props, expected) => {
    const found = messages(alertmanager(props));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(expected);
  });

  test.each<[string, (s: TerraformStack) => AlertReceiver, RegExp]>([
    [
      "a webhook URL that carries a token in its query",
      () => AlertReceiver.webhook("w", { url: "https://hooks.example.com/x?token=s3cr3t-value" }),
      /receivers\[0\]\.url carries a credential \(a query string\)/,
    ],
    [
      "a webhook URL with user:password@",
      () => AlertReceiver.webhook("w", { url: "https://bot:s3cr3t-value@hooks.example.com/" }),
      /receivers\[0\]\.url carries a credential \(user:password@\)/,
    ],
    [
      "a webhook URL that is not a URL",
      () => AlertReceiver.webhook("w", { url: "s3cr3t-value" }),
      /receivers\[0\]\.url is not an http\(s\) URL/,
    ],
    [
      "a literal Slack URL",
      () => AlertReceiver.slack("w", { apiUrl: "https://hooks.slack.com/services/T0/B0/s3cr3t-value" }),
      /receivers\[0\]\.apiUrl is a literal string: a secret in the code would be committed.*Fix: declare a TerraformVariable with sensitive: true/,
    ],
    [
      "a literal SMTP password",
      () =>
        AlertReceiver.email("w", { to: "a@b.c", from: "d@e.f", smarthost: "smtp:587", authUsername: "u", authPassword: "s3cr3t-value" }),
      /receivers\[0\]\.authPassword is a literal string/,
    ],
    [
      "a literal PagerDuty key",
      () => AlertReceiver.pagerDuty("w", { routingKey: "s3cr3t-value" }),
      /receivers\[0\]\.routingKey is a literal string/,
    ],
    [
      "a literal Teams URL",
      () => AlertReceiver.msTeams("w", { webhookUrl: "https://x.example.com/s3cr3t-value" }),
      /receivers\[0\]\.webhookUrl is a literal string/,
    ],
    ["a literal Opsgenie key", () => AlertReceiver.opsgenie("w", { apiKey: "s3cr3t-value" }), /receivers\[0\]\.apiKey is a literal string/],
    [
      "a variable not declared sensitive",
      (s) => AlertReceiver.pagerDuty("w", { routingKey: new TerraformVariable(s, "key", { type: "string" }) }),
      /receivers\[0\]\.routingKey is a TerraformVariable declared without sensitive: true.*got "key"\. Fix: declare a TerraformVariable with sensitive: true/,
    ],
    [
      "a Token of a variable not declared sensitive (found at synth)",
      (s) => AlertReceiver.webhook("w", { url: new TerraformVariable(s, "hook_url", { type: "string" }).stringValue }),
      /receivers\[0\]\.url must come from a sensitive value, but the variable hook_url is not declared sensitive.*Fix: declare hook_url with sensitive: true/,
    ],
    [
      "a secret of the wrong type",
      () => AlertReceiver.pagerDuty("w", { routingKey: 42 as never }),
      /receivers\[0\]\.routingKey must be a sensitive value.*got 42/,
    ],
    ["a missing secret", () => AlertReceiver.msTeams("w", {} as never), /receivers\[0\]\.webhookUrl is required/],
  ])("rejects %s, without showing the secret", (_what, receiver, expected) => {
    const found = messages(alertmanager((s) => ({ receivers: [receiver(s)] })));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(expected);
    expect(found[0]).not.toContain("s3cr3t-value");
  });

  test("rejects a second Alertmanager in the stack (Prometheus would send to both, and both would notify)", () => {
    const found = messages((s) => {
      new Alertmanager(s, "one", { networks: [net(s)], receivers: [hook(s)] });
      new Alertmanager(s, "two", { networks: [net(s)], receivers: [AlertReceiver.webhook("x", { url: "http://a:1/" })] });
    });
    expect(found).toEqual([
      expect.stringMatching(
        /^test\/two: the stack has a second Alertmanager \(the first: test\/one\).*Fix: keep one Alertmanager and route alerts/,
      ),
    ]);
  });

  test("rejects an Alertmanager on no network (none given, no Prometheus to follow)", () => {
    const found = messages((s) => void new Alertmanager(s, "alertmanager", { receivers: [hook(s)] }));
    expect(found).toEqual([expect.stringMatching(/Alertmanager is on no network.*Fix: pass networks: \[network\], or add a Prometheus/)]);
  });

  test("rejects a name another container's hostname takes, an image that is not a ContainerImage, and props that are not an object", () => {
    expect(
      messages((s) => {
        new Prometheus(s, "prometheus");
        new Alertmanager(s, "am", { name: "prometheus", networks: [net(s)], receivers: [hook(s)] });
      }),
    ).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^test\/am: the container name "prometheus" is already used by test\/prometheus\/container/),
      ]),
    );
    expect(messages(alertmanager(() => ({ image: "prom/alertmanager" as never })))).toEqual([
      expect.stringMatching(/image is not a ContainerImage.*ContainerImage\.fromRegistry\("prom\/alertmanager:v/),
    ]);
    expect(messages((s) => void new Alertmanager(s, "alertmanager", null as never))).toEqual([
      expect.stringMatching(/AlertmanagerProps must be an object, got null/),
    ]);
  });

  test("accepts an image of the user's own", () => {
    expect(messages(alertmanager(() => ({ image: ContainerImage.fromRegistry("registry.internal/alertmanager:v0.33.1") })))).toEqual([]);
  });

  test("synth fails listing every problem at once", () => {
    const stack = newStack();
    new Alertmanager(stack, "alertmanager", { networks: [net(stack)], receivers: [], route: { groupWaitSeconds: -1 } });
    expect(() => synthStack(stack)).toThrow(MessagingProblems);
    expect(
      problemsOf((s) => void new Alertmanager(s, "alertmanager", { networks: [net(s)], receivers: [], route: { groupWaitSeconds: -1 } })),
    ).toHaveLength(2);
  });
});
