import type { IConstruct } from "constructs";
import type { Finding } from "../errors/finding";
import { report } from "../errors/problems";
import type { ContainerCapabilities } from "../private/bindings";
import { sha256 } from "../private/terraform-text";
import { checkBoolean, checkInteger, checkKnownKeys, isToken } from "../private/validation";

/**
 * How a container is locked down. Every field has a hardened default;
 * weakening one (no no-new-privileges, keeping Docker's default
 * capabilities, adding a capability, a writable root filesystem for an app,
 * no log rotation) needs a `reason`, which is put on the container as the
 * label `cdktf-docker-messaging.hardening-exception` so that it shows in
 * `docker inspect` and in review.
 */
export interface ContainerHardening {
  /**
   * Why a default is weakened. Required as soon as one is; it becomes the
   * label `cdktf-docker-messaging.hardening-exception`.
   * @default - none (nothing weakened)
   */
  readonly reason?: string;
  /**
   * `no-new-privileges`: no process of the container gains privileges through
   * a setuid binary or file capabilities. Weakening: `false`.
   * @default true
   */
  readonly noNewPrivileges?: boolean;
  /**
   * Drop every Linux capability, then add back `addCapabilities`. Weakening:
   * `false` keeps Docker's default set (14 capabilities, CHOWN to SETUID).
   * @default true
   */
  readonly dropAllCapabilities?: boolean;
  /**
   * Capabilities added back, by Linux name with or without `CAP_`
   * (`"NET_BIND_SERVICE"`). Replaces the default list; one outside the
   * default list is a weakening.
   * @default - none for apps; the broker kind's list for brokers (RabbitMQ:
   * what the official image's root entrypoint needs, see RABBITMQ_ENTRYPOINT_CAPABILITIES)
   */
  readonly addCapabilities?: string[];
  /**
   * Mount the root filesystem read-only (what the container writes goes to
   * `tmpfsSizeMb`). Weakening for apps: `false`. Brokers keep a writable
   * root (their start scripts write their configuration there); `true` is
   * refused for them.
   * @default true for apps and one-shot jobs; false for brokers
   */
  readonly readOnlyRootFilesystem?: boolean;
  /**
   * In-memory folders (tmpfs, `rw,noexec,nosuid,nodev`), each absolute path
   * to its size in MiB (the memory counts against the container's limit).
   * Replaces the default map.
   * @default { "/tmp": 64 } for apps and one-shot jobs (the apps' health file lives in /tmp); none for brokers
   */
  readonly tmpfsSizeMb?: Record<string, number>;
  /**
   * Rotate the container's log (`json-file` driver with `max-size` and
   * `max-file`). Weakening: `false` (the engine's default logging, which
   * for json-file grows without bound).
   * @default true
   */
  readonly logRotation?: boolean;
  /**
   * Size of one log file in MiB before it is rotated (1-1024).
   * @default 10
   */
  readonly logMaxSizeMb?: number;
  /**
   * Log files kept, the current one included (1-100).
   * @default 3
   */
  readonly logMaxFiles?: number;
}

const HARDENING_PROPS: Record<keyof ContainerHardening, true> = {
  reason: true,
  noNewPrivileges: true,
  dropAllCapabilities: true,
  addCapabilities: true,
  readOnlyRootFilesystem: true,
  tmpfsSizeMb: true,
  logRotation: true,
  logMaxSizeMb: true,
  logMaxFiles: true,
};

/**
 * The Linux capabilities (linux/capability.h, 0 CAP_CHOWN .. 40
 * CAP_CHECKPOINT_RESTORE), without the `CAP_` prefix.
 */
export const LINUX_CAPABILITIES: readonly string[] = [
  "CHOWN",
  "DAC_OVERRIDE",
  "DAC_READ_SEARCH",
  "FOWNER",
  "FSETID",
  "KILL",
  "SETGID",
  "SETUID",
  "SETPCAP",
  "LINUX_IMMUTABLE",
  "NET_BIND_SERVICE",
  "NET_BROADCAST",
  "NET_ADMIN",
  "NET_RAW",
  "IPC_LOCK",
  "IPC_OWNER",
  "SYS_MODULE",
  "SYS_RAWIO",
  "SYS_CHROOT",
  "SYS_PTRACE",
  "SYS_PACCT",
  "SYS_ADMIN",
  "SYS_BOOT",
  "SYS_NICE",
  "SYS_RESOURCE",
  "SYS_TIME",
  "SYS_TTY_CONFIG",
  "MKNOD",
  "LEASE",
  "AUDIT_WRITE",
  "AUDIT_CONTROL",
  "SETFCAP",
  "MAC_OVERRIDE",
  "MAC_ADMIN",
  "SYSLOG",
  "WAKE_ALARM",
  "BLOCK_SUSPEND",
  "AUDIT_READ",
  "PERFMON",
  "BPF",
  "CHECKPOINT_RESTORE",
];

