/**
 * The AppContainer construct: a producer or consumer app's replicas (or
 * its Swarm service), its metrics targets and its wirings. Its props are
 * in app-container-props, their checks in app-container-checks and
 * app-environment-checks, how wirings combine in app-wiring.
 */
import { Construct } from "constructs";
import type { BrokerWiring, IBrokerClient } from "../brokers/broker";
import { deferCheck, fail, report } from "../errors/problems";
import { ContainerImage } from "../images/container-image";
import { AppMetricNames } from "./app-metric-names";
import { shippedAppOf } from "./shipped-apps";
import type { INetwork } from "../networking/network";
import type { Container, Service } from "../private/bindings";
import { declareService } from "../private/service-spec";
import { swarmOf } from "../provider/swarm-target";
import { declareContainer } from "../private/container-spec";
import { HardeningProfiles, resolveHardening } from "../security/container-hardening";
import { checkInteger, checkKnownKeys, checkLabels, checkOneOf, isToken, constructId, checkNetworkList } from "../private/validation";
import { AppOnlyEnv, DEFAULT_APP_METRICS_PORT } from "./app-settings";
import { resolveAppMetrics, ScrapeLabels, type IMetricsSource, type ScrapeTarget } from "../observability/metrics";
import { HealthCheck } from "./health-check";
import { APP_PROPS, RESTART_POLICIES, type AppContainerProps } from "./app-container-props";
import {
  checkAppName,
  checkHealthCheck,
  checkHealthFileWritable,
  checkPorts,
  checkStringList,
  checkSwarmPorts,
  checkTestedFileWritable,
} from "./app-container-checks";
import { checkEnvironment, checkSearchPath, checkSettingsTheAppReads, connectionVariableFindings } from "./app-environment-checks";
import {
  checkNewWiring,
  isRepeatedWiring,
  renderedEnvironment,
  wiredFiles,
  wiredNetworks,
  wiredStartDependencies,
  wiredVolumes,
} from "./app-wiring";
import { TopologyComment } from "../topology/topology-comment";

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
    TopologyComment.of(this);
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
    // At synth, once every broker of the stack is declared: their kinds' own variable names.
    deferCheck(this, () => connectionVariableFindings(this, this.environment));
    checkSettingsTheAppReads(this, props.image, this.environment);
    this.metrics = resolveAppMetrics(this, props.metrics, DEFAULT_APP_METRICS_PORT);
    const ports = checkPorts(this, props.ports, replicas);
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
      volumes: () => wiredVolumes(this.wirings),
      env: () => renderedEnvironment(this.environment, this.metrics, this.wirings),
      healthCheck,
      memoryMb,
      restart,
      destroyGraceSeconds: props.stopGracePeriodSeconds ?? 10,
      labels: props.labels,
      command,
      dependsOn: () => wiredStartDependencies(this.wirings),
      hardening,
    };
    if (swarm) {
      // One service of `replicas` tasks; a new image or setting rolls one task at a time, started before the old one stops.
      this.service = declareService(
        this,
        "service",
        // A TLS broker's CA certificate is a file of the service here (a volume on one engine).
        { ...workload, ports: checkSwarmPorts(this, ports), uploads: () => wiredFiles(this.wirings) },
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
    return wiredNetworks(this.pinnedNetworks, this.wirings);
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
    if (isRepeatedWiring(this.wirings, wiring)) return; // the same wiring twice is one
    checkNewWiring(
      this,
      { image: this.image, environment: this.environment, pinnedNetworks: this.pinnedNetworks, wirings: this.wirings },
      wiring,
    );
    this.wirings.push(wiring);
  }
}
