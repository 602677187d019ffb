/**
 * The Kafka broker's fixed numbers and names: listener ports, its own
 * principals, paths in the image and the JVM settings of its tool runs,
 * shared by the construct, the node configuration and the set-up job.
 */

/** The listener apps on the broker's network connect to. */
export const KAFKA_INTERNAL_PORT = 9092;
export const KAFKA_CONTROLLER_PORT = 9093;
/** Container port of the REPLICATION listener: inter-broker traffic and the set-up job, on the broker's own network only. */
export const KAFKA_REPLICATION_PORT = 9095;
/** The principal the nodes authenticate as to each other (SASL PLAIN, on the replication network only); a super user. */
export const KAFKA_BROKER_PRINCIPAL = "broker";
/** The operators' SCRAM-SHA-512 user (password: the admin password); a super user. */
export const KAFKA_ADMIN_USER = "admin";
/** The SASL mechanism of every listener apps and the host reach. */
export const KAFKA_APP_SASL_MECHANISM = "SCRAM-SHA-512";
/** Container port of the HOST listener (published on the host's hostPort). */
export const KAFKA_HOST_LISTENER_PORT = 9094;
export const KAFKA_DATA_DIR = "/var/lib/kafka/data";
export const KAFKA_BIN = "/opt/kafka/bin";
/** JVM settings of the Kafka command-line tools run by the healthcheck and the topics job. */
export const TOOL_HEAP_OPTS = "-Xmx96m";
export const TOOL_JVM_OPTS = "-XX:+UseSerialGC -XX:TieredStopAtLevel=1";
export const TOOL_JVM_ENV = `KAFKA_HEAP_OPTS=${TOOL_HEAP_OPTS} KAFKA_JVM_PERFORMANCE_OPTS='${TOOL_JVM_OPTS}'`;
