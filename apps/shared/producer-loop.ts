import { CommonConfig, ProducerConfig } from "./app-config";
import { AccessRefusal, AccessRefusalClassifier, RefusalStreak } from "./access-refused";
import { logAccessRefused, retryWithBackoff } from "./backoff";
import { producerName } from "./envelope";
import { LatencyWindow } from "./latency-window";
import { exportProducerCounters } from "./metrics";
import { PublishLedger } from "./publish-ledger";
import { RatePacer } from "./rate-pacer";
import { AppContext } from "./run-app";
import { DRAIN_TIMEOUT_MS } from "./shutdown";
import { StatsReporter } from "./stats-reporter";

export type PublishOutcome = "done" | "stopped" | "lost";

/** One connection of a producer, whatever the broker. */
export interface ProducerSession {
  /** Resolves with a reason once the connection is unusable. */
  readonly lost: Promise<string>;
  readonly unconfirmedCount: number;
  /** Fields the `connected` and `disconnected` lines add, such as the RabbitMQ node (no secrets). */
  readonly logFields?: Record<string, unknown>;
  /** Once lost: set when the broker refused access (say, a publish the user may not make). */
  readonly lostByRefusal?: AccessRefusal;
  /** While the broker blocks our publishes (a RabbitMQ memory or disk alarm), its reason. */
  readonly blockedBy?: string;
  /** Sends what the ledger holds, paced, until done, stopped or lost. */
  publish(ledger: PublishLedger, pacer: RatePacer, stop: AbortSignal): Promise<PublishOutcome>;
  /** After a loss: give every unconfirmed message back to the ledger. */
  releaseUnconfirmed(ledger: PublishLedger): void;
  /** Graceful end: wait (bounded) for outstanding confirms, close; returns how many never came. */
  close(timeoutMs: number): Promise<number>;
  /** Close after a loss, without waiting for anything. */
  abandon(): Promise<void>;
}

export interface ProducerLoopOptions {
  readonly app: string;
  readonly common: CommonConfig;
  readonly producer: ProducerConfig;
  /** What the connection attempts are for, as in "gave up trying to <what>". */
  readonly what: string;
  /** Fields of the `starting` and `connected` lines (no secrets). */
  readonly describe: Record<string, unknown>;
  readonly openSession: (latency: LatencyWindow) => Promise<ProducerSession>;
  /** Recognises the broker refusing access in a failed attempt. */
  readonly classify: AccessRefusalClassifier;
}

/**
 * The life of a producer, the same for both brokers: connect (with backoff),
 * publish until done / stopped / disconnected, re-send what a lost connection
 * left unconfirmed, and on SIGTERM wait for the outstanding confirms before
 * logging `shutdown`.
 */
export async function runProducerLoop(options: ProducerLoopOptions, { log, shutdown, health, metrics }: AppContext): Promise<void> {
  const { common, producer } = options;
  const ledger = new PublishLedger(producerName(options.app), producer.count, producer.messageSizeBytes);
  const pacer = new RatePacer(producer.rate);
  let session: ProducerSession | undefined;
  exportProducerCounters(metrics, ledger.counters, () => session?.blockedBy !== undefined);
  const stats = new StatsReporter(log, {
    intervalSeconds: common.statsIntervalSeconds,
    counters: ledger.counters,
    rated: ["sent", "confirmed"],
    latencyKind: "confirm",
    gauges: () => ({
      inFlight: session?.unconfirmedCount ?? 0,
      waitingForResend: ledger.waitingForResend,
      confirmGapMaxMs: ledger.confirmGap.take(),
    }),
  });
  log.info("starting", { ...options.describe, ...producer });
  stats.start();
  let doneLogged = false;
  const refusals = new RefusalStreak();

  while (!shutdown.requested) {
    session = await retryWithBackoff(options.what, () => options.openSession(stats.latency), {
      budgetSeconds: common.brokerRetrySeconds,
      log,
      signal: shutdown.signal,
      classify: options.classify,
      earlierFailures: refusals.current,
    });
    if (!session) break; // stop requested while retrying
    health.up();
    log.info("connected", { ...options.describe, ...session.logFields });
    const confirmedBefore = ledger.counters.confirmed;

    const outcome = await session.publish(ledger, pacer, shutdown.signal);
    if (outcome === "done") {
      if (!doneLogged) {
        doneLogged = true;
        stats.report();
        log.info("done", { ...ledger.counters });
      }
      // Idle (connected, healthy) until stopped unless told to exit: a
      // long-running container that exits would be restarted, or drift.
      if (producer.exitWhenDone) shutdown.request("done");
      else await Promise.race([session.lost, shutdown.wait()]);
    }
    health.down();
    if (shutdown.requested) {
      const unconfirmed = await session.close(DRAIN_TIMEOUT_MS);
      if (unconfirmed > 0) log.warn("drain-timeout", { unconfirmed });
      break;
    }
    const reason = await session.lost;
    log.warn("disconnected", { ...session.logFields, reason, unconfirmed: session.unconfirmedCount });
    refusals.sessionEnded(ledger.counters.confirmed > confirmedBefore, session.lostByRefusal, reason, (refusal) =>
      logAccessRefused(log, refusal, options.what, reason),
    );
    session.releaseUnconfirmed(ledger);
    await session.abandon();
  }

  stats.stop();
  stats.report();
  log.info("shutdown", { reason: shutdown.reason, ...ledger.counters, unconfirmed: session?.unconfirmedCount ?? 0 });
}
