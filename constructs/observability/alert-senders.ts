import type { IConstruct } from "constructs";
import type { INetwork } from "../networking/network";

/**
 * What an Alertmanager asks of the constructs of its stack that send it
 * alerts (a Prometheus), without importing them (Prometheus imports the
 * Alertmanager to find it): the networks they are on for their own sake.
 */
export interface AlertSender extends IConstruct {
  /** The networks it joins whatever the Alertmanagers: the ones given and its targets'. */
  scrapeNetworks(): INetwork[];
}

const ALERT_SENDER = Symbol.for("cdktf-docker-messaging.alert-sender");

/** Marks `sender` as one that sends alerts to the stack's Alertmanager. */
export function markAlertSender(sender: AlertSender): void {
  Object.defineProperty(sender, ALERT_SENDER, { value: true });
}

/** Whether `construct` sends alerts to the stack's Alertmanager (a Prometheus). */
export function isAlertSender(construct: IConstruct): construct is AlertSender {
  return (construct as unknown as Record<symbol, unknown>)[ALERT_SENDER] === true;
}
