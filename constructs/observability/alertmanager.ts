import { TerraformStack } from "../private/framework";
import { Construct } from "constructs";
import { HealthCheck } from "../apps/health-check";
import { deferCheck, fail, report } from "../errors/problems";
import type { Finding } from "../errors/finding";
import { ContainerImage } from "../images/container-image";
import { DefaultImages } from "../images/default-images";
import type { INetwork } from "../networking/network";
import type { Container, Service } from "../private/bindings";
import type { ContainerSpec } from "../private/container-spec";
import { checkPlacementConstraints } from "../private/placement-constraints";
import {
  checkBoolean,
  checkHostname,
  checkInteger,
  checkKnownKeys,
  checkLabels,
  checkNetworkList,
  checkOneOf,
  checkPort,
  claimName,
  constructId,
} from "../private/validation";
import { swarmOf } from "../provider/swarm-target";
import { HardeningProfiles, resolveHardening, type ContainerHardening } from "../security/container-hardening";
import { DataVolume, type RemovalPolicy } from "../storage/data-volume";
import { TopologyComment } from "../topology/topology-comment";
import { declareSingleTask, singleTaskImage, uiUrlOutput } from "./single-task";
import type { AlertReceiver } from "./alert-receiver";
import { receiverConfigs, type AlertmanagerSecret } from "./alert-receiver-config";
import { defaultInhibitRules, type AlertInhibitRule, type AlertRoute } from "./alert-routing";
import { isAlertSender } from "./alert-senders";
import { ALERTMANAGER_PORT, renderAlertmanagerConfig } from "./alertmanager-config";
import { checkInhibitRules, checkRoute } from "./validate-alertmanager";

/** Props of an {@link Alertmanager}. */
export interface AlertmanagerProps {
  /**
   * Container name, hostname and network alias (what Prometheus sends alerts to: `<name>:9093`).
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * The Alertmanager image (the official prom/alertmanager layout:
   * /bin/alertmanager, /bin/amtool, data in /alertmanager, user nobody, and /bin/sh).
   * @default - DefaultImages.alertmanager
   */
  readonly image?: ContainerImage;
  /**
   * Where notifications go: at least one, each with its own name. Secrets
   * (URLs with tokens, passwords, keys) are sensitive values, never literals.
   */
  readonly receivers: AlertReceiver[];
  /**
   * How alerts are grouped and routed to the receivers.
   * @default - every alert to the first receiver, grouped by alert name and broker: first notification after 30 s, changes every 5 min, repeated every 4 h
   */
  readonly route?: AlertRoute;
  /**
   * Load the default inhibition rule: while MessagingBrokerNodeDown fires
   * for a broker's node, that broker's warnings are not sent (they follow
   * from it; they stay visible in Alertmanager).
   * @default true
   */
  readonly defaultInhibitRules?: boolean;
  /**
   * More inhibition rules, loaded with the default one.
   * @default - none
   */
  readonly inhibitRules?: AlertInhibitRule[];
  /**
   * Publish the UI and API on 127.0.0.1:<uiHostPort> of the host (refused
   * on a Swarm: the port would be open on every address of the Swarm node).
   * @default - not published
   */
  readonly uiHostPort?: number;
  /**
   * The networks it joins. A Prometheus of the stack joins them too, to
   * send it alerts; receivers outside Docker (Slack, PagerDuty, a mail
   * server) need one of them to reach out (not internal).
   * @default - the networks of the stack's Prometheus
   */
  readonly networks?: INetwork[];
  /**
   * Memory limit in MiB (at least 32). Go's soft limit (GOMEMLIMIT) is set to 80% of it.
   * @default 128
   */
  readonly memoryMb?: number;
  /**
   * What `cdktf destroy` does to the data volume (silences and the log of
   * notifications sent, which keeps a restart from sending them again).
   * @default "retain"
   */
  readonly dataRemovalPolicy?: RemovalPolicy;
  /**
   * Seconds deploy waits for Alertmanager to answer on its API.
   * @default 60
   */
  readonly startTimeoutSeconds?: number;
  /** Labels of the container. @default - none */
  readonly labels?: Record<string, string>;
  /**
   * How the container is locked down (as an app's: read-only root with a
   * tmpfs /tmp, every capability dropped, no-new-privileges). See ContainerHardening.
   * @default - fully hardened
   */
  readonly hardening?: ContainerHardening;
  /**
   * On a Swarm: where the Alertmanager service may run, as Docker placement
   * constraints (`node.labels.monitoring==1`). Its data volume lives on the
   * Swarm node that runs it. Refused on one engine.
   * @default ["node.role==manager"]
   */
  readonly placementConstraints?: string[];
}

