// Bundles each app in apps/<app>/src/main.ts into one file, apps/<app>/dist/main.js,
// that its Dockerfile copies into a bare Node 24 image (DefaultImages.node): no npm install at image build,
// so image builds need no network. Run by `npm run synth` before the stack is built,
// hence fast and silent on success.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import { dirname } from "node:path";
// The patches of kafkajs the bundle applies, each with its reason (CommonJS: a unit test loads them too).
import kafkajsPatches from "./kafkajs-patches.cjs";

const APPS = ["rabbitmq-producer", "rabbitmq-consumer", "kafka-producer", "kafka-consumer"];
const repoRoot = dirname(dirname(fileURLToPath(import.meta.url)));

try {
  await build({
    plugins: kafkajsPatches.KAFKAJS_PATCHES,
    // Paths in the output's comments are relative to this: the same bytes from any cwd.
    absWorkingDir: repoRoot,
    entryPoints: Object.fromEntries(APPS.map((app) => [`${app}/dist/main`, `apps/${app}/src/main.ts`])),
    outdir: "apps",
    bundle: true,
    platform: "node",
    target: "node24",
    format: "cjs",
    // @platformatic/kafka (the kafka-producer's client) is ESM: two things its
    // modules do need help in one CommonJS file. @platformatic/wasm-utils
    // loads its CRC32C module from `new URL("../dist/native.wasm",
    // import.meta.url)`, a file the bundle does not carry; its `bundled` entry
    // is the same module with the WebAssembly inline, made for bundlers. And
    // `createRequire(import.meta.url)` runs at load (the schema registry
    // module): import.meta.url is the bundle's own file URL, as in ESM.
    alias: { "@platformatic/wasm-utils": "@platformatic/wasm-utils/bundled" },
    define: { "import.meta.url": "__bundleFileUrl" },
    banner: { js: 'const __bundleFileUrl = require("node:url").pathToFileURL(__filename).href;' },
    minify: false,
    sourcemap: false,
    logLevel: "warning",
  });
} catch {
  // esbuild has printed the errors already.
  process.exitCode = 1;
}
