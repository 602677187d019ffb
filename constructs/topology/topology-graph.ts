import type { AppTopology, BrokerTopology, ComponentTopology, PublishedPortTopology, TopologyDescription } from "./topology-description";

/**
 * What a picture of a topology shows, before anything is placed: a box per
 * app, per broker entity (exchange, queue, topic) and per container that
 * belongs to neither, a frame per broker, the lines between boxes with their
 * labels, and the legend's text. The SVG and the Mermaid renderers both
 * draw this, so they show the same things.
 */
export interface TopologyGraph {
  readonly title: TextLine[];
  readonly brokers: GraphBroker[];
  /** Apps that only send (or whose broker kind does not say): drawn left of the brokers. */
  readonly senders: GraphBox[];
  /** Apps that receive (and any that send as well): drawn right of the brokers. */
  readonly receivers: GraphBox[];
  /** Containers that belong to no broker or app (monitoring, the user's own). */
  readonly others: GraphBox[];
  readonly edges: GraphEdge[];
  readonly legend: LegendSection[];
}

export interface TextLine {
  readonly text: string;
  readonly bold?: boolean;
}

/** What a box stands for: also its look. */
export type BoxKind = "app" | "exchange" | "queue" | "topic" | "entity" | "component";

export interface GraphBox {
  /** Unique in the graph. */
  readonly id: string;
  readonly kind: BoxKind;
  /** The name of what it stands for (an app, a queue, ...). */
  readonly name: string;
  readonly lines: TextLine[];
}

export interface GraphBroker {
  readonly id: string;
  readonly name: string;
  readonly kind: string;
  readonly header: TextLine[];
  /** Entities with their column: 0 for the first inside the frame, one more for each binding or dead-letter hop. */
  readonly entities: GraphEntity[];
}

/** `publish` and `consume` join an app to an entity; the others are the broker kind's links (`binding`, `dead-letter`, ...). */
/** An entity's box in its broker's frame. */
export type GraphEntity = GraphBox & {
  /** The column: see GraphBroker.entities. */
  readonly rank: number;
  /** The entity's kind as its broker kind names it (`queue`, `subject`, ...); `kind` is only its look. */
  readonly entityKind: string;
};

export type EdgeKind = "publish" | "consume" | (string & {});

export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: EdgeKind;
  readonly label?: string;
  /** Dead letters: a dashed line. */
  readonly dashed: boolean;
}

export interface LegendSection {
  readonly heading: string;
  /** Items, each one line unless it is too long for the picture's width (then wrapped at ", "). */
  readonly items: string[];
}

export function topologyGraph(topology: TopologyDescription): TopologyGraph {
  const edges: GraphEdge[] = [];
  const brokers = topology.brokers.map((b, i) => graphBroker(b, `b${i}`, topology.components, edges));
  const entityId = new Map<string, string>();
  for (const b of brokers) for (const e of b.entities) entityId.set(`${b.name}\u0000${e.entityKind}\u0000${e.name}`, e.id);

  const senders: GraphBox[] = [];
  const receivers: GraphBox[] = [];
  topology.apps.forEach((app, i) => {
    const id = `a${i}`;
    const box = appBox(app, id);
    (app.wirings.some((w) => w.direction === "consume") ? receivers : senders).push(box);
    for (const w of app.wirings) {
      const broker = brokers.find((b) => b.name === w.broker);
      const kind = w.entityKind ?? "broker";
      let target = entityId.get(`${w.broker}\u0000${kind}\u0000${w.entityName ?? w.broker}`);
      if (target === undefined && broker) {
        // An entity the broker did not declare (Kafka's auto-created topics) or a kind that does not say which.
        target = `${broker.id}e${broker.entities.length}`;
        broker.entities.push({
          id: target,
          kind: boxKind(kind),
          entityKind: kind,
          name: w.entityName ?? w.broker,
          rank: 0,
          lines: entityLines(kind, w.entityName ?? w.broker, [w.entityName ? "not declared" : "the broker"]),
        });
        entityId.set(`${w.broker}\u0000${kind}\u0000${w.entityName ?? w.broker}`, target);
      }
      if (target === undefined) continue;
      if (w.direction === "consume") {
        edges.push({
          from: target,
          to: id,
          kind: "consume",
          dashed: false,
          ...(w.groupId !== undefined ? { label: `group ${w.groupId}` } : {}),
        });
      } else {
        const label =
          w.entityKind === "queue" && w.routingKey === w.entityName
            ? "default exchange"
            : w.routingKey !== undefined
              ? `key ${w.routingKey}`
              : undefined;
        edges.push({ from: id, to: target, kind: "publish", dashed: false, ...(label ? { label } : {}) });
      }
    }
  });
  for (const b of brokers) rankEntities(b, edges);

  const others = topology.components
    .filter((c) => c.owner === undefined || !topology.brokers.some((b) => b.name === c.owner))
    .map(
      (c, i): GraphBox => ({
        id: `c${i}`,
        kind: "component",
        name: c.name,
        lines: [
          { text: c.name, bold: true },
          { text: `${c.component}${c.oneShot ? " · one-shot" : ""}${c.owner ? ` · of ${c.owner}` : ""}` },
          ...portLines(c.ports, undefined),
        ],
      }),
    );

  return {
    title: [{ text: `Stack "${topology.stack}"`, bold: true }, { text: "drawn from cdk.tf.json by cdktf-messaging-topology" }],
    brokers,
    senders,
    receivers,
    others,
    edges,
    legend: legendOf(topology),
  };
}

