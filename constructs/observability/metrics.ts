import type { IConstruct } from "constructs";
import type { PrometheusAlertRule } from "./alert-rules";
import { report } from "../errors/problems";
import type { INetwork } from "../networking/network";
import { checkInteger, checkKnownKeys } from "../private/validation";

/** Whether and where a broker serves its metrics. */
export interface BrokerMetricsOptions {
  /**
   * Serve Prometheus metrics on every node (RabbitMQ: the `rabbitmq_prometheus`
   * plugin on 15692; Kafka: the Prometheus JMX exporter agent on 9404),
   * reachable from the broker's network, where a `Prometheus` of the stack
   * finds them. Off: no exporter runs (Kafka) or none is scraped (RabbitMQ:
   * the plugin is part of the image, as in the official one).
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Also publish the metrics port on 127.0.0.1:<hostPort> of the host
   * (node i on hostPort + i - 1).
   * @default - not published
   */
  readonly hostPort?: number;
}

/** Whether and where an app serves its metrics. */
export interface AppMetricsOptions {
  /**
   * The app serves Prometheus text at `/metrics` on `port` (the apps in
   * `apps/` read METRICS_PORT, which this sets), and a `Prometheus` of the
   * stack scrapes every replica. Turn it off for an image that serves none.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * The port inside the container.
   * @default 9464
   */
  readonly port?: number;
  /**
   * The HTTP path.
   * @default "/metrics"
   */
  readonly path?: string;
}

/**
 * The metric names a scrape target serves, where the construct knows them:
 * a `Prometheus` checks its alert rules' metric names against the union of
 * its targets'.
 */
export interface ServedMetrics {
  /** Exact names; a histogram's or summary's name covers its `_bucket`, `_sum` and `_count` series. */
  readonly names: readonly string[];
  /** Prefixes of families too open to list (the JVM's `jvm_`, Node's `nodejs_`). */
  readonly prefixes?: readonly string[];
}

/** One endpoint Prometheus scrapes. */
export interface ScrapeTarget {
  /** The Prometheus job (one per kind of endpoint): `rabbitmq`, `kafka`, `apps`, ... */
  readonly job: string;
  /** `host:port` on `network`. */
  readonly address: string;
  /**
   * How Prometheus finds the target. `static`: it scrapes `address` as
   * given. `dns`: `address`'s host names a set of tasks (a Swarm service's
   * `tasks.<service>`: one A record per running task), resolved again at
   * every scrape interval, and every address it returns is scraped on the
   * port: replicas that move or scale are followed.
   * @default "static"
   */
  readonly discovery?: "static" | "dns";
  /** The path of the metrics endpoint, e.g. `/metrics`. */
  readonly metricsPath: string;
  /** Query parameters of the scrape URL. */
  readonly params?: Readonly<Record<string, readonly string[]>>;
  /** Labels put on every series of the target (`broker`, `node`, `app`, `component`). */
  readonly labels: Readonly<Record<string, string>>;
  /** The network Prometheus reaches the target on. */
  readonly network: INetwork;
  /**
   * The metric names the target serves.
   * @default - unknown (an image of your own): alert rules are checked only for near misses of known names
   */
  readonly servedMetrics?: ServedMetrics;
}

/**
 * A construct that serves metrics: a `Prometheus` construct scrapes every
 * such construct of its stack, found by walking the construct tree at synth.
 */
export interface IMetricsSource extends IConstruct {
  /** The endpoints to scrape; empty when metrics are off. */
  metricsTargets(): ScrapeTarget[];
  /**
   * Alert rules on the metrics this source serves (none when it serves
   * none, e.g. metrics turned off), loaded with a
   * Prometheus's default rules (a broker kind's own: RabbitMQ's resource
   * alarm, Kafka's offline partitions). Rules of one name are loaded once,
   * however many sources give them.
   * @default - none
   */
  alertRules?(scrapeIntervalSeconds: number): PrometheusAlertRule[];
}

