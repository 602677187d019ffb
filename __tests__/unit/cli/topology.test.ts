/**
 * cdktf-messaging-topology: its arguments, what it writes where, and its
 * one-line errors with exit code 2 for input it cannot draw.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseArgs, readTopology, TopologyUsageError, writeTopology } from "../../../constructs/cli/topology";
import { synthesizeExamples } from "../topology/synthesized-examples";

const REPO = path.resolve(__dirname, "..", "..", "..");
const examples = synthesizeExamples();
const messaging = examples.find((e) => e.name === "messaging")!;
const made: string[] = [];
const tmp = () => {
  made.push(fs.mkdtempSync(path.join(os.tmpdir(), "topology-cli-")));
  return made[made.length - 1];
};
afterAll(() => made.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/** The command as `npm run topology --` runs it. */
function cli(args: string[], cwd = REPO) {
  const result = spawnSync(
    process.execPath,
    ["-r", path.join(REPO, "toolchain", "ts-register.cjs"), path.join(REPO, "constructs", "cli", "topology.ts"), ...args],
    { cwd, encoding: "utf8" },
  );
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("cdktf-messaging-topology: arguments", () => {
  test("a stack folder or its cdk.tf.json; without --svg and --mermaid, both next to cdk.tf.json", () => {
    const file = path.join(messaging.dir, "cdk.tf.json");
    for (const input of [messaging.dir, file]) {
      expect(parseArgs([input])).toEqual({
        stackFile: file,
        svg: path.join(messaging.dir, "topology.svg"),
        mermaid: path.join(messaging.dir, "topology.mmd"),
      });
    }
    expect(parseArgs([messaging.dir, "--svg", "out/p.svg"], "/work")).toEqual({ stackFile: file, svg: "/work/out/p.svg" });
    expect(parseArgs([messaging.dir, "--mermaid", "-"])).toEqual({ stackFile: file, mermaid: "-" });
  });

  test("the only stack in ./cdktf.out/stacks when none is named", () => {
    const cwd = tmp();
    fs.symlinkSync(path.dirname(path.dirname(messaging.dir)), path.join(cwd, "cdktf.out"));
    expect(() => parseArgs([], cwd)).toThrow(
      /holds 6 stacks \(cluster, messaging, minimal-kafka, orders-pipeline, own-app-image, tls-own-certificates\): name one/,
    );
    const single = tmp();
    fs.mkdirSync(path.join(single, "cdktf.out", "stacks", "shop"), { recursive: true });
    fs.copyFileSync(path.join(messaging.dir, "cdk.tf.json"), path.join(single, "cdktf.out", "stacks", "shop", "cdk.tf.json"));
    expect(parseArgs([], single).stackFile).toBe(path.join(single, "cdktf.out", "stacks", "shop", "cdk.tf.json"));
    expect(() => parseArgs([], tmp())).toThrow(/no synthesized stack in .*: run `cdktf synth` \(`cdktn synth` on cdktn\) first/);
  });

  test("rejects unknown options, two stacks, both outputs on standard output", () => {
    expect(() => parseArgs([messaging.dir, "--png", "x"])).toThrow(TopologyUsageError);
    expect(() => parseArgs([messaging.dir, messaging.dir])).toThrow(/one stack at a time/);
    expect(() => parseArgs([messaging.dir, "--svg", "-", "--mermaid", "-"])).toThrow(/only one of --svg and --mermaid/);
    expect(() => parseArgs([messaging.dir, "--svg"])).toThrow(/--svg needs a file name/);
  });
});

describe("cdktf-messaging-topology: output", () => {
  test("writes the SVG and the Mermaid of the stack's description", () => {
    const dir = tmp();
    const written = writeTopology({
      stackFile: path.join(messaging.dir, "cdk.tf.json"),
      svg: path.join(dir, "a", "t.svg"),
      mermaid: path.join(dir, "t.mmd"),
    });
    expect(written).toEqual([path.join(dir, "a", "t.svg"), path.join(dir, "t.mmd")]);
    expect(fs.readFileSync(path.join(dir, "a", "t.svg"), "utf8")).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(fs.readFileSync(path.join(dir, "t.mmd"), "utf8")).toMatch(/^flowchart LR\n/);
  });

  test("as a command: exit 0, the files named on stderr; '-' puts one on stdout", () => {
    const dir = tmp();
    fs.cpSync(messaging.dir, path.join(dir, "messaging"), { recursive: true });
    const run = cli([path.join(dir, "messaging")]);
    expect(run).toMatchObject({ code: 0, stdout: "" });
    expect(run.stderr).toContain("topology.svg");
    expect(fs.existsSync(path.join(dir, "messaging", "topology.svg"))).toBe(true);
    expect(fs.existsSync(path.join(dir, "messaging", "topology.mmd"))).toBe(true);
    const piped = cli([path.join(dir, "messaging"), "--mermaid", "-"]);
    expect(piped.code).toBe(0);
    expect(piped.stdout).toMatch(/^flowchart LR\n/);
  });

  test.each([
    ["a missing file", () => "/nonexistent/cdk.tf.json", /^\/nonexistent\/cdk.tf.json: no such file or folder\n$/],
    ["a file that is not JSON", () => write("cdk.tf.json", "resource {}"), /: not a synthesized cdktf stack \(not JSON: /],
    [
      "JSON that is not a cdktf stack",
      () => write("main.tf.json", '{"resource": {}}'),
      /: not a synthesized cdktf stack \(no "\/\/".metadata, which cdktf writes\)\n$/,
    ],
    [
      "a stack synthesized without the topology",
      () => {
        const json = JSON.parse(fs.readFileSync(path.join(messaging.dir, "cdk.tf.json"), "utf8"));
        delete json["//"]["cdktf-docker-messaging"];
        return write("cdk.tf.json", JSON.stringify(json));
      },
      /: the stack has no topology description: synthesize it with cdktf-docker-messaging >= 0\.4/,
    ],
  ])("fails on %s: one line, exit code 2", (_what, input, message) => {
    const run = cli([input()]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
  });

  test("rejects a description of another format rather than draw it wrong", () => {
    const json = JSON.parse(fs.readFileSync(path.join(messaging.dir, "cdk.tf.json"), "utf8"));
    json["//"]["cdktf-docker-messaging"].topology.formatVersion = 1; // 0.5's: entities in RabbitMQ and Kafka fields
    expect(() => readTopology(write("cdk.tf.json", JSON.stringify(json)))).toThrow(/topology format 1 is not 2/);
  });
});

function write(name: string, content: string): string {
  const file = path.join(tmp(), name);
  fs.writeFileSync(file, content);
  return file;
}
