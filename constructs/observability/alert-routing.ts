/**
 * How an Alertmanager routes, groups and mutes the alerts it receives: the
 * routing tree's props and the inhibition rules, with their defaults.
 */
import { ScrapeLabels } from "./metrics";

/**
 * The root of an Alertmanager's routing tree: where alerts go that no child
 * route takes, and how alerts are grouped into notifications.
 */
export interface AlertRoute {
  /**
   * The receiver of every alert no child route takes (a name from `receivers`).
   * @default - the first of the Alertmanager's receivers
   */
  readonly receiver?: string;
  /**
   * The labels that group alerts into one notification (`["..."]`: every
   * label, one notification per alert). Label names: letters, digits and
   * '_', not starting with a digit.
   * @default ["alertname", "broker"] - one notification per alert name and broker (the nodes of a broker that are down in one)
   */
  readonly groupBy?: string[];
  /**
   * Seconds a new group waits for more alerts before its first
   * notification (0 to 3600).
   * @default 30
   */
  readonly groupWaitSeconds?: number;
  /**
   * Seconds between two notifications of a group whose alerts changed
   * (1 to 86400).
   * @default 300
   */
  readonly groupIntervalSeconds?: number;
  /**
   * Seconds before a notification whose alerts did not change is sent
   * again, from `groupIntervalSeconds` to 432000 (5 days: Alertmanager
   * forgets what it sent after that).
   * @default 14400
   */
  readonly repeatIntervalSeconds?: number;
  /**
   * Child routes, tried in order: the first whose matchers an alert
   * satisfies takes it (and the next ones only if it has `continue: true`).
   * @default - none: every alert goes to `receiver`
   */
  readonly routes?: AlertChildRoute[];
}

/** A route below the root: the alerts it takes, and where they go. */
export interface AlertChildRoute {
  /**
   * Label matchers in Alertmanager's syntax, each of which an alert's
   * labels must satisfy: `severity="critical"`, `alertname=~"Kafka.*"`,
   * `broker!="audit"` (`=`, `!=`, `=~`, `!~`; regular expressions match the
   * whole value). Values other than letters, digits and '_' are quoted.
   */
  readonly matchers: string[];
  /**
   * The receiver of the alerts it takes (a name from `receivers`).
   * @default - its parent route's
   */
  readonly receiver?: string;
  /**
   * Go on to the next sibling routes after this one took an alert (to
   * notify several receivers).
   * @default false
   */
  readonly continue?: boolean;
  /**
   * The labels that group its alerts (see AlertRoute.groupBy).
   * @default - its parent route's
   */
  readonly groupBy?: string[];
  /**
   * See AlertRoute.groupWaitSeconds.
   * @default - its parent route's
   */
  readonly groupWaitSeconds?: number;
  /**
   * See AlertRoute.groupIntervalSeconds.
   * @default - its parent route's
   */
  readonly groupIntervalSeconds?: number;
  /**
   * See AlertRoute.repeatIntervalSeconds.
   * @default - its parent route's
   */
  readonly repeatIntervalSeconds?: number;
  /**
   * Its own child routes.
   * @default - none
   */
  readonly routes?: AlertChildRoute[];
}

/**
 * An inhibition rule: while an alert matching `sourceMatchers` fires, the
 * alerts matching `targetMatchers` that have the same values of the
 * `equal` labels are not sent (they stay visible in Alertmanager).
 */
export interface AlertInhibitRule {
  /** Matchers of the alert that mutes others (syntax of AlertChildRoute.matchers). */
  readonly sourceMatchers: string[];
  /** Matchers of the alerts it mutes (syntax of AlertChildRoute.matchers). */
  readonly targetMatchers: string[];
  /**
   * Labels whose values the source and the target must share (a label
   * neither has counts as shared).
   * @default - none: a source anywhere mutes every target
   */
  readonly equal?: string[];
}

/** The route's defaults. */
export const DEFAULT_ALERT_ROUTE = {
  groupBy: ["alertname", ScrapeLabels.broker],
  groupWaitSeconds: 30,
  groupIntervalSeconds: 300,
  repeatIntervalSeconds: 4 * 3600,
} as const;

/**
 * The default inhibition: a broker node that is down (MessagingBrokerNodeDown,
 * critical) mutes the warnings of the same broker, which follow from it
 * (KafkaUnderReplicatedPartitions on the other nodes, a queue without its
 * consumers). Every series of a broker carries its name in the `broker`
 * label (ScrapeLabels), and so do the kinds' rules that aggregate by it;
 * the apps' alerts carry no `broker` and are never muted by it, nor are the
 * critical alerts (a resource alarm, offline partitions).
 */
export function defaultInhibitRules(): AlertInhibitRule[] {
  return [
    {
      sourceMatchers: ['alertname="MessagingBrokerNodeDown"'],
      targetMatchers: ['severity="warning"'],
      equal: [ScrapeLabels.broker],
    },
  ];
}
