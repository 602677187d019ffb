/**
 * The Node.js the apps run on in their containers (Node 24, the package
 * DefaultImages.node is built from), as a host install with its headers:
 * toolchain/app-node.sh puts it in the toolchain cache. The benchmarks run
 * the apps and the Kafka clients under test with it: the host's own Node is
 * 20, which @platformatic/kafka does not support, and a comparison should run
 * on the runtime the apps ship with.
 */
import { join } from "path";
import { run } from "./proc";
import { REPO_ROOT } from "./stats";

let prefix: string | undefined;

/** The install's prefix: `<prefix>/bin/node`, `<prefix>/include/node`. */
export function appNodePrefix(): string {
  prefix ??= run("bash", [join(REPO_ROOT, "toolchain", "app-node.sh")])
    .trim()
    .split("\n")
    .pop()!;
  return prefix;
}

export function appNodeBinary(): string {
  return join(appNodePrefix(), "bin", "node");
}
