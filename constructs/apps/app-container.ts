import type { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import type { BrokerWiring, IBroker, IBrokerClient } from "../brokers/broker";
import { ConnectionEnv } from "../connection-env";
import { closestMatch } from "../errors/did-you-mean";
import { fail, report } from "../errors/problems";
import { ContainerImage } from "../images/container-image";
import { ensureUniqueHostPorts } from "../aspects/unique-host-ports";
import { AppMetricNames } from "./app-metric-names";
import { SHIPPED_APP_ROLES, settingsReadBy, shippedAppOf, type ShippedAppName } from "./shipped-apps";
import type { INetwork } from "../networking/network";
import type { Container, Service } from "../private/bindings";
import { declareService } from "../private/service-spec";
import { swarmOf } from "../provider/swarm-target";
import { declareContainer, type PublishedPort } from "../private/container-spec";
import { HardeningProfiles, resolveHardening, type ContainerHardening, type ResolvedHardening } from "../security/container-hardening";
import {
  checkInteger,
  checkIpAddress,
  checkKnownKeys,
  checkLabels,
  checkOneOf,
  checkPort,
  isToken,
  constructId,
  checkNetworkList,
  stringValueFix,
} from "../private/validation";
import { AppMetricsEnv, APP_SETTINGS, AppOnlyEnv, DEFAULT_APP_METRICS_PORT, isAppSetting, parseSetting } from "./app-settings";
import { resolveAppMetrics, ScrapeLabels, type AppMetricsOptions, type IMetricsSource, type ScrapeTarget } from "../observability/metrics";
import { HealthCheck, type HealthCheckOptions } from "./health-check";

/** Docker's restart policy of a container. */
export type RestartPolicy = "no" | "on-failure" | "always" | "unless-stopped";
const RESTART_POLICIES: readonly RestartPolicy[] = ["no", "on-failure", "always", "unless-stopped"];

/** A port of an app container published on the Docker host. */
export interface AppPort {
  /** The port the app listens on inside the container. */
  readonly containerPort: number;
  /** The port on the Docker host; unique among the stack's published ports. */
  readonly hostPort: number;
  /**
   * Host address the port is bound to.
   * @default "127.0.0.1" - reachable from the host only
   */
  readonly hostIp?: string;
}

/** Props of an {@link AppContainer}. */
export interface AppContainerProps {
  /** The app's image, e.g. `ContainerImage.fromBuild("apps/consumer")`. */
  readonly image: ContainerImage;
  /**
   * Base name of the containers; replica i is named `<name>-<i>`.
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * How many identical containers to run (competing consumers share the work).
   * @default 1
   */
  readonly replicas?: number;
  /**
   * The app's own settings (e.g. `AppEnv.PRODUCER_COUNT`), checked at synth
   * with the parser the apps use. Connection settings are not set here: the
   * grant verbs (`queue.grantConsume(app)`, ...) set them.
   * @default - none
   */
  readonly environment?: Record<string, string>;
  /**
   * Command that overrides the image's CMD.
   * @default - the image's CMD
   */
  readonly command?: string[];
  /**
   * Docker restart policy.
   * @default "unless-stopped"
   */
  readonly restartPolicy?: RestartPolicy;
  /**
   * Memory limit of each replica, in MiB.
   * @default 256
   */
  readonly memoryMb?: number;
  /**
   * Labels of each replica (common labels come from the `CommonLabels` aspect).
   * @default - none
   */
  readonly labels?: Record<string, string>;
  /**
   * Healthcheck of each replica. When given, deploy waits until every
   * replica is healthy (`wait`), up to `startTimeoutSeconds`.
   * @default - no healthcheck
   */
  readonly healthCheck?: HealthCheck;
  /**
   * Seconds deploy waits for a replica to become healthy (with a healthCheck).
   * @default 120
   */
  readonly startTimeoutSeconds?: number;
  /**
   * Seconds a replica gets to stop after SIGTERM before it is killed, on
   * destroy and replace.
   * @default 10
   */
  readonly stopGracePeriodSeconds?: number;
  /**
   * Networks the app is on. When given, the list is fixed: wiring the app to
   * a broker on another network is an error.
   * @default - the networks of the brokers it is wired to
   */
  readonly networks?: INetwork[];
  /**
   * Ports published on the host.
   * @default - none
   */
  readonly ports?: AppPort[];
  /**
   * How each replica is locked down: no-new-privileges, every capability
   * dropped, a read-only root filesystem with a 64 MiB tmpfs on /tmp (where
   * the apps write their health file), log rotation (json-file, 10 MiB x 3).
   * Weakening a default needs a `reason`, put on the container as the label
   * `cdktf-docker-messaging.hardening-exception`. See ContainerHardening.
   * @default - fully hardened
   */
  readonly hardening?: ContainerHardening;
  /**
   * Prometheus metrics of each replica: METRICS_PORT is set to `port` (the
   * apps in `apps/` serve `/metrics` there) and a `Prometheus` construct of
   * the stack scrapes every replica on the app's first network. To reach
   * them from the host, publish the port with `ports`.
   * @default - on, port 9464, path /metrics
   */
  readonly metrics?: AppMetricsOptions;
}

const APP_PROPS: Record<keyof AppContainerProps, true> = {
  image: true,
  name: true,
  replicas: true,
  environment: true,
  command: true,
  restartPolicy: true,
  memoryMb: true,
  labels: true,
  healthCheck: true,
  startTimeoutSeconds: true,
  stopGracePeriodSeconds: true,
  networks: true,
  ports: true,
  hardening: true,
  metrics: true,
};
const HEALTH_CHECK_OPTIONS: Record<keyof HealthCheckOptions, true> = {
  intervalSeconds: true,
  timeoutSeconds: true,
  retries: true,
  startPeriodSeconds: true,
};
const PORT_PROPS: Record<keyof AppPort, true> = { containerPort: true, hostPort: true, hostIp: true };

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** The names a typo of which is an error: the app settings and the connection settings. */
const OUR_NAMES = [...Object.keys(APP_SETTINGS), ...Object.values(ConnectionEnv)];

/**
 * A producer or consumer app: `replicas` containers named `<name>-1..N` on
 * one image, wired to brokers only through the brokers' grant verbs. Its
 * environment, networks and start order are rendered at synth from every
 * wiring, so the order of calls does not matter.
 */
export class AppContainer extends Construct implements IBrokerClient, IMetricsSource {
  public readonly appName: string;
  /** The replicas' docker_container resources, in order (the first is `node.defaultChild`); none on a Swarm. */
  public readonly containers: Container[];
  /** On a Swarm: the app's docker_service (`replicas` tasks; also `node.defaultChild`). */
  public readonly service?: Service;
  /** The image as given (to know a shipped app's role). */
  private readonly image: ContainerImage;
  private readonly environment: Record<string, string>;
  private readonly pinnedNetworks?: readonly INetwork[];
  private readonly wirings: BrokerWiring[] = [];
  private readonly metrics: { readonly enabled: boolean; readonly port: number; readonly path: string };

  constructor(scope: Construct, id: string, props: AppContainerProps) {
    super(scope, constructId(scope, id, "AppContainer"));
    if (props === undefined || props === null || typeof props !== "object") {
      fail(this, "AppContainerProps are required", props, "pass props with at least { image }");
    }
    checkKnownKeys(this, "AppContainerProps", props, APP_PROPS);
    if (!(props.image instanceof ContainerImage)) {
      fail(
        this,
        "image is required and must be a ContainerImage",
        props.image,
        'use ContainerImage.fromBuild("apps/my-app"), fromRegistry("name:tag") or fromLocal(...)',
      );
    }
    // The containers are `<name>-<i>`: those are what Docker's grammar applies to.
    const name = props.name ?? id;
    const nameOk = isToken(name) || checkAppName(this, name, typeof props.replicas === "number" ? props.replicas : 1);
    this.appName = nameOk ? name : `invalid-name-${this.node.addr.slice(0, 8)}`;
    const replicas = checkInteger(this, "replicas", props.replicas, 1, "run at least one replica (replicas >= 1)", 1000)
      ? (props.replicas ?? 1)
      : 1;
    const memoryMb = checkInteger(
      this,
      "memoryMb",
      props.memoryMb,
      6,
      "give the app at least 6 MiB, Docker's smallest memory limit (a Node app needs about 64)",
      1024 * 1024,
    )
      ? (props.memoryMb ?? 256)
      : 256;
    checkInteger(this, "stopGracePeriodSeconds", props.stopGracePeriodSeconds, 0, "use 0 or more seconds", 3600);
    checkInteger(this, "startTimeoutSeconds", props.startTimeoutSeconds, 1, "use 1 or more seconds", 24 * 3600);
    const restart = checkOneOf(this, "restartPolicy", props.restartPolicy, RESTART_POLICIES)
      ? (props.restartPolicy ?? "unless-stopped")
      : "unless-stopped";
    checkLabels(this, "labels", props.labels);
    this.environment = checkEnvironment(this, props.environment);
    checkSettingsTheAppReads(this, props.image, this.environment);
    this.metrics = resolveAppMetrics(this, props.metrics, DEFAULT_APP_METRICS_PORT);
    const ports = checkPorts(this, props.ports, replicas);
    // Checked at synth even without addMessagingAspects: Docker would fail the second container halfway through the apply.
    if (ports.length > 0) ensureUniqueHostPorts(this);
    if (props.healthCheck !== undefined && !(props.healthCheck instanceof HealthCheck)) {
      report(this, "healthCheck is not a HealthCheck", props.healthCheck, 'use HealthCheck.exec(["cmd", ...]) or HealthCheck.shell("...")');
    }
    const healthCheck = props.healthCheck instanceof HealthCheck ? props.healthCheck : undefined;
    const command = checkStringList(this, "command", props.command) ? props.command : undefined;
    if (healthCheck) checkHealthCheck(this, healthCheck);
    this.pinnedNetworks = checkNetworkList(this, "networks", props.networks);
    const hardening = resolveHardening(this, props.hardening, HardeningProfiles.app);
    checkHealthFileWritable(this, this.environment[AppOnlyEnv.HEALTH_FILE], hardening);
    checkTestedFileWritable(this, healthCheck, this.environment[AppOnlyEnv.HEALTH_FILE], hardening);
    checkSearchPath(this, this.environment.PATH);

    this.image = props.image;
    const image = props.image.bind(this);
    this.containers = [];
    const swarm = swarmOf(this);
    // One workload description: a service on a Swarm, `replicas` containers on one engine.
    const workload = {
      name: this.appName,
      image,
      component: "app",
      networks: () => this.networks().map((network) => ({ network })),
      volumes: () => this.wiredVolumes(),
      env: () => this.renderedEnvironment(),
      healthCheck,
      memoryMb,
      restart,
      destroyGraceSeconds: props.stopGracePeriodSeconds ?? 10,
      labels: props.labels,
      command,
      dependsOn: () => this.startDependencies(),
      hardening,
    };
    if (swarm) {
      // One service of `replicas` tasks; a new image or setting rolls one task at a time, started before the old one stops.
      this.service = declareService(
        this,
        "service",
        // A TLS broker's CA certificate is a file of the service here (a volume on one engine).
        { ...workload, ports: checkSwarmPorts(this, ports), uploads: () => this.wiredFiles() },
        {
          swarm,
          replicas,
          updateOrder: "start-first",
          // The apps read RABBITMQ_URL_FILE and KAFKA_SASL_PASSWORD_FILE (apps/README "Secrets from files").
          secretEnv: { mode: "files" },
          convergeTimeoutSeconds: props.startTimeoutSeconds ?? 120,
        },
      );
      this.node.defaultChild = this.service;
      return;
    }
    for (let i = 1; i <= replicas; i++) {
      const waitTimeoutSeconds = healthCheck ? (props.startTimeoutSeconds ?? 120) : undefined;
      this.containers.push(
        declareContainer(this, `replica-${i}`, { ...workload, name: `${this.appName}-${i}`, ports, waitTimeoutSeconds }),
      );
    }
    this.node.defaultChild = this.containers[0];
  }

  /** The networks the app is on: the pinned ones, or those of the brokers it is wired to. */
  public networks(): INetwork[] {
    if (this.pinnedNetworks) return [...this.pinnedNetworks];
    const networks: INetwork[] = [];
    for (const w of this.wirings) if (!networks.includes(w.broker.network)) networks.push(w.broker.network);
    return networks;
  }

  /** Every replica's metrics endpoint on the app's first network, for a `Prometheus` of the stack; none when metrics are off or the app is on no network. */
  public metricsTargets(): ScrapeTarget[] {
    const network = this.networks()[0];
    if (!this.metrics.enabled || network === undefined) return [];
    // The package's apps serve AppMetricNames and prom-client's default process_* and nodejs_* metrics; an image of the user's, unknown ones.
    const served: Pick<ScrapeTarget, "servedMetrics"> =
      shippedAppOf(this.image) === undefined
        ? {}
        : { servedMetrics: { names: Object.values(AppMetricNames), prefixes: ["process_", "nodejs_"] } };
    if (this.service) {
      // On a Swarm the tasks move and have no names of their own: Prometheus follows them by the service's task DNS.
      return [
        {
          job: "apps",
          address: `tasks.${this.appName}:${this.metrics.port}`,
          discovery: "dns",
          metricsPath: this.metrics.path,
          labels: { [ScrapeLabels.component]: "app", [ScrapeLabels.app]: this.appName },
          network,
          ...served,
        },
      ];
    }
    return this.containers.map(
      (_, i): ScrapeTarget => ({
        job: "apps",
        address: `${this.appName}-${i + 1}:${this.metrics.port}`,
        metricsPath: this.metrics.path,
        labels: { [ScrapeLabels.component]: "app", [ScrapeLabels.app]: this.appName },
        network,
        ...served,
      }),
    );
  }

  /** The brokers the app is wired to, and how. */
  public get wiredTo(): readonly BrokerWiring[] {
    return this.wirings;
  }

  public settingValue(name: string): string | undefined {
    return typeof name === "string" ? this.environment[name] : undefined;
  }

  public addWiring(wiring: BrokerWiring): void {
    const same = this.wirings.find(
      (w) => w.broker === wiring.broker && w.role === wiring.role && sameEnvironment(w.environment, wiring.environment),
    );
    if (same) return; // the same wiring twice is one
    this.checkShippedAppRole(wiring);
    for (const [name, value] of Object.entries(wiring.environment)) {
      if (name in this.environment) {
        report(
          this,
          `${wiring.role} (${wiring.broker.node.path}) sets ${name}, which the app's environment sets too`,
          name,
          `remove ${name} from the app's environment: the wiring sets it`,
          { location: wiring.location },
        );
        continue;
      }
      const other = this.wirings.find((w) => name in w.environment && w.environment[name] !== value);
      if (other) {
        report(
          this,
          `${wiring.role} (${wiring.broker.node.path}) needs ${name}=${shown(value)}, but the app is already ${other.role} (${other.broker.node.path}) with ${name}=${shown(other.environment[name])}`,
          isToken(value) ? "(a value Terraform computes)" : value,
          `an app reads one ${name}: give this use its own AppContainer`,
          { location: wiring.location },
        );
      }
    }
    if (this.pinnedNetworks && !this.pinnedNetworks.includes(wiring.broker.network)) {
      report(
        this,
        `the app shares no network with broker ${wiring.broker.node.path} (its network is ${wiring.broker.network.node.path})`,
        this.pinnedNetworks.map((n) => n.node.path),
        "add the broker's network to the app's `networks`, or leave `networks` unset so wiring attaches the app",
        { location: wiring.location },
      );
    }
    this.wirings.push(wiring);
  }

  /**
   * A shipped app wired for what it does not do: a consumer granted publish,
   * a Kafka app on a RabbitMQ broker. It would start, find no settings of
   * its own kind or wait for messages it never asks for, and exit or idle.
   */
  private checkShippedAppRole(wiring: BrokerWiring): void {
    const app = shippedAppOf(this.image);
    if (app === undefined) return;
    const does = SHIPPED_APP_ROLES[app];
    const direction = wiring.target?.direction;
    const fits = (kind: string, dir: string) =>
      (Object.keys(SHIPPED_APP_ROLES) as ShippedAppName[]).find(
        (n) => SHIPPED_APP_ROLES[n].brokerKind === kind && SHIPPED_APP_ROLES[n].direction === dir,
      );
    const wanted = direction !== undefined ? fits(wiring.broker.kind, direction) : undefined;
    const factory = (n: string) => `ShippedApps.${n.replace(/-(\w)/g, (_, c: string) => c.toUpperCase())}()`;
    if (does.brokerKind !== wiring.broker.kind || (direction !== undefined && direction !== does.direction)) {
      report(
        this,
        `the app runs the package's ${app}, which ${does.direction === "publish" ? "publishes to" : "consumes from"} ${does.brokerKind}, but it is made ${wiring.role} of ${wiring.broker.kind} broker ${wiring.broker.brokerName}: it would not do that`,
        app,
        wanted
          ? `use ${factory(wanted)} for this app, or wire it as a ${does.direction === "publish" ? "publisher" : "consumer"} of a ${does.brokerKind} broker`
          : `wire it as a ${does.direction === "publish" ? "publisher" : "consumer"} of a ${does.brokerKind} broker`,
        { location: wiring.location },
      );
    }
  }

  /** The volumes the wirings mount (a TLS broker's CA certificate), once each. */
  private wiredVolumes(): { volumeName: string; containerPath: string; readOnly: boolean }[] {
    const volumes: { volumeName: string; containerPath: string; readOnly: boolean }[] = [];
    for (const w of this.wirings)
      for (const v of w.volumes ?? []) if (!volumes.some((x) => x.containerPath === v.containerPath)) volumes.push({ ...v });
    return volumes;
  }

  /** The files the wirings give the app (on a Swarm, a TLS broker's CA certificate), once each. */
  private wiredFiles(): { file: string; content: string }[] {
    const files: { file: string; content: string }[] = [];
    for (const w of this.wirings)
      for (const f of w.files ?? []) if (!files.some((x) => x.file === f.path)) files.push({ file: f.path, content: f.content });
    return files;
  }

  /** The app's settings and every wiring's connection settings (the first wiring wins a conflict, which is reported). */
  private renderedEnvironment(): Record<string, string> {
    const env: Record<string, string> = { ...this.environment };
    if (this.metrics.enabled) env[AppMetricsEnv.METRICS_PORT] = String(this.metrics.port);
    for (const w of this.wirings) for (const [name, value] of Object.entries(w.environment)) if (!(name in env)) env[name] = value;
    return env;
  }

  private startDependencies(): ITerraformDependable[] {
    const seen = new Set<IBroker>();
    const dependencies: ITerraformDependable[] = [];
    for (const w of this.wirings) {
      if (seen.has(w.broker)) continue;
      seen.add(w.broker);
      for (const d of w.broker.startDependencies()) if (!dependencies.includes(d)) dependencies.push(d);
    }
    return dependencies;
  }
}

/**
 * On a Swarm a published port is bound in host mode on every address of the
 * Swarm node that runs the task: no loopback-only binding exists there, so
 * the user says so with hostIp "0.0.0.0".
 */
function checkSwarmPorts(scope: Construct, ports: PublishedPort[]): PublishedPort[] {
  for (const p of ports) {
    if ((p.hostIp ?? "127.0.0.1") !== "0.0.0.0") {
      report(
        scope,
        `on a Swarm, port ${p.hostPort} would be published on every address of the Swarm node running the task, not on ${p.hostIp ?? "127.0.0.1"}`,
        p.hostIp ?? "127.0.0.1",
        'set hostIp: "0.0.0.0" to publish it on the node\'s addresses, or do not publish it (services reach the app over the network)',
      );
    }
  }
  return ports;
}

/** The replicas are `<name>-<i>`: Docker's grammar applies to those, so a one-character name is fine. */
function checkAppName(scope: Construct, name: unknown, replicas: number): boolean {
  const longest = typeof name === "string" ? `${name}-${Math.max(1, Math.floor(replicas))}`.length : 0;
  if (typeof name !== "string" || !/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name) || longest > 128) {
    report(
      scope,
      "name is not a valid Docker container name prefix (replicas are <name>-1..N)",
      name,
      "use a letter or digit, then letters, digits, '_', '.' or '-', so that <name>-<replicas> is at most 128 characters",
    );
    return false;
  }
  return true;
}

