/**
 * The base class of every broker kind: BrokerBase, which checks the shared
 * props (BrokerBaseProps, in broker-props), holds the nodes and gives a kind
 * its helpers. The self-contained parts are beside it: broker-kind (what a kind
 * tells the base), broker-naming, broker-credentials, broker-tls,
 * broker-ports, broker-metrics, broker-node (one node's workload),
 * broker-setup-job and broker-wiring.
 */
import { TerraformOutput, type ITerraformDependable, type TerraformVariable } from "../private/framework";
import { Construct, type IConstruct } from "constructs";
import { fail, report } from "../errors/problems";
import { captureUserLocation } from "../errors/source-location";
import { ContainerImage, type BoundImage } from "../images/container-image";
import type { INetwork } from "../networking/network";
import type { Container, Service } from "../private/bindings";
import { sha256, terraformIdentifier } from "../private/terraform-text";
import {
  checkHostname,
  checkInteger,
  checkKnownKeys,
  checkLabels,
  checkOneOf,
  claimName,
  isToken,
  constructId,
} from "../private/validation";
import { HardeningProfiles, resolveHardening, type ResolvedHardening } from "../security/container-hardening";
import { DataVolume, type RemovalPolicy } from "../storage/data-volume";
import type { ITlsCertificates } from "../security/tls-certificates";
import type { PrometheusAlertRule } from "../observability/alert-rules";
import { TopologyComment } from "../topology/topology-comment";
import type { BrokerKindTopology } from "../topology/topology-description";
import type { IMetricsSource, ScrapeTarget } from "../observability/metrics";
import type { BrokerEndpoint, BrokerWiring, IBroker, IBrokerClient } from "./broker";
import type { BrokerKindDescription } from "./broker-kind";
import type { BrokerBaseProps } from "./broker-props";
import { checkSecretToken, declareSecretVariable, derivePassword } from "./broker-credentials";
import { brokerScrapeTargets, nodeMetricsPorts, resolveMetricsSettings } from "./broker-metrics";
import { brokerNodes, checkedNodeCount, checkSoleOwner, endpointOf, type BrokerNode } from "./broker-naming";
import { declareBrokerNode, type BrokerNodeSpec } from "./broker-node";
import { checkPortRange } from "./broker-ports";
import { declareSetupJob, numberedAppUsers, type BrokerSetupJobSpec, type SetupJobUser } from "./broker-setup-job";
import { appTlsOf, resolveBrokerTls } from "./broker-tls";
import { wireApp } from "./broker-wiring";

// What the kinds import from here besides the class: their props' base, the node they declare, the secret-prop check, their first container.
export { BROKER_BASE_PROPS, type BrokerBaseProps } from "./broker-props";
export { checkSecretToken } from "./broker-credentials";
export type { BrokerNode } from "./broker-naming";

/**
 * What every broker kind shares: name and hostname rules, the data volume,
 * endpoints, outputs and variables with names unique in the stack, the
 * shared props rules, and wiring apps (network, connection settings, start
 * order). A kind adds its own props, its node's container settings and its
 * grant verbs; see RabbitMqBroker and KafkaBroker.
 */
export abstract class BrokerBase extends Construct implements IBroker, IMetricsSource {
  public readonly kind: string;
  public readonly brokerName: string;
  public readonly network: INetwork;
  public readonly endpoint: BrokerEndpoint;
  public readonly hostEndpoint?: BrokerEndpoint;
  /** Memory limit of each node's container, in MiB (the `memoryMb` prop or the kind's default). */
  public readonly memoryMb: number;
  /** The nodes, in order (one unless `nodes` says more). */
  public readonly nodes: readonly BrokerNode[];
  /** The image the broker's containers run. */
  protected readonly image: BoundImage;
  private readonly baseProps: BrokerBaseProps;
  /** dataRemovalPolicy, once checked (an invalid one was reported and counts as "retain"). */
  private readonly removalPolicy?: RemovalPolicy;
  private readonly nodeContainers: Container[] = [];
  private readonly nodeServices: Service[] = [];
  /** The kind's set-up job (addSetupJob), once declared. */
  private setupJobContainer?: Container;
  /** The derived passwords made so far, by user: each Fn.sha256 call is a new Token, and equal wirings must compare equal. */
  private readonly derivedPasswords = new Map<string, string>();
  private credentialsKeyValue?: string;
  /** The broker's certificates, when `tls` is on. */
  public readonly tls?: ITlsCertificates;
  /** The nodes' hardening, checked. */
  private readonly hardening: ResolvedHardening;
  /** The `metrics` prop, checked. */
  protected readonly metricsSettings: {
    /** Whether the nodes serve metrics. */
    readonly enabled: boolean;
    /** The host port node 1's metrics are published on (node i: + i - 1), when published. */
    readonly hostPort?: number;
  };
  private readonly metricsDescription?: BrokerKindDescription["metrics"];
  /** What the kind said of itself, for the hooks the shared code asks (describeTopology, alertRules, connectionVariables). */
  private readonly kindDescription: BrokerKindDescription;

