import { Aspects, dependable, Lazy, type ITerraformDependable } from "./framework";
import { Construct } from "constructs";
import type { ResolvedSwarm } from "../provider/swarm-target";
import { Labels, labelList } from "./labels";
import { DockerConfig, DockerSecret, Service, type ServiceTaskSpecContainerSpecMounts } from "./bindings";
import { defaultHardening, hardeningHash, HardeningProfiles, tmpfsConflicts } from "../security/container-hardening";
import { deferCheck } from "../errors/problems";
import { claimName, isToken } from "./validation";
import { escapeTemplate, sha256 } from "./terraform-text";
import { produce, type ContainerSpec, type FileUpload } from "./container-spec";
import type { INetwork } from "../networking/network";

/** Where secret environment values are mounted in a service's tasks (Docker's default secrets folder). */
export const SECRET_ENV_DIR = "/run/secrets";
/** The file a secret environment variable NAME is mounted as: `/run/secrets/cdktf-env-NAME`. */
export const secretEnvFile = (name: string): string => `${SECRET_ENV_DIR}/cdktf-env-${name}`;

/**
 * How the workload reads a secret given in its environment (a value
 * Terraform computes: a password, a derived key, a URL holding one). On a
 * Swarm such a value is never a service environment variable: it becomes a
 * `docker_secret` mounted as a file.
 * - `files`: the program reads `NAME_FILE` for NAME (the apps do, see
 *   apps/README "Secrets from files"); NAME_FILE is set to the file.
 * - `exported`: the program reads NAME from its environment (a broker
 *   server): `startCommand` is wrapped by a shell that exports each file's
 *   content under its name and then execs the command, so the value is in
 *   the process environment only, never in the service spec.
 */
export type SecretEnvMode = { readonly mode: "files" } | { readonly mode: "exported"; readonly startCommand: string[] };

/** What a service adds to a {@link ContainerSpec}. */
export interface ServiceOptions {
  /** The Swarm, checked. */
  readonly swarm: ResolvedSwarm;
  /** Tasks to run. */
  readonly replicas: number;
  /** Placement constraints (`node.labels.x==y`). */
  readonly constraints?: string[];
  /**
   * `start-first` starts the new task before stopping the old one (apps: no
   * gap); `stop-first` stops it first (a broker node: its volume and its
   * name are the node's own).
   */
  readonly updateOrder: "start-first" | "stop-first";
  /** How the workload reads secret environment values. */
  readonly secretEnv: SecretEnvMode;
  /** Seconds `apply` waits for the service's tasks to run. */
  readonly convergeTimeoutSeconds: number;
}

/**
 * Declares a `docker_service` from the same {@link ContainerSpec} that
 * declareContainer renders for one engine: the Swarm form of a workload.
 *
 * - The image, environment, networks (by id, with the same aliases),
 *   volumes (mounted on the Swarm node the placement picks), health check,
 *   memory limit, labels, hardening and stop grace period carry over.
 * - Each upload becomes a `docker_config` mounted at its path; one whose
 *   content Terraform computes (it holds a password) a `docker_secret`.
 *   Docker never changes either in place: the name carries a hash of the
 *   content and the resource is created before the old one is destroyed,
 *   so a change rotates them and the service updates in place.
 * - Environment values that Terraform computes become secrets (see SecretEnvMode).
 * - `converge_config` makes `apply` return once the tasks run; the update
 *   policy rolls one task at a time and rolls back on failure.
 * - Ports publish in host mode on the Swarm node that runs the task
 *   (ingress needs IPVS, and `dnsrr` refuses it).
 *
 * What a Swarm service cannot express, and why, is said where it is
 * dropped (no-new-privileges: kreuzwerker/docker 4.6.0's service
 * `privileges` block has only credential_spec and se_linux_context).
 */
