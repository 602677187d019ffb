/**
 * The connection settings a RabbitMQ wiring gives an app (see the grant
 * verbs of RabbitMqQueue and RabbitMqExchange); the apps in `apps/` read
 * exactly these names. Free of cdktf: it is bundled into the apps.
 */
export const RabbitMqConnectionEnv = {
  /** `amqp://user:password@host:port/vhost`, credentials URL-encoded. */
  RABBITMQ_URL: "RABBITMQ_URL",
  /**
   * Instead of RABBITMQ_URL (never both): the path of a file holding it, one
   * trailing newline ignored. The official images' `_FILE` convention: the
   * Swarm target mounts the URL as a docker secret (`/run/secrets/<name>`),
   * since a service's environment is no place for a password.
   */
  RABBITMQ_URL_FILE: "RABBITMQ_URL_FILE",
  /** The queue a consumer reads. */
  RABBITMQ_QUEUE: "RABBITMQ_QUEUE",
  /** The exchange a publisher publishes to (`""` = the default exchange). */
  RABBITMQ_EXCHANGE: "RABBITMQ_EXCHANGE",
  /** The routing key a publisher publishes with. */
  RABBITMQ_ROUTING_KEY: "RABBITMQ_ROUTING_KEY",
  /**
   * A PEM file of the CA that signed the brokers' certificates, for
   * `amqps://` URLs: the app verifies the broker's certificate and host name against it.
   */
  RABBITMQ_TLS_CA_FILE: "RABBITMQ_TLS_CA_FILE",
} as const;
