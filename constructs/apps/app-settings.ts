/**
 * The settings of the apps in `apps/`, with what each accepts: one table that
 * the apps read their environment with at start (apps/shared/app-config.ts)
 * and that `AppContainer` checks its `environment` against at synth, so the
 * two cannot disagree. Free of cdktf: it is bundled into the apps.
 */

/** Settings of an app's own behaviour, set from `AppContainer`'s `environment`. */
export const AppEnv = {
  /** Producer: messages per second; 0 = as fast as confirms allow. */
  PRODUCER_RATE: "PRODUCER_RATE",
  /** Producer: how many messages to send; 0 = run until stopped. */
  PRODUCER_COUNT: "PRODUCER_COUNT",
  /** Producer: payload size in bytes. */
  MESSAGE_SIZE_BYTES: "MESSAGE_SIZE_BYTES",
  /** Consumer (RabbitMQ): unacknowledged messages in flight at once. */
  CONSUMER_PREFETCH: "CONSUMER_PREFETCH",
  /** Consumer: deliveries of one message before it is dead-lettered (RabbitMQ) or skipped and logged (Kafka). */
  CONSUMER_MAX_DELIVERIES: "CONSUMER_MAX_DELIVERIES",
  /** Seconds between two `stats` log lines. */
  STATS_INTERVAL_SECONDS: "STATS_INTERVAL_SECONDS",
  /**
   * Producer: `true` = exit 0 once PRODUCER_COUNT messages are confirmed.
   * Default `false`: the producer logs `done` and idles until SIGTERM, so a
   * long-running container stays up and Terraform sees no drift.
   */
  EXIT_WHEN_DONE: "EXIT_WHEN_DONE",
  /** Seconds to keep retrying a broker that is down before giving up with exit 1. */
  BROKER_RETRY_SECONDS: "BROKER_RETRY_SECONDS",
} as const;

/**
 * Set by `AppContainer` from its `metrics` prop, never from `environment`:
 * the Prometheus scrape configuration is derived from the same prop.
 */
export const AppMetricsEnv = {
  /** The port the app serves Prometheus text on, at `/metrics` (all interfaces); 0 = no metrics server. */
  METRICS_PORT: "METRICS_PORT",
} as const;

/**
 * Variables the apps read but the constructs never set: debugging knobs and
 * test hooks. A deployment leaves them unset and gets the production behaviour.
 */
export const AppOnlyEnv = {
  /** `info` (default) or `debug`; `debug` adds one `message` line per processed message. */
  LOG_LEVEL: "LOG_LEVEL",
  /** Where the "connected" marker file lives. @default /tmp/app-healthy */
  HEALTH_FILE: "HEALTH_FILE",
  /** TEST HOOK (consumers): processing throws for every message whose payload contains this string. */
  CONSUMER_FAIL_MARKER: "CONSUMER_FAIL_MARKER",
  /** TEST/BENCH HOOK (consumers): milliseconds of simulated work per message. @default 0 */
  CONSUMER_WORK_MS: "CONSUMER_WORK_MS",
} as const;

/** A value of {@link AppEnv}. */
export type AppEnvName = (typeof AppEnv)[keyof typeof AppEnv];
/** A value of {@link AppOnlyEnv}. */
export type AppOnlyEnvName = (typeof AppOnlyEnv)[keyof typeof AppOnlyEnv];
/** A value of {@link AppMetricsEnv}. */
export type AppMetricsEnvName = (typeof AppMetricsEnv)[keyof typeof AppMetricsEnv];
export type AppSettingName = AppEnvName | AppOnlyEnvName | AppMetricsEnvName;

/** The port `AppContainer` gives the apps' metrics server unless told otherwise (the OpenTelemetry Prometheus exporter's). */
export const DEFAULT_APP_METRICS_PORT = 9464;

/** The default place of the file a container healthcheck tests for (`test -f /tmp/app-healthy`). */
export const DEFAULT_HEALTH_FILE = "/tmp/app-healthy";

/** Node's timers take at most 2^31-1 ms; a longer interval fires at once. */
const MAX_TIMER_SECONDS = Math.floor((2 ** 31 - 1) / 1000);
/** AMQP's basic.qos prefetch-count is an unsigned 16-bit field. */
const MAX_AMQP_PREFETCH = 65535;
/**
 * The largest MESSAGE_SIZE_BYTES the apps take: 128 MiB, RabbitMQ's default
 * `max_message_size` from 3.8 to 3.13. Each broker checks its own, lower,
 * limit where a publisher is wired: RabbitMQ 4.0's 16 MiB `max_message_size`,
 * Kafka's `message.max.bytes` / `max.message.bytes`.
 */
