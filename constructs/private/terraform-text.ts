import { Token } from "./framework";
import { createHash } from "crypto";

/**
 * Makes a literal string safe inside a Terraform string: `${` and `%{` start
 * template sequences there, so a rendered file or an env value containing
 * them would be interpolated. Tokens are left alone (they must interpolate).
 */
export function escapeTemplate(value: string): string {
  // A value of the wrong type has been reported; render something rather than crash.
  if (typeof value !== "string") return escapeTemplate(textOf(value));
  if (Token.isUnresolved(value)) return value;
  // A function replacement: in a replacement string "$$" means one "$".
  return value.replace(/\$\{/g, () => "$${").replace(/%\{/g, () => "%%{");
}

/** Hex SHA-256 of a string, shortened when `length` is given. */
export function sha256(text: string, length?: number): string {
  const hex = createHash("sha256").update(text).digest("hex");
  return length === undefined ? hex : hex.slice(0, length);
}

/**
 * Seconds in the form Go prints a time.Duration ("10s", "1m0s", "1h0m0s"):
 * the provider reads healthcheck durations back in this form, so any other
 * spelling ("1m") shows a diff on every plan.
 */
export function goDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

/** A Terraform identifier (variable and output names) from a Docker name. */
export function terraformIdentifier(name: string): string {
  const id = textOf(name).replace(/[^A-Za-z0-9_]/g, "_");
  return /^[A-Za-z_]/.test(id) ? id : `_${id}`;
}

/** A value of any type as text, never throwing (a symbol, an object without a prototype, a circular object). */
export function textOf(value: unknown): string {
  if (typeof value === "string") return value;
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
