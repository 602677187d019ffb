#!/usr/bin/env node
/**
 * cdktf-messaging-topology: draws a synthesized stack's topology (brokers
 * and their nodes, exchanges, bindings, queues, dead-letter paths, topics,
 * apps and what they are wired to, networks, published ports) as SVG and as
 * a Mermaid flowchart, from the description the constructs put in
 * cdk.tf.json at synth. No code of the stack is run, nothing is fetched.
 *
 *   cdktf-messaging-topology [STACK] [--svg FILE] [--mermaid FILE]
 *
 * STACK is a synthesized stack folder (cdktf.out/stacks/<name>) or its
 * cdk.tf.json (default: the only stack in cdktf.out/stacks). Without
 * --svg or --mermaid, both are written next to cdk.tf.json, as
 * topology.svg and topology.mmd; `-` writes to standard output.
 */
import * as fs from "fs";
import * as path from "path";
import { renderTopologyMermaid } from "../topology/render-mermaid";
import { renderTopologySvg } from "../topology/render-svg";
import { TOPOLOGY_COMMENT_KEY, TOPOLOGY_FORMAT_VERSION, TOPOLOGY_KEY, type TopologyDescription } from "../topology/topology-description";

const USAGE = `usage: cdktf-messaging-topology [STACK] [--svg FILE] [--mermaid FILE]

  STACK           a synthesized stack folder (cdktf.out/stacks/<name>) or its cdk.tf.json
                  (default: the only stack in cdktf.out/stacks)
  --svg FILE      write the SVG picture to FILE ('-': standard output)
  --mermaid FILE  write the Mermaid flowchart to FILE ('-': standard output)

Without --svg and --mermaid, writes topology.svg and topology.mmd next to cdk.tf.json.`;

/** A usage or input problem: printed as one line, exit code 2. */
export class TopologyUsageError extends Error {}

export interface TopologyOptions {
  /** The stack's cdk.tf.json. */
  readonly stackFile: string;
  readonly svg?: string;
  readonly mermaid?: string;
}

export function parseArgs(argv: string[], cwd = process.cwd()): TopologyOptions {
  let input: string | undefined;
  let svg: string | undefined;
  let mermaid: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || (v.startsWith("--") && v !== "-"))
        throw new TopologyUsageError(`${arg} needs a file name (or - for standard output)`);
      return v;
    };
    if (arg === "--svg") svg = value();
    else if (arg === "--mermaid") mermaid = value();
    else if (arg.startsWith("-") && arg !== "-") throw new TopologyUsageError(`unknown option '${arg}' (see --help)`);
    else if (input === undefined) input = arg;
    else throw new TopologyUsageError(`one stack at a time: got '${input}' and '${arg}'`);
  }
  if (svg === "-" && mermaid === "-") throw new TopologyUsageError("only one of --svg and --mermaid can go to standard output");
  const stackFile = resolveStackFile(cwd, input);
  if (svg === undefined && mermaid === undefined) {
    svg = path.join(path.dirname(stackFile), "topology.svg");
    mermaid = path.join(path.dirname(stackFile), "topology.mmd");
  }
  const at = (file: string | undefined) => (file === undefined || file === "-" ? file : path.resolve(cwd, file));
  return { stackFile, ...(svg !== undefined ? { svg: at(svg) } : {}), ...(mermaid !== undefined ? { mermaid: at(mermaid) } : {}) };
}

function resolveStackFile(cwd: string, input: string | undefined): string {
  if (input === undefined) {
    const stacks = path.join(cwd, "cdktf.out", "stacks");
    const found = fs.existsSync(stacks)
      ? fs
          .readdirSync(stacks)
          .filter((d) => fs.existsSync(path.join(stacks, d, "cdk.tf.json")))
          .sort()
      : [];
    if (found.length === 1) return path.join(stacks, found[0], "cdk.tf.json");
    if (found.length === 0)
      throw new TopologyUsageError(
        `no synthesized stack in ${stacks}: run \`cdktf synth\` (\`cdktn synth\` on cdktn) first, or name a stack folder or its cdk.tf.json`,
      );
    throw new TopologyUsageError(
      `${stacks} holds ${found.length} stacks (${found.join(", ")}): name one, e.g. cdktf.out/stacks/${found[0]}`,
    );
  }
  const given = path.resolve(cwd, input);
  if (!fs.existsSync(given)) throw new TopologyUsageError(`${input}: no such file or folder`);
  const file = fs.statSync(given).isDirectory() ? path.join(given, "cdk.tf.json") : given;
  if (!fs.existsSync(file))
    throw new TopologyUsageError(`${input}: no cdk.tf.json in this folder (a synthesized stack is cdktf.out/stacks/<name>)`);
  return file;
}

/** The topology description a synthesized stack carries. */
export function readTopology(stackFile: string): TopologyDescription {
  let json: any;
  try {
    json = JSON.parse(fs.readFileSync(stackFile, "utf8"));
  } catch (error) {
    throw new TopologyUsageError(
      `${stackFile}: not a synthesized cdktf stack (not JSON: ${error instanceof Error ? error.message : error})`,
    );
  }
  const comment = json !== null && typeof json === "object" ? json["//"] : undefined;
  if (comment === undefined || typeof comment !== "object" || comment.metadata === undefined) {
    throw new TopologyUsageError(`${stackFile}: not a synthesized cdktf stack (no "//".metadata, which cdktf writes)`);
  }
  const topology = comment[TOPOLOGY_COMMENT_KEY]?.[TOPOLOGY_KEY];
  if (topology === undefined) {
    throw new TopologyUsageError(
      `${stackFile}: the stack has no topology description: synthesize it with cdktf-docker-messaging >= 0.4 (a stack without its constructs has none)`,
    );
  }
  if (typeof topology !== "object" || topology.formatVersion !== TOPOLOGY_FORMAT_VERSION) {
    throw new TopologyUsageError(
      `${stackFile}: topology format ${topology?.formatVersion} is not ${TOPOLOGY_FORMAT_VERSION}: use the cdktf-messaging-topology of the cdktf-docker-messaging that synthesized it`,
    );
  }
  return topology as TopologyDescription;
}

/** Renders and writes; returns what it wrote, for the message. */
export function writeTopology(options: TopologyOptions, stdout: (text: string) => void = (t) => process.stdout.write(t)): string[] {
  const topology = readTopology(options.stackFile);
  const written: string[] = [];
  const write = (file: string | undefined, render: () => string) => {
    if (file === undefined) return;
    if (file === "-") return stdout(render());
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, render());
    written.push(file);
  };
  write(options.svg, () => renderTopologySvg(topology));
  write(options.mermaid, () => renderTopologyMermaid(topology));
  return written;
}

if (require.main === module) {
  if (process.argv.includes("--help") || process.argv.includes("-h")) {
    console.log(USAGE);
  } else {
    try {
      const options = parseArgs(process.argv.slice(2));
      const written = writeTopology(options);
      // To stderr: standard output may be the picture itself.
      for (const file of written) console.error(`wrote ${path.relative(process.cwd(), file) || file}`);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      console.error(error instanceof TopologyUsageError ? message : `topology: ${message}`);
      process.exit(error instanceof TopologyUsageError ? 2 : 1);
    }
  }
}
