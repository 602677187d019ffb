/**
 * How an app's wirings combine: a new wiring checked against the app's own
 * settings, its other wirings, its pinned networks and the shipped app it
 * runs; and the networks, volumes, files, environment and start order
 * rendered from all of them at synth.
 */
import type { ITerraformDependable } from "../private/framework";
import type { Construct } from "constructs";
import type { BrokerWiring, IBroker } from "../brokers/broker";
import { report } from "../errors/problems";
import type { INetwork } from "../networking/network";
import { isToken } from "../private/validation";
import { AppMetricsEnv } from "./app-settings";
import { SHIPPED_APP_ROLES, shippedAppOf, type ShippedAppName } from "./shipped-apps";

/** What a new wiring is checked against: the app's own settings and wirings so far. */
export interface AppWiringState {
  /** The image as given (to know a shipped app's role). */
  readonly image: unknown;
  /** The app's own environment, checked. */
  readonly environment: Readonly<Record<string, string>>;
  /** The networks the app was given, if any. */
  readonly pinnedNetworks?: readonly INetwork[];
  /** The wirings so far. */
  readonly wirings: readonly BrokerWiring[];
}

/** Whether `wiring` is one the app has already (same broker, role and settings): the same wiring twice is one. */
export function isRepeatedWiring(wirings: readonly BrokerWiring[], wiring: BrokerWiring): boolean {
  return wirings.some((w) => w.broker === wiring.broker && w.role === wiring.role && sameEnvironment(w.environment, wiring.environment));
}

/** A new wiring's conflicts with the app (AppContainer.addWiring), reported. */
export function checkNewWiring(app: Construct, state: AppWiringState, wiring: BrokerWiring): void {
  checkShippedAppRole(app, state.image, wiring);
  for (const [name, value] of Object.entries(wiring.environment)) {
    if (name in state.environment) {
      report(
        app,
        `${wiring.role} (${wiring.broker.node.path}) sets ${name}, which the app's environment sets too`,
        name,
        `remove ${name} from the app's environment: the wiring sets it`,
        { location: wiring.location },
      );
      continue;
    }
    const other = state.wirings.find((w) => name in w.environment && w.environment[name] !== value);
    if (other) {
      report(
        app,
        `${wiring.role} (${wiring.broker.node.path}) needs ${name}=${shown(value)}, but the app is already ${other.role} (${other.broker.node.path}) with ${name}=${shown(other.environment[name])}`,
        isToken(value) ? "(a value Terraform computes)" : value,
        `an app reads one ${name}: give this use its own AppContainer`,
        { location: wiring.location },
      );
    }
  }
  if (state.pinnedNetworks && !state.pinnedNetworks.includes(wiring.broker.network)) {
    report(
      app,
      `the app shares no network with broker ${wiring.broker.node.path} (its network is ${wiring.broker.network.node.path})`,
      state.pinnedNetworks.map((n) => n.node.path),
      "add the broker's network to the app's `networks`, or leave `networks` unset so wiring attaches the app",
      { location: wiring.location },
    );
  }
}

/**
 * A shipped app wired for what it does not do: a consumer granted publish,
 * a Kafka app on a RabbitMQ broker. It would start, find no settings of
 * its own kind or wait for messages it never asks for, and exit or idle.
 */
function checkShippedAppRole(scope: Construct, image: unknown, wiring: BrokerWiring): void {
  const app = shippedAppOf(image);
  if (app === undefined) return;
  const does = SHIPPED_APP_ROLES[app];
  const direction = wiring.target?.direction;
  const fits = (kind: string, dir: string) =>
    (Object.keys(SHIPPED_APP_ROLES) as ShippedAppName[]).find(
      (n) => SHIPPED_APP_ROLES[n].brokerKind === kind && SHIPPED_APP_ROLES[n].direction === dir,
    );
  const wanted = direction !== undefined ? fits(wiring.broker.kind, direction) : undefined;
  const factory = (n: string) => `ShippedApps.${n.replace(/-(\w)/g, (_, c: string) => c.toUpperCase())}()`;
  if (does.brokerKind !== wiring.broker.kind || (direction !== undefined && direction !== does.direction)) {
    report(
      scope,
      `the app runs the package's ${app}, which ${does.direction === "publish" ? "publishes to" : "consumes from"} ${does.brokerKind}, but it is made ${wiring.role} of ${wiring.broker.kind} broker ${wiring.broker.brokerName}: it would not do that`,
      app,
      wanted
        ? `use ${factory(wanted)} for this app, or wire it as a ${does.direction === "publish" ? "publisher" : "consumer"} of a ${does.brokerKind} broker`
        : `wire it as a ${does.direction === "publish" ? "publisher" : "consumer"} of a ${does.brokerKind} broker`,
      { location: wiring.location },
    );
  }
}

/** The networks the app is on: the pinned ones, or those of the brokers it is wired to. */
export function wiredNetworks(pinnedNetworks: readonly INetwork[] | undefined, wirings: readonly BrokerWiring[]): INetwork[] {
  if (pinnedNetworks) return [...pinnedNetworks];
  const networks: INetwork[] = [];
  for (const w of wirings) if (!networks.includes(w.broker.network)) networks.push(w.broker.network);
  return networks;
}

/** The volumes the wirings mount (a TLS broker's CA certificate), once each. */
export function wiredVolumes(wirings: readonly BrokerWiring[]): { volumeName: string; containerPath: string; readOnly: boolean }[] {
  const volumes: { volumeName: string; containerPath: string; readOnly: boolean }[] = [];
  for (const w of wirings)
    for (const v of w.volumes ?? []) if (!volumes.some((x) => x.containerPath === v.containerPath)) volumes.push({ ...v });
  return volumes;
}

/** The files the wirings give the app (on a Swarm, a TLS broker's CA certificate), once each. */
export function wiredFiles(wirings: readonly BrokerWiring[]): { file: string; content: string }[] {
  const files: { file: string; content: string }[] = [];
  for (const w of wirings)
    for (const f of w.files ?? []) if (!files.some((x) => x.file === f.path)) files.push({ file: f.path, content: f.content });
  return files;
}

/** The app's settings and every wiring's connection settings (the first wiring wins a conflict, which is reported). */
export function renderedEnvironment(
  environment: Readonly<Record<string, string>>,
  metrics: { readonly enabled: boolean; readonly port: number },
  wirings: readonly BrokerWiring[],
): Record<string, string> {
  const env: Record<string, string> = { ...environment };
  if (metrics.enabled) env[AppMetricsEnv.METRICS_PORT] = String(metrics.port);
  for (const w of wirings) for (const [name, value] of Object.entries(w.environment)) if (!(name in env)) env[name] = value;
  return env;
}

/** What the app starts after: every wired broker's start dependencies, once each. */
export function wiredStartDependencies(wirings: readonly BrokerWiring[]): ITerraformDependable[] {
  const seen = new Set<IBroker>();
  const dependencies: ITerraformDependable[] = [];
  for (const w of wirings) {
    if (seen.has(w.broker)) continue;
    seen.add(w.broker);
    for (const d of w.broker.startDependencies()) if (!dependencies.includes(d)) dependencies.push(d);
  }
  return dependencies;
}

/** A setting's value for a message: a Token (e.g. a derived password) is not shown. */
function shown(value: string): string {
  return isToken(value) ? "(a value Terraform computes)" : JSON.stringify(value);
}

function sameEnvironment(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}
