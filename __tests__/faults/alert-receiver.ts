/**
 * The webhook the cluster example's Alertmanager notifies, as an on-call
 * tool would receive it: a container on the stack's network under the host
 * name TF_VAR_cluster_alert_webhook_url points at (ALERT_WEBHOOK_URL), a
 * Node http server (the local node:24-trixie-slim image) that answers 200
 * and prints each JSON body it receives on one line. What it received is
 * read back from `docker logs --timestamps`: the time each notification
 * arrived, and what it said.
 */
import { ALERT_RECEIVER, ALERT_WEBHOOK_URL, docker, removeAlertReceiver, STACK } from "../e2e-cluster/cluster-stack";
import { DefaultImages } from "../../constructs";

const PORT = Number(new URL(ALERT_WEBHOOK_URL).port);
const SERVER = `
const http = require("http");
http.createServer((req, res) => {
  let body = "";
  req.on("data", (chunk) => (body += chunk));
  req.on("end", () => {
    let line;
    try { line = JSON.stringify(JSON.parse(body)); } catch { line = JSON.stringify({ unparsed: body }); }
    process.stdout.write(line + "\\n");
    res.end("ok");
  });
}).listen(${PORT}, () => console.error("listening on ${PORT}"));
`;

/** One alert of a notification (Alertmanager's webhook format). */
export interface NotifiedAlert {
  readonly status: "firing" | "resolved";
  readonly labels: Record<string, string>;
}

/** One notification the receiver got: when (its log's timestamp), and what. */
export interface Notification {
  readonly at: number;
  readonly receiver: string;
  readonly status: "firing" | "resolved";
  readonly alerts: readonly NotifiedAlert[];
}

/** Starts the receiver on the stack's network (which the deploy made), replacing a leftover one. */
export function startAlertReceiver(): void {
  removeAlertReceiver();
  docker(
    "run",
    "-d",
    "--name",
    ALERT_RECEIVER,
    "--network",
    STACK,
    "--read-only",
    "--cap-drop",
    "ALL",
    "--security-opt",
    "no-new-privileges:true",
    "--memory",
    "96m",
    "--label",
    "cdktf-docker-messaging.test=faults",
    DefaultImages.node,
    "node",
    "-e",
    SERVER,
  );
}

/** Every notification received so far, in order. */
export function notifications(): Notification[] {
  const { stdout } = docker("logs", "--timestamps", ALERT_RECEIVER);
  return stdout
    .split("\n")
    .filter(Boolean)
    .flatMap((line) => {
      const space = line.indexOf(" ");
      try {
        const body = JSON.parse(line.slice(space + 1));
        return [{ at: Date.parse(line.slice(0, space)), receiver: body.receiver, status: body.status, alerts: body.alerts ?? [] }];
      } catch {
        return [];
      }
    });
}

/**
 * The first time each `<broker>-<node>` was notified as `status` for
 * `alertname` at or after `since` (ms since the epoch), from the alerts of
 * every notification (one notification may carry several nodes' alerts).
 */
export function notifiedNodes(alertname: string, status: "firing" | "resolved", since: number): Record<string, number> {
  const first: Record<string, number> = {};
  for (const n of notifications()) {
    if (n.at < since) continue;
    for (const a of n.alerts) {
      if (a.labels.alertname !== alertname || a.status !== status) continue;
      const id = `${a.labels.broker}-${a.labels.node}`;
      first[id] ??= n.at;
    }
  }
  return first;
}

/** What the receiver logged, for a failure message. */
export function receiverLog(): string {
  const logs = docker("logs", "--timestamps", ALERT_RECEIVER);
  return `${logs.stdout}${logs.stderr}`.slice(-4000);
}
