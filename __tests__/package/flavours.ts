/** The two published flavours, as the tarball suite builds, installs and drives them. */
import * as path from "path";
import { repoRoot, run } from "../support/commands";
import type { TarballFlavour } from "./tarball-suite";

const cdktnBuild = path.join(repoRoot, "flavours", "cdktn");

/** `cdktf-docker-messaging`: `npm pack` of this checkout, @cdktf/provider-docker beside it. */
export const CDKTF: TarballFlavour = {
  framework: "cdktf",
  stack: "tarball",
  packageDir: repoRoot,
  // prepack builds the library and bundles the apps.
  pack: (work) => void run("npm", ["pack", "--pack-destination", work], { timeoutSeconds: 300 }),
  cli: path.join(repoRoot, "node_modules", ".bin", "cdktf"),
  nodeBin: "",
  alongside: ["@cdktf/provider-docker@^12.0.3"],
  peers: ["cdktf", "constructs", "@cdktf/provider-docker"],
  extraFiles: [],
};

/**
 * `cdktn-docker-messaging` (flavours/cdktn/build.mjs): the same source on
 * CDK Terrain with the Docker provider's bindings generated and shipped in
 * the package, nothing beside it. cdktn-cli needs Node >= 22.19: the
 * project's commands run on the apps' Node 24, as a cdktn user's machine has one.
 */
export const CDKTN: TarballFlavour = {
  framework: "cdktn",
  stack: "cdktn",
  packageDir: path.join(cdktnBuild, "package"),
  pack: (work) => void run("node", [path.join(cdktnBuild, "build.mjs"), "--pack", work], { timeoutSeconds: 600 }),
  cli: path.join(cdktnBuild, "node_modules", ".bin", "cdktn"),
  nodeBin: path.dirname(process.env.APP_NODE ?? ""),
  alongside: [],
  peers: ["cdktn", "constructs"],
  extraFiles: ["dist/constructs/private/docker/container/index.js", "dist/constructs/private/docker/container/index.d.ts"],
  // The rest of the provider's bindings, for a project that has no @cdktn/provider-docker.
  extraImport: { module: "cdktn-docker-messaging/docker/plugin", name: "Plugin" },
};
