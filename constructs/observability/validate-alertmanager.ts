/**
 * The rules of an Alertmanager's routing tree and inhibition rules: every
 * route names a declared receiver, durations in range, label names valid,
 * matchers well formed. Each problem is reported with its path in the
 * props (`route.routes[1].matchers[0]`), the value and the fix; what is
 * valid is returned in alertmanager.yml's form.
 */
import type { IConstruct } from "constructs";
import { report } from "../errors/problems";
import { checkBoolean, checkInteger, checkKnownKeys } from "../private/validation";
import { checkReceiverName } from "./alert-receiver-config";
import { DEFAULT_ALERT_ROUTE, type AlertChildRoute, type AlertInhibitRule, type AlertRoute } from "./alert-routing";

/** A route of alertmanager.yml. */
export interface RenderedRoute {
  readonly receiver?: string;
  readonly group_by?: string[];
  readonly group_wait?: string;
  readonly group_interval?: string;
  readonly repeat_interval?: string;
  readonly matchers?: string[];
  readonly continue?: boolean;
  readonly routes?: RenderedRoute[];
}

/** An inhibition rule of alertmanager.yml. */
export interface RenderedInhibitRule {
  readonly source_matchers: string[];
  readonly target_matchers: string[];
  readonly equal?: string[];
}

/** Prometheus's classic label names: what `group_by` and `equal` take here (and every label the constructs set). */
const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** `name op value`: the value quoted (JSON escapes) or a bare word. */
const MATCHER = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*"|[A-Za-z0-9_]*)\s*$/;
const MATCHER_FIX =
  'write label, operator (=, !=, =~, !~), value; quote a value that is not letters, digits and \'_\': severity="critical", alertname=~"Kafka.*"';

const ROUTE_PROPS: Record<keyof AlertRoute, true> = {
  receiver: true,
  groupBy: true,
  groupWaitSeconds: true,
  groupIntervalSeconds: true,
  repeatIntervalSeconds: true,
  routes: true,
};
const CHILD_ROUTE_PROPS: Record<keyof AlertChildRoute, true> = { ...ROUTE_PROPS, matchers: true, continue: true };
const INHIBIT_PROPS: Record<keyof AlertInhibitRule, true> = { sourceMatchers: true, targetMatchers: true, equal: true };

/** Routes nest this deep at most: deeper trees are a mistake (or a cycle). */
const MAX_DEPTH = 8;

/** The durations a route works with, its own or inherited. */
interface Timing {
  readonly groupIntervalSeconds: number;
  readonly repeatIntervalSeconds: number;
}

/** The `route` prop, checked, as alertmanager.yml's root route (the defaults written out). */
export function checkRoute(scope: IConstruct, route: AlertRoute | undefined, receiverNames: readonly string[]): RenderedRoute {
  const given: AlertRoute = route === undefined ? {} : route;
  if (route !== undefined && (route === null || typeof route !== "object" || Array.isArray(route))) {
    report(scope, "route must be an object", route, 'pass e.g. { receiver: "on-call", groupWaitSeconds: 30 }, or leave route out');
    return rootDefaults(receiverNames[0]);
  }
  // The root takes every alert (Alertmanager refuses matchers on it): say where matchers belong.
  const { matchers: rootMatchers, continue: rootContinue, ...rest } = given as AlertChildRoute;
  if (rootMatchers !== undefined) {
    report(
      scope,
      "route.matchers: the root route takes every alert and has no matchers",
      rootMatchers,
      "put the matchers on a child route: route.routes: [{ matchers, receiver }]",
    );
  }
  if (rootContinue !== undefined)
    report(scope, "route.continue: the root route has no siblings to continue to", rootContinue, "remove it (a child route may continue)");
  checkKnownKeys(scope, "route", rest, ROUTE_PROPS);
  let receiver = receiverNames[0];
  if (given.receiver !== undefined && checkReceiverName(scope, "route.receiver", given.receiver, receiverNames)) receiver = given.receiver;
  const groupBy = checkGroupBy(scope, "route.groupBy", given.groupBy) ?? [...DEFAULT_ALERT_ROUTE.groupBy];
  const timing = checkTiming(scope, "route", given, DEFAULT_ALERT_ROUTE, true);
  const routes = checkChildRoutes(scope, "route.routes", given.routes, receiverNames, timing, 1);
  return {
    ...(receiver !== undefined ? { receiver } : {}),
    group_by: groupBy,
    ...timing.rendered,
    ...(routes.length > 0 ? { routes } : {}),
  };
}

