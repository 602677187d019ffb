/**
 * What RabbitMQ makes of names and keys: the rules for queue and exchange
 * names written into definitions.json, and how a topic exchange matches a
 * routing key against a binding key.
 */
import type { IConstruct } from "constructs";
import { report } from "../../errors/problems";
import { isToken } from "../../private/validation";

/** Whether a topic exchange binding key (`*` one word, `#` zero or more words) matches a routing key. */
export function topicMatches(bindingKey: string, routingKey: string): boolean {
  // RabbitMQ splits "" into no words, on both sides.
  const pattern = bindingKey === "" ? [] : bindingKey.split(".");
  const words = routingKey === "" ? [] : routingKey.split(".");
  const match = (p: number, w: number): boolean => {
    if (p === pattern.length) return w === words.length;
    if (pattern[p] === "#") return match(p + 1, w) || (w < words.length && match(p, w + 1));
    if (w === words.length) return false;
    return (pattern[p] === "*" || pattern[p] === words[w]) && match(p + 1, w + 1);
  };
  return match(0, 0);
}

export function checkEntityName(scope: IConstruct, kind: string, name: unknown): void {
  if (isToken(name)) {
    report(scope, `${kind} names are written into definitions.json at synth and cannot be Tokens`, name, "use a literal name");
    return;
  }
  if (typeof name !== "string" || name.length === 0 || Buffer.byteLength(name) > 255) {
    report(scope, `${kind} name must be 1-255 bytes`, name, `give the ${kind} a non-empty name`);
    return;
  }
  if (name.startsWith("amq.")) {
    report(scope, `${kind} names starting with "amq." are reserved by RabbitMQ`, name, "choose another name");
  }
  // RabbitMQ keeps outer spaces (an app asking for "orders" would not find " orders") and strips CR and LF
  // from names a client sends (rabbit_channel's strip_cr_lf): either way the app's name and this one differ.
  // eslint-disable-next-line no-control-regex -- control characters are what this looks for
  const control = /[\x00-\x1f\x7f]/;
  if (/^\s|\s$/.test(name) || control.test(name)) {
    report(
      scope,
      `${kind} name starts or ends with white space, or holds a control character: the apps would name it without`,
      name,
      `use ${JSON.stringify(name.trim().replace(new RegExp(control.source, "g"), ""))}`,
    );
  }
}
