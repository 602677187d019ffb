import { Annotations, Fn, TerraformOutput, TerraformStack, TerraformVariable, type ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import type { HealthCheck } from "../apps/health-check";
import { deferCheck, fail, report } from "../errors/problems";
import { captureUserLocation } from "../errors/source-location";
import { ContainerImage, type BoundImage } from "../images/container-image";
import type { INetwork } from "../networking/network";
import type { Container, Service } from "../private/bindings";
import { declareContainer, produce, type FileUpload, type Late, type PublishedPort } from "../private/container-spec";
import { declareService, withSecretEnvExported } from "../private/service-spec";
import { swarmOf, type ResolvedSwarm } from "../provider/swarm-target";
import { Labels } from "../private/labels";
import { escapeTemplate, sha256, terraformIdentifier } from "../private/terraform-text";
import {
  checkHostname,
  checkInteger,
  checkSynthTimeNumber,
  checkKnownKeys,
  checkLabels,
  checkOneOf,
  claimName,
  isToken,
  constructId,
} from "../private/validation";
import { HardeningProfiles, resolveHardening, type ContainerHardening, type ResolvedHardening } from "../security/container-hardening";
import { DataVolume, type RemovalPolicy } from "../storage/data-volume";
import { TlsCertificates, type ITlsCertificates, type TlsFile } from "../security/tls-certificates";
import { ensureUniqueHostPorts } from "../aspects/unique-host-ports";
import {
  resolveBrokerMetrics,
  ScrapeLabels,
  type BrokerMetricsOptions,
  type IMetricsSource,
  type ScrapeTarget,
  type ServedMetrics,
} from "../observability/metrics";
import type { BrokerEndpoint, BrokerWiring, IBroker, IBrokerClient } from "./broker";

/** The props every broker kind has. */
export interface BrokerBaseProps {
  /** The network the broker is on; wired apps join it. */
  readonly network: INetwork;
  /**
   * Container name, hostname and network alias: one host name label (letters,
   * digits, '-'; at most 63 characters), fixed so that data survives a
   * container replacement.
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * The broker image (the official image's layout).
   * @default - the kind's default image (DefaultImages)
   */
  readonly image?: ContainerImage;
  /**
   * Memory limit in MiB.
   * @default - the kind's default
   */
  readonly memoryMb?: number;
  /**
   * What `cdktf destroy` does to the data volume (see RemovalPolicy).
   * @default "retain"
   */
  readonly dataRemovalPolicy?: RemovalPolicy;
  /**
   * Seconds deploy waits for the broker to report healthy.
   * @default 180
   */
  readonly startTimeoutSeconds?: number;
  /**
   * Seconds the broker gets to stop after SIGTERM on destroy or replace.
   * @default 30
   */
  readonly stopGracePeriodSeconds?: number;
  /**
   * Labels of the broker's containers.
   * @default - none
   */
  readonly labels?: Record<string, string>;
  /**
   * Nodes of the broker: 1, or an odd number >= 3, so that a majority
   * survives the loss of a node. With more than one, node i is its own
   * container `<name>-<i>` (hostname and network alias too; every node also
   * answers to `<name>`), with its own data volume `<name>-<i>-data` and,
   * when host ports are published, the base port + i - 1 on 127.0.0.1.
   * @default 1
   */
  readonly nodes?: number;
  /**
   * The secret every credential the broker generates is derived from: each
   * wired app's own password (`sha256(<key>/<broker>/<app>)`, computed by
   * Terraform at plan time, so it never appears in the synthesized JSON and
   * never drifts) and, for a single-node Kafka, its inter-broker password
   * (a Kafka cluster's derives from `<name>_cluster_secret`, so a new key
   * restarts no node).
   * A Token (a TerraformVariable's value or another resource's attribute),
   * never a literal.
   * @default - a sensitive TerraformVariable `<name>_credentials_key` with no
   * default (at least 24 characters), declared when the broker first needs
   * it: set `TF_VAR_<name>_credentials_key`
   */
  readonly credentialsKey?: string;
  /**
   * TLS on the listeners apps and the host reach (RabbitMQ: AMQPS on 5671
   * instead of AMQP; Kafka: SASL_SSL instead of SASL_PLAINTEXT). Wired apps
   * verify the broker's certificate and host name against the CA, mounted
   * read-only at `/etc/messaging/tls-ca/<broker>/ca.pem`; host clients get
   * it from the output `<name>_ca_certificate`.
   * @default - no TLS
   */
  readonly tls?: BrokerTlsOptions;
  /**
   * How the broker's containers are locked down: no-new-privileges, every
   * capability dropped and only the kind's list added back (RabbitMQ: what
   * the official image's root entrypoint needs to chown its data and drop to
   * its user), log rotation (json-file, 10 MiB x 3). The root filesystem
   * stays writable. Weakening a default needs a `reason`, put on the
   * containers as the label `cdktf-docker-messaging.hardening-exception`.
   * See ContainerHardening.
   * @default - fully hardened
   */
  readonly hardening?: ContainerHardening;
  /**
   * Prometheus metrics on every node, on the broker's network (a
   * `Prometheus` construct of the stack scrapes them), and on 127.0.0.1 of
   * the host only when `hostPort` is given. Unauthenticated, read-only, as
   * the exporters serve them: publish them only to a trusted host.
   * @default - on, not published
   */
  readonly metrics?: BrokerMetricsOptions;
}

/** The fields of BrokerBaseProps, for the unknown-props check of each kind. */
export const BROKER_BASE_PROPS: Record<keyof BrokerBaseProps, true> = {
  network: true,
  name: true,
  image: true,
  memoryMb: true,
  dataRemovalPolicy: true,
  startTimeoutSeconds: true,
  stopGracePeriodSeconds: true,
  labels: true,
  nodes: true,
  credentialsKey: true,
  tls: true,
  hardening: true,
  metrics: true,
};

/** How a broker gets its TLS certificates. */
export interface BrokerTlsOptions {
  /**
   * `"generate"`: a CA and a server certificate for every node's name, the
   * broker's name, `localhost` and 127.0.0.1, made at deploy by a one-shot
   * `openssl` job (TlsCertificates; the CA is kept across deploys). Or the
   * user's own: `TlsCertificates.fromFiles(scope, id, { ..., keyOwnerUid, keyOwnerGid })`
   * with the broker process's ids (rabbitmq: 999:999; apache/kafka: 1000:1000).
   */
  readonly certificates: "generate" | ITlsCertificates;
}

/** Where a wired app finds a TLS broker's CA certificate. */
export const APP_TLS_CA_DIR = "/etc/messaging/tls-ca";

/** At most this many nodes: a quorum of 5 already survives two failures. */
export const MAX_BROKER_NODES = 9;

/** One node of a broker, as the kind declares its container. */
export interface BrokerNode {
  /** 1-based. */
  readonly index: number;
  /** Container name, hostname and network alias: `<name>` with one node, `<name>-<i>` otherwise. */
  readonly name: string;
  /** The endpoint of this node for containers on the network. */
  readonly endpoint: BrokerEndpoint;
  /** The endpoint of this node for clients on the host, when published. */
  readonly hostEndpoint?: BrokerEndpoint;
  /** Adds this node's offset to a base host port: node i publishes on `base + i - 1`. */
  hostPort(base: number): number;
  /** The construct id of this node's container: `container` with one node, `node-<i>` otherwise. */
  readonly containerId: string;
}

/** What a broker kind tells the base about itself. */
export interface BrokerKindDescription {
  /** e.g. `rabbitmq`. */
  readonly kind: string;
  /** The props interface's name, for messages (`RabbitMqBrokerProps`). */
  readonly propsName: string;
  /** Every field of the kind's props (BROKER_BASE_PROPS and its own). */
  readonly knownProps: Record<string, true>;
  /** The port apps on the network connect to. */
  readonly internalPort: number;
  /** The host port the main endpoint is published on, if any. */
  readonly hostPort?: number;
  /** The image when the props give none, e.g. `rabbitmq:4.0-management`. */
  readonly defaultImage: string;
  /** The memory limit in MiB when `memoryMb` is not given. */
  readonly defaultMemoryMb: number;
  /** Below this, the broker cannot run; `memoryFix` says why. */
  readonly minMemoryMb: number;
  /** The fix said when `memoryMb` is below `minMemoryMb`. */
  readonly memoryFix: string;
  /**
   * Capabilities the kind's containers get back after all are dropped, by
   * Linux name (`"SETUID"`): what the kind's default image needs to start.
   * A user's `hardening.addCapabilities` replaces the list; adding one
   * outside it needs a reason.
   * @default [] - the image starts as a non-root user and needs none
   */
  readonly addedCapabilities?: readonly string[];
  /** The uid:gid the kind's image runs its broker process as: the owner of its TLS key. */
  readonly processUser?: {
    /** User id. */
    readonly uid: number;
    /** Group id. */
    readonly gid: number;
  };
  /**
   * Where every node serves Prometheus metrics: one port, one or more scrape
   * endpoints (a Prometheus job each).
   * @default - the kind serves none
   */
  readonly metrics?: {
    /** The port every node serves metrics on. */
    readonly port: number;
    /** The scrape endpoints, a Prometheus job each. */
    readonly endpoints: readonly {
      /** The Prometheus job, e.g. `rabbitmq`. */
      readonly job: string;
      /** The metrics path, e.g. `/metrics`. */
      readonly path: string;
      /** Query parameters of the scrape URL. */
      readonly params?: Record<string, string[]>;
    }[];
    /** The metric names the endpoints serve, together: alert rules naming none of a stack's are refused. */
    readonly served: ServedMetrics;
  };
  /**
   * The kind's other published host ports by prop name (base ports: node i
   * adds i - 1), so that `metrics.hostPort` cannot land on one of them.
   */
  readonly publishedHostPorts?: Readonly<Record<string, number | undefined>>;
}

/** The container settings a kind gives for one broker node. */
export interface BrokerNodeSpec {
  /** The `cdktf-docker-messaging.component` label, e.g. `rabbitmq-broker`. */
  readonly component: string;
  /** Environment variables, or a function that returns them at synth (render late). */
  readonly env?: Late<Record<string, string>>;
  /** Ports published on the host. */
  readonly ports?: PublishedPort[];
  /** Volumes mounted into the node. */
  readonly volumes?: {
    /** The Docker volume. */
    volumeName: string;
    /** Where it is mounted in the container. */
    containerPath: string;
  }[];
  /** Networks the node joins besides the broker's network (e.g. a network private to the cluster). */
  readonly extraNetworks?: {
    /** The network. */
    network: INetwork;
    /** The node's aliases on it. */
    aliases?: string[];
  }[];
  /** Files written into the container at creation, or a function that returns them at synth. */
  readonly uploads?: Late<
    {
      /** In-container path. */
      file: string;
      /** The file's text. */
      content: string;
    }[]
  >;
  /** The node's health check (the broker counts as started when it passes). */
  readonly healthCheck: HealthCheck;
  /** Overrides the image's command. */
  readonly command?: string[];
  /** Created (and healthy) before this node. */
  readonly dependsOn?: ITerraformDependable[];
  /**
   * For clusters: a shell command, run inside a node, that exits 0 only when
   * the cluster can lose this node now (every replica in sync). Carried by
   * the `rolling-check` label for the rolling-replace command.
   */
  readonly rollingCheck?: string;
  /**
   * The image's own start command (its CMD), which a Swarm node's start
   * wrapper execs after exporting the node's secrets when `command` is not
   * given (e.g. `["rabbitmq-server"]`).
   * @default - none: on a Swarm, a node with secret settings and no `command` is refused
   */
  readonly startCommand?: string[];
  /**
   * The health check of a node on a Swarm: it must pass without the node's
   * peers. Swarm puts a task into service DNS only once it is healthy (moby
   * daemon/cluster/executor/container/controller.go), and a node resolves
   * its peers to form the cluster: a check that needs the cluster formed
   * would keep every node out of DNS, and the cluster from forming, forever.
   * Readiness of the cluster is what the set-up job waits for instead.
   * @default - no health check on a Swarm
   */
  readonly swarmHealthCheck?: HealthCheck;
}

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

  protected constructor(scope: Construct, id: string, props: BrokerBaseProps, description: BrokerKindDescription) {
    super(scope, constructId(scope, id, description.propsName.replace(/Props$/, "")));
    if (props === undefined || props === null || typeof props !== "object") {
      fail(this, `${description.propsName} are required`, props, "pass props with at least { network }");
    }
    const network: unknown = props.network;
    if (network === undefined || network === null || typeof (network as { networkName?: unknown }).networkName !== "string") {
      fail(this, "network is required and must be a Network", network, `pass { network: new Network(scope, "net") }`);
    }
    this.kind = description.kind;
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

    const count = checkNodeCount(this, props.nodes) ? (props.nodes ?? 1) : 1;
    const longestNodeName = brokerNodeNames(this.brokerName, count).at(-1)!;
    if (nameOk && longestNodeName.length > 63) {
      // A node's name is its hostname (RabbitMQ's `rabbit@<host>`, Kafka's advertised listener): one DNS label.
      report(
        this,
        `name: the node names <name>-1 ... <name>-${count} are the nodes' hostnames, and "${longestNodeName}" is longer than a host name label's 63 characters`,
        this.brokerName,
        `use a name of at most ${63 - (longestNodeName.length - this.brokerName.length)} characters`,
      );
    }
    if (description.hostPort !== undefined && count > 1) checkPortRange(this, "host ports", description.hostPort, count);
    this.metricsDescription = description.metrics;
    const metrics = this.metricsDescription ? resolveBrokerMetrics(this, props.metrics) : { enabled: false };
    if (!this.metricsDescription && props.metrics !== undefined) {
      report(this, `metrics: the ${description.kind} broker kind serves no metrics`, props.metrics, "remove metrics");
    }
    // A metrics host port that collides is reported and left out (one report, not a second from UniqueHostPorts).
    const metricsHostPortOk =
      metrics.hostPort === undefined ||
      (checkPortRange(this, "metrics.hostPort", metrics.hostPort, count) &&
        checkMetricsHostPort(this, metrics.hostPort, count, {
          ...description.publishedHostPorts,
          [description.kind === "kafka" ? "hostPort" : "amqpHostPort"]: description.hostPort,
        }));
    this.metricsSettings = metricsHostPortOk ? metrics : { enabled: metrics.enabled };
    // A host port is easy to give twice (two brokers on 5672, metrics on another's port): Docker would fail the
    // second container halfway through the apply. Checked at synth even without addMessagingAspects.
    const publishedPorts = [description.hostPort, this.metricsSettings.hostPort, ...Object.values(description.publishedHostPorts ?? {})];
    if (publishedPorts.some((port) => port !== undefined)) ensureUniqueHostPorts(this);
    this.tls = this.resolveTls(props.tls, count, description);
    const nodeNames = brokerNodeNames(this.brokerName, count);
    this.nodes = Array.from({ length: count }, (_, i): BrokerNode => {
      const name = nodeNames[i];
      const hostPort = (base: number) => base + i;
      return {
        index: i + 1,
        name,
        containerId: count === 1 ? "container" : `node-${i + 1}`,
        endpoint: endpointOf(name, description.internalPort),
        ...(description.hostPort !== undefined ? { hostEndpoint: endpointOf("127.0.0.1", hostPort(description.hostPort)) } : {}),
        hostPort,
      };
    });
    for (const n of this.nodes.slice(count === 1 ? 1 : 0)) {
      claimName(this, "hostname", n.name, "give each broker a name whose node names (<name>-<i>) are free", `${this.node.path}#${n.name}`);
    }
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
    return this.nodes.flatMap((node) =>
      description.endpoints.map(
        (endpoint): ScrapeTarget => ({
          job: endpoint.job,
          address: `${node.name}:${description.port}`,
          metricsPath: endpoint.path,
          ...(endpoint.params ? { params: endpoint.params } : {}),
          labels: {
            [ScrapeLabels.component]: "broker",
            [ScrapeLabels.kind]: this.kind,
            [ScrapeLabels.broker]: this.brokerName,
            [ScrapeLabels.node]: String(node.index),
          },
          network: this.network,
          servedMetrics: description.served,
        }),
      ),
    );
  }

  /** Created before a wired app: the broker's containers (healthy first, see `wait`). */
  public startDependencies(): ITerraformDependable[] {
    return [...this.nodeContainers, ...this.nodeServices];
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
    const aliases = node.name === this.brokerName ? [node.name] : [node.name, this.brokerName];
    // With tls: the server certificate volume (read-only), created after the
    // certificates job, and replaced when the job issues new certificates.
    const tls = this.tls?.brokerAttachment();
    const dependsOn = [...(spec.dependsOn ?? []), ...(tls?.dependsOn ?? [])];
    const swarm = swarmOf(this);
    const workload = {
      name: node.name,
      hostname: node.name,
      image: this.image,
      component: spec.component,
      networks: [{ network: this.network, aliases }, ...(spec.extraNetworks ?? [])],
      env: spec.env,
      ports: [
        ...(spec.ports ?? []),
        ...(this.metricsDescription && this.metricsSettings.enabled && this.metricsSettings.hostPort !== undefined
          ? [{ containerPort: this.metricsDescription.port, hostPort: node.hostPort(this.metricsSettings.hostPort) }]
          : []),
      ],
      volumes: [...(spec.volumes ?? []), ...(tls?.volumes ?? [])],
      // On a Swarm the certificates are files of the node's service (secrets), not a volume.
      uploads: tls?.files?.length
        ? () => [...(spec.uploads === undefined ? [] : produce(spec.uploads)), ...tls.files!.map(tlsUpload)]
        : spec.uploads,
      healthCheck: spec.healthCheck,
      ...(spec.command ? { command: spec.command } : {}),
      ...(dependsOn.length ? { dependsOn } : {}),
      waitTimeoutSeconds: this.baseProps.startTimeoutSeconds ?? 180,
      memoryMb: this.memoryMb,
      restart: "unless-stopped",
      destroyGraceSeconds: this.baseProps.stopGracePeriodSeconds ?? 30,
      hardening: this.hardening,
      labels: {
        ...this.baseProps.labels,
        [Labels.broker]: this.brokerName,
        [Labels.node]: String(node.index),
        // On a Swarm the check runs (docker exec) in a task whose secrets are files: it exports them first.
        ...(this.nodes.length > 1 && spec.rollingCheck
          ? { [Labels.rollingCheck]: swarm ? withSecretEnvExported(spec.rollingCheck) : spec.rollingCheck }
          : {}),
        ...(tls?.labels ?? {}),
      },
    };
    if (swarm) {
      if (workload.ports.length > 0) {
        Annotations.of(this).addWarning(
          `${node.name}: on a Swarm, host ports (${workload.ports.map((p) => p.hostPort).join(", ")}) are published in host mode on every address of the Swarm node that runs the broker node, not on 127.0.0.1`,
        );
      }
      if (spec.command === undefined && spec.startCommand === undefined) {
        report(
          this,
          `broker kind ${this.kind} gives its nodes no startCommand: on a Swarm their secrets are exported by a wrapper that must exec it`,
          node.name,
          "set startCommand (the image's CMD) in the kind's BrokerNodeSpec",
        );
      }
      const service = declareService(
        this,
        node.containerId,
        { ...workload, healthCheck: spec.swarmHealthCheck, waitTimeoutSeconds: undefined },
        {
          swarm,
          replicas: 1,
          constraints: this.swarmConstraints(swarm, node),
          // The node's volume and name are its own: the old task stops before the new one starts.
          updateOrder: "stop-first",
          secretEnv: { mode: "exported", startCommand: spec.startCommand ?? [] },
          convergeTimeoutSeconds: this.baseProps.startTimeoutSeconds ?? 180,
        },
      );
      if (this.nodeServices.length === 0) this.node.defaultChild = service;
      this.nodeServices.push(service);
      return service;
    }
    const container = declareContainer(this, node.containerId, workload);
    if (this.nodeContainers.length === 0) this.node.defaultChild = container;
    this.nodeContainers.push(container);
    return container;
  }

  /** The placement constraint that pins `node` to its Swarm node (reported when the Swarm lists too few). */
  private swarmConstraints(swarm: ResolvedSwarm, node: BrokerNode): string[] {
    const { label, values } = swarm.brokerNodes;
    if (values.length === 0) return []; // reported by DockerHost
    if (node.index > values.length) {
      if (node.index === values.length + 1) {
        report(
          this,
          `broker ${this.brokerName} has ${this.nodes.length} nodes but the Swarm lists ${values.length} Swarm nodes for broker nodes (swarm.brokerNodes.values): two nodes would share one machine`,
          this.nodes.length,
          `add Swarm nodes (label ${label}=<value>) and list their values in swarm.brokerNodes.values, or use nodes: ${values.length >= 3 ? (values.length % 2 === 1 ? values.length : values.length - 1) : 1}`,
        );
      }
      return [];
    }
    return [`node.labels.${label}==${values[node.index - 1]}`];
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
    if (!this.tls) return undefined;
    const folder = `${APP_TLS_CA_DIR}/${this.brokerName}`;
    const file = this.tls.appCaFile.slice(this.tls.appCaFile.lastIndexOf("/") + 1);
    const attachment = this.tls.appAttachment();
    return {
      volumes: attachment.volumes.map((v) => ({ volumeName: v.volumeName, containerPath: folder, readOnly: true })),
      caFile: `${folder}/${file}`,
      files: (attachment.files ?? []).map((f) => ({ path: `${folder}/${f.path.slice(f.path.lastIndexOf("/") + 1)}`, content: f.content })),
    };
  }

  /** The `tls` prop, checked: generated certificates, the user's, or none. */
  private resolveTls(
    tls: BrokerTlsOptions | undefined,
    nodeCount: number,
    description: BrokerKindDescription,
  ): ITlsCertificates | undefined {
    if (tls === undefined) return undefined;
    const fix =
      'pass { certificates: "generate" } to make them at deploy, or { certificates: TlsCertificates.fromFiles(scope, "certs", { caFile, certFile, keyFile, keyOwnerUid, keyOwnerGid }) }';
    if (tls === null || typeof tls !== "object" || Array.isArray(tls)) {
      report(this, "tls must be an object saying where the certificates come from", tls, fix);
      return undefined;
    }
    checkKnownKeys(this, "tls", tls, { certificates: true });
    const user = description.processUser;
    if (user === undefined) {
      report(this, `tls: the ${description.kind} broker kind does not support TLS`, tls, "remove tls");
      return undefined;
    }
    const certificates = (tls as { certificates?: unknown }).certificates;
    if (certificates === "generate" && swarmOf(this) !== undefined) {
      // A job writes generated certificates into volumes on one engine, which the Swarm's other nodes cannot mount.
      report(
        this,
        'tls: { certificates: "generate" } is not available on a Swarm: the certificates would be written into volumes on one engine, which the other Swarm nodes cannot mount',
        certificates,
        `bring your own: { certificates: TlsCertificates.fromFiles(stack, "${this.brokerName}-tls", { caFile, certFile, keyFile, keyOwnerUid: ${user.uid}, keyOwnerGid: ${user.gid} }) } (the files become secrets of the services; the key PKCS#8)`,
      );
      return undefined;
    }
    // Apps connect to each node by its name and verify it against the certificate.
    const nodeNames = brokerNodeNames(this.brokerName, nodeCount);
    const serverNames = [...new Set([this.brokerName, ...nodeNames]), "localhost"];
    if (certificates === "generate") {
      return new TlsCertificates(this, "tls", {
        name: this.brokerName,
        dnsNames: serverNames,
        keyOwnerUid: user.uid,
        keyOwnerGid: user.gid,
        removalPolicy: this.removalPolicy ?? "retain",
      });
    }
    if (
      certificates === undefined ||
      typeof certificates !== "object" ||
      certificates === null ||
      typeof (certificates as ITlsCertificates).brokerAttachment !== "function"
    ) {
      report(this, "tls asks for TLS without certificates and without generating them", certificates, fix);
      return undefined;
    }
    const given = certificates as ITlsCertificates;
    const owner = given.keyOwner;
    if (owner.uid !== user.uid || owner.gid !== user.gid) {
      report(
        this,
        `tls.certificates give the key to ${owner.uid}:${owner.gid}, but ${description.kind}'s broker process runs as ${user.uid}:${user.gid} and could not read it`,
        `${owner.uid}:${owner.gid}`,
        `pass keyOwnerUid: ${user.uid}, keyOwnerGid: ${user.gid} to TlsCertificates.fromFiles`,
      );
    }
    const uncovered = typeof given.uncoveredNames === "function" ? given.uncoveredNames(nodeNames) : [];
    if (uncovered.length > 0) {
      report(
        this,
        `tls.certificates: the broker's certificate does not name ${uncovered.join(", ")}, which the apps connect to and verify: every TLS connection would fail its host name check`,
        uncovered,
        `issue the certificate with subjectAltName = ${serverNames.map((n) => `DNS:${n}`).join(",")} (add IP:127.0.0.1 for clients on the host)`,
      );
    }
    return given;
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
      password = Fn.sha256(`${this.credentialsKey}/${escapeTemplate(this.brokerName)}/${escapeTemplate(user)}`);
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
    this.checkSoleOwner(output, name, "output");
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
    claimName(
      this,
      "terraform variable",
      name,
      "give the brokers names that differ in more than '-', '.' or '_' (variable names replace them with '_')",
    );
    const variable = new TerraformVariable(this, id, {
      type: "string",
      sensitive: true,
      nullable: true,
      description: `${description} (at least ${minLength} characters). Set TF_VAR_${name}.`,
      validation: [
        {
          condition: `\${var.${name} != null}`,
          errorMessage: `${name} is not set: export TF_VAR_${name} (${description}, at least ${minLength} characters).`,
        },
        {
          condition: `\${var.${name} == null ? true : length(var.${name}) >= ${minLength}}`,
          errorMessage: `${name} must be at least ${minLength} characters long.`,
        },
        // A charset pattern has no backslash or quote, so it needs no escaping inside the HCL string.
        ...(charset
          ? [
              {
                condition: `\${var.${name} == null ? true : can(regex("${charset.pattern}", var.${name}))}`,
                errorMessage: `${name} may contain only ${charset.description}.`,
              },
            ]
          : []),
      ],
    });
    // cdktf's TerraformVariable cannot take `default: null` (its snake-casing
    // of the config calls Object.keys on it); an override writes it as is.
    variable.addOverride("default", null);
    variable.overrideLogicalId(name);
    this.checkSoleOwner(variable, name, "variable");
    return variable;
  }

  /**
   * At synth: no other Terraform variable (or output) of the stack has the
   * same name: Terraform would merge the two blocks in silence (a user's
   * variable with a default would give the secret one a default).
   */
  private checkSoleOwner(element: TerraformVariable | TerraformOutput, name: string, kind: "variable" | "output"): void {
    deferCheck(this, () => {
      const stack = TerraformStack.of(this);
      const others = stack.node
        .findAll()
        .filter((c) => c !== element && (kind === "variable" ? c instanceof TerraformVariable : c instanceof TerraformOutput))
        .filter((c) => (c as TerraformVariable).friendlyUniqueId === name)
        // Another broker's is a name clash, reported when it was claimed.
        .filter((c) => !(c.node.scope instanceof BrokerBase));
      return others.map((other) => ({
        problem: `the Terraform ${kind} "${name}" of this broker is also declared by ${other.node.path}`,
        received: name,
        fix: `rename the other ${kind} (Terraform would merge the two)`,
      }));
    });
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
    if (!isBrokerClient(app)) {
      report(this, `${role}: the grantee is not an app container`, app, "pass an AppContainer (or another IBrokerClient)", { location });
      return false;
    }
    const appStack = TerraformStack.of(app);
    if (appStack !== TerraformStack.of(this)) {
      // cdktf turns the reference into a remote-state output, and Terraform refuses a depends_on on an
      // attribute ("References in depends_on must be to a whole object"): the app could not start after the broker.
      report(
        this,
        `${role}: the app ${app.node.path} is in stack ${appStack.node.id}, the broker in stack ${TerraformStack.of(this).node.id}: an app starts after its broker, which Terraform can order only within one stack`,
        app.appName,
        `declare the app in stack ${TerraformStack.of(this).node.id}, or the broker in stack ${appStack.node.id}`,
        { location },
      );
      return false;
    }
    // On a Swarm the CA certificate reaches the app as a file of its service (one engine: the kind passes the CA volume).
    const files = this.appTls()?.files ?? [];
    // A function is called only for a real app: the settings may derive from its name.
    app.addWiring({
      broker: this,
      role,
      environment: typeof environment === "function" ? environment() : environment,
      location,
      ...(volumes?.length ? { volumes } : {}),
      ...(files.length ? { files } : {}),
      ...(target ? { target } : {}),
    });
    return true;
  }
}

