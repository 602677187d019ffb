import { dependable, Lazy, type ITerraformDependable } from "./framework";
import type { Construct } from "constructs";
import type { HealthCheck } from "../apps/health-check";
import type { BoundImage } from "../images/container-image";
import type { INetwork } from "../networking/network";
import { Container, type ContainerNetworksAdvanced, type ContainerPorts, type ContainerUpload, type ContainerVolumes } from "./bindings";
import {
  defaultHardening,
  hardeningHash,
  HardeningProfiles,
  renderHardening,
  tmpfsConflicts,
  type ResolvedHardening,
} from "../security/container-hardening";
import { ensureUniqueHostPorts } from "../aspects/unique-host-ports";
import type { Finding } from "../errors/finding";
import { deferCheck } from "../errors/problems";
import { Labels, labelList } from "./labels";
import { escapeTemplate } from "./terraform-text";
import { claimName } from "./validation";

/** A value known now, or produced at synth (so later calls still count). */
export type Late<T> = T | (() => T);
/** The value of a Late: called when it is a function. */
export const produce = <T>(value: Late<T>): T => (typeof value === "function" ? (value as () => T)() : value);

/** A port published on the host; `hostIp` defaults to loopback. */
export interface PublishedPort {
  /** The port inside the container. */
  readonly containerPort: number;
  /** The port on the Docker host. */
  readonly hostPort: number;
  /**
   * The host address the port is bound to.
   * @default "127.0.0.1"
   */
  readonly hostIp?: string;
}

/** Everything the constructs set on a docker_container, in one shape. */
/**
 * A file put into the workload at `file`: uploaded into a container, or a
 * `docker_config` / `docker_secret` mounted in a service's tasks (a secret
 * when Terraform computes the content). `content` is a Terraform template
 * string (tokens interpolate).
 */
export interface FileUpload {
  readonly file: string;
  readonly content: string;
  /**
   * Owner and mode of a service's file (a private key only its process may read).
   * @default - root, 0444
   */
  readonly owner?: { readonly uid: number; readonly gid: number; readonly mode: number };
}

export interface ContainerSpec {
  readonly name: string;
  readonly image: BoundImage;
  readonly component: string;
  readonly hostname?: string;
  readonly networks: Late<{ network: INetwork; aliases?: string[] }[]>;
  readonly env?: Late<Record<string, string>>;
  readonly ports?: PublishedPort[];
  /** Named volumes; `readOnly` mounts one read-only (a CA certificate for apps). */
  readonly volumes?: Late<{ volumeName: string; containerPath: string; readOnly?: boolean }[]>;
  readonly uploads?: Late<FileUpload[]>;
  readonly healthCheck?: HealthCheck;
  /** Poll until healthy on create (needs a healthCheck). */
  readonly waitTimeoutSeconds?: number;
  readonly memoryMb: number;
  readonly restart: string;
  readonly destroyGraceSeconds: number;
  readonly labels?: Record<string, string>;
  readonly entrypoint?: string[];
  readonly command?: Late<string[]>;
  readonly mustRun?: boolean;
  /** Wait for the container to exit on create (one-shot jobs). */
  readonly attach?: boolean;
  readonly dependsOn?: Late<ITerraformDependable[]>;
  /**
   * The container's hardening, checked (resolveHardening).
   * @default - the strictest profile, that of apps and one-shot jobs: read-only root, a 64 MiB /tmp tmpfs, every capability dropped
   */
  readonly hardening?: ResolvedHardening;
}

/**
 * Declares a docker_container the way every construct here does: image by
 * ID, no `cpus` (it crashes provider 3.6.x), a destroy grace period, ports on
 * loopback unless told otherwise, a label carrying the healthcheck's hash,
 * and hardening (no-new-privileges, capabilities dropped, log rotation, a
 * read-only root unless the spec says otherwise) with a label carrying its hash.
 * Its name is claimed in the stack (Docker refuses a second container of the
 * same name halfway through an apply). Values given as functions are
 * produced at synth: what the constructs add later is still rendered, and
 * nothing is written back into the resource, so escape-hatch edits stay.
 */