  protected constructor(scope: Construct, id: string, props: BrokerBaseProps, description: BrokerKindDescription) {
    super(scope, constructId(scope, id, description.propsName.replace(/Props$/, "")));
    TopologyComment.of(this);
    if (props === undefined || props === null || typeof props !== "object") {
      fail(this, `${description.propsName} are required`, props, "pass props with at least { network }");
    }
    const network: unknown = props.network;
    if (network === undefined || network === null || typeof (network as { networkName?: unknown }).networkName !== "string") {
      fail(this, "network is required and must be a Network", network, `pass { network: new Network(scope, "net") }`);
    }
    this.kind = description.kind;
    this.kindDescription = description;
    this.baseProps = props;
    this.network = props.network;
    checkKnownKeys(this, description.propsName, props, description.knownProps);
    const nameOk = checkHostname(this, "name", props.name ?? id);
    // An invalid name was reported; a placeholder unique to this construct keeps it from causing more reports.
    this.brokerName = nameOk ? (props.name ?? id) : `invalid-name-${sha256(this.node.path, 8)}`;
    // Host names compare without case in Docker's DNS: `Kafka` and `kafka` would be one alias.
    if (nameOk) claimName(this, "hostname", this.brokerName, "give each broker a name that differs in more than letter case");
    this.memoryMb = checkInteger(this, "memoryMb", props.memoryMb, description.minMemoryMb, description.memoryFix, 1024 * 1024)
      ? (props.memoryMb ?? description.defaultMemoryMb)
      : description.defaultMemoryMb;
    checkInteger(this, "startTimeoutSeconds", props.startTimeoutSeconds, 1, "use 1 or more seconds", 24 * 3600);
    checkInteger(
      this,
      "stopGracePeriodSeconds",
      props.stopGracePeriodSeconds,
      0,
      "use 0 or more seconds (30 lets a broker stop cleanly)",
      3600,
    );
    if (!checkOneOf(this, "dataRemovalPolicy", props.dataRemovalPolicy, ["retain", "destroy"])) this.removalPolicy = "retain";
    else this.removalPolicy = props.dataRemovalPolicy;
    checkLabels(this, "labels", props.labels);
    checkSecretToken(this, "credentialsKey", props.credentialsKey, `credentials_key`);
    this.hardening = resolveHardening(this, props.hardening, HardeningProfiles.broker(description.addedCapabilities ?? []));
    if (props.image !== undefined && !(props.image instanceof ContainerImage)) {
      report(
        this,
        "image is not a ContainerImage",
        props.image,
        'use ContainerImage.fromRegistry("name:tag"), fromLocal(...) or fromBuild(folder)',
      );
    }

    const count = checkedNodeCount(this, props.nodes, this.brokerName, nameOk);
    if (description.hostPort !== undefined && count > 1) checkPortRange(this, "host ports", description.hostPort, count);
    this.metricsDescription = description.metrics;
    this.metricsSettings = resolveMetricsSettings(this, props.metrics, count, description);
    this.tls = resolveBrokerTls(this, props.tls, this.brokerName, count, description, this.removalPolicy);
    this.nodes = brokerNodes(this, this.brokerName, count, description);
    // Every node answers to the broker's name too: a client that names the
    // broker reaches whichever node is up (Docker's DNS leaves stopped
    // containers out).
    this.endpoint = endpointOf(this.brokerName, description.internalPort);
    this.hostEndpoint = this.nodes[0].hostEndpoint;
    const image = props.image instanceof ContainerImage ? props.image : ContainerImage.fromRegistry(description.defaultImage);
    this.image = image.bind(this);
  }

