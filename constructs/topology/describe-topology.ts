import { DefaultTokenResolver, StringConcat, Tokenization, type TerraformStack } from "../private/framework";
import type { IConstruct } from "constructs";
import type { BrokerWiring, IBroker, IBrokerClient } from "../brokers/broker";
import { Container, DataDockerImage, DockerNetwork, Image, Service } from "../private/bindings";
import { Labels } from "../private/labels";
import { requireScope } from "../private/validation";
import {
  TOPOLOGY_FORMAT_VERSION,
  type AppTopology,
  type BrokerTopology,
  type ComponentTopology,
  type ImageTopology,
  type NetworkTopology,
  type PublishedPortTopology,
  type BrokerKindTopology,
  type TopologyDescription,
  type WiringTopology,
} from "./topology-description";

/**
 * A broker of any kind as the description reads it (BrokerBase has this
 * shape). Brokers and apps are recognised by their shape, not their class:
 * they put this description in their stack, and an import of them here
 * would tie the two into a module cycle.
 */
interface DescribedBroker extends IBroker {
  readonly nodes: readonly { readonly index: number }[];
  readonly containers: readonly Container[];
  readonly services?: readonly Service[];
  /** The kind's part of the description: its title, port names, entities and links. */
  describeTopology(wirings: readonly BrokerWiring[]): BrokerKindTopology;
}

/** An app as the description reads it (AppContainer has this shape). */
interface DescribedApp extends IBrokerClient {
  readonly containers: readonly Container[];
  readonly service?: Service;
  readonly wiredTo: readonly BrokerWiring[];
}

/**
 * The topology of `stack` as it synthesizes now: every broker (its nodes,
 * and the entities and links its kind describes: exchanges, queues,
 * bindings, dead-letter paths, topics, ...), every app (its
 * replicas, image, ports and wirings), every other container, and the
 * networks with the containers on them. Containers are read from what they
 * render (`toTerraform`, overrides included), so the description says what
 * cdk.tf.json says.
 */