const ALERTMANAGER_PROPS: Record<keyof AlertmanagerProps, true> = {
  name: true,
  image: true,
  receivers: true,
  route: true,
  defaultInhibitRules: true,
  inhibitRules: true,
  uiHostPort: true,
  networks: true,
  memoryMb: true,
  dataRemovalPolicy: true,
  startTimeoutSeconds: true,
  labels: true,
  hardening: true,
  placementConstraints: true,
};

/** Where the start command writes the configuration and the secrets (the root filesystem is read-only; /tmp is a tmpfs). */
const CONFIG_DIR = "/tmp/alertmanager";
const SECRETS_DIR = `${CONFIG_DIR}/secrets`;
const DATA_DIR = "/alertmanager";
const CONFIG_ENV = "ALERTMANAGER_CONFIG";

/**
 * An Alertmanager: the alerts every Prometheus of its stack fires reach
 * someone. Prometheus finds it the way it finds its targets, by walking the
 * stack at synth, and sends it alerts (`alerting` in prometheus.yml; it
 * joins the Alertmanager's networks). Alertmanager groups them, mutes the
 * warnings that follow from a broker node that is down (the default
 * inhibition rule), and notifies the receivers its routes name: a webhook,
 * email, Slack, PagerDuty, Microsoft Teams or Opsgenie.
 *
 * Secrets (a webhook URL with a token, an SMTP password, an API key) come
 * from sensitive Terraform values: they travel in the container's
 * environment (on a Swarm, as docker_secrets) and are written to files
 * under /tmp at start; alertmanager.yml, rendered at synth, names only the
 * files. One Alertmanager a stack: Prometheus sends every alert to each,
 * and two that are not clustered would notify twice.
 *
 * ```ts
 * const url = new TerraformVariable(stack, "alert_webhook_url", { type: "string", sensitive: true });
 * new Alertmanager(stack, "alertmanager", {
 *   receivers: [AlertReceiver.webhook("on-call", { url })],
 *   route: { groupWaitSeconds: 10, routes: [{ matchers: ['severity="critical"'], receiver: "on-call" }] },
 * });
 * ```
 */
export class Alertmanager extends Construct {
  /** Container name, hostname and network alias. */
  public readonly alertmanagerName: string;
  /** Where Prometheus sends alerts: `<name>:9093`, on the Alertmanager's networks. */
  public readonly address: string;
  /**
   * The Alertmanager docker_container (also `node.defaultChild`). On a
   * Swarm it is a service (`service`), and reading this throws.
   */
  public get container(): Container {
    if (this.declaredContainer === undefined) {
      throw new Error(`Alertmanager ${this.alertmanagerName} runs on a Swarm: it is a service (alertmanager.service), not a container`);
    }
    return this.declaredContainer;
  }
  /** On a Swarm: the Alertmanager docker_service (also `node.defaultChild`). */
  public readonly service?: Service;
  /** Where Alertmanager keeps its silences and the log of notifications sent. */
  public readonly dataVolume: DataVolume;
  /** The UI and API on the host, when published: `http://127.0.0.1:<port>`. */
  public readonly url?: string;
  /**
   * The networks given in the props, which a Prometheus of the stack joins;
   * undefined when it follows the Prometheus's.
   * @internal
   */
  public readonly givenNetworks?: readonly INetwork[];
  private readonly declaredContainer?: Container;
  private readonly rendered: string;

