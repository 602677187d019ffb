import { loadConfig } from "./config";
import { CommonConfig } from "./app-config";
import { HealthFile } from "./health-file";
import { describeError, Logger } from "./logger";
import { ShutdownSignal } from "./shutdown";

/** What every app's main function gets. */
export interface AppContext {
  readonly log: Logger;
  readonly shutdown: ShutdownSignal;
  readonly health: HealthFile;
}

/**
 * The process lifecycle all four apps share:
 * - invalid settings: one stderr line, exit 2 (see config.ts);
 * - `main` returns (after a drained shutdown, or done with EXIT_WHEN_DONE): exit 0;
 * - anything thrown, including a spent reconnect budget: a `fatal` JSON line,
 *   a stderr line, exit 1. Never a silent exit 0, never a hang.
 */
export function runApp<Config extends { readonly common: CommonConfig }>(
  app: string,
  readConfig: (env: NodeJS.ProcessEnv) => Config,
  main: (config: Config, context: AppContext) => Promise<void>,
): void {
  const config = loadConfig(readConfig);
  const log = new Logger(app, config.common.logLevel);
  const context: AppContext = { log, shutdown: new ShutdownSignal(), health: new HealthFile(config.common.healthFile) };

  const fatal = (err: unknown): never => {
    context.health.down();
    log.error("fatal", { error: describeError(err) });
    process.stderr.write(`${app}: fatal: ${describeError(err)}\n`);
    process.exit(1);
  };
  process.on("uncaughtException", fatal);
  process.on("unhandledRejection", fatal);

  main(config, context).then(() => {
    context.health.down();
    // Explicit: client libraries may leave timers behind that would keep the process up.
    process.exit(0);
  }, fatal);
}
