import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

/**
 * Runs one of the package's toolchain scripts (`<package>/toolchain/<script>`)
 * with bash, passing `args` through, and exits with its status. The scripts
 * are the ones this repository's CI runs: they install a Docker engine from
 * Debian, build the Terraform provider mirror from the Go module proxy and
 * the default images from Debian packages, Maven Central and the npm
 * registry, so a host without Docker Hub or the Terraform registry can
 * deploy. They need root on a Debian (or Debian-based) host.
 */
export function runToolchainScript(script: string, args: readonly string[]): never {
  const file = path.join(toolchainDirectory(), script);
  if (!fs.existsSync(file)) {
    process.stderr.write(`cdktf-docker-messaging: ${file} is missing; reinstall the package\n`);
    process.exit(2);
  }
  const result = spawnSync("bash", [file, ...args], { stdio: "inherit" });
  if (result.error) {
    process.stderr.write(`cdktf-docker-messaging: could not run bash ${file}: ${result.error.message}\n`);
    process.exit(2);
  }
  process.exit(result.status ?? 1);
}

/** `<package>/toolchain`: this file is `<package>/dist/constructs/cli/` when installed, `<repo>/constructs/cli/` in a clone. */
function toolchainDirectory(): string {
  for (let dir = __dirname; path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "toolchain", "env.sh")) && fs.existsSync(path.join(dir, "package.json")))
      return path.join(dir, "toolchain");
  }
  return path.join(__dirname, "..", "..", "toolchain");
}
