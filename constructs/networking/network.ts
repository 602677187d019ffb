import { Construct, type IConstruct } from "constructs";
import { DockerNetwork } from "../private/bindings";
import { labelList } from "../private/labels";
import { swarmOf } from "../provider/swarm-target";
import { report } from "../errors/problems";
import { checkBoolean, checkDockerName, checkKnownKeys, checkLabels, claimName, constructId, optionsObject } from "../private/validation";

/** A Docker network that brokers and apps join. */
export interface INetwork extends IConstruct {
  /** The network name (a Token: it carries the dependency on the network). */
  readonly networkName: string;
  /**
   * The network's id, where known: a Swarm service names its networks by id
   * (by name, kreuzwerker/docker replaces the service on every plan).
   * @default - the name is used
   */
  readonly networkId?: string;
  /**
   * Whether the network is internal (no port its containers publish is reachable).
   * @default false
   */
  readonly internal?: boolean;
}

/** Props of a {@link Network}. */
export interface NetworkProps {
  /**
   * Name of the Docker network on the host.
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * An internal network has no route outside the host's containers: its
   * containers reach each other but not the internet, and ports they publish
   * are unreachable. Keep `false` when a container on it publishes a port.
   * @default false
   */
  readonly internal?: boolean;
  /**
   * Labels of the network (common labels are added by the `CommonLabels` aspect).
   * @default - none
   */
  readonly labels?: Record<string, string>;
}

const NETWORK_PROPS: Record<keyof NetworkProps, true> = { name: true, internal: true, labels: true };

/** The networks every Docker engine has (and a Swarm manager's `ingress` and `docker_gwbridge`). */
const PREDEFINED_NETWORKS = ["bridge", "host", "none", "ingress", "docker_gwbridge"];

/**
 * A user-defined bridge network (on a Swarm: an attachable overlay network).
 * Containers on it resolve each other by container name and network alias
 * (Docker's embedded DNS), which the broker endpoints rely on.
 */
export class Network extends Construct implements INetwork {
  public readonly networkName: string;
  public readonly networkId: string;
  public readonly internal: boolean;
  /** The underlying docker_network resource. */
  public readonly resource: DockerNetwork;

  constructor(scope: Construct, id: string, props: NetworkProps = {}) {
    super(scope, constructId(scope, id, "Network"));
    props = optionsObject(this, "NetworkProps", props); // null or a string from JavaScript: reported, then {}
    const name = props.name ?? id;
    checkKnownKeys(this, "NetworkProps", props, NETWORK_PROPS);
    if (checkDockerName(this, "name", name, "network")) {
      if (PREDEFINED_NETWORKS.includes(name)) {
        // Every engine has them: creating one fails at deploy ("network with name bridge already exists").
        report(
          this,
          `name: "${name}" is one of the networks every Docker engine already has (${PREDEFINED_NETWORKS.join(", ")}), so it cannot be created`,
          name,
          `give the Network a name of its own, e.g. "${id === name ? "messaging" : id}"`,
        );
      } else {
        claimName(this, "network", name, "give each Network its own name");
      }
    }
    checkBoolean(this, "internal", props.internal);
    this.internal = props.internal === true;
    checkLabels(this, "labels", props.labels);
    // On a Swarm: an overlay network spanning the nodes, attachable so that
    // the one-shot jobs (plain containers on the manager) join it too.
    const swarm = swarmOf(this) !== undefined;
    this.resource = new DockerNetwork(this, "network", {
      name,
      driver: swarm ? "overlay" : "bridge",
      ...(swarm ? { attachable: true } : {}),
      internal: props.internal ?? false,
      labels: labelList(props.labels ?? {}),
    });
    this.networkName = this.resource.name;
    this.networkId = this.resource.id;
    this.node.defaultChild = this.resource;
  }
}
