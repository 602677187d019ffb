import { TerraformStack, Token } from "./framework";
import type { IConstruct } from "constructs";
import type { INetwork } from "../networking/network";
import { didYouMean } from "../errors/did-you-mean";
import { MessagingValidationError } from "../errors/messaging-error";
import { LABEL_PREFIX, Labels } from "./labels";
import { fail, report } from "../errors/problems";
import { textOf } from "./terraform-text";

/**
 * The shared rules of the constructs' props. Each `check*` reports a problem
 * (see errors/problems.ts) and returns whether the value is valid, so the
 * caller can go on with a safe value instead of stopping at the first error.
 */

/** True when a value is still a Token: such values are checked by Terraform, not here. */
export function isToken(value: unknown): boolean {
  return (typeof value === "string" || typeof value === "number") && Token.isUnresolved(value);
}

/**
 * Docker's grammar for container and volume names (moby's
 * `daemon/names.RestrictedNamePattern`): at least two characters.
 */
const DOCKER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
/** Networks accept one character too. */
const NETWORK_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
/** An RFC 1123 host name label: what a broker's hostname (and so its name) must be. */
const HOST_LABEL = /^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/;

export type DockerObjectKind = "container" | "volume" | "network";

export function checkDockerName(scope: IConstruct, field: string, value: unknown, kind: DockerObjectKind = "container"): boolean {
  if (isToken(value)) return true;
  const pattern = kind === "network" ? NETWORK_NAME : DOCKER_NAME;
  if (typeof value !== "string" || !pattern.test(value) || value.length > 128) {
    const min = kind === "network" ? 1 : 2;
    report(
      scope,
      `${field} is not a valid Docker ${kind} name`,
      value,
      `use ${min}-128 characters: a letter or digit, then letters, digits, '_', '.' or '-'`,
    );
    return false;
  }
  return true;
}

/**
 * A broker's name is also its hostname (RabbitMQ keeps its data under
 * `rabbit@<hostname>`, Kafka advertises it): one RFC 1123 label of at most 63
 * characters. Dots would make RabbitMQ's short node name fail to resolve.
 */
export function checkHostname(scope: IConstruct, field: string, value: unknown): boolean {
  if (isToken(value)) {
    report(
      scope,
      `${field} must be a literal: it names the container, the data volume, the Terraform variables and outputs, and seeds stable ids`,
      value,
      "use a literal name; keep per-environment differences in separate stacks",
    );
    return false;
  }
  if (!checkDockerName(scope, field, value)) return false;
  const name = value as string;
  if (name.length > 63 || !HOST_LABEL.test(name)) {
    report(
      scope,
      `${field} is also the broker's hostname and must be a host name label`,
      value,
      "use at most 63 letters, digits and '-', starting and ending with a letter or digit (no '_' or '.')",
    );
    return false;
  }
  return true;
}

/**
 * A number the constructs compute with at synth (a count, a size, a port
 * they number nodes from, a duration they write into a flag) cannot come
 * from Terraform: a token stands for it then, a placeholder such as
 * -1.888e+289, and arithmetic on it gives garbage (negative heap sizes, no
 * containers, every node on one port). Reports `field` when `value` is one.
 */
export function checkSynthTimeNumber(scope: IConstruct, field: string, value: unknown): boolean {
  if (!isToken(value)) return true;
  report(
    scope,
    `${field} is a value Terraform knows only at deploy (a variable or a resource attribute), but it is computed with at synth (counts, sizes, ports, durations)`,
    "<a Terraform token>",
    `pass a number literal; to choose it per environment, read it at synth, e.g. Number(process.env.${field.replace(/[^A-Za-z0-9]+/g, "_").toUpperCase()})`,
  );
  return false;
}

export function checkPort(scope: IConstruct, field: string, value: unknown): boolean {
  if (value === undefined) return true;
  if (isToken(value)) return checkSynthTimeNumber(scope, field, value);
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > 65535) {
    report(scope, `${field} is not a TCP port`, value, "use an integer port between 1 and 65535");
    return false;
  }
  return true;
}

export function checkInteger(scope: IConstruct, field: string, value: unknown, min: number, fix: string, max?: number): boolean {
  if (value === undefined) return true;
  if (isToken(value)) return checkSynthTimeNumber(scope, field, value);
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || (max !== undefined && value > max)) {
    const range = max === undefined ? `>= ${min}` : `between ${min} and ${max}`;
    // The given fix speaks to a value too small ("give Kafka at least 512 MiB"); above the range it would mislead.
    const tooLarge = typeof value === "number" && max !== undefined && value > max && !fix.includes(String(max));
    report(scope, `${field} must be an integer ${range}`, value, tooLarge ? `use at most ${max}` : fix);
    return false;
  }
  return true;
}