export function describeTopology(stack: TerraformStack): TopologyDescription {
  requireScope(stack, "describeTopology", "describeTopology");
  const all = stack.node.findAll();
  const resolve = <T>(value: T): T => Tokenization.resolve(value, { scope: stack, resolver: RESOLVER });
  // A workload is a container on one engine, a service on a Swarm: both are described alike.
  const containers = new Map<Container | Service, RenderedContainer>();
  for (const c of all) {
    if (c instanceof Container) containers.set(c, renderContainer(stack, c, resolve));
    else if (c instanceof Service) containers.set(c, renderService(c, resolve));
  }

  // A network is named in a container's networks_advanced by reference (`${docker_network.x.name}`) or literally.
  const networkNames = new Map<string, { name: string; internal: boolean }>();
  for (const n of all) {
    if (!(n instanceof DockerNetwork)) continue;
    const info = { name: String(resolve(n.nameInput ?? n.name)), internal: resolve(n.internalInput) === true };
    networkNames.set(String(resolve(n.name)), info);
    networkNames.set(String(resolve(n.id)), info); // a service names its networks by id
    networkNames.set(info.name, info);
  }
  const networksOf = (r: RenderedContainer) => sortedUnique(r.networks.map((ref) => networkNames.get(ref)?.name ?? ref));

  // By id (a container's image) and by name (a service's, `name@digest`).
  const images = new Map<string, ImageTopology>();
  for (const i of all) {
    const image: ImageTopology | undefined =
      i instanceof Image
        ? { name: String(resolve(i.nameInput)), source: i.buildAttributeInput ? "build" : "registry" }
        : i instanceof DataDockerImage
          ? { name: String(resolve(i.nameInput)), source: "local" }
          : undefined;
    if (image === undefined) continue;
    images.set(String(resolve(i instanceof Image ? i.imageId : (i as DataDockerImage).id)), image);
    images.set(image.name, image);
  }

  const brokers = all.filter(isBroker);
  const apps = all.filter(isApp);
  const owned = new Set<Container | Service>();
  const name = (c: Container | Service) => containers.get(c)!.name;

  const brokerTopologies = brokers.map((broker): BrokerTopology => {
    const nodes = [...broker.containers, ...(broker.services ?? [])];
    nodes.forEach((c) => owned.add(c));
    const described = broker.describeTopology(apps.flatMap((app) => app.wiredTo.filter((w) => w.broker === broker)));
    return {
      name: String(resolve(broker.brokerName)),
      kind: broker.kind,
      title: described.title,
      path: broker.node.path,
      network: networkNames.get(String(resolve(broker.network.networkName)))?.name ?? String(resolve(broker.network.networkName)),
      nodes: nodes.map((c, i) => {
        const rendered = containers.get(c)!;
        return {
          index: broker.nodes[i]?.index ?? i + 1,
          name: name(c),
          ports: rendered.ports,
          networks: networksOf(rendered),
          ...(rendered.placement.length > 0 ? { placement: rendered.placement } : {}),
        };
      }),
      portNames: described.portNames,
      entities: [...described.entities].sort((a, b) => compare(a.kind, b.kind) || compare(a.name, b.name)),
      links: [...described.links].sort(
        (a, b) =>
          compare(a.kind, b.kind) ||
          compare(a.from.name, b.from.name) ||
          compare(a.to.name, b.to.name) ||
          compare(a.label ?? "", b.label ?? ""),
      ),
    };
  });

  const appTopologies = apps.map((app): AppTopology => {
    const workloads = app.service ? [app.service] : app.containers;
    workloads.forEach((c) => owned.add(c));
    const rendered = workloads.map((c) => containers.get(c)!);
    const image = rendered[0]?.image ?? "";
    return {
      name: String(resolve(app.appName)),
      path: app.node.path,
      replicas: rendered.reduce((n, r) => n + r.replicas, 0),
      containers: rendered.map((r) => r.name),
      image: images.get(image) ?? images.get(image.replace(/@.*$/, "")) ?? { name: image, source: "unknown" },
      ports: rendered.flatMap((r) => r.ports),
      networks: sortedUnique(rendered.flatMap(networksOf)),
      wirings: app.wiredTo
        .map(
          (w): WiringTopology => ({
            broker: String(resolve(w.broker.brokerName)),
            role: w.role,
            ...(w.target
              ? {
                  direction: w.target.direction,
                  entityKind: w.target.entityKind,
                  entityName: w.target.entityName,
                  ...(w.target.routingKey !== undefined ? { routingKey: w.target.routingKey } : {}),
                  ...(w.target.groupId !== undefined ? { groupId: w.target.groupId } : {}),
                  ...(w.target.attributes !== undefined ? { attributes: { ...w.target.attributes } } : {}),
                }
              : {}),
          }),
        )
        .sort((a, b) => compare(a.broker, b.broker) || compare(a.role, b.role)),
    };
  });

  const owners = new Map<IConstruct, string>([
    ...brokers.map((b, i): [IConstruct, string] => [b, brokerTopologies[i].name]),
    ...apps.map((a, i): [IConstruct, string] => [a, appTopologies[i].name]),
  ]);
  const components = [...containers.entries()]
    .filter(([c]) => !owned.has(c))
    .map(([c, r]): ComponentTopology => {
      const owner = c.node.scopes
        .slice(0, -1)
        .reverse()
        .find((s) => owners.has(s));
      return {
        name: r.name,
        component: r.labels[Labels.component] ?? "container",
        path: c.node.path,
        ...(owner ? { owner: owners.get(owner) } : {}),
        oneShot: r.oneShot,
        ports: r.ports,
        networks: networksOf(r),
      };
    });

  const members = new Map<string, Set<string>>();
  for (const r of containers.values()) for (const n of networksOf(r)) (members.get(n) ?? members.set(n, new Set()).get(n)!).add(r.name);
  const networks: NetworkTopology[] = [...new Set([...networkNames.values()])]
    .filter((n, i, list) => list.findIndex((m) => m.name === n.name) === i)
    .map((n) => ({ name: n.name, internal: n.internal, containers: [...(members.get(n.name) ?? [])].sort(compare) }));
  // A network only referenced (made outside this stack) still shows who is on it.
  for (const [n, on] of members)
    if (!networks.some((m) => m.name === n)) networks.push({ name: n, internal: false, containers: [...on].sort(compare) });

  return {
    formatVersion: TOPOLOGY_FORMAT_VERSION,
    stack: stack.node.id,
    brokers: brokerTopologies.sort(byName),
    apps: appTopologies.sort(byName),
    components: components.sort(byName),
    networks: networks.sort(byName),
  };
}

const RESOLVER = new DefaultTokenResolver(new StringConcat());

interface RenderedContainer {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly ports: PublishedPortTopology[];
  /** Each network as the block names it: a reference or a literal name. */
  readonly networks: string[];
  /** The image as the block names it (a reference to a docker_image; a service's `name@digest`). */
  readonly image: string;
  readonly oneShot: boolean;
  /** Containers it stands for: 1, or a service's replicas. */
  readonly replicas: number;
  /** A service's placement constraints. */
  readonly placement: string[];
}

