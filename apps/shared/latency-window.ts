/**
 * Latency samples of one stats interval, summarised as p50/p99/max.
 *
 * Beyond `capacity` samples it keeps a uniform random subset (reservoir
 * sampling), so a consumer at 50k msg/s does not sort millions of numbers
 * every interval and the percentiles stay unbiased.
 */
export interface LatencySummary {
  readonly latencySamples: number;
  readonly latencyP50Ms: number | null;
  readonly latencyP99Ms: number | null;
  readonly latencyMaxMs: number | null;
}

export class LatencyWindow {
  private samples: number[] = [];
  private seen = 0;
  private max = 0;

  constructor(private readonly capacity = 100_000) {}

  add(latencyMs: number): void {
    this.seen++;
    if (latencyMs > this.max) this.max = latencyMs;
    if (this.samples.length < this.capacity) {
      this.samples.push(latencyMs);
    } else {
      const slot = Math.floor(Math.random() * this.seen);
      if (slot < this.capacity) this.samples[slot] = latencyMs;
    }
  }

  /** The summary of the samples since the last call; starts a new interval. */
  takeSummary(): LatencySummary {
    const sorted = this.samples.sort((a, b) => a - b);
    const summary: LatencySummary = {
      latencySamples: this.seen,
      latencyP50Ms: percentile(sorted, 0.5),
      latencyP99Ms: percentile(sorted, 0.99),
      latencyMaxMs: this.seen > 0 ? this.max : null,
    };
    this.samples = [];
    this.seen = 0;
    this.max = 0;
    return summary;
  }
}

/** Nearest-rank percentile of sorted values; null when there are none. */
function percentile(sorted: readonly number[], fraction: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil(fraction * sorted.length));
  return sorted[rank - 1] ?? null;
}