  /** The broker's containers (one a node), in order. */
  public get containers(): readonly Container[] {
    return this.nodeContainers;
  }

  /** The endpoints of every node for containers on the network. */
  public get endpoints(): BrokerEndpoint[] {
    return this.nodes.map((n) => n.endpoint);
  }

  /** The endpoints of every node for clients on the host, when published. */
  public get hostEndpoints(): BrokerEndpoint[] {
    return this.nodes.flatMap((n) => (n.hostEndpoint ? [n.hostEndpoint] : []));
  }

  /** Whether the nodes serve Prometheus metrics (the `metrics` prop). */
  public get metricsEnabled(): boolean {
    return this.metricsSettings.enabled;
  }

  /** Every node's metrics endpoints, for a `Prometheus` of the stack; none when metrics are off. */
  public metricsTargets(): ScrapeTarget[] {
    const description = this.metricsDescription;
    if (!this.metricsSettings.enabled || !description) return [];
    return brokerScrapeTargets(this, description);
  }

  /**
   * The kind's default alert rules, when the nodes serve metrics (a
   * `Prometheus` of the stack loads them with its defaults).
   */
  public alertRules(scrapeIntervalSeconds: number): PrometheusAlertRule[] {
    if (!this.metricsSettings.enabled) return [];
    return this.metricsDescription?.alertRules?.(scrapeIntervalSeconds) ?? [];
  }

  /** The environment variables the kind's grant verbs set on wired apps (typos of them in an app's environment are refused). */
  public get connectionVariables(): readonly string[] {
    return this.kindDescription.connectionVariables ?? [];
  }

  /**
   * The kind's part of the stack's topology description (describeTopology):
   * its title, what its ports are for, and its entities and the links
   * between them (see topologyEntities), given the wirings of apps to it.
   */
  public describeTopology(wirings: readonly BrokerWiring[]): BrokerKindTopology {
    return {
      title: this.kindDescription.title ?? this.kind,
      portNames: { ...this.kindDescription.portNames }, // JSON: the port numbers become string keys
      ...this.topologyEntities(wirings),
    };
  }

  /**
   * The kind's entities (queues, exchanges, topics, ...) and the links
   * between them (bindings, dead-letter paths), for the topology description
   * and picture. `wirings` are the apps' wirings to this broker (a kind may
   * show a predefined entity only where an app uses it).
   * @default - none: the picture shows the broker's nodes and the apps wired to it
   */
  protected topologyEntities(_wirings: readonly BrokerWiring[]): Pick<BrokerKindTopology, "entities" | "links"> {
    return { entities: [], links: [] };
  }

  /**
   * Created before a wired app: the broker's containers (healthy first, see
   * `wait`), then the kind's set-up job if it has one (created with
   * `attach`: it exists once done).
   */
  public startDependencies(): ITerraformDependable[] {
    return [...this.nodeContainers, ...this.nodeServices, ...(this.setupJobContainer ? [this.setupJobContainer] : [])];
  }

  /** Every node's workload: its container on one engine, its service on a Swarm (what a set-up job waits for). */
  protected get nodeWorkloads(): ITerraformDependable[] {
    return [...this.nodeContainers, ...this.nodeServices];
  }

  /** On a Swarm: the broker's services (one a node), in order; empty on one engine. */
  public get services(): readonly Service[] {
    return this.nodeServices;
  }

  /** The identifier Terraform variables and outputs of this broker start with (`orders-mq` -> `orders_mq`). */
  protected get terraformPrefix(): string {
    return terraformIdentifier(this.brokerName);
  }

  /**
   * A named volume `<node name>-<suffix>` for a node's data, kept or removed
   * as `dataRemovalPolicy` says. Construct id `data` with one node, `data-<i>` otherwise.
   */
  protected addDataVolume(node: BrokerNode = this.nodes[0], suffix = "data"): DataVolume {
    const id = this.nodes.length === 1 ? suffix : `${suffix}-${node.index}`;
    return new DataVolume(this, id, { name: `${node.name}-${suffix}`, removalPolicy: this.removalPolicy });
  }

