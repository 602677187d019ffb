/**
 * The README's picture of the default stack is what the command makes now:
 * a change to the stack or the renderer that changes the picture fails
 * here until the picture is made again.
 */
import * as fs from "fs";
import {
  DEFAULT_STACK_SVG,
  defaultStackPictures,
  mermaidBlock,
  MERMAID_BEGIN,
  MERMAID_END,
  README,
  REGENERATE,
} from "../../support/topology-docs";

describe("the README's topology picture", () => {
  const { svg, mermaid } = defaultStackPictures();

  test(`docs/topology/default-stack.svg is the default stack's picture (else: ${REGENERATE})`, () => {
    const committed = fs.existsSync(DEFAULT_STACK_SVG) ? fs.readFileSync(DEFAULT_STACK_SVG, "utf8") : "";
    if (committed !== svg)
      throw new Error(
        `docs/topology/default-stack.svg differs from what cdktf-messaging-topology makes of the default stack now: run \`${REGENERATE}\` and commit it`,
      );
  });

  test(`the README's Mermaid block is the default stack's flowchart (else: ${REGENERATE})`, () => {
    const readme = fs.readFileSync(README, "utf8");
    const block = readme.slice(readme.indexOf(MERMAID_BEGIN) + MERMAID_BEGIN.length, readme.indexOf(MERMAID_END));
    if (block !== mermaidBlock(mermaid))
      throw new Error(
        `README.md's Mermaid block differs from what cdktf-messaging-topology makes of the default stack now: run \`${REGENERATE}\` and commit it`,
      );
  });

  test("the README shows the picture", () => {
    expect(fs.readFileSync(README, "utf8")).toContain("](docs/topology/default-stack.svg)");
  });
});
