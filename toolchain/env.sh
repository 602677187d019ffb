# Sourced by every toolchain script, by .ci/run and by hand:
#   . toolchain/env.sh
# Where the cached builds live and how Terraform finds the local provider.
export TOOLCHAIN_CACHE="${TOOLCHAIN_CACHE:-$HOME/.cache/cdktf-docker-messaging}"
export TF_CLI_CONFIG_FILE="$TOOLCHAIN_CACHE/terraformrc"
export TF_PLUGIN_CACHE_DIR="${TF_PLUGIN_CACHE_DIR:-$TOOLCHAIN_CACHE/tf-plugin-cache}"
export CHECKPOINT_DISABLE=1
export CDKTF_DISABLE_TELEMETRY=1
export DOCKER_HOST="${DOCKER_HOST:-unix:///var/run/docker.sock}"
mkdir -p "$TOOLCHAIN_CACHE" "$TF_PLUGIN_CACHE_DIR"
# The apps' Node (toolchain/app-node.sh puts it there): the apps suite and the
# benchmarks run the app bundles with it.
export APP_NODE="${APP_NODE:-$TOOLCHAIN_CACHE/app-node/$(sed -n 's/^NODE_VERSION=//p' "$(dirname "${BASH_SOURCE[0]}")/images/node/node.pin")/bin/node}"
# Terraform: the machine's; without one, the OpenTofu toolchain/terraform.sh built.
if ! command -v terraform >/dev/null 2>&1 && [ -x "$TOOLCHAIN_CACHE/bin/tofu" ]; then
  export PATH="$TOOLCHAIN_CACHE/bin:$PATH" TERRAFORM_BINARY_NAME=tofu
fi
