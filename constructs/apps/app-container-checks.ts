/**
 * The checks of an AppContainer's own props that are not its environment:
 * the name, the command, the health check (and the file it waits for on a
 * read-only root), and the published ports (on one engine and on a Swarm).
 */
import type { Construct } from "constructs";
import { report } from "../errors/problems";
import type { PublishedPort } from "../private/container-spec";
import { checkInteger, checkIpAddress, checkKnownKeys, checkPort, isToken } from "../private/validation";
import type { ResolvedHardening } from "../security/container-hardening";
import type { AppPort } from "./app-container-props";
import { AppOnlyEnv } from "./app-settings";
import type { HealthCheck, HealthCheckOptions } from "./health-check";

const HEALTH_CHECK_OPTIONS: Record<keyof HealthCheckOptions, true> = {
  intervalSeconds: true,
  timeoutSeconds: true,
  retries: true,
  startPeriodSeconds: true,
};
const PORT_PROPS: Record<keyof AppPort, true> = { containerPort: true, hostPort: true, hostIp: true };

/** The replicas are `<name>-<i>`: Docker's grammar applies to those, so a one-character name is fine. */
export function checkAppName(scope: Construct, name: unknown, replicas: number): boolean {
  const longest = typeof name === "string" ? `${name}-${Math.max(1, Math.floor(replicas))}`.length : 0;
  if (typeof name !== "string" || !/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name) || longest > 128) {
    report(
      scope,
      "name is not a valid Docker container name prefix (replicas are <name>-1..N)",
      name,
      "use a letter or digit, then letters, digits, '_', '.' or '-', so that <name>-<replicas> is at most 128 characters",
    );
    return false;
  }
  return true;
}

/** A list of strings (Docker's exec form), not one command line. */
export function checkStringList(scope: Construct, field: string, value: unknown): boolean {
  if (value === undefined) return true;
  if (!Array.isArray(value) || value.length === 0 || value.some((v) => typeof v !== "string")) {
    report(
      scope,
      `${field} must be a non-empty list of strings`,
      value,
      typeof value === "string"
        ? `split it: ${JSON.stringify(value.split(/\s+/))}, or ["/bin/sh", "-c", ${JSON.stringify(value)}]`
        : 'pass e.g. ["node", "main.js"]',
    );
    return false;
  }
  return true;
}

export function checkHealthCheck(scope: Construct, healthCheck: HealthCheck): void {
  const command = healthCheck.command;
  if (checkStringList(scope, "healthCheck command", command) && command[0].trim() === "") {
    // `/bin/sh -c ""` exits 0: a container that checks nothing would always be "healthy".
    report(
      scope,
      "healthCheck command is empty: it would check nothing and always pass",
      command,
      'give the command to run, e.g. HealthCheck.exec(["test", "-f", "/tmp/app-healthy"])',
    );
  }
  checkKnownKeys(scope, "healthCheck options", healthCheck.givenOptions, HEALTH_CHECK_OPTIONS);
  const h = healthCheck.settings;
  checkInteger(scope, "healthCheck.intervalSeconds", h.intervalSeconds, 1, "check at most once a second", 24 * 3600);
  checkInteger(scope, "healthCheck.timeoutSeconds", h.timeoutSeconds, 1, "give a check at least a second", 24 * 3600);
  checkInteger(scope, "healthCheck.retries", h.retries, 0, "use 0 or more retries", 1000);
  checkInteger(scope, "healthCheck.startPeriodSeconds", h.startPeriodSeconds, 0, "use 0 or more seconds", 24 * 3600);
}

/** On a read-only root the apps can write their health file only on a tmpfs. */
export function checkHealthFileWritable(scope: Construct, healthFile: string | undefined, hardening: ResolvedHardening): void {
  if (healthFile === undefined || healthFile === "" || isToken(healthFile) || !hardening.readOnlyRootFilesystem) return;
  const folders = Object.keys(hardening.tmpfsSizeMb);
  if (folders.some((folder) => healthFile.startsWith(`${folder}/`))) return;
  report(
    scope,
    `environment.${AppOnlyEnv.HEALTH_FILE} is outside every tmpfs of the read-only root filesystem: the app could not write it`,
    healthFile,
    `put it under ${folders.length > 0 ? folders.join(" or ") : "a folder of hardening.tmpfsSizeMb"} (e.g. /tmp/app-healthy), or add its folder to hardening.tmpfsSizeMb`,
  );
}

