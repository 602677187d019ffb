/**
 * One broker node's workload: the kind's BrokerNodeSpec with what the base
 * adds to every node (name and aliases, TLS server files, the metrics port,
 * limits, hardening, labels), declared as a container on one engine or a
 * service pinned to its Swarm node.
 */
import { Annotations, type ITerraformDependable, type TerraformResource } from "../private/framework";
import type { Construct } from "constructs";
import type { HealthCheck } from "../apps/health-check";
import { report } from "../errors/problems";
import type { BoundImage } from "../images/container-image";
import type { INetwork } from "../networking/network";
import type { Container, Service } from "../private/bindings";
import { declareContainer, produce, type Late, type PublishedPort } from "../private/container-spec";
import { Labels } from "../private/labels";
import { declareService, withSecretEnvExported } from "../private/service-spec";
import { swarmOf, type ResolvedSwarm } from "../provider/swarm-target";
import type { ResolvedHardening } from "../security/container-hardening";
import type { ITlsCertificates } from "../security/tls-certificates";
import type { BrokerBaseProps } from "./broker-props";
import type { BrokerNode } from "./broker-naming";
import { tlsUpload } from "./broker-tls";
import { ROLL_REFUSALS_PATH, type RollRefusal } from "./roll-refusal";

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
   * Deployed images the nodes cannot be rolled from to theirs (one node at a
   * time, beside nodes still on the old image): cdktf-messaging-roll refuses
   * such a change before it touches anything, with the refusal's reason.
   * Carried in a Terraform JSON comment on the node's resource.
   * @default - none: every image change may roll
   */
  readonly rollRefusals?: readonly RollRefusal[];
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

/** What the base adds to every node of a broker. */
export interface BrokerNodeSettings {
  /** The broker's name: every node's alias too. */
  readonly brokerName: string;
  /** The broker's kind, for messages. */
  readonly kind: string;
  /** The broker's network. */
  readonly network: INetwork;
  /** The image every node runs. */
  readonly image: BoundImage;
  /** The broker's certificates, when `tls` is on. */
  readonly tls?: ITlsCertificates;
  /** Memory limit of the node's container, in MiB. */
  readonly memoryMb: number;
  /** The nodes' hardening, checked. */
  readonly hardening: ResolvedHardening;
  /** The broker's props: labels, start timeout, stop grace period. */
  readonly props: BrokerBaseProps;
  /** How many nodes the broker has. */
  readonly nodeCount: number;
  /** The node's metrics port on the host, when published. */
  readonly metricsPorts: PublishedPort[];
}

/**
 * Declares one node's container (BrokerBase.addNode): fixed name, hostname
 * and aliases (the node's and the broker's), restart unless stopped, created
 * with `wait` (exists only once healthy), a stop grace period. On a Swarm,
 * a service of one task instead.
 */
