#!/usr/bin/env bash
# Builds the Terraform provider kreuzwerker/docker from the Go module proxy and
# installs it in a filesystem mirror; writes a Terraform CLI config naming it.
# Idempotent: the binary is cached outside the repo, keyed by version.
#
# Why a wrapper module: the provider's go.mod says
# `module github.com/terraform-providers/terraform-provider-docker` while the
# code lives at github.com/kreuzwerker/terraform-provider-docker, and its tags
# carry no major-version suffix, so `go install ...@vX` is refused. A `replace`
# to a pseudo-version builds it.
#
# Why not 3.6.2: the Go module proxy reachable here refuses the v3.6.2 commit
# (GET .../@v/v0.0.0-20250613214648-2f20f8c3ce82.zip -> "403 Forbidden: This
# module version is not available") and lists exactly one version of the
# repository, v0.0.0-20260916201441-96d331c98ff4 (2026-09-16, master after
# v4.6.0 per its CHANGELOG.md). That is the provider we build, mirror under
# 4.6.0 and validate and deploy against; constructs/provider/docker-provider.ts
# pins the same version for the stacks.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/env.sh"

version=4.6.0
pseudo=v0.0.0-20260916201441-96d331c98ff4
plugin_dir="$TOOLCHAIN_CACHE/tf-mirror/registry.terraform.io/kreuzwerker/docker/$version/linux_amd64"
binary="$plugin_dir/terraform-provider-docker_v$version"

if [ ! -x "$binary" ]; then
  echo "provider: building kreuzwerker/docker $version from the Go module proxy"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  cat > "$work/go.mod" <<MOD
module local/provider-build

go 1.22

require github.com/terraform-providers/terraform-provider-docker v0.0.0

replace github.com/terraform-providers/terraform-provider-docker => github.com/kreuzwerker/terraform-provider-docker $pseudo
MOD
  mkdir -p "$plugin_dir"
  # -mod=mod: go build resolves the provider's own requirements into go.mod.
  (cd "$work" && GOFLAGS="${GOFLAGS:-} -mod=mod" CGO_ENABLED=0 go build -trimpath \
    -ldflags "-s -w -X main.version=$version" \
    -o "$binary.tmp" github.com/terraform-providers/terraform-provider-docker)
  mv "$binary.tmp" "$binary"
  echo "provider: built in $SECONDS s"
else
  echo "provider: cached $binary"
fi

# OpenTofu resolves `kreuzwerker/docker` under registry.opentofu.org: the same
# binary serves both hosts. A hard link, since the mirror scan does not enter
# symlinked folders.
tofu_dir="$TOOLCHAIN_CACHE/tf-mirror/registry.opentofu.org/kreuzwerker/docker/$version/linux_amd64"
mkdir -p "$tofu_dir"
ln -f "$binary" "$tofu_dir/$(basename "$binary")"

cat > "$TF_CLI_CONFIG_FILE" <<CFG
# Written by toolchain/provider.sh: providers come from the local mirror only,
# since this machine cannot reach the Terraform registry.
provider_installation {
  filesystem_mirror {
    path    = "$TOOLCHAIN_CACHE/tf-mirror"
    include = ["registry.terraform.io/kreuzwerker/docker", "registry.opentofu.org/kreuzwerker/docker"]
  }
  direct {
    exclude = ["registry.terraform.io/kreuzwerker/docker", "registry.opentofu.org/kreuzwerker/docker"]
  }
}
CFG
