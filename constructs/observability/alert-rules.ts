import { AppMetricNames } from "../apps/app-metric-names";

/** One Prometheus alerting rule. */
export interface PrometheusAlertRule {
  /** The alert's name: letters, digits and '_', not starting with a digit (e.g. `OrdersBacklog`). */
  readonly name: string;
  /** The PromQL expression; the alert is pending while it returns series. */
  readonly expression: string;
  /**
   * Seconds the expression must hold before the alert fires.
   * @default 0 - fires on the first evaluation that returns series
   */
  readonly forSeconds?: number;
  /**
   * The `severity` label.
   * @default "warning"
   */
  readonly severity?: "warning" | "critical";
  /** One line for a person: what is wrong (may use `{{ $labels.x }}`). */
  readonly summary: string;
}

/**
 * `for` seconds for an expression that must hold over `scrapes` scrape
 * intervals, at least `atLeast` seconds: one missed scrape never fires an alert.
 */
export function scrapesFor(scrapeIntervalSeconds: number, scrapes: number, atLeast: number): number {
  return Math.max(scrapes * scrapeIntervalSeconds, atLeast);
}

/**
 * The alerts a messaging operator wants, on the metrics the brokers'
 * exporters and the apps serve (series carry the scrape labels `component`,
 * `kind`, `broker`, `node`, `app`: see ScrapeLabels): the rules every kind
 * shares, around `kindRules`, the rules of the broker kinds scraped (each
 * kind's own, see IMetricsSource.alertRules). `for` durations scale with
 * the scrape interval so that one missed scrape never fires one.
 */
export function defaultAlertRules(scrapeIntervalSeconds: number, kindRules: readonly PrometheusAlertRule[] = []): PrometheusAlertRule[] {
  return [
    {
      name: "MessagingBrokerNodeDown",
      expression: 'up{component="broker"} == 0',
      // Three missed scrapes: a node restarting under `restart: unless-stopped` is back by then.
      forSeconds: scrapesFor(scrapeIntervalSeconds, 3, 15),
      severity: "critical",
      summary: "{{ $labels.kind }} broker {{ $labels.broker }} node {{ $labels.node }} ({{ $labels.instance }}) is down",
    },
    {
      name: "MessagingAppDown",
      expression: 'up{component="app"} == 0',
      forSeconds: scrapesFor(scrapeIntervalSeconds, 6, 60),
      severity: "warning",
      summary: "app {{ $labels.app }} ({{ $labels.instance }}) serves no metrics: it is down or restarting",
    },
    ...kindRules,
    {
      name: "MessagingMessagesDeadLettered",
      expression: `sum by (app) (increase(${AppMetricNames.deadLettered}[5m])) > 0`,
      severity: "warning",
      summary: "consumer {{ $labels.app }} dead-lettered {{ $value }} messages in 5 minutes",
    },
  ];
}

/** The rules file as JSON (read as YAML by Prometheus): one group. */
export function renderAlertRules(rules: readonly PrometheusAlertRule[]): string {
  return JSON.stringify({
    groups: [
      {
        name: "cdktf-docker-messaging",
        rules: rules.map((r) => ({
          alert: r.name,
          expr: r.expression,
          ...(r.forSeconds ? { for: `${r.forSeconds}s` } : {}),
          labels: { severity: r.severity ?? "warning" },
          annotations: { summary: r.summary },
        })),
      },
    ],
  });
}