export function declareService(scope: Construct, id: string, spec: ContainerSpec, options: ServiceOptions): Service {
  claimName(scope, "container", spec.name, "give each broker and app its own name", `${scope.node.path}/${id}`);
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
  const uploads = () => (spec.uploads === undefined ? [] : produce(spec.uploads));
  // A host-mode port is taken on the node while the old task runs: a new
  // task started first finds no node with the port free, stays Pending and
  // the update never converges (measured on the test Swarm). Stop first then.
  const updateOrder = spec.ports?.length ? "stop-first" : options.updateOrder;
  const environment = () => splitEnvironment(spec.env === undefined ? {} : produce(spec.env), options.secretEnv);
  // The configs and secrets depend on what the constructs add until synth
  // (queues in a definitions file, a wiring's URL): declared then.
  const files = new ServiceFiles(scope, `${id}-files`, spec.name, () => [
    ...uploads(),
    ...environment().secrets.map((s) => ({ file: s.file, content: s.value })),
  ]);
  const command = (): string[] | undefined => {
    const given = spec.command === undefined ? undefined : produce(spec.command);
    if (options.secretEnv.mode !== "exported" || environment().secrets.length === 0) return given;
    return exportSecretsThenExec(given ?? options.secretEnv.startCommand);
  };
  const mounts = (): ServiceTaskSpecContainerSpecMounts[] => [
    ...(spec.volumes === undefined ? [] : produce(spec.volumes)).map(
      (v): ServiceTaskSpecContainerSpecMounts => ({
        type: "volume",
        source: v.volumeName,
        target: v.containerPath,
        ...(v.readOnly ? { readOnly: true } : {}),
      }),
    ),
    ...Object.keys(hardening.tmpfsSizeMb)
      .sort()
      .map(
        (target): ServiceTaskSpecContainerSpecMounts => ({
          type: "tmpfs",
          target,
          tmpfsOptions: { sizeBytes: hardening.tmpfsSizeMb[target] * 1024 * 1024 },
        }),
      ),
  ];

  const service = new Service(scope, id, {
    name: spec.name,
    labels: labelList(labels),
    mode: { replicated: { replicas: options.replicas } },
    taskSpec: {
      containerSpec: {
        image: spec.image.serviceImage ?? spec.image.imageName,
        ...(spec.hostname ? { hostname: spec.hostname } : {}),
        // A container's ENTRYPOINT is a service's `command`, its CMD the service's `args`.
        ...(spec.entrypoint ? { command: spec.entrypoint } : {}),
        args: Lazy.listValue({ produce: () => command() ?? [] }, { omitEmpty: true }),
        env: Lazy.anyValue({ produce: () => environment().plain }) as unknown as Record<string, string>,
        labels: labelList(labels),
        mounts: Lazy.anyValue(
          { produce: () => renderMounts(mounts()) },
          { omitEmptyArray: true },
        ) as unknown as ServiceTaskSpecContainerSpecMounts[],
        configs: Lazy.anyValue({ produce: () => files.mounts().configs }, { omitEmptyArray: true }) as never,
        secrets: Lazy.anyValue({ produce: () => files.mounts().secrets }, { omitEmptyArray: true }) as never,
        ...(spec.healthCheck ? { healthcheck: serviceDurations(spec.healthCheck.render()) } : {}),
        stopGracePeriod: `${spec.destroyGraceSeconds}s`,
        ...(hardening.readOnlyRootFilesystem ? { readOnly: true } : {}),
        ...(hardening.dropAllCapabilities ? { capDrop: ["ALL"] } : {}),
        ...(hardening.addCapabilities.length > 0 ? { capAdd: [...hardening.addCapabilities] } : {}),
      },
      networksAdvanced: Lazy.anyValue({ produce: () => renderServiceNetworks(produce(spec.networks)) }) as never,
      ...(options.constraints?.length ? { placement: { constraints: options.constraints } } : {}),
      resources: { limits: { memoryBytes: spec.memoryMb * 1024 * 1024 } },
      // Written in full: the provider reads delay and window back, and an unset one drifts ("0s" -> null).
      restartPolicy: { condition: restartCondition(spec.restart), delay: "5s", window: "0s" },
      ...(hardening.logRotation
        ? {
            logDriver: {
              name: "json-file",
              options: { "max-size": `${hardening.logMaxSizeMb}m`, "max-file": String(hardening.logMaxFiles) },
            },
          }
        : {}),
    },
    updateConfig: { parallelism: 1, order: updateOrder, failureAction: "rollback" },
    rollbackConfig: { parallelism: 1, order: updateOrder },
    endpointSpec: {
      mode: options.swarm.endpointMode,
      ...(spec.ports?.length
        ? {
            ports: spec.ports.map((p) => ({
              targetPort: p.containerPort,
              publishedPort: p.hostPort,
              publishMode: "host",
              protocol: "tcp",
            })),
          }
        : {}),
    },
    convergeConfig: { delay: "2s", timeout: `${Math.floor(options.convergeTimeoutSeconds / 60)}m${options.convergeTimeoutSeconds % 60}s` },
  });
  if (spec.dependsOn !== undefined) {
    service.dependsOn = Lazy.listValue(
      { produce: () => produce(spec.dependsOn!).map((d: ITerraformDependable) => dependable(d)) },
      { omitEmpty: true },
    );
  }
  return service;
}