function rootDefaults(receiver: string | undefined): RenderedRoute {
  return {
    ...(receiver !== undefined ? { receiver } : {}),
    group_by: [...DEFAULT_ALERT_ROUTE.groupBy],
    group_wait: `${DEFAULT_ALERT_ROUTE.groupWaitSeconds}s`,
    group_interval: `${DEFAULT_ALERT_ROUTE.groupIntervalSeconds}s`,
    repeat_interval: `${DEFAULT_ALERT_ROUTE.repeatIntervalSeconds}s`,
  };
}

function checkChildRoutes(
  scope: IConstruct,
  at: string,
  routes: unknown,
  receiverNames: readonly string[],
  parent: Timing,
  depth: number,
): RenderedRoute[] {
  if (routes === undefined) return [];
  if (!Array.isArray(routes)) {
    report(scope, `${at} must be a list of routes`, routes, 'pass e.g. [{ matchers: [\'severity="critical"\'], receiver: "pager" }]');
    return [];
  }
  if (depth > MAX_DEPTH) {
    report(
      scope,
      `${at}: routes nest more than ${MAX_DEPTH} deep`,
      `${depth} levels`,
      "flatten the routing tree (a child route may have several matchers)",
    );
    return [];
  }
  const rendered: RenderedRoute[] = [];
  routes.forEach((route: AlertChildRoute, i) => {
    const here = `${at}[${i}]`;
    if (route === null || typeof route !== "object" || Array.isArray(route)) {
      report(scope, `${here} must be an object`, route, 'pass { matchers: [\'severity="critical"\'], receiver: "pager" }');
      return;
    }
    checkKnownKeys(scope, here, route, CHILD_ROUTE_PROPS);
    let ok = true;
    const matchers = checkMatchers(scope, `${here}.matchers`, route.matchers, true);
    if (matchers === undefined) ok = false;
    if (route.receiver !== undefined && !checkReceiverName(scope, `${here}.receiver`, route.receiver, receiverNames)) ok = false;
    if (!checkBoolean(scope, `${here}.continue`, route.continue)) ok = false;
    const groupBy = route.groupBy === undefined ? undefined : checkGroupBy(scope, `${here}.groupBy`, route.groupBy);
    if (route.groupBy !== undefined && groupBy === undefined) ok = false;
    const timing = checkTiming(scope, here, route, parent, false);
    const children = checkChildRoutes(scope, `${here}.routes`, route.routes, receiverNames, timing, depth + 1);
    if (!ok || !timing.ok) return;
    rendered.push({
      ...(route.receiver !== undefined ? { receiver: route.receiver } : {}),
      matchers,
      ...(groupBy !== undefined ? { group_by: groupBy } : {}),
      ...timing.rendered,
      ...(route.continue === true ? { continue: true } : {}),
      ...(children.length > 0 ? { routes: children } : {}),
    });
  });
  return rendered;
}

/**
 * A route's three durations, each in range; the repeat interval at least
 * the group interval (inherited ones count): Alertmanager sends a repeat
 * only at a group interval's tick.
 */