/**
 * What the official `rabbitmq` image's entrypoint needs when the container
 * starts as root (that image has no USER): docker-entrypoint.sh runs
 * `find /var/lib/rabbitmq \! -user rabbitmq -exec chown rabbitmq '{}' +`
 * (CHOWN; DAC_OVERRIDE to walk the 0750 folders owned by uid 999; FOWNER
 * for files it does not own), then `exec gosu rabbitmq ...` (SETGID,
 * SETUID). The switch to uid 999 clears the permitted and effective sets, so
 * the broker itself runs with no capability either way (measured here with
 * the same chown-then-drop sequence under `setpriv`: CapEff 0 after the
 * switch; without these five the `find` fails with "Permission denied").
 * An image that starts as a non-root user (USER rabbitmq) needs none.
 */
export const RABBITMQ_ENTRYPOINT_CAPABILITIES: readonly string[] = ["CHOWN", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID"];

/** The defaults of a kind of container, before the user's options. */
export interface HardeningProfile {
  /** For messages: `app`, `broker`, `one-shot job`. */
  readonly role: string;
  readonly addCapabilities: readonly string[];
  readonly readOnlyRootFilesystem: boolean;
  /** Whether the role may run read-only at all. */
  readonly readOnlyAllowed: boolean;
  readonly tmpfsSizeMb: Readonly<Record<string, number>>;
}

export const DEFAULT_LOG_MAX_SIZE_MB = 10;
export const DEFAULT_LOG_MAX_FILES = 3;
/** Apps' and one-shot jobs' /tmp: the apps' health file, the JVM tools' perf data. */
export const DEFAULT_TMPFS_SIZE_MB = 64;

export const HardeningProfiles = {
  /** Producer and consumer apps. */
  app: {
    role: "app",
    addCapabilities: [],
    readOnlyRootFilesystem: true,
    readOnlyAllowed: true,
    tmpfsSizeMb: { "/tmp": DEFAULT_TMPFS_SIZE_MB },
  } as HardeningProfile,
  /** One-shot jobs (the Kafka topics job): the Kafka CLI's JVM writes only /tmp (hsperfdata). */
  job: {
    role: "one-shot job",
    addCapabilities: [],
    readOnlyRootFilesystem: true,
    readOnlyAllowed: true,
    tmpfsSizeMb: { "/tmp": DEFAULT_TMPFS_SIZE_MB },
  } as HardeningProfile,
  /** A broker node: writable root, the kind's capabilities added back. */
  broker(addCapabilities: readonly string[] = []): HardeningProfile {
    return { role: "broker", addCapabilities, readOnlyRootFilesystem: false, readOnlyAllowed: false, tmpfsSizeMb: {} };
  },
} as const;

/** The settings a container gets, checked and complete. */
export interface ResolvedHardening {
  readonly noNewPrivileges: boolean;
  readonly dropAllCapabilities: boolean;
  /** `CAP_`-prefixed, sorted: the form the engine reports back (so plans stay clean). */
  readonly addCapabilities: readonly string[];
  readonly readOnlyRootFilesystem: boolean;
  readonly tmpfsSizeMb: Readonly<Record<string, number>>;
  readonly logRotation: boolean;
  readonly logMaxSizeMb: number;
  readonly logMaxFiles: number;
  /** Set when a default is weakened. */
  readonly reason?: string;
}

/** The profile's settings, nothing weakened. */
export function defaultHardening(profile: HardeningProfile): ResolvedHardening {
  return {
    noNewPrivileges: true,
    dropAllCapabilities: true,
    addCapabilities: profile.addCapabilities.map(capName).sort(),
    readOnlyRootFilesystem: profile.readOnlyRootFilesystem,
    tmpfsSizeMb: { ...profile.tmpfsSizeMb },
    logRotation: true,
    logMaxSizeMb: DEFAULT_LOG_MAX_SIZE_MB,
    logMaxFiles: DEFAULT_LOG_MAX_FILES,
  };
}

/**
 * Checks a `hardening` prop against the profile and returns what the
 * container gets. Each problem is reported on `scope` (path, value, fix);
 * an invalid field falls back to its hardened default.
 */
export function resolveHardening(scope: IConstruct, given: ContainerHardening | undefined, profile: HardeningProfile): ResolvedHardening {
  const defaults = defaultHardening(profile);
  if (given === undefined) return defaults;
  if (!checkKnownKeys(scope, "hardening", given, HARDENING_PROPS)) {
    if (given === null || typeof given !== "object" || Array.isArray(given)) return defaults;
  }
  const bool = (field: keyof ContainerHardening, fallback: boolean): boolean =>
    checkBoolean(scope, `hardening.${field}`, given[field]) && typeof given[field] === "boolean" ? (given[field] as boolean) : fallback;

  const noNewPrivileges = bool("noNewPrivileges", true);
  const dropAllCapabilities = bool("dropAllCapabilities", true);
  const addCapabilities =
    given.addCapabilities === undefined
      ? defaults.addCapabilities
      : checkCapabilities(scope, given.addCapabilities, defaults.addCapabilities);
  let readOnlyRootFilesystem = bool("readOnlyRootFilesystem", profile.readOnlyRootFilesystem);
  if (readOnlyRootFilesystem && !profile.readOnlyAllowed) {
    report(
      scope,
      `hardening.readOnlyRootFilesystem: a ${profile.role} keeps a writable root filesystem (its configuration is written there at create and start)`,
      given.readOnlyRootFilesystem,
      "leave readOnlyRootFilesystem unset (false) for a broker",
    );
    readOnlyRootFilesystem = false;
  }
  const tmpfsSizeMb = given.tmpfsSizeMb === undefined ? defaults.tmpfsSizeMb : checkTmpfs(scope, given.tmpfsSizeMb, defaults.tmpfsSizeMb);
  const logRotation = bool("logRotation", true);
  const logMaxSizeMb = checkInteger(scope, "hardening.logMaxSizeMb", given.logMaxSizeMb, 1, "use 1 to 1024 MiB a log file", 1024)
    ? (given.logMaxSizeMb ?? DEFAULT_LOG_MAX_SIZE_MB)
    : DEFAULT_LOG_MAX_SIZE_MB;
  const logMaxFiles = checkInteger(scope, "hardening.logMaxFiles", given.logMaxFiles, 1, "keep 1 to 100 log files", 100)
    ? (given.logMaxFiles ?? DEFAULT_LOG_MAX_FILES)
    : DEFAULT_LOG_MAX_FILES;
  if (given.logRotation === false && (given.logMaxSizeMb !== undefined || given.logMaxFiles !== undefined)) {
    report(
      scope,
      "hardening.logMaxSizeMb / logMaxFiles have no effect with logRotation: false",
      { logMaxSizeMb: given.logMaxSizeMb, logMaxFiles: given.logMaxFiles },
      "remove them, or keep log rotation on",
    );
  }

  const weakened: string[] = [];
  if (!noNewPrivileges) weakened.push("noNewPrivileges: false");
  if (!dropAllCapabilities) weakened.push("dropAllCapabilities: false");
  const extra = addCapabilities.filter((c) => !defaults.addCapabilities.includes(c));
  if (extra.length > 0) weakened.push(`addCapabilities ${extra.join(", ")}`);
  if (profile.readOnlyRootFilesystem && !readOnlyRootFilesystem) weakened.push("readOnlyRootFilesystem: false");
  if (!logRotation) weakened.push("logRotation: false");

  const reason = checkReason(scope, given.reason, weakened);
  return {
    noNewPrivileges,
    dropAllCapabilities,
    addCapabilities,
    readOnlyRootFilesystem,
    tmpfsSizeMb,
    logRotation,
    logMaxSizeMb,
    logMaxFiles,
    ...(reason !== undefined && weakened.length > 0 ? { reason } : {}),
  };
}

function checkReason(scope: IConstruct, reason: unknown, weakened: string[]): string | undefined {
  if (reason !== undefined && !isToken(reason) && (typeof reason !== "string" || reason.trim() === "")) {
    report(
      scope,
      "hardening.reason must be a non-empty string",
      reason,
      'say why the container needs the exception, e.g. "binds port 80 as a non-root user"',
    );
    return undefined;
  }
  const text = typeof reason === "string" ? reason.trim() : undefined;
  if (weakened.length > 0 && text === undefined && reason === undefined) {
    report(
      scope,
      `hardening weakens a default (${weakened.join("; ")}) without a reason`,
      weakened,
      "add hardening.reason saying why this container needs it (it is put on the container as the label cdktf-docker-messaging.hardening-exception), or keep the default",
    );
  }
  if (weakened.length === 0 && text !== undefined) {
    report(
      scope,
      "hardening.reason is set but no default is weakened",
      reason,
      "remove the reason (the exception label would claim an exception that is not there)",
    );
  }
  return text;
}

/** `chown`, `CAP_CHOWN`, `Chown` -> `CAP_CHOWN`. */
function capName(name: string): string {
  const upper = name.toUpperCase();
  return upper.startsWith("CAP_") ? upper : `CAP_${upper}`;
}

function checkCapabilities(scope: IConstruct, value: unknown, fallback: readonly string[]): readonly string[] {
  if (!Array.isArray(value)) {
    report(scope, "hardening.addCapabilities must be a list of capability names", value, 'pass e.g. ["NET_BIND_SERVICE"], or [] for none');
    return fallback;
  }
  const valid: string[] = [];
  let ok = true;
  for (const item of value) {
    const bare = typeof item === "string" ? item.toUpperCase().replace(/^CAP_/, "") : undefined;
    if (bare === "ALL") {
      report(
        scope,
        "hardening.addCapabilities cannot add ALL",
        item,
        "name each capability the container needs (adding all of them is close to --privileged)",
      );
      ok = false;
    } else if (bare === undefined || !LINUX_CAPABILITIES.includes(bare)) {
      report(
        scope,
        "hardening.addCapabilities has an unknown Linux capability",
        item,
        `use names from capabilities(7), e.g. "NET_BIND_SERVICE": ${LINUX_CAPABILITIES.join(", ")}`,
      );
      ok = false;
    } else if (valid.includes(`CAP_${bare}`)) {
      report(scope, "hardening.addCapabilities names a capability twice", item, "list each capability once");
    } else {
      valid.push(`CAP_${bare}`);
    }
  }
  return ok ? valid.sort() : fallback;
}

const TMPFS_MAX_MB = 16 * 1024;

function checkTmpfs(scope: IConstruct, value: unknown, fallback: Readonly<Record<string, number>>): Readonly<Record<string, number>> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    report(
      scope,
      "hardening.tmpfsSizeMb must be an object of absolute paths to sizes in MiB",
      value,
      'pass e.g. { "/tmp": 64 }, or {} for none',
    );
    return fallback;
  }
  const valid: Record<string, number> = {};
  let ok = true;
  for (const [path, size] of Object.entries(value)) {
    const segments = path.split("/").slice(1);
    if (!path.startsWith("/") || path === "/" || segments.some((s) => s === "" || s === "." || s === "..") || /[,:\s]/.test(path)) {
      report(
        scope,
        "hardening.tmpfsSizeMb has a path that is not a clean absolute folder path",
        path,
        'use an absolute path such as "/tmp" or "/var/cache/app": no trailing "/", no "." or ".." segments, no ",", ":" or spaces, not "/" itself',
      );
      ok = false;
      continue;
    }
    if (
      !checkInteger(
        scope,
        `hardening.tmpfsSizeMb["${path}"]`,
        size,
        1,
        `use 1 to ${TMPFS_MAX_MB} MiB (tmpfs memory counts against the container's memory limit)`,
        TMPFS_MAX_MB,
      ) ||
      size === undefined
    ) {
      ok = false;
      continue;
    }
    valid[path] = size as number;
  }
  return ok ? valid : fallback;
}