  constructor(scope: Construct, id: string, props: AlertmanagerProps) {
    super(scope, constructId(scope, id, "Alertmanager"));
    TopologyComment.of(this);
    if (props === null || typeof props !== "object" || Array.isArray(props)) {
      fail(this, "AlertmanagerProps must be an object", props, 'pass { receivers: [AlertReceiver.webhook("on-call", { url })] }');
    }
    checkKnownKeys(this, "AlertmanagerProps", props, ALERTMANAGER_PROPS);
    const nameOk = checkHostname(this, "name", props.name ?? id);
    this.alertmanagerName = nameOk ? (props.name ?? id) : `invalid-name-${this.node.addr.slice(0, 8)}`;
    if (nameOk) claimName(this, "hostname", this.alertmanagerName, "give the Alertmanager a name no broker, app or Prometheus uses");
    this.address = `${this.alertmanagerName}:${ALERTMANAGER_PORT}`;

    const { receivers, secrets } = receiverConfigs(this, props.receivers, SECRETS_DIR);
    const names = receivers.map((r) => r.name);
    const route = checkRoute(this, props.route, names);
    checkBoolean(this, "defaultInhibitRules", props.defaultInhibitRules);
    const inhibitRules = [
      ...(props.defaultInhibitRules === false ? [] : checkInhibitRules(this, defaultInhibitRules())),
      ...checkInhibitRules(this, props.inhibitRules),
    ];
    this.rendered = renderAlertmanagerConfig({ route, receivers, inhibitRules });

    const memoryMb = checkInteger(
      this,
      "memoryMb",
      props.memoryMb,
      32,
      "give Alertmanager at least 32 MiB (it takes ~20, amtool's health check ~15 more)",
      1024 * 1024,
    )
      ? (props.memoryMb ?? 128)
      : 128;
    checkInteger(this, "startTimeoutSeconds", props.startTimeoutSeconds, 1, "use 1 or more seconds", 24 * 3600);
    const swarm = swarmOf(this);
    const placementConstraints = checkPlacementConstraints(this, props.placementConstraints, swarm !== undefined);
    if (swarm !== undefined && props.uiHostPort !== undefined) {
      // A Swarm publishes in host mode on every address of the node: an open, unauthenticated API that can silence every alert.
      report(
        this,
        "uiHostPort cannot be published on 127.0.0.1 on a Swarm: the port would be open on every address of the Swarm node running Alertmanager",
        props.uiHostPort,
        `leave uiHostPort unset and reach http://${this.address} from a container on one of its networks (they are attachable), or put an authenticating proxy in front`,
      );
    }
    if (props.uiHostPort !== undefined) checkPort(this, "uiHostPort", props.uiHostPort);
    checkLabels(this, "labels", props.labels);
    const removalPolicy = checkOneOf(this, "dataRemovalPolicy", props.dataRemovalPolicy, ["retain", "destroy"])
      ? (props.dataRemovalPolicy ?? "retain")
      : "retain";
    this.givenNetworks = checkNetworkList(this, "networks", props.networks);
    const image = singleTaskImage(this, props.image, DefaultImages.alertmanager);
    // At synth, once every construct of the stack is declared.
    deferCheck(this, () => this.placementFindings());

    this.dataVolume = new DataVolume(this, "data", { name: `${this.alertmanagerName}-data`, removalPolicy });
    const published = typeof props.uiHostPort === "number" && swarm === undefined;
    const flags = [
      `--config.file=${CONFIG_DIR}/alertmanager.yml`,
      `--storage.path=${DATA_DIR}`,
      `--web.listen-address=:${ALERTMANAGER_PORT}`,
      // Links in notifications (a silence, the alert) open on the host where the UI is published.
      ...(published ? [`--web.external-url=http://127.0.0.1:${props.uiHostPort}/`] : []),
      // One instance, no peers: gossip (port 9094) off.
      "--cluster.listen-address=",
    ];
    const spec: ContainerSpec = {
      name: this.alertmanagerName,
      hostname: this.alertmanagerName,
      image,
      component: "alertmanager",
      networks: () => this.networks().map((network) => ({ network, aliases: [this.alertmanagerName] })),
      env: {
        [CONFIG_ENV]: this.rendered,
        GOMEMLIMIT: `${Math.floor(memoryMb * 0.8)}MiB`,
        ...Object.fromEntries(secrets.map((s) => [s.env, s.value])),
      },
      entrypoint: ["/bin/sh", "-c", startScript(secrets), "alertmanager"],
      command: flags,
      ports: published ? [{ containerPort: ALERTMANAGER_PORT, hostPort: props.uiHostPort as number }] : [],
      volumes: [{ volumeName: this.dataVolume.volumeName, containerPath: DATA_DIR }],
      // No wget or curl in the image: amtool asks the API (/api/v2/status), which answers once the configuration is loaded.
      healthCheck: HealthCheck.shell(`/bin/amtool --alertmanager.url=http://localhost:${ALERTMANAGER_PORT} config show > /dev/null`, {
        intervalSeconds: 5,
        timeoutSeconds: 5,
        startPeriodSeconds: 5,
        retries: 12,
      }),
      waitTimeoutSeconds: props.startTimeoutSeconds ?? 60,
      memoryMb,
      restart: "unless-stopped",
      // Alertmanager writes its silences and notification log on SIGTERM.
      destroyGraceSeconds: 10,
      labels: props.labels,
      hardening: resolveHardening(this, props.hardening, HardeningProfiles.app),
    };
    // The start command reads each secret from <NAME>_FILE (a docker_secret's file) when it is set.
    ({ container: this.declaredContainer, service: this.service } = declareSingleTask(this, spec, {
      swarm,
      constraints: placementConstraints,
      convergeTimeoutSeconds: props.startTimeoutSeconds ?? 60,
    }));

    if (published) {
      this.url = uiUrlOutput(
        this,
        this.alertmanagerName,
        props.uiHostPort as number,
        "Alertmanager",
        "give the Alertmanager its own name (output names replace '-' and '.' with '_')",
      );
    }
  }

