#!/usr/bin/env bash
# The one launcher behind every script in /opt/kafka/bin, as in the Kafka
# distribution (which is not on Maven Central; its jars are).
# Usage: kafka-run-class.sh [-daemon] [-name x] [-loggc] CLASS [ARGS...]
base=/opt/kafka
while [[ "${1:-}" == -* ]]; do case "$1" in -name) shift 2 ;; *) shift ;; esac; done
: "${KAFKA_HEAP_OPTS:=-Xmx256M}"
: "${KAFKA_JVM_PERFORMANCE_OPTS:=-server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true}"
: "${KAFKA_LOG4J_OPTS:=-Dlog4j2.configurationFile=$base/config/tools-log4j2.yaml}"
# shellcheck disable=SC2086
exec java $KAFKA_HEAP_OPTS $KAFKA_JVM_PERFORMANCE_OPTS $KAFKA_LOG4J_OPTS ${KAFKA_OPTS:-} \
  -cp "$base/libs/*" "$@"
