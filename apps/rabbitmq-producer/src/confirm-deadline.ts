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
 * - a failover that lands on a node whose queue is still electing a leader
 *   (the old leader is the silent node). The next node is as slow, through
 *   no fault of its own: each deadline that ends a session makes the next
 *   one four times as long (up to `maxMs`), and a confirm brings it back to
 *   `baseMs`. Four, not two: the node a producer fails over to answered its
 *   connect, so silence there is most likely the election, which takes
 *   seconds (measured: 7-10 s from a hung leader to confirms); a second
 *   deadline of 6 s fired during it and cost another failover and 3 s more.
 *   A long outage costs a handful of failovers, never a resend storm.
 */
/**
 * The first deadline: well above a healthy confirm (the cluster suite's
 * kills see 0.4 s at worst, a loaded CI host included) and under the 5 s a
 * one-node fault may cost a producer (issue 22's target).
 */
export const CONFIRM_DEADLINE_MS = 3000;
/** The most a deadline grows to over failovers without a confirm: 3, 12, 24 s. */
export const CONFIRM_DEADLINE_MAX_MS = 24_000;

export class ConfirmDeadline {
  /** Since when we have waited for a confirm with messages outstanding (undefined: nothing to wait for, or blocked). */
  private waitingSince: number | undefined;
  private isBlocked = false;
  private current: number;

  constructor(
    readonly baseMs: number,
    readonly maxMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.current = baseMs;
  }

  /** The deadline in force: `baseMs`, four times longer for each session it ended since the last confirm. */
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

  /** The deadline ended a session: the next session gets four times as long, up to `maxMs`. */
  escalate(): void {
    this.current = Math.min(this.current * 4, this.maxMs);
  }
}
