import { hostname } from "node:os";
import type { BaseOptions } from "@platformatic/kafka";
import { Kafka, KafkaConfig, logLevel, LogEntry } from "kafkajs";
import { AccessRefusal, errorChain } from "./access-refused";
import { KafkaSecurity } from "./app-config";
import { Logger } from "./logger";

/**
 * The kafkajs client the kafka-consumer uses (the kafka-producer uses
 * @platformatic/kafka: platformaticClientOptions below).
 *
 * kafkajs retries a lot on its own (a producer: forever). The apps keep those
 * retries short and let their own loop (backoff.ts) reconnect, so that
 * BROKER_RETRY_SECONDS bounds an outage the same way for both brokers.
 */
export function createKafkaClient(app: string, brokers: string[], security: KafkaSecurity, log: Logger): Kafka {
  return new Kafka({
    clientId: `${app}@${hostname()}`,
    brokers,
    ...kafkaSecurityOptions(security),
    connectionTimeout: 3000,
    // kafkajs waits 30 s for an answer by default: a hung or cut-off group
    // coordinator held every commit and heartbeat that long. Fetch and
    // JoinGroup set their own (the fetch wait + 0.1 s; the rebalance timeout
    // + 5 s: protocol/requests/*/index.js); everything else answers in
    // milliseconds. 10 s rather than the producer's 4.5 s: no confirm gap
    // waits on these, and each timeout drops a connection kafkajs rebuilds.
    requestTimeout: 10_000,
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

/**
 * kafkajs's `sasl` and `ssl` options. TLS verifies the broker's certificate
 * against the given CA only, and its host name: kafkajs passes the broker's
 * host to tls.connect (as `servername` too unless it is an IP address) and
 * Node checks it against the certificate's DNS or IP names.
 */
export function kafkaSecurityOptions({ sasl, tlsCa }: KafkaSecurity): Pick<KafkaConfig, "sasl" | "ssl"> {
  return {
    ...(sasl ? { sasl: { mechanism: "scram-sha-512" as const, username: sasl.username, password: sasl.password } } : {}),
    ...(tlsCa ? { ssl: { ca: tlsCa.certificates, rejectUnauthorized: true } } : {}),
  };
}

/**
 * How long @platformatic/kafka waits for a broker's answer to a request before
 * it drops the connection and retries (with fresh metadata). Its default is
 * 30 s (network/connection.js): a hung or cut-off partition leader held the
 * kafka-producer for the whole fault (17-33 s in issue 22's runs), although
 * the controller fences a silent broker and moves its leaderships within
 * `broker.session.timeout.ms` (3 s, kafka-node-config.ts). 4.5 s: just above
 * the broker's own wait for the replicas on a produce (KAFKA_PRODUCE_TIMEOUT_MS
 * in kafka-publisher.ts, 4 s, itself above the 3 s fencing), so a healthy
 * leader waiting on a dead follower is never cut off; the retry after a
 * silent leader then finds its successor already elected.
 */
export const PLATFORMATIC_REQUEST_TIMEOUT_MS = 4500;

/**
 * @platformatic/kafka's connection options for a Kafka app: the same
 * identity, security and bounded retries as the kafkajs client (the app's own
 * loop reconnects within BROKER_RETRY_SECONDS). TLS verifies the broker's
 * certificate against the given CA only, and Node checks the broker's host
 * name (as it was given) against the certificate's DNS or IP names.
 */
export function platformaticClientOptions(app: string, brokers: string[], { sasl, tlsCa }: KafkaSecurity): BaseOptions {
  return {
    clientId: `${app}@${hostname()}`,
    bootstrapBrokers: brokers,
    // TCP, TLS and the SASL exchange (milliseconds when healthy, well under a
    // second on a loaded host). @platformatic/kafka asks the first reachable
    // bootstrap broker for metadata, in the order given (connection-pool.js
    // getFirstAvailable): when that broker is the silent one, every refresh
    // after a timeout first waits out a connect to it. 3 s of that on top of
    // a 3 s request timeout made the kafka-producer's gap 9.4 s on a cut
    // kafka-1 against 3.3 s on a cut kafka-2 (fault suite); 1.5 s halves it.
    connectTimeout: 1500,
    // Not in BaseOptions' type, but passed through to every connection (the
    // client's options are spread into its ConnectionPool, and the schema
    // allows extra keys): see PLATFORMATIC_REQUEST_TIMEOUT_MS.
    ...({ requestTimeout: PLATFORMATIC_REQUEST_TIMEOUT_MS } as object),
    retries: 3,
    // 200 ms, doubling, at most 2 s: kafkajs's initialRetryTime/maxRetryTime above.
    retryDelay: (_client, _operation, attempt) => Math.min(200 * 2 ** Math.max(0, attempt - 1), 2000),
    ...(sasl ? { sasl: { mechanism: "SCRAM-SHA-512", username: sasl.username, password: sasl.password } } : {}),
    ...(tlsCa ? { tls: { ca: tlsCa.certificates, rejectUnauthorized: true } } : {}),
  };
}

/** Kafka error codes (kafkajs `type`, @platformatic/kafka `apiId`) that mean "authenticated, but not allowed". */
const AUTHORIZATION_FAILURES = new Set([
  "TOPIC_AUTHORIZATION_FAILED", // 29
  "GROUP_AUTHORIZATION_FAILED", // 30
  "CLUSTER_AUTHORIZATION_FAILED", // 31 (an idempotent producer without Write on any topic)
  "TRANSACTIONAL_ID_AUTHORIZATION_FAILED", // 53
]);

/**
 * A Kafka access refusal in a kafkajs or @platformatic/kafka error or its
 * causes: a failed SASL handshake (wrong password and unknown user look the
 * same, on purpose) or an authorization error code. @platformatic/kafka
 * nests the broker's errors (MultipleErrors' `errors`, an AggregateError's):
 * they are searched too. By shape, not class, so this module loads without
 * the ESM-only library (the unit tests run on CommonJS). kafkajs hides a FindCoordinator's
 * GROUP_AUTHORIZATION_FAILED behind "Failed to find group coordinator";
 * apps/bundle.mjs patches it to keep the broker's error as the cause.
 */
export function kafkaAccessRefusal(err: unknown): AccessRefusal | undefined {
  for (const link of errorChain(err)) {
    const { name, type } = link as { name?: string; type?: string };
    if (name === "KafkaJSSASLAuthenticationError" || type === "SASL_AUTHENTICATION_FAILED") return "authentication";
    if (type !== undefined && AUTHORIZATION_FAILURES.has(type)) return "authorization";
    const nested = platformaticRefusal(link, 0);
    if (nested) return nested;
  }
  return undefined;
}

/** @platformatic/kafka's AuthenticationError code, and the broker's codes as its ProtocolErrors name them (`apiId`). */
const PLATFORMATIC_AUTHENTICATION_CODE = "PLT_KFK_AUTHENTICATION";

function platformaticRefusal(err: unknown, depth: number): AccessRefusal | undefined {
  if (typeof err !== "object" || err === null || depth > 6) return undefined;
  const { code, apiId, errors } = err as { code?: unknown; apiId?: unknown; errors?: unknown };
  if (code === PLATFORMATIC_AUTHENTICATION_CODE || apiId === "SASL_AUTHENTICATION_FAILED") return "authentication";
  if (typeof apiId === "string" && AUTHORIZATION_FAILURES.has(apiId)) return "authorization";
  if (Array.isArray(errors)) {
    for (const inner of errors) {
      const found = platformaticRefusal(inner, depth + 1) ?? platformaticRefusal((inner as { cause?: unknown })?.cause, depth + 1);
      if (found) return found;
    }
  }
  return undefined;
}