export const MAX_MESSAGE_SIZE_BYTES = 128 * 1024 * 1024;
/**
 * Bytes an app's message takes beyond MESSAGE_SIZE_BYTES: the JSON envelope
 * (id, seq, producer, sentAt: ~150 bytes) and the record batch header, with room to spare.
 */
export const APP_MESSAGE_OVERHEAD_BYTES = 1024;

export interface IntegerSetting {
  readonly kind: "integer";
  readonly min: number;
  readonly max: number;
  readonly default: number;
}
export interface BooleanSetting {
  readonly kind: "boolean";
  readonly default: boolean;
}
export interface ChoiceSetting {
  readonly kind: "choice";
  readonly choices: readonly string[];
  readonly default: string;
}
export interface TextSetting {
  readonly kind: "text";
  readonly default: string | undefined;
}
export type SettingSpec = IntegerSetting | BooleanSetting | ChoiceSetting | TextSetting;

const integer = (min: number, max: number, fallback: number): IntegerSetting => ({ kind: "integer", min, max, default: fallback });

/** Every setting, what it accepts and its default (the documented defaults of apps/README.md). */
export const APP_SETTINGS: { readonly [name in AppSettingName]: SettingSpec } = {
  PRODUCER_RATE: integer(0, 1_000_000, 10),
  PRODUCER_COUNT: integer(0, Number.MAX_SAFE_INTEGER, 0),
  MESSAGE_SIZE_BYTES: integer(0, MAX_MESSAGE_SIZE_BYTES, 256),
  // 200: bench/throughput.ts's sweep (issue 24) had our consumer at 1.4x its
  // rate at 50 (acks in runs, ack-batcher.ts); 500 was 8% faster again, but
  // prefetched messages are held in the app's memory and RabbitMQ's guidance
  // is 100 to 300.
  CONSUMER_PREFETCH: integer(1, MAX_AMQP_PREFETCH, 200),
  CONSUMER_MAX_DELIVERIES: integer(1, 2 ** 31 - 1, 5),
  STATS_INTERVAL_SECONDS: integer(1, MAX_TIMER_SECONDS, 5),
  EXIT_WHEN_DONE: { kind: "boolean", default: false },
  BROKER_RETRY_SECONDS: integer(0, MAX_TIMER_SECONDS, 120),
  LOG_LEVEL: { kind: "choice", choices: ["info", "debug"], default: "info" },
  HEALTH_FILE: { kind: "text", default: DEFAULT_HEALTH_FILE },
  CONSUMER_FAIL_MARKER: { kind: "text", default: undefined },
  CONSUMER_WORK_MS: integer(0, 2 ** 31 - 1, 0),
  // Off unless set: an app run by hand or by a test needs no free port.
  METRICS_PORT: integer(0, 65535, 0),
};

/** What a setting expects, in words: "an integer between 0 and 65535". */
export function describeSetting(spec: SettingSpec): string {
  switch (spec.kind) {
    case "integer":
      return spec.max === Number.MAX_SAFE_INTEGER
        ? `an integer >= ${spec.min} (decimal digits only)`
        : `an integer between ${spec.min} and ${spec.max} (decimal digits only)`;
    case "boolean":
      return "true or false";
    case "choice":
      return `one of ${spec.choices.join(", ")}`;
    case "text":
      return "a string";
  }
}

export type ParsedSetting =
  | { readonly ok: true; readonly value: number | boolean | string }
  | { readonly ok: false; readonly expected: string };

/**
 * Parses one setting's text as the apps do. Integers are decimal digits
 * only (no sign, exponent, fraction or spaces inside), so `-1`, `1e3` and
 * `2.5` are refused rather than read as something else.
 */
export function parseSetting(name: AppSettingName, raw: string): ParsedSetting {
  const spec = APP_SETTINGS[name];
  const expected = describeSetting(spec);
  switch (spec.kind) {
    case "integer": {
      const text = raw.trim();
      const value = /^\d+$/.test(text) ? Number(text) : NaN;
      return Number.isSafeInteger(value) && value >= spec.min && value <= spec.max ? { ok: true, value } : { ok: false, expected };
    }
    case "boolean":
      return raw === "true" || raw === "false" ? { ok: true, value: raw === "true" } : { ok: false, expected };
    case "choice":
      return spec.choices.includes(raw) ? { ok: true, value: raw } : { ok: false, expected };
    case "text":
      return { ok: true, value: raw };
  }
}

export function isAppSetting(name: string): name is AppSettingName {
  return Object.prototype.hasOwnProperty.call(APP_SETTINGS, name);
}