  /** Whether `construct` is an Alertmanager. */
  public static isAlertmanager(construct: unknown): construct is Alertmanager {
    return construct instanceof Alertmanager;
  }

  /** The networks it joins: the ones given, or else those of the stack's Prometheus (found at the time of the call). */
  public networks(): INetwork[] {
    if (this.givenNetworks !== undefined && this.givenNetworks.length > 0) return [...this.givenNetworks];
    const networks: INetwork[] = [];
    for (const sender of TerraformStack.of(this).node.findAll().filter(isAlertSender)) {
      for (const n of sender.scrapeNetworks()) if (!networks.some((m) => m.networkName === n.networkName)) networks.push(n);
    }
    return networks;
  }

  /** alertmanager.yml, as rendered at synth (secrets as the files they are written to). */
  public renderConfig(): string {
    return this.rendered;
  }

  /** A network to be on, and one Alertmanager a stack. */
  private placementFindings(): Finding[] {
    const findings: Finding[] = [];
    if (this.networks().length === 0) {
      findings.push({
        problem: "Alertmanager is on no network: it was given none, and the stack has no Prometheus whose networks it would join",
        received: this.givenNetworks ?? [],
        fix: "pass networks: [network], or add a Prometheus to the stack",
      });
    }
    const first = TerraformStack.of(this).node.findAll().find(Alertmanager.isAlertmanager);
    if (first !== undefined && first !== this) {
      findings.push({
        problem: `the stack has a second Alertmanager (the first: ${first.node.path}): Prometheus sends every alert to each, and two that are not clustered notify twice`,
        received: this.alertmanagerName,
        fix: "keep one Alertmanager and route alerts to several receivers with route.routes (continue: true to notify more than one)",
      });
    }
    return findings;
  }
}

/**
 * The container's start: alertmanager.yml and each secret written to the
 * /tmp tmpfs (mode 600), each secret from `<NAME>_FILE` when set (a Swarm's
 * docker_secret) or else from `$NAME`; an empty secret stops the start with
 * a line naming it. Then the values leave the environment and Alertmanager
 * replaces the shell.
 */
function startScript(secrets: readonly AlertmanagerSecret[]): string {
  const writes = secrets.map(
    (s) =>
      `{ if [ -n "$${s.env}_FILE" ]; then cat "$${s.env}_FILE"; else printf '%s' "$${s.env}"; fi; } > ${s.file}` +
      ` && { [ -s ${s.file} ] || { echo "alertmanager: the secret ${s.env} is empty" >&2; exit 1; }; }`,
  );
  return [
    `umask 077`,
    `mkdir -p ${SECRETS_DIR}`,
    `printf '%s' "$${CONFIG_ENV}" > ${CONFIG_DIR}/alertmanager.yml`,
    ...writes,
    `unset ${[CONFIG_ENV, ...secrets.map((s) => s.env)].join(" ")}`,
    `exec /bin/alertmanager "$@"`,
  ].join(" && ");
}
