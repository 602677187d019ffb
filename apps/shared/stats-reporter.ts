import { LatencyWindow } from "./latency-window";
import { Logger } from "./logger";

/**
 * Writes a `stats` line every STATS_INTERVAL_SECONDS, at `done` and at
 * shutdown. Counters are cumulative since start (a reader never has to add
 * lines up, and a lost line loses nothing); the `<counter>PerSec` rates and
 * the latency percentiles cover only the interval since the previous line.
 */
export class StatsReporter<Counters extends Record<string, number>> {
  private timer: NodeJS.Timeout | undefined;
  private previous: Counters;
  private previousAt = Date.now();

  constructor(
    private readonly log: Logger,
    private readonly intervalSeconds: number,
    private readonly counters: Counters,
    /** The counters to report a per-second rate for. */
    private readonly rated: readonly (keyof Counters & string)[],
    /** `confirm` (producer: publish -> broker ack) or `end-to-end` (consumer: sentAt -> processed). */
    private readonly latencyKind: "confirm" | "end-to-end",
    readonly latency: LatencyWindow = new LatencyWindow(),
    /** Gauges read at report time, like messages in flight. */
    private readonly gauges: () => Record<string, number> = () => ({}),
  ) {
    this.previous = { ...counters };
  }

  start(): void {
    // unref: a pending stats tick must never keep a finished app alive.
    this.timer = setInterval(() => this.report(), this.intervalSeconds * 1000).unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  report(): void {
    const now = Date.now();
    const elapsedSeconds = Math.max((now - this.previousAt) / 1000, 0.001);
    const rates: Record<string, number> = {};
    for (const name of this.rated) {
      rates[`${name}PerSec`] = round((this.counters[name] - this.previous[name]) / elapsedSeconds);
    }
    this.log.info("stats", {
      ...this.counters,
      ...this.gauges(),
      ...rates,
      intervalSeconds: round(elapsedSeconds),
      latencyKind: this.latencyKind,
      ...this.latency.takeSummary(),
    });
    this.previous = { ...this.counters };
    this.previousAt = now;
  }
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
