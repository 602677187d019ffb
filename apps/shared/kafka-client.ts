import { hostname } from "node:os";
import { Kafka, logLevel, LogEntry } from "kafkajs";
import { Logger } from "./logger";

/**
 * The kafkajs client both Kafka apps use.
 *
 * kafkajs retries a lot on its own (a producer: forever). The apps keep those
 * retries short and let their own loop (backoff.ts) reconnect, so that
 * BROKER_RETRY_SECONDS bounds an outage the same way for both brokers.
 */
export function createKafkaClient(app: string, brokers: string[], log: Logger): Kafka {
  return new Kafka({
    clientId: `${app}@${hostname()}`,
    brokers,
    connectionTimeout: 3000,
    retry: { initialRetryTime: 200, maxRetryTime: 2000, retries: 3 },
    logLevel: logLevel.WARN,
    logCreator: () => (entry) => logKafkaJsEntry(log, entry),
  });
}

/** kafkajs's own log lines (WARN and ERROR only) as `kafkajs` events of our JSON log. */
function logKafkaJsEntry(log: Logger, { namespace, level, log: entry }: LogEntry): void {
  // Drop kafkajs's timestamp and logger name (ours has ts and app already) and
  // stack traces (one event, one line).
  const { message, timestamp: _timestamp, logger: _logger, stack: _stack, ...details } = entry;
  const fields = { namespace, message, ...details };
  if (level === logLevel.ERROR) log.error("kafkajs", fields);
  else log.warn("kafkajs", fields);
}
