/**
 * What a user sees when synth fails (constructs/errors/synth-report.ts):
 * fixtures written like a user's main.ts run under esbuild-register, as
 * `npm run synth` runs main.ts, and their stderr is read.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { TerraformStack, Testing } from "cdktf";
import { DockerHost, formatSynthFailure, Network, runSynth, SYNTH_DEBUG_ENV } from "../../../constructs";

jest.setTimeout(60_000);

const REPO = path.resolve(__dirname, "..", "..", "..");
const BROKEN = "__tests__/fixtures/broken-stack.ts";
const MISSING_NETWORK = "__tests__/fixtures/missing-network-stack.ts";

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function runFixture(fixture: string, extraEnv: Record<string, string> = {}): Run {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extraEnv };
  if (!(SYNTH_DEBUG_ENV in extraEnv)) delete env[SYNTH_DEBUG_ENV];
  delete env.DOCKER_HOST; // the fixtures' DockerHost takes the default socket
  delete env.NODE_OPTIONS;
  const result = spawnSync(process.execPath, ["-r", "esbuild-register", fixture], { cwd: REPO, env, encoding: "utf8", timeout: 50_000 });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** `<fixture>:<line>:<column>` of the first occurrence of `call` in the fixture (1-based, as the report writes it). */
function locationOf(fixture: string, line: string, call: string): string {
  const lines = fs.readFileSync(path.join(REPO, fixture), "utf8").split("\n");
  const index = lines.findIndex((l) => l.includes(line));
  if (index < 0) throw new Error(`${fixture} has no line with ${line}`);
  expect(lines.filter((l) => l.includes(line))).toHaveLength(1);
  return `${fixture}:${index + 1}:${lines[index].indexOf(call) + 1}`;
}

/** The report's blocks: one per problem, each starting with "✖ ". */
const blocksOf = (stderr: string) => stderr.split("\n\n").filter((b) => b.startsWith("✖ "));

describe("a stack with five mistakes (broken-stack.ts)", () => {
  let run: Run;
  beforeAll(() => {
    run = runFixture(BROKEN);
  });

  // [construct path and problem, got, fix (start), the fixture's line, the call on it the location points at]
  const expected: [string, string, string, string, string][] = [
    ["shop/net: name is not a valid Docker network name", '"shop net"', "use 1-128 characters", 'new Network(stack, "net"', "new Network"],
    [
      "shop/rabbitmq: memoryMb must be an integer between 256 and",
      "64",
      "give RabbitMQ at least 256 MiB",
      'new RabbitMqBroker(stack, "rabbitmq"',
      "new RabbitMqBroker",
    ],
    [
      "shop/worker: environment.CONSUMER_PREFETCH must be an integer between 1 and 65535",
      '"0"',
      "set CONSUMER_PREFETCH to an integer between 1 and 65535",
      'new AppContainer(stack, "worker"',
      "new AppContainer",
    ],
    [
      'shop/rabbitmq: queue "orders": its dead-letter queue is not declared',
      '"orders.dead"',
      'declare it with addQueue("orders.dead")',
      "rabbit.addQueue(ordersQueue",
      "addQueue",
    ],
    [
      'shop/rabbitmq: publisher to exchange "orders.events" (shop/producer): no binding of exchange "orders.events" (topic) routes routing key "order.placed" to a queue',
      '"order.placed"',
      "bind a queue to it",
      "events.grantPublish(producer",
      "grantPublish",
    ],
  ];

  test("the fixture's lines move when esbuild strips its types, so a right line is a mapped one", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { transformSync } = require("esbuild") as typeof import("esbuild");
    const source = fs.readFileSync(path.join(REPO, BROKEN), "utf8");
    const runtime = transformSync(source, { loader: "ts", format: "cjs" }).code.split("\n");
    const sourceLine = source.split("\n").findIndex((l) => l.includes('Network(stack, "net"'));
    const runtimeLine = runtime.findIndex((l) => l.includes('Network(stack, "net"'));
    expect(runtimeLine).toBeGreaterThanOrEqual(0);
    expect(runtimeLine).not.toBe(sourceLine);
  });

  test("exits with status 1 and writes the report to stderr only", () => {
    expect(run.status).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("Synth failed: 5 problems.");
  });

  test("prints one block per problem", () => {
    expect(blocksOf(run.stderr)).toHaveLength(expected.length);
  });

  test.each(expected)("names %s with its value, fix and the line of the call", (problem, got, fix, line, call) => {
    const block = blocksOf(run.stderr).find((b) => b.startsWith(`✖ ${problem}`));
    expect(block).toBeDefined();
    const lines = block!.split("\n");
    expect(lines).toHaveLength(4);
    expect(lines[1]).toBe(`  got: ${got}`);
    expect(lines[2].startsWith(`  fix: ${fix}`)).toBe(true);
    expect(lines[3]).toBe(`  at ${locationOf(BROKEN, line, call)}`);
  });

  test("shows no stack trace: no frames of node_modules, of the library or of Node", () => {
    expect(run.stderr).not.toContain("node_modules");
    expect(run.stderr).not.toContain("constructs/");
    expect(run.stderr).not.toContain("at Object.<anonymous>");
    expect(run.stderr).not.toContain("node:internal");
    const atLines = run.stderr.split("\n").filter((l) => /^\s*at /.test(l));
    expect(atLines).toHaveLength(expected.length);
    for (const l of atLines) expect(l).toMatch(/^ {2}at __tests__\/fixtures\/broken-stack\.ts:\d+:\d+$/);
    expect(run.stderr).toContain(`(set ${SYNTH_DEBUG_ENV}=1 for stack traces)`);
  });

  test(`with ${SYNTH_DEBUG_ENV}=1 the stack trace is printed too`, () => {
    const debug = runFixture(BROKEN, { [SYNTH_DEBUG_ENV]: "1" });
    expect(debug.status).toBe(1);
    expect(blocksOf(debug.stderr)).toHaveLength(expected.length);
    expect(debug.stderr).toContain(`stack trace (${SYNTH_DEBUG_ENV}=1):`);
    expect(debug.stderr).toMatch(/^\s+at .*node_modules\/cdktf\/lib\/.*$/m);
    expect(debug.stderr).not.toContain(`(set ${SYNTH_DEBUG_ENV}=1 for stack traces)`);
  });
});

