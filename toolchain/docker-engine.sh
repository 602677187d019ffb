#!/usr/bin/env bash
# The machine's Docker Engine: Debian forky's docker.io (28.5.2), started when
# no daemon of that version answers. Idempotent.
#
# The host is Debian 12 (glibc 2.36): forky's binaries need forky's libraries.
# So a forky root (debootstrap, cached by version and package list under
# $TOOLCHAIN_CACHE/docker-engine/) lends its /usr to dockerd alone: dockerd
# runs in a mount namespace of its own (unshare -m) where forky's /usr is bound
# over the host's. Everything else is the host's (merged /usr: /bin, /lib and
# /sbin are links into /usr): /var/lib/docker, /run (so the socket is the
# usual /var/run/docker.sock), /etc, and every path a bind mount may name.
# The mounts dockerd makes (overlays, network namespaces) stay in its
# namespace. dockerd's own children (containerd, runc, docker-proxy,
# docker-init) come from the same forky /usr.
#
# The host's Debian 12 docker.io is still installed, for its CLI (client API
# 1.41, which dockerd 28 serves; dockerd 28 accepts API 1.24 and later). A
# 20.10 daemon that this script started in its earlier version is replaced;
# any other daemon that answers is left alone (on a user's host that runs
# `cdktf-messaging-setup`, stopping it would stop their containers).
#
# Image store: the classic one (overlay2), Docker 28's default. The
# containerd image store (Docker 29's default) was tried by hand on 28.5.2
# with kreuzwerker/docker 4.6.0: a docker_image build succeeds on it and the
# image runs (the 3.6.2 provider's builds failed there).
# No registry is reachable from this machine: every image the stacks use is
# built locally by toolchain/images.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/env.sh"

want=28.5.2
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
suite=forky
suite_script=/usr/share/debootstrap/scripts/sid # Debian 12's debootstrap has no forky script; sid's serves testing too
packages=docker.io,docker-cli,containerd,runc,tini,iptables,ca-certificates,procps,iproute2,kmod,pigz,xz-utils
debs="$TOOLCHAIN_CACHE/debootstrap-debs/$suite"
engine_root="$TOOLCHAIN_CACHE/docker-engine/$(echo "$want $suite $packages" | sha256sum | cut -c1-12)"
log="$TOOLCHAIN_CACHE/logs/dockerd.log"

