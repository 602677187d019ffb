#!/usr/bin/env bash
# The extra tools the benchmarks in bench/ compare against. Idempotent; each
# result is cached under $TOOLCHAIN_CACHE and rebuilt only when missing.
#
#   compose   Docker Compose v2 (`docker compose up --wait`), built from the Go
#             module proxy and installed as a docker CLI plugin in
#             ~/.docker/cli-plugins/docker-compose. Debian 12's docker-compose
#             is 1.29 (Python, v1), which has no `up --wait`.
#   perftest  RabbitMQ PerfTest (com.rabbitmq:perf-test) with its runtime
#             dependencies from Maven Central, run as
#             `java -cp "$PERFTEST_HOME/lib/*" com.rabbitmq.perf.PerfTest`.
#
# Kafka's perf tools need nothing here: kafka-producer-perf-test.sh and
# kafka-consumer-perf-test.sh ship in the local apache/kafka image
# (toolchain/images.sh) and run inside the broker container.
#
# Usage: toolchain/bench-tools.sh [compose|perftest ...]   (default: both)
# Prints `PERFTEST_HOME=...` last so callers can find the jars.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/env.sh"

# Compose: the Go module proxy reachable here lists exactly v2.28.1, v2.35.1,
# v2.40.2 and v2.40.3 (GET https://proxy.golang.org/github.com/docker/compose/v2/@v/list).
# The newest is tried first; the daemon (Docker 20.10, API 1.41) is checked
# with a real `up --wait` by bench/deploy.ts, and `docker compose version`
# below must at least run.
COMPOSE_VERSIONS=${COMPOSE_VERSIONS:-"v2.40.3 v2.35.1 v2.28.1"}
PERFTEST_VERSION=${PERFTEST_VERSION:-2.22.1}
plugins="$HOME/.docker/cli-plugins"

build_compose() {
  local v=$1 dir="$TOOLCHAIN_CACHE/compose-$v"
  if [ -x "$dir/docker-compose" ]; then return 0; fi
  echo "bench-tools: building docker compose $v from the Go module proxy (a few minutes on 2 cores)"
  mkdir -p "$dir"
  # `go install github.com/docker/compose/v2/cmd@$v` is refused: compose's
  # go.mod has exclude/replace directives, which go install does not accept
  # outside the main module. So: download the module source, and build ./cmd
  # with that go.mod as the main module (its replaces then apply, as in
  # compose's own Makefile).
  # GOSUMDB=off: sum.golang.org is not reachable from this machine. Every
  # dependency is still checked against compose's own go.sum.
  local src
  if ! src=$(cd "$dir" && GOFLAGS=-mod=mod GOSUMDB=off go mod download -json "github.com/docker/compose/v2@$v" \
      2>"$dir/build.log" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p') || [ -z "$src" ]; then
    echo "bench-tools: could not download compose $v:" >&2; tail -n 15 "$dir/build.log" >&2
    return 1
  fi
  rm -rf "$dir/src" && cp -r "$src" "$dir/src" && chmod -R u+w "$dir/src"
  if ! (cd "$dir/src" && GOFLAGS=-mod=mod GOSUMDB=off CGO_ENABLED=0 \
      go build -trimpath -ldflags "-s -w -X github.com/docker/compose/v2/internal.Version=$v" \
      -o "$dir/docker-compose.tmp" ./cmd) >>"$dir/build.log" 2>&1; then
    echo "bench-tools: compose $v failed to build; last lines:" >&2
    tail -n 15 "$dir/build.log" >&2
    return 1
  fi
  mv "$dir/docker-compose.tmp" "$dir/docker-compose"
  rm -rf "$dir/src"
}

install_compose() {
  if docker compose version 2>/dev/null | grep -q 'v2\.'; then
    echo "bench-tools: $(docker compose version)"
    return 0
  fi
  local v
  for v in $COMPOSE_VERSIONS; do
    if build_compose "$v"; then
      mkdir -p "$plugins"
      install -m 755 "$TOOLCHAIN_CACHE/compose-$v/docker-compose" "$plugins/docker-compose"
      if docker compose version >/dev/null 2>&1; then
        echo "bench-tools: installed $(docker compose version) in $plugins"
        return 0
      fi
      echo "bench-tools: compose $v does not run as a plugin; trying the next version" >&2
    fi
  done
  echo "bench-tools: no docker compose v2 could be built" >&2
  return 1
}

install_perftest() {
  local home="$TOOLCHAIN_CACHE/perf-test-$PERFTEST_VERSION"
  if [ -f "$home/lib/perf-test-$PERFTEST_VERSION.jar" ]; then
    echo "bench-tools: PerfTest $PERFTEST_VERSION cached"
  else
    echo "bench-tools: fetching com.rabbitmq:perf-test:$PERFTEST_VERSION and its dependencies from Maven Central"
    mkdir -p "$home"
    # The Maven Central artifact is the plain jar, not the uber jar of the
    # GitHub releases: copy its runtime dependencies next to it.
    cat > "$home/pom.xml" <<POM
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.cdktf-docker-messaging</groupId>
  <artifactId>perf-test-libs</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <!-- its runtime dependencies include logback, the slf4j backend it ships with -->
    <dependency><groupId>com.rabbitmq</groupId><artifactId>perf-test</artifactId><version>$PERFTEST_VERSION</version></dependency>
  </dependencies>
</project>
POM
    mvn -q -B -f "$home/pom.xml" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$home/lib.tmp"
    rm -rf "$home/lib" && mv "$home/lib.tmp" "$home/lib"
  fi
  java -cp "$home/lib/*" com.rabbitmq.perf.PerfTest --version 2>/dev/null | head -n 1 || true
  echo "PERFTEST_HOME=$home"
}

tools=("$@"); [ ${#tools[@]} -gt 0 ] || tools=(compose perftest)
for t in "${tools[@]}"; do
  case $t in
    compose) install_compose ;;
    perftest) install_perftest ;;
    *) echo "bench-tools: unknown tool $t (compose|perftest)" >&2; exit 2 ;;
  esac
done
