#!/bin/bash
# Counts the records of one Kafka topic in a consumer group.
#
# Wired by role: `topic.grantConsume(app, { groupId })` gives this container
# the broker's network and KAFKA_BOOTSTRAP_SERVERS, KAFKA_TOPIC,
# KAFKA_GROUP_ID, its own SCRAM-SHA-512 user KAFKA_SASL_USERNAME /
# KAFKA_SASL_PASSWORD (Read on the topic and the group, nothing else) and,
# when the broker has TLS, KAFKA_TLS_CA_FILE.
#
# Shows its work: one JSON line per record on stdout ({"event":"consumed",
# "count":N,...}), the running count in /tmp/consumed-count, and the health
# file /tmp/app-healthy while the consumer runs.
set -euo pipefail

for name in KAFKA_BOOTSTRAP_SERVERS KAFKA_TOPIC KAFKA_GROUP_ID KAFKA_SASL_USERNAME KAFKA_SASL_PASSWORD; do
  if [ -z "${!name:-}" ]; then
    echo "{\"event\":\"not-wired\",\"missing\":\"$name\",\"fix\":\"wire the app with topic.grantConsume(app, { groupId })\"}"
    exit 2
  fi
done

health=/tmp/app-healthy
count_file=/tmp/consumed-count
config=/tmp/client.properties
records=/tmp/records
rm -f "$health" "$records"
umask 077
{
  if [ -n "${KAFKA_TLS_CA_FILE:-}" ]; then
    echo "security.protocol=SASL_SSL"
    echo "ssl.truststore.type=PEM"
    echo "ssl.truststore.location=$KAFKA_TLS_CA_FILE"
  else
    echo "security.protocol=SASL_PLAINTEXT"
  fi
  echo "sasl.mechanism=SCRAM-SHA-512"
  echo "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"$KAFKA_SASL_USERNAME\" password=\"$KAFKA_SASL_PASSWORD\";"
  # A new group starts at the topic's beginning.
  echo "auto.offset.reset=earliest"
} > "$config"

mkfifo "$records"
/opt/kafka/bin/kafka-console-consumer.sh \
  --bootstrap-server "$KAFKA_BOOTSTRAP_SERVERS" \
  --topic "$KAFKA_TOPIC" \
  --group "$KAFKA_GROUP_ID" \
  --command-config "$config" \
  --formatter-property print.partition=true \
  --formatter-property print.offset=true \
  --formatter-property print.value=false \
  > "$records" &
consumer=$!
# docker stop: the console consumer leaves its group cleanly, then the script ends.
trap 'kill -TERM "$consumer" 2>/dev/null || true' TERM INT

echo "{\"event\":\"started\",\"topic\":\"$KAFKA_TOPIC\",\"group\":\"$KAFKA_GROUP_ID\",\"user\":\"$KAFKA_SASL_USERNAME\"}"
touch "$health"
count=0
# Each record is one line: "Partition:<p>	Offset:<o>".
while IFS= read -r line; do
  [[ $line =~ Partition:([0-9]+).*Offset:([0-9]+) ]] || continue
  count=$((count + 1))
  echo "$count" > "$count_file"
  echo "{\"event\":\"consumed\",\"count\":$count,\"partition\":${BASH_REMATCH[1]},\"offset\":${BASH_REMATCH[2]}}"
done < "$records"

rm -f "$health"
status=0
wait "$consumer" || status=$?
echo "{\"event\":\"stopped\",\"count\":$count,\"consumerExit\":$status}"
exit "$status"