function checkTiming(
  scope: IConstruct,
  at: string,
  route: AlertRoute,
  parent: Timing,
  root: boolean,
): Timing & { ok: boolean; rendered: Pick<RenderedRoute, "group_wait" | "group_interval" | "repeat_interval"> } {
  const wait = checkInteger(
    scope,
    `${at}.groupWaitSeconds`,
    route.groupWaitSeconds,
    0,
    "use 0 to 3600 seconds (how long a new group waits for more alerts)",
    3600,
  );
  const interval = checkInteger(
    scope,
    `${at}.groupIntervalSeconds`,
    route.groupIntervalSeconds,
    1,
    "use 1 to 86400 seconds (Alertmanager refuses 0)",
    86400,
  );
  const repeat = checkInteger(
    scope,
    `${at}.repeatIntervalSeconds`,
    route.repeatIntervalSeconds,
    1,
    "use 1 to 432000 seconds (5 days: Alertmanager forgets what it sent after its data retention, 120 h)",
    432000,
  );
  const pick = (ok: boolean, value: number | undefined, fallback: number | undefined) =>
    ok && typeof value === "number" ? value : fallback;
  const groupWait = pick(wait, route.groupWaitSeconds, root ? DEFAULT_ALERT_ROUTE.groupWaitSeconds : undefined);
  const groupInterval = pick(interval, route.groupIntervalSeconds, root ? DEFAULT_ALERT_ROUTE.groupIntervalSeconds : undefined);
  const repeatInterval = pick(repeat, route.repeatIntervalSeconds, root ? DEFAULT_ALERT_ROUTE.repeatIntervalSeconds : undefined);
  const effective: Timing = {
    groupIntervalSeconds: groupInterval ?? parent.groupIntervalSeconds,
    repeatIntervalSeconds: repeatInterval ?? parent.repeatIntervalSeconds,
  };
  let ok = wait && interval && repeat;
  // Only where this route sets one of the two: an inherited pair was checked on its parent.
  const setsOne = route.repeatIntervalSeconds !== undefined || route.groupIntervalSeconds !== undefined;
  if (ok && setsOne && effective.repeatIntervalSeconds < effective.groupIntervalSeconds) {
    report(
      scope,
      `${at}: the repeat interval (${effective.repeatIntervalSeconds} s) is shorter than the group interval (${effective.groupIntervalSeconds} s): Alertmanager repeats a notification only at a group interval's tick`,
      { repeatIntervalSeconds: effective.repeatIntervalSeconds, groupIntervalSeconds: effective.groupIntervalSeconds },
      `make repeatIntervalSeconds at least ${effective.groupIntervalSeconds}, or groupIntervalSeconds at most ${effective.repeatIntervalSeconds}`,
    );
    ok = false;
  }
  return {
    ok,
    ...effective,
    rendered: {
      ...(groupWait !== undefined ? { group_wait: `${groupWait}s` } : {}),
      ...(groupInterval !== undefined ? { group_interval: `${groupInterval}s` } : {}),
      ...(repeatInterval !== undefined ? { repeat_interval: `${repeatInterval}s` } : {}),
    },
  };
}

/** `groupBy`: label names, each once, or `["..."]` alone. Undefined (reported) when invalid. */
function checkGroupBy(scope: IConstruct, at: string, groupBy: unknown): string[] | undefined {
  if (groupBy === undefined) return undefined;
  if (!Array.isArray(groupBy) || groupBy.length === 0) {
    report(
      scope,
      `${at} must be a non-empty list of label names`,
      groupBy,
      'pass e.g. ["alertname", "broker"], or ["..."] for every label',
    );
    return undefined;
  }
  if (groupBy.includes("...")) {
    if (groupBy.length === 1) return ["..."];
    report(scope, `${at}: "..." (every label) cannot be listed with other labels`, groupBy, 'pass ["..."] alone, or only label names');
    return undefined;
  }
  return checkLabelNames(scope, at, groupBy) ? [...(groupBy as string[])] : undefined;
}

function checkLabelNames(scope: IConstruct, at: string, names: readonly unknown[]): boolean {
  let ok = true;
  const seen = new Set<unknown>();
  names.forEach((name, i) => {
    if (typeof name !== "string" || !LABEL_NAME.test(name)) {
      report(
        scope,
        `${at}[${i}] is not a label name (letters, digits and '_', not starting with a digit)`,
        name,
        'use e.g. "alertname", "broker", "severity"',
      );
      ok = false;
    } else if (seen.has(name)) {
      report(scope, `${at} names the label "${name}" twice`, name, "list each label once");
      ok = false;
    }
    seen.add(name);
  });
  return ok;
}

/**
 * Matchers, each parsed and written back in one form, `label op "value"`
 * (what Alertmanager's parsers all read alike); a regular expression must
 * compile and use only what Go's RE2 has (no lookaround, no backreference).
 */
