/**
 * The perf tools' best settings as bench/perf-tool-sweep.ts found them
 * (bench/results/perf-tool-sweep.json), for bench/throughput.ts to run each
 * tool at its best next to its defaults.
 */
import { existsSync, readFileSync } from "fs";
import { join } from "path";
import type { ToolProperties } from "./kafka-runs";
import type { PerfTestOptions } from "./rabbitmq-runs";
import { RESULTS_DIR } from "./stats";

export const PERF_TOOL_SWEEP_FILE = join(RESULTS_DIR, "perf-tool-sweep.json");

/** What the sweep's JSON holds per tool under `best`. */
export interface PerfTestBest {
  /** PerfTest's knob arguments (perfTestKnobArgs). */
  readonly args: string[];
  readonly options: Required<PerfTestOptions>;
}
export interface KafkaToolBest {
  /** Client properties (`--command-property`; max.partition.fetch.bytes as `--fetch-size`). */
  readonly properties: ToolProperties;
}

export interface PerfToolBest {
  readonly file: string;
  readonly finishedAt: string;
  readonly perfTest?: PerfTestBest;
  readonly kafkaProducer?: KafkaToolBest;
  readonly kafkaConsumer?: KafkaToolBest;
}

/** The sweep's best settings, or undefined when it has not been run (no result file). */
export function readPerfToolBest(file = PERF_TOOL_SWEEP_FILE): PerfToolBest | undefined {
  if (!existsSync(file)) return undefined;
  const doc = JSON.parse(readFileSync(file, "utf8")) as {
    finishedAt: string;
    tools: { perfTest?: { best: PerfTestBest }; kafkaProducer?: { best: KafkaToolBest }; kafkaConsumer?: { best: KafkaToolBest } };
  };
  return {
    file,
    finishedAt: doc.finishedAt,
    perfTest: doc.tools.perfTest?.best,
    kafkaProducer: doc.tools.kafkaProducer?.best,
    kafkaConsumer: doc.tools.kafkaConsumer?.best,
  };
}
