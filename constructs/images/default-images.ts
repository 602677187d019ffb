/**
 * The images the constructs use when none is given.
 *
 * They carry the official images' names and layouts, and name releases that
 * are supported upstream. On a host that reaches Docker Hub they are the
 * official images; on an offline host `toolchain/images.sh` builds local
 * images under exactly these names (it reads this file) from Debian
 * packages, Maven Central jars, the npm registry and Go modules, so the
 * defaults resolve without a pull.
 */
export const DefaultImages = {
  /**
   * RabbitMQ 4.3 (Debian forky ships 4.3.6 on Erlang 29) with the management plugin enabled.
   * Khepri is its only metadata store; it upgrades in place only from 4.2 (see the
   * README, "Upgrading from 0.8").
   */
  rabbitmq: "rabbitmq:4.3-management",
  /** Kafka 4.4.0 in KRaft mode, with the `/opt/kafka/bin` scripts, on Java 21. */
  kafka: "apache/kafka:4.4.0",
  /** The Node runtime the apps in `apps/` run on: Node 24 (LTS) on Debian 13 slim. */
  node: "node:24-trixie-slim",
  /**
   * Prometheus 3.13 (the LTS line): `/bin/prometheus` and `/bin/promtool`,
   * config `/etc/prometheus/prometheus.yml` (scrapes itself), data in `/prometheus`,
   * user nobody (65534). Health check without curl:
   * `promtool check healthy --url=http://localhost:9090`.
   */
  prometheus: "prom/prometheus:v3.13.5",
  /**
   * Alertmanager 0.35: `/bin/alertmanager` and `/bin/amtool`, config
   * `/etc/alertmanager/alertmanager.yml`, data (silences, notification log) in
   * `/alertmanager`, user nobody (65534), API and UI on port 9093.
   */
  alertmanager: "prom/alertmanager:v0.35.0",
} as const;
