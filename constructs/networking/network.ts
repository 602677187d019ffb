import { Construct, type IConstruct } from "constructs";
import { DockerNetwork } from "../private/bindings";
import { labelList } from "../private/labels";
import { checkBoolean, checkDockerName, checkKnownKeys, checkLabels, claimName } from "../private/validation";

/** A Docker network that brokers and apps join. */
export interface INetwork extends IConstruct {
  /** The network name (a Token: it carries the dependency on the network). */
  readonly networkName: string;
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

/**
 * A user-defined bridge network. Containers on it resolve each other by
 * container name and network alias (Docker's embedded DNS), which the broker
 * endpoints rely on.
 */
export class Network extends Construct implements INetwork {
  public readonly networkName: string;
  /** The underlying docker_network resource. */
  public readonly resource: DockerNetwork;

  constructor(scope: Construct, id: string, props: NetworkProps = {}) {
    super(scope, id);
    const name = props.name ?? id;
    checkKnownKeys(this, "NetworkProps", props, NETWORK_PROPS);
    if (checkDockerName(this, "name", name, "network")) {
      claimName(this, "network", name, "give each Network its own name");
    }
    checkBoolean(this, "internal", props.internal);
    checkLabels(this, "labels", props.labels);
    this.resource = new DockerNetwork(this, "network", {
      name,
      driver: "bridge",
      internal: props.internal ?? false,
      labels: labelList(props.labels ?? {}),
    });
    this.networkName = this.resource.name;
    this.node.defaultChild = this.resource;
  }
}
