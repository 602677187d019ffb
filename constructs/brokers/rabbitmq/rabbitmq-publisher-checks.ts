/**
 * What a RabbitMQ publisher's options and messages must be, beyond the
 * topology: its other routing keys literal keys, its messages within
 * RabbitMQ 4.0's max_message_size.
 */
import type { IConstruct } from "constructs";
import type { Finding } from "../../errors/finding";
import { report } from "../../errors/problems";
import { isToken } from "../../private/validation";
import type { IBrokerClient } from "../broker";
import { messageSizeFindings } from "../message-size";

/**
 * RabbitMQ 4.0's default `max_message_size` (16 MiB; it was 128 MiB up to
 * 3.13): a larger message closes the publisher's channel. The rendered
 * rabbitmq.conf keeps the default.
 */
export const RABBITMQ_MAX_MESSAGE_SIZE_BYTES = 16 * 1024 * 1024;

/** `otherRoutingKeys`, checked: a list of routing keys, or undefined after a report. */
export function otherRoutingKeys(scope: IConstruct, role: string, app: IBrokerClient, given: unknown): string[] | undefined {
  if (given === undefined) return [];
  const fix = 'pass a list of routing keys, e.g. otherRoutingKeys: ["orders.cancelled"]';
  if (!Array.isArray(given)) {
    report(scope, `${role} (${app?.node?.path}): otherRoutingKeys must be a list of strings`, given, fix);
    return undefined;
  }
  const bad = given.filter((k) => typeof k !== "string" || isToken(k) || Buffer.byteLength(k) > 255);
  if (bad.length > 0) {
    report(scope, `${role} (${app?.node?.path}): each of otherRoutingKeys must be a literal string of at most 255 bytes`, bad, fix);
    return undefined;
  }
  return given as string[];
}

/** A publisher's messages must fit RabbitMQ's max_message_size. */
export function maxMessageSizeFindings(role: string, app: IBrokerClient): Finding[] {
  return messageSizeFindings(role, app, {
    bytes: RABBITMQ_MAX_MESSAGE_SIZE_BYTES,
    name: `RabbitMQ 4.0's ${RABBITMQ_MAX_MESSAGE_SIZE_BYTES}-byte max_message_size`,
    consequence: "the broker would close the publisher's channel on every message",
    fixSuffix: " (put large payloads in a blob store and send their ids)",
  });
}
