/**
 * One synth, in its own process (what bench/synth.ts times):
 *   node -r esbuild-register bench/synth/run-one.ts <ours|raw> <apps> <outdir>
 * Builds the stack, synthesizes it into <outdir> (App outdir), exits.
 */
import "./source-maps"; // first: may turn source maps off before cdktf loads
import { App } from "cdktf";
import { buildOursStack } from "./ours-stack";
import { buildRawStack } from "./raw-stack";

const [impl, appsArg, outdir] = process.argv.slice(2);
const apps = Number(appsArg);
if ((impl !== "ours" && impl !== "raw") || !Number.isInteger(apps) || apps < 0 || !outdir) {
  process.stderr.write("usage: run-one.ts <ours|raw> <apps> <outdir>\n");
  process.exit(2);
}
const app = new App({ outdir });
if (impl === "ours") buildOursStack(app, apps);
else buildRawStack(app, apps);
app.synth();
