import { collectDefaultMetrics, Counter, Gauge, type Metric, Registry } from "prom-client";
// The names are a contract shared with the constructs' alert rules: one table for both.
import { AppMetricNames as METRIC_NAMES } from "../../constructs/apps/app-metric-names";

/**
 * The apps' Prometheus metrics, served as text at /metrics on METRICS_PORT
 * (metrics-server.ts; 0 = not served). The names below are a contract: alert
 * rules and the e2e queries use exactly these, with no labels but the ones
 * given (Prometheus adds job, instance and app itself). Each is described in
 * apps/README.md, "Metrics".
 *
 * The message counters are not counted a second time: each one shows, at
 * scrape time, a counter the `stats` lines print (PublishLedger.counters,
 * ConsumerTally.counters), so the log and the metrics cannot disagree and a
 * message costs no more than it did. Only the latency histogram is fed per
 * message, from the same number the `stats` latency summary takes.
 */
export { METRIC_NAMES };

/** 1 ms to 30 s, about x2.5 a step: a local hop, a busy consumer and a backlog after an outage each land in a bucket of their own. */
export const END_TO_END_LATENCY_BUCKETS: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Takes one latency sample, in seconds. */
export type LatencyObserver = (seconds: number) => void;

/** What broker_connected reads: the health file's state (health-file.ts). */
export interface ConnectionState {
  readonly healthy: boolean;
}

/** One app's metrics: its own registry (never prom-client's global one) and what every app exports. */
export class AppMetrics {
  readonly registry = new Registry();
  private defaultsCollected = false;

  constructor(connection: ConnectionState) {
    new Gauge({
      name: METRIC_NAMES.brokerConnected,
      help: "1 while the app holds a working broker connection (the health file exists), else 0.",
      registers: [this.registry],
      collect() {
        this.set(connection.healthy ? 1 : 0);
      },
    });
  }

  /**
   * prom-client's process_* and nodejs_* metrics, without a prefix. Only
   * when the metrics are served: their event-loop delay monitor samples
   * every 10 ms, which an app nobody scrapes should not pay for.
   */
  collectDefaults(): void {
    if (this.defaultsCollected) return;
    this.defaultsCollected = true;
    collectDefaultMetrics({ register: this.registry });
  }

  /** A counter that shows `read()`, a cumulative count kept elsewhere, at each scrape. */
  countOf(name: string, help: string, read: () => number): void {
    new Counter({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  }
}

/** The producers' counters, as PublishLedger counts them. */
export function exportProducerCounters(
  metrics: AppMetrics,
  counters: { readonly sent: number; readonly confirmed: number; readonly republished: number },
  blocked: () => boolean,
): void {
  new Gauge({
    name: METRIC_NAMES.publishingBlocked,
    help: "1 while the broker blocks this producer's publishes (a RabbitMQ memory or disk alarm), else 0.",
    registers: [metrics.registry],
    collect() {
      this.set(blocked() ? 1 : 0);
    },
  });
  metrics.countOf(METRIC_NAMES.sent, "Publishes (sends) of messages, re-sends included.", () => counters.sent);
  metrics.countOf(METRIC_NAMES.confirmed, "Distinct messages the broker confirmed.", () => counters.confirmed);
  metrics.countOf(
    METRIC_NAMES.resent,
    "Messages sent again after a broker refusal (nack, unroutable return, failed send) or a lost connection.",
    () => counters.republished,
  );
}

/** The consumers' counters, as ConsumerTally counts them. */
export function exportConsumerCounters(
  metrics: AppMetrics,
  counters: {
    readonly received: number;
    readonly acked: number;
    readonly redelivered: number;
    readonly deadLettered: number;
    readonly duplicates: number;
  },
): void {
  metrics.countOf(METRIC_NAMES.received, "Deliveries handed to the app, redeliveries included.", () => counters.received);
  metrics.countOf(
    METRIC_NAMES.acked,
    "Messages processed and acknowledged (RabbitMQ: acked; Kafka: offset resolved for commit).",
    () => counters.acked,
  );
  metrics.countOf(
    METRIC_NAMES.redelivered,
    "Deliveries that were a second or later attempt of a message (RabbitMQ: redelivered flag or local count; Kafka: in-place retries).",
    () => counters.redelivered,
  );
  metrics.countOf(
    METRIC_NAMES.deadLettered,
    "Messages given up on as poison (RabbitMQ: rejected to the dead-letter exchange; Kafka: skipped).",
    () => counters.deadLettered,
  );
  metrics.countOf(
    METRIC_NAMES.duplicates,
    "Processed messages that had been processed before (the same producer and seq, within the last 262,144 of each producer's sequence numbers).",
    () => counters.duplicates,
  );
}

/** The consumers' end-to-end latency histogram: now minus the message's sentAt, per processed message. */
export function endToEndLatencyObserver(metrics: AppMetrics): LatencyObserver {
  const histogram = new BucketHistogram(
    METRIC_NAMES.endToEndLatency,
    "Seconds from the producer's sentAt to processed, per processed message.",
    END_TO_END_LATENCY_BUCKETS,
  );
  // prom-client's registry reads any object with a name and get() (lib/registry.js, getMetricsAsString).
  metrics.registry.registerMetric(histogram as unknown as Metric);
  return (seconds) => histogram.observe(seconds);
}

/**
 * A histogram without labels, exposed as prom-client's Histogram exposes
 * one (`_bucket` with cumulative `le` counts, `+Inf`, `_sum`, `_count`).
 * prom-client's observe() costs a closure, a label hash and an object
 * lookup per call; a consumer observes every message, and that was 4% of
 * the Kafka consumer's busy time (BENCHMARKS.md, "Where the time goes"). Here it is a
 * short bucket search and an increment; the counts are made cumulative only
 * when scraped.
 */
class BucketHistogram {
  readonly type = "histogram";
  readonly aggregator = "sum";
  /** Per bucket, not cumulative; the last one is +Inf. */
  private readonly counts: Float64Array;
  private sum = 0;
  private count = 0;

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly upperBounds: readonly number[],
  ) {
    this.counts = new Float64Array(upperBounds.length + 1);
  }

  observe(value: number): void {
    let bucket = 0;
    // `le`: a value equal to a bound belongs to that bound's bucket.
    while (bucket < this.upperBounds.length && value > this.upperBounds[bucket]!) bucket++;
    this.counts[bucket]!++;
    this.sum += value;
    this.count++;
  }

  get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: HistogramValue[] }> {
    const name = `${this.name}_bucket`;
    let cumulative = 0;
    const values: HistogramValue[] = this.upperBounds.map((le, i) => {
      cumulative += this.counts[i]!;
      return { labels: { le }, value: cumulative, metricName: name };
    });
    values.push(
      { labels: { le: "+Inf" }, value: this.count, metricName: name },
      { labels: {}, value: this.sum, metricName: `${this.name}_sum` },
      { labels: {}, value: this.count, metricName: `${this.name}_count` },
    );
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values });
  }
}

interface HistogramValue {
  readonly labels: Record<string, string | number>;
  readonly value: number;
  readonly metricName: string;
}

/** kafka-consumer's lag gauge, one series per partition this member holds (see ConsumerLag). */
export function consumerLagGauge(metrics: AppMetrics): Gauge<"topic" | "partition"> {
  return new Gauge({
    name: METRIC_NAMES.consumerLag,
    help: "Messages behind on a partition this member holds: the high watermark minus the next offset to process, as of its last batch.",
    labelNames: ["topic", "partition"] as const,
    registers: [metrics.registry],
  });
}
