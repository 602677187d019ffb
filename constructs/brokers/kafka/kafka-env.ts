/**
 * The connection settings a Kafka wiring gives an app (see the grant verbs
 * of KafkaTopic); the apps in `apps/` read exactly these names. Free of
 * cdktf: it is bundled into the apps.
 */
export const KafkaConnectionEnv = {
  /** Bootstrap servers, `host:port[,host:port...]`. */
  KAFKA_BOOTSTRAP_SERVERS: "KAFKA_BOOTSTRAP_SERVERS",
  /** The topic a producer writes or a consumer reads. */
  KAFKA_TOPIC: "KAFKA_TOPIC",
  /** The consumer group of a consumer. */
  KAFKA_GROUP_ID: "KAFKA_GROUP_ID",
  /** The app's own SASL user (mechanism SCRAM-SHA-512); set together with KAFKA_SASL_PASSWORD (or its _FILE). */
  KAFKA_SASL_USERNAME: "KAFKA_SASL_USERNAME",
  /** The app's SCRAM-SHA-512 password. */
  KAFKA_SASL_PASSWORD: "KAFKA_SASL_PASSWORD",
  /**
   * Instead of KAFKA_SASL_PASSWORD (never both): the path of a file holding
   * it, one trailing newline ignored. The official images' `_FILE`
   * convention: the Swarm target mounts the password as a docker secret
   * (`/run/secrets/<name>`), since a service's environment is no place for it.
   */
  KAFKA_SASL_PASSWORD_FILE: "KAFKA_SASL_PASSWORD_FILE",
  /**
   * A PEM file of the CA that signed the brokers' certificates. When set,
   * the app connects with TLS and verifies the broker's certificate and host name.
   */
  KAFKA_TLS_CA_FILE: "KAFKA_TLS_CA_FILE",
} as const;

/**
 * Broker property name -> the variable the apache/kafka image turns back
 * into it (its rule reversed: `_` -> `__`, `-` -> `___`, `.` -> `_`).
 */
export function kafkaEnvName(property: string): string {
  return "KAFKA_" + property.replace(/_/g, "__").replace(/-/g, "___").replace(/\./g, "_").toUpperCase();
}
