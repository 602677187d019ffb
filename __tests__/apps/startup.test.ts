/**
 * What the apps do before any broker answers: refuse bad settings with exit 2
 * and one line, give up on an unreachable broker with exit 1 in bounded time.
 * No broker container needed.
 */
import { spawnSync } from "child_process";
import { createHash } from "crypto";
import { readFileSync } from "fs";
import * as path from "path";
import {
  APP_SETTINGS,
  describeSetting,
  parseSetting,
  type AppSettingName,
  type IntegerSetting,
  type SettingSpec,
} from "../../constructs/apps/app-settings";
import { AppEnv, AppMetricsEnv, ConnectionEnv } from "../../constructs/connection-env";
import { DefaultImages } from "../../constructs/images/default-images";
import { AppOnlyEnv } from "../../apps/shared/app-only-env";
import { AppName, AppProcesses, bundleApps, bundlePath, metricsPortEnv } from "./helpers/app-process";
import { httpRequest } from "../support/prometheus-text";

const apps = new AppProcesses();

// Every test is bounded (the project's testTimeout does not reach tests: Jest reads it only globally).
jest.setTimeout(30_000);
let bundleRun: ReturnType<typeof bundleApps>;

beforeAll(() => {
  bundleRun = bundleApps();
});
afterAll(() => apps.stopAll());

const rabbitProducer = {
  [ConnectionEnv.RABBITMQ_URL]: "amqp://user:secret@127.0.0.1:5672",
  [ConnectionEnv.RABBITMQ_ROUTING_KEY]: "orders",
};
const rabbitConsumer = { [ConnectionEnv.RABBITMQ_URL]: "amqp://user:secret@127.0.0.1:5672", [ConnectionEnv.RABBITMQ_QUEUE]: "orders" };
const kafkaProducer = { [ConnectionEnv.KAFKA_BOOTSTRAP_SERVERS]: "127.0.0.1:9092", [ConnectionEnv.KAFKA_TOPIC]: "orders" };
const kafkaConsumer = { ...kafkaProducer, [ConnectionEnv.KAFKA_GROUP_ID]: "billing" };

