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
import { swarmOf } from "../provider/swarm-target";
import {
  checkHostname,
  checkInteger,
  checkKnownKeys,
  checkLabels,
  checkOneOf,
  checkPort,
  claimName,
  isToken,
  constructId,
  checkNetworkList,
} from "../private/validation";
import { HardeningProfiles, resolveHardening, type ContainerHardening } from "../security/container-hardening";
import { DataVolume, type RemovalPolicy } from "../storage/data-volume";
import { defaultAlertRules, renderAlertRules, type PrometheusAlertRule } from "./alert-rules";
import { markAlertSender } from "./alert-senders";
import { Alertmanager } from "./alertmanager";
import { isMetricsSource, type IMetricsSource, type ScrapeTarget } from "./metrics";
import { conflictingJobs, PROMETHEUS_PORT, renderPrometheusConfig } from "./prometheus-config";
import { alertTemplateProblem, promqlProblem } from "./promql-syntax";
import { unservedMetricFindings } from "./rule-metrics";
import { TopologyComment } from "../topology/topology-comment";
import { declareSingleTask, singleTaskImage, uiUrlOutput } from "./single-task";

/** Props of a {@link Prometheus}. */
export interface PrometheusProps {
  /**
   * Container name, hostname and network alias.
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * The Prometheus image (the official prom/prometheus layout: /bin/prometheus,
   * /bin/promtool, data in /prometheus, user nobody, and /bin/sh).
   * @default - DefaultImages.prometheus
   */
  readonly image?: ContainerImage;
  /**
   * Seconds between two scrapes of every target, and between two rule
   * evaluations. 5 to 300: more often costs the JVM brokers CPU for every
   * MBean read; beyond 300 s Prometheus marks every series stale between scrapes.
   * @default 15
   */
  readonly scrapeIntervalSeconds?: number;
  /**
   * Days of samples kept on the data volume (1 to 3650).
   * @default 15
   */
  readonly retentionDays?: number;
  /**
   * Also drop the oldest samples once the data takes this many MiB (at least 64).
   * @default - no size limit, only retentionDays
   */
  readonly retentionSizeMb?: number;
  /**
   * Memory limit in MiB (at least 64). Go's soft limit (GOMEMLIMIT) is set
   * to 80% of it, so the collector works harder before the kernel kills it.
   * @default 256
   */
  readonly memoryMb?: number;
  /**
   * Publish the UI and API on 127.0.0.1:<uiHostPort> of the host.
   * @default - not published
   */
  readonly uiHostPort?: number;
  /**
   * Networks Prometheus joins besides those of its targets (which it joins
   * anyway, to reach them).
   * @default - only its targets' networks
   */
  readonly networks?: INetwork[];
  /**
   * Load the default alerting rules (broker node down, app down, queue
   * growing without consumers, resource alarm, consumer lag growing,
   * under-replicated and offline partitions, dead-lettering).
   * @default true
   */
  readonly defaultAlertRules?: boolean;
  /**
   * More alerting rules, loaded with the defaults.
   * @default - none
   */
  readonly alertRules?: PrometheusAlertRule[];
  /**
   * What `cdktf destroy` does to the data volume.
   * @default "retain"
   */
  readonly dataRemovalPolicy?: RemovalPolicy;
  /**
   * Seconds deploy waits for Prometheus to report ready.
   * @default 120
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
   * On a Swarm: where the Prometheus service may run, as Docker placement
   * constraints (`node.labels.monitoring==1`). Its data volume lives on the
   * Swarm node that runs it, so a constraint that names one node keeps its
   * history across restarts and moves. Refused on one engine.
   * @default ["node.role==manager"]
   */
  readonly placementConstraints?: string[];
}