/** A certificate file as a workload's file (a secret of the service on a Swarm). */
function tlsUpload(file: TlsFile): FileUpload {
  return { file: file.path, content: file.content, ...(file.owner ? { owner: file.owner } : {}) };
}

function isBrokerClient(value: unknown): value is IBrokerClient {
  return typeof value === "object" && value !== null && typeof (value as IBrokerClient).addWiring === "function";
}

/** A secret prop is a Token: a literal would be committed with the code and written in plain text to cdktf.out. */
export function checkSecretToken(scope: Construct, field: string, value: unknown, variableSuffix: string): boolean {
  if (value === undefined || isToken(value)) return true;
  report(
    scope,
    `${field} is a literal${typeof value === "string" ? " string" : ""}: a secret in the code would be committed with it and written in plain text to cdktf.out`,
    "<redacted>",
    `pass a Token, e.g. new TerraformVariable(this, "${variableSuffix}", { type: "string", sensitive: true }).stringValue, or omit ${field} to get such a variable`,
  );
  return false;
}

function checkNodeCount(scope: Construct, nodes: unknown): boolean {
  if (nodes === undefined) return true;
  if (isToken(nodes)) return checkSynthTimeNumber(scope, "nodes", nodes);
  if (
    typeof nodes !== "number" ||
    !Number.isInteger(nodes) ||
    nodes < 1 ||
    (nodes > 1 && (nodes < 3 || nodes % 2 === 0)) ||
    nodes > MAX_BROKER_NODES
  ) {
    report(
      scope,
      `nodes must be 1 or an odd number between 3 and ${MAX_BROKER_NODES}`,
      nodes,
      typeof nodes === "number" && nodes === 2
        ? "use 3: with 2 nodes the loss of either stops the cluster (no majority), so 2 is less available than 1"
        : "use 1 (no replication) or 3 (survives one node loss); an even count adds no fault tolerance",
    );
    return false;
  }
  return true;
}

