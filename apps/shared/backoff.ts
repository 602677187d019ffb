import { AppEnv } from "../../constructs/connection-env";
import { ACCESS_REFUSAL_HINTS, AccessRefusal, AccessRefusalClassifier } from "./access-refused";
import { describeError, Logger } from "./logger";
import { sleep } from "./shutdown";

/**
 * Retrying a broker connection: exponential backoff with jitter, bounded by a
 * time budget (BROKER_RETRY_SECONDS) rather than a number of attempts, since
 * operators think in "how long may the broker be down".
 *
 * When the budget is spent the caller gets a RetryBudgetExhausted and the app
 * exits 1 with a `fatal` line: a container that restarts (or a human who
 * looks) beats one that hangs forever or exits 0 as if it had done its job.
 */

export class RetryBudgetExhausted extends Error {
  constructor(what: string, budgetSeconds: number, attempts: number, lastError: unknown) {
    super(
      `gave up trying to ${what} after ${budgetSeconds} s and ${attempts} attempt${attempts === 1 ? "" : "s"} ` +
        `(${AppEnv.BROKER_RETRY_SECONDS}=${budgetSeconds}): ${describeError(lastError)}`,
    );
    this.name = "RetryBudgetExhausted";
  }
}

export interface BackoffOptions {
  /** Total time to keep trying, from the first failure. */
  readonly budgetSeconds: number;
  readonly log: Logger;
  /** Stops the retries early (shutdown requested); `retryWithBackoff` then returns undefined. */
  readonly signal: AbortSignal;
  /** First delay; doubles on each failure up to `maxDelayMs`. @default 250 */
  readonly initialDelayMs?: number;
  /**
   * The longest delay between two attempts. 4 s: once the broker is back
   * (a cluster whole again after a full outage), an app waits at most this
   * long before it tries again; at 10 s, with a Kafka group or transaction
   * coordinator still loading for the attempt before, the kafka-producer
   * confirmed 12 s after its cluster was whole (the fault suite's full
   * outage; the target is 10 s). An attempt every 2-4 s (the jitter) is
   * nothing to a broker coming up.
   * @default 4000
   */
  readonly maxDelayMs?: number;
  /** Recognises the broker refusing access, logged as an `access-refused` error before the retry. */
  readonly classify?: AccessRefusalClassifier;
  /**
   * The outage began before this call, with this many failures already (a
   * session the broker refused access to after it opened): the budget counts
   * from `since`, and the first attempt waits as the next retry would.
   */
  readonly earlierFailures?: { readonly since: number; readonly count: number; readonly lastError: unknown };
}

/**
 * Calls `attempt` until it succeeds. Returns its result, or undefined when a
 * shutdown was requested meanwhile; throws RetryBudgetExhausted when the
 * budget is spent.
 */
export async function retryWithBackoff<T>(what: string, attempt: () => Promise<T>, options: BackoffOptions): Promise<T | undefined> {
  const { budgetSeconds, log, signal } = options;
  const maxDelayMs = options.maxDelayMs ?? 4000;
  const earlier = options.earlierFailures;
  const deadline = (earlier?.since ?? Date.now()) + budgetSeconds * 1000;
  let delayMs = options.initialDelayMs ?? 250;
  if (earlier && earlier.count > 0) {
    delayMs = Math.min(delayMs * 2 ** (earlier.count - 1), maxDelayMs);
    const remainingMs = deadline - Date.now();
    if (remainingMs <= 0) throw new RetryBudgetExhausted(what, budgetSeconds, earlier.count, earlier.lastError);
    const waitMs = Math.min(remainingMs, jittered(delayMs));
    log.warn("reconnect-scheduled", {
      what,
      attempt: earlier.count,
      delayMs: waitMs,
      remainingSeconds: Math.round(remainingMs / 100) / 10,
      error: describeError(earlier.lastError),
    });
    await sleep(waitMs, signal);
    delayMs = Math.min(delayMs * 2, maxDelayMs);
  }
  for (let attemptNumber = (earlier?.count ?? 0) + 1; ; attemptNumber++) {
    if (signal.aborted) return undefined;
    try {
      return await attempt();
    } catch (err) {
      const refusal = options.classify?.(err);
      if (refusal) logAccessRefused(log, refusal, what, err, attemptNumber);
      const remainingMs = deadline - Date.now();
      if (remainingMs <= 0) throw new RetryBudgetExhausted(what, budgetSeconds, attemptNumber, err);
      const waitMs = Math.min(remainingMs, jittered(delayMs));
      log.warn("reconnect-scheduled", {
        what,
        attempt: attemptNumber,
        delayMs: waitMs,
        remainingSeconds: Math.round(remainingMs / 100) / 10,
        error: describeError(err),
      });
      await sleep(waitMs, signal);
      delayMs = Math.min(delayMs * 2, maxDelayMs);
    }
  }
}

/** "Equal jitter": half the delay fixed, half random, so restarted replicas spread out but none retries immediately. */
function jittered(delayMs: number): number {
  return Math.round(delayMs / 2 + Math.random() * (delayMs / 2));
}

/** The one `access-refused` line of a refused attempt or session: which refusal, and the broker's words. */
export function logAccessRefused(log: Logger, refusal: AccessRefusal, what: string, err: unknown, attempt?: number): void {
  log.error("access-refused", {
    refused: refusal,
    what,
    ...(attempt === undefined ? {} : { attempt }),
    hint: ACCESS_REFUSAL_HINTS[refusal],
    error: describeError(err),
  });
}