const PROMETHEUS_PROPS: Record<keyof PrometheusProps, true> = {
  name: true,
  image: true,
  scrapeIntervalSeconds: true,
  retentionDays: true,
  retentionSizeMb: true,
  memoryMb: true,
  uiHostPort: true,
  networks: true,
  defaultAlertRules: true,
  alertRules: true,
  dataRemovalPolicy: true,
  startTimeoutSeconds: true,
  labels: true,
  hardening: true,
  placementConstraints: true,
};
const RULE_PROPS: Record<keyof PrometheusAlertRule, true> = {
  name: true,
  expression: true,
  forSeconds: true,
  severity: true,
  summary: true,
};

/** Where the start command writes the rendered files (the root filesystem is read-only; /tmp is a tmpfs). */
const CONFIG_DIR = "/tmp/prometheus";
const DATA_DIR = "/prometheus";
const CONFIG_ENV = "PROMETHEUS_CONFIG";
const RULES_ENV = "PROMETHEUS_RULES";

/**
 * A Prometheus that scrapes every broker node and every app of its stack
 * without being told about each: at synth it walks the stack's construct
 * tree for metrics sources (brokers, apps; anything implementing
 * IMetricsSource), so a broker or app added anywhere in the stack, before or
 * after it, is scraped. It joins every network its targets are on, keeps its
 * data on a named volume, loads alerting rules, and is healthy (deploy waits)
 * once ready to serve queries.
 *
 * The configuration and rules travel in the container's environment and are
 * written to /tmp at start, so the root filesystem stays read-only; a change
 * replaces the container and keeps the data.
 *
 * On a Swarm it is a one-task service (on a manager unless
 * `placementConstraints` says otherwise) that finds broker nodes by their
 * names and each app's tasks by the service's task DNS (`tasks.<app>`), so
 * tasks that move or scale are followed.
 */
export class Prometheus extends Construct {
  /** Container name, hostname and network alias. */
  public readonly prometheusName: string;
  /**
   * The Prometheus docker_container (also `node.defaultChild`). On a Swarm
   * it is a service (`service`), and reading this throws.
   */
  public get container(): Container {
    if (this.declaredContainer === undefined) {
      throw new Error(`Prometheus ${this.prometheusName} runs on a Swarm: it is a service (prometheus.service), not a container`);
    }
    return this.declaredContainer;
  }
  /** On a Swarm: the Prometheus docker_service (also `node.defaultChild`). */
  public readonly service?: Service;
  /** Where Prometheus keeps its time series. */
  public readonly dataVolume: DataVolume;
  /** The UI and API on the host, when published: `http://127.0.0.1:<port>`. */
  public readonly url?: string;
  /** Seconds between two scrapes of a target. */
  public readonly scrapeIntervalSeconds: number;
  private readonly extraNetworks: readonly INetwork[];
  /** The user's rules, once checked. */
  private readonly userRules: readonly PrometheusAlertRule[];
  private readonly loadDefaultRules: boolean;
  private readonly declaredContainer?: Container;

