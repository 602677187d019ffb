/**
 * What each wired app's Kafka user may do (its ACLs, by resource), and the
 * grant made on the app's first wiring.
 */
import type { IConstruct } from "constructs";
import { report } from "../../errors/problems";
import type { AppGrants } from "../app-grants";
import type { IBrokerClient } from "../broker";
import { KAFKA_ADMIN_USER, KAFKA_BROKER_PRINCIPAL } from "./kafka-constants";

/** What one app's user may do: its ACLs (StandardAuthorizer), by resource. */
export interface AppGrant {
  /** Topics it writes (Write implies Describe; since Kafka 3.0 it also allows the idempotent producer's InitProducerId). */
  readonly writeTopics: Set<string>;
  /** Topics it reads (Read implies Describe). */
  readonly readTopics: Set<string>;
  /** Consumer groups it joins and commits offsets in. */
  readonly groups: Set<string>;
}

/** The app's grant, made on its first wiring; undefined (reported) when its name is a reserved principal. */
export function grantOf(broker: IConstruct, grants: AppGrants<AppGrant>, app: IBrokerClient, role: string): AppGrant | undefined {
  if (app.appName === KAFKA_ADMIN_USER || app.appName === KAFKA_BROKER_PRINCIPAL) {
    report(
      broker,
      `${role} (${app.node.path}): the app's name is its Kafka user, and "${app.appName}" is a super user of the broker`,
      app.appName,
      `rename the app: "${KAFKA_ADMIN_USER}" and "${KAFKA_BROKER_PRINCIPAL}" are the broker's own users`,
    );
    return undefined;
  }
  return grants.of(app.appName);
}
