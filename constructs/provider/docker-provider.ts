import { TerraformStack } from "../private/framework";
import { Construct } from "constructs";
import { report } from "../errors/problems";
import { Container, DockerNetwork, DockerProvider } from "../private/bindings";
import { registerDeployTarget, resolveSwarm, type IDeployTarget, type ResolvedSwarm, type SwarmOptions } from "./swarm-target";
import { checkKnownKeys, checkString, constructId, isToken, optionsObject } from "../private/validation";

/** The Docker engine the stack deploys to when nothing else is said. */
export const DEFAULT_DOCKER_HOST = "unix:///var/run/docker.sock";

/**
 * The `kreuzwerker/docker` provider version the stack requires.
 *
 * The prebuilt bindings (@cdktf/provider-docker 12.0.3) pin "3.6.2", but the
 * provider is built from source here and the filesystem mirror holds only
 * 4.6.0: the Go module proxy refuses the v3.6.2 commit with
 * `403 This module version is not available`. 4.x keeps every attribute
 * these constructs emit (its v3->v4 guide removes only
 * `docker_network.check_duplicate`, never emitted here).
 */
export const DOCKER_PROVIDER_VERSION = "4.6.0";

/** Props of a {@link DockerHost}. */
export interface DockerHostProps {
  /**
   * Docker engine address (`unix://`, `tcp://` or `ssh://`); with `swarm`,
   * a manager of the Swarm.
   * @default - `$DOCKER_HOST` at synth time, else `unix:///var/run/docker.sock`
   */
  readonly host?: string;
  /**
   * Deploy to the Docker Swarm that `host` manages instead of to one engine:
   * the same brokers, apps and topology become services across the Swarm's
   * nodes. Declare the DockerHost before the stack's networks, brokers and apps.
   * @default - one engine: containers on `host`
   */
  readonly swarm?: SwarmOptions;
}

/**
 * The Docker engine a stack deploys to: declares the docker provider (once
 * a stack) and pins its version.
 */
export class DockerHost extends Construct implements IDeployTarget {
  /** The `docker` provider. */
  public readonly provider: DockerProvider;
  /** The engine address the provider uses. */
  public readonly host: string;
  /** The Swarm the stack deploys to (checked), or undefined for one engine. */
  public readonly swarm?: ResolvedSwarm;
  /** `host` was given and is not the engine `$DOCKER_HOST` named at synth. */
  public readonly hostIsNotDockerHostEnv: boolean;

  constructor(scope: Construct, id: string, props: DockerHostProps = {}) {
    super(scope, constructId(scope, id, "DockerHost"));
    props = optionsObject(this, "DockerHostProps", props);
    checkKnownKeys(this, "DockerHostProps", props, { host: true, swarm: true } satisfies Record<keyof DockerHostProps, true>);
    const hostOk = checkString(this, "host", props.host);
    const envHost = process.env.DOCKER_HOST || DEFAULT_DOCKER_HOST;
    this.host = hostOk ? (props.host ?? envHost) : DEFAULT_DOCKER_HOST;
    this.hostIsNotDockerHostEnv = hostOk && props.host !== undefined && props.host !== envHost;
    if (hostOk && !isToken(this.host) && !/^(unix|tcp|ssh|npipe):\/\/./.test(this.host)) {
      report(
        this,
        "host is not a Docker engine address",
        this.host,
        'use "unix:///var/run/docker.sock", "tcp://host:2376" or "ssh://user@host"',
      );
    }
    const other = TerraformStack.of(this)
      .node.findAll()
      .find((c) => c instanceof DockerHost && c !== this);
    if (other) report(this, `the stack already has a DockerHost (${other.node.path})`, id, "declare one DockerHost a stack");
    if (props.swarm !== undefined) {
      this.swarm = resolveSwarm(this, props.swarm);
      // The target decides what each workload becomes (container or service): it must be known when they are declared.
      const early = TerraformStack.of(this)
        .node.findAll()
        .filter((c) => c instanceof Container || c instanceof DockerNetwork);
      if (early.length > 0) {
        report(
          this,
          "the DockerHost with swarm is declared after networks or containers it decides the form of",
          early.map((c) => c.node.path).slice(0, 5),
          "declare the DockerHost first in the stack",
        );
      }
    }
    registerDeployTarget(this);
    this.provider = new DockerProvider(this, "docker", {
      host: this.host,
      // The provider pushes built images through the manager's engine and reads
      // their digest from the registry itself: without an entry for the
      // registry it refuses ("no auth config found"), and the entry's scheme
      // is the protocol it reads with.
      ...(this.swarm?.registryUrl !== undefined ? { registryAuth: [{ address: this.swarm.registryUrl, authDisabled: true }] } : {}),
    });
    this.node.defaultChild = this.provider;
    TerraformStack.of(this).addOverride("terraform.required_providers.docker.version", DOCKER_PROVIDER_VERSION);
  }
}
