/**
 * How long a RabbitMQ producer waits for the broker's next confirm before it
 * calls the node silent and fails over to the next one.
 *
 * Why not heartbeats alone: a hung node (`docker pause`, a stopped VM) or a
 * node cut off from the network keeps the TCP connection open and simply
 * stops answering. AMQP heartbeats notice that only after two to three
 * intervals (amqplib lib/heartbeat.js), 10-15 s with the apps' 5 s, and a
 * shorter heartbeat is what RabbitMQ's docs warn against (false positives on
 * a busy host). A producer knows sooner: it has messages out and no confirm
 * comes. Confirms of a healthy quorum queue take milliseconds (tens under
 * load), so seconds of silence with messages outstanding is the node, not
 * the traffic.
 *
 * Two things are not silence:
 * - the broker blocking our publishes (connection.blocked: a memory or disk
 *   alarm). Confirms stop because the broker stopped reading; every node of
 *   the cluster blocks publishers while any node has the alarm, so failing
 *   over would only move the wait, re-sending the window each time. The
 *   deadline stops counting until `connection.unblocked`.
 *
 * A failover that lands on a healthy node while the quorum queue is still
 * electing a new leader (the old one is the silent node) gets no confirm
 * either, and here failing over again is what helps: measured in the
 * failover bench on a hung leader, publishes made on a channel before the
 * election stayed unconfirmed long after it, while a fresh connection after
 * it was confirmed at once. Staying put (a deadline 4x longer after each
 * failover) made the gap 15-16 s; failing over every 3 s, 10 s. So the
 * first FIXED_ATTEMPTS deadlines are all `baseMs`; only a longer silence
 * (no node confirms: a queue without a majority, say) doubles each next
 * deadline up to `maxMs`, so that it costs a failover and a re-sent window
 * every few seconds at first and every `maxMs` after, never a resend
 * storm. A confirm brings it back to the start.
 */
/**
 * The first deadline: well above a healthy confirm (the cluster suite's
 * kills see 0.4 s at worst, a loaded CI host included) and under the 5 s a
 * one-node fault may cost a producer (issue 22's target).
 */
export const CONFIRM_DEADLINE_MS = 3000;
/** The most a deadline grows to over failovers without a confirm: 3, 3, 3, 3, 3, 6, 12, 24 s. */
export const CONFIRM_DEADLINE_MAX_MS = 24_000;
/**
 * Deadlines at `baseMs` before they grow: 15 s, enough to span a quorum
 * queue's election after a hung or cut-off leader (7-13 s in the failover
 * bench on a 2-core host). With 3 (9 s) an election that took 10 s met a
 * 6-s deadline on a connection opened just before it, whose publishes then
 * waited the whole 6 s: a 16 s gap.
 */
const FIXED_ATTEMPTS = 5;

export class ConfirmDeadline {
  /** Since when we have waited for a confirm with messages outstanding (undefined: nothing to wait for, or blocked). */
  private waitingSince: number | undefined;
  private isBlocked = false;
  private current: number;
  /** Sessions it ended since the last confirm. */
  private ended = 0;

  constructor(
    readonly baseMs: number,
    readonly maxMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.current = baseMs;
  }

  /** The deadline in force: `baseMs` for the first FIXED_ATTEMPTS sessions it ended since the last confirm, then doubling. */
  get currentMs(): number {
    return this.current;
  }

  get blocked(): boolean {
    return this.isBlocked;
  }

  /** A new session: nothing is outstanding on it yet, and it is not blocked. */
  reset(): void {
    this.waitingSince = undefined;
    this.isBlocked = false;
  }

  /** A message went out; the clock starts if nothing else was outstanding. */
  published(): void {
    if (this.waitingSince === undefined && !this.isBlocked) this.waitingSince = this.now();
  }

  /** A confirm (ack or nack) came: the node answers; the wait starts again for what is still outstanding. */
  confirmed(outstanding: number): void {
    this.current = this.baseMs;
    this.ended = 0;
    this.waitingSince = outstanding > 0 && !this.isBlocked ? this.now() : undefined;
  }

  /** The broker blocks our publishes (a resource alarm): not silence, stop counting. */
  blockedByBroker(): void {
    this.isBlocked = true;
    this.waitingSince = undefined;
  }

  /** The alarm cleared: the wait starts again for what is outstanding. */
  unblocked(outstanding: number): void {
    this.isBlocked = false;
    this.waitingSince = outstanding > 0 ? this.now() : undefined;
  }

  /** How long we have waited past the deadline's start, when it has passed; otherwise undefined. */
  expiredAfterMs(): number | undefined {
    if (this.waitingSince === undefined) return undefined;
    const waited = this.now() - this.waitingSince;
    return waited >= this.current ? waited : undefined;
  }

  /** The deadline ended a session: after FIXED_ATTEMPTS of those in a row, the next session gets twice as long, up to `maxMs`. */
  escalate(): void {
    this.ended++;
    if (this.ended >= FIXED_ATTEMPTS) this.current = Math.min(this.current * 2, this.maxMs);
  }
}