export function checkOneOf<T extends string>(
  scope: IConstruct,
  field: string,
  value: unknown,
  allowed: readonly T[],
): value is T | undefined {
  if (value === undefined || (allowed as readonly unknown[]).includes(value)) return true;
  report(
    scope,
    `${field} is not one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}`,
    value,
    `use one of them. ${typeof value === "string" ? didYouMean(value, allowed) : ""}`.trim(),
  );
  return false;
}

export function checkBoolean(scope: IConstruct, field: string, value: unknown): boolean {
  if (value === undefined || typeof value === "boolean") return true;
  report(scope, `${field} must be true or false`, value, `pass a boolean, not ${typeof value}`);
  return false;
}

export function checkString(scope: IConstruct, field: string, value: unknown, options: { allowEmpty?: boolean } = {}): boolean {
  if (value === undefined || isToken(value)) return true;
  if (typeof value !== "string" || (!options.allowEmpty && value === "")) {
    report(scope, `${field} must be a ${options.allowEmpty ? "" : "non-empty "}string`, value, "pass a string");
    return false;
  }
  return true;
}

/** An IPv4 or IPv6 address literal (what Docker accepts as a port's host IP). */
export function checkIpAddress(scope: IConstruct, field: string, value: unknown): boolean {
  if (value === undefined || isToken(value)) return true;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { isIP } = require("net") as typeof import("net");
  if (typeof value !== "string" || isIP(value) === 0) {
    report(scope, `${field} is not an IP address`, value, 'use an address such as "127.0.0.1" (the default), "0.0.0.0" or "::1"');
    return false;
  }
  return true;
}

/** Whether `value` is a network handle (a `Network`, or anything with a `networkName`). */
export function isNetwork(value: unknown): value is INetwork {
  return (
    value !== null &&
    typeof value === "object" &&
    "node" in value &&
    (typeof (value as INetwork).networkName === "string" || isToken((value as INetwork).networkName))
  );
}

/**
 * A list of networks: reports what is not a list, and each entry that is not
 * a network (`null`, a name, a volume...), and returns the valid entries.
 */
export function checkNetworkList(scope: IConstruct, field: string, value: unknown): INetwork[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) {
    report(scope, `${field} must be a list of Networks`, value, `pass [network] or leave ${field} unset`);
    return undefined;
  }
  const valid: INetwork[] = [];
  value.forEach((n: unknown, i: number) => {
    if (isNetwork(n)) valid.push(n);
    else
      report(
        scope,
        `${field}[${i}] must be a Network (new Network(stack, id))`,
        n,
        `pass the Network construct, not its name or another construct`,
      );
  });
  return valid;
}

/**
 * `value` unchanged, unless it cannot be put in a message at all (a symbol,
 * an object without `toString`): then its text. For names that go into
 * every message of a call (`queue "${name}"`) before they are checked.
 */
export function printable<T>(value: T): T {
  if (typeof value === "symbol") return textOf(value) as T;
  if (value !== null && typeof value === "object") {
    try {
      String(value);
    } catch {
      return textOf(value) as T;
    }
  }
  return value;
}

/**
 * Throws unless `scope` is a construct (a stack, or a construct in one):
 * `undefined` (a forgotten `this`) or a plain object would otherwise fail
 * deep inside cdktf. There is no construct path yet: the error is named
 * after `name` (the new construct's id, or the function called).
 */
export function requireScope(scope: unknown, call: string, name: string): asserts scope is IConstruct {
  if (scope !== null && typeof scope === "object" && "node" in scope) return;
  throw new MessagingValidationError(
    { node: { path: name } } as IConstruct,
    `the scope of ${call} must be a construct (a TerraformStack or a construct in one)`,
    scope,
    `pass the stack, e.g. ${call}(this, ...) inside the stack's constructor`,
  );
}

/**
 * The id given to a construct's constructor, checked before it reaches
 * `constructs` (which fails with a TypeError on a non-string): use it in the
 * `super(scope, constructId(scope, id, "Network"))` call. The error names the
 * parent's path, the only one there is yet.
 */
export function constructId(scope: IConstruct, id: unknown, what: string): string {
  requireScope(scope, `new ${what}`, typeof id === "string" && id !== "" ? id : what);
  if (typeof id === "string" && id !== "") return id;
  fail(
    scope,
    `the id of a new ${what} must be a non-empty string`,
    id,
    `pass an id, e.g. new ${what}(scope, "my-${what.toLowerCase()}", ...)`,
  );
}

/**
 * Rejects props a construct does not know. `npm run synth` strips types
 * without checking them, so `memoryMB: 2048` would otherwise be ignored in
 * silence. `known` is typed as a Record over the props' keys, so the list
 * cannot fall behind the interface.
 */