/**
 * A health check that waits for a file (`test -f /tmp/app-healthy`, the
 * apps' marker) on a read-only root filesystem where nothing can write it:
 * outside every tmpfs, the container never turns healthy and the deploy
 * waits until it times out. (An explicit HEALTH_FILE is checked on its own.)
 */
export function checkTestedFileWritable(
  scope: Construct,
  healthCheck: HealthCheck | undefined,
  healthFile: string | undefined,
  hardening: ResolvedHardening,
): void {
  if (!healthCheck || !hardening.readOnlyRootFilesystem || healthFile !== undefined) return;
  const command = Array.isArray(healthCheck.command) ? healthCheck.command : [];
  const flag = command.findIndex((arg, i) => (arg === "-f" || arg === "-e") && i > 0 && /(^|\/)test$/.test(command[i - 1]));
  const file = flag >= 0 ? command[flag + 1] : undefined;
  if (typeof file !== "string" || !file.startsWith("/") || isToken(file)) return;
  const folders = Object.keys(hardening.tmpfsSizeMb);
  if (folders.some((folder) => file.startsWith(`${folder}/`))) return;
  report(
    scope,
    `healthCheck waits for ${file}, but the root filesystem is read-only and ${file} is outside every tmpfs: nothing can write it, and the app would never turn healthy`,
    file,
    `keep a tmpfs over its folder (hardening.tmpfsSizeMb: { "${file.slice(0, file.lastIndexOf("/")) || "/tmp"}": 16 }), or test for a file under ${folders.length > 0 ? folders.join(" or ") : "a tmpfs"}`,
  );
}

export function checkPorts(scope: Construct, ports: unknown, replicas: number): PublishedPort[] {
  if (ports === undefined) return [];
  if (!Array.isArray(ports)) {
    report(scope, "ports must be a list", ports, "pass [{ containerPort, hostPort }]");
    return [];
  }
  const valid: PublishedPort[] = [];
  ports.forEach((p: AppPort, i: number) => {
    if (p === undefined) {
      report(scope, `ports[${i}] is undefined`, p, "pass { containerPort, hostPort } for every port, or leave it out of the list");
      return;
    }
    if (!checkKnownKeys(scope, `ports[${i}]`, p, PORT_PROPS)) return;
    const ok = [
      p.containerPort !== undefined ||
        (report(scope, `ports[${i}].containerPort is required`, p, "give the port the app listens on"), false),
      p.hostPort !== undefined || (report(scope, `ports[${i}].hostPort is required`, p, "give the host port to publish on"), false),
      checkPort(scope, `ports[${i}].containerPort`, p.containerPort),
      checkPort(scope, `ports[${i}].hostPort`, p.hostPort),
      checkIpAddress(scope, `ports[${i}].hostIp`, p.hostIp),
    ].every(Boolean);
    if (ok) valid.push({ containerPort: p.containerPort, hostPort: p.hostPort, ...(p.hostIp !== undefined ? { hostIp: p.hostIp } : {}) });
  });
  if (valid.length > 0 && replicas > 1) {
    report(scope, "ports cannot be published by more than one replica", replicas, "publish ports only with replicas: 1");
  }
  return valid;
}

/**
 * On a Swarm a published port is bound in host mode on every address of the
 * Swarm node that runs the task: no loopback-only binding exists there, so
 * the user says so with hostIp "0.0.0.0".
 */
export function checkSwarmPorts(scope: Construct, ports: PublishedPort[]): PublishedPort[] {
  for (const p of ports) {
    if ((p.hostIp ?? "127.0.0.1") !== "0.0.0.0") {
      report(
        scope,
        `on a Swarm, port ${p.hostPort} would be published on every address of the Swarm node running the task, not on ${p.hostIp ?? "127.0.0.1"}`,
        p.hostIp ?? "127.0.0.1",
        'set hostIp: "0.0.0.0" to publish it on the node\'s addresses, or do not publish it (services reach the app over the network)',
      );
    }
  }
  return ports;
}
