import { App, TerraformStack, Testing } from "cdktf";
import { AppContainer, ContainerImage, KafkaBroker, Network, Prometheus, RabbitMqBroker, type PrometheusProps } from "../../../constructs";
import { buildDefaultStack } from "../../../main";
import { container, envOf, net, newStack, problemsOf, resources, synth } from "../helpers";

const image = ContainerImage.fromRegistry("busybox:1.36");
const messages = (build: (s: TerraformStack) => void) => problemsOf(build).map((p) => p.message);

/** What prometheus.yml says, parsed (it is JSON, which YAML readers take as is). */
function configOf(json: any, name = "prometheus"): any {
  return JSON.parse(envOf(container(json, name)).PROMETHEUS_CONFIG);
}
function rulesOf(json: any, name = "prometheus"): any {
  return JSON.parse(envOf(container(json, name)).PROMETHEUS_RULES);
}
/** job -> sorted "address labels" lines: the scrape targets as a user reads them. */
function targetsOf(config: any): Record<string, string[]> {
  return Object.fromEntries(
    config.scrape_configs.map((job: any) => [
      job.job_name,
      job.static_configs.flatMap((g: any) => g.targets.map((t: string) => `${t} ${JSON.stringify(g.labels ?? {})}`)).sort(),
    ]),
  );
}

describe("Prometheus in the default stack (main.ts)", () => {
  const stack = buildDefaultStack(Testing.app() as App);
  const { json } = synth(stack);
  const config = configOf(json);

  test("scrapes exactly the stack's broker nodes and apps, each with labels naming it, found without being told", () => {
    const targets = targetsOf(config);
    expect(Object.keys(targets).sort()).toEqual(["apps", "kafka", "prometheus", "rabbitmq", "rabbitmq-queues"]);
    expect(targets.rabbitmq).toEqual(['rabbitmq:15692 {"broker":"rabbitmq","component":"broker","kind":"rabbitmq","node":"1"}']);
    expect(targets["rabbitmq-queues"]).toEqual(targets.rabbitmq);
    expect(targets.kafka).toEqual(['kafka:9404 {"broker":"kafka","component":"broker","kind":"kafka","node":"1"}']);
    // The set of app targets is the set of app containers of the stack.
    const appContainers = resources(json, "docker_container")
      .filter((c: any) => c.labels.some((l: any) => l.label === "cdktf-docker-messaging.component" && l.value === "app"))
      .map((c: any) => c.name)
      .sort();
    expect(targets.apps.map((t) => t.split(" ")[0].replace(/:9464$/, ""))).toEqual(appContainers);
    expect(appContainers).toEqual(["kafka-consumer-1", "kafka-producer-1", "rabbitmq-consumer-1", "rabbitmq-producer-1"]);
    for (const name of appContainers) expect(envOf(container(json, name)).METRICS_PORT).toBe("9464");
  });

  test("scrapes queue metrics from the detailed endpoint, only the two families the alerts use", () => {
    const job = config.scrape_configs.find((j: any) => j.job_name === "rabbitmq-queues");
    expect(job).toMatchObject({ metrics_path: "/metrics/detailed", params: { family: ["queue_coarse_metrics", "queue_consumer_count"] } });
  });

  test("joins the network of its targets and never Kafka's replication network; UI on 127.0.0.1:9090 only", () => {
    const c = container(json, "prometheus");
    const networks = c.networks_advanced.map((n: any) => n.name);
    const messaging = Object.keys(json.resource.docker_network).find((id) => json.resource.docker_network[id].name === "messaging");
    expect(networks).toEqual([`\${docker_network.${messaging}.name}`]);
    expect(c.ports).toEqual([{ internal: 9090, external: 9090, ip: "127.0.0.1", protocol: "tcp" }]);
    expect(json.output.prometheus_url.value).toBe("http://127.0.0.1:9090");
  });

  test("keeps its data on a volume, with retention, a memory limit and Go's soft limit under it", () => {
    const c = container(json, "prometheus");
    const volume = Object.keys(json.resource.docker_volume).find((id) => json.resource.docker_volume[id].name === "prometheus-data");
    expect(c.volumes).toEqual([{ volume_name: `\${docker_volume.${volume}.name}`, container_path: "/prometheus" }]);
    expect(resources(json, "docker_volume").map((v: any) => v.name)).toContain("prometheus-data");
    expect(c.command).toEqual(expect.arrayContaining(["--storage.tsdb.path=/prometheus", "--storage.tsdb.retention.time=7d"]));
    expect(c.memory).toBe(256);
    expect(envOf(c).GOMEMLIMIT).toBe("204MiB");
    // Hardened as an app: read-only root (the config is written to the /tmp tmpfs), nothing added back.
    expect(c.read_only).toBe(true);
    expect(c.capabilities).toEqual({ drop: ["ALL"] });
    expect(c.healthcheck.test).toEqual(["CMD", "/bin/promtool", "check", "ready", "--url=http://localhost:9090"]);
    expect(c.wait).toBe(true);
  });

  test("evaluates the default alerts every scrape interval", () => {
    expect(config.global).toEqual({ scrape_interval: "5s", evaluation_interval: "5s", scrape_timeout: "5s" });
    const rules = rulesOf(json).groups[0].rules;
    expect(rules.map((r: any) => r.alert)).toEqual([
      "MessagingBrokerNodeDown",
      "MessagingAppDown",
      "RabbitMqQueueGrowingWithoutConsumers",
      "RabbitMqResourceAlarm",
      "KafkaConsumerLagGrowing",
      "KafkaUnderReplicatedPartitions",
      "KafkaOfflinePartitions",
      "MessagingMessagesDeadLettered",
    ]);
    expect(rules[0]).toMatchObject({ expr: 'up{component="broker"} == 0', for: "15s", labels: { severity: "critical" } });
  });

  test("Kafka's node runs the exporter agent in the server JVM only, not in the container's environment", () => {
    const c = container(json, "kafka");
    expect(c.command[2]).toMatch(
      / && export KAFKA_OPTS="\$KAFKA_OPTS -javaagent:\/opt\/jmx-exporter\/jmx_prometheus_javaagent\.jar=9404:\/etc\/kafka\/jmx-exporter\.yaml" && exec \/etc\/kafka\/docker\/run$/,
    );
    // An image without the agent stops with one line naming the fix.
    expect(c.command[2]).toMatch(
      /^if \[ ! -f \/opt\/jmx-exporter\/jmx_prometheus_javaagent\.jar \]; then echo ".*set metrics: \{ enabled: false \}" >&2; exit 1; fi/,
    );
    expect(envOf(c).KAFKA_OPTS).toBeUndefined();
    expect(c.upload.map((u: any) => u.file)).toEqual(["/etc/kafka/jmx-exporter.yaml"]);
  });
});