/** The attributes of a docker_container the description reads. */
const SHOWN = ["name", "labels", "ports", "networks_advanced", "image", "attach", "must_run"];

function renderContainer(stack: TerraformStack, container: Container, resolve: <T>(value: T) => T): RenderedContainer {
  const rendered = container.toTerraform().resource?.docker_container?.[container.friendlyUniqueId] ?? {};
  // Only what is shown is resolved: the environment and the uploaded files are most of a container's cost.
  const block = resolve(Object.fromEntries(SHOWN.filter((k) => k in rendered).map((k) => [k, rendered[k]])));
  // Labels are Terraform strings: `$${` stands for `${`.
  const unescape = (text: unknown) =>
    String(text)
      .replace(/\$\$\{/g, "${")
      .replace(/%%\{/g, "%{");
  const labels = Object.fromEntries(list(block.labels).map((l: any) => [unescape(l.label), unescape(l.value)]));
  const ports = list(block.ports)
    .map(
      (p: any): PublishedPortTopology => ({
        hostIp: String(p.ip ?? "0.0.0.0"),
        hostPort: Number(p.external ?? p.internal),
        containerPort: Number(p.internal),
        protocol: String(p.protocol ?? "tcp"),
      }),
    )
    .sort((a, b) => a.hostPort - b.hostPort || compare(a.hostIp, b.hostIp));
  return {
    name: String(block.name ?? container.node.id),
    labels,
    ports,
    networks: list(block.networks_advanced).map((n: any) => String(n.name)),
    image: String(block.image ?? ""),
    // The one-shot jobs: created, waited for (attach) and kept once exited (must_run = false).
    oneShot: block.attach === true && block.must_run === false,
    replicas: 1,
    placement: [],
  };
}

/** A docker_service as a workload: its task's ports (host mode: every address of the node), networks, image and placement. */
function renderService(service: Service, resolve: <T>(value: T) => T): RenderedContainer {
  const rendered = service.toTerraform().resource?.docker_service?.[service.friendlyUniqueId] ?? {};
  const block = resolve({
    name: rendered.name,
    labels: rendered.labels,
    mode: rendered.mode,
    endpoint_spec: rendered.endpoint_spec,
    task_spec: {
      networks_advanced: rendered.task_spec?.networks_advanced,
      placement: rendered.task_spec?.placement,
      container_spec: { image: rendered.task_spec?.container_spec?.image },
    },
  });
  return {
    name: String(block.name ?? service.node.id),
    labels: Object.fromEntries(list(block.labels).map((l: any) => [String(l.label), String(l.value)])),
    ports: list(block.endpoint_spec?.ports)
      .map(
        (p: any): PublishedPortTopology => ({
          hostIp: "0.0.0.0",
          hostPort: Number(p.published_port ?? p.target_port),
          containerPort: Number(p.target_port),
          protocol: String(p.protocol ?? "tcp"),
        }),
      )
      .sort((a, b) => a.hostPort - b.hostPort),
    networks: list(block.task_spec?.networks_advanced).map((n: any) => String(n.id ?? n.name)),
    image: String(block.task_spec?.container_spec?.image ?? ""),
    oneShot: false,
    replicas: Number(block.mode?.replicated?.replicas ?? 1),
    placement: list(block.task_spec?.placement?.constraints).map(String),
  };
}

/** A broker of any kind: IBroker plus its nodes, containers and the kind's description hook. */
function isBroker(c: IConstruct): c is DescribedBroker {
  const b = c as Partial<DescribedBroker>;
  return (
    typeof b.kind === "string" &&
    typeof b.brokerName === "string" &&
    Array.isArray(b.nodes) &&
    Array.isArray(b.containers) &&
    typeof b.startDependencies === "function" &&
    typeof b.describeTopology === "function"
  );
}

/** An app: an IBrokerClient with its replicas' containers and its wirings. */
function isApp(c: IConstruct): c is DescribedApp {
  const a = c as Partial<DescribedApp>;
  return typeof a.appName === "string" && typeof a.addWiring === "function" && Array.isArray(a.containers) && Array.isArray(a.wiredTo);
}

const list = (value: unknown): any[] => (Array.isArray(value) ? value : []);
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const byName = (a: { name: string }, b: { name: string }) => compare(a.name, b.name);
const sortedUnique = (values: string[]) => [...new Set(values)].sort(compare);