/** A setting's value for a message: a Token (e.g. a derived password) is not shown. */
function shown(value: string): string {
  return isToken(value) ? "(a value Terraform computes)" : JSON.stringify(value);
}

/** On a read-only root the apps can write their health file only on a tmpfs. */
function checkHealthFileWritable(scope: Construct, healthFile: string | undefined, hardening: ResolvedHardening): void {
  if (healthFile === undefined || healthFile === "" || isToken(healthFile) || !hardening.readOnlyRootFilesystem) return;
  const folders = Object.keys(hardening.tmpfsSizeMb);
  if (folders.some((folder) => healthFile.startsWith(`${folder}/`))) return;
  report(
    scope,
    `environment.${AppOnlyEnv.HEALTH_FILE} is outside every tmpfs of the read-only root filesystem: the app could not write it`,
    healthFile,
    `put it under ${folders.length > 0 ? folders.join(" or ") : "a folder of hardening.tmpfsSizeMb"} (e.g. /tmp/app-healthy), or add its folder to hardening.tmpfsSizeMb`,
  );
}

/**
 * A health check that waits for a file (`test -f /tmp/app-healthy`, the
 * apps' marker) on a read-only root filesystem where nothing can write it:
 * outside every tmpfs, the container never turns healthy and the deploy
 * waits until it times out. (An explicit HEALTH_FILE is checked on its own.)
 */
