import { AppMetricsEnv } from "../../constructs/connection-env";
import { ConfigError, exitWithConfigError, loadConfig } from "./config";
import { CommonConfig } from "./app-config";
import { HealthFile } from "./health-file";
import { describeError, Logger } from "./logger";
import { AppMetrics } from "./metrics";
import { describeListenError, MetricsServer } from "./metrics-server";
import { ShutdownSignal } from "./shutdown";

/** What every app's main function gets. */
export interface AppContext {
  readonly log: Logger;
  readonly shutdown: ShutdownSignal;
  readonly health: HealthFile;
  /** The app's Prometheus registry, served on METRICS_PORT when it is not 0 (metrics.ts). */
  readonly metrics: AppMetrics;
}

/**
 * The process lifecycle all four apps share:
 * - invalid settings: one stderr line, exit 2 (see config.ts); a METRICS_PORT
 *   the app cannot listen on counts as one, and is found before anything is
 *   logged: the metrics server listens before `main` starts;
 * - `main` returns (after a drained shutdown, or done with EXIT_WHEN_DONE):
 *   the metrics server closes (it served the final counters during the
 *   drain), exit 0;
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
  const health = new HealthFile(config.common.healthFile);
  const context: AppContext = { log, shutdown: new ShutdownSignal(), health, metrics: new AppMetrics(health) };

  const fatal = (err: unknown): never => {
    context.health.down();
    log.error("fatal", { error: describeError(err) });
    process.stderr.write(`${app}: fatal: ${describeError(err)}\n`);
    process.exit(1);
  };
  process.on("uncaughtException", fatal);
  process.on("unhandledRejection", fatal);

  const run = async (): Promise<void> => {
    const metricsServer = await serveMetrics(context.metrics, config.common.metricsPort);
    await main(config, context);
    context.health.down();
    await metricsServer?.close();
    // Explicit: client libraries may leave timers behind that would keep the process up.
    process.exit(0);
  };
  run().catch(fatal);
}

/** Serves `metrics` on 0.0.0.0:`port` (undefined for port 0); exits 2 with one line when the port cannot be had. */
async function serveMetrics(metrics: AppMetrics, port: number): Promise<MetricsServer | undefined> {
  if (port === 0) return undefined;
  metrics.collectDefaults();
  try {
    return await MetricsServer.listen(metrics.registry, port);
  } catch (err) {
    const value = String(port);
    exitWithConfigError(
      new ConfigError(
        AppMetricsEnv.METRICS_PORT,
        "a port the app can listen on (0.0.0.0)",
        value,
        `"${value}" (${describeListenError(err)})`,
      ),
    );
  }
}
