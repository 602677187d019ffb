import { dependable, type ITerraformDependable } from "cdktf";
import { Construct, type IConstruct } from "constructs";
import type { IBrokerClient } from "../brokers/broker";
import { ConnectionEnv } from "../connection-env";
import type { ContainerImage } from "../images/container-image";
import type { INetwork } from "../networking/network";
import type { Container } from "../private/bindings";
import { declareContainer, renderEnv, renderNetworks, type PublishedPort } from "../private/container-spec";
import { checkDockerName, checkInteger, checkPort, isToken, reject } from "../private/validation";
import type { HealthCheck } from "./health-check";

export type RestartPolicy = "no" | "on-failure" | "always" | "unless-stopped";
const RESTART_POLICIES: readonly string[] = ["no", "on-failure", "always", "unless-stopped"];

/** A port of an app container published on the Docker host. */
export interface AppPort {
  readonly containerPort: number;
  readonly hostPort: number;
  /**
   * Host address the port is bound to.
   * @default "127.0.0.1" - reachable from the host only
   */
  readonly hostIp?: string;
}

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
   * The app's own settings (e.g. `AppEnv.PRODUCER_COUNT`). Connection
   * settings are not set here: `broker.connect(app)` sets them.
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
   * Networks the app is on. When given, the list is fixed: connecting a
   * broker on another network is an error.
   * @default - the networks of the brokers it is connected to
   */
  readonly networks?: INetwork[];
  /**
   * Ports published on the host.
   * @default - none
   */
  readonly ports?: AppPort[];
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const CONNECTION_NAMES = new Set<string>(Object.values(ConnectionEnv));

/**
 * A producer or consumer app: `replicas` containers named `<name>-1..N` on
 * one image, wired to brokers only through `broker.connect(app, ...)`.
 */
export class AppContainer extends Construct implements IBrokerClient {
  public readonly appName: string;
  /** The replicas' docker_container resources, in order. */
  public readonly containers: Container[];
  private readonly env: Record<string, string>;
  private readonly networks: INetwork[];
  private readonly networksPinned: boolean;
  private readonly dependencies: ITerraformDependable[] = [];

  constructor(scope: Construct, id: string, props: AppContainerProps) {
    super(scope, id);
    this.appName = props.name ?? id;
    validateAppProps(this, this.appName, props);

    this.env = { ...(props.environment ?? {}) };
    this.networksPinned = props.networks !== undefined;
    this.networks = [...(props.networks ?? [])];
    const replicas = props.replicas ?? 1;
    const image = props.image.bind(this);
    const ports: PublishedPort[] = (props.ports ?? []).map((p) => ({ ...p }));

    this.containers = [];
    for (let i = 1; i <= replicas; i++) {
      this.containers.push(
        declareContainer(this, `replica-${i}`, {
          name: `${this.appName}-${i}`,
          image,
          component: "app",
          networks: [],
          env: this.env,
          ports,
          healthCheck: props.healthCheck,
          waitTimeoutSeconds: props.healthCheck ? (props.startTimeoutSeconds ?? 120) : undefined,
          memoryMb: props.memoryMb ?? 256,
          restart: props.restartPolicy ?? "unless-stopped",
          destroyGraceSeconds: props.stopGracePeriodSeconds ?? 10,
          labels: props.labels,
          command: props.command,
        }),
      );
    }
    this.sync();
  }

  /** The networks the app is on now. */
  public get memberOf(): readonly INetwork[] {
    return this.networks;
  }

  public joinNetwork(network: INetwork, broker: IConstruct): void {
    if (this.networks.includes(network)) return;
    if (this.networksPinned) {
      reject(
        this,
        `the app shares no network with broker ${broker.node.path} (its network is ${network.node.path})`,
        this.networks.map((n) => n.node.path),
        "add the broker's network to the app's `networks`, or leave `networks` unset so connect() attaches the app",
      );
    }
    this.networks.push(network);
    this.sync();
  }

  public addEnvironment(name: string, value: string, setBy: IConstruct): void {
    const current = this.env[name];
    if (current !== undefined && current !== value) {
      reject(
        this,
        `${setBy.node.path} sets ${name}, which is already set to another value`,
        current,
        "connect the app to one broker of each kind, with one set of options",
      );
    }
    this.env[name] = value;
    this.sync();
  }

  public addStartDependency(...dependencies: ITerraformDependable[]): void {
    for (const d of dependencies) if (!this.dependencies.includes(d)) this.dependencies.push(d);
    this.sync();
  }

  private sync(): void {
    for (const container of this.containers) {
      container.env = renderEnv(this.env);
      container.putNetworksAdvanced(renderNetworks(this.networks.map((network) => ({ network }))));
      container.dependsOn = this.dependencies.length ? this.dependencies.map((d) => dependable(d)) : undefined;
    }
  }
}

function validateAppProps(scope: IConstruct, name: string, props: AppContainerProps): void {
  checkDockerName(scope, "name", name);
  checkInteger(scope, "replicas", props.replicas, 1, "run at least one replica (replicas >= 1)");
  checkInteger(
    scope,
    "memoryMb",
    props.memoryMb,
    6,
    "give the app at least 6 MiB, Docker's smallest memory limit (a Node app needs about 64)",
  );
  checkInteger(scope, "stopGracePeriodSeconds", props.stopGracePeriodSeconds, 0, "use 0 or more seconds");
  checkInteger(scope, "startTimeoutSeconds", props.startTimeoutSeconds, 1, "use 1 or more seconds");
  if (props.restartPolicy !== undefined && !RESTART_POLICIES.includes(props.restartPolicy)) {
    reject(scope, "restartPolicy is not a Docker restart policy", props.restartPolicy, `use one of ${RESTART_POLICIES.join(", ")}`);
  }
  for (const [key, value] of Object.entries(props.environment ?? {})) {
    if (!ENV_NAME.test(key)) {
      reject(scope, "environment has an invalid variable name", key, "use letters, digits and '_', not starting with a digit");
    }
    if (CONNECTION_NAMES.has(key)) {
      reject(scope, `environment sets the connection variable ${key}`, key, "remove it and call broker.connect(app, options), which sets it");
    }
    if (typeof value !== "string" && !isToken(value)) {
      reject(scope, `environment.${key} must be a string`, value, `pass String(${JSON.stringify(value)})`);
    }
  }
  for (const p of props.ports ?? []) {
    checkPort(scope, "ports[].containerPort", p.containerPort);
    checkPort(scope, "ports[].hostPort", p.hostPort);
  }
  if (props.healthCheck) {
    const h = props.healthCheck.settings;
    checkInteger(scope, "healthCheck.intervalSeconds", h.intervalSeconds, 1, "check at most once a second");
    checkInteger(scope, "healthCheck.timeoutSeconds", h.timeoutSeconds, 1, "give a check at least a second");
    checkInteger(scope, "healthCheck.retries", h.retries, 0, "use 0 or more retries");
    checkInteger(scope, "healthCheck.startPeriodSeconds", h.startPeriodSeconds, 0, "use 0 or more seconds");
  }
  if ((props.ports ?? []).length > 0 && (props.replicas ?? 1) > 1) {
    reject(scope, "ports cannot be published by more than one replica", props.replicas, "publish ports only with replicas: 1");
  }
}