function graphBroker(broker: BrokerTopology, id: string, components: readonly ComponentTopology[], edges: GraphEdge[]): GraphBroker {
  const entities: GraphEntity[] = [];
  const ids = new Map<string, string>();
  const add = (kind: string, name: string, details: string[]) => {
    const entityId = `${id}e${entities.length}`;
    ids.set(`${kind}\u0000${name}`, entityId);
    entities.push({ id: entityId, kind: boxKind(kind), entityKind: kind, name, rank: 0, lines: entityLines(kind, name, details) });
    return entityId;
  };
  for (const e of broker.entities) add(e.kind, e.name, [e.summary]);
  const find = (kind: string, name: string) => ids.get(`${kind}\u0000${name}`) ?? add(kind, name, ["not declared"]);
  for (const link of broker.links) {
    edges.push({
      from: find(link.from.kind, link.from.name),
      to: find(link.to.kind, link.to.name),
      kind: link.kind,
      dashed: link.dashed,
      ...(link.label !== undefined ? { label: link.label } : {}),
    });
  }

  const title = broker.title;
  const count = broker.nodes.length;
  const owned = components.filter((c) => c.owner === broker.name);
  const jobs = owned.filter((c) => c.oneShot).map((c) => c.name);
  const runs = owned.filter((c) => !c.oneShot).map((c) => `${c.name} (${c.component})`);
  const header: TextLine[] = [
    { text: `${title} broker "${broker.name}" · ${count} node${count === 1 ? "" : "s"} · network ${broker.network}`, bold: true },
    ...broker.nodes.map((n) => ({
      text:
        `node ${n.name}${n.ports.length ? `  ${n.ports.map((p) => portText(p, broker.portNames)).join("  ")}` : "  (no published ports)"}` +
        // On a Swarm: where it runs (`node.labels.broker-slot==1` reads "on Swarm node broker-slot=1").
        (n.placement?.length
          ? `  on Swarm node ${n.placement.map((c) => c.replace(/^node\.labels\./, "").replace("==", "=")).join(", ")}`
          : ""),
    })),
    ...(jobs.length ? [{ text: `one-shot job${jobs.length === 1 ? "" : "s"}: ${jobs.join(", ")}` }] : []),
    ...(runs.length ? [{ text: `also: ${runs.join(", ")}` }] : []),
  ];
  return { id, name: broker.name, kind: broker.kind, header, entities };
}

/**
 * The column of each entity in its broker's frame: the longest path to it
 * over bindings and dead-letter hops (exchanges before their queues, a
 * dead-letter queue after its source). A hop that closes a cycle does not
 * count; it is drawn backwards.
 */
