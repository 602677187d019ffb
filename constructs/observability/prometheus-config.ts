import type { ScrapeTarget } from "./metrics";

/** Where the Prometheus container serves its UI and API. */
export const PROMETHEUS_PORT = 9090;

export interface PrometheusConfigOptions {
  readonly scrapeIntervalSeconds: number;
  /** Where the container finds the rules file. */
  readonly rulesFile: string;
  readonly targets: readonly ScrapeTarget[];
  /**
   * The Alertmanagers to send alerts to, `host:port` each.
   * @default - none: no `alerting` section
   */
  readonly alertmanagers?: readonly string[];
}

/**
 * prometheus.yml as JSON (a YAML subset, so Prometheus reads it as is and no
 * YAML writer is needed): one job a kind of endpoint, one static group a
 * target with its labels, sorted so that the same stack renders the same
 * bytes (no replacement of the container without a change).
 */
export function renderPrometheusConfig(options: PrometheusConfigOptions): string {
  const interval = `${options.scrapeIntervalSeconds}s`;
  const byJob = new Map<string, ScrapeTarget[]>();
  for (const t of options.targets.filter((target) => target.discovery !== "dns")) byJob.set(t.job, [...(byJob.get(t.job) ?? []), t]);
  const jobs = [...byJob.keys()].sort().map((job) => {
    const targets = byJob.get(job)!;
    const first = targets[0];
    return {
      job_name: job,
      metrics_path: first.metricsPath,
      ...(first.params ? { params: sortedRecord(first.params) } : {}),
      static_configs: [...targets]
        .sort((a, b) => a.address.localeCompare(b.address))
        .map((t) => ({ targets: [t.address], labels: sortedRecord(t.labels) })),
    };
  });
  return JSON.stringify({
    global: {
      scrape_interval: interval,
      evaluation_interval: interval,
      // A timeout above the interval is refused by Prometheus; 10 s is its default.
      scrape_timeout: `${Math.min(10, options.scrapeIntervalSeconds)}s`,
    },
    rule_files: [options.rulesFile],
    ...alertingSection(options.alertmanagers ?? []),
    scrape_configs: [
      { job_name: "prometheus", static_configs: [{ targets: [`localhost:${PROMETHEUS_PORT}`], labels: { component: "prometheus" } }] },
      ...jobs,
      ...dnsScrapeConfigs(options.targets, interval),
    ],
  });
}

/**
 * Where alerts go: one static group of every Alertmanager, by name (its
 * container name on one engine, its service name on a Swarm: both resolve
 * on their shared networks). None: no section, and Prometheus only shows
 * its alerts.
 */
function alertingSection(alertmanagers: readonly string[]): object {
  if (alertmanagers.length === 0) return {};
  return { alerting: { alertmanagers: [{ static_configs: [{ targets: [...alertmanagers].sort() }] }] } };
}

/**
 * One scrape config a DNS-discovered target (a Swarm service's tasks), since
 * its labels cannot ride on a static group: they are set by relabelling,
 * and so is `job` (job names must differ between scrape configs; the series
 * carry the target's job all the same, so rules and dashboards see one job).
 */
function dnsScrapeConfigs(targets: readonly ScrapeTarget[], interval: string): object[] {
  return targets
    .filter((t) => t.discovery === "dns")
    .sort((a, b) => `${a.job} ${a.address}`.localeCompare(`${b.job} ${b.address}`))
    .map((t) => {
      const separator = t.address.lastIndexOf(":");
      const host = t.address.slice(0, separator);
      return {
        job_name: `${t.job}-${host}`,
        metrics_path: t.metricsPath,
        ...(t.params ? { params: sortedRecord(t.params) } : {}),
        dns_sd_configs: [{ names: [host], type: "A", port: Number(t.address.slice(separator + 1)), refresh_interval: interval }],
        relabel_configs: Object.entries({ job: t.job, ...sortedRecord(t.labels) }).map(([label, value]) => ({
          target_label: label,
          replacement: value,
        })),
      };
    });
}

/**
 * Targets of one job must share its path and parameters (they are per job in
 * prometheus.yml): a job name two sources use with different paths is a problem.
 */
export function conflictingJobs(targets: readonly ScrapeTarget[]): { job: string; paths: string[] }[] {
  const paths = new Map<string, Set<string>>();
  for (const t of targets) {
    const key = `${t.metricsPath}${t.params ? `?${JSON.stringify(sortedRecord(t.params))}` : ""}`;
    paths.set(t.job, (paths.get(t.job) ?? new Set()).add(key));
  }
  return [...paths].filter(([, p]) => p.size > 1).map(([job, p]) => ({ job, paths: [...p].sort() }));
}

function sortedRecord<T>(record: Readonly<Record<string, T>>): Record<string, T> {
  return Object.fromEntries(
    Object.keys(record)
      .sort()
      .map((k) => [k, record[k]]),
  );
}