export function checkMatchers(scope: IConstruct, at: string, matchers: unknown, required: boolean): string[] | undefined {
  if (matchers === undefined && !required) return [];
  if (!Array.isArray(matchers) || matchers.length === 0) {
    report(scope, `${at} must be a non-empty list of matchers`, matchers, `pass e.g. ['severity="critical"']; ${MATCHER_FIX}`);
    return undefined;
  }
  const rendered: string[] = [];
  let ok = true;
  matchers.forEach((matcher: unknown, i) => {
    const parsed = typeof matcher === "string" ? MATCHER.exec(matcher) : null;
    let value: string | undefined;
    if (parsed) {
      try {
        value = parsed[3].startsWith('"') ? (JSON.parse(parsed[3]) as string) : parsed[3];
      } catch {
        value = undefined;
      }
    }
    if (!parsed || value === undefined) {
      report(scope, `${at}[${i}] is not a matcher`, matcher, MATCHER_FIX);
      ok = false;
      return;
    }
    const [, label, op] = parsed;
    if (op === "=~" || op === "!~") {
      const problem = re2Problem(value);
      if (problem !== undefined) {
        report(
          scope,
          `${at}[${i}] has a regular expression Alertmanager cannot use: ${problem}`,
          matcher,
          "correct the expression (Go's RE2 syntax, matched against the whole value)",
        );
        ok = false;
        return;
      }
    }
    rendered.push(`${label}${op}${JSON.stringify(value)}`);
  });
  return ok ? rendered : undefined;
}

/** Why `pattern` is not an RE2 expression, as far as JavaScript can tell; undefined when it looks fine. */
function re2Problem(pattern: string): string | undefined {
  if (/\(\?<?[=!]/.test(pattern)) return "lookaround ((?=, (?!, (?<=, (?<!) is not in RE2";
  if (/(^|[^\\])\\[1-9]/.test(pattern)) return "backreferences (\\1) are not in RE2";
  // RE2's own spellings JavaScript does not take: named groups (?P<n>...), flag groups (?i) and (?i:...).
  const forJs = pattern
    .replace(/\(\?P</g, "(?<")
    .replace(/\(\?[imsU]+\)/g, "")
    .replace(/\(\?[imsU]*-?[imsU]*:/g, "(?:");
  try {
    new RegExp(forJs, "u");
    return undefined;
  } catch (error) {
    try {
      new RegExp(forJs);
      return undefined;
    } catch {
      return (error as Error).message;
    }
  }
}

/** The `inhibitRules` prop, checked, with the default ones first (unless turned off). */
export function checkInhibitRules(scope: IConstruct, rules: unknown): RenderedInhibitRule[] {
  if (rules === undefined) return [];
  if (!Array.isArray(rules)) {
    report(
      scope,
      "inhibitRules must be a list of rules",
      rules,
      'pass e.g. [{ sourceMatchers: [\'severity="critical"\'], targetMatchers: [\'severity="warning"\'], equal: ["broker"] }]',
    );
    return [];
  }
  const rendered: RenderedInhibitRule[] = [];
  rules.forEach((rule: AlertInhibitRule, i) => {
    const at = `inhibitRules[${i}]`;
    if (rule === null || typeof rule !== "object" || Array.isArray(rule)) {
      report(scope, `${at} must be an object`, rule, "pass { sourceMatchers, targetMatchers, equal }");
      return;
    }
    checkKnownKeys(scope, at, rule, INHIBIT_PROPS);
    const source = checkMatchers(scope, `${at}.sourceMatchers`, rule.sourceMatchers, true);
    const target = checkMatchers(scope, `${at}.targetMatchers`, rule.targetMatchers, true);
    let equal: string[] | undefined = [];
    if (rule.equal !== undefined) {
      equal = Array.isArray(rule.equal) && checkLabelNames(scope, `${at}.equal`, rule.equal) ? [...rule.equal] : undefined;
      if (!Array.isArray(rule.equal)) report(scope, `${at}.equal must be a list of label names`, rule.equal, 'pass e.g. ["broker"]');
    }
    if (source === undefined || target === undefined || equal === undefined) return;
    rendered.push({ source_matchers: source, target_matchers: target, ...(equal.length > 0 ? { equal } : {}) });
  });
  return rendered;
}
