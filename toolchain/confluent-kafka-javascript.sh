#!/usr/bin/env bash
# @confluentinc/kafka-javascript (librdkafka's Node binding), built from the npm
# tarball's own sources for the Node that will run it. Used only by the Kafka
# client benchmark (bench/kafka-clients); the apps and CI do not use it.
#
# Why a script: the package's install step (node-pre-gyp) downloads a prebuilt
# binary from GitHub releases, and its fallback configures librdkafka with
# `--install-deps --source-deps-only`, which downloads OpenSSL, zlib, zstd and
# curl sources. Neither host is reachable here. So: `npm install
# --ignore-scripts`, configure the bundled librdkafka (deps/librdkafka) against
# the system's OpenSSL and zlib headers, without the optional libraries we do
# not need (no zstd, curl/OIDC, Cyrus SASL/GSSAPI; SCRAM-SHA-512 is built in
# with OpenSSL), and build with node-gyp against the target Node's headers
# (--nodedir, so node-gyp fetches none). Where `unshare --net` works (root) the
# build runs in a network namespace without network, so nothing can download.
# About 2 minutes on 2 cores; cached under $TOOLCHAIN_CACHE per version and
# Node ABI, rebuilt only when missing.
#
# Needs: npm, make, a C/C++ compiler, python3, libssl-dev, zlib1g-dev (Debian:
# build-essential python3 libssl-dev zlib1g-dev), and the target Node's headers
# (<prefix>/include/node, as in the nodejs.org tarballs).
# OpenSSL and zlib are not linked as shared libraries: as in upstream's build,
# the addon leaves their symbols to the Node that loads it (Node 24 exports its
# OpenSSL 3.5 and zlib); the check below loads it with LD_BIND_NOW=1.
#
# Usage: CKJS_NODE=/path/to/node24/bin/node toolchain/confluent-kafka-javascript.sh
#   CKJS_NODE     the Node that will run the benchmark (default: node on PATH)
#   CKJS_NODEDIR  its headers' prefix (default: CKJS_NODE's prefix)
#   CKJS_VERSION  default 1.10.1; NODE_GYP_VERSION default 11.4.2; CKJS_JOBS default 2
# Logs go to stderr; the last line on stdout is the node_modules folder to put
# on NODE_PATH (it holds @confluentinc/kafka-javascript and its runtime deps).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/env.sh"

CKJS_VERSION=${CKJS_VERSION:-1.10.1}
NODE_GYP_VERSION=${NODE_GYP_VERSION:-11.4.2}
CKJS_JOBS=${CKJS_JOBS:-2}

log() { echo "confluent-kafka-javascript: $*" >&2; }
die() { echo "confluent-kafka-javascript: $*" >&2; exit 1; }

node_bin=${CKJS_NODE:-$(command -v node || true)}
[ -n "$node_bin" ] && [ -x "$node_bin" ] || die "no executable node at ${CKJS_NODE:-PATH} (set CKJS_NODE)"
node_bin=$(cd "$(dirname "$node_bin")" && pwd)/$(basename "$node_bin")
abi=$("$node_bin" -p 'process.versions.modules + "-" + process.platform + "-" + process.arch') \
  || die "$node_bin does not run"
node_version=$("$node_bin" --version)
dir="$TOOLCHAIN_CACHE/confluent-kafka-javascript-$CKJS_VERSION-node-abi$abi"
pkg="node_modules/@confluentinc/kafka-javascript"
addon="$pkg/build/Release/confluent-kafka-javascript.node"

