/**
 * A broker's set-up job: the one-shot container `<broker>-setup` a kind
 * declares (BrokerBase.addSetupJob) to make the broker match the stack
 * after its nodes are up (the apps' users and permissions, a kind's
 * topics), and the users it creates, each password passed in its own
 * environment variable.
 */
import type { ITerraformDependable } from "../private/framework";
import type { Construct } from "constructs";
import type { BoundImage } from "../images/container-image";
import type { INetwork } from "../networking/network";
import type { Container } from "../private/bindings";
import type { Late } from "../private/container-spec";
import { declareOneShotJob } from "../private/one-shot-job";

/** What a kind says of its set-up job; the base names it, orders it after the nodes and writes its failure message. */
export interface BrokerSetupJobSpec {
  /**
   * What the job does, for the deploy error when it fails: `<task> failed:
   * see docker logs <broker>-setup.`, e.g. `Setting up the app users and feature flags of RabbitMQ broker orders`.
   */
  readonly task: string;
  /** The `cdktf-docker-messaging.component` label, e.g. `rabbitmq-setup`. */
  readonly component: string;
  /** The image the job runs. */
  readonly image: BoundImage;
  /** The networks the job joins (it reaches the nodes there). */
  readonly networks: {
    /** The network. */
    network: INetwork;
  }[];
  /** Environment variables, or a function that returns them at synth (grants made later count). */
  readonly env: Late<Record<string, string>>;
  /**
   * Overrides the image's entrypoint.
   * @default - the image's
   */
  readonly entrypoint?: string[];
  /** The job's command, or a function that returns it at synth. */
  readonly command: Late<string[]>;
  /** Memory limit in MiB. */
  readonly memoryMb: number;
}

/** A user a set-up job creates: its name, and its password in the job's environment variable `passwordEnv`. */
export interface SetupJobUser {
  /** The user's name (a wired app's user is the app's name). */
  readonly user: string;
  /** The job's environment variable that holds the password, e.g. `APP_PASSWORD_1`. */
  readonly passwordEnv: string;
  /** The password, a Terraform string (a derived password is a Token). */
  readonly password: string;
}

/**
 * Declares the set-up job `<brokerName>-setup` (construct id `setup`),
 * created once `nodes` are (so once they are healthy) and failing the
 * deploy with `<task> failed: ...` when it exits non-zero.
 */
export function declareSetupJob(broker: Construct, brokerName: string, nodes: ITerraformDependable[], spec: BrokerSetupJobSpec): Container {
  const { task, ...job } = spec;
  return declareOneShotJob(broker, "setup", {
    ...job,
    name: `${brokerName}-setup`,
    dependsOn: nodes,
    failureMessage: `${task} failed: see \`docker logs ${brokerName}-setup\`.`,
  });
}

/**
 * The wired apps' users as a set-up job creates them: by name in code-unit
 * order (Array.prototype.sort), app i's password in `APP_PASSWORD_<i>`.
 */
export function numberedAppUsers(apps: Iterable<string>, passwordOf: (user: string) => string): SetupJobUser[] {
  return [...apps].sort().map((user, i) => ({ user, passwordEnv: `APP_PASSWORD_${i + 1}`, password: passwordOf(user) }));
}