/**
 * A health check's durations as the provider reads a service's back: Go's
 * form without a trailing zero unit (`1m`, not the container's `1m0s`), or
 * every plan shows a change.
 */
function serviceDurations<T extends object>(healthcheck: T): T {
  const entries = Object.entries(healthcheck).map(([k, v]) => [
    k,
    typeof v === "string" ? v.replace(/(\d[hm])0s$/, "$1").replace(/(\d)h0m$/, "$1h") : v,
  ]);
  return Object.fromEntries(entries) as T;
}

/** Docker's restart policies in Swarm's words. */
function restartCondition(restart: string): string {
  return restart === "no" ? "none" : restart === "on-failure" ? "on-failure" : "any";
}

/** Terraform's names (a Lazy value skips the bindings' camelCase -> snake_case mapping). */
function renderMounts(mounts: ServiceTaskSpecContainerSpecMounts[]): Record<string, unknown>[] {
  return mounts.map((m) => ({
    type: m.type,
    target: m.target,
    ...(m.source !== undefined ? { source: m.source } : {}),
    ...(m.readOnly ? { read_only: true } : {}),
    ...(m.tmpfsOptions ? { tmpfs_options: { size_bytes: m.tmpfsOptions.sizeBytes } } : {}),
  }));
}

/** Networks by id (by name, the provider replaces the service on every plan), with the workload's aliases. */
function renderServiceNetworks(networks: { network: INetwork; aliases?: string[] }[]): Record<string, unknown>[] {
  // kreuzwerker/docker 4.x: `id` (its `name` still works, deprecated, with a warning).
  return networks.map((n) => ({
    id: n.network.networkId ?? n.network.networkName,
    ...(n.aliases && n.aliases.length > 0 ? { aliases: n.aliases } : {}),
  }));
}

