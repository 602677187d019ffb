/**
 * What the apps of the cluster example say about themselves: their JSON
 * `stats` lines (cumulative counters, one line every STATS_INTERVAL_SECONDS)
 * and the `shutdown` line a producer writes when stopped.
 */
import { jsonLogLines } from "../support/docker";
import { docker, inspect } from "./cluster-stack";

/** The apps' STATS_INTERVAL_SECONDS (their default): the resolution of anything read from `stats` lines. */
export const STATS_INTERVAL_MS = 5000;

/** The app's JSON lines since its process last started (a `docker start` begins a new run in the same log). */
export function currentRun(container: string): Array<Record<string, any>> {
  const lines = jsonLogLines(container);
  const start = lines.map((l) => l.event).lastIndexOf("starting");
  return start >= 0 ? lines.slice(start) : lines;
}

export interface Stats extends Record<string, any> {
  t: number;
}

export function statsOf(container: string): Stats[] {
  return currentRun(container)
    .filter((l) => l.event === "stats")
    .map((l) => ({ ...l, t: Date.parse(l.ts) }));
}

export interface Consumed {
  distinct: number;
  received: number;
  duplicates: number;
}

/** What a consumer has processed, duplicates not counted, as of its last `stats` line (after `after`). */
export function consumerDistinct(consumer: string, after = 0): Consumed | undefined {
  const last = statsOf(consumer).pop();
  if (!last || last.t <= after) return undefined;
  return { distinct: last.received - last.duplicates, received: last.received, duplicates: last.duplicates };
}

/**
 * The producer confirmed in its last two stats intervals: traffic is flowing.
 * Give `since` right after a `docker start`: until the new process logs its
 * first line, the log's current run is still the previous one.
 */
export function confirming(producer: string, since = 0): true | undefined {
  const [a, b, c] = statsOf(producer)
    .filter((s) => s.t >= since)
    .slice(-3);
  return c && c.confirmed > b.confirmed && b.confirmed > a.confirmed ? true : undefined;
}

/** The first stats line that began after `since` in which `confirmed` grew. */
export function confirmingAgain(producer: string, since: number): Stats | undefined {
  const stats = statsOf(producer);
  const j = stats.findIndex((s, k) => k > 0 && stats[k - 1].t >= since && s.confirmed > stats[k - 1].confirmed);
  return j >= 0 ? stats[j] : undefined;
}

/**
 * The longest time without a confirm between `from` and `to`: the largest
 * `confirmGapMaxMs` of the stats lines written then (a stall still open at a
 * line counts up to it; the line after the stall holds all of it).
 */
export function longestConfirmGapMs(producer: string, from: number, to: number): number {
  return Math.max(
    0,
    ...statsOf(producer)
      .filter((s) => s.t >= from && s.t <= to)
      .map((s) => Number(s.confirmGapMaxMs ?? 0)),
  );
}

export interface ProducerRun {
  confirmed: number;
  sent: number;
  unconfirmed: number;
  startedAt: number;
  exitCode: number;
}

/**
 * Stops a producer the way Docker stops it (SIGTERM; the app drains what is
 * in flight, at most 8 s, and exits 0) and returns its final counters.
 */
export function stopProducer(producer: string): ProducerRun {
  docker("stop", "-t", "20", producer);
  const lines = currentRun(producer);
  const shutdown = lines.filter((l) => l.event === "shutdown").pop();
  if (!shutdown) throw new Error(`${producer} stopped without a shutdown line; its last lines: ${JSON.stringify(lines.slice(-3))}`);
  return {
    confirmed: shutdown.confirmed,
    sent: shutdown.sent,
    unconfirmed: shutdown.unconfirmed,
    startedAt: Date.parse(lines[0].ts),
    exitCode: inspect(producer).State.ExitCode,
  };
}

/** Events other than stats a container logged since `since`, one line each, for the test output. */
export function eventsSince(container: string, since: number): string {
  return currentRun(container)
    .filter((l) => Date.parse(l.ts) >= since && !["stats", "shutdown"].includes(l.event))
    .map((l) => `  ${l.ts} ${l.event} ${l.message ?? l.reason ?? l.error ?? ""}`.slice(0, 200))
    .join("\n");
}

/**
 * The loss check of one producer/consumer pair over one producer run: what
 * the producer confirmed against what its consumer processed since the run
 * began (`consumedBefore`: its distinct count then). Duplicates are allowed
 * (at-least-once) and reported; `lost` is confirmed and never processed.
 */
export function lossReport(run: ProducerRun, consumedBefore: number, consumed: Consumed) {
  const distinct = consumed.distinct - consumedBefore;
  return {
    confirmed: run.confirmed,
    sent: run.sent,
    consumedDistinct: distinct,
    duplicatesSoFar: consumed.duplicates,
    lost: Math.max(0, run.confirmed - distinct),
  };
}
