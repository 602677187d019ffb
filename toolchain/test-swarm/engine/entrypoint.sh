#!/bin/sh
# Entrypoint of the test Swarm's engine image (toolchain/test-swarm.sh): a
# Docker Engine in a container that is NOT --privileged (that fails on this
# machine: the sandbox lacks CAP_SYS_RESOURCE). test-swarm.sh runs it with
# every other capability, seccomp/apparmor/systempaths unconfined, all devices
# allowed, a tmpfs on /run and a volume on /var/lib/docker; the arguments are
# dockerd's.
set -eu

# Mount propagation for the inner containers' volumes (as moby's hack/dind).
mount --make-rshared / 2>/dev/null || :

# runc creates a cgroup per inner container. Docker mounts /sys/fs/cgroup
# read-only into an unprivileged container, so mount a fresh tmpfs and each
# hierarchy again, read-write.
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
  # cgroup v2 (not this machine's; moby hack/dind's steps, untested here):
  # move ourselves out of the root so the controllers can be delegated.
  mount -o remount,rw /sys/fs/cgroup 2>/dev/null || :
  mkdir -p /sys/fs/cgroup/init
  xargs -rn1 < /sys/fs/cgroup/cgroup.procs > /sys/fs/cgroup/init/cgroup.procs 2>/dev/null || :
  sed -e 's/ / +/g' -e 's/^/+/' < /sys/fs/cgroup/cgroup.controllers \
    > /sys/fs/cgroup/cgroup.subtree_control
else
  # cgroup v1: one mount per hierarchy, with the controller combination the
  # kernel has (/proc/self/cgroup: "N:cpu,cpuacct:/path"; a combination other
  # than the kernel's is refused with EBUSY), plus name=systemd.
  mount -t tmpfs -o mode=755,nosuid,nodev,noexec cgroup /sys/fs/cgroup
  for ctrl in $(cut -d: -f2 /proc/self/cgroup); do
    [ -n "$ctrl" ] || continue                    # "0::/" is the v2 root
    case $ctrl in
      name=*) dir=${ctrl#name=}; opts=none,$ctrl ;;
      *) dir=$ctrl; opts=$ctrl ;;
    esac
    mkdir -p "/sys/fs/cgroup/$dir"
    mount -t cgroup -o "$opts,nosuid,nodev,noexec" cgroup "/sys/fs/cgroup/$dir"
    # cpu,cpuacct -> also reachable as cpu and cpuacct
    case $dir in *,*)
      for one in $(echo "$dir" | tr , ' '); do ln -sfn "$dir" "/sys/fs/cgroup/$one"; done ;;
    esac
  done
fi

# The registry under the name the host uses: SWARM_REGISTRY_FORWARD=
# "127.0.0.1:23750=swarm-registry:5000" (test-swarm.sh sets it) forwards the
# engine's own loopback port to the registry container, so an image named
# 127.0.0.1:23750/REPO:TAG pulls and pushes here as it does on the host (where
# that port is the registry's published one). dockerd treats 127.0.0.0/8
# registries as insecure (plain HTTP) without a flag. socat forks a child per
# connection, which resolves the target then: the registry may start later.
if [ -n "${SWARM_REGISTRY_FORWARD:-}" ]; then
  listen=${SWARM_REGISTRY_FORWARD%%=*} target=${SWARM_REGISTRY_FORWARD#*=}
  socat -lf /var/log/swarm-registry-forward.log \
    "TCP-LISTEN:${listen##*:},bind=${listen%:*},fork,reuseaddr" "TCP:$target" &
fi

exec dockerd "$@"
