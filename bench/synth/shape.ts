/** What both synth-benchmark stacks (ours and raw) are made of. */
import * as path from "path";

export const STACK_NAME = "messaging";
/**
 * The apps folder whose build contexts are hashed. bench/synth.ts points it
 * at a snapshot (BENCH_APPS_DIR), so apps rebuilt meanwhile by someone else
 * cannot make the two stacks differ.
 */
export const APPS_DIR = process.env.BENCH_APPS_DIR || path.resolve(__dirname, "..", "..", "apps");
export const APP_KINDS = ["rabbitmq-producer", "rabbitmq-consumer", "kafka-producer", "kafka-consumer"] as const;
export type AppKind = (typeof APP_KINDS)[number];

/** App i's name: the kind, plus its index beyond the first four (so 4 apps = the default stack's names). */
export function appName(i: number): string {
  const kind = APP_KINDS[i % APP_KINDS.length]!;
  return i < APP_KINDS.length ? kind : `${kind}-${i}`;
}
