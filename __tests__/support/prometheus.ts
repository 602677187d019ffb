/**
 * Asking a deployed Prometheus, as a person with curl would: its HTTP API on
 * the port the stack publishes on 127.0.0.1.
 */

export interface Sample {
  readonly metric: Record<string, string>;
  readonly value: number;
}

async function api(base: string, path: string): Promise<any> {
  const response = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(10_000) });
  const body = (await response.json()) as { status: string; data: any; error?: string };
  if (body.status !== "success") throw new Error(`Prometheus ${path}: ${body.error ?? response.status}`);
  return body.data;
}

/** An instant query's vector. */
export async function query(base: string, promql: string): Promise<Sample[]> {
  const data = await api(base, `/api/v1/query?query=${encodeURIComponent(promql)}`);
  if (data.resultType !== "vector") throw new Error(`${promql}: a ${data.resultType}, not a vector`);
  return data.result.map((r: { metric: Record<string, string>; value: [number, string] }) => ({
    metric: r.metric,
    value: Number(r.value[1]),
  }));
}

export interface TargetHealth {
  readonly job: string;
  readonly instance: string;
  readonly health: string;
  readonly lastError: string;
}

/** Every active target with its health, sorted by job and instance. */
export async function targets(base: string): Promise<TargetHealth[]> {
  const data = await api(base, "/api/v1/targets?state=active");
  return data.activeTargets
    .map((t: any) => ({ job: t.labels.job, instance: t.labels.instance, health: t.health, lastError: t.lastError }))
    .sort((a: TargetHealth, b: TargetHealth) => `${a.job} ${a.instance}`.localeCompare(`${b.job} ${b.instance}`));
}

/** Alerts by name and state (`pending`, `firing`), with their labels. */
export async function alerts(base: string): Promise<{ name: string; state: string; labels: Record<string, string> }[]> {
  const data = await api(base, "/api/v1/alerts");
  return data.alerts.map((a: any) => ({ name: a.labels.alertname, state: a.state, labels: a.labels }));
}

/** The loaded alerting rules' names, health and `for` (seconds). */
export async function alertRules(base: string): Promise<{ name: string; health: string; durationSeconds: number }[]> {
  const data = await api(base, "/api/v1/rules?type=alert");
  return data.groups.flatMap((g: any) =>
    g.rules.map((r: any) => ({ name: r.name, health: r.health, durationSeconds: Number(r.duration ?? 0) })),
  );
}
