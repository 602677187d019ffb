/**
 * encodeEnvelope (apps/shared/envelope.ts) against the plain
 * `Buffer.from(JSON.stringify(envelope))` it replaced (issue 12): the same
 * envelopes, in one process on the apps' runtime, alternating.
 *
 *   node -r esbuild-register bench/envelope-encode.ts [--runs 7] [--messages 200000] [--payload 1024]
 *
 * Run it with the apps' Node ($APP_NODE -r esbuild-register ...) to measure
 * their V8. One warm-up round, then --runs rounds, the order flipping every
 * round; per round, ns per envelope for each.
 */
import * as os from "os";
import { createEnvelope, encodeEnvelope, type Envelope } from "../apps/shared/envelope";
import { fmt, log, out, parseArgs, ratio, runHeader, summarize, table, writeReport, writeResult } from "./lib/stats";

const args = parseArgs(process.argv.slice(2));
const RUNS = Number(args.get("runs") ?? 7);
const N = Number(args.get("messages") ?? 200_000);
const PAYLOAD = Number(args.get("payload") ?? 1024);

const encoders: Record<string, (e: Envelope) => Buffer> = {
  "JSON.stringify (0.5.0)": (e) => Buffer.from(JSON.stringify(e)),
  "encodeEnvelope (0.5.1)": encodeEnvelope,
};

function round(envelopes: readonly Envelope[], encode: (e: Envelope) => Buffer): number {
  let bytes = 0;
  const started = process.hrtime.bigint();
  for (const e of envelopes) bytes += encode(e).length;
  const ns = Number(process.hrtime.bigint() - started) / envelopes.length;
  if (bytes === 0) throw new Error("nothing encoded");
  return ns;
}

function main(): void {
  const load = os.loadavg();
  log(`envelope-encode: ${RUNS} rounds after a warm-up; ${N} envelopes with ${PAYLOAD}-byte payloads; Node ${process.version}`);
  const envelopes = Array.from({ length: N }, (_, i) => createEnvelope(i, `kafka-producer@${os.hostname()}:${process.pid}`, PAYLOAD));
  const names = Object.keys(encoders);
  const samples: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let i = 0; i <= RUNS; i++) {
    for (const name of i % 2 === 0 ? names : [...names].reverse()) {
      const ns = round(envelopes, encoders[name]!);
      if (i > 0) samples[name]!.push(ns);
    }
  }
  const s = Object.fromEntries(names.map((n) => [n, summarize(samples[n]!)]));
  out(
    `\n### Encoding one envelope (${PAYLOAD}-byte payload; ns, median (min–max) of ${RUNS} rounds of ${N} after a warm-up; Node ${process.version})\n`,
  );
  out(
    table(
      ["encoder", "ns per envelope", "× JSON.stringify"],
      names.map((n) => [n, fmt(s[n]!, 0), `${ratio(s[n]!.median, s[names[0]!]!.median).toFixed(2)}×`]),
    ),
  );
  const file = writeResult("envelope-encode", {
    runs: RUNS,
    messages: N,
    payloadBytes: PAYLOAD,
    node: process.version,
    samples,
    summary: s,
  });
  writeReport("envelope-encode", runHeader(file, load));
}

main();