function checkTestedFileWritable(
  scope: Construct,
  healthCheck: HealthCheck | undefined,
  healthFile: string | undefined,
  hardening: ResolvedHardening,
): void {
  if (!healthCheck || !hardening.readOnlyRootFilesystem || healthFile !== undefined) return;
  const command = Array.isArray(healthCheck.command) ? healthCheck.command : [];
  const flag = command.findIndex((arg, i) => (arg === "-f" || arg === "-e") && i > 0 && /(^|\/)test$/.test(command[i - 1]));
  const file = flag >= 0 ? command[flag + 1] : undefined;
  if (typeof file !== "string" || !file.startsWith("/") || isToken(file)) return;
  const folders = Object.keys(hardening.tmpfsSizeMb);
  if (folders.some((folder) => file.startsWith(`${folder}/`))) return;
  report(
    scope,
    `healthCheck waits for ${file}, but the root filesystem is read-only and ${file} is outside every tmpfs: nothing can write it, and the app would never turn healthy`,
    file,
    `keep a tmpfs over its folder (hardening.tmpfsSizeMb: { "${file.slice(0, file.lastIndexOf("/")) || "/tmp"}": 16 }), or test for a file under ${folders.length > 0 ? folders.join(" or ") : "a tmpfs"}`,
  );
}

