/**
 * A broker that refuses the app's credentials (authentication) or what they
 * are allowed to do (authorization: ACLs, permissions). Both usually mean a
 * wiring that is not finished yet (a user or ACL created a moment later) or
 * wrong, so the apps keep retrying with the ordinary backoff, stay unhealthy
 * and log one `access-refused` error per refused attempt that says which.
 * Each broker's client says it differently: kafka-client.ts and
 * rabbitmq-connection.ts turn its errors into an AccessRefusal.
 */
export type AccessRefusal = "authentication" | "authorization";

/** Recognises a broker's access refusal in anything thrown; undefined when it is not one. */
export type AccessRefusalClassifier = (err: unknown) => AccessRefusal | undefined;

/** What an `access-refused` line says besides the broker's own message. */
export const ACCESS_REFUSAL_HINTS: Record<AccessRefusal, string> = {
  authentication: "the broker refused the credentials (unknown user or wrong password)",
  authorization: "the broker accepted the credentials but refused the operation (missing ACL or permission)",
};

/** The error and its causes, outermost first (bounded: cause chains may loop). */
export function errorChain(err: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let current = err; current !== undefined && current !== null && chain.length < 8; ) {
    chain.push(current);
    const next = (current as { cause?: unknown }).cause;
    if (next === current) break;
    current = next;
  }
  return chain;
}

/**
 * Sessions the broker refused access to after they opened (a RabbitMQ
 * publish without write permission, a Kafka send without Write on the
 * topic), in a row. They count as failed connection attempts: the next one
 * waits as a retry would, and BROKER_RETRY_SECONDS counts from the first, so
 * a refused app backs off instead of reconnecting in a tight loop. A session
 * that made progress, or ended for another reason, ends the streak.
 */
export class RefusalStreak {
  private streak: { since: number; count: number; lastError: unknown } | undefined;

  /** What retryWithBackoff's `earlierFailures` should be for the next attempt. */
  get current(): { readonly since: number; readonly count: number; readonly lastError: unknown } | undefined {
    return this.streak;
  }

  sessionEnded(madeProgress: boolean, refusal: AccessRefusal | undefined, reason: string, report: (refusal: AccessRefusal) => void): void {
    if (!refusal) {
      this.streak = undefined;
      return;
    }
    report(refusal);
    if (madeProgress || !this.streak) this.streak = { since: Date.now(), count: 1, lastError: reason };
    else this.streak = { since: this.streak.since, count: this.streak.count + 1, lastError: reason };
  }
}
