/**
 * The images the constructs use when none is given.
 *
 * They carry the official images' names and layouts. On a host that reaches
 * Docker Hub they are the official images; on an offline host
 * `toolchain/images.sh` builds local images under exactly these names (it
 * reads this file), so the defaults resolve without a pull.
 */
export const DefaultImages = {
  /** Debian 12 ships RabbitMQ 3.10; the management plugin is enabled. */
  rabbitmq: "rabbitmq:3.10-management",
  /** Kafka in KRaft mode, with the `/opt/kafka/bin` scripts. */
  kafka: "apache/kafka:4.1.1",
  /** The Node runtime the apps in `apps/` run on (Debian 12 ships Node 18). */
  node: "node:18-bookworm-slim",
} as const;
