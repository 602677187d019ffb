import { TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { report } from "../errors/problems";
import { DockerProvider } from "../private/bindings";
import { checkKnownKeys, checkString, isToken } from "../private/validation";

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
   * Docker engine address (`unix://`, `tcp://` or `ssh://`).
   * @default - `$DOCKER_HOST` at synth time, else `unix:///var/run/docker.sock`
   */
  readonly host?: string;
}

/**
 * The Docker engine a stack deploys to: declares the docker provider (once
 * a stack) and pins its version.
 */
export class DockerHost extends Construct {
  /** The `docker` provider. */
  public readonly provider: DockerProvider;
  /** The engine address the provider uses. */
  public readonly host: string;

  constructor(scope: Construct, id: string, props: DockerHostProps = {}) {
    super(scope, id);
    checkKnownKeys(this, "DockerHostProps", props, { host: true } satisfies Record<keyof DockerHostProps, true>);
    const hostOk = checkString(this, "host", props.host);
    this.host = hostOk ? (props.host ?? (process.env.DOCKER_HOST || DEFAULT_DOCKER_HOST)) : DEFAULT_DOCKER_HOST;
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
    this.provider = new DockerProvider(this, "docker", { host: this.host });
    this.node.defaultChild = this.provider;
    TerraformStack.of(this).addOverride("terraform.required_providers.docker.version", DOCKER_PROVIDER_VERSION);
  }
}