export function declareContainer(scope: Construct, id: string, spec: ContainerSpec): Container {
  claimName(
    scope,
    "container",
    spec.name,
    "give each broker and app its own name (an app's replicas are named <name>-1..N)",
    `${scope.node.path}/${id}`,
  );
  const labels: Record<string, string> = { ...(spec.labels ?? {}), [Labels.component]: spec.component };
  if (spec.healthCheck) labels[Labels.healthcheck] = spec.healthCheck.hash();
  const hardening = spec.hardening ?? defaultHardening(HardeningProfiles.job);
  labels[Labels.hardening] = hardeningHash(hardening);
  if (hardening.reason !== undefined) labels[Labels.hardeningException] = hardening.reason;
  // Once the mounts are known (a wiring adds volumes until synth).
  deferCheck(scope, () =>
    tmpfsConflicts(
      hardening,
      (spec.volumes === undefined ? [] : produce(spec.volumes)).map((v) => v.containerPath),
      spec.image.imageFolders ?? [],
    ),
  );
  if (spec.ports?.length) {
    deferCheck(scope, () => unreachablePortFindings(spec.name, spec.ports!, produce(spec.networks)));
    // Two containers on one host port: Docker would fail the second halfway through the apply. Checked at synth even without addMessagingAspects.
    ensureUniqueHostPorts(scope);
  }
  const late = <T>(value: Late<T> | undefined): boolean => typeof value === "function";
  const container = new Container(scope, id, {
    name: spec.name,
    image: spec.image.imageId,
    ...(spec.hostname ? { hostname: spec.hostname } : {}),
    ...(spec.entrypoint ? { entrypoint: spec.entrypoint } : {}),
    ...(late(spec.command)
      ? { command: Lazy.listValue({ produce: () => produce(spec.command!) }) }
      : spec.command
        ? { command: spec.command as string[] }
        : {}),
    env: late(spec.env)
      ? Lazy.listValue({ produce: () => renderEnv(produce(spec.env!)) })
      : renderEnv((spec.env as Record<string, string>) ?? {}),
    networksAdvanced: late(spec.networks)
      ? Lazy.anyValue({ produce: () => renderNetworks(produce(spec.networks)) })
      : renderNetworks(spec.networks as { network: INetwork; aliases?: string[] }[]),
    ...(spec.ports?.length ? { ports: renderPorts(spec.ports) } : {}),
    ...(late(spec.volumes)
      ? {
          // A Lazy value skips the bindings' camelCase -> snake_case mapping: render Terraform's names.
          volumes: Lazy.anyValue(
            {
              produce: () =>
                produce(spec.volumes!).map((v) => ({
                  volume_name: v.volumeName,
                  container_path: v.containerPath,
                  ...(v.readOnly ? { read_only: true } : {}),
                })),
            },
            { omitEmptyArray: true },
          ),
        }
      : (spec.volumes as VolumeMount[] | undefined)?.length
        ? { volumes: renderVolumes(spec.volumes as VolumeMount[]) }
        : {}),
    ...(late(spec.uploads)
      ? {
          upload: Lazy.anyValue({
            produce: () => produce(spec.uploads!).map((u): ContainerUpload => ({ file: u.file, content: u.content })),
          }),
        }
      : (spec.uploads as FileUpload[] | undefined)?.length
        ? {
            upload: (spec.uploads as FileUpload[]).map((u): ContainerUpload => ({ file: u.file, content: u.content })),
          }
        : {}),
    ...(spec.healthCheck ? { healthcheck: spec.healthCheck.render() } : {}),
    ...(spec.healthCheck && spec.waitTimeoutSeconds !== undefined ? { wait: true, waitTimeout: spec.waitTimeoutSeconds } : {}),
    memory: spec.memoryMb,
    // memory_swap = memory: no swap. Left unset, the engine (cgroup v1) gives
    // the container memory_swap = 2 x memory, the provider reads that back
    // into state, and every later plan shows `memory_swap = N -> null`
    // (measured on Docker 20.10 with provider 4.6.0).
    memorySwap: spec.memoryMb,
    restart: spec.restart,
    destroyGraceSeconds: spec.destroyGraceSeconds,
    ...(spec.mustRun === false ? { mustRun: false } : {}),
    ...(spec.attach ? { attach: true } : {}),
    ...renderHardening(hardening),
    labels: labelList(labels),
    ...(!late(spec.dependsOn) && (spec.dependsOn as ITerraformDependable[] | undefined)?.length
      ? { dependsOn: spec.dependsOn as ITerraformDependable[] }
      : {}),
  });
  if (late(spec.dependsOn)) {
    // TerraformResource.dependsOn is a list of "type.name" strings; a Lazy list renders them at synth.
    container.dependsOn = Lazy.listValue({ produce: () => produce(spec.dependsOn!).map((d) => dependable(d)) }, { omitEmpty: true });
  }
  return container;
}

type VolumeMount = { volumeName: string; containerPath: string; readOnly?: boolean };

function renderVolumes(volumes: VolumeMount[]): ContainerVolumes[] {
  return volumes.map(
    (v): ContainerVolumes => ({ volumeName: v.volumeName, containerPath: v.containerPath, ...(v.readOnly ? { readOnly: true } : {}) }),
  );
}

/** `KEY=value` pairs in name order; literal values escaped for Terraform. */
export function renderEnv(env: Record<string, string>): string[] {
  return Object.keys(env)
    .sort()
    .map((name) => `${name}=${escapeTemplate(env[name])}`);
}

/**
 * Docker publishes no port of a container whose every network is internal:
 * `docker port` shows nothing and the host port refuses connections, with
 * no error at deploy (measured on Docker 20.10).
 */
function unreachablePortFindings(name: string, ports: readonly PublishedPort[], networks: readonly { network: INetwork }[]): Finding[] {
  if (networks.length === 0 || !networks.every((n) => n.network.internal === true)) return [];
  return [
    {
      problem: `container ${name} publishes host ports, but every network it is on is internal, so Docker publishes none of them`,
      received: ports.map((p) => p.hostPort),
      fix: "put it on a network that is not internal too (internal: false), or stop publishing the ports",
    },
  ];
}

export function renderNetworks(networks: { network: INetwork; aliases?: string[] }[]): ContainerNetworksAdvanced[] {
  return networks.map((n) => ({
    name: n.network.networkName,
    ...(n.aliases && n.aliases.length > 0 ? { aliases: n.aliases } : {}),
  }));
}

export function renderPorts(ports: PublishedPort[]): ContainerPorts[] {
  return ports.map((p) => ({
    internal: p.containerPort,
    external: p.hostPort,
    ip: p.hostIp ?? "127.0.0.1",
    protocol: "tcp",
  }));
}
