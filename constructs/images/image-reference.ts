import type { IConstruct } from "constructs";
import { report } from "../errors/problems";
import { isToken } from "../private/validation";

/*
 * Docker's image reference grammar, from distribution/reference's regexp.go:
 *   reference := name [ ":" tag ] [ "@" digest ]
 *   name      := [domain "/"] path-component ["/" path-component]*
 *   domain    := host [":" port]   (a first component with '.' or ':', or "localhost")
 *   path-component := [a-z0-9]+ (separator [a-z0-9]+)*   separator := [_.] | "__" | "-"+
 *   tag       := [\w][\w.-]{0,127}
 *   digest    := algorithm ":" hex (at least 32)
 * The whole name is at most 255 characters.
 */
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*(?::[0-9]+)?$/;
const IPV6_DOMAIN = /^\[[a-fA-F0-9:]+\](?::[0-9]+)?$/;
const TAG = /^[\w][\w.-]{0,127}$/;
/** Docker verifies digests of these algorithms only, as lower-case hex of their length (opencontainers/go-digest). */
const DIGEST = /^(?:sha256:[0-9a-f]{64}|sha384:[0-9a-f]{96}|sha512:[0-9a-f]{128})$/;

/** What is wrong with an image reference, or undefined when Docker accepts it. */
export function imageReferenceProblem(reference: string, options: { tagAllowed?: boolean } = {}): string | undefined {
  if (reference === "") return "is empty";
  if (/\s/.test(reference)) return "contains white space";
  let rest = reference;
  const at = rest.indexOf("@");
  if (at >= 0) {
    if (options.tagAllowed === false) return "may not carry a digest here";
    if (!DIGEST.test(rest.slice(at + 1)))
      return `has an invalid digest "${rest.slice(at + 1)}" (sha256:<64 lower-case hex>, or sha384/sha512)`;
    rest = rest.slice(0, at);
  }
  const lastSlash = rest.lastIndexOf("/");
  const lastColon = rest.lastIndexOf(":");
  if (lastColon > lastSlash) {
    const tag = rest.slice(lastColon + 1);
    if (options.tagAllowed === false) return "may not carry a tag here (set the tag option instead)";
    if (!TAG.test(tag)) return `has an invalid tag "${tag}" (letters, digits, '_', '.', '-'; at most 128; not starting with '.' or '-')`;
    rest = rest.slice(0, lastColon);
  }
  if (rest.length > 255) return "has a name longer than 255 characters";
  const parts = rest.split("/");
  const first = parts[0];
  const isDomain =
    parts.length > 1 && (first.includes(".") || first.includes(":") || first === "localhost" || first !== first.toLowerCase());
  if (isDomain) {
    if (!DOMAIN.test(first) && !IPV6_DOMAIN.test(first)) return `has an invalid registry host "${first}"`;
    parts.shift();
  }
  for (const part of parts) {
    if (!PATH_COMPONENT.test(part)) {
      return part !== part.toLowerCase()
        ? `has upper case in "${part}" (repository names are lower case)`
        : `has an invalid name component "${part}" (lower-case letters and digits, separated by '.', '_', '__' or '-')`;
    }
  }
  return undefined;
}

/** Reports an image reference Docker would refuse. */
export function checkImageReference(scope: IConstruct, field: string, reference: unknown, options: { tagAllowed?: boolean } = {}): boolean {
  if (isToken(reference)) return true;
  if (typeof reference !== "string") {
    report(
      scope,
      `${field} must be an image reference string`,
      reference,
      'use e.g. "rabbitmq:4.3-management" or "ghcr.io/acme/app:1.2.3"',
    );
    return false;
  }
  const problem = imageReferenceProblem(reference, options);
  if (problem === undefined) return true;
  report(
    scope,
    `${field} is not a valid image reference: it ${problem}`,
    reference,
    'use [registry/]name[:tag][@digest] with a lower-case name, e.g. "ghcr.io/acme/app:1.2.3"',
  );
  return false;
}

/** Reports a tag Docker would refuse. */
export function checkImageTag(scope: IConstruct, field: string, tag: unknown): boolean {
  if (isToken(tag)) return true;
  if (typeof tag !== "string" || !TAG.test(tag)) {
    report(
      scope,
      `${field} is not a valid image tag`,
      tag,
      "use letters, digits, '_', '.' and '-' (at most 128, not starting with '.' or '-')",
    );
    return false;
  }
  return true;
}
