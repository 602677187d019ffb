// Builds the cdktn flavour of this package, `cdktn-docker-messaging`: the
// same constructs on CDK Terrain (cdktn, the maintained fork of cdktf), with
// the Docker provider's bindings generated from the provider this project
// builds and shipped inside the package (no @cdktn/provider-docker is
// published).
//
//   node flavours/cdktn/build.mjs [--bindings-only] [--pack DIR]
//
// 1. The build's tools (flavours/cdktn/package.json: cdktn, cdktn-cli and
//    the constructs cdktn accepts) are installed there when missing.
// 2. The bindings: `cdktn get` of kreuzwerker/docker at the version the
//    stacks pin (DOCKER_PROVIDER_VERSION), from the local provider mirror
//    that toolchain/provider.sh fills, into flavours/cdktn/generated/. Kept
//    until the provider build (provider.sh) or cdktn changes: a new provider
//    version is a new provider.sh, hence regenerated bindings.
//    --bindings-only stops here (the cdktn test projects need no more).
// 3. The library's source is staged with its two flavour files rewritten,
//    constructs/private/framework.ts ("cdktf" -> "cdktn") and
//    constructs/private/bindings.ts (@cdktf/provider-docker/lib/X -> the
//    generated ./docker/X), and compiled with the build's tsconfig into
//    flavours/cdktn/package/dist/. Every other file is compiled unchanged:
//    the build fails if any other file still names cdktf.
// 4. flavours/cdktn/package/ gets everything else the cdktf package ships
//    (the apps' bundles and Dockerfiles, the toolchain, docs, README,
//    CHANGELOG) and a package.json derived from the root one.
//    --pack DIR then runs `npm pack` there and prints the tarball's path.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const flavour = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(flavour, "..", "..");
const generated = path.join(flavour, "generated");
const stage = path.join(flavour, "stage");
const out = path.join(flavour, "package");
const args = process.argv.slice(2);
const bindingsOnly = args.includes("--bindings-only");
const packDir = args.includes("--pack") ? path.resolve(args[args.indexOf("--pack") + 1] ?? "") : undefined;

/** The environment toolchain/env.sh makes (the provider mirror's CLI config, the apps' Node), read once when needed. */
let toolchain;
const toolchainEnv = () =>
  (toolchain ??= Object.fromEntries(
    execFileSync("bash", ["-c", `. "${root}/toolchain/env.sh" && env -0`])
      .toString()
      .split("\0")
      .filter(Boolean)
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
  ));
const fail = (message) => {
  console.error(`cdktn flavour: ${message}`);
  process.exit(1);
};

// 1. Tools: installed from the lock file when missing or not the versions package.json names.
const installedVersion = (name) => {
  try {
    return JSON.parse(fs.readFileSync(path.join(flavour, "node_modules", name, "package.json"), "utf8")).version;
  } catch {
    return undefined;
  }
};
const tools = JSON.parse(fs.readFileSync(path.join(flavour, "package.json"), "utf8")).devDependencies;
if (Object.entries(tools).some(([name, version]) => installedVersion(name) !== version)) {
  execFileSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: flavour, stdio: "inherit" });
}
const cdktnVersion = JSON.parse(fs.readFileSync(path.join(flavour, "node_modules", "cdktn", "package.json"), "utf8")).version;

// 2. Bindings.
const providerVersion = /DOCKER_PROVIDER_VERSION = "([^"]+)"/.exec(
  fs.readFileSync(path.join(root, "constructs", "provider", "docker-provider.ts"), "utf8"),
)?.[1];
if (!providerVersion) fail("DOCKER_PROVIDER_VERSION not found in constructs/provider/docker-provider.ts");
const providerBuild = createHash("sha256")
  .update(fs.readFileSync(path.join(root, "toolchain", "provider.sh")))
  .digest("hex")
  .slice(0, 12);
