#!/usr/bin/env bash
# The outside clients the fault suite drives faults with (__tests__/faults/
# outside-clients/*.py): pika for RabbitMQ and confluent-kafka (librdkafka)
# for Kafka, clients nobody in this project wrote, run as their users run them.
#
# A Python venv with the pinned requirements below, from PyPI through pip's
# default index (the only Python package source reachable here), in
# $TOOLCHAIN_CACHE/outside-clients-<sha256 of the requirements and the
# Python's version, 12 hex>: a changed pin or another Python is a new venv,
# and a warm run only checks the marker file. confluent-kafka comes as its
# manylinux wheel only (--only-binary): that wheel bundles librdkafka with
# OpenSSL and SASL SCRAM; its sdist would need librdkafka's headers and a
# compiler. Kafka 4.x needs librdkafka >= 2.6.1 for a SCRAM login
# (docs/access-and-tls.md); the check below refuses an older one.
#
# Usage: toolchain/outside-clients.sh   (OUTSIDE_PYTHON: the Python to build the venv with, default python3)
# Logs go to stderr; the last line on stdout is the venv's python.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/env.sh"

REQUIREMENTS="pika==1.4.4
confluent-kafka==2.16.1"
# librdkafka's SCRAM fix for Kafka 4.x; confluent-kafka 2.16.1 bundles a newer one.
MIN_LIBRDKAFKA=2.6.1

log() { echo "outside-clients: $*" >&2; }
die() { echo "outside-clients: $*" >&2; exit 1; }

base_python=${OUTSIDE_PYTHON:-python3}
command -v "$base_python" >/dev/null 2>&1 || die "$base_python not found (set OUTSIDE_PYTHON)"
# The venv belongs to the interpreter that made it: its version is part of the key.
py_version=$("$base_python" -c 'import sys; print(sys.version.split()[0])')
key=$(printf '%s\n%s\n' "$REQUIREMENTS" "$py_version" | sha256sum | cut -c1-12)
dir="$TOOLCHAIN_CACHE/outside-clients-$key"

if [ -f "$dir/.ok" ] && [ -x "$dir/bin/python" ]; then
  log "cached in $dir ($(cat "$dir/.ok"))"
  echo "$dir/bin/python"
  exit 0
fi

# One build at a time (two suites starting together): the second waits, then finds it made.
mkdir -p "$TOOLCHAIN_CACHE"
exec 9>"$dir.lock"
flock -w 600 9 || die "another outside-clients.sh has held $dir.lock for 10 minutes"
if [ -f "$dir/.ok" ] && [ -x "$dir/bin/python" ]; then
  echo "$dir/bin/python"
  exit 0
fi

# Built in place (a venv's scripts name its folder) and marked good last: a
# failed or interrupted build has no .ok and is made again from scratch.
rm -rf "$dir"
log "creating a venv with $(tr '\n' ' ' <<<"$REQUIREMENTS")for Python $py_version"
"$base_python" -m venv "$dir"
printf '%s\n' "$REQUIREMENTS" >"$dir/requirements.txt"
if ! "$dir/bin/python" -m pip install -q --no-input --disable-pip-version-check \
    --only-binary confluent-kafka -r "$dir/requirements.txt" >"$dir/pip.log" 2>&1; then
  tail -n 15 "$dir/pip.log" >&2
  die "pip install failed, see $dir/pip.log"
fi
# The libraries load; the bundled librdkafka is new enough and takes the
# settings the cluster's host listeners ask for (a build without SSL or SCRAM
# refuses them when the client is made; nothing is contacted here).
versions=$("$dir/bin/python" - "$MIN_LIBRDKAFKA" <<'PY'
import sys
import confluent_kafka, pika
lib = confluent_kafka.libversion()[0]
need = tuple(int(x) for x in sys.argv[1].split("."))
have = tuple(int(x) for x in lib.split("-")[0].split(".")[:3])
if have < need:
    sys.exit(f"librdkafka {lib} is older than {sys.argv[1]}: no SCRAM login against Kafka 4.x")
confluent_kafka.Producer({
    "log_level": 0,  # no bootstrap.servers: it contacts nothing, and says so at level 4
    "security.protocol": "SASL_SSL",
    "sasl.mechanism": "SCRAM-SHA-512",
    "sasl.username": "check",
    "sasl.password": "check",
    "enable.idempotence": True,
})
print(f"pika {pika.__version__}, confluent-kafka {confluent_kafka.__version__}, librdkafka {lib}")
PY
) || die "the installed clients fail their check"
echo "$versions" >"$dir/.ok"
log "$versions in $dir"
echo "$dir/bin/python"
