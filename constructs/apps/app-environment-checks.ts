/**
 * The checks of an AppContainer's environment: variable names and values,
 * the apps' settings parsed as the apps parse them, typos of our names,
 * settings the shipped app does not read, and a PATH that hides the
 * image's programs.
 */
import { TerraformStack } from "../private/framework";
import type { Construct, IConstruct } from "constructs";
import type { IBroker } from "../brokers/broker";
import { ConnectionEnv } from "../connection-env";
import type { Finding } from "../errors/finding";
import { closestMatch } from "../errors/did-you-mean";
import { report } from "../errors/problems";
import { isToken, stringValueFix } from "../private/validation";
import { AppMetricsEnv, APP_SETTINGS, isAppSetting, parseSetting } from "./app-settings";
import { SHIPPED_APP_ROLES, settingsReadBy, shippedAppOf, type ShippedAppName } from "./shipped-apps";

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/**
 * The names a typo of which is an error wherever the app runs: the app
 * settings and the connection settings the shipped apps read. Other broker
 * kinds' variables are checked at synth (connectionVariableFindings).
 */
const OUR_NAMES = [...Object.keys(APP_SETTINGS), ...Object.values(ConnectionEnv)];

/**
 * The app's own settings: valid names and string values; the apps' settings
 * parsed as the apps parse them; a name one typo away from one of ours is
 * an error (it would be ignored by the app).
 */
export function checkEnvironment(scope: Construct, environment: unknown): Record<string, string> {
  const valid: Record<string, string> = {};
  if (environment === undefined) return valid;
  if (environment === null || typeof environment !== "object" || Array.isArray(environment)) {
    report(
      scope,
      "environment must be an object of variable names to string values",
      environment,
      'pass e.g. { [AppEnv.PRODUCER_RATE]: "20" }',
    );
    return valid;
  }
  for (const [key, value] of Object.entries(environment)) {
    if (!ENV_NAME.test(key)) {
      report(scope, "environment has an invalid variable name", key, "use letters, digits and '_', not starting with a digit");
      continue;
    }
    if (typeof value !== "string") {
      report(scope, `environment.${key} must be a string`, value, stringValueFix(value));
      continue;
    }
    if ((Object.values(ConnectionEnv) as string[]).includes(key)) {
      report(
        scope,
        `environment sets the connection variable ${key}`,
        key,
        "remove it: a grant verb (e.g. queue.grantConsume(app)) sets it",
      );
      continue;
    }
    if ((Object.values(AppMetricsEnv) as string[]).includes(key)) {
      report(
        scope,
        `environment sets ${key}, which the metrics prop sets`,
        key,
        "remove it; pass metrics: { port } (or { enabled: false }) instead",
      );
      continue;
    }
    if (isAppSetting(key)) {
      if (!isToken(value)) {
        const parsed = parseSetting(key, value);
        if (!parsed.ok) {
          report(
            scope,
            `environment.${key} must be ${parsed.expected}`,
            value,
            `set ${key} to ${parsed.expected}; an app that reads it would exit 2 at start`,
          );
          continue;
        }
      }
    } else {
      // One edit (two for long names) from one of ours: a typo, which the app
      // would ignore. Anything further is the user's own image's setting.
      const close = closestMatch(key, OUR_NAMES, key.length >= 14 ? 2 : 1);
      if (close !== undefined) {
        report(scope, `environment.${key} is not a setting of the apps`, key, `did you mean "${close}"? The app would ignore ${key}`);
        continue;
      }
    }
    valid[key] = value;
  }
  return valid;
}

/**
 * At synth: the connection variables of every broker in the app's stack,
 * as each kind names them (IBroker.connectionVariables, e.g. a NATS kind's
 * `NATS_URL`): a name one typo away from one is refused, since the app
 * would not read it. (Setting one that a wiring sets is a conflict with the
 * wiring, reported where wirings are merged.)
 * `environment` holds what checkEnvironment let through.
 */
export function connectionVariableFindings(scope: IConstruct, environment: Record<string, string>): Finding[] {
  const kindNames = new Set<string>();
  for (const c of TerraformStack.of(scope).node.findAll()) {
    const broker = c as Partial<IBroker>;
    if (typeof broker.brokerName === "string" && Array.isArray(broker.connectionVariables))
      broker.connectionVariables.forEach((n) => kindNames.add(n));
  }
  const names = [...kindNames].filter((n) => !OUR_NAMES.includes(n)); // the shipped kinds' are checked at once, by checkEnvironment
  const findings: Finding[] = [];
  for (const key of Object.keys(environment)) {
    // One of them exactly: set by a wiring of this app, that is reported as a conflict with the wiring; else the app's own use.
    if (names.includes(key)) continue;
    const close = closestMatch(key, names, key.length >= 14 ? 2 : 1);
    if (close !== undefined) {
      findings.push({
        problem: `environment.${key} is not a connection variable of the stack's brokers`,
        received: key,
        fix: `did you mean "${close}"? The app would ignore ${key}`,
      });
    }
  }
  return findings;
}

/** A setting of the package's apps that the shipped app `image` runs does not read (a consumer's prefetch on a producer): it would be ignored. */
export function checkSettingsTheAppReads(scope: Construct, image: unknown, environment: Record<string, string>): void {
  const app = shippedAppOf(image);
  if (app === undefined) return;
  const read = settingsReadBy(app);
  for (const key of Object.keys(environment)) {
    if (!isAppSetting(key) || key === AppMetricsEnv.METRICS_PORT || read.has(key)) continue;
    const readers = (Object.keys(SHIPPED_APP_ROLES) as ShippedAppName[]).filter((other) => settingsReadBy(other).has(key));
    report(
      scope,
      `environment.${key} is a setting of the package's ${readers.join(" and ")}, and this app runs ${app}, which ignores it`,
      key,
      `remove ${key}, or run the app it is meant for (ShippedApps.image("${readers[0]}"))`,
    );
  }
}

/** The folders every image this package runs finds its programs in (node, java, the brokers' tools). */
const STANDARD_PATH = ["/usr/local/bin", "/usr/bin", "/bin"];

/**
 * `PATH` in the environment replaces the image's own: without the standard
 * folders the image's command (`node`, a shell) is not found and the
 * container exits at start ("executable file not found in $PATH").
 */
export function checkSearchPath(scope: Construct, path: string | undefined): void {
  if (path === undefined || isToken(path)) return;
  const missing = STANDARD_PATH.filter((folder) => !path.split(":").includes(folder));
  if (missing.length === 0) return;
  report(
    scope,
    `environment.PATH replaces the image's search path and leaves out ${missing.join(", ")}: the image's command would not be found at start`,
    path,
    `remove PATH (the image sets it), or keep the standard folders: "${[path, ...missing].join(":")}"`,
  );
}