test("the default stack without observability has no Prometheus, no agent and no metrics port (the 0.3 stack)", () => {
  const { json } = synth(buildDefaultStack(Testing.app() as App, { observability: false }));
  const names = resources(json, "docker_container").map((c: any) => c.name);
  expect(names).not.toContain("prometheus");
  expect(container(json, "kafka").command).toBeUndefined();
  for (const name of names) expect(envOf(container(json, name)).METRICS_PORT).toBeUndefined();
  expect(json.output.prometheus_url).toBeUndefined();
});

describe("Prometheus targets follow the stack", () => {
  function stackWith(build: (s: TerraformStack, prometheus: Prometheus) => void, props: PrometheusProps = {}) {
    const stack = newStack();
    const prometheus = new Prometheus(stack, "prometheus", props);
    build(stack, prometheus);
    return { stack, json: synth(stack).json, prometheus };
  }

  test("an app added after Prometheus appears, one target a replica; one with metrics off does not", () => {
    const { json } = stackWith((s) => {
      const rabbit = new RabbitMqBroker(s, "rabbitmq", { network: net(s) });
      rabbit.addQueue("q").grantConsume(new AppContainer(s, "workers", { image, replicas: 3 }));
      rabbit.addQueue("r").grantConsume(new AppContainer(s, "quiet", { image, metrics: { enabled: false } }));
    });
    expect(targetsOf(configOf(json)).apps).toEqual([
      'workers-1:9464 {"app":"workers","component":"app"}',
      'workers-2:9464 {"app":"workers","component":"app"}',
      'workers-3:9464 {"app":"workers","component":"app"}',
    ]);
    expect(envOf(container(json, "quiet-1")).METRICS_PORT).toBeUndefined();
  });

  test("an app's own port and path are scraped", () => {
    const { json } = stackWith((s) => {
      new RabbitMqBroker(s, "rabbitmq", { network: net(s) })
        .addQueue("q")
        .grantConsume(new AppContainer(s, "a", { image, metrics: { port: 8000, path: "/prom" } }));
    });
    const job = configOf(json).scrape_configs.find((j: any) => j.job_name === "apps");
    expect(job).toMatchObject({ metrics_path: "/prom", static_configs: [{ targets: ["a-1:8000"] }] });
    expect(envOf(container(json, "a-1")).METRICS_PORT).toBe("8000");
  });

  test("every node of a cluster, on every network of the stack's brokers", () => {
    const { json } = stackWith((s) => {
      new RabbitMqBroker(s, "rabbitmq", { network: new Network(s, "mq"), nodes: 3 });
      new KafkaBroker(s, "kafka", { network: new Network(s, "events"), nodes: 3 });
    });
    const targets = targetsOf(configOf(json));
    expect(targets.rabbitmq.map((t) => t.split(" ")[0])).toEqual(["rabbitmq-1:15692", "rabbitmq-2:15692", "rabbitmq-3:15692"]);
    expect(targets.kafka.map((t) => t.split(" ")[0])).toEqual(["kafka-1:9404", "kafka-2:9404", "kafka-3:9404"]);
    expect(targets.kafka[2]).toContain('"node":"3"');
    expect(container(json, "prometheus").networks_advanced).toHaveLength(2);
  });

  test("a broker with metrics off is not scraped, and its Kafka nodes run without the agent", () => {
    const { json } = stackWith((s) => {
      new KafkaBroker(s, "kafka", { network: net(s), metrics: { enabled: false } });
    });
    expect(targetsOf(configOf(json)).kafka).toBeUndefined();
    expect(container(json, "kafka").command).toBeUndefined();
  });

  test("metrics published on 127.0.0.1 only when asked, node i on base + i - 1", () => {
    const { json } = stackWith((s) => {
      new RabbitMqBroker(s, "rabbitmq", { network: net(s), nodes: 3, metrics: { hostPort: 25692 } });
    });
    expect(container(json, "rabbitmq-2").ports).toEqual([{ internal: 15692, external: 25693, ip: "127.0.0.1", protocol: "tcp" }]);
  });

  test("a stack without brokers or apps: Prometheus scrapes itself", () => {
    const { json } = stackWith(() => undefined);
    expect(Object.keys(targetsOf(configOf(json)))).toEqual(["prometheus"]);
  });

  test("the user's alert rules load with the defaults, or alone", () => {
    const rule = {
      name: "OrdersBacklog",
      expression: 'rabbitmq_detailed_queue_messages_ready{queue="orders"} > 1000',
      forSeconds: 60,
      summary: "orders backlog",
    };
    // The rule's metric is served by a RabbitMQ broker of the stack (a rule on a metric nothing serves is refused).
    const rabbit = (s: TerraformStack) => new RabbitMqBroker(s, "rabbitmq", { network: net(s) });
    const withDefaults = rulesOf(stackWith(rabbit, { alertRules: [rule] }).json).groups[0].rules;
    expect(withDefaults.at(-1)).toEqual({
      alert: "OrdersBacklog",
      expr: rule.expression,
      for: "60s",
      labels: { severity: "warning" },
      annotations: { summary: "orders backlog" },
    });
    expect(withDefaults.length).toBeGreaterThan(1);
    expect(rulesOf(stackWith(rabbit, { alertRules: [rule], defaultAlertRules: false }).json).groups[0].rules).toHaveLength(1);
  });
});

