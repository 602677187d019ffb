/**
 * How a Kafka node is checked: its health check (one ApiVersions request)
 * and, in a cluster, the rolling check that says it may be replaced.
 */
import { HealthCheck } from "../../apps/health-check";
import type { BrokerNode } from "../broker-base";
import { KAFKA_BIN, KAFKA_REPLICATION_PORT, TOOL_JVM_ENV } from "./kafka-constants";
import { kafkaEnvName } from "./kafka-env";
import { replicationHost } from "./kafka-node-config";

/**
 * The healthcheck: one Kafka ApiVersions request (v0, correlation id 1, no
 * client id), written by bash to the broker's own listener, answered with
 * error code 0. A KRaft broker answers requests only once it has caught up
 * with the metadata and is unfenced ("Kafka Server started"), so this is
 * the readiness kafka-broker-api-versions.sh reports, without starting a
 * JVM each time: that tool cost ~0.9 CPU-seconds a check (a 3-node cluster
 * at one check per 10 s spent a third of a core on it) and took 1-3 s on a
 * busy host, so a new node was reported healthy late. Uses bash's /dev/tcp,
 * od, head and timeout, all in the official image. No `${` in the text:
 * Terraform would read it as an interpolation.
 */
function apiVersionsProbe(host: string, port: number): string {
  return (
    `exec 3<>/dev/tcp/${host}/${port} && printf '\\0\\0\\0\\12\\0\\22\\0\\0\\0\\0\\0\\1\\377\\377' >&3 && ` +
    `r=$(timeout 5 head -c 10 <&3 | od -An -tx1 | tr -d ' \\n') && case $r in ????????000000010000) exit 0 ;; *) exit 1 ;; esac`
  );
}

/**
 * A node's health check: apiVersionsProbe on its REPLICATION listener.
 *
 * No health check on a Swarm. Kafka binds each listener to the node's
 * host name on that listener's network (swarm-kafka-1-replication:9093),
 * and Swarm resolves a task's names only once the task is active: with
 * a health check, only once it is healthy, which it cannot be before
 * it binds ("Socket server failed to bind ...: Unresolved address",
 * measured on the test Swarm). Without one the task is active at
 * start; the set-up job waits for the cluster (see BrokerNodeSpec.swarmHealthCheck).
 */
export function kafkaNodeHealthCheck(node: BrokerNode): HealthCheck {
  return HealthCheck.exec(["bash", "-c", apiVersionsProbe(replicationHost(node), KAFKA_REPLICATION_PORT)], {
    intervalSeconds: 3,
    timeoutSeconds: 10,
    retries: 40, // unhealthy after 2 min of failures, as before
    startPeriodSeconds: 30,
  });
}

/**
 * A node's rolling check.
 * The cluster can lose a node only while no partition (internal topics
 * included) is missing a replica from its ISR.
 * As the broker principal, over this node's REPLICATION listener; the
 * client reads the listener's own JAAS entry (username/password).
 */
export function kafkaRollingCheck(node: BrokerNode): string {
  return (
    `f=$(mktemp) && printf 'security.protocol=SASL_PLAINTEXT\\nsasl.mechanism=PLAIN\\nsasl.jaas.config=%s\\n' "$${kafkaEnvName("listener.name.replication.plain.sasl.jaas.config")}" > "$f" && ` +
    `out=$(${TOOL_JVM_ENV} ${KAFKA_BIN}/kafka-topics.sh --bootstrap-server ${replicationHost(node)}:${KAFKA_REPLICATION_PORT} --command-config "$f" --describe --under-replicated-partitions); s=$?; rm -f "$f"; [ $s -eq 0 ] && [ -z "$out" ]`
  );
}