/** The folders every image this package runs finds its programs in (node, java, the brokers' tools). */
const STANDARD_PATH = ["/usr/local/bin", "/usr/bin", "/bin"];

/**
 * `PATH` in the environment replaces the image's own: without the standard
 * folders the image's command (`node`, a shell) is not found and the
 * container exits at start ("executable file not found in $PATH").
 */
function checkSearchPath(scope: Construct, path: string | undefined): void {
  if (path === undefined || isToken(path)) return;
  const missing = STANDARD_PATH.filter((folder) => !path.split(":").includes(folder));
  if (missing.length === 0) return;
  report(
    scope,
    `environment.PATH replaces the image's search path and leaves out ${missing.join(", ")}: the image's command would not be found at start`,
    path,
    `remove PATH (the image sets it), or keep the standard folders: "${[path, ...missing].join(":")}"`,
  );
}

function sameEnvironment(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

/**
 * The app's own settings: valid names and string values; the apps' settings
 * parsed as the apps parse them; a name one typo away from one of ours is
 * an error (it would be ignored by the app).
 */
/** A setting of the package's apps that the shipped app `image` runs does not read (a consumer's prefetch on a producer): it would be ignored. */
function checkSettingsTheAppReads(scope: Construct, image: unknown, environment: Record<string, string>): void {
  const app = shippedAppOf(image);
  if (app === undefined) return;
  const read = settingsReadBy(app);
  for (const key of Object.keys(environment)) {
    if (!isAppSetting(key) || key === AppMetricsEnv.METRICS_PORT || read.has(key)) continue;
    const readers = (Object.keys(SHIPPED_APP_ROLES) as ShippedAppName[]).filter((other) => settingsReadBy(other).has(key));
    report(
      scope,
      `environment.${key} is a setting of the package's ${readers.join(" and ")}, and this app runs ${app}, which ignores it`,
      key,
      `remove ${key}, or run the app it is meant for (ShippedApps.image("${readers[0]}"))`,
    );
  }
}

function checkEnvironment(scope: Construct, environment: unknown): Record<string, string> {
  const valid: Record<string, string> = {};
  if (environment === undefined) return valid;
  if (environment === null || typeof environment !== "object" || Array.isArray(environment)) {
    report(
      scope,
      "environment must be an object of variable names to string values",
      environment,
      'pass e.g. { [AppEnv.PRODUCER_RATE]: "20" }',
    );
    return valid;
  }
  for (const [key, value] of Object.entries(environment)) {
    if (!ENV_NAME.test(key)) {
      report(scope, "environment has an invalid variable name", key, "use letters, digits and '_', not starting with a digit");
      continue;
    }
    if (typeof value !== "string") {
      report(scope, `environment.${key} must be a string`, value, stringValueFix(value));
      continue;
    }
    if ((Object.values(ConnectionEnv) as string[]).includes(key)) {
      report(
        scope,
        `environment sets the connection variable ${key}`,
        key,
        "remove it: a grant verb (e.g. queue.grantConsume(app)) sets it",
      );
      continue;
    }
    if ((Object.values(AppMetricsEnv) as string[]).includes(key)) {
      report(
        scope,
        `environment sets ${key}, which the metrics prop sets`,
        key,
        "remove it; pass metrics: { port } (or { enabled: false }) instead",
      );
      continue;
    }
    if (isAppSetting(key)) {
      if (!isToken(value)) {
        const parsed = parseSetting(key, value);
        if (!parsed.ok) {
          report(
            scope,
            `environment.${key} must be ${parsed.expected}`,
            value,
            `set ${key} to ${parsed.expected}; an app that reads it would exit 2 at start`,
          );
          continue;
        }
      }
    } else {
      // One edit (two for long names) from one of ours: a typo, which the app
      // would ignore. Anything further is the user's own image's setting.
      const close = closestMatch(key, OUR_NAMES, key.length >= 14 ? 2 : 1);
      if (close !== undefined) {
        report(scope, `environment.${key} is not a setting of the apps`, key, `did you mean "${close}"? The app would ignore ${key}`);
        continue;
      }
    }
    valid[key] = value;
  }
  return valid;
}

function checkPorts(scope: Construct, ports: unknown, replicas: number): PublishedPort[] {
  if (ports === undefined) return [];
  if (!Array.isArray(ports)) {
    report(scope, "ports must be a list", ports, "pass [{ containerPort, hostPort }]");
    return [];
  }
  const valid: PublishedPort[] = [];
  ports.forEach((p: AppPort, i: number) => {
    if (p === undefined) {
      report(scope, `ports[${i}] is undefined`, p, "pass { containerPort, hostPort } for every port, or leave it out of the list");
      return;
    }
    if (!checkKnownKeys(scope, `ports[${i}]`, p, PORT_PROPS)) return;
    const ok = [
      p.containerPort !== undefined ||
        (report(scope, `ports[${i}].containerPort is required`, p, "give the port the app listens on"), false),
      p.hostPort !== undefined || (report(scope, `ports[${i}].hostPort is required`, p, "give the host port to publish on"), false),
      checkPort(scope, `ports[${i}].containerPort`, p.containerPort),
      checkPort(scope, `ports[${i}].hostPort`, p.hostPort),
      checkIpAddress(scope, `ports[${i}].hostIp`, p.hostIp),
    ].every(Boolean);
    if (ok) valid.push({ containerPort: p.containerPort, hostPort: p.hostPort, ...(p.hostIp !== undefined ? { hostIp: p.hostIp } : {}) });
  });
  if (valid.length > 0 && replicas > 1) {
    report(scope, "ports cannot be published by more than one replica", replicas, "publish ports only with replicas: 1");
  }
  return valid;
}

/** A list of strings (Docker's exec form), not one command line. */
function checkStringList(scope: Construct, field: string, value: unknown): boolean {
  if (value === undefined) return true;
  if (!Array.isArray(value) || value.length === 0 || value.some((v) => typeof v !== "string")) {
    report(
      scope,
      `${field} must be a non-empty list of strings`,
      value,
      typeof value === "string"
        ? `split it: ${JSON.stringify(value.split(/\s+/))}, or ["/bin/sh", "-c", ${JSON.stringify(value)}]`
        : 'pass e.g. ["node", "main.js"]',
    );
    return false;
  }
  return true;
}

function checkHealthCheck(scope: Construct, healthCheck: HealthCheck): void {
  const command = healthCheck.command;
  if (checkStringList(scope, "healthCheck command", command) && command[0].trim() === "") {
    // `/bin/sh -c ""` exits 0: a container that checks nothing would always be "healthy".
    report(
      scope,
      "healthCheck command is empty: it would check nothing and always pass",
      command,
      'give the command to run, e.g. HealthCheck.exec(["test", "-f", "/tmp/app-healthy"])',
    );
  }
  checkKnownKeys(scope, "healthCheck options", healthCheck.givenOptions, HEALTH_CHECK_OPTIONS);
  const h = healthCheck.settings;
  checkInteger(scope, "healthCheck.intervalSeconds", h.intervalSeconds, 1, "check at most once a second", 24 * 3600);
  checkInteger(scope, "healthCheck.timeoutSeconds", h.timeoutSeconds, 1, "give a check at least a second", 24 * 3600);
  checkInteger(scope, "healthCheck.retries", h.retries, 0, "use 0 or more retries", 1000);
  checkInteger(scope, "healthCheck.startPeriodSeconds", h.startPeriodSeconds, 0, "use 0 or more seconds", 24 * 3600);
}
