/**
 * The Prometheus configuration and alert rules each example stack renders,
 * checked by Prometheus' own `promtool` in the image the stacks run
 * (DefaultImages.prometheus, built by toolchain/images.sh): what the
 * container will read at start parses, its scrape jobs are valid, and every
 * rule's PromQL compiles. The unit tests check what the files say; this
 * checks that Prometheus agrees.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App, Testing } from "cdktf";
import { DefaultImages } from "../../constructs";
import { run } from "../support/commands";
import { exampleStacks } from "../support/example-stacks";

jest.setTimeout(120_000);

/** Where the Prometheus construct's start command writes the files (see prometheus.ts). */
const CONFIG_DIR = "/tmp/prometheus";

function promtool(dir: string, args: string[]) {
  // No network: promtool reads the mounted files only.
  return run(
    "docker",
    [
      "run",
      "--rm",
      "--network",
      "none",
      "-v",
      `${dir}:${CONFIG_DIR}:ro`,
      "--entrypoint",
      "/bin/promtool",
      DefaultImages.prometheus,
      ...args,
    ],
    {
      okCodes: [0, 1],
    },
  );
}

const withPrometheus = exampleStacks
  .map(({ name, build }) => {
    const json = JSON.parse(Testing.synth(build(Testing.app() as App)));
    const containers = Object.values<any>(json.resource.docker_container);
    const env = (c: any): Record<string, string> =>
      Object.fromEntries((c.env as string[]).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
    const prometheus = containers.find((c) => env(c).PROMETHEUS_CONFIG !== undefined);
    return prometheus ? { name, config: env(prometheus).PROMETHEUS_CONFIG, rules: env(prometheus).PROMETHEUS_RULES } : undefined;
  })
  .filter((x): x is { name: string; config: string; rules: string } => x !== undefined);

test("the examples with a Prometheus are the default stack and the cluster example", () => {
  expect(withPrometheus.map((x) => x.name)).toEqual(["messaging", "cluster"]);
});

describe.each(withPrometheus)("the Prometheus of example stack $name", ({ config, rules }) => {
  // Terraform unescapes $${ and %%{ in env values; our files contain neither, so what synth wrote is what the container gets.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "promtool-"));
  fs.writeFileSync(path.join(dir, "prometheus.yml"), config);
  fs.writeFileSync(path.join(dir, "rules.yml"), rules);
  fs.chmodSync(dir, 0o755);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("has a configuration promtool accepts, rule file included", () => {
    expect(config).not.toMatch(/\$\$\{|%%\{/);
    const result = promtool(dir, ["check", "config", `${CONFIG_DIR}/prometheus.yml`]);
    expect({ code: result.code, output: result.stdout + result.stderr }).toEqual({ code: 0, output: expect.stringMatching(/SUCCESS/) });
  });

  test("has alert rules whose expressions promtool compiles", () => {
    const result = promtool(dir, ["check", "rules", `${CONFIG_DIR}/rules.yml`]);
    expect({ code: result.code, output: result.stdout + result.stderr }).toEqual({
      code: 0,
      output: expect.stringMatching(/SUCCESS: 8 rules found/),
    });
  });

  test("fires RabbitMqResourceAlarm for a node with a memory alarm and for one with a disk alarm, and for no other (promtool test rules)", () => {
    // Three nodes: memory alarm, disk alarm, none; the labels the scrape gives them (broker, node).
    const series = (metric: string, node: string, value: 0 | 1) => ({
      series: `${metric}{broker="mq",node="${node}",instance="mq-${node}:15692",job="mq"}`,
      values: `${value}x40`,
    });
    const summary = (node: string) => `RabbitMQ broker mq node ${node} has a resource alarm: publishers are blocked`;
    const tests = {
      rule_files: ["rules.yml"],
      evaluation_interval: "5s",
      tests: [
        {
          interval: "5s",
          input_series: [
            series("rabbitmq_alarms_memory_used_watermark", "1", 1),
            series("rabbitmq_alarms_free_disk_space_watermark", "1", 0),
            series("rabbitmq_alarms_memory_used_watermark", "2", 0),
            series("rabbitmq_alarms_free_disk_space_watermark", "2", 1),
            series("rabbitmq_alarms_memory_used_watermark", "3", 0),
            series("rabbitmq_alarms_free_disk_space_watermark", "3", 0),
          ],
          alert_rule_test: [
            {
              eval_time: "120s",
              alertname: "RabbitMqResourceAlarm",
              exp_alerts: ["1", "2"].map((node) => ({
                exp_labels: { severity: "critical", broker: "mq", node },
                exp_annotations: { summary: summary(node) },
              })),
            },
          ],
        },
      ],
    };
    fs.writeFileSync(path.join(dir, "tests.yml"), JSON.stringify(tests));
    const result = promtool(dir, ["test", "rules", `${CONFIG_DIR}/tests.yml`]);
    expect({ code: result.code, output: result.stdout + result.stderr }).toEqual({ code: 0, output: expect.stringMatching(/SUCCESS/) });
  });
});

test("promtool refuses a broken expression (the check is live)", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "promtool-"));
  fs.writeFileSync(
    path.join(dir, "rules.yml"),
    JSON.stringify({ groups: [{ name: "g", rules: [{ alert: "A", expr: "sum by (x (up)" }] }] }),
  );
  fs.chmodSync(dir, 0o755);
  try {
    expect(promtool(dir, ["check", "rules", `${CONFIG_DIR}/rules.yml`]).code).toBe(1);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