/**
 * The docker_container attributes of the settings. No pids limit: the
 * provider's docker_container has no `pids_limit` attribute (4.6.0,
 * internal/provider/resource_docker_container.go; only docker_service's
 * structures mention pids, as a TODO), and `ulimit nproc` is not one: it
 * counts every process of the uid across the host.
 */
export function renderHardening(h: ResolvedHardening): {
  securityOpts?: string[];
  capabilities?: ContainerCapabilities;
  readOnly?: boolean;
  tmpfs?: Record<string, string>;
  logDriver?: string;
  logOpts?: Record<string, string>;
} {
  const tmpfsPaths = Object.keys(h.tmpfsSizeMb).sort();
  const capabilities: ContainerCapabilities | undefined =
    h.dropAllCapabilities || h.addCapabilities.length > 0
      ? {
          ...(h.addCapabilities.length > 0 ? { add: [...h.addCapabilities] } : {}),
          ...(h.dropAllCapabilities ? { drop: ["ALL"] } : {}),
        }
      : undefined;
  return {
    // The engine reports the option back as written: `no-new-privileges:true`.
    ...(h.noNewPrivileges ? { securityOpts: ["no-new-privileges:true"] } : {}),
    ...(capabilities ? { capabilities } : {}),
    ...(h.readOnlyRootFilesystem ? { readOnly: true } : {}),
    ...(tmpfsPaths.length > 0
      ? { tmpfs: Object.fromEntries(tmpfsPaths.map((p) => [p, `rw,noexec,nosuid,nodev,size=${h.tmpfsSizeMb[p]}m`])) }
      : {}),
    ...(h.logRotation ? { logDriver: "json-file", logOpts: { "max-size": `${h.logMaxSizeMb}m`, "max-file": String(h.logMaxFiles) } } : {}),
  };
}

