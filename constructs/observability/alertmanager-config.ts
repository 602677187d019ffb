import type { RenderedReceiver } from "./alert-receiver-config";
import type { RenderedInhibitRule, RenderedRoute } from "./validate-alertmanager";

/** Where the Alertmanager container serves its API and UI (and Prometheus sends it alerts). */
export const ALERTMANAGER_PORT = 9093;

/** What alertmanager.yml holds, checked (validate-alertmanager.ts, alert-receiver-config.ts). */
export interface AlertmanagerConfigOptions {
  readonly route: RenderedRoute;
  readonly receivers: readonly RenderedReceiver[];
  readonly inhibitRules: readonly RenderedInhibitRule[];
}

/**
 * alertmanager.yml as JSON (a YAML subset, read as is), like
 * prometheus.yml: the routing tree, the receivers in the order given (each
 * with its one integration), the inhibition rules. Secrets appear only as
 * the files they are written to. The same props render the same bytes, so
 * the container is replaced only on a change.
 */
export function renderAlertmanagerConfig(options: AlertmanagerConfigOptions): string {
  return JSON.stringify({
    route: options.route,
    receivers: options.receivers.map((r) => ({ name: r.name, [r.section]: [r.config] })),
    ...(options.inhibitRules.length > 0 ? { inhibit_rules: options.inhibitRules } : {}),
  });
}
