#!/usr/bin/env bash
# Everything the validate, apps and e2e suites need, each step skipped when
# its result is already there: Docker engine, Terraform + the provider mirror,
# the local images, the apps' Node for the host. Then: `. toolchain/env.sh` in your shell.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/env.sh"
bash "$here/docker-engine.sh"
bash "$here/terraform.sh"
bash "$here/provider.sh"
bash "$here/images.sh"
bash "$here/app-node.sh" >/dev/null
