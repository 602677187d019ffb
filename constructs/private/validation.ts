import { Token } from "cdktf";
import type { IConstruct } from "constructs";

/**
 * Throws the library's error for bad input: the construct path, what was
 * wrong, the value received and how to fix it.
 */
export function reject(scope: IConstruct, problem: string, received: unknown, fix: string): never {
  throw new Error(`${scope.node.path}: ${problem}, got ${show(received)}. Fix: ${fix}`);
}

function show(value: unknown): string {
  if (value === undefined) return "undefined";
  if (typeof value === "string") return JSON.stringify(value);
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/** True when a value is still a Token: such values are checked by Terraform, not here. */
export function isToken(value: unknown): boolean {
  return (typeof value === "string" || typeof value === "number") && Token.isUnresolved(value);
}

/** Docker's rule for container, network and volume names. */
const DOCKER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export function checkDockerName(scope: IConstruct, field: string, value: string): void {
  if (isToken(value)) return;
  if (!DOCKER_NAME.test(value) || value.length > 128) {
    reject(
      scope,
      `${field} is not a valid Docker name`,
      value,
      "use 1-128 characters matching [a-zA-Z0-9][a-zA-Z0-9_.-]* (letters, digits, '_', '.', '-'; no leading symbol)",
    );
  }
}

export function checkPort(scope: IConstruct, field: string, value: number | undefined): void {
  if (value === undefined || isToken(value)) return;
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    reject(scope, `${field} is out of range`, value, "use an integer port between 1 and 65535");
  }
}

export function checkInteger(
  scope: IConstruct,
  field: string,
  value: number | undefined,
  min: number,
  fix: string,
): void {
  if (value === undefined || isToken(value)) return;
  if (!Number.isInteger(value) || value < min) {
    reject(scope, `${field} must be an integer >= ${min}`, value, fix);
  }
}
