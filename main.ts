// First: lighter module loading for the whole synth (see the file).
import "./constructs/private/synth-entry";
import { App, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { runSynth } from "./constructs";
import { buildSingleHostStack, SINGLE_HOST_STACK_NAME, type SingleHostOptions } from "./examples/single-host/main";

/** Options of the default stack: those of the single-host example. */
export type DefaultStackOptions = SingleHostOptions;

/** Name of the default stack (its folder under cdktf.out/stacks/). */
export const DEFAULT_STACK_NAME = SINGLE_HOST_STACK_NAME;

/**
 * The default stack is the single-host example (examples/single-host): one
 * network; RabbitMQ with a queue and its dead-letter queue; Kafka with a
 * topic; a producer and a consumer for each broker, built from `apps/`; a
 * Prometheus scraping them all (UI on 127.0.0.1:9090); all on the local
 * Docker engine ($DOCKER_HOST or unix:///var/run/docker.sock).
 */
export function buildDefaultStack(scope: Construct, options: DefaultStackOptions = {}): TerraformStack {
  return buildSingleHostStack(scope, DEFAULT_STACK_NAME, options);
}

if (require.main === module) {
  // Every problem of the stack as one short block naming this file and line
  // (CDKTF_DOCKER_MESSAGING_DEBUG=1 adds stack traces), exit status 1.
  runSynth(() => {
    // No stack trace per construct: with esbuild-register's source maps each one costs
    // a source-map lookup, a large share of synth time; our errors name the user's line.
    const app = new App({ stackTraces: false });
    buildDefaultStack(app);
    app.synth();
  });
}
