import { sleep } from "./shutdown";

/**
 * Spaces publishes to PRODUCER_RATE messages per second (0 = no limit).
 *
 * It grants credit against a schedule (message k is due at start + k/rate)
 * rather than sleeping 1/rate between sends, so the rate stays exact however
 * long each publish takes. After a stall (a reconnect) it does not burst to
 * catch up by more than one second's worth of messages.
 */
export class RatePacer {
  private startedAt = Date.now();
  private granted = 0;

  constructor(private readonly perSecond: number) {}

  /**
   * Waits until at least one message is due and returns how many (1..max) may
   * be sent now; returns 0 if `signal` aborts while waiting.
   */
  async take(max: number, signal: AbortSignal): Promise<number> {
    if (this.perSecond === 0) return max;
    for (;;) {
      if (signal.aborted) return 0;
      // Message k (from 0) is due at start + k/rate: the first one at once.
      const dueByNow = Math.floor(((Date.now() - this.startedAt) / 1000) * this.perSecond) + 1;
      if (dueByNow - this.granted > this.perSecond) {
        // Fell behind by more than a second: forget the backlog, restart the schedule.
        this.startedAt = Date.now();
        this.granted = 0;
        continue;
      }
      const due = dueByNow - this.granted;
      if (due > 0) {
        const granted = Math.min(due, max);
        this.granted += granted;
        return granted;
      }
      const nextDueAt = this.startedAt + (this.granted * 1000) / this.perSecond;
      await sleep(Math.max(1, nextDueAt - Date.now()), signal);
    }
  }
}