describe("bad settings", () => {
  const cases: Array<[string, AppName, Record<string, string>, string]> = [
    [
      "a missing RABBITMQ_URL",
      "rabbitmq-consumer",
      { [ConnectionEnv.RABBITMQ_QUEUE]: "orders" },
      "config error: RABBITMQ_URL must be a non-empty string, it is not set",
    ],
    [
      "a negative PRODUCER_RATE",
      "rabbitmq-producer",
      { ...rabbitProducer, [AppEnv.PRODUCER_RATE]: "-1" },
      'config error: PRODUCER_RATE must be an integer between 0 and 1000000 (decimal digits only), got "-1"',
    ],
    [
      "a fractional PRODUCER_COUNT",
      "kafka-producer",
      { ...kafkaProducer, [AppEnv.PRODUCER_COUNT]: "1.5" },
      'config error: PRODUCER_COUNT must be an integer >= 0 (decimal digits only), got "1.5"',
    ],
    [
      "an EXIT_WHEN_DONE that is neither true nor false",
      "kafka-producer",
      { ...kafkaProducer, [AppEnv.EXIT_WHEN_DONE]: "yes" },
      'config error: EXIT_WHEN_DONE must be true or false, got "yes"',
    ],
    [
      "an unknown LOG_LEVEL",
      "kafka-consumer",
      { ...kafkaConsumer, [AppOnlyEnv.LOG_LEVEL]: "verbose" },
      'config error: LOG_LEVEL must be one of info, debug, got "verbose"',
    ],
    [
      "a zero CONSUMER_PREFETCH",
      "rabbitmq-consumer",
      { ...rabbitConsumer, [AppEnv.CONSUMER_PREFETCH]: "0" },
      'config error: CONSUMER_PREFETCH must be an integer between 1 and 65535 (decimal digits only), got "0"',
    ],
    [
      "a METRICS_PORT that is not a number",
      "kafka-consumer",
      { ...kafkaConsumer, [AppMetricsEnv.METRICS_PORT]: "http" },
      'config error: METRICS_PORT must be an integer between 0 and 65535 (decimal digits only), got "http"',
    ],
    ["a missing KAFKA_GROUP_ID", "kafka-consumer", kafkaProducer, "config error: KAFKA_GROUP_ID must be a non-empty string, it is not set"],
    [
      "KAFKA_BOOTSTRAP_SERVERS without ports",
      "kafka-consumer",
      { ...kafkaConsumer, [ConnectionEnv.KAFKA_BOOTSTRAP_SERVERS]: "kafka-1,kafka-2" },
      'config error: KAFKA_BOOTSTRAP_SERVERS must be a comma-separated list of host:port, got "kafka-1,kafka-2"',
    ],
    [
      "an unreadable KAFKA_TLS_CA_FILE",
      "kafka-producer",
      { ...kafkaProducer, [ConnectionEnv.KAFKA_TLS_CA_FILE]: "/no/such/ca.pem" },
      'config error: KAFKA_TLS_CA_FILE must be a readable PEM file of CA certificates, got "/no/such/ca.pem" (ENOENT)',
    ],
    [
      "a KAFKA_SASL_USERNAME without its password",
      "kafka-consumer",
      { ...kafkaConsumer, [ConnectionEnv.KAFKA_SASL_USERNAME]: "billing" },
      "config error: KAFKA_SASL_PASSWORD must be set when KAFKA_SASL_USERNAME is set, it is not set",
    ],
    [
      "an unreadable RABBITMQ_TLS_CA_FILE",
      "rabbitmq-consumer",
      {
        ...rabbitConsumer,
        [ConnectionEnv.RABBITMQ_URL]: "amqps://user:secret@rabbit:5671",
        [ConnectionEnv.RABBITMQ_TLS_CA_FILE]: "/no/such/ca.pem",
      },
      'config error: RABBITMQ_TLS_CA_FILE must be a readable PEM file of CA certificates, got "/no/such/ca.pem" (ENOENT)',
    ],
    // The secrets' _FILE forms (docker secrets on a Swarm): a bad file is a config error, never its content.
    [
      "a RABBITMQ_URL_FILE that does not exist",
      "rabbitmq-consumer",
      { [ConnectionEnv.RABBITMQ_QUEUE]: "orders", [ConnectionEnv.RABBITMQ_URL_FILE]: "/run/secrets/no-such-url" },
      'config error: RABBITMQ_URL_FILE must be a readable file holding RABBITMQ_URL, got "/run/secrets/no-such-url" (ENOENT)',
    ],
    [
      "an empty KAFKA_SASL_PASSWORD_FILE",
      "kafka-producer",
      { ...kafkaProducer, [ConnectionEnv.KAFKA_SASL_USERNAME]: "billing", [ConnectionEnv.KAFKA_SASL_PASSWORD_FILE]: "/dev/null" },
      'config error: KAFKA_SASL_PASSWORD_FILE must be a readable file holding KAFKA_SASL_PASSWORD, got "/dev/null", which is empty',
    ],
    [
      "both RABBITMQ_URL and RABBITMQ_URL_FILE",
      "rabbitmq-producer",
      { ...rabbitProducer, [ConnectionEnv.RABBITMQ_URL_FILE]: "/run/secrets/rabbitmq-url" },
      'config error: RABBITMQ_URL_FILE must be unset when RABBITMQ_URL is set (set one of RABBITMQ_URL and RABBITMQ_URL_FILE), got "/run/secrets/rabbitmq-url"',
    ],
    [
      "a RABBITMQ_TLS_CA_FILE with amqp:// URLs only",
      "rabbitmq-producer",
      { ...rabbitProducer, [ConnectionEnv.RABBITMQ_TLS_CA_FILE]: "/etc/ca.pem" },
      'config error: RABBITMQ_TLS_CA_FILE must be unset when RABBITMQ_URL has no amqps:// URL, got "/etc/ca.pem"',
    ],
  ];

  test.each(cases)("rejects %s: %s exits 2 with one line naming the variable", async (_what, app, env, message) => {
    const started = Date.now();
    const process = apps.start(app, env);
    const exit = await process.waitForExit(5000);
    expect(exit.code).toBe(2);
    expect(process.stderr).toBe(`${message}\n`);
    expect(process.lines).toEqual([]);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  test("rejects a KAFKA_SASL_PASSWORD without a user name without echoing the password", async () => {
    const process = apps.start("kafka-producer", { ...kafkaProducer, [ConnectionEnv.KAFKA_SASL_PASSWORD]: "hunter2" });
    expect((await process.waitForExit(5000)).code).toBe(2);
    expect(process.stderr).toBe("config error: KAFKA_SASL_USERNAME must be set when KAFKA_SASL_PASSWORD is set, it is not set\n");
    expect(process.stderr).not.toContain("hunter2");
  });

  test("rejects a RABBITMQ_URL that is not amqp:// without echoing its password", async () => {
    const process = apps.start("rabbitmq-producer", {
      ...rabbitProducer,
      [ConnectionEnv.RABBITMQ_URL]: "http://user:hunter2@rabbit:5672",
    });
    expect((await process.waitForExit(5000)).code).toBe(2);
    expect(process.stderr).toBe("config error: RABBITMQ_URL must be an amqp:// or amqps:// URL, got a http:// URL\n");
    expect(process.stderr).not.toContain("hunter2");
  });

  // RABBITMQ_URL names every node of a cluster: one bad entry stops the app, whichever it is.
  test.each<[string, AppName, string, string]>([
    [
      "a http:// second node",
      "rabbitmq-producer",
      "amqp://user:hunter2@rabbit-1:5672,http://user:hunter2@rabbit-2:5672,amqp://user:hunter2@rabbit-3:5672",
      "got a http:// URL as entry 2 of 3",
    ],
    [
      "a node that is not a URL",
      "rabbitmq-consumer",
      "amqp://user:hunter2@rabbit-1:5672, rabbit-2:5672",
      "got something that is not a URL as entry 2 of 2",
    ],
    [
      "a node without a scheme",
      "rabbitmq-producer",
      "amqp://user:hunter2@rabbit-1:5672,user:hunter2@rabbit-2:5672",
      "got something that is not a URL as entry 2 of 2",
    ],
    [
      "an empty entry",
      "rabbitmq-consumer",
      "amqp://user:hunter2@rabbit-1:5672,,amqp://user:hunter2@rabbit-3:5672",
      "got an empty string as entry 2 of 3",
    ],
    ["a trailing comma", "rabbitmq-producer", "amqp://user:hunter2@rabbit-1:5672,", "got an empty string as entry 2 of 2"],
  ])("rejects a RABBITMQ_URL list with %s: %s exits 2 with one line that does not echo a password", async (_what, app, urls, got) => {
    const process = apps.start(app, {
      ...(app === "rabbitmq-producer" ? rabbitProducer : rabbitConsumer),
      [ConnectionEnv.RABBITMQ_URL]: urls,
    });
    expect((await process.waitForExit(5000)).code).toBe(2);
    expect(process.stderr).toBe(`config error: RABBITMQ_URL must be a comma-separated list of amqp:// or amqps:// URLs, ${got}\n`);
    expect(process.stderr).not.toContain("hunter2");
    expect(process.lines).toEqual([]);
  });
});

/**
 * The same table that AppContainer checks `environment` against at synth
 * (constructs/apps/app-settings.ts): whatever it refuses, the apps refuse at
 * start, and what it accepts, they accept. Each setting is tried on every app
 * that reads it.
 */
describe("the apps' settings table", () => {
  const ALL: readonly AppName[] = ["rabbitmq-producer", "rabbitmq-consumer", "kafka-producer", "kafka-consumer"];
  const PRODUCERS: readonly AppName[] = ["rabbitmq-producer", "kafka-producer"];
  const CONSUMERS: readonly AppName[] = ["rabbitmq-consumer", "kafka-consumer"];
  /** Which apps read each setting (apps/shared/app-config.ts and the apps' main.ts). */
  const READ_BY: Record<AppSettingName, readonly AppName[]> = {
    PRODUCER_RATE: PRODUCERS,
    PRODUCER_COUNT: PRODUCERS,
    MESSAGE_SIZE_BYTES: PRODUCERS,
    EXIT_WHEN_DONE: PRODUCERS,
    CONSUMER_PREFETCH: ["rabbitmq-consumer"],
    CONSUMER_MAX_DELIVERIES: CONSUMERS,
    CONSUMER_FAIL_MARKER: CONSUMERS,
    CONSUMER_WORK_MS: CONSUMERS,
    STATS_INTERVAL_SECONDS: ALL,
    BROKER_RETRY_SECONDS: ALL,
    LOG_LEVEL: ALL,
    HEALTH_FILE: ALL,
    METRICS_PORT: ALL,
  };
  /** Settings that get each app past its configuration; nothing listens on port 1, so it never connects. */
  const unreachable: Record<AppName, Record<string, string>> = {
    "rabbitmq-producer": { ...rabbitProducer, [ConnectionEnv.RABBITMQ_URL]: "amqp://user:secret@127.0.0.1:1" },
    "rabbitmq-consumer": { ...rabbitConsumer, [ConnectionEnv.RABBITMQ_URL]: "amqp://user:secret@127.0.0.1:1" },
    "kafka-producer": { ...kafkaProducer, [ConnectionEnv.KAFKA_BOOTSTRAP_SERVERS]: "127.0.0.1:1" },
    "kafka-consumer": { ...kafkaConsumer, [ConnectionEnv.KAFKA_BOOTSTRAP_SERVERS]: "127.0.0.1:1" },
  };
  const integers = (Object.entries(APP_SETTINGS) as Array<[AppSettingName, SettingSpec]>).filter(
    (entry): entry is [AppSettingName, IntegerSetting] => entry[1].kind === "integer",
  );
  const cases = integers.flatMap(([name, spec]) => READ_BY[name].map((app) => [name, app, spec] as const));

  test("every setting of the table is tried on the apps that read it", () => {
    expect(Object.keys(READ_BY).sort()).toEqual(Object.keys(APP_SETTINGS).sort());
    for (const apps of Object.values(READ_BY)) expect(apps.length).toBeGreaterThan(0);
    expect(integers.length).toBeGreaterThan(0);
  });

  test.each(cases)("refuses %s = its max + 1, as AppContainer does at synth: %s exits 2 with one line", async (name, app, spec) => {
    const value = String(spec.max + 1);
    // What AppContainer calls at synth: it refuses this value, and accepts the max.
    expect(parseSetting(name, value)).toEqual({ ok: false, expected: describeSetting(spec) });
    expect(parseSetting(name, String(spec.max))).toEqual({ ok: true, value: spec.max });

    const process = apps.start(app, { ...unreachable[app], [name]: value });
    const exit = await process.waitForExit(5000);
    expect(exit.code).toBe(2);
    expect(process.stderr).toBe(`config error: ${name} must be ${describeSetting(spec)}, got "${value}"\n`);
    expect(process.stderr).toMatch(new RegExp(`^config error: ${name} must be an integer `));
    expect(process.lines).toEqual([]);
  });

  test.each(cases)("accepts %s = its max, as AppContainer does: %s starts, then stops on SIGTERM", async (name, app, spec) => {
    const process = apps.start(app, { ...unreachable[app], [name]: String(spec.max) });
    await process.waitForEvent("starting", 5000);
    process.kill("SIGTERM");
    expect(await process.waitForExit(10_000)).toEqual({ code: 0, signal: null });
    expect(process.stderr).toBe("");
  });
});

describe("unreachable broker", () => {
  // Port 1 on the loopback: nothing listens there, connections are refused at once.
  const unreachable: Array<[AppName, Record<string, string>]> = [
    ["rabbitmq-consumer", { ...rabbitConsumer, [ConnectionEnv.RABBITMQ_URL]: "amqp://user:secret@127.0.0.1:1" }],
    ["rabbitmq-producer", { ...rabbitProducer, [ConnectionEnv.RABBITMQ_URL]: "amqp://user:secret@127.0.0.1:1" }],
    ["kafka-consumer", { ...kafkaConsumer, [ConnectionEnv.KAFKA_BOOTSTRAP_SERVERS]: "127.0.0.1:1" }],
    ["kafka-producer", { ...kafkaProducer, [ConnectionEnv.KAFKA_BOOTSTRAP_SERVERS]: "127.0.0.1:1" }],
  ];

  test.each(unreachable)(
    "rejects a broker that stays down for BROKER_RETRY_SECONDS=3: %s retries with backoff, then exits 1",
    async (app, env) => {
      const started = Date.now();
      const process = apps.start(app, { ...env, [AppEnv.BROKER_RETRY_SECONDS]: "3" });
      const exit = await process.waitForExit(15_000);
      const seconds = (Date.now() - started) / 1000;

      expect(exit.code).toBe(1);
      expect(seconds).toBeGreaterThanOrEqual(3);
      expect(seconds).toBeLessThan(10);
      expect(process.events("reconnect-scheduled").length).toBeGreaterThanOrEqual(1);
      const fatal = process.events("fatal");
      expect(fatal).toHaveLength(1);
      expect(fatal[0].error).toMatch(/^gave up trying to .+ after 3 s and \d+ attempts? \(BROKER_RETRY_SECONDS=3\): .*ECONNREFUSED/);
      expect(process.stderr).toMatch(new RegExp(`^${app}: fatal: gave up trying to `));
      expect(process.stderr).not.toContain("secret");
      expect(process.healthy).toBe(false);
    },
  );

  test("tries the nodes of a RABBITMQ_URL list in turn, each error naming its node, and gives up once BROKER_RETRY_SECONDS are spent", async () => {
    const process = apps.start("rabbitmq-consumer", {
      ...rabbitConsumer,
      [ConnectionEnv.RABBITMQ_URL]: "amqp://user:secret@127.0.0.1:1, amqp://user:secret@127.0.0.1:2",
      [AppEnv.BROKER_RETRY_SECONDS]: "3",
    });
    expect((await process.waitForExit(15_000)).code).toBe(1);
    const nodes = process.events("reconnect-scheduled").map((line) => /^(127\.0\.0\.1:\d): /.exec(line.error)?.[1]);
    expect(nodes.length).toBeGreaterThanOrEqual(3);
    expect(nodes).toEqual(nodes.map((_, i) => (i % 2 === 0 ? "127.0.0.1:1" : "127.0.0.1:2")));
    expect(process.events("starting")[0].urls).toEqual(["amqp://user:***@127.0.0.1:1", "amqp://user:***@127.0.0.1:2"]);
    expect(process.stderr).toMatch(/^rabbitmq-consumer: fatal: gave up trying to .+: 127\.0\.0\.1:\d: connect ECONNREFUSED/);
    expect(JSON.stringify(process.lines) + process.stderr).not.toContain("secret");
  });

  test("a SIGTERM while waiting to reconnect ends the retries with exit 0 and a shutdown line", async () => {
    const process = apps.start("rabbitmq-consumer", {
      ...rabbitConsumer,
      [ConnectionEnv.RABBITMQ_URL]: "amqp://user:secret@127.0.0.1:1",
    });
    await process.waitForEvent("reconnect-scheduled", 5000);
    process.kill("SIGTERM");
    expect(await process.waitForExit(5000)).toEqual({ code: 0, signal: null });
    expect(process.events("shutdown")).toEqual([expect.objectContaining({ reason: "SIGTERM", received: 0 })]);
  });
});

describe("the metrics server (METRICS_PORT)", () => {
  test("serves /metrics before any broker answers (broker_connected 0); a second app on the same port exits 2 with one line; SIGTERM frees the port", async () => {
    const env = await metricsPortEnv();
    const port = Number(env[AppMetricsEnv.METRICS_PORT]);
    const first = apps.start("rabbitmq-consumer", {
      ...rabbitConsumer,
      [ConnectionEnv.RABBITMQ_URL]: "amqp://user:secret@127.0.0.1:1",
      ...env,
    });
    await first.waitForEvent("reconnect-scheduled", 5000);
    const metrics = await first.scrape();
    expect(metrics.value("messaging_app_broker_connected")).toBe(0);
    expect(metrics.value("messaging_app_messages_received_total")).toBe(0);
    expect(metrics.value("messaging_app_end_to_end_latency_seconds_count")).toBe(0);
    expect(metrics.value("nodejs_heap_size_used_bytes")).toBeGreaterThan(0);
    expect((await httpRequest(port, "/")).status).toBe(404);
    expect((await httpRequest(port, "/metrics", "HEAD")).status).toBe(200);

    const second = apps.start("kafka-producer", { ...kafkaProducer, ...env });
    expect((await second.waitForExit(5000)).code).toBe(2);
    expect(second.stderr).toBe(
      `config error: METRICS_PORT must be a port the app can listen on (0.0.0.0), got "${port}" (EADDRINUSE: address already in use)\n`,
    );
    expect(second.lines).toEqual([]);

    first.kill("SIGTERM");
    expect(await first.waitForExit(5000)).toEqual({ code: 0, signal: null });
    await expect(httpRequest(port, "/metrics")).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe("apps/bundle.mjs", () => {
  const apps: AppName[] = ["rabbitmq-producer", "rabbitmq-consumer", "kafka-producer", "kafka-consumer"];
  const digest = () =>
    apps.map((app) =>
      createHash("sha256")
        .update(readFileSync(bundlePath(app)))
        .digest("hex"),
    );

  test("is quiet on success and writes the same bytes on every run, from any working directory", () => {
    expect(bundleRun.stdout + bundleRun.stderr).toBe("");
    const first = digest();
    const again = spawnSync(process.execPath, [path.resolve(__dirname, "../../apps/bundle.mjs")], {
      cwd: "/",
      encoding: "utf8",
    });
    expect(again.status).toBe(0);
    expect(again.stdout + again.stderr).toBe("");
    expect(digest()).toEqual(first);
  });

  test(`bundles run on the Node 24 of the ${DefaultImages.node} image the Dockerfiles use`, () => {
    // No network: a config error proves the bundle loads and runs its startup on that Node.
    // Then one app serves its metrics (prom-client's default ones included) on that Node, scraped
    // over the container's loopback while it retries a broker that is not there, and stops on SIGTERM.
    // Retried for up to 10 s: the app may take a moment to start listening.
    const scrape =
      "const go = (n) => fetch('http://127.0.0.1:9464/metrics').then((r) => r.text()).then((t) => console.log(t.split('\\n')" +
      ".filter((l) => /^(messaging_app_broker_connected|nodejs_version_info)/.test(l)).join(' ')), " +
      "(e) => (n > 0 ? setTimeout(() => go(n - 1), 200) : console.log('no answer: ' + e.message))); go(50)";
    const result = spawnSync(
      "docker",
      [
        "run",
        "--rm",
        "--network",
        "none",
        "--user",
        "node",
        "-v",
        `${path.resolve(__dirname, "../../apps")}:/apps:ro`,
        DefaultImages.node,
        "sh",
        "-c",
        'node --version; for app in rabbitmq-producer rabbitmq-consumer kafka-producer kafka-consumer; do node /apps/$app/dist/main.js; echo "$app=$?"; done; ' +
          "RABBITMQ_URL=amqp://u:p@127.0.0.1:1 RABBITMQ_QUEUE=q METRICS_PORT=9464 node /apps/rabbitmq-consumer/dist/main.js >/dev/null & app=$!; " +
          `node -e "${scrape}"; kill -TERM $app; wait $app; echo "metrics=$?"`,
      ],
      { encoding: "utf8", timeout: 60_000 },
    );
    const [version, ...rest] = result.stdout.trim().split("\n");
    expect(version).toMatch(/^v24\./);
    expect(rest).toEqual([
      ...apps.map((app) => `${app}=2`),
      expect.stringMatching(/^messaging_app_broker_connected 0 nodejs_version_info\{version="v24\.[^"]*",major="24",/),
      "metrics=0",
    ]);
    expect(result.stderr).toContain("config error: RABBITMQ_URL must be a non-empty string");
    expect(result.stderr).toContain("config error: KAFKA_BOOTSTRAP_SERVERS must be a non-empty string");
  });
});
