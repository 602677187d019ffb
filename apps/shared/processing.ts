import { ConsumerConfig } from "./app-config";
import { AppOnlyEnv } from "./app-only-env";
import { Envelope } from "./envelope";
import { sleep } from "./shutdown";

export class SimulatedFailure extends Error {
  constructor() {
    super(`simulated processing failure (payload contains ${AppOnlyEnv.CONSUMER_FAIL_MARKER})`);
    this.name = "SimulatedFailure";
  }
}

/**
 * The consumers' "business logic": nothing but the test hooks, since these
 * apps exist to exercise brokers. A real consumer would replace this function.
 *
 * Synchronous unless there is work to wait for: returns a promise only with
 * CONSUMER_WORK_MS, and otherwise returns (or throws SimulatedFailure) at
 * once, so that a consumer at tens of thousands of messages a second does not
 * pay for a promise and a turn of the microtask queue per message
 * (bench/throughput.ts profiles, issue 12). `await processMessage(...)` works
 * either way.
 */
export function processMessage(envelope: Envelope, config: ConsumerConfig): Promise<void> | undefined {
  if (config.workMs > 0) return sleep(config.workMs).then(() => checkFailMarker(envelope, config));
  checkFailMarker(envelope, config);
  return undefined;
}

function checkFailMarker(envelope: Envelope, config: ConsumerConfig): void {
  if (config.failMarker !== undefined && envelope.payload.includes(config.failMarker)) {
    throw new SimulatedFailure();
  }
}
