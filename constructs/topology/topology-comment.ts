import { Lazy, TerraformElement, TerraformStack } from "../private/framework";
import type { IConstruct } from "constructs";
import { describeTopology } from "./describe-topology";
import { TOPOLOGY_COMMENT_KEY, TOPOLOGY_KEY } from "./topology-description";

/** Construct id of the one TopologyComment of a stack. */
const ID = "cdktf-docker-messaging-topology";

/**
 * Puts the stack's topology (describeTopology) into cdk.tf.json as a
 * Terraform JSON comment, `"//": { "cdktf-docker-messaging": { "topology": ... } }`,
 * beside the `"//"` cdktf writes itself: Terraform ignores `//` keys, and a
 * synthesized stack then carries what is needed to draw it, whoever wrote
 * the code (`cdktf-messaging-topology`).
 *
 * One a stack, made by the first of the library's constructs that declare
 * containers (brokers, apps, Prometheus, TLS certificates): they know
 * their stack, the container renderer underneath them need not (an import
 * of this file there tied every construct into one module cycle). The
 * description is made at synth, so constructs added after it count. JSON
 * synth only: `cdktf synth --hcl` has no comment to carry it.
 */
export class TopologyComment extends TerraformElement {
  /** The stack's TopologyComment, made on first use. */
  public static of(scope: IConstruct): TopologyComment {
    const stack = TerraformStack.of(scope);
    const existing = stack.node.tryFindChild(ID);
    return existing instanceof TopologyComment ? existing : new TopologyComment(stack, ID);
  }

  /**
   * The comment `stack` carries in cdk.tf.json, `"//": { "cdktf-docker-messaging": { "topology": ... } }`,
   * as it would be written now; undefined for a stack without one (none of the library's constructs).
   */
  public static commentOf(stack: TerraformStack): Record<string, unknown> | undefined {
    if (!(stack.node.tryFindChild(ID) instanceof TopologyComment)) return undefined;
    return { [TOPOLOGY_COMMENT_KEY]: { [TOPOLOGY_KEY]: describeTopology(stack) } };
  }

  private constructor(
    private readonly stack: TerraformStack,
    id: string,
  ) {
    super(stack, id);
  }

  public toTerraform(): any {
    // Made when the stack resolves it for output; its preparing pass (run
    // first, for cross-stack references, which a description has none of) gets nothing.
    const topology = Lazy.anyValue({ produce: (context) => (context.preparing ? {} : describeTopology(this.stack)) });
    return { "//": { [TOPOLOGY_COMMENT_KEY]: { [TOPOLOGY_KEY]: topology } } };
  }
}