export function declareBrokerNode(
  scope: Construct,
  node: BrokerNode,
  spec: BrokerNodeSpec,
  settings: BrokerNodeSettings,
): { readonly container: Container } | { readonly service: Service } {
  const aliases = node.name === settings.brokerName ? [node.name] : [node.name, settings.brokerName];
  // With tls: the server certificate volume (read-only), created after the
  // certificates job, and replaced when the job issues new certificates.
  const tls = settings.tls?.brokerAttachment();
  const dependsOn = [...(spec.dependsOn ?? []), ...(tls?.dependsOn ?? [])];
  const swarm = swarmOf(scope);
  const workload = {
    name: node.name,
    hostname: node.name,
    image: settings.image,
    component: spec.component,
    networks: [{ network: settings.network, aliases }, ...(spec.extraNetworks ?? [])],
    env: spec.env,
    ports: [...(spec.ports ?? []), ...settings.metricsPorts],
    volumes: [...(spec.volumes ?? []), ...(tls?.volumes ?? [])],
    // On a Swarm the certificates are files of the node's service (secrets), not a volume.
    uploads: tls?.files?.length
      ? () => [...(spec.uploads === undefined ? [] : produce(spec.uploads)), ...tls.files!.map(tlsUpload)]
      : spec.uploads,
    healthCheck: spec.healthCheck,
    ...(spec.command ? { command: spec.command } : {}),
    ...(dependsOn.length ? { dependsOn } : {}),
    waitTimeoutSeconds: settings.props.startTimeoutSeconds ?? 180,
    memoryMb: settings.memoryMb,
    restart: "unless-stopped",
    destroyGraceSeconds: settings.props.stopGracePeriodSeconds ?? 30,
    hardening: settings.hardening,
    labels: {
      ...settings.props.labels,
      [Labels.broker]: settings.brokerName,
      [Labels.node]: String(node.index),
      // On a Swarm the check runs (docker exec) in a task whose secrets are files: it exports them first.
      ...(settings.nodeCount > 1 && spec.rollingCheck
        ? { [Labels.rollingCheck]: swarm ? withSecretEnvExported(spec.rollingCheck) : spec.rollingCheck }
        : {}),
      ...(tls?.labels ?? {}),
    },
  };
  if (swarm) {
    if (workload.ports.length > 0) {
      Annotations.of(scope).addWarning(
        `${node.name}: on a Swarm, host ports (${workload.ports.map((p) => p.hostPort).join(", ")}) are published in host mode on every address of the Swarm node that runs the broker node, not on 127.0.0.1`,
      );
    }
    if (spec.command === undefined && spec.startCommand === undefined) {
      report(
        scope,
        `broker kind ${settings.kind} gives its nodes no startCommand: on a Swarm their secrets are exported by a wrapper that must exec it`,
        node.name,
        "set startCommand (the image's CMD) in the kind's BrokerNodeSpec",
      );
    }
    const service = declareService(
      scope,
      node.containerId,
      { ...workload, healthCheck: spec.swarmHealthCheck, waitTimeoutSeconds: undefined },
      {
        swarm,
        replicas: 1,
        constraints: swarmConstraints(scope, swarm, node, settings),
        // The node's volume and name are its own: the old task stops before the new one starts.
        updateOrder: "stop-first",
        secretEnv: { mode: "exported", startCommand: spec.startCommand ?? [] },
        convergeTimeoutSeconds: settings.props.startTimeoutSeconds ?? 180,
      },
    );
    carryRollRefusals(service, spec.rollRefusals);
    return { service };
  }
  const container = declareContainer(scope, node.containerId, workload);
  carryRollRefusals(container, spec.rollRefusals);
  return { container };
}

/** The refusals in the resource's `//` comment, where the roll command reads them (roll-refusal.ts). */
function carryRollRefusals(resource: TerraformResource, refusals: readonly RollRefusal[] | undefined): void {
  if (refusals !== undefined && refusals.length > 0) resource.addOverride(ROLL_REFUSALS_PATH.join("."), refusals);
}

/** The placement constraint that pins `node` to its Swarm node (reported when the Swarm lists too few). */
function swarmConstraints(scope: Construct, swarm: ResolvedSwarm, node: BrokerNode, settings: BrokerNodeSettings): string[] {
  const { label, values } = swarm.brokerNodes;
  if (values.length === 0) return []; // reported by DockerHost
  if (node.index > values.length) {
    if (node.index === values.length + 1) {
      report(
        scope,
        `broker ${settings.brokerName} has ${settings.nodeCount} nodes but the Swarm lists ${values.length} Swarm nodes for broker nodes (swarm.brokerNodes.values): two nodes would share one machine`,
        settings.nodeCount,
        `add Swarm nodes (label ${label}=<value>) and list their values in swarm.brokerNodes.values, or use nodes: ${values.length >= 3 ? (values.length % 2 === 1 ? values.length : values.length - 1) : 1}`,
      );
    }
    return [];
  }
  return [`node.labels.${label}==${values[node.index - 1]}`];
}