export function checkKnownKeys(scope: IConstruct, what: string, value: unknown, known: Record<string, true>): boolean {
  if (value === undefined) return true;
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    report(scope, `${what} must be an object`, value, `pass an object with the ${what} fields`);
    return false;
  }
  let ok = true;
  for (const key of Object.keys(value)) {
    if (key in known) continue;
    ok = false;
    const guess = didYouMean(key, Object.keys(known));
    report(
      scope,
      `${what} has no field "${key}"`,
      key,
      guess ? `${guess}(names are case-sensitive)` : `use one of: ${Object.keys(known).join(", ")}`,
    );
  }
  return ok;
}

/**
 * The fix for a value that must be a string: the string to write for a
 * number or boolean (`"3"`), and no `String(undefined)` for a missing one.
 */
export function stringValueFix(value: unknown): string {
  if (value === undefined || value === null) return "give it a string value, or leave the key out";
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return `pass "${String(value)}" (a string)`;
  return "pass a string (JSON.stringify(...) for a structured value the program parses)";
}

/**
 * Reports arguments past the ones a verb takes. TypeScript refuses them, but
 * a JavaScript caller (or a cast) can pass them, and they would be ignored in
 * silence: `topic.grantProduce(app, { groupId })` produces with no group,
 * `queue.grantPublish(app, { routingKey: "x" })` publishes with the queue's
 * name. `fix` says where such an option belongs.
 */
export function checkNoExtraArguments(scope: IConstruct, call: string, extra: readonly unknown[], fix: string): boolean {
  const given = extra.filter((a) => a !== undefined);
  if (given.length === 0) return true;
  report(
    scope,
    `${call} takes no ${given.length === 1 && isPlainObject(given[0]) ? "options" : "further arguments"}: they would be ignored`,
    given.length === 1 ? given[0] : given,
    fix,
  );
  return false;
}

function isPlainObject(value: unknown): boolean {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * An options object, or `{}` after reporting what was passed instead
 * (JavaScript callers can pass null, a string...).
 */
export function optionsObject<T extends object>(scope: IConstruct, what: string, value: T | undefined | null): T {
  if (value === undefined) return {} as T;
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    report(scope, `${what} must be an object`, value, `pass an object with the ${what} fields, or nothing`);
    return {} as T;
  }
  return value;
}

/** Labels: Docker accepts any string value; names must be non-empty strings. */
export function checkLabels(scope: IConstruct, field: string, labels: unknown): boolean {
  if (labels === undefined) return true;
  if (labels === null || typeof labels !== "object" || Array.isArray(labels)) {
    report(scope, `${field} must be an object of label names to string values`, labels, 'pass e.g. { team: "shop" }');
    return false;
  }
  let ok = true;
  for (const [name, value] of Object.entries(labels)) {
    if (name.trim() === "") {
      report(scope, `${field} has an empty label name`, name, "name every label");
      ok = false;
    } else if ((Object.values(Labels) as string[]).includes(name)) {
      // The constructs set these (component, stack, the hashes and checks the roll and the topology read) over the user's.
      report(
        scope,
        `${field}.${name}: the package sets this label itself and would overwrite it`,
        name,
        `use a label name of your own (e.g. "${name.replace(`${LABEL_PREFIX}.`, "team.")}")`,
      );
      ok = false;
    }
    if (typeof value !== "string") {
      report(scope, `${field}.${name} must be a string`, value, stringValueFix(value));
      ok = false;
    }
  }
  return ok;
}

/**
 * Names that must be unique within a stack: Docker objects by kind
 * (containers, volumes, networks on one host) and the Terraform variable and
 * output names derived from construct names (`rabbit-a` and `rabbit.a` both
 * give `rabbit_a_admin_password`). Claimed when declared; the second claim
 * is reported naming the first.
 */
export type NameKind = DockerObjectKind | "hostname" | "terraform variable" | "terraform output";
const claims = new WeakMap<IConstruct, Map<string, { path: string; name: string }>>();

export function claimName(scope: IConstruct, kind: NameKind, name: string, fix: string, ownerPath: string = scope.node.path): boolean {
  if (isToken(name)) return true;
  // Host names are compared without case (Docker's DNS); an identical name is
  // already reported as a container name clash, so only case variants are reported here.
  const key = kind === "hostname" ? `${kind}\0${name.toLowerCase()}` : `${kind}\0${name}`;
  const stack = TerraformStack.of(scope);
  let taken = claims.get(stack);
  if (!taken) {
    taken = new Map();
    claims.set(stack, taken);
  }
  const owner = taken.get(key);
  if (owner !== undefined && owner.path !== ownerPath) {
    if (kind === "hostname" && owner.name === name) return false;
    report(
      scope,
      `the ${kind} name "${name}" is already used by ${owner.path}${owner.name !== name ? ` ("${owner.name}")` : ""}`,
      name,
      fix,
    );
    return false;
  }
  taken.set(key, { path: ownerPath, name });
  return true;
}
