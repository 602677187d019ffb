/**
 * What every throughput run of our apps shares (bench/throughput.ts,
 * bench/cluster-throughput.ts): the size of a message, the environment a
 * producer or consumer is started with, reading its `stats` lines, and the
 * shape of one measurement.
 *
 * Our apps' stats interval is set longer than a run, so the one `stats` line
 * they write at done/shutdown summarizes the whole run (percentiles over a
 * uniform sample of up to 100k latencies).
 */
import { randomUUID } from "crypto";
import * as os from "os";
import { join } from "path";
import { AppEnv } from "../../constructs/connection-env";
import { AppOnlyEnv } from "../../apps/shared/app-only-env";
import type { AppLine, AppProcess } from "./apps";
import { summarize, type Summary } from "./stats";

/** The body size of every message, ours and the perf tools'. */
export const MESSAGE_BYTES = 1024;

/** One measurement of one flow. */
export interface Sample {
  /** messages per second */
  rate: number;
  p50?: number;
  p99?: number;
  [extra: string]: unknown;
}

/**
 * Our messages are JSON envelopes (id, seq, producer, sentAt, payload): the
 * payload is sized so that the whole body is MESSAGE_BYTES (± a few bytes of
 * seq and pid digits), the size the perf tools send.
 */
export function payloadBytes(app: string, n: number): number {
  const overhead = JSON.stringify({
    id: randomUUID(),
    seq: Math.floor(n / 2),
    producer: `${app}@${os.hostname()}:${process.pid}`,
    sentAt: Date.now(),
    payload: "",
  }).length;
  return MESSAGE_BYTES - overhead;
}

/** The `stats` line a producer writes when it is done: the summary of its whole run. */
export function statsAtDone(p: AppProcess, done: AppLine): AppLine | undefined {
  const i = p.lines.indexOf(done);
  return [...p.lines.slice(0, i)].reverse().find((l) => l.event === "stats");
}

export function num(l: AppLine | undefined, field: string): number {
  const v = l?.[field];
  return typeof v === "number" ? v : NaN;
}

/**
 * Settings every app of a run gets (variable names from the contract the
 * constructs and the apps share); `work` is a scratch folder for the health file.
 */
export function commonEnv(work: string): Record<string, string> {
  return {
    [AppEnv.STATS_INTERVAL_SECONDS]: "3600",
    [AppEnv.BROKER_RETRY_SECONDS]: "30",
    [AppOnlyEnv.HEALTH_FILE]: join(work, `health-${randomUUID()}`),
  };
}

/** A producer's own settings: `count` messages, unthrottled, exit once all are confirmed. */
export function producerEnv(app: "rabbitmq-producer" | "kafka-producer", count: number): Record<string, string> {
  return {
    [AppEnv.PRODUCER_COUNT]: String(count),
    [AppEnv.PRODUCER_RATE]: "0",
    [AppEnv.MESSAGE_SIZE_BYTES]: String(payloadBytes(app, count)),
    [AppEnv.EXIT_WHEN_DONE]: "true",
  };
}

/** Median, min and max of one field over the runs that measured it. */
export function summarizeField(samples: readonly Sample[], field: "rate" | "p50" | "p99"): Summary {
  return summarize(samples.map((s) => s[field]).filter((v): v is number => typeof v === "number" && Number.isFinite(v)));
}
