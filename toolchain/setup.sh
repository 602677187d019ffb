#!/usr/bin/env bash
# Everything the validate, apps and e2e suites need, each step skipped when
# its result is already there: Docker engine, Terraform + the provider mirror,
# the local images. Then: `. toolchain/env.sh` in your shell.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/env.sh"
bash "$here/docker-engine.sh"
if ! terraform version >/dev/null 2>&1; then
  echo "setup: no terraform on PATH; install Terraform >= 1.5 (see README)" >&2
  exit 1
fi
echo "setup: $(terraform version | head -n 1)"
bash "$here/provider.sh"
bash "$here/images.sh"
