/**
 * Environment variables the apps read but the constructs never set: debugging
 * knobs and test hooks. They live here, not in constructs/connection-env.ts,
 * because they are not part of the construct <-> app contract; a deployment
 * leaves them unset and gets the production behaviour.
 */
export const AppOnlyEnv = {
  /** `info` (default) or `debug`; `debug` adds one `message` line per processed message. */
  LOG_LEVEL: "LOG_LEVEL",
  /** Where the "connected" marker file lives. @default /tmp/app-healthy */
  HEALTH_FILE: "HEALTH_FILE",
  /**
   * TEST HOOK (consumers): processing throws for every message whose payload
   * contains this string, to exercise nack/requeue and dead-lettering.
   * Unset = processing never fails.
   */
  CONSUMER_FAIL_MARKER: "CONSUMER_FAIL_MARKER",
  /**
   * TEST/BENCH HOOK (consumers): milliseconds of simulated work per message,
   * so that messages are in flight long enough to kill or stop a consumer
   * mid-stream, or to model a slow consumer. @default 0
   */
  CONSUMER_WORK_MS: "CONSUMER_WORK_MS",
} as const;

/** The default place of the file a container healthcheck tests for (`test -f /tmp/app-healthy`). */
export const DEFAULT_HEALTH_FILE = "/tmp/app-healthy";
