/**
 * The contract between the constructs and the apps in `apps/`.
 *
 * `broker.connect(app, options)` sets these environment variables on an app
 * container, and the apps read exactly these names. Both sides import this
 * module (the apps through their esbuild bundle), so the names cannot drift.
 * This file must stay free of cdktf imports: it is bundled into the apps.
 */
export const ConnectionEnv = {
  /** Which broker the app talks to: `rabbitmq` or `kafka`. */
  BROKER_KIND: "BROKER_KIND",

  /** RabbitMQ: `amqp://user:password@host:port/vhost`, credentials URL-encoded. */
  RABBITMQ_URL: "RABBITMQ_URL",
  /** RabbitMQ: the queue a consumer reads. */
  RABBITMQ_QUEUE: "RABBITMQ_QUEUE",
  /** RabbitMQ: the exchange a producer publishes to (`""` = the default exchange). */
  RABBITMQ_EXCHANGE: "RABBITMQ_EXCHANGE",
  /** RabbitMQ: the routing key a producer publishes with. */
  RABBITMQ_ROUTING_KEY: "RABBITMQ_ROUTING_KEY",

  /** Kafka: bootstrap servers, `host:port[,host:port...]`. */
  KAFKA_BOOTSTRAP_SERVERS: "KAFKA_BOOTSTRAP_SERVERS",
  /** Kafka: the topic a producer writes and a consumer reads. */
  KAFKA_TOPIC: "KAFKA_TOPIC",
  /** Kafka: the consumer group id. */
  KAFKA_GROUP_ID: "KAFKA_GROUP_ID",
} as const;

/** Settings of an app's own behaviour, set from the app construct's props. */
export const AppEnv = {
  /** Producer: messages per second; 0 = as fast as confirms allow. */
  PRODUCER_RATE: "PRODUCER_RATE",
  /** Producer: how many messages to send; 0 = run until stopped. */
  PRODUCER_COUNT: "PRODUCER_COUNT",
  /** Producer: payload size in bytes. */
  MESSAGE_SIZE_BYTES: "MESSAGE_SIZE_BYTES",
  /** Consumer (RabbitMQ): unacknowledged messages in flight at once. */
  CONSUMER_PREFETCH: "CONSUMER_PREFETCH",
  /** Consumer: deliveries of one message before it is dead-lettered (RabbitMQ) or skipped and logged (Kafka). */
  CONSUMER_MAX_DELIVERIES: "CONSUMER_MAX_DELIVERIES",
  /** Seconds between two `stats` log lines. */
  STATS_INTERVAL_SECONDS: "STATS_INTERVAL_SECONDS",
  /**
   * Producer: `true` = exit 0 once PRODUCER_COUNT messages are confirmed.
   * Default `false`: the producer logs `done` and idles until SIGTERM, so a
   * long-running container stays up and Terraform sees no drift.
   */
  EXIT_WHEN_DONE: "EXIT_WHEN_DONE",
  /** Seconds to keep retrying a broker that is down before giving up with exit 1. */
  BROKER_RETRY_SECONDS: "BROKER_RETRY_SECONDS",
} as const;

export type ConnectionEnvName = (typeof ConnectionEnv)[keyof typeof ConnectionEnv];
export type AppEnvName = (typeof AppEnv)[keyof typeof AppEnv];

/** The broker kinds that the apps and the constructs know. */
export type BrokerKind = "rabbitmq" | "kafka";