  constructor(scope: Construct, id: string, props: PrometheusProps = {}) {
    super(scope, constructId(scope, id, "Prometheus"));
    TopologyComment.of(this);
    markAlertSender(this);
    if (props === null || typeof props !== "object") fail(this, "PrometheusProps must be an object", props, "pass {} or leave props out");
    checkKnownKeys(this, "PrometheusProps", props, PROMETHEUS_PROPS);
    const nameOk = checkHostname(this, "name", props.name ?? id);
    this.prometheusName = nameOk ? (props.name ?? id) : `invalid-name-${this.node.addr.slice(0, 8)}`;
    if (nameOk) claimName(this, "hostname", this.prometheusName, "give Prometheus a name no broker or app uses");

    const int = (field: keyof PrometheusProps, min: number, max: number, fallback: number, fix: string): number =>
      checkInteger(this, field, props[field], min, fix, max) ? ((props[field] as number | undefined) ?? fallback) : fallback;
    this.scrapeIntervalSeconds = int(
      "scrapeIntervalSeconds",
      5,
      300,
      15,
      "use 5 to 300 seconds: more often costs the JVM brokers CPU at every scrape; beyond 300 Prometheus marks every series stale between scrapes",
    );
    const retentionDays = int("retentionDays", 1, 3650, 15, "keep 1 to 3650 days of samples");
    checkInteger(
      this,
      "retentionSizeMb",
      props.retentionSizeMb,
      64,
      "use at least 64 MiB (one TSDB block and the write-ahead log)",
      1024 * 1024 * 1024,
    );
    const memoryMb = int("memoryMb", 64, 1024 * 1024, 256, "give Prometheus at least 64 MiB (its head block of a small stack takes ~40)");
    const swarm = swarmOf(this);
    const placementConstraints = checkPlacementConstraints(this, props.placementConstraints, swarm !== undefined);
    if (swarm !== undefined && props.uiHostPort !== undefined) {
      // A Swarm publishes in host mode on every address of the node: an open, unauthenticated query API.
      report(
        this,
        "uiHostPort cannot be published on 127.0.0.1 on a Swarm: the port would be open on every address of the Swarm node running Prometheus",
        props.uiHostPort,
        `leave uiHostPort unset and reach http://${this.prometheusName}:${PROMETHEUS_PORT} from a container on one of its networks (they are attachable), or put an authenticating proxy in front`,
      );
    }
    checkInteger(this, "startTimeoutSeconds", props.startTimeoutSeconds, 1, "use 1 or more seconds", 24 * 3600);
    if (props.uiHostPort !== undefined) checkPort(this, "uiHostPort", props.uiHostPort);
    checkLabels(this, "labels", props.labels);
    const removalPolicy = checkOneOf(this, "dataRemovalPolicy", props.dataRemovalPolicy, ["retain", "destroy"])
      ? (props.dataRemovalPolicy ?? "retain")
      : "retain";
    this.extraNetworks = checkNetworkList(this, "networks", props.networks) ?? [];
    if (props.defaultAlertRules !== undefined && typeof props.defaultAlertRules !== "boolean") {
      report(this, "defaultAlertRules must be true or false", props.defaultAlertRules, "pass false to load only your alertRules");
    }
    const userRules = checkRules(this, props.alertRules);
    this.userRules = userRules;
    this.loadDefaultRules = props.defaultAlertRules !== false;
    // At synth, once every target of the stack is declared. The default rules are each kind's own, on what it serves: not checked.
    deferCheck(this, () =>
      unservedMetricFindings(
        userRules,
        this.targets().map((t) => t.servedMetrics),
      ),
    );
    // At synth too: the kinds' default rules are known once every source is declared.
    deferCheck(this, () => duplicateRuleFindings(this.alertRules));
    const image = singleTaskImage(this, props.image, DefaultImages.prometheus);

    this.dataVolume = new DataVolume(this, "data", { name: `${this.prometheusName}-data`, removalPolicy });
    const flags = [
      `--config.file=${CONFIG_DIR}/prometheus.yml`,
      `--storage.tsdb.path=${DATA_DIR}`,
      `--storage.tsdb.retention.time=${retentionDays}d`,
      ...(typeof props.retentionSizeMb === "number" ? [`--storage.tsdb.retention.size=${props.retentionSizeMb}MB`] : []),
      `--web.listen-address=:${PROMETHEUS_PORT}`,
    ];
    const spec: ContainerSpec = {
      name: this.prometheusName,
      hostname: this.prometheusName,
      image,
      component: "prometheus",
      networks: () => this.networks().map((network) => ({ network, aliases: [this.prometheusName] })),
      env: () => ({
        [CONFIG_ENV]: this.renderConfig(),
        [RULES_ENV]: renderAlertRules(this.alertRules),
        GOMEMLIMIT: `${Math.floor(memoryMb * 0.8)}MiB`,
      }),
      entrypoint: [
        "/bin/sh",
        "-c",
        `mkdir -p ${CONFIG_DIR} && printf '%s' "$${CONFIG_ENV}" > ${CONFIG_DIR}/prometheus.yml && printf '%s' "$${RULES_ENV}" > ${CONFIG_DIR}/rules.yml && exec /bin/prometheus "$@"`,
        "prometheus",
      ],
      command: flags,
      ports: props.uiHostPort !== undefined ? [{ containerPort: PROMETHEUS_PORT, hostPort: props.uiHostPort }] : [],
      volumes: [{ volumeName: this.dataVolume.volumeName, containerPath: DATA_DIR }],
      healthCheck: HealthCheck.exec(["/bin/promtool", "check", "ready", `--url=http://localhost:${PROMETHEUS_PORT}`], {
        intervalSeconds: 5,
        timeoutSeconds: 5,
        startPeriodSeconds: 5,
        retries: 12,
      }),
      waitTimeoutSeconds: props.startTimeoutSeconds ?? 120,
      memoryMb,
      restart: "unless-stopped",
      // Prometheus writes its head block and WAL checkpoint on SIGTERM.
      destroyGraceSeconds: 30,
      labels: props.labels,
      hardening: resolveHardening(this, props.hardening, HardeningProfiles.app),
    };
    ({ container: this.declaredContainer, service: this.service } = declareSingleTask(this, spec, {
      swarm,
      constraints: placementConstraints,
      convergeTimeoutSeconds: props.startTimeoutSeconds ?? 120,
    }));

    if (props.uiHostPort !== undefined && typeof props.uiHostPort === "number") {
      this.url = uiUrlOutput(
        this,
        this.prometheusName,
        props.uiHostPort,
        "Prometheus",
        "give each Prometheus its own name (output names replace '-' and '.' with '_')",
      );
    }
    deferCheck(this, () =>
      conflictingJobs(this.targets()).map(({ job, paths }) => ({
        problem: `two metrics sources name the scrape job "${job}" with different paths (${paths.join(", ")})`,
        received: job,
        fix: "give each kind of endpoint its own job name",
      })),
    );
  }

