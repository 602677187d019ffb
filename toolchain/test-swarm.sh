#!/usr/bin/env bash
# A real three-node test Swarm on this machine, built like the rest of
# toolchain/: no image registry pull anywhere.
#
#   engine    a Docker Engine image from a Debian forky root (docker.io 28.5.2,
#             docker-cli, containerd, runc, iptables-nft); its entrypoint
#             (test-swarm/engine/entrypoint.sh) mounts the cgroups afresh and
#             execs dockerd. Three containers swarm-engine-1..3 run it without
#             --privileged (refused here), joined as three managers.
#   registry  Debian forky's docker-registry (distribution 2.8.3), container
#             swarm-registry.
# Each image is rebuilt only when its recipe changes (the debootstrap/import
# code below and its folder under toolchain/test-swarm/): the recipe hash is
# the image's tag and a label on it. Every container carries a hash of its run
# options and is recreated when they change; a healthy one is reused.
#
# Addresses (everything on the bridge network swarm-net, $SWARM_SUBNET):
#   engine N   API tcp://127.0.0.1:2375N from the host (inside: 0.0.0.0:2375,
#              plain HTTP, so published on loopback only); swarm address .1N
#   registry   one name everywhere: 127.0.0.1:23750/REPO:TAG ($SWARM_REGISTRY).
#              On the host that is the registry's published port; inside each
#              engine, socat (started by the entrypoint before dockerd,
#              SWARM_REGISTRY_FORWARD) forwards the engine's own
#              127.0.0.1:23750 to swarm-registry:5000. So an image a daemon
#              pushes (Terraform's docker_registry_image pushes through engine
#              1) is read back by the host under the same name (the provider
#              reads the digest itself, over HTTP, from the name's registry),
#              and every node pulls it under that name. dockerd (inner 28.5,
#              outer 28.5 too) trusts 127.0.0.0/8 registries as insecure (plain
#              HTTP) by default. The in-network name swarm-registry:5000 still
#              pulls in the engines (--insecure-registry) but is not the host's.
#              Terraform (kreuzwerker/docker 4.6.0, host = engine 1): provider
#              registry_auth { address = "http://127.0.0.1:23750",
#              auth_disabled = true } (without it docker_registry_image finds
#              no auth config; without http:// it reads the digest over
#              HTTPS and fails); docker_image build needs
#              use_legacy_builder = true (its buildx path builds on
#              $DOCKER_HOST's engine, i.e. the machine's, not the provider's).
#   outside    none: the engines and the registry resolve only container names
#              (--dns 127.0.0.1: other names fail within about 2 s), so a stray
#              Docker Hub reference fails instead of leaving the machine; the
#              inner engines give their containers the same loopback --dns.
# Node labels: cdktf-docker-messaging.swarm-node=1..3 (pin a broker with a
# per-node volume: node.labels.cdktf-docker-messaging.swarm-node==2) and
# cdktf-docker-messaging.broker=true on all three (room for app-only nodes).
# The stack images (constructs/images/default-images.ts, built by images.sh)
# are loaded into every engine under their own names (skipped when the image
# id is already there), so stacks that name them run on any node.
#
# Ports for the stacks' services: a service publishes in host mode
# (`--publish mode=host,target=5672,published=5672`; ingress needs IPVS, which
# this kernel lacks) on the engine's own address, and
# SWARM_PUBLISH="5672=25671 9092=29091" publishes that port of engine N on
# 127.0.0.1:HOSTPORT+N-1 (25671..25673) for the host's clients. Changing it
# recreates the engines (their swarm state and images stay in the volumes).
#
# Usage: toolchain/test-swarm.sh up | down [--volumes] | status | env | smoke
#                                | push IMAGE... | images
#   up      build the images if their recipe changed, start or reuse the
#           registry and engines, form the Swarm (or check it), label the
#           nodes, load the stack images; writes $TOOLCHAIN_CACHE/test-swarm.env
#   down    remove engines, registry and network; volumes kept unless --volumes
#   env     export lines for tests (also in $TOOLCHAIN_CACHE/test-swarm.env)
#   smoke   overlay + dnsrr service across the nodes; the registry's one name:
#           host push -> every engine pulls, engine 1 push -> host reads
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
. "$here/env.sh"