# Loads the addon in the target Node (every symbol bound now) and checks the
# features the benchmark needs. Prints the librdkafka version and features.
check() {
  (cd / && LD_BIND_NOW=1 NODE_PATH="$1/node_modules" "$node_bin" -e '
    const k = require("@confluentinc/kafka-javascript");
    const missing = ["ssl", "sasl_scram"].filter((f) => !k.features.includes(f));
    if (missing.length) { console.error("missing features: " + missing.join(" ")); process.exit(1); }
    if (typeof k.KafkaJS.Kafka !== "function") { console.error("no KafkaJS.Kafka"); process.exit(1); }
    console.error("librdkafka " + k.librdkafkaVersion + ", features: " + k.features.join(" "));')
}

if [ -f "$dir/.ok" ] && [ -f "$dir/$addon" ]; then
  log "$CKJS_VERSION for Node $node_version (ABI $abi) cached in $dir"
  echo "$dir/node_modules"
  exit 0
fi

nodedir=${CKJS_NODEDIR:-$(dirname "$(dirname "$node_bin")")}
[ -f "$nodedir/include/node/node.h" ] || die "no Node headers at $nodedir/include/node (set CKJS_NODEDIR; they cannot be downloaded here)"
for tool in npm make cc c++ python3; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found (apt-get install -y build-essential python3 npm)"
done
[ -f /usr/include/openssl/ssl.h ] || die "OpenSSL headers missing (apt-get install -y libssl-dev)"
[ -f /usr/include/zlib.h ] || die "zlib headers missing (apt-get install -y zlib1g-dev)"

tmp="$dir.tmp.$$"
build_log="$dir.build.log"   # kept on failure; moved into $dir on success
rm -rf "$tmp" && mkdir -p "$tmp/gyp"
trap 'rm -rf "$tmp"' EXIT
started=$(date +%s)
log "building $CKJS_VERSION from source for Node $node_version (ABI $abi), $CKJS_JOBS jobs (about 2 minutes on 2 cores)"

# npm registry only; install scripts off, so node-pre-gyp downloads nothing.
echo '{ "private": true }' >"$tmp/package.json"
echo '{ "private": true }' >"$tmp/gyp/package.json"
if ! (cd "$tmp" && npm_config_build_from_source=true npm install --ignore-scripts --no-audit --no-fund --omit=dev \
      "@confluentinc/kafka-javascript@$CKJS_VERSION" \
    && cd gyp && npm install --ignore-scripts --no-audit --no-fund "node-gyp@$NODE_GYP_VERSION") >"$build_log" 2>&1; then
  tail -n 15 "$build_log" >&2
  die "npm install of @confluentinc/kafka-javascript@$CKJS_VERSION or node-gyp@$NODE_GYP_VERSION failed, see $build_log"
fi

# util/configure.js runs librdkafka's ./configure with --install-deps
# --source-deps-only (downloads); use our options instead. deps/librdkafka.gyp
# runs an unbounded `make -j`; bound it to CKJS_JOBS.
configure_js="$tmp/$pkg/util/configure.js"
rdkafka_gyp="$tmp/$pkg/deps/librdkafka.gyp"
[ -f "$tmp/$pkg/deps/librdkafka/configure" ] || die "the npm tarball has no deps/librdkafka sources"
sed -i "s|let opts = '--install-deps[^']*';|let opts = process.env.CKJS_CONFIGURE_OPTS;|" "$configure_js"
sed -i "s|\"make\", \"-j\", \"-C\"|\"make\", \"-j$CKJS_JOBS\", \"-C\"|" "$rdkafka_gyp"
grep -q 'let opts = process.env.CKJS_CONFIGURE_OPTS;' "$configure_js" \
  && grep -q "\"make\", \"-j$CKJS_JOBS\"" "$rdkafka_gyp" \
  || die "util/configure.js or deps/librdkafka.gyp changed upstream; review the patches in $0"

offline=()
if unshare --net true 2>/dev/null; then
  offline=(unshare --net)
else
  log "unshare --net unavailable: building without network isolation (nothing is meant to download)"
fi
# `node` on PATH is the target Node: binding.gyp runs node for its variables.
# The top-level make must run serially (no JOBS/MAKEFLAGS -j): in parallel it
# asks for librdkafka's config.h before the configure action has made it.
# librdkafka itself, most of the work, is built with -j$CKJS_JOBS (patch above).
if ! (cd "$tmp/$pkg" && env -u JOBS -u npm_config_jobs -u MAKEFLAGS -u MFLAGS PATH="$(dirname "$node_bin"):$PATH" npm_config_build_from_source=true \
      CKJS_CONFIGURE_OPTS="--enable-static --enable-strip --disable-lz4-ext --disable-gssapi --disable-zstd --disable-curl --enable-ssl --enable-zlib" \
      "${offline[@]}" "$node_bin" "$tmp/gyp/node_modules/node-gyp/bin/node-gyp.js" rebuild \
        --nodedir="$nodedir" --devdir="$tmp/node-gyp-devdir") >>"$build_log" 2>&1; then
  grep -n -m 5 -E 'error|No rule' "$build_log" >&2 || true
  tail -n 15 "$build_log" >&2
  die "node-gyp build failed, see $build_log"
fi
grep -q 'BUILT_WITH.* SSL .*SASL_SCRAM' "$build_log" || die "librdkafka was configured without SSL or SASL_SCRAM"

# Keep the addon, drop the build tree (librdkafka objects and sources, ~150 MB)
# and node-gyp; keep librdkafka's licences.
rm -rf "$tmp/gyp" "$tmp/node-gyp-devdir" "$tmp/$pkg/build/Release/obj.target" "$tmp/$pkg/build/deps"
find "$tmp/$pkg/deps/librdkafka" -mindepth 1 -maxdepth 1 ! -name 'LICENSE*' -exec rm -rf {} +
check "$tmp" || die "the built addon does not load in $node_bin or lacks ssl/sasl_scram"
touch "$tmp/.ok"
mv "$build_log" "$tmp/build.log"
rm -rf "$dir" && mv "$tmp" "$dir"
trap - EXIT
log "built in $(( $(date +%s) - started )) s: $dir/$addon"
echo "$dir/node_modules"