  /** Every endpoint this Prometheus scrapes, found in its stack's construct tree at the time of the call. */
  public targets(): ScrapeTarget[] {
    return this.sources().flatMap((source) => source.metricsTargets());
  }

  /**
   * The alerting rules it loads, at the time of the call: the defaults (the
   * shared ones and those of every scraped source's kind, once each) and the
   * `alertRules` given.
   */
  public get alertRules(): readonly PrometheusAlertRule[] {
    if (!this.loadDefaultRules) return this.userRules;
    const kindRules = new Map<string, PrometheusAlertRule>();
    // A source gives none for what it does not serve (a broker with metrics off: BrokerBase.alertRules).
    for (const source of this.sources()) {
      for (const rule of source.alertRules?.(this.scrapeIntervalSeconds) ?? [])
        if (!kindRules.has(rule.name)) kindRules.set(rule.name, rule);
    }
    return [...defaultAlertRules(this.scrapeIntervalSeconds, [...kindRules.values()]), ...this.userRules];
  }

  private sources(): IMetricsSource[] {
    return TerraformStack.of(this).node.findAll().filter(isMetricsSource);
  }

  /** The networks it joins: its targets' (to reach them), the ones given, and those given to the stack's Alertmanager (to send it alerts). */
  public networks(): INetwork[] {
    return uniqueNetworks([...this.scrapeNetworks(), ...this.alertmanagers().flatMap((a) => a.givenNetworks ?? [])]);
  }

  /** The networks it joins whatever the Alertmanager: its targets' and the ones given (an Alertmanager given no networks joins these). */
  public scrapeNetworks(): INetwork[] {
    return uniqueNetworks([...this.extraNetworks, ...this.targets().map((t) => t.network)]);
  }

  /** The Alertmanagers it sends alerts to: every one of its stack, found in the construct tree at the time of the call. */
  public alertmanagers(): Alertmanager[] {
    return TerraformStack.of(this).node.findAll().filter(Alertmanager.isAlertmanager);
  }

