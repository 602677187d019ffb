import { CommonConfig } from "./app-config";
import { AccessRefusal, AccessRefusalClassifier, RefusalStreak } from "./access-refused";
import { logAccessRefused, retryWithBackoff } from "./backoff";
import { ConsumerTally } from "./consumer-tally";
import { endToEndLatencyObserver, exportConsumerCounters } from "./metrics";
import { AppContext } from "./run-app";
import { DRAIN_TIMEOUT_MS } from "./shutdown";
import { StatsReporter } from "./stats-reporter";

/** One connection (RabbitMQ) or group membership (Kafka) of a consumer. */
export interface ConsumerSession {
  /** Resolves with a reason once the session is unusable. */
  readonly lost: Promise<string>;
  readonly messagesInFlight: number;
  /** Fields the `connected` and `disconnected` lines add, such as the RabbitMQ node (no secrets). */
  readonly logFields?: Record<string, unknown>;
  /** Once lost: set when the broker refused access (say, a permission revoked). */
  readonly lostByRefusal?: AccessRefusal;
  /**
   * Graceful end: take no new messages, finish and acknowledge/commit those in
   * flight (bounded), close. Returns how many were still in flight at the deadline.
   */
  drain(timeoutMs: number): Promise<number>;
  /** Close after a loss, without waiting for anything. */
  abandon(): Promise<void>;
}

export interface ConsumerLoopOptions {
  readonly common: CommonConfig;
  /** What the connection attempts are for, as in "gave up trying to <what>". */
  readonly what: string;
  /** Fields of the `starting` and `connected` lines (no secrets). */
  readonly describe: Record<string, unknown>;
  readonly openSession: (tally: ConsumerTally) => Promise<ConsumerSession>;
  /** Recognises the broker refusing access in a failed attempt. */
  readonly classify: AccessRefusalClassifier;
}

/**
 * The life of a consumer, the same for both brokers: connect (with backoff),
 * consume until disconnected or stopped, and on SIGTERM drain what is in
 * flight before logging `shutdown`.
 */
export async function runConsumerLoop(options: ConsumerLoopOptions, { log, shutdown, health, metrics }: AppContext): Promise<void> {
  const tally = new ConsumerTally(log, endToEndLatencyObserver(metrics));
  exportConsumerCounters(metrics, tally.counters);
  let session: ConsumerSession | undefined;
  const stats = new StatsReporter(log, {
    intervalSeconds: options.common.statsIntervalSeconds,
    counters: tally.counters,
    rated: ["received", "acked"],
    latencyKind: "end-to-end",
    latency: tally.latency,
    gauges: () => ({ inFlight: session?.messagesInFlight ?? 0 }),
  });
  log.info("starting", options.describe);
  stats.start();
  const refusals = new RefusalStreak();

  while (!shutdown.requested) {
    session = await retryWithBackoff(options.what, () => options.openSession(tally), {
      budgetSeconds: options.common.brokerRetrySeconds,
      log,
      signal: shutdown.signal,
      classify: options.classify,
      earlierFailures: refusals.current,
    });
    if (!session) break; // stop requested while retrying
    health.up();
    log.info("connected", { ...options.describe, ...session.logFields });
    const ackedBefore = tally.counters.acked;

    const lostReason = await Promise.race([session.lost, shutdown.wait().then(() => undefined)]);
    health.down();
    if (lostReason === undefined) {
      const abandoned = await session.drain(DRAIN_TIMEOUT_MS);
      if (abandoned > 0) log.warn("drain-timeout", { inFlight: abandoned });
      break;
    }
    log.warn("disconnected", { ...session.logFields, reason: lostReason });
    refusals.sessionEnded(tally.counters.acked > ackedBefore, session.lostByRefusal, lostReason, (refusal) =>
      logAccessRefused(log, refusal, options.what, lostReason),
    );
    await session.abandon();
  }

  stats.stop();
  stats.report();
  log.info("shutdown", { reason: shutdown.reason, ...tally.counters });
}
