/**
 * The names a broker takes: how many nodes it has and each node's name
 * (hostname, network alias, container id, endpoints), and the Terraform
 * variables and outputs it declares, which no other element of the stack
 * may also name.
 */
import { TerraformOutput, TerraformStack, TerraformVariable } from "../private/framework";
import type { Construct, IConstruct } from "constructs";
import { deferCheck, report } from "../errors/problems";
import { checkSynthTimeNumber, claimName, isToken } from "../private/validation";
import type { BrokerEndpoint } from "./broker";
import type { BrokerKindDescription } from "./broker-kind";

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

/** The endpoint `hostname:port`. */
export function endpointOf(hostname: string, port: number): BrokerEndpoint {
  return { hostname, port, address: `${hostname}:${port}` };
}

/** Each node's container name, hostname and network alias: the broker's name for one node, `<broker>-1` ... `<broker>-N` for a cluster. */
export function brokerNodeNames(brokerName: string, count: number): string[] {
  return count === 1 ? [brokerName] : Array.from({ length: count }, (_, i) => `${brokerName}-${i + 1}`);
}

/** The `nodes` prop, checked (an invalid count was reported and counts as 1); the node names it makes must be host name labels. */
export function checkedNodeCount(scope: Construct, nodes: number | undefined, brokerName: string, nameOk: boolean): number {
  const count = checkNodeCount(scope, nodes) ? (nodes ?? 1) : 1;
  const longestNodeName = brokerNodeNames(brokerName, count).at(-1)!;
  if (nameOk && longestNodeName.length > 63) {
    // A node's name is its hostname (RabbitMQ's `rabbit@<host>`, Kafka's advertised listener): one DNS label.
    report(
      scope,
      `name: the node names <name>-1 ... <name>-${count} are the nodes' hostnames, and "${longestNodeName}" is longer than a host name label's 63 characters`,
      brokerName,
      `use a name of at most ${63 - (longestNodeName.length - brokerName.length)} characters`,
    );
  }
  return count;
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

/** The broker's `count` nodes, each with its name, endpoints and construct id; a cluster's node names are claimed as hostnames. */
export function brokerNodes(
  scope: Construct,
  brokerName: string,
  count: number,
  description: Pick<BrokerKindDescription, "internalPort" | "hostPort">,
): BrokerNode[] {
  const nodeNames = brokerNodeNames(brokerName, count);
  const nodes = Array.from({ length: count }, (_, i): BrokerNode => {
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
  for (const n of nodes.slice(count === 1 ? 1 : 0)) {
    claimName(scope, "hostname", n.name, "give each broker a name whose node names (<name>-<i>) are free", `${scope.node.path}#${n.name}`);
  }
  return nodes;
}

/**
 * At synth: no other Terraform variable (or output) of the stack has the
 * same name: Terraform would merge the two blocks in silence (a user's
 * variable with a default would give the secret one a default).
 * `isBroker` tells a broker (BrokerBase) from other scopes.
 */
export function checkSoleOwner(
  broker: Construct,
  element: TerraformVariable | TerraformOutput,
  name: string,
  kind: "variable" | "output",
  isBroker: (scope: IConstruct | undefined) => boolean,
): void {
  deferCheck(broker, () => {
    const stack = TerraformStack.of(broker);
    const others = stack.node
      .findAll()
      .filter((c) => c !== element && (kind === "variable" ? c instanceof TerraformVariable : c instanceof TerraformOutput))
      .filter((c) => (c as TerraformVariable).friendlyUniqueId === name)
      // Another broker's is a name clash, reported when it was claimed.
      .filter((c) => !isBroker(c.node.scope));
    return others.map((other) => ({
      problem: `the Terraform ${kind} "${name}" of this broker is also declared by ${other.node.path}`,
      received: name,
      fix: `rename the other ${kind} (Terraform would merge the two)`,
    }));
  });
}