/** True when `text` holds a Terraform expression (a password, a derived key): it must not be a config. */
function containsExpression(text: string): boolean {
  return isToken(text) || /(^|[^$])\$\{/.test(text);
}

/**
 * The environment split three ways: plain values (service environment),
 * secrets the program reads from `NAME_FILE` (files mode), and secrets
 * exported by the start wrapper (exported mode).
 */
function splitEnvironment(
  env: Record<string, string>,
  secretEnv: SecretEnvMode,
): { plain: Record<string, string>; secrets: { file: string; value: string }[] } {
  const plain: Record<string, string> = {};
  const secrets: { file: string; value: string }[] = [];
  for (const name of Object.keys(env).sort()) {
    const value = env[name];
    if (!containsExpression(value)) {
      plain[name] = escapeTemplate(escapeServiceTemplate(value));
      continue;
    }
    secrets.push({ file: secretEnvFile(name), value });
    if (secretEnv.mode === "files") plain[`${name}_FILE`] = secretEnvFile(name);
  }
  return { plain, secrets };
}

/**
 * A literal for a field Swarm expands as a Go template before it starts a
 * task (moby's swarmkit `template.ExpandContainerSpec`: Env, Hostname and
 * mount sources and targets, for `{{.Service.Name}}` and the like). A value
 * holding `{{` would be parsed as a template and the service refused
 * ("expanding env failed: ... undefined variable"), as Prometheus's alert
 * summaries (`{{ $labels.node }}`) were, measured: each `{{` becomes an
 * action that prints it.
 */
export function escapeServiceTemplate(value: string): string {
  return typeof value === "string" ? value.replace(/\{\{/g, '{{"{{"}}') : value;
}

/**
 * A shell that exports every secret file `/run/secrets/cdktf-env-NAME` as
 * NAME, then execs `command` (the server stays PID 1's child-free
 * successor, and receives the stop signal itself).
 */
function exportSecretsThenExec(command: string[]): string[] {
  return ["/bin/sh", "-c", escapeTemplate(`${EXPORT_SECRET_ENV}; exec "$@"`), "sh", ...command];
}

/** Shell that exports each secret environment file of the task under its name (what the start wrapper does). */
const EXPORT_SECRET_ENV = `for f in ${SECRET_ENV_DIR}/cdktf-env-*; do [ -f "$f" ] || continue; n="\${f#${SECRET_ENV_DIR}/cdktf-env-}"; export "$n=$(cat "$f")"; done`;

/**
 * The shell command `command` run with the task's secret environment
 * exported as its server has it: a `docker exec` in a task starts from the
 * service's plain environment, and on a Swarm the secrets are files (exported mode).
 */
export function withSecretEnvExported(command: string): string {
  return `${EXPORT_SECRET_ENV}; ${command}`;
}

/**
 * The `docker_config`s and `docker_secret`s of one service, one per file,
 * declared when the service is rendered. Each name is
 * `<service>-<hash of path>-<hash of content>`: a content change is a new
 * object, created before the old one is destroyed (Docker refuses to
 * change one, or to remove one a service uses).
 */
class ServiceFiles extends Construct {
  private materialized?: { configs: Record<string, unknown>[]; secrets: Record<string, unknown>[] };

  constructor(
    scope: Construct,
    id: string,
    private readonly serviceName: string,
    private readonly files: () => FileUpload[],
  ) {
    super(scope, id);
    // Aspects run once the whole app is declared and before any resource is
    // rendered: the files are final then, and resources added here are synthesized.
    Aspects.of(this).add({ visit: (node) => node === this && this.mounts() });
  }

  /** The service's `configs` and `secrets` blocks (declaring the resources the first time). */
  public mounts(): { configs: Record<string, unknown>[]; secrets: Record<string, unknown>[] } {
    if (this.materialized) return this.materialized;
    const configs: Record<string, unknown>[] = [];
    const secrets: Record<string, unknown>[] = [];
    for (const { file, content, owner } of this.files()) {
      const secret = containsExpression(content);
      // The content is a Terraform template string (what a container's
      // `upload` takes): Terraform encodes it, and hashes a secret's, whose
      // value only Terraform knows. cdktf's Fn refuses a string with quotes
      // around tokens, so the expression is written as HCL here.
      const literal = hclStringLiteral(content);
      const hash = secret ? `\${substr(sha256(${literal}), 0, 12)}` : sha256(content, 12);
      const name = `${this.serviceName}-${sha256(file, 6)}-${hash}`;
      const id = `${secret ? "secret" : "config"}-${sha256(file, 8)}`;
      const data = `\${base64encode(${literal})}`;
      const resource = secret ? new DockerSecret(this, id, { name, data }) : new DockerConfig(this, id, { name, data });
      resource.lifecycle = { createBeforeDestroy: true };
      // 0444 (292) and root, unless the file says whose it is.
      const mode = owner ? { file_uid: String(owner.uid), file_gid: String(owner.gid), file_mode: owner.mode } : { file_mode: 292 };
      if (secret) secrets.push({ secret_id: resource.id, secret_name: resource.name, file_name: file, ...mode });
      else configs.push({ config_id: resource.id, config_name: resource.name, file_name: file, ...mode });
    }
    this.materialized = { configs, secrets };
    return this.materialized;
  }
}

/**
 * `text` (a Terraform template string: `$${` for a literal `${`, tokens for
 * expressions) as an HCL quoted string, to stand inside an interpolation.
 * Its own escapes and interpolations keep their meaning there: HCL parses a
 * quoted string inside an expression as a template too.
 */
function hclStringLiteral(text: string): string {
  const escaped = text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n").replace(/\r/g, "\\r").replace(/\t/g, "\\t");
  // Inside the surrounding `${...}` cdktf renders a token as a bare
  // expression (`var.x`, `sha256(...)`), no longer as `${...}`: each one is
  // wrapped again, to stay an interpolation of the quoted string.
  return `"${escaped.replace(/\$\{TfToken\[[^\]]+\]\}/g, (token) => `\${${token}}`)}"`;
}