  /**
   * Declares one node's container: fixed name, hostname and aliases (the
   * node's and the broker's), restart unless stopped, created with `wait`
   * (exists only once healthy), a stop grace period. The first node is this
   * construct's defaultChild.
   */
  protected addNode(node: BrokerNode, spec: BrokerNodeSpec): Container | Service {
    const declared = declareBrokerNode(this, node, spec, {
      brokerName: this.brokerName,
      kind: this.kind,
      network: this.network,
      image: this.image,
      tls: this.tls,
      memoryMb: this.memoryMb,
      hardening: this.hardening,
      props: this.baseProps,
      nodeCount: this.nodes.length,
      metricsPorts: nodeMetricsPorts(node, this.metricsSettings, this.metricsDescription),
    });
    if ("service" in declared) {
      if (this.nodeServices.length === 0) this.node.defaultChild = declared.service;
      this.nodeServices.push(declared.service);
      return declared.service;
    }
    if (this.nodeContainers.length === 0) this.node.defaultChild = declared.container;
    this.nodeContainers.push(declared.container);
    return declared.container;
  }

  /**
   * Declares the kind's one-shot set-up job `<broker>-setup` (construct id
   * `setup`; one a broker), after every node is declared: it is created once
   * the nodes are healthy (nodeWorkloads), runs to completion during deploy
   * (a non-zero exit fails it: `<task> failed: see docker logs
   * <broker>-setup.`), and startDependencies includes it, so wired apps start
   * once it is done. Give `env` and `command` as functions to render at synth
   * the grants made after it.
   */
  protected addSetupJob(spec: BrokerSetupJobSpec): Container {
    this.setupJobContainer = declareSetupJob(this, this.brokerName, this.nodeWorkloads, spec);
    return this.setupJobContainer;
  }

  /**
   * The wired apps' users as a set-up job creates them: `apps` (their
   * names) in code-unit order, app i's password (derivedPassword) in the
   * job's environment variable `APP_PASSWORD_<i>`.
   */
  protected appUsers(apps: Iterable<string>): SetupJobUser[] {
    return numberedAppUsers(apps, (user) => this.derivedPassword(user));
  }

  /**
   * What a wired app needs to verify this broker's certificate: the CA
   * volume mounted read-only at `/etc/messaging/tls-ca/<broker>` (one folder
   * a broker: an app may use two TLS brokers with two CAs) and the CA file's path.
   */
  protected appTls():
    | {
        /** The CA volume, mounted read-only. */
        volumes: {
          /** The CA volume. */
          volumeName: string;
          /** `/etc/messaging/tls-ca/<broker>`. */
          containerPath: string;
          /** Always `true`. */
          readOnly: boolean;
        }[];
        /** In-container path of the CA certificate. */
        caFile: string;
        /** On a Swarm: the CA certificate as a file of the app's service, at `caFile`. */
        files: {
          /** `caFile`. */
          path: string;
          /** The CA certificate (PEM), a Terraform template string. */
          content: string;
        }[];
      }
    | undefined {
    return this.tls ? appTlsOf(this.tls, this.brokerName) : undefined;
  }

  /**
   * The key generated credentials derive from: the `credentialsKey` prop, or
   * a sensitive variable `<prefix>_credentials_key` declared on first use.
   */
  protected get credentialsKey(): string {
    if (this.credentialsKeyValue === undefined) {
      const given = this.baseProps.credentialsKey;
      this.credentialsKeyValue =
        given !== undefined && isToken(given)
          ? given
          : this.addSecretVariable(
              "credentials-key",
              "credentials_key",
              `Key the generated credentials of broker ${this.brokerName} (its apps' passwords and its internal users') are derived from`,
              24,
            ).stringValue;
    }
    return this.credentialsKeyValue;
  }

  /**
   * The password of the generated user `user`: the SHA-256 (hex) of the
   * credentials key, the broker's name and the user's, computed by Terraform
   * at plan time. Hex, so it needs no quoting in a URL, a JAAS entry or a
   * Kafka config list; the same on every plan, so no drift; and knowing one
   * app's password tells nothing of another's or of the key.
   */
  protected derivedPassword(user: string): string {
    let password = this.derivedPasswords.get(user);
    if (password === undefined) {
      password = derivePassword(this.credentialsKey, this.brokerName, user);
      this.derivedPasswords.set(user, password);
    }
    return password;
  }