NODES=3
SUBNET=${SWARM_SUBNET:-10.213.0.0/24}   # a /24 ending .0/24; outside Docker's default pools (172.17-31, 192.168)
net_prefix=${SUBNET%.*}                  # 10.213.0
PORT_BASE=${SWARM_PORT_BASE:-2375}       # engine N: 127.0.0.1:${PORT_BASE}N, registry: ${PORT_BASE}0
NETWORK=swarm-net
REGISTRY=swarm-registry
REGISTRY_ALIAS=swarm-registry:5000      # the registry on swarm-net (the engines' forward target)
REGISTRY_PUSH=127.0.0.1:${PORT_BASE}0    # its one name: the host's published port, the engines' forward
label=cdktf-docker-messaging.recipe
config_label=cdktf-docker-messaging.test-swarm.config
env_file=$TOOLCHAIN_CACHE/test-swarm.env
case $DOCKER_HOST in # the machine's engine runs the Swarm's containers, not an engine of it
  tcp://127.0.0.1:${PORT_BASE}[0-9] | tcp://localhost:${PORT_BASE}[0-9])
    echo "test-swarm: DOCKER_HOST=$DOCKER_HOST is a test-swarm engine; unset it (the machine's engine runs them)" >&2; exit 1 ;;
esac

mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
suite=forky
# Debian 12's debootstrap has no forky script; sid's serves testing too.
suite_script=/usr/share/debootstrap/scripts/sid
debs="$TOOLCHAIN_CACHE/debootstrap-debs/$suite"   # one .deb cache per suite

log() { echo "test-swarm: [+${SECONDS}s] $*"; }
die() { echo "test-swarm: $*" >&2; exit 1; }
engine_ip() { echo "$net_prefix.$((10 + $1))"; }
engine_api() { echo "tcp://127.0.0.1:${PORT_BASE}$1"; }
registry_ip() { echo "$net_prefix.10"; }
E() { local n=$1; shift; docker -H "$(engine_api "$n")" "$@"; }

stack_images() { # the names constructs/images/default-images.ts gives
  sed -n 's/^ *[a-z]*: "\([^"]*\)",.*/\1/p' "$root/constructs/images/default-images.ts"
}

# ---------------------------------------------------------------- images --