describe("Prometheus and metrics: bad input, at synth", () => {
  const prometheus = (props: PrometheusProps) => (s: TerraformStack) => {
    new Prometheus(s, "prometheus", props);
  };

  test.each([
    ["a scrape interval below 5 s", { scrapeIntervalSeconds: 1 }, /prometheus: scrapeIntervalSeconds .*got 1\. Fix: use 5 to 300 seconds/],
    ["a scrape interval above 300 s", { scrapeIntervalSeconds: 301 }, /scrapeIntervalSeconds .*got 301\. Fix: use 5 to 300 seconds.*stale/],
    ["a scrape interval as text", { scrapeIntervalSeconds: "15" as unknown as number }, /scrapeIntervalSeconds/],
    ["zero days of retention", { retentionDays: 0 }, /retentionDays .*got 0/],
    ["a retention size below 64 MiB", { retentionSizeMb: 10 }, /retentionSizeMb .*got 10/],
    ["too little memory", { memoryMb: 32 }, /memoryMb .*got 32/],
    ["a UI port out of range", { uiHostPort: 70000 }, /uiHostPort .*got 70000/],
    ["a misspelt prop", { scrapeInterval: 10 } as unknown as PrometheusProps, /scrapeInterval/],
    [
      "an alert name with a space",
      { alertRules: [{ name: "orders backlog", expression: "up == 0", summary: "x" }] },
      /alertRules\[0\]\.name/,
    ],
    ["an alert without an expression", { alertRules: [{ name: "A", expression: " ", summary: "x" }] }, /alertRules\[0\]\.expression/],
    [
      "an alert named as a default one",
      { alertRules: [{ name: "MessagingBrokerNodeDown", expression: "up == 0", summary: "x" }] },
      /two alert rules are named "MessagingBrokerNodeDown".*defaultAlertRules: false/,
    ],
    [
      "an unknown severity",
      { alertRules: [{ name: "A", expression: "up == 0", summary: "x", severity: "page" as "warning" }] },
      /alertRules\[0\]\.severity/,
    ],
  ])("rejects %s", (_what, props, expected) => {
    const found = messages(prometheus(props));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(expected);
  });

  test("rejects two Prometheus constructs publishing the same port, without addMessagingAspects", () => {
    const found = messages((s) => {
      new Prometheus(s, "one", { uiHostPort: 9090 });
      new Prometheus(s, "two", { uiHostPort: 9090 });
    });
    expect(found).toEqual([
      expect.stringMatching(/^test\/two\/container: host port 9090\/tcp on 127\.0\.0\.1 is already published by test\/one\/container/),
    ]);
  });

  test("rejects a broker's metrics host port on one of its other published ports, node ranges included", () => {
    expect(
      messages((s) => void new RabbitMqBroker(s, "rabbitmq", { network: net(s), amqpHostPort: 5672, metrics: { hostPort: 5672 } })),
    ).toEqual([
      expect.stringMatching(
        /^test\/rabbitmq: metrics\.hostPort 5672 collides with amqpHostPort 5672, got 5672\. Fix: pick a metrics\.hostPort outside 5672$/,
      ),
    ]);
    expect(
      messages(
        (s) =>
          void new RabbitMqBroker(s, "rabbitmq", { network: net(s), nodes: 3, managementHostPort: 15672, metrics: { hostPort: 15674 } }),
      ),
    ).toEqual([
      expect.stringMatching(
        /metrics\.hostPort 15674-15676 collides with managementHostPort 15672-15674 \(node i publishes base \+ i - 1\)/,
      ),
    ]);
    expect(messages((s) => void new KafkaBroker(s, "kafka", { network: net(s), hostPort: 29092, metrics: { hostPort: 29092 } }))).toEqual([
      expect.stringMatching(/metrics\.hostPort 29092 collides with hostPort 29092/),
    ]);
  });

  test("rejects a metrics port published by another container", () => {
    const found = messages((s) => {
      new KafkaBroker(s, "kafka", { network: net(s), metrics: { hostPort: 9404 } });
      new AppContainer(s, "web", { image, metrics: { enabled: false }, ports: [{ containerPort: 80, hostPort: 9404 }] });
    });
    expect(found).toEqual([expect.stringMatching(/host port 9404\/tcp on 127\.0\.0\.1 is already published by test\/kafka\/container/)]);
  });

  test.each([
    ["metrics that are not an object", { metrics: "on" }, /metrics must be an object/],
    ["metrics.enabled as text", { metrics: { enabled: "no" } }, /metrics\.enabled must be true or false/],
    [
      "a host port for metrics that are off",
      { metrics: { enabled: false, hostPort: 9999 } },
      /metrics\.hostPort publishes metrics that are turned off/,
    ],
    ["a misspelt metrics prop", { metrics: { hostport: 9999 } }, /hostport/],
  ])("rejects a broker with %s", (_what, props, expected) => {
    expect(messages((s) => void new RabbitMqBroker(s, "rabbitmq", { network: net(s), ...(props as object) }))).toEqual([
      expect.stringMatching(expected),
    ]);
  });

  test.each([
    ["a metrics port of 0", { metrics: { port: 0 } }, /metrics\.port .*got 0/],
    ["a metrics path without its slash", { metrics: { path: "metrics" } }, /metrics\.path must be a URL path/],
    [
      "METRICS_PORT in its environment",
      { environment: { METRICS_PORT: "9000" } },
      /environment sets METRICS_PORT, which the metrics prop sets.*pass metrics: \{ port \}/,
    ],
  ])("rejects an app with %s", (_what, props, expected) => {
    expect(messages((s) => void new AppContainer(s, "app", { image, ...(props as object) }))).toEqual([expect.stringMatching(expected)]);
  });
});
