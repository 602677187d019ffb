/**
 * Structured logging: one JSON object a line on stdout, one line per event,
 * so `docker logs`, the tests and the benchmarks can all parse it.
 *
 *   {"ts":"2026-11-26T16:00:00.000Z","app":"rabbitmq-consumer","level":"info","event":"stats",...}
 *
 * Writes are synchronous for files and pipes on Linux, so a line written just
 * before process.exit is not lost.
 */

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Record<string, unknown>;

const severity: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export class Logger {
  constructor(
    readonly app: string,
    private readonly minimumLevel: LogLevel = "info",
  ) {}

  debug(event: string, fields?: LogFields): void {
    this.write("debug", event, fields);
  }

  info(event: string, fields?: LogFields): void {
    this.write("info", event, fields);
  }

  warn(event: string, fields?: LogFields): void {
    this.write("warn", event, fields);
  }

  error(event: string, fields?: LogFields): void {
    this.write("error", event, fields);
  }

  get debugEnabled(): boolean {
    return this.minimumLevel === "debug";
  }

  private write(level: LogLevel, event: string, fields?: LogFields): void {
    if (severity[level] < severity[this.minimumLevel]) return;
    const line = { ts: new Date().toISOString(), app: this.app, level, event, ...fields };
    process.stdout.write(`${JSON.stringify(line, replaceErrors)}\n`);
  }
}

/** The text to log for anything thrown: Errors by message (JSON.stringify turns them into `{}`). */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

function replaceErrors(_key: string, value: unknown): unknown {
  if (value instanceof Error) return describeError(value);
  if (typeof value === "bigint") return value.toString();
  return value;
}
