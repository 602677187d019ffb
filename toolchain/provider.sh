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
#
# Patched: the provider's fixed waits, its too-short wait on a destroyed
# service's containers and its early return from a rolling update (see
# patch_source below). The build, its
# mirror, the CLI config and the plugin cache live under
# $PROVIDER_CACHE = $TOOLCHAIN_CACHE/provider-<first 12 hex of sha256 of this
# file> (toolchain/env.sh), so any change here (version, patch) is a new
# build: CI rebuilds, and a session still using an earlier build keeps its
# binary (its lock file names that binary's checksum).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/env.sh"

version=4.6.0
pseudo=v0.0.0-20260916201441-96d331c98ff4
plugin_dir="$PROVIDER_CACHE/tf-mirror/registry.terraform.io/kreuzwerker/docker/$version/linux_amd64"
binary="$plugin_dir/terraform-provider-docker_v$version"

# patch_source FILE OLD NEW: replaces the one line of FILE (under the provider's
# source) that is exactly OLD with NEW; fails loudly when OLD is not there
# exactly once (a new provider version must be looked at again, not silently
# built unpatched).
patch_source() {
  local file="$src/$1" found
  found=$(grep -cxF -- "$2" "$file" || true)
  if [ "$found" != 1 ]; then
    echo "provider: PATCH FAILED: expected the line below exactly once in $1 ($pseudo), found it $found times:" >&2
    echo "  $2" >&2
    exit 1
  fi
  OLD=$2 NEW=$3 perl -0777 -i -pe 's/^\Q$ENV{OLD}\E$/$ENV{NEW}/m' "$file"
  grep -qxF -- "$3" "$file" || { echo "provider: PATCH FAILED: $1 does not hold the patched line" >&2; exit 1; }
  echo "provider: patched $1: $(echo "$3" | sed 's/^[[:space:]]*//')"
}

if [ ! -x "$binary" ]; then
  echo "provider: building kreuzwerker/docker $version ($pseudo, patched) from the Go module proxy"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  # The module's source from the proxy (its go.mod names the old import path,
  # hence the wrapper module to fetch it; see above), copied to be patched and
  # built as the main module with its own go.sum.
  cat > "$work/go.mod" <<MOD
module local/provider-fetch

go 1.22

require github.com/terraform-providers/terraform-provider-docker v0.0.0

