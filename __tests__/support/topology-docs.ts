/**
 * The README's picture of the default stack, made the way a user makes one:
 * `cdktf synth` (App.synth into a temporary cdktf.out), then the
 * cdktf-messaging-topology command on the synthesized stack. The unit suite
 * checks that the committed files are what this makes now;
 * `npm run docs:topology` writes them.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App } from "cdktf";
import { buildDefaultStack, DEFAULT_STACK_NAME } from "../../main";
import { writeTopology } from "../../constructs/cli/topology";

const REPO = path.resolve(__dirname, "..", "..");
export const README = path.join(REPO, "README.md");
export const DEFAULT_STACK_SVG = path.join(REPO, "docs", "topology", "default-stack.svg");
export const MERMAID_BEGIN = "<!-- topology-mermaid:begin (written by npm run docs:topology) -->";
export const MERMAID_END = "<!-- topology-mermaid:end -->";
export const REGENERATE = "npm run docs:topology";

/** The default stack's SVG and Mermaid, by the command, from a fresh synth. */
export function defaultStackPictures(): { svg: string; mermaid: string } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "topology-docs-"));
  try {
    const app = new App({ outdir, stackTraces: false });
    buildDefaultStack(app);
    app.synth();
    const stackDir = path.join(outdir, "stacks", DEFAULT_STACK_NAME);
    const svg = path.join(outdir, "topology.svg");
    const mermaid = path.join(outdir, "topology.mmd");
    writeTopology({ stackFile: path.join(stackDir, "cdk.tf.json"), svg, mermaid });
    return { svg: fs.readFileSync(svg, "utf8"), mermaid: fs.readFileSync(mermaid, "utf8") };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** The README's Mermaid block: the text between the markers. */
export function mermaidBlock(mermaid: string): string {
  return `\n\`\`\`mermaid\n${mermaid}\`\`\`\n`;
}

/** `readme` with the block between the markers replaced. */
export function withMermaidBlock(readme: string, mermaid: string): string {
  const begin = readme.indexOf(MERMAID_BEGIN);
  const end = readme.indexOf(MERMAID_END);
  if (begin < 0 || end < begin) throw new Error(`README.md has no ${MERMAID_BEGIN} ... ${MERMAID_END} markers`);
  return readme.slice(0, begin + MERMAID_BEGIN.length) + mermaidBlock(mermaid) + readme.slice(end);
}

if (require.main === module) {
  const { svg, mermaid } = defaultStackPictures();
  fs.mkdirSync(path.dirname(DEFAULT_STACK_SVG), { recursive: true });
  fs.writeFileSync(DEFAULT_STACK_SVG, svg);
  fs.writeFileSync(README, withMermaidBlock(fs.readFileSync(README, "utf8"), mermaid));
  console.log(`wrote ${path.relative(REPO, DEFAULT_STACK_SVG)} and the Mermaid block of README.md`);
}