/**
 * A short hash of the rendered settings, for the label
 * `cdktf-docker-messaging.hardening-sha256`. The provider applies no change
 * of `tmpfs` to an existing container: in kreuzwerker/docker 4.6.0,
 * internal/provider/resource_docker_container.go:482-486 declares `tmpfs`
 * without ForceNew, and resourceDockerContainerUpdate
 * (resource_docker_container_funcs.go:1076-1079) updates only restart and
 * resource limits, so a plan shows an in-place update that does nothing. A
 * label is ForceNew: a change of the hash replaces the container. The other
 * settings (security_opts, capabilities, read_only, log_driver, log_opts)
 * are ForceNew already; hashing them all keeps the rule simple.
 */
export function hardeningHash(h: ResolvedHardening): string {
  return sha256(JSON.stringify(renderHardening(h)), 16);
}

/**
 * A tmpfs over a folder the workload needs on disk, found once its mounts
 * are known: over a volume's mount point (Docker refuses the duplicate mount
 * point at deploy; over a parent of it, the volume's path is shadowed) or
 * over a folder the image's Dockerfile fills (WORKDIR, COPY/ADD
 * destinations: the app's own files are hidden and it cannot start).
 */
export function tmpfsConflicts(hardening: ResolvedHardening, volumePaths: readonly string[], imageFolders: readonly string[]): Finding[] {
  const hides = (tmpfs: string, folder: string) => folder === tmpfs || folder.startsWith(`${tmpfs}/`);
  const findings: Finding[] = [];
  for (const tmpfs of Object.keys(hardening.tmpfsSizeMb).sort()) {
    const volume = volumePaths.find((p) => hides(tmpfs, p));
    const folder = imageFolders.find((p) => p !== "/" && hides(tmpfs, p));
    if (volume !== undefined) {
      findings.push({
        problem: `hardening.tmpfsSizeMb mounts a tmpfs at ${tmpfs}, over the volume mounted at ${volume}: Docker refuses the duplicate mount at deploy, and data written there would live in memory`,
        received: tmpfs,
        fix: "remove it from hardening.tmpfsSizeMb: the folder is writable already (it is a volume)",
      });
    } else if (folder !== undefined) {
      findings.push({
        problem: `hardening.tmpfsSizeMb mounts a tmpfs at ${tmpfs}, over ${folder}, where the image's Dockerfile puts its files (WORKDIR, COPY): they would be hidden and the program could not start`,
        received: tmpfs,
        fix: `give the program another folder for scratch files, e.g. /tmp or ${folder === "/" ? "/var/tmp" : `${folder}/tmp`}`,
      });
    }
  }
  return findings;
}