replace github.com/terraform-providers/terraform-provider-docker => github.com/kreuzwerker/terraform-provider-docker $pseudo
MOD
  dir=$(cd "$work" && GOFLAGS="${GOFLAGS:-} -mod=mod" go mod download -json github.com/terraform-providers/terraform-provider-docker |
    sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  [ -n "$dir" ] && [ -f "$dir/main.go" ] || { echo "provider: could not download the provider's source ($pseudo)" >&2; exit 1; }
  src="$work/src"
  cp -r "$dir" "$src" && chmod -R u+w "$src"

  # Fixed waits that make every deploy slower than it needs to be and that
  # no caller can configure. The waits stay where they guard something (a
  # "pending" network or volume is still retried every 5 s, as before); only
  # the unconditional sleeps go.
  #
  # 1. internal/provider/resource_docker_network_funcs.go, lines 20 and 23
  #    (constants) used at lines 98 and 124: resourceDockerNetworkRead
  #    (run after every create and on every refresh: plan, no-change apply,
  #    destroy) and resourceDockerNetworkDelete wait a fixed 2 s
  #    (StateChangeConf.Delay) before their first look at the network. For a
  #    bridge network the first look already has every field (Create has
  #    returned the network's ID), and Delete's first look is the removal
  #    itself. Measured: `docker_network` complete 2.0 s after Docker created
  #    it, and every container of the stack waits for it (BENCHMARKS.md,
  #    "Where the time goes", deploy).
  patch_source internal/provider/resource_docker_network_funcs.go \
    $'\tnetworkReadRefreshDelay                 = 2 * time.Second' \
    $'\tnetworkReadRefreshDelay                 = 0 // patched by toolchain/provider.sh: was a fixed 2 s'
  patch_source internal/provider/resource_docker_network_funcs.go \
    $'\tnetworkRemoveRefreshDelay               = 2 * time.Second' \
    $'\tnetworkRemoveRefreshDelay               = 0 // patched by toolchain/provider.sh: was a fixed 2 s'
  # 2. internal/provider/resource_docker_volume.go, line 25, used at line 375:
  #    resourceDockerVolumeDelete sleeps 2 s before removing the volume (the
  #    refresh function is the removal; "in use" is still retried).
  patch_source internal/provider/resource_docker_volume.go \
    $'\tvolumeReadRefreshDelay               = 2 * time.Second' \
    $'\tvolumeReadRefreshDelay               = 0 // patched by toolchain/provider.sh: was a fixed 2 s'
  # 3. internal/provider/resource_docker_container_funcs.go, line 666: with
  #    `wait = true` (every service container of our stacks: that is the
  #    health gating), resourceDockerContainerCreate inspects the container
  #    and sleeps 1 s until Docker reports it healthy: on average 0.5 s after
  #    it is, on every healthy-gated step of the start order. Docker Compose
  #    polls the same state every 0.5 s. Now every 0.25 s; the gate itself
  #    (State.Health.Status == healthy, within wait_timeout) is unchanged.
  patch_source internal/provider/resource_docker_container_funcs.go \
    $'\t\t\t\t\ttime.Sleep(time.Second)' \
    $'\t\t\t\t\ttime.Sleep(250 * time.Millisecond) // patched by toolchain/provider.sh: was 1 s'

  # 4. internal/provider/resource_docker_service_funcs.go, line 337: when a
  #    docker_service is destroyed, deleteService waits for each of its task
  #    containers to be *removed* with a deadline of exactly
  #    stop_grace_period, and fails the destroy ("error on wait for
  #    container with ID ...: context deadline exceeded") when it is not.
  #    A task that uses its whole grace period is killed at that moment and
  #    removed by the Swarm agent after it, so it always misses the
  #    deadline. Kafka does: a KRaft broker's shutdown waits up to 5 minutes
  #    for the controller quorum to approve its controlled shutdown
  #    (BrokerServer.shutdown; Server.shutdown() passes Duration.ofMinutes(5)),
  #    and when a destroy stops every node at once the last ones have no
  #    quorum left. Seen in CI: the swarm suite's destroy failed after 30 s
  #    on kafka node-1. The wait now allows the grace period plus a minute
  #    for the kill and the removal; the grace period itself is unchanged.
  patch_source internal/provider/resource_docker_service_funcs.go \
    $'\t\t\tctx, cancel := context.WithTimeout(ctx, destroyGraceTime)' \
    $'\t\t\tctx, cancel := context.WithTimeout(ctx, destroyGraceTime+time.Minute) // patched by toolchain/provider.sh: was destroyGraceTime'

  # 5. internal/provider/resource_docker_service_funcs.go, line 503: with
  #    converge_config, an update of a docker_service returns once every
  #    replica slot has a running task (replicatedConsoleLogUpdater.update),
  #    whichever spec the task runs. In a start-first rolling update the old
  #    tasks still run, so `apply` returned while Docker was still rolling
  #    (measured: UpdateStatus "updating" right after the swarm suite's
  #    image change). It now also waits while Docker says "updating"; a
  #    rollback is still reported as before.
  patch_source internal/provider/resource_docker_service_funcs.go \
    $'\t\tif isUpdateCompleted {' \
    $'\t\tif isUpdateCompleted && (service.UpdateStatus == nil || service.UpdateStatus.State != swarm.UpdateStateUpdating) { // patched by toolchain/provider.sh: the old tasks of a start-first update counted as converged'

  mkdir -p "$plugin_dir"
  (cd "$src" && CGO_ENABLED=0 go build -trimpath \
    -ldflags "-s -w -X main.version=$version" \
    -o "$binary.tmp" .)
  mv "$binary.tmp" "$binary"
  echo "provider: built in $SECONDS s"
else
  echo "provider: cached $binary"
fi

# OpenTofu resolves `kreuzwerker/docker` under registry.opentofu.org: the same
# binary serves both hosts. A hard link, since the mirror scan does not enter
# symlinked folders.
tofu_dir="$PROVIDER_CACHE/tf-mirror/registry.opentofu.org/kreuzwerker/docker/$version/linux_amd64"
mkdir -p "$tofu_dir"
ln -f "$binary" "$tofu_dir/$(basename "$binary")"

cat > "$TF_CLI_CONFIG_FILE" <<CFG
# Written by toolchain/provider.sh: providers come from the local mirror only,
# since this machine cannot reach the Terraform registry.
provider_installation {
  filesystem_mirror {
    path    = "$PROVIDER_CACHE/tf-mirror"
    include = ["registry.terraform.io/kreuzwerker/docker", "registry.opentofu.org/kreuzwerker/docker"]
  }
  direct {
    exclude = ["registry.terraform.io/kreuzwerker/docker", "registry.opentofu.org/kreuzwerker/docker"]
  }
}
CFG
