#!/usr/bin/env bash
# Installs a Docker engine from Debian's docker.io package and starts dockerd
# when no daemon answers. Idempotent.
#
# Docker 20.10 (Debian 12) uses the classic image store, which docker_image
# builds need (they fail on the containerd store). No registry is reachable
# from this machine: every image the stacks use is built locally by
# toolchain/images.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/env.sh"

need=()
command -v dockerd >/dev/null || need+=(docker.io)
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v docker >/dev/null || need+=(docker.io)
if [ ${#need[@]} -gt 0 ]; then
  echo "docker-engine: installing ${need[*]} from Debian"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

if docker info >/dev/null 2>&1; then
  echo "docker-engine: daemon already answering"
  exit 0
fi

echo "docker-engine: starting dockerd"
mkdir -p "$TOOLCHAIN_CACHE/logs"
# setsid: the daemon outlives the shell that started it (a CI phase, a test).
setsid dockerd --host unix:///var/run/docker.sock \
  >"$TOOLCHAIN_CACHE/logs/dockerd.log" 2>&1 < /dev/null &
for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then
    echo "docker-engine: ready ($(docker version --format '{{.Server.Version}}'))"
    exit 0
  fi
  sleep 1
done
echo "docker-engine: dockerd did not answer within 60 s; log follows" >&2
tail -n 40 "$TOOLCHAIN_CACHE/logs/dockerd.log" >&2
exit 1