  /** prometheus.yml, as rendered at synth. */
  public renderConfig(): string {
    return renderPrometheusConfig({
      scrapeIntervalSeconds: this.scrapeIntervalSeconds,
      rulesFile: `${CONFIG_DIR}/rules.yml`,
      targets: this.targets(),
      alertmanagers: this.alertmanagers().map((a) => a.address),
    });
  }
}

const ALERT_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function uniqueNetworks(all: readonly INetwork[]): INetwork[] {
  const networks: INetwork[] = [];
  for (const n of all) if (!networks.some((m) => m.networkName === n.networkName)) networks.push(n);
  return networks;
}

function checkRules(scope: Construct, rules: unknown): PrometheusAlertRule[] {
  if (rules === undefined) return [];
  if (!Array.isArray(rules)) {
    report(scope, "alertRules must be a list of rules", rules, 'pass [{ name: "OrdersBacklog", expression: "...", summary: "..." }]');
    return [];
  }
  const valid: PrometheusAlertRule[] = [];
  rules.forEach((rule: PrometheusAlertRule, i) => {
    const at = `alertRules[${i}]`;
    if (rule === null || typeof rule !== "object") {
      report(scope, `${at} must be an object`, rule, "pass { name, expression, summary }");
      return;
    }
    checkKnownKeys(scope, at, rule, RULE_PROPS);
    let ok = true;
    if (typeof rule.name !== "string" || !ALERT_NAME.test(rule.name)) {
      report(scope, `${at}.name must be letters, digits and '_', not starting with a digit`, rule.name, 'use e.g. "OrdersBacklog"');
      ok = false;
    }
    if (typeof rule.expression !== "string" || rule.expression.trim() === "" || isToken(rule.expression)) {
      report(
        scope,
        `${at}.expression must be a PromQL expression`,
        rule.expression,
        'pass e.g. "rabbitmq_detailed_queue_messages_ready > 1000"',
      );
      ok = false;
    } else {
      // Prometheus refuses the whole rules file at start on one syntax error: the deploy would wait for it in vain.
      const problem = promqlProblem(rule.expression);
      if (problem !== undefined) {
        report(
          scope,
          `${at}.expression is not valid PromQL: ${problem}`,
          rule.expression,
          "correct the expression (Prometheus would not start with it)",
        );
        ok = false;
      }
    }
    const templateProblem = typeof rule.summary === "string" ? alertTemplateProblem(rule.summary) : undefined;
    if (templateProblem !== undefined) {
      report(
        scope,
        `${at}.summary is not a valid alert template: ${templateProblem}`,
        rule.summary,
        'write e.g. "queue {{ $labels.queue }} has {{ $value }} messages" (Prometheus would not start with it)',
      );
      ok = false;
    }
    if (typeof rule.summary !== "string" || rule.summary.trim() === "") {
      report(
        scope,
        `${at}.summary must say what is wrong, in one line`,
        rule.summary,
        'pass e.g. "queue {{ $labels.queue }} has a backlog"',
      );
      ok = false;
    }
    if (!checkInteger(scope, `${at}.forSeconds`, rule.forSeconds, 0, "use 0 or more seconds", 7 * 24 * 3600)) ok = false;
    if (!checkOneOf(scope, `${at}.severity`, rule.severity, ["warning", "critical"])) ok = false;
    if (ok) valid.push(rule);
  });
  return valid;
}

function duplicateRuleFindings(rules: readonly PrometheusAlertRule[]): Finding[] {
  const seen = new Set<string>();
  const findings: Finding[] = [];
  for (const r of rules) {
    if (seen.has(r.name)) {
      findings.push({
        problem: `two alert rules are named "${r.name}"`,
        received: r.name,
        fix: "give each rule its own name (a default rule's name is taken: pass defaultAlertRules: false to replace the defaults)",
      });
    }
    seen.add(r.name);
  }
  return findings;
}
