/**
 * The connection settings a RabbitMQ wiring gives an app (see the grant
 * verbs of RabbitMqQueue and RabbitMqExchange); the apps in `apps/` read
 * exactly these names. Free of cdktf: it is bundled into the apps.
 */
export const RabbitMqConnectionEnv = {
  /** `amqp://user:password@host:port/vhost`, credentials URL-encoded. */
  RABBITMQ_URL: "RABBITMQ_URL",
  /** The queue a consumer reads. */
  RABBITMQ_QUEUE: "RABBITMQ_QUEUE",
  /** The exchange a publisher publishes to (`""` = the default exchange). */
  RABBITMQ_EXCHANGE: "RABBITMQ_EXCHANGE",
  /** The routing key a publisher publishes with. */
  RABBITMQ_ROUTING_KEY: "RABBITMQ_ROUTING_KEY",
} as const;
