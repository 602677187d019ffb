#!/usr/bin/env bash
# Terraform for cdktf: the machine's `terraform` when it answers; otherwise
# OpenTofu built with Go from the module proxy into $TOOLCHAIN_CACHE/bin,
# which toolchain/env.sh then puts on PATH as TERRAFORM_BINARY_NAME=tofu
# (the name cdktf and the tests run). Idempotent.
#
# `go install github.com/opentofu/opentofu/cmd/tofu@vX` is refused: OpenTofu's
# go.mod has replace directives, which `go install pkg@version` rejects. So
# the module is downloaded and built with its own go.mod as the main module.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/env.sh"

if [ -z "${TERRAFORM_BINARY_NAME:-}" ] && terraform version >/dev/null 2>&1; then
  echo "terraform: $(terraform version | head -n 1)"
  exit 0
fi

version=v1.10.10
tofu="$TOOLCHAIN_CACHE/bin/tofu"
if [ ! -x "$tofu" ]; then
  echo "terraform: none on PATH; building OpenTofu $version from the Go module proxy"
  dir=$(cd /tmp && go mod download -json "github.com/opentofu/opentofu@$version" \
    | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -d "$dir" ] || { echo "terraform: go mod download gave no folder for opentofu $version" >&2; exit 1; }
  mkdir -p "$(dirname "$tofu")"
  (cd "$dir" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$tofu.tmp" ./cmd/tofu)
  mv "$tofu.tmp" "$tofu"
  echo "terraform: built OpenTofu in $SECONDS s"
fi
echo "terraform: $("$tofu" version | head -n 1) (TERRAFORM_BINARY_NAME=tofu)"
