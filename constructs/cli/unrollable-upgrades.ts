/**
 * Image changes cdktf-messaging-roll must refuse: an upgrade whose new nodes
 * cannot run beside the old ones, so replacing one node at a time cannot
 * work. The command knows no broker kind: each kind puts the images its new
 * nodes cannot roll from in the node resources it synthesizes
 * (brokers/roll-refusal.ts; RabbitMQ's: brokers/rabbitmq/rabbitmq-roll-refusals.ts),
 * and this matches them against the images the nodes run now (the state).
 */
import { refusalOf, rollRefusalsOf } from "../brokers/roll-refusal";

/** A broker node as the check sees it: its broker, its index, its Terraform address and its container's (or service's) name. */
export interface NodeAddress {
  readonly broker: string;
  readonly index: number;
  readonly address: string;
  readonly name: string;
}

/**
 * The image name each node runs in the state (`terraform show -json`): a
 * container's `image` is an image id, named by the docker_image (resource
 * or data source) that has it; a service names its image itself.
 */
export function deployedImages(stateJson: any, nodes: readonly NodeAddress[]): Map<string, string> {
  const resources: any[] = stateJson?.values?.root_module?.resources ?? [];
  const nameOfId = new Map<string, string>();
  for (const r of resources) {
    if (r.type !== "docker_image" || typeof r.values?.name !== "string") continue;
    for (const id of [r.values.image_id, r.values.id])
      if (typeof id === "string" && id.startsWith("sha256:")) nameOfId.set(id, r.values.name);
  }
  const images = new Map<string, string>();
  for (const node of nodes) {
    const values = resources.find((r) => r.address === node.address)?.values;
    if (!values) continue;
    const image = node.address.startsWith("docker_service.") ? serviceImage(values) : nameOfId.get(values.image);
    if (typeof image === "string") images.set(node.address, image);
  }
  return images;
}

/** The image name each node is given in the synthesized stack: the name of the docker_image its `image` references, or the literal. */
export function configuredImages(stackJson: any, nodes: readonly NodeAddress[]): Map<string, string> {
  const images = new Map<string, string>();
  for (const node of nodes) {
    const [type, id] = splitAddress(node.address);
    const resource = stackJson?.resource?.[type]?.[id];
    const given = type === "docker_service" ? serviceImage(resource) : resource?.image;
    if (typeof given !== "string") continue;
    const reference = /^\$\{docker_image\.([^.}]+)\.(?:image_id|name|id)\}$/.exec(given);
    const name = reference ? stackJson?.resource?.docker_image?.[reference[1]]?.name : given.includes("${") ? undefined : given;
    if (typeof name === "string" && !name.includes("${")) images.set(node.address, name);
  }
  return images;
}

/**
 * One line per broker whose nodes would move from a deployed image to a
 * configured one that the node resource in `stackJson` refuses to roll
 * from (its `//` comment), in broker order.
 */
export function unrollableUpgrades(
  nodes: readonly NodeAddress[],
  deployed: ReadonlyMap<string, string>,
  configured: ReadonlyMap<string, string>,
  stackJson: any,
): string[] {
  const refusals = new Map<string, string>();
  for (const node of nodes) {
    const from = deployed.get(node.address);
    const to = configured.get(node.address);
    if (from === undefined || to === undefined || from === to || refusals.has(node.broker)) continue;
    const [type, id] = splitAddress(node.address);
    const first = nodes.find((n) => n.broker === node.broker && n.index === 1) ?? node;
    const refusal = refusalOf(rollRefusalsOf(stackJson?.resource?.[type]?.[id]), { broker: node.broker, from, to, firstNode: first.name });
    if (refusal) refusals.set(node.broker, refusal);
  }
  return [...refusals.keys()].sort().map((broker) => refusals.get(broker)!);
}

function splitAddress(address: string): [string, string] {
  const dot = address.indexOf(".");
  return [address.slice(0, dot), address.slice(dot + 1)];
}

/** A service's image: task_spec.container_spec.image (a list of one block in the state, an object in the stack). */
function serviceImage(values: any): unknown {
  const one = (x: any) => (Array.isArray(x) ? x[0] : x);
  return one(one(values?.task_spec)?.container_spec)?.image;
}
