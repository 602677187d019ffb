/**
 * What an AppContainer is given: its props, the published-port and
 * restart-policy types, and the list of props for the unknown-props check.
 */
import type { ContainerImage } from "../images/container-image";
import type { INetwork } from "../networking/network";
import type { AppMetricsOptions } from "../observability/metrics";
import type { ContainerHardening } from "../security/container-hardening";
import type { HealthCheck } from "./health-check";

/** Docker's restart policy of a container. */
export type RestartPolicy = "no" | "on-failure" | "always" | "unless-stopped";
export const RESTART_POLICIES: readonly RestartPolicy[] = ["no", "on-failure", "always", "unless-stopped"];

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

/** The fields of AppContainerProps, for the unknown-props check. */
export const APP_PROPS: Record<keyof AppContainerProps, true> = {
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
