/**
 * Reading an app's settings from its environment.
 *
 * Every reader throws a ConfigError that names the variable, what it expects
 * and what it got; `loadConfig` turns the first one into the single stderr
 * line and exit status 2 that operators and the tests rely on. Status 2 (not
 * 1) tells "fix your settings" apart from "the broker was unreachable".
 */
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { APP_SETTINGS, parseSetting, type AppSettingName } from "../../constructs/apps/app-settings";
import { describeError } from "./logger";

export class ConfigError extends Error {
  /**
   * @param received the value as set, or undefined if unset
   * @param shown what to print instead of the value (a value that may hold a secret)
   */
  constructor(variable: string, expected: string, received: string | undefined, shown?: string) {
    const got = received === undefined ? "it is not set" : `got ${shown ?? JSON.stringify(received)}`;
    super(`${variable} must be ${expected}, ${got}`);
    this.name = "ConfigError";
  }
}

/** Runs `read` over the environment; on a ConfigError prints one line and exits 2. */
export function loadConfig<T>(read: (env: NodeJS.ProcessEnv) => T, env: NodeJS.ProcessEnv = process.env): T {
  try {
    return read(env);
  } catch (err) {
    if (err instanceof ConfigError) exitWithConfigError(err);
    throw err;
  }
}

/** The one stderr line and exit status 2 of a setting the app cannot work with. */
export function exitWithConfigError(err: ConfigError): never {
  process.stderr.write(`config error: ${err.message}\n`);
  process.exit(2);
}

/** A variable that must be set to a non-empty string. */
export function requiredString(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (value === undefined || value.trim() === "") {
    throw new ConfigError(name, "a non-empty string", value);
  }
  return value;
}

/**
 * A secret-carrying variable `name` (RABBITMQ_URL, KAFKA_SASL_PASSWORD), given
 * either in `name` or, by the `_FILE` convention of the official images, as
 * the path of a file in `name_FILE`: on a Docker Swarm a password must come
 * from a docker secret mounted at /run/secrets/<secret>, never from a
 * service's environment, which `docker service inspect` shows to anyone.
 *
 * - `name` set: its value; `name_FILE` set too is a ConfigError (which one
 *   was meant cannot be guessed);
 * - else `name_FILE` set: the file's text (UTF-8) without one trailing
 *   newline (`echo pw | docker secret create` adds one); a file that cannot
 *   be read (named with its errno code) or holds nothing is a ConfigError;
 * - neither: undefined, for the caller's own "not set" error.
 *
 * An empty value counts as unset, as in the images' `file_env`. No error
 * quotes the value or the file's text, only the path.
 */
export function secretString(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const fileName = `${name}_FILE`;
  const value = env[name];
  const path = env[fileName];
  if (path === undefined || path === "") return value;
  if (value !== undefined && value !== "") {
    throw new ConfigError(fileName, `unset when ${name} is set (set one of ${name} and ${fileName})`, path);
  }
  const expected = `a readable file holding ${name}`;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(fileName, expected, path, `${JSON.stringify(path)} (${code ?? describeError(err)})`);
  }
  const secret = text.replace(/\r?\n$/, "");
  if (secret.trim() === "") {
    const what = secret === "" ? "which is empty" : "which holds only white space";
    throw new ConfigError(fileName, expected, path, `${JSON.stringify(path)}, ${what}`);
  }
  return secret;
}

/** A string with a default; an empty value is kept (it can mean something, like the default exchange). */
export function optionalString(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  return env[name] ?? fallback;
}

/**
 * One of the app settings of constructs/apps/app-settings.ts, read with the
 * same parser that AppContainer uses at synth: unset gives the documented
 * default, a bad value a ConfigError.
 */
export function setting(env: NodeJS.ProcessEnv, name: "EXIT_WHEN_DONE"): boolean;
export function setting(env: NodeJS.ProcessEnv, name: IntegerSettingName): number;
export function setting(env: NodeJS.ProcessEnv, name: "LOG_LEVEL" | "HEALTH_FILE"): string;
export function setting(env: NodeJS.ProcessEnv, name: AppSettingName): number | boolean | string | undefined {
  const raw = env[name];
  if (raw === undefined) return APP_SETTINGS[name].default;
  const parsed = parseSetting(name, raw);
  if (!parsed.ok) throw new ConfigError(name, parsed.expected, raw);
  return parsed.value;
}

/** The settings whose spec is `integer` in APP_SETTINGS. */
type IntegerSettingName = Exclude<AppSettingName, "EXIT_WHEN_DONE" | "LOG_LEVEL" | "HEALTH_FILE" | "CONSUMER_FAIL_MARKER">;

/**
 * A file of PEM CA certificates named by `name` (a path, not a secret), read
 * at start so a missing mount or a wrong file is a config error (exit 2), not
 * a TLS handshake failure retried until BROKER_RETRY_SECONDS run out.
 * Returns the certificates, one PEM block each, for a TLS `ca` option.
 */
export function readPemCaFile(env: NodeJS.ProcessEnv, name: string): string[] {
  const path = env[name];
  const expected = "a readable PEM file of CA certificates";
  if (path === undefined || path.trim() === "") throw new ConfigError(name, expected, path);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(name, expected, path, `${JSON.stringify(path)} (${code ?? describeError(err)})`);
  }
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [];
  const valid = blocks.filter((block) => {
    try {
      new X509Certificate(block);
      return true;
    } catch {
      return false;
    }
  });
  if (valid.length === 0 || valid.length !== blocks.length) {
    const what = blocks.length === 0 ? "which holds no PEM certificate" : "which holds a PEM certificate that does not parse";
    throw new ConfigError(name, expected, path, `${JSON.stringify(path)}, ${what}`);
  }
  return valid;
}