/** Whether `value` serves metrics targets (implements {@link IMetricsSource}). */
export function isMetricsSource(value: IConstruct): value is IMetricsSource {
  return typeof (value as Partial<IMetricsSource>).metricsTargets === "function";
}

/** The label values the targets carry, so that alert rules and dashboards can group by them. */
export const ScrapeLabels = {
  /** `broker` or `app`. */
  component: "component",
  /** The broker's name (brokers), or the broker an app's wiring names first (apps). */
  broker: "broker",
  /** The broker kind: `rabbitmq`, `kafka`. */
  kind: "kind",
  /** 1-based node index of a broker's node. */
  node: "node",
  /** The app's name (AppContainer.appName). */
  app: "app",
} as const;

const BROKER_METRICS_PROPS: Record<keyof BrokerMetricsOptions, true> = { enabled: true, hostPort: true };
const APP_METRICS_PROPS: Record<keyof AppMetricsOptions, true> = { enabled: true, port: true, path: true };

/** The `metrics` prop of a broker, checked: on unless `enabled: false`. */
export function resolveBrokerMetrics(
  scope: IConstruct,
  metrics: BrokerMetricsOptions | undefined,
): { enabled: boolean; hostPort?: number } {
  if (metrics === undefined) return { enabled: true };
  if (metrics === null || typeof metrics !== "object" || Array.isArray(metrics)) {
    report(
      scope,
      "metrics must be an object",
      metrics,
      "pass { enabled: false } to turn metrics off, or { hostPort: 9404 } to publish them on 127.0.0.1",
    );
    return { enabled: true };
  }
  checkKnownKeys(scope, "metrics", metrics, BROKER_METRICS_PROPS);
  const enabled = checkEnabled(scope, metrics.enabled);
  const hostPortOk = checkInteger(scope, "metrics.hostPort", metrics.hostPort, 1, "use a port between 1 and 65535", 65535);
  if (!enabled && metrics.hostPort !== undefined) {
    report(scope, "metrics.hostPort publishes metrics that are turned off", metrics.hostPort, "remove hostPort, or remove enabled: false");
  }
  return { enabled, ...(hostPortOk && metrics.hostPort !== undefined ? { hostPort: metrics.hostPort } : {}) };
}

/** The `metrics` prop of an app, checked. */
export function resolveAppMetrics(
  scope: IConstruct,
  metrics: AppMetricsOptions | undefined,
  defaultPort: number,
): { enabled: boolean; port: number; path: string } {
  const fallback = { enabled: true, port: defaultPort, path: "/metrics" };
  if (metrics === undefined) return fallback;
  if (metrics === null || typeof metrics !== "object" || Array.isArray(metrics)) {
    report(scope, "metrics must be an object", metrics, "pass { enabled: false } for an image that serves no metrics, or { port, path }");
    return fallback;
  }
  checkKnownKeys(scope, "metrics", metrics, APP_METRICS_PROPS);
  const enabled = checkEnabled(scope, metrics.enabled);
  const port = checkInteger(scope, "metrics.port", metrics.port, 1, "use a port between 1 and 65535", 65535)
    ? (metrics.port ?? defaultPort)
    : defaultPort;
  let path = "/metrics";
  if (metrics.path !== undefined) {
    if (typeof metrics.path !== "string" || !/^\/[A-Za-z0-9._~/-]*$/.test(metrics.path)) {
      report(
        scope,
        "metrics.path must be a URL path starting with '/' (letters, digits, '.', '_', '~', '-', '/')",
        metrics.path,
        'use e.g. "/metrics"',
      );
    } else {
      path = metrics.path;
    }
  }
  return { enabled, port, path };
}

function checkEnabled(scope: IConstruct, enabled: unknown): boolean {
  if (enabled === undefined) return true;
  if (typeof enabled !== "boolean") {
    report(scope, "metrics.enabled must be true or false", enabled, "pass enabled: false to turn metrics off");
    return true;
  }
  return enabled;
}
