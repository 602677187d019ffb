// Bundles each app in apps/<app>/src/main.ts into one file, apps/<app>/dist/main.js,
// that its Dockerfile copies into a bare Node 24 image (DefaultImages.node): no npm install at image build,
// so image builds need no network. Run by `npm run synth` before the stack is built,
// hence fast and silent on success.
import { build } from "esbuild";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { dirname } from "node:path";

const APPS = ["rabbitmq-producer", "rabbitmq-consumer", "kafka-producer", "kafka-consumer"];
const repoRoot = dirname(dirname(fileURLToPath(import.meta.url)));

/**
 * kafkajs 2.2.4 can lose acknowledged records when a partition leader dies:
 * src/producer/sendMessages.js retries only to brokers that have not yet
 * answered the send, so a partition whose leadership moved to a broker that
 * already answered (for other partitions) is never re-sent, yet the send
 * resolves (kafkajs issue #1303, PR #1798 open; measured in the cluster e2e
 * suite: 2 confirmed records missing in 2 of 5 leader kills). The patch
 * makes every retry re-send the whole batch to the current leaders: at
 * least once (duplicates are counted by the consumers), never lost.
 * The build fails if the patched line is gone (another kafkajs version).
 */
const KAFKAJS_RETRY_ALL = {
  name: "kafkajs-retry-all-partitions",
  setup(b) {
    b.onLoad({ filter: /kafkajs[\\/]src[\\/]producer[\\/]sendMessages\.js$/ }, async (args) => {
      const source = await readFile(args.path, "utf8");
      const anchor = "return retrier(async (bail, retryCount, retryTime) => {";
      if (!source.includes(anchor))
        throw new Error(`kafkajs patch: "${anchor}" not found in ${args.path}; re-check the retry fix for this kafkajs version`);
      const patched = source.replace(
        anchor,
        `${anchor}\n      if (retryCount > 0) responsePerBroker.clear() // cdktf-docker-messaging: re-send every partition on a retry`,
      );
      return { contents: patched, loader: "js" };
    });
  },
};

/**
 * kafkajs 2.2.4 hides why it found no group coordinator: the broker's error
 * (GROUP_AUTHORIZATION_FAILED for a consumer without Read on its group) is
 * logged at debug level only, and consumers crash with a bare "Failed to find
 * group coordinator". The patch keeps the last such error as the thrown
 * error's `cause` and in its message, so the apps can log an authorization
 * refusal (apps/shared/kafka-client.ts). The build fails if an anchor is gone.
 */
const KAFKAJS_COORDINATOR_CAUSE = {
  name: "kafkajs-group-coordinator-cause",
  setup(b) {
    b.onLoad({ filter: /kafkajs[\\/]src[\\/]cluster[\\/]index\.js$/ }, async (args) => {
      let source = await readFile(args.path, "utf8");
      const edits = [
        [
          "async findGroupCoordinatorMetadata({ groupId, coordinatorType }) {",
          "async findGroupCoordinatorMetadata({ groupId, coordinatorType }) {\n    let lastError // cdktf-docker-messaging: the broker's reason, kept",
        ],
        [
          "this.logger.debug('Tried to find group coordinator', {",
          "lastError = e\n          this.logger.debug('Tried to find group coordinator', {",
        ],
        [
          "throw new KafkaJSGroupCoordinatorNotFound('Failed to find group coordinator')",
          "throw new KafkaJSGroupCoordinatorNotFound(lastError ? `Failed to find group coordinator: ${lastError.message}` : 'Failed to find group coordinator', { cause: lastError })",
        ],
      ];
      for (const [anchor, replacement] of edits) {
        if (!source.includes(anchor))
          throw new Error(
            `kafkajs patch: "${anchor}" not found in ${args.path}; re-check the coordinator error fix for this kafkajs version`,
          );
        source = source.replace(anchor, replacement);
      }
      return { contents: source, loader: "js" };
    });
  },
};

try {
  await build({
    plugins: [KAFKAJS_RETRY_ALL, KAFKAJS_COORDINATOR_CAUSE],
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
