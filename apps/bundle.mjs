// Bundles each app in apps/<app>/src/main.ts into one file, apps/<app>/dist/main.js,
// that its Dockerfile copies into a bare Node 24 image (DefaultImages.node): no npm install at image build,
// so image builds need no network. Run by `npm run synth` before the stack is built,
// hence fast and silent on success.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import { dirname } from "node:path";

const APPS = ["rabbitmq-producer", "rabbitmq-consumer", "kafka-producer", "kafka-consumer"];
const repoRoot = dirname(dirname(fileURLToPath(import.meta.url)));

try {
  await build({
    // Paths in the output's comments are relative to this: the same bytes from any cwd.
    absWorkingDir: repoRoot,
    entryPoints: Object.fromEntries(APPS.map((app) => [`${app}/dist/main`, `apps/${app}/src/main.ts`])),
    outdir: "apps",
    bundle: true,
    platform: "node",
    target: "node24",
    format: "cjs",
    minify: false,
    sourcemap: false,
    logLevel: "warning",
  });
} catch {
  // esbuild has printed the errors already.
  process.exitCode = 1;
}
