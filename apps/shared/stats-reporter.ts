import { LatencyWindow } from "./latency-window";
import { Logger } from "./logger";

export interface StatsReporterOptions<Counters extends Record<string, number>> {
  readonly intervalSeconds: number;
  /** Cumulative counters, read (not copied) at each report. */
  readonly counters: Counters;
  /** The counters to report a per-second rate for. */
  readonly rated: readonly (keyof Counters & string)[];
  /** `confirm` (producer: publish -> broker ack) or `end-to-end` (consumer: sentAt -> processed). */
  readonly latencyKind: "confirm" | "end-to-end";
  /** @default - a new window, which the owner fills through `reporter.latency` */
  readonly latency?: LatencyWindow;
  /** Gauges read at report time, like messages in flight. */
  readonly gauges?: () => Record<string, number | null>;
}

/**
 * Writes a `stats` line every STATS_INTERVAL_SECONDS, at `done` and at
 * shutdown. Counters are cumulative since start (a reader never has to add
 * lines up, and a lost line loses nothing); the `<counter>PerSec` rates and
 * the latency percentiles cover only the interval since the previous line.
 */
export class StatsReporter<Counters extends Record<string, number>> {
  readonly latency: LatencyWindow;
  private timer: NodeJS.Timeout | undefined;
  private previous: Counters;
  private previousAt = Date.now();

  constructor(
    private readonly log: Logger,
    private readonly options: StatsReporterOptions<Counters>,
  ) {
    this.latency = options.latency ?? new LatencyWindow();
    this.previous = { ...options.counters };
  }

  start(): void {
    // unref: a pending stats tick must never keep a finished app alive.
    this.timer = setInterval(() => this.report(), this.options.intervalSeconds * 1000).unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  report(): void {
    const { counters, rated, latencyKind, gauges } = this.options;
    const now = Date.now();
    const elapsedSeconds = Math.max((now - this.previousAt) / 1000, 0.001);
    const rates: Record<string, number> = {};
    for (const name of rated) {
      rates[`${name}PerSec`] = round((counters[name] - this.previous[name]) / elapsedSeconds);
    }
    this.log.info("stats", {
      ...counters,
      ...gauges?.(),
      ...rates,
      intervalSeconds: round(elapsedSeconds),
      latencyKind,
      ...this.latency.takeSummary(),
    });
    this.previous = { ...counters };
    this.previousAt = now;
  }
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