rootfs() { # rootfs DIR KIND: a minimal forky root with test-swarm/KIND/packages
  mkdir -p "$debs"
  debootstrap --variant=minbase --include="$(tr -s ' \n' ',' < "$here/test-swarm/$2/packages" | sed 's/,$//')" \
    --cache-dir="$debs" "$suite" "$1" "$mirror" "$suite_script" >"$1.log" 2>&1 \
    || { tail -n 30 "$1.log" >&2; return 1; }
  chroot "$1" /bin/sh -s < "$here/test-swarm/$2/customize.sh" >>"$1.log" 2>&1 \
    || { tail -n 30 "$1.log" >&2; return 1; }
  rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/*
}

import() { # import DIR NAME HASH [docker import -c changes...]
  local dir=$1 name=$2 hash=$3; shift 3
  local changes=(-c "LABEL $label=$hash")
  for c in "$@"; do changes+=(-c "$c"); done
  tar -C "$dir" --numeric-owner --exclude=./proc/* --exclude=./sys/* --exclude=./dev/* -c . \
    | docker import "${changes[@]}" - "$name" >/dev/null
}

build_engine() {
  rootfs "$1" engine
  install -m 755 "$here/test-swarm/engine/entrypoint.sh" "$1/usr/local/bin/swarm-engine-entrypoint"
  import "$1" "$2" "$3" 'VOLUME /var/lib/docker' 'EXPOSE 2375 2377 7946 4789/udp' \
    'ENTRYPOINT ["/usr/local/bin/swarm-engine-entrypoint"]' \
    'CMD ["--host", "unix:///var/run/docker.sock"]'
}

build_registry() {
  rootfs "$1" registry
  install -m 644 "$here/test-swarm/registry/config.yml" "$1/etc/docker/registry/config.yml"
  import "$1" "$2" "$3" 'USER docker-registry' 'VOLUME /var/lib/docker-registry' 'EXPOSE 5000' \
    'ENTRYPOINT ["/usr/bin/docker-registry"]' 'CMD ["serve", "/etc/docker/registry/config.yml"]'
}

recipe_hash() { # the build code and the recipe folder
  { declare -f rootfs import "build_$1"; echo "$suite $suite_script"
    (cd "$here/test-swarm" && find "$1" -type f | LC_ALL=C sort | xargs sha256sum); } \
    | sha256sum | cut -c1-16
}

image_ref() { echo "cdktf-docker-messaging/test-swarm-$1:$(recipe_hash "$1")"; }

build_image() {
  local kind=$1 name hash start=$SECONDS work
  hash=$(recipe_hash "$kind"); name=$(image_ref "$kind")
  if [ "$(docker image inspect -f "{{ index .Config.Labels \"$label\" }}" "$name" 2>/dev/null)" = "$hash" ]; then
    log "$name is current"; return
  fi
  command -v debootstrap >/dev/null || { apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null; }
  [ -f "$suite_script" ] || die "no debootstrap script $suite_script"
  log "building $name"
  work=$(mktemp -d "$TOOLCHAIN_CACHE/rootfs-swarm-$kind.XXXX")
  # (not under ||: set -e must stop the build at its first failing step; a
  # failed build's folder stays for a look, as images.sh leaves it)
  "build_$kind" "$work/rootfs" "$name" "$hash"
  rm -rf "$work"
  # Older recipes' images go, unless a container still uses them.
  docker images --format '{{.Repository}}:{{.Tag}}' "cdktf-docker-messaging/test-swarm-$kind" \
    | grep -vx "$name" | xargs -r docker rmi >/dev/null 2>&1 || true
  log "built $name in $((SECONDS - start)) s"
}

# ------------------------------------------------------------ containers --

ensure_network() {
  local subnet
  if subnet=$(docker network inspect -f '{{range .IPAM.Config}}{{.Subnet}}{{end}}' "$NETWORK" 2>/dev/null); then
    [ "$subnet" = "$SUBNET" ] || die "network $NETWORK has subnet $subnet, not $SUBNET (down first)"
    return
  fi
  docker network create --driver bridge --subnet "$SUBNET" \
    --label cdktf-docker-messaging.test-swarm=1 "$NETWORK" >/dev/null \
    || die "cannot create $NETWORK on $SUBNET (taken? set SWARM_SUBNET)"
  log "network $NETWORK ($SUBNET)"
}

started=()
ensure_container() { # ensure_container NAME HEALTHCHECK-FUNCTION docker-run-args...
  local name=$1 healthy=$2; shift 2
  local hash state
  hash=$(printf '%s\n' "$@" | sha256sum | cut -c1-16)
  state=$(docker container inspect -f "{{.State.Status}} {{ index .Config.Labels \"$config_label\" }}" "$name" 2>/dev/null || true)
  if [ "$state" = "running $hash" ] && "$healthy" "$name" 1; then
    log "$name is running"; return
  fi
  [ -z "$state" ] || docker rm -f "$name" >/dev/null
  # (docker run warns that a loopback --dns "may fail": that is the point)
  docker run -d --name "$name" --hostname "$name" --label "$config_label=$hash" "$@" \
    2> >(grep -v 'Localhost DNS' >&2) >/dev/null
  started+=("$name:$healthy")
}

wait_started() { # all containers started above answer, or fail
  # Started together, then awaited: a restarted manager's API answers only
  # once its swarm has quorum (about 12 s alone), so one at a time would wait
  # for each in turn.
  local entry
  for entry in "${started[@]}"; do
    "${entry#*:}" "${entry%%:*}" 90 \
      || { docker logs --tail 30 "${entry%%:*}" >&2; die "${entry%%:*} did not come up"; }
    log "${entry%%:*} started"
  done
  started=()
}

registry_healthy() { # registry_healthy NAME SECONDS
  local i
  for ((i = 0; i < $2 * 2; i++)); do
    curl -fsS -o /dev/null "http://$REGISTRY_PUSH/v2/" 2>/dev/null && return 0
    sleep 0.5
  done
  return 1
}

engine_healthy() { # engine_healthy NAME SECONDS
  local n=${1##*-} i
  for ((i = 0; i < $2 * 2; i++)); do
    E "$n" version -f '{{.Server.Version}}' >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  return 1
}

# Docker's embedded DNS answers container names and forwards the rest to
# --dns, here the container's own loopback where nothing listens: no name
# outside the project's containers resolves, and no query leaves the machine.
# Without the options a miss takes 20 s (glibc: 5 s x 2 attempts, A and
# AAAA); with them about 2 s.
no_outside_dns="--dns 127.0.0.1 --dns-opt timeout:1 --dns-opt attempts:1"

run_registry() {
  ensure_container "$REGISTRY" registry_healthy \
    --network "$NETWORK" --ip "$(registry_ip)" $no_outside_dns \
    -v swarm-registry-data:/var/lib/docker-registry \
    -p "$REGISTRY_PUSH:5000" \
    "$(image_ref registry)"
}

publish_args() { # publish_args N: SWARM_PUBLISH's ports for engine N
  local entry
  for entry in ${SWARM_PUBLISH:-}; do
    [[ $entry =~ ^([0-9]+)=([0-9]+)$ ]] || die "SWARM_PUBLISH entry '$entry' is not PORT=HOSTPORT"
    printf -- '-p\n127.0.0.1:%s:%s\n' "$((BASH_REMATCH[2] + $1 - 1))" "${BASH_REMATCH[1]}"
  done
}

run_engine() {
  local n=$1 publish
  mapfile -t publish < <(publish_args "$n")
  # --privileged fails here (no CAP_SYS_RESOURCE in the sandbox): everything
  # else it grants, one by one (FIELD-NOTES). `--cap-add ALL` grants what the
  # machine's bounding set has; Docker 28 refuses `--cap-drop SYS_RESOURCE`
  # ("capability not supported ... in the current environment"), which 20.10
  # needed and 28 does not. A private cgroup namespace puts
  # the inner containers under the engine's cgroup (its memory is theirs).
  ensure_container "swarm-engine-$n" engine_healthy \
    --network "$NETWORK" --ip "$(engine_ip "$n")" $no_outside_dns \
    --cap-add ALL \
    --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
    --security-opt systempaths=unconfined --device-cgroup-rule 'a *:* rwm' \
    --cgroupns private --tmpfs /run --stop-timeout 30 \
    -e "SWARM_REGISTRY_FORWARD=$REGISTRY_PUSH=$REGISTRY_ALIAS" \
    -v "swarm-engine-$n:/var/lib/docker" \
    -p "127.0.0.1:${PORT_BASE}$n:2375" ${publish[@]+"${publish[@]}"} \
    "$(image_ref engine)" \
    --host unix:///var/run/docker.sock --host tcp://0.0.0.0:2375 --tls=false \
    --default-cgroupns-mode private --storage-driver overlay2 \
    --insecure-registry "$REGISTRY_ALIAS" --dns 127.0.0.1 \
    --label "cdktf-docker-messaging.swarm-engine=$n"
}

# ----------------------------------------------------------------- swarm --

node_state() { # "STATE CLUSTER NODE" of engine N, or "down"
  local s
  s=$(E "$1" info -f '{{.Swarm.LocalNodeState}} {{.Swarm.Cluster.ID}} {{.Swarm.NodeID}}' 2>/dev/null) || s=""
  echo "${s:-down}"
}

swarm_ready() { # 0 when engine 1 sees exactly the three engines' nodes Ready
  local ids="" n line
  for n in $(seq 1 $NODES); do ids+="$(node_state "$n" | cut -d' ' -f3) "; done
  local ready=0 total=0
  while read -r id status; do
    total=$((total + 1))
    [ "$status" = Ready ] && [[ " $ids" == *" $id "* ]] && ready=$((ready + 1))
  done < <(E 1 node ls --format '{{.ID}} {{.Status}}' 2>/dev/null)
  [ "$ready" = $NODES ] && [ "$total" = $NODES ]
}

swarm_consistent() { # all engines active managers of one cluster
  local n first="" state
  for n in $(seq 1 $NODES); do
    state=$(node_state "$n")
    [ "${state%% *}" = active ] || return 1
    set -- $state
    [ -n "$2" ] || return 1
    [ -z "$first" ] || [ "$first" = "$2" ] || return 1
    first=$2
  done
}

wait_ready() { # wait_ready SECONDS
  local i
  for ((i = 0; i < $1; i++)); do swarm_ready && return 0; sleep 1; done
  return 1
}

join() { # join N TOKEN: engine N joins engine 1's swarm as a manager
  E "$1" swarm join --token "$2" --advertise-addr "$(engine_ip "$1")" \
    --listen-addr "$(engine_ip "$1"):2377" "$(engine_ip 1):2377" >/dev/null
}

new_swarm() { # every engine leaves what it had; engine 1 inits, the rest join
  local n token
  log "forming a new swarm"
  for n in $(seq 1 $NODES); do
    [ "$(node_state "$n" | cut -d' ' -f1)" = inactive ] || E "$n" swarm leave --force >/dev/null 2>&1 || true
  done
  E 1 swarm init --advertise-addr "$(engine_ip 1)" --listen-addr "$(engine_ip 1):2377" >/dev/null
  token=$(E 1 swarm join-token -q manager)
  for n in $(seq 2 $NODES); do join "$n" "$token"; done
  wait_ready 60 || { E 1 node ls >&2; die "the swarm's nodes are not all Ready"; }
}

mend_swarm() { # engine 1 leads a swarm with quorum: the others (re)join it
  local n token cluster ids="" id
  cluster=$(node_state 1 | cut -d' ' -f2)
  for n in $(seq 1 $NODES); do
    set -- $(node_state "$n")
    [ "$1" = active ] && [ "${2:-}" = "$cluster" ] && ids+=" $3"
  done
  # Nodes no engine is any more (their state went with a volume): out first,
  # while the live managers still have quorum.
  for id in $(E 1 node ls -q); do
    [[ " $ids " == *" $id "* ]] && continue
    log "removing stale node $id"
    E 1 node demote "$id" >/dev/null 2>&1 || true
    E 1 node rm --force "$id" >/dev/null
  done
  token=$(E 1 swarm join-token -q manager)
  for n in $(seq 2 $NODES); do
    set -- $(node_state "$n")
    [ "$1" = active ] && [ "${2:-}" = "$cluster" ] && continue
    log "swarm-engine-$n joins the swarm again"
    [ "$1" = inactive ] || E "$n" swarm leave --force >/dev/null 2>&1 || true
    join "$n" "$token"
  done
  wait_ready 60
}

leads_with_quorum() { # engine 1 is a manager whose swarm answers (within 20 s)
  local i
  [ "$(node_state 1 | cut -d' ' -f1)" = active ] || return 1
  for ((i = 0; i < 20; i++)); do E 1 node ls -q >/dev/null 2>&1 && return 0; sleep 1; done
  return 1
}

form_swarm() {
  local n
  if swarm_consistent && wait_ready 60; then
    log "swarm of $NODES nodes is Ready"
  elif leads_with_quorum && mend_swarm; then
    log "swarm of $NODES managers is Ready again"
  else
    new_swarm
    log "swarm of $NODES managers is Ready"
  fi
  local id labels
  for n in $(seq 1 $NODES); do
    id=$(node_state "$n" | cut -d' ' -f3)
    labels=$(E 1 node inspect -f '{{range $k, $v := .Spec.Labels}}{{$k}}={{$v}} {{end}}' "$id")
    [ "$labels" = "cdktf-docker-messaging.broker=true cdktf-docker-messaging.swarm-node=$n " ] \
      || E 1 node update --label-add "cdktf-docker-messaging.swarm-node=$n" \
        --label-add cdktf-docker-messaging.broker=true "$id" >/dev/null
  done
}

# ---------------------------------------------------------------- images --

load_images() { # each stack image into every engine that lacks its id
  local img id n targets fifos pids tmp start loaded=()
  tmp=$(mktemp -d)
  for img in $(stack_images); do
    id=$(docker image inspect -f '{{.Id}}' "$img" 2>/dev/null) \
      || { log "skipping $img: not on the machine's engine (toolchain/images.sh builds it)"; continue; }
    targets=()
    for n in $(seq 1 $NODES); do
      [ "$(E "$n" image inspect -f '{{.Id}}' "$img" 2>/dev/null)" = "$id" ] || targets+=("$n")
    done
    [ ${#targets[@]} -gt 0 ] || continue
    start=$SECONDS
    # One `docker save`, fanned out to the engines' loads.
    fifos=(); pids=()
    for n in "${targets[@]}"; do
      mkfifo "$tmp/$n"; fifos+=("$tmp/$n")
      E "$n" load -q < "$tmp/$n" >/dev/null & pids+=($!)
    done
    docker save "$img" | tee "${fifos[@]}" >/dev/null
    wait "${pids[@]}" || true
    rm -f "${fifos[@]}"
    for n in "${targets[@]}"; do
      [ "$(E "$n" image inspect -f '{{.Id}}' "$img" 2>/dev/null)" = "$id" ] \
        || { rm -rf "$tmp"; die "$img did not load into swarm-engine-$n"; }
    done
    log "loaded $img into engines ${targets[*]} in $((SECONDS - start)) s"
    loaded+=("${targets[@]}")
  done
  rm -rf "$tmp"
  # images.sh rebuilt an image: its old copy in the engines goes (unless used)
  for n in $(printf '%s\n' ${loaded[@]+"${loaded[@]}"} | sort -u); do
    E "$n" image prune -f >/dev/null
  done
}

registry_config_digest() { # REPO TAG: the config digest (= image id) the registry holds
  curl -fsS -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    "http://$REGISTRY_PUSH/v2/$1/manifests/$2" 2>/dev/null \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["config"]["digest"])' 2>/dev/null || true
}

push_images() { # push IMAGE...: host images into the registry, as 127.0.0.1:23750/IMAGE
  local img repo tag id
  for img in "$@"; do
    id=$(docker image inspect -f '{{.Id}}' "$img") || die "no image $img on the machine's engine"
    repo=${img%:*}; tag=${img##*:}; [ "$repo" != "$img" ] || tag=latest
    if [ "$(registry_config_digest "$repo" "$tag")" = "$id" ]; then
      log "$REGISTRY_PUSH/$repo:$tag is current"; continue
    fi
    docker tag "$img" "$REGISTRY_PUSH/$repo:$tag"
    docker push -q "$REGISTRY_PUSH/$repo:$tag" >/dev/null
    docker rmi "$REGISTRY_PUSH/$repo:$tag" >/dev/null
    log "pushed $img as $REGISTRY_PUSH/$repo:$tag"
  done
}

write_env() {
  local n
  {
    echo "# toolchain/test-swarm.sh up wrote this: the test Swarm's addresses."
    for n in $(seq 1 $NODES); do echo "export SWARM_ENGINE_$n=$(engine_api "$n")"; done
    echo "export SWARM_MANAGER=$(engine_api 1)          # DOCKER_HOST for swarm/stack commands"
    echo "export SWARM_REGISTRY=$REGISTRY_PUSH      # image names' registry, on the host and in every engine"
    echo "export SWARM_REGISTRY_PUSH=$REGISTRY_PUSH # (the same; an older name)"
    echo "export SWARM_NETWORK=$NETWORK"
    echo "export SWARM_NODE_LABEL=cdktf-docker-messaging.swarm-node"
    for n in $(seq 1 $NODES); do
      publish_args "$n" | paste - - | while read -r _ spec; do
        echo "export SWARM_PORT_${spec##*:}_$n=${spec%:*}   # engine $n's host-mode port ${spec##*:}"
      done
    done
  } > "$env_file"
}

# -------------------------------------------------------------- commands --

cmd_up() {
  local start=$SECONDS n
  docker info >/dev/null 2>&1 || bash "$here/docker-engine.sh"
  build_image engine
  build_image registry
  ensure_network
  run_registry
  for n in $(seq 1 $NODES); do run_engine "$n"; done
  wait_started
  form_swarm
  load_images
  write_env
  log "up in $((SECONDS - start)) s; export lines: $env_file"
}

cmd_down() {
  local n names=()
  for n in $(seq 1 $NODES); do names+=("swarm-engine-$n"); done
  names+=("$REGISTRY")
  local present
  present=$(docker ps -a --filter "label=$config_label" --format '{{.Names}}' | grep -xF -f <(printf '%s\n' "${names[@]}") || true)
  if [ -n "$present" ]; then
    # dockerd stops its own containers on SIGTERM (stop-timeout 30 s).
    [ "${1:-}" = --volumes ] || docker stop $present >/dev/null
    docker rm -f $present >/dev/null
  fi
  docker network rm "$NETWORK" >/dev/null 2>&1 || true
  if [ "${1:-}" = --volumes ]; then
    for n in $(seq 1 $NODES); do docker volume rm "swarm-engine-$n" >/dev/null 2>&1 || true; done
    docker volume rm swarm-registry-data >/dev/null 2>&1 || true
    log "down (volumes removed)"
  else
    log "down (volumes kept)"
  fi
  rm -f "$env_file"
}

container_state() { local s; s=$(docker ps -a --filter "name=^/$1\$" --format '{{.State}}'); echo "${s:-absent}"; }

cmd_status() {
  local n version
  for n in $(seq 1 $NODES); do
    version=$(E "$n" version -f 'Docker {{.Server.Version}}' 2>/dev/null) || version="no API"
    printf 'swarm-engine-%s  %-8s  DOCKER_HOST=%s  swarm %s (%s)  %s\n' "$n" \
      "$(container_state "swarm-engine-$n")" "$(engine_api "$n")" "$(engine_ip "$n")" \
      "$(node_state "$n" | cut -d' ' -f1)" "$version"
  done
  printf '%s  %-8s  %s/REPO:TAG on the host and in every engine\n' "$REGISTRY" \
    "$(container_state "$REGISTRY")" "$REGISTRY_PUSH"
  E 1 node ls --format 'node {{.Hostname}}  {{.Status}}  {{.Availability}}  {{.ManagerStatus}}' 2>/dev/null || true
}

cmd_smoke() {
  local start=$SECONDS n out node_img run
  node_img=$(stack_images | grep '^node:')
  swarm_ready || die "the swarm is not up (toolchain/test-swarm.sh up)"
  # Names of this run: a removed overlay network's name stays taken until the
  # swarm has released it everywhere (up to about 30 s), so reusing one races.
  run=$(date +%s)
  local svc=swarm-smoke-http-$run net=swarm-smoke-$run
  # What an interrupted run left
  E 1 service ls -q --filter name=swarm-smoke- | xargs -r docker -H "$(engine_api 1)" service rm >/dev/null 2>&1 || true
  E 1 network ls -q --filter name=swarm-smoke- | xargs -r docker -H "$(engine_api 1)" network rm >/dev/null 2>&1 || true
  # A subnet of its own each run: the swarm hands a removed network's subnet
  # to the next network at once, while the nodes still hold the old one for
  # some seconds, and tasks are then rejected ("Pool overlaps with other one
  # on this address space") until they have let it go.
  E 1 network create --driver overlay --attachable --subnet "10.214.$((run % 250)).0/24" "$net" >/dev/null
  # Each task answers with its node's name; max one per node, spread by label.
  # (node as PID 1 ignores SIGTERM unless told: the stop would wait 10 s.)
  E 1 service create --detach --quiet --name "$svc" --network "$net" \
    --endpoint-mode dnsrr --replicas $NODES --replicas-max-per-node 1 \
    --constraint 'node.labels.cdktf-docker-messaging.broker==true' \
    --placement-pref 'spread=node.labels.cdktf-docker-messaging.swarm-node' \
    --hostname '{{.Node.Hostname}}' --publish mode=host,target=8080,published=8080 \
    --no-resolve-image "$node_img" \
    node -e 'process.on("SIGTERM", () => process.exit(0)); require("http").createServer((q, s) => s.end(require("os").hostname())).listen(8080)' >/dev/null
  # (polled: `--detach=false` adds the CLI's 5 s stability wait)
  for _ in $(seq 1 120); do
    [ "$(E 1 service ps --filter desired-state=running --format '{{.CurrentState}}' "$svc" | grep -c '^Running')" = $NODES ] && break
    sleep 0.5
  done
  log "service $svc: $(E 1 service ps --filter desired-state=running --format '{{.Node}}' "$svc" | sort | tr '\n' ' ')"
  local client='
    const dns = require("dns").promises;
    (async () => {
      const all = await dns.lookup("tasks." + process.argv[1], { all: true });
      const svc = await dns.lookup(process.argv[1], { all: true });
      const names = [];
      for (const { address } of all) names.push(await (await fetch(`http://${address}:8080/`)).text());
      console.log(`${svc.length} ${names.sort().join(" ")}`);
    })().catch((e) => { console.error(String(e)); process.exit(1); });'
  local want="$NODES $(for n in $(seq 1 $NODES); do printf 'swarm-engine-%s ' "$n"; done)"
  for n in $(seq 1 $NODES); do
    out=""
    for _ in $(seq 1 20); do
      out=$(E "$n" run --rm --network "$net" "$node_img" node -e "$client" "$svc" 2>&1 || true)
      [ "$out " = "$want" ] && break
      sleep 1
    done
    [ "$out " = "$want" ] || die "from swarm-engine-$n: got '$out', want '$want'"
    log "from a container on swarm-engine-$n: every task answers ($out)"
  done
  # Engines started with SWARM_PUBLISH="8080=HOSTPORT": each one's host-mode
  # port, from the host.
  local hostport
  for n in $(seq 1 $NODES); do
    hostport=$(docker port "swarm-engine-$n" 8080/tcp 2>/dev/null | sed -n 's/^127\.0\.0\.1:\([0-9]*\)$/\1/p' | head -n 1 || true)
    [ -n "$hostport" ] || continue
    out=""
    for _ in $(seq 1 20); do
      out=$(curl -fsS --max-time 5 "http://127.0.0.1:$hostport/" 2>&1 || true)
      [ "$out" = "swarm-engine-$n" ] && break
      sleep 1
    done
    [ "$out" = "swarm-engine-$n" ] || die "127.0.0.1:$hostport: got '$out', want swarm-engine-$n"
    log "from the host: 127.0.0.1:$hostport reaches the task on swarm-engine-$n"
  done
  E 1 service rm "$svc" >/dev/null
  # The network goes once the tasks are gone (a later run removes it
  # otherwise); wait until every node has let it go, so that a network the
  # tests create next may take its subnet.
  for _ in $(seq 1 20); do E 1 network rm "$net" >/dev/null 2>&1 && break; sleep 1; done
  for _ in $(seq 1 60); do
    out=$(for n in $(seq 1 $NODES); do E "$n" network ls -q --filter "name=$net"; done)
    [ -z "$out" ] && break
    sleep 1
  done
  log "overlay network $net removed from every node"
  # Registry, under its one name $REGISTRY_PUSH: a tiny image pushed from
  # the host, pulled by every engine; then pushed THROUGH engine 1 (as
  # Terraform's docker_registry_image does), read back by the host over HTTP
  # (as the provider reads its digest) and pulled by the other engines.
  local tmp id tiny=swarm-smoke/tiny:1 relay=swarm-smoke/tiny:relay
  tmp=$(mktemp -d); echo "test-swarm smoke" > "$tmp/smoke.txt"
  id=$(tar -C "$tmp" --mtime=@0 --owner=0 --group=0 -c smoke.txt | docker import -c 'CMD ["/smoke.txt"]' - "$tiny")
  rm -rf "$tmp"
  push_images "$tiny"
  for n in $(seq 1 $NODES); do
    E "$n" rmi "$REGISTRY_PUSH/$tiny" >/dev/null 2>&1 || true
    E "$n" pull -q "$REGISTRY_PUSH/$tiny" >/dev/null \
      || die "swarm-engine-$n cannot pull $REGISTRY_PUSH/$tiny (its registry forward: /var/log/swarm-registry-forward.log)"
    [ "$(E "$n" image inspect -f '{{.Id}}' "$REGISTRY_PUSH/$tiny")" = "$id" ] \
      || die "swarm-engine-$n pulled another image than the host pushed"
  done
  log "registry: pushed from the host as $REGISTRY_PUSH/$tiny, pulled by every engine under that name"
  E 1 tag "$REGISTRY_PUSH/$tiny" "$REGISTRY_PUSH/$relay"
  E 1 push -q "$REGISTRY_PUSH/$relay" >/dev/null || die "swarm-engine-1 cannot push to $REGISTRY_PUSH"
  [ "$(registry_config_digest "${relay%:*}" "${relay##*:}")" = "$id" ] \
    || die "the host does not read $REGISTRY_PUSH/$relay back (pushed by swarm-engine-1)"
  for n in $(seq 2 $NODES); do
    E "$n" pull -q "$REGISTRY_PUSH/$relay" >/dev/null || die "swarm-engine-$n cannot pull $REGISTRY_PUSH/$relay"
  done
  for n in $(seq 1 $NODES); do E "$n" rmi "$REGISTRY_PUSH/$tiny" "$REGISTRY_PUSH/$relay" >/dev/null 2>&1 || true; done
  docker rmi "$tiny" >/dev/null
  log "registry: pushed by swarm-engine-1 as $REGISTRY_PUSH/$relay, read by the host and pulled by the others"
  log "smoke passed in $((SECONDS - start)) s"
}

mkdir -p "$TOOLCHAIN_CACHE"
exec 9>"$TOOLCHAIN_CACHE/test-swarm.lock"
flock 9
case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down "${2:-}" ;;
  status) cmd_status ;;
  env) [ -f "$env_file" ] && cat "$env_file" || die "not up" ;;
  smoke) cmd_smoke ;;
  push) shift; push_images "$@" ;;
  images) build_image engine; build_image registry ;;
  *) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
