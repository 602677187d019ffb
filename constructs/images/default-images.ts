/**
 * The images the constructs use when none is given.
 *
 * They carry the official images' names and layouts, and name releases that
 * are supported upstream. On a host that reaches Docker Hub they are the
 * official images; on an offline host `toolchain/images.sh` builds local
 * images under exactly these names (it reads this file) from Debian 13
 * (trixie) packages, Maven Central jars and the npm registry, so the
 * defaults resolve without a pull.
 */
export const DefaultImages = {
  /** RabbitMQ 4.0 (Debian 13 ships 4.0.5 on Erlang 27) with the management plugin enabled. */
  rabbitmq: "rabbitmq:4.0-management",
  /** Kafka 4.4.0 in KRaft mode, with the `/opt/kafka/bin` scripts, on Java 21. */
  kafka: "apache/kafka:4.4.0",
  /** The Node runtime the apps in `apps/` run on: Node 24 (LTS) on Debian 13 slim. */
  node: "node:24-trixie-slim",
  /**
   * Prometheus 2.53 (Debian 13 ships 2.53.3): `/bin/prometheus` and `/bin/promtool`,
   * config `/etc/prometheus/prometheus.yml` (scrapes itself), data in `/prometheus`,
   * user nobody (65534). Health check without curl:
   * `promtool check healthy --url=http://localhost:9090`.
   */
  prometheus: "prom/prometheus:v2.53.3",
} as const;
