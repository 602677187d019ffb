import type { Construct } from "constructs";
import type { Container } from "./bindings";
import { declareContainer, type ContainerSpec } from "./container-spec";

/** What a one-shot job sets itself: the rest of a container's spec. */
export type OneShotJobSpec = Omit<ContainerSpec, "restart" | "destroyGraceSeconds" | "mustRun" | "attach"> & {
  /** The deploy error when the job exits non-zero (name where its logs are). */
  readonly failureMessage: string;
  /** More conditions on the finished job, each with its error message. */
  readonly postconditions?: { condition: string; error_message: string }[];
};

/**
 * A container that runs once to completion during deploy (the set-up and
 * certificates jobs): must_run = false keeps the exited container without an
 * error, attach = true makes create wait for the exit (so whatever depends on
 * it starts once its work is done), and a lifecycle postcondition turns a
 * non-zero exit code into a deploy error instead of a silent failure.
 */
export function declareOneShotJob(scope: Construct, id: string, spec: OneShotJobSpec): Container {
  const { failureMessage, postconditions, ...container } = spec;
  const job = declareContainer(scope, id, { ...container, restart: "no", destroyGraceSeconds: 0, mustRun: false, attach: true });
  job.addOverride("lifecycle.postcondition", [
    { condition: "${self.exit_code == 0}", error_message: failureMessage },
    ...(postconditions ?? []),
  ]);
  return job;
}