describe("an error thrown at once (missing-network-stack.ts)", () => {
  test("still prints one short block naming the file and line", () => {
    const run = runFixture(MISSING_NETWORK);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("Synth failed: 1 problem.");
    expect(blocksOf(run.stderr)).toEqual([
      [
        "✖ events/kafka: network is required and must be a Network",
        "  got: undefined",
        '  fix: pass { network: new Network(scope, "net") }',
        `  at ${locationOf(MISSING_NETWORK, 'new KafkaBroker(stack, "kafka"', "new KafkaBroker")}`,
      ].join("\n"),
    ]);
    expect(run.stderr).not.toContain("node_modules");
    expect(run.stderr).not.toContain("at Object.<anonymous>");
  });

  test(`with ${SYNTH_DEBUG_ENV}=1 its stack trace is printed`, () => {
    const run = runFixture(MISSING_NETWORK, { [SYNTH_DEBUG_ENV]: "1" });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`stack trace (${SYNTH_DEBUG_ENV}=1):\nMessagingValidationError: events/kafka: network is required`);
    expect(run.stderr).toMatch(/^\s+at /m);
  });
});

describe("formatSynthFailure", () => {
  test("an error that is not a messaging problem is one block with its message", () => {
    const text = formatSynthFailure(new TypeError("Cannot read properties of undefined (reading 'x')"));
    expect(text).toContain("Synth failed: 1 problem.");
    expect(blocksOf(text)).toEqual(["✖ Cannot read properties of undefined (reading 'x')"]);
  });

  test("cdktf's other validation errors are listed next to ours", () => {
    const text = formatSynthFailure(
      new Error(
        "Validation failed with the following errors:\n  [s/x] something cdktf found\n\nIf you wish to ignore these validations, pass 'skipValidation: true'",
      ),
    );
    expect(blocksOf(text)).toEqual(["✖ [s/x] something cdktf found"]);
  });
});

describe("runSynth in one process", () => {
  /** An app whose stack `id` has a network with a bad name, synthesized by `app.synth()` (cdktf's validation throws). */
  function buildBrokenApp(id: string, networkName: string) {
    const app = Testing.app();
    const stack = new TerraformStack(app, id);
    new DockerHost(stack, "docker", { host: "unix:///var/run/docker.sock" });
    new Network(stack, "net", { name: networkName });
    return app;
  }

  test("reports only the problems of its own app, not those of an app built before it", () => {
    const savedExitCode = process.exitCode;
    try {
      buildBrokenApp("first", "first net"); // built, never synthesized: its problem stays recorded
      let text = "";
      const ok = runSynth(
        () => buildBrokenApp("second", "second net").synth(),
        (t) => {
          text += t;
        },
      );
      expect(ok).toBe(false);
      expect(text).toContain("Synth failed: 1 problem.");
      expect(blocksOf(text)).toEqual([
        expect.stringMatching(/^✖ second\/net: name is not a valid Docker network name\n {2}got: "second net"\n/),
      ]);
      expect(text).not.toContain("first");
    } finally {
      process.exitCode = savedExitCode;
    }
  });
});
