import type { IConstruct } from "constructs";
import type { SourceLocation } from "./source-location";

/**
 * The library's one error for bad input: the construct path, what is wrong,
 * the value received and how to fix it, plus where in the user's code the
 * offending call was made (when that could be told).
 */
export class MessagingValidationError extends Error {
  /** The path of the construct the problem belongs to, e.g. `shop/rabbit`. */
  public readonly constructPath: string;
  /** What is wrong, e.g. `nodes must be 1 or an odd number >= 3`. */
  public readonly problem: string;
  /** The value the construct received. */
  public readonly received: unknown;
  /** How to fix it. */
  public readonly fix: string;
  /** The user's call that led to the problem (first frame outside this library). */
  public readonly location?: SourceLocation;

  constructor(scope: IConstruct, problem: string, received: unknown, fix: string, location?: SourceLocation) {
    const path = scope.node.path || "(app)";
    super(`${path}: ${problem}, got ${showValue(received)}. Fix: ${fix}`);
    this.name = "MessagingValidationError";
    this.constructPath = path;
    this.problem = problem;
    this.received = received;
    this.fix = fix;
    this.location = location;
  }

  /** Whether `error` is one of ours (also across two copies of the library). */
  public static isMessagingValidationError(error: unknown): error is MessagingValidationError {
    try {
      return error instanceof Error && error.name === "MessagingValidationError" && "constructPath" in error;
    } catch {
      return false; // a Proxy or a getter that throws: not ours
    }
  }
}

/** A value as the error shows it: JSON when possible, never more than 200 characters. */
export function showValue(value: unknown): string {
  let text: string;
  if (value === undefined) text = "undefined";
  else if (typeof value === "function") text = "a function";
  else if (typeof value === "number" && !Number.isFinite(value))
    text = String(value); // JSON would say null
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      try {
        text = String(value);
      } catch {
        text = Object.prototype.toString.call(value); // no toString (Object.create(null)), or one that throws
      }
    }
  }
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}
