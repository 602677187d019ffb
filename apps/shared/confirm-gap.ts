/**
 * The longest stretch without a broker confirm, per stats interval: what a
 * broker failover costs a producer, measured where it is felt. A stretch
 * still open at report time counts up to now, so the interval that follows a
 * stall reports the whole stall (measured from the last confirm before it).
 */
export class ConfirmGap {
  private lastConfirmAt: number | undefined;
  private longestMs = 0;

  constructor(private readonly now: () => number = Date.now) {}

  confirmed(): void {
    const at = this.now();
    if (this.lastConfirmAt !== undefined) this.longestMs = Math.max(this.longestMs, at - this.lastConfirmAt);
    this.lastConfirmAt = at;
  }

  /** The longest gap since the last call (null before the first confirm); starts a new interval. */
  take(): number | null {
    if (this.lastConfirmAt === undefined) return null;
    const longest = Math.max(this.longestMs, this.now() - this.lastConfirmAt);
    this.longestMs = 0;
    return longest;
  }
}
