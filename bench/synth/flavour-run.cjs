// One synth of the default stack on one flavour's *built* package, in its
// own process (what bench/synth-flavours.ts times):
//   node bench/synth/flavour-run.cjs <cdktf|cdktn> <outdir>
// The stack is examples/single-host/main.ts as a user's project has it: its
// `"cdktf"`, `"cdktf-docker-messaging"` and `"constructs"` resolve to the
// flavour's framework, compiled package (dist/, as installed from the
// tarball) and constructs, the way the one import change would. The example
// is compiled by esbuild-register, as in bench/synth.ts.
const Module = require("module");
const path = require("path");

const [flavour, outdir] = process.argv.slice(2);
const root = path.resolve(__dirname, "..", "..");
const cdktnBuild = path.join(root, "flavours", "cdktn");
const targets = {
  cdktf: {
    cdktf: require.resolve("cdktf", { paths: [root] }),
    constructs: require.resolve("constructs", { paths: [root] }),
    "cdktf-docker-messaging": path.join(root, "dist", "constructs", "index.js"),
  },
  cdktn: {
    cdktf: require.resolve("cdktn", { paths: [cdktnBuild] }),
    constructs: require.resolve("constructs", { paths: [cdktnBuild] }),
    "cdktf-docker-messaging": path.join(cdktnBuild, "package", "dist", "constructs", "index.js"),
  },
}[flavour];
if (!targets || !outdir) {
  process.stderr.write("usage: flavour-run.cjs <cdktf|cdktn> <outdir>\n");
  process.exit(2);
}
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return resolve.call(this, targets[request] ?? request, ...rest);
};
require("esbuild-register/dist/node").register();
const { App } = require("cdktf");
const { buildSingleHostStack } = require(path.join(root, "examples", "single-host", "main.ts"));
const app = new App({ outdir });
buildSingleHostStack(app);
app.synth();