function checkPortRange(scope: Construct, field: string, base: number, count: number): boolean {
  if (typeof base === "number" && base + count - 1 > 65535) {
    report(
      scope,
      `${field}: node ${count} would publish port ${base + count - 1}, above 65535`,
      base,
      `use a base port <= ${65536 - count}`,
    );
    return false;
  }
  return true;
}

/** `metrics.hostPort` must not share a host port with another published port of the broker (any node). */
function checkMetricsHostPort(scope: Construct, metricsBase: number, count: number, others: Record<string, number | undefined>): boolean {
  let ok = true;
  for (const [field, base] of Object.entries(others)) {
    if (typeof base !== "number" || isToken(base)) continue;
    if (metricsBase <= base + count - 1 && base <= metricsBase + count - 1) {
      const range = (b: number) => (count === 1 ? `${b}` : `${b}-${b + count - 1}`);
      report(
        scope,
        `metrics.hostPort ${range(metricsBase)} collides with ${field} ${range(base)}${count > 1 ? ` (node i publishes base + i - 1)` : ""}`,
        metricsBase,
        `pick a metrics.hostPort outside ${range(base)}`,
      );
      ok = false;
    }
  }
  return ok;
}

/** The endpoint `hostname:port`. */
export function endpointOf(hostname: string, port: number): BrokerEndpoint {
  return { hostname, port, address: `${hostname}:${port}` };
}

/** A broker's first node container, for the kinds' `container` getter: on a Swarm there is none. */
export function firstContainer(broker: BrokerBase): Container {
  const first = broker.containers[0];
  if (first === undefined) {
    throw new Error(`broker ${broker.brokerName} runs on a Swarm: its nodes are services (broker.services), not containers`);
  }
  return first;
}

/** Each node's container name, hostname and network alias: the broker's name for one node, `<broker>-1` ... `<broker>-N` for a cluster. */
function brokerNodeNames(brokerName: string, count: number): string[] {
  return count === 1 ? [brokerName] : Array.from({ length: count }, (_, i) => `${brokerName}-${i + 1}`);
}
