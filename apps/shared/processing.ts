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
 */
export async function processMessage(envelope: Envelope, config: ConsumerConfig): Promise<void> {
  if (config.workMs > 0) await sleep(config.workMs);
  if (config.failMarker !== undefined && envelope.payload.includes(config.failMarker)) {
    throw new SimulatedFailure();
  }
}