function rankEntities(broker: GraphBroker, edges: GraphEdge[]): void {
  const inside = new Set(broker.entities.map((e) => e.id));
  const out = new Map<string, string[]>();
  for (const e of edges)
    if (inside.has(e.from) && inside.has(e.to) && e.from !== e.to) (out.get(e.from) ?? out.set(e.from, []).get(e.from)!).push(e.to);
  // Depth-first: an edge to an entity still on the path is a back edge.
  const forward = new Map<string, string[]>();
  const state = new Map<string, "open" | "done">();
  const visit = (id: string) => {
    state.set(id, "open");
    for (const to of out.get(id) ?? []) {
      if (state.get(to) === "open") continue;
      (forward.get(id) ?? forward.set(id, []).get(id)!).push(to);
      if (!state.has(to)) visit(to);
    }
    state.set(id, "done");
  };
  for (const e of broker.entities) if (!state.has(e.id)) visit(e.id);
  const rank = new Map<string, number>();
  const rankOf = (id: string): number => {
    const known = rank.get(id);
    if (known !== undefined) return known;
    const preds = [...forward].filter(([, tos]) => tos.includes(id)).map(([from]) => from);
    const r = preds.length ? Math.max(...preds.map(rankOf)) + 1 : 0;
    rank.set(id, r);
    return r;
  };
  broker.entities.forEach((e, i) => (broker.entities[i] = { ...e, rank: rankOf(e.id) }));
}

function appBox(app: AppTopology, id: string): GraphBox {
  const roles = [...new Set(app.wirings.map((w) => w.role.split(" ")[0]))];
  const image = app.image.source === "build" ? `${repositoryOf(app.image.name)} (built)` : app.image.name;
  return {
    id,
    kind: "app",
    name: app.name,
    lines: [
      { text: app.name, bold: true },
      { text: `${roles.length ? roles.join(", ") : "not wired"} · ${app.replicas} replica${app.replicas === 1 ? "" : "s"}` },
      { text: `image ${image}` },
      ...portLines(app.ports, undefined),
    ],
  };
}

function entityLines(kind: string, name: string, details: string[]): TextLine[] {
  return [{ text: name, bold: true }, { text: [kind, ...details.filter(Boolean)].join(" · ") }];
}

function boxKind(kind: string): BoxKind {
  return kind === "exchange" || kind === "queue" || kind === "topic" ? kind : "entity";
}

function portLines(ports: readonly PublishedPortTopology[], portNames: BrokerTopology["portNames"] | undefined): TextLine[] {
  return ports.map((p) => ({ text: portText(p, portNames) }));
}

/** `127.0.0.1:5672->5672 (AMQP)`, the port's use named as the broker's kind names it. */
function portText(p: PublishedPortTopology, portNames: BrokerTopology["portNames"] | undefined): string {
  const name = portNames?.[String(p.containerPort)];
  const proto = p.protocol === "tcp" ? "" : `/${p.protocol}`;
  return `${p.hostIp}:${p.hostPort}->${p.containerPort}${proto}${name ? ` (${name})` : ""}`;
}

/** A built image's repository: its tag is a hash of the build folder, which changes with every source edit. */
function repositoryOf(image: string): string {
  const colon = image.lastIndexOf(":");
  return colon > image.lastIndexOf("/") ? image.slice(0, colon) : image;
}

function legendOf(topology: TopologyDescription): LegendSection[] {
  const portNamesOf = new Map<string, BrokerTopology["portNames"]>();
  for (const b of topology.brokers) for (const n of b.nodes) portNamesOf.set(n.name, b.portNames);
  const published = [
    ...topology.brokers.flatMap((b) => b.nodes.flatMap((n) => n.ports.map((p) => ({ p, on: n.name })))),
    ...topology.apps.flatMap((a) => a.ports.map((p) => ({ p, on: a.containers[0] ?? a.name }))),
    ...topology.components.flatMap((c) => c.ports.map((p) => ({ p, on: c.name }))),
  ].sort((a, b) => a.p.hostPort - b.p.hostPort);
  return [
    {
      heading: "Networks",
      items: topology.networks.map((n) => `${n.name}${n.internal ? " (internal)" : ""}: ${n.containers.join(", ")}`),
    },
    {
      heading: "Published on the Docker host",
      items: published.length
        ? published.map(({ p, on }) => {
            const name = portNamesOf.get(on)?.[String(p.containerPort)];
            const scope = p.hostIp === "127.0.0.1" ? "this host only" : p.hostIp === "0.0.0.0" ? "every interface" : `address ${p.hostIp}`;
            return `${p.hostIp}:${p.hostPort} -> ${on}:${p.containerPort}${name ? ` ${name}` : ""} (${scope})`;
          })
        : ["nothing"],
    },
  ];
}
