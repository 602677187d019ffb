# Sourced by every toolchain script, by .ci/run and by hand:
#   . toolchain/env.sh
# Where the cached builds live and how Terraform finds the local provider.
export TOOLCHAIN_CACHE="${TOOLCHAIN_CACHE:-$HOME/.cache/cdktf-docker-messaging}"
# The provider build (toolchain/provider.sh: version and source patches), its
# mirror, CLI config and plugin cache are keyed by that script's content, so a
# changed build never replaces a binary that an earlier lock file names.
_toolchain_dir=$(cd "$(dirname "${BASH_SOURCE[0]:-toolchain/env.sh}")" && pwd)
PROVIDER_CACHE="$TOOLCHAIN_CACHE/provider-$(sha256sum "$_toolchain_dir/provider.sh" | cut -c1-12)"
export PROVIDER_CACHE
export TF_CLI_CONFIG_FILE="$PROVIDER_CACHE/terraformrc"
# A plugin cache of your own is kept; one an earlier env.sh set is not.
case "${TF_PLUGIN_CACHE_DIR:-}" in
  "" | "$TOOLCHAIN_CACHE/tf-plugin-cache" | "$TOOLCHAIN_CACHE"/provider-*/tf-plugin-cache) TF_PLUGIN_CACHE_DIR="$PROVIDER_CACHE/tf-plugin-cache" ;;
esac
export TF_PLUGIN_CACHE_DIR
# Turns off cdktf's and Terraform's version checks and telemetry. No CDKTF_*
# variable is set here: cdktf's CLI reads every CDKTF_* variable as an option
# (yargs' env prefix), and `cdktf init` refuses one it does not know
# ("Unknown argument: disableTelemetry" for the CDKTF_DISABLE_TELEMETRY that
# earlier versions of this file set; cdktf 0.21 reads only CHECKPOINT_DISABLE).
export CHECKPOINT_DISABLE=1
unset CDKTF_DISABLE_TELEMETRY
export DOCKER_HOST="${DOCKER_HOST:-unix:///var/run/docker.sock}"
mkdir -p "$TOOLCHAIN_CACHE" "$PROVIDER_CACHE" "$TF_PLUGIN_CACHE_DIR"
# The apps' Node (toolchain/app-node.sh puts it there): the apps suite and the
# benchmarks run the app bundles with it.
export APP_NODE="${APP_NODE:-$TOOLCHAIN_CACHE/app-node/$(sed -n 's/^NODE_VERSION=//p' "$_toolchain_dir/images/node/node.pin")/bin/node}"
unset _toolchain_dir
# Terraform: the machine's; without one, the OpenTofu toolchain/terraform.sh built.
if ! command -v terraform >/dev/null 2>&1 && [ -x "$TOOLCHAIN_CACHE/bin/tofu" ]; then
  export PATH="$TOOLCHAIN_CACHE/bin:$PATH" TERRAFORM_BINARY_NAME=tofu
fi