const stamp = `kreuzwerker/docker ${providerVersion}, provider build ${providerBuild}, cdktn-cli ${cdktnVersion}\n`;
const stampFile = path.join(generated, "providers", "docker", "GENERATED-FROM");
if (!fs.existsSync(stampFile) || fs.readFileSync(stampFile, "utf8") !== stamp) {
  const mirror = path.join(toolchainEnv().PROVIDER_CACHE, "tf-mirror", "registry.terraform.io", "kreuzwerker", "docker", providerVersion);
  if (!fs.existsSync(mirror))
    fail(`the provider kreuzwerker/docker ${providerVersion} is not in ${mirror}: run bash toolchain/setup.sh first`);
  fs.rmSync(generated, { recursive: true, force: true });
  fs.writeFileSync(
    path.join(flavour, "cdktf.json"),
    JSON.stringify(
      {
        language: "typescript",
        app: "true",
        codeMakerOutput: "generated",
        terraformProviders: [`kreuzwerker/docker@= ${providerVersion}`],
        projectId: "cdktn-docker-messaging-build",
        sendCrashReports: "false",
      },
      null,
      2,
    ) + "\n",
  );
  // cdktn-cli 0.24 needs Node >= 22.19 (its engines field; on Node 20 it dies
  // at start on undici's markAsUncloneable): it runs on the apps' Node 24
  // (toolchain/app-node.sh), the host's Node 20 stays cdktf's.
  const appNode = toolchainEnv().APP_NODE;
  if (!fs.existsSync(appNode)) fail(`${appNode} is missing: run bash toolchain/setup.sh first (cdktn-cli needs Node >= 22.19)`);
  const started = Date.now();
  execFileSync(path.join(flavour, "node_modules", ".bin", "cdktn"), ["get"], {
    cwd: flavour,
    env: { ...toolchainEnv(), PATH: `${path.dirname(appNode)}:${toolchainEnv().PATH}` },
    stdio: ["ignore", "inherit", "inherit"],
  });
  fs.writeFileSync(stampFile, stamp);
  console.log(`cdktn flavour: generated the bindings of ${stamp.trim()} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
if (bindingsOnly) process.exit(0);

// 3. Stage and compile.
fs.rmSync(stage, { recursive: true, force: true });
fs.rmSync(out, { recursive: true, force: true });
fs.cpSync(path.join(root, "constructs"), path.join(stage, "constructs"), { recursive: true });
fs.cpSync(path.join(generated, "providers", "docker"), path.join(stage, "constructs", "private", "docker"), { recursive: true });

/** Rewrites every import specifier of `file` that `from` matches; exactly `expected` of them, or the build fails. */
function rewriteImports(file, from, to, expected) {
  const full = path.join(stage, "constructs", file);
  let count = 0;
  const text = fs.readFileSync(full, "utf8").replace(new RegExp(`from "${from}`, "g"), () => (count++, `from "${to}`));
  if (count !== expected) fail(`${file}: expected ${expected} imports from "${from}...", found ${count}: update build.mjs with it`);
  fs.writeFileSync(full, text);
}
const frameworkImports = (fs.readFileSync(path.join(root, "constructs/private/framework.ts"), "utf8").match(/from "cdktf"/g) ?? []).length;
const bindingImports = (
  fs.readFileSync(path.join(root, "constructs/private/bindings.ts"), "utf8").match(/from "@cdktf\/provider-docker\/lib\//g) ?? []
).length;
if (frameworkImports === 0 || bindingImports === 0) fail("constructs/private/framework.ts or bindings.ts imports nothing to rewrite");
rewriteImports("private/framework.ts", 'cdktf"', 'cdktn"', frameworkImports);
rewriteImports("private/bindings.ts", "@cdktf/provider-docker/lib/", "./docker/", bindingImports);

// Nothing else may name the framework or its bindings (eslint says the same of constructs/).
const stray = [];
for (const file of fs.readdirSync(path.join(stage, "constructs"), { recursive: true })) {
  if (!String(file).endsWith(".ts") || String(file).startsWith(path.join("private", "docker"))) continue;
  const text = fs.readFileSync(path.join(stage, "constructs", String(file)), "utf8");
  if (/(from |require\()"(cdktf|@cdktf\/[^"]*)"/.test(text)) stray.push(String(file));
}
if (stray.length) fail(`these files still import cdktf or @cdktf/*: ${stray.join(", ")}`);

fs.writeFileSync(
  path.join(stage, "tsconfig.json"),
  JSON.stringify(
    {
      // The published library's options (tsconfig.build.json), resolving cdktn and constructs from flavours/cdktn/node_modules.
      extends: path.join(root, "tsconfig.json"),
      compilerOptions: {
        rootDir: stage,
        outDir: path.join(out, "dist"),
        stripInternal: true,
        types: ["node"],
        typeRoots: [path.join(root, "node_modules", "@types")],
        paths: {},
      },
      include: [path.join(stage, "constructs", "**", "*.ts")],
      exclude: [],
    },
    null,
    2,
  ),
);
execFileSync(path.join(root, "node_modules", ".bin", "tsc"), ["-p", stage], { stdio: "inherit" });

// 4. The package: the cdktf package's other files, and its manifest with the cdktn peers.
execFileSync("node", [path.join(root, "apps", "bundle.mjs")], { stdio: "inherit" });
const listing = JSON.parse(execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: root }).toString());
for (const { path: file } of listing[0].files) {
  if (file.startsWith("dist/") || file === "package.json") continue;
  fs.mkdirSync(path.dirname(path.join(out, file)), { recursive: true });
  fs.copyFileSync(path.join(root, file), path.join(out, file));
}
const manifest = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
const cdktnPeers = JSON.parse(fs.readFileSync(path.join(flavour, "node_modules", "cdktn", "package.json"), "utf8")).peerDependencies;
const flavoured = {
  name: "cdktn-docker-messaging",
  version: manifest.version,
  description: manifest.description.replace("CDK for Terraform", "CDK Terrain (cdktn)"),
  license: manifest.license,
  main: manifest.main,
  types: manifest.types,
  bin: manifest.bin,
  exports: {
    ...manifest.exports,
    // The whole Docker provider's bindings, generated for this package: a cdktn project has no @cdktn/provider-docker.
    "./docker/*": { types: "./dist/constructs/private/docker/*/index.d.ts", default: "./dist/constructs/private/docker/*/index.js" },
  },
  typesVersions: { "*": { ...manifest.typesVersions["*"], "docker/*": ["dist/constructs/private/docker/*/index.d.ts"] } },
  files: ["dist", ...manifest.files.filter((f) => !f.startsWith("dist"))],
  engines: manifest.engines,
  peerDependencies: { cdktn: `~${cdktnVersion}`, constructs: cdktnPeers.constructs },
};
fs.writeFileSync(path.join(out, "package.json"), JSON.stringify(flavoured, null, 2) + "\n");
console.log(`cdktn flavour: built ${flavoured.name}@${flavoured.version} in ${path.relative(root, out)}`);

if (packDir) {
  fs.mkdirSync(packDir, { recursive: true });
  const packed = JSON.parse(execFileSync("npm", ["pack", "--json", "--pack-destination", packDir], { cwd: out }).toString());
  console.log(path.join(packDir, packed[0].filename));
}
