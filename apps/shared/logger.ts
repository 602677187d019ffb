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

/**
 * The text to log for anything thrown: Errors by message (JSON.stringify
 * turns them into `{}`). @platformatic/kafka's errors say why only further
 * down: a MultipleErrors (an AggregateError: "metadata failed 4 times.")
 * carries the attempts' errors, the last of which ended the retries, and its
 * errors (code PLT_KFK_*) their causes ("Connection to ... failed." caused by
 * the TLS or SASL failure). Those are added, as is any cause of an
 * AggregateError the message does not already carry.
 */
export function describeError(err: unknown, depth = 0): string {
  if (!(err instanceof Error)) return String(err);
  const message = err.message || err.name;
  if (depth > 6) return message;
  if (err instanceof AggregateError && err.errors.length > 0) {
    return `${message} ${describeError(err.errors[err.errors.length - 1], depth + 1)}`;
  }
  const { code } = err as { code?: unknown };
  const cause = err.cause;
  if (cause instanceof Error && (cause instanceof AggregateError || (typeof code === "string" && code.startsWith("PLT_KFK_")))) {
    const why = describeError(cause, depth + 1);
    return message.includes(why) ? message : `${message.replace(/\.$/, "")}: ${why}`;
  }
  return message;
}

function replaceErrors(_key: string, value: unknown): unknown {
  if (value instanceof Error) return describeError(value);
  if (typeof value === "bigint") return value.toString();
  return value;
}