  /** A stack output `<prefix>_<suffix>`, its name claimed in the stack. */
  protected addOutput(id: string, suffix: string, value: string, options: { description: string; sensitive?: boolean }): TerraformOutput {
    const name = `${this.terraformPrefix}_${suffix}`;
    claimName(
      this,
      "terraform output",
      name,
      "give the brokers names that differ in more than '-', '.' or '_' (output names replace them with '_')",
    );
    const output = new TerraformOutput(this, id, { value, description: options.description, sensitive: options.sensitive });
    output.overrideLogicalId(name);
    checkSoleOwner(this, output, name, "output", isBroker);
    return output;
  }

  /**
   * A sensitive string variable `<prefix>_<suffix>`, set by `TF_VAR_<name>`.
   * Never a literal, never generated at synth.
   *
   * Its default is null and its first validation rule refuses null: a
   * variable with no default makes Terraform prompt `Enter a value:`, and
   * `cdktf deploy` waits there forever (it runs terraform with input on).
   * A null default answers without a prompt, and Terraform checks every
   * variable's rules before planning anything, so `cdktf deploy`, `cdktf diff`
   * and `terraform plan` stop at once with one error per unset variable.
   * The later rules guard against null (`var.x == null ? true : ...`):
   * HCL evaluates only the chosen branch, so an unset variable gets the one
   * "is not set" message, not three.
   */
  protected addSecretVariable(
    id: string,
    suffix: string,
    description: string,
    minLength: number,
    charset?: { pattern: string; description: string },
  ): TerraformVariable {
    const name = `${this.terraformPrefix}_${suffix}`;
    const variable = declareSecretVariable(this, id, name, description, minLength, charset);
    checkSoleOwner(this, variable, name, "variable", isBroker);
    return variable;
  }

  /**
   * The administrator's password: `given` when it is a Token; otherwise a
   * sensitive variable `<prefix>_admin_password` of at least 12 characters
   * (addSecretVariable), declared here and returned with its value. A
   * literal `given` (the kind's props check reports it) is used as is with
   * `keepLiteral`, else replaced by the variable.
   */
  protected adminPasswordFrom(
    given: string | undefined,
    description: string,
    options: {
      /** Whether a literal `given` is used (true) or replaced by the variable (false). */
      keepLiteral: boolean;
      /** The characters the password may hold (see addSecretVariable). */
      charset?: { pattern: string; description: string };
    },
  ): {
    /** The password: `given` or the variable's value. */
    password: string;
    /** The variable, when one was declared. */
    variable?: TerraformVariable;
  } {
    if (given !== undefined && (options.keepLiteral || isToken(given))) return { password: given };
    const variable = this.addSecretVariable("admin-password", "admin_password", description, 12, options.charset);
    return { password: variable.stringValue, variable };
  }

  /**
   * A secret only a cluster needs (the nodes authenticate each other with
   * it): addSecretVariable with more than one node, else undefined.
   */
  protected addClusterSecretVariable(id: string, suffix: string, description: string, minLength: number): TerraformVariable | undefined {
    return this.nodes.length > 1 ? this.addSecretVariable(id, suffix, description, minLength) : undefined;
  }

  /**
   * Wires `app` to this broker: it joins the network, gets `environment`
   * and starts after the broker. For the grant verbs of each kind.
   */
  protected wire(
    app: IBrokerClient,
    role: string,
    environment: Record<string, string> | (() => Record<string, string>),
    volumes?: BrokerWiring["volumes"],
    target?: BrokerWiring["target"],
  ): boolean {
    const location = captureUserLocation();
    return wireApp(this, app, role, environment, location, () => this.appTls()?.files ?? [], volumes, target);
  }
}

/** Whether `scope` is a broker: another broker's Terraform variable or output is a name clash, reported when it was claimed. */
function isBroker(scope: IConstruct | undefined): boolean {
  return scope instanceof BrokerBase;
}

/** A broker's first node container, for the kinds' `container` getter: on a Swarm there is none. */
export function firstContainer(broker: BrokerBase): Container {
  const first = broker.containers[0];
  if (first === undefined) {
    throw new Error(`broker ${broker.brokerName} runs on a Swarm: its nodes are services (broker.services), not containers`);
  }
  return first;
}