need=()
command -v docker >/dev/null || need+=(docker.io)
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v unshare >/dev/null || need+=(util-linux)
if [ ${#need[@]} -gt 0 ]; then
  echo "docker-engine: installing ${need[*]} from Debian"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  # A daemon the package's init script just started is ours to replace.
  case " ${need[*]} " in *" docker.io "*) /etc/init.d/docker stop >/dev/null 2>&1 || : ;; esac
fi
server_version() { # Debian's version string: 28.5.2+dfsg4 -> 28.5.2
  docker version --format '{{.Server.Version}}' 2>/dev/null | sed 's/[+~-].*//' || true
}

# Mounts made on the host under /var/lib/docker (the fault suite puts a
# node's volume on a small loop-mounted filesystem) must reach dockerd's
# namespace, whose mounts are its own copy: the host's root is private here,
# so /var/lib/docker is made a shared mount of its own and dockerd's
# namespace a slave of it (host mounts flow in, dockerd's do not flow out).
receives_host_mounts() { # dockerd's /var/lib/docker is a slave of the host's (mountinfo: "master:N")
  local pid
  pid=$(cat /var/run/docker.pid 2>/dev/null) || return 1
  grep -q ' /var/lib/docker .* master:[0-9]' "/proc/$pid/mountinfo" 2>/dev/null
}

started_here() { # the answering dockerd runs in a mount namespace of its own: this script started it
  local pid
  pid=$(cat /var/run/docker.pid 2>/dev/null) || return 1
  [ -e "/proc/$pid/ns/mnt" ] && [ "$(readlink "/proc/$pid/ns/mnt")" != "$(readlink /proc/self/ns/mnt)" ]
}

running=$(server_version)
# A 28.5.2 that is not ours (a user's, in the host's namespace) is theirs: left alone.
if [ "$running" = "$want" ] && { ! started_here || receives_host_mounts; }; then
  echo "docker-engine: Docker $want already answering"
  exit 0
fi

if [ ! -x "$engine_root/usr/sbin/dockerd" ]; then
  echo "docker-engine: building the forky root for dockerd $want ($engine_root)"
  mkdir -p "$debs" "$(dirname "$engine_root")"
  tmp="$engine_root.tmp"
  rm -rf "$tmp"
  debootstrap --variant=minbase --include="$packages" --cache-dir="$debs" \
    "$suite" "$tmp" "$mirror" "$suite_script" >"$tmp.log" 2>&1 \
    || { tail -n 30 "$tmp.log" >&2; exit 1; }
  rm -rf "$tmp"/var/cache/apt/archives/*.deb "$tmp"/var/lib/apt/lists/*
  version=$(chroot "$tmp" dpkg-query -W -f '${Version}' docker.io | sed 's/[+~-].*//')
  [ "$version" = "$want" ] || { echo "docker-engine: forky ships docker.io $version; this script wants $want" >&2; exit 1; }
  rm -f "$tmp.log"
  mv "$tmp" "$engine_root"
fi

if [ "$running" = "$want" ]; then
  # Ours, started before its namespace received host mounts: restart it (its pid file
  # names it; the test Swarm's inner dockerd processes are left alone).
  echo "docker-engine: restarting dockerd $want with a shared /var/lib/docker"
  pid=$(cat /var/run/docker.pid)
  kill -TERM "$pid"
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
  running=
elif [ -n "$running" ]; then
  # Another engine answers. Only the one this script used to start (Debian
  # 12's 20.10, run as exactly `dockerd --host unix:///var/run/docker.sock`)
  # is replaced: its data in /var/lib/docker is dockerd 28's to upgrade
  # (overlay2, as both use). Anyone else's daemon (systemd's, Docker
  # Desktop's) is left alone: stopping it would stop their containers.
  if ! pgrep -fx 'dockerd --host unix:///var/run/docker.sock' >/dev/null; then
    echo "docker-engine: Docker $running answers and was not started by this script; leaving it (the suites are tested on $want)"
    exit 0
  fi
  echo "docker-engine: replacing the Docker $running daemon this script started with $want"
  pkill -TERM -fx 'dockerd --host unix:///var/run/docker.sock' || :
  for _ in $(seq 1 60); do pgrep -fx 'dockerd --host unix:///var/run/docker.sock' >/dev/null || break; sleep 1; done
  pkill -KILL -fx 'dockerd --host unix:///var/run/docker.sock' 2>/dev/null || :
  sleep 1
  rm -f /var/run/docker.pid /var/run/docker.sock
fi

echo "docker-engine: starting dockerd $want"
mkdir -p "$(dirname "$log")" /var/lib/docker
mountpoint -q /var/lib/docker || mount --bind /var/lib/docker /var/lib/docker
mount --make-shared /var/lib/docker
# setsid: the daemon outlives the shell that started it (a CI phase, a test).
# ld.so.cache is bound too: the host's names Debian 12's library files.
setsid unshare --mount --propagation slave /bin/sh -c '
  mount --bind "$1/usr" /usr
  mount --bind "$1/etc/ld.so.cache" /etc/ld.so.cache
  mount --bind "$1/etc/alternatives" /etc/alternatives
  exec /usr/sbin/dockerd --host unix:///var/run/docker.sock
' engine "$engine_root" >"$log" 2>&1 </dev/null &
for _ in $(seq 1 60); do
  running=$(server_version)
  if [ "$running" = "$want" ]; then
    echo "docker-engine: ready (Docker $running, $(docker info --format '{{.Driver}}'))"
    exit 0
  fi
  sleep 1
done
echo "docker-engine: dockerd $want did not answer within 60 s; log follows" >&2
tail -n 40 "$log" >&2
exit 1
