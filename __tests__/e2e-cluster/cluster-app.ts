/**
 * The fault suite's cdktf app (../faults/): the clusters example stack
 * (examples/cluster/main.ts), synthesized the way main.ts
 * synthesizes the default stack, into its own output folder so it never
 * touches cdktf.out/ of the default stack:
 *
 *   node -r ./toolchain/ts-register.cjs __tests__/e2e-cluster/cluster-app.ts [outdir]
 *
 * outdir defaults to cdktf.out-cluster/ at the repository root; the stack is
 * then in <outdir>/stacks/cluster/, its local state next to the
 * repository's other states (terraform.cluster.tfstate).
 */
import "../../constructs/private/synth-entry";
import * as path from "path";
import { App } from "cdktf";
import { runSynth } from "../../constructs";
import { buildClusterStack, CLUSTER_STACK_NAME } from "../../examples/cluster/main";

export { CLUSTER_STACK_NAME };
export const CLUSTER_OUTDIR = path.resolve(__dirname, "..", "..", "cdktf.out-cluster");

if (require.main === module) {
  runSynth(() => {
    const app = new App({ stackTraces: false, outdir: process.argv[2] ?? CLUSTER_OUTDIR });
    buildClusterStack(app, CLUSTER_STACK_NAME);
    app.synth();
  });
}
