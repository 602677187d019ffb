import { topologyGraph, type BoxKind, type GraphBox, type TextLine } from "./topology-graph";
import type { TopologyDescription } from "./topology-description";

/**
 * The topology as a Mermaid flowchart, for Markdown (GitHub draws ```mermaid
 * blocks): the same boxes, frames and lines as the SVG picture, laid out by
 * Mermaid. A pure function of the description. Ids are generated (`a0`,
 * `b1e2`), every label is quoted with Mermaid's entity codes for the
 * characters its grammar reads.
 */
export function renderTopologyMermaid(topology: TopologyDescription): string {
  const graph = topologyGraph(topology);
  const lines: string[] = ["flowchart LR"];
  const node = (box: GraphBox, indent: string) => `${indent}${box.id}${shape(box.kind, label(box.lines))}`;
  for (const b of graph.senders) lines.push(node(b, "  "));
  for (const broker of graph.brokers) {
    lines.push(`  subgraph ${broker.id}["${escapeMermaid(broker.header[0].text)}"]`);
    lines.push("    direction LR");
    // The rest of the header (nodes, ports, jobs) as a box of its own: a subgraph's title is one line.
    if (broker.header.length > 1) lines.push(`    ${broker.id}n["${label(broker.header.slice(1))}"]`);
    for (const e of [...broker.entities].sort((p, q) => p.rank - q.rank)) lines.push(node(e, "    "));
    lines.push("  end");
  }
  for (const b of graph.receivers) lines.push(node(b, "  "));
  if (graph.others.length) {
    lines.push(`  subgraph others["Other containers (of no broker or app)"]`);
    for (const b of graph.others) lines.push(node(b, "    "));
    lines.push("  end");
  }
  for (const e of graph.edges) {
    const arrow = e.dashed ? "-.->" : "-->";
    lines.push(`  ${e.from} ${arrow}${e.label !== undefined ? `|"${escapeMermaid(e.label)}"|` : ""} ${e.to}`);
  }
  for (const [kind, style] of Object.entries(CLASS_STYLES)) lines.push(`  classDef ${kind} ${style}`);
  const byKind = new Map<BoxKind, string[]>();
  const boxes = [...graph.senders, ...graph.receivers, ...graph.others, ...graph.brokers.flatMap((b) => b.entities)];
  for (const b of boxes) (byKind.get(b.kind) ?? byKind.set(b.kind, []).get(b.kind)!).push(b.id);
  for (const [kind, ids] of [...byKind].sort(([a], [b]) => (a < b ? -1 : 1))) lines.push(`  class ${ids.join(",")} ${kind}`);
  return lines.join("\n") + "\n";
}

const CLASS_STYLES: Record<BoxKind, string> = {
  app: "fill:#f3f4f6,stroke:#4b5563",
  exchange: "fill:#fff4e5,stroke:#b45309",
  queue: "fill:#e8f0fe,stroke:#1d4ed8",
  topic: "fill:#e7f6ec,stroke:#15803d",
  entity: "fill:#f5f5f5,stroke:#6b7280",
  component: "fill:#fdf2f8,stroke:#9d174d",
};

/** Exchanges as hexagons, queues as stadiums, topics as subroutines (a log), the rest as boxes. */
function shape(kind: BoxKind, text: string): string {
  switch (kind) {
    case "exchange":
      return `{{"${text}"}}`;
    case "queue":
      return `(["${text}"])`;
    case "topic":
      return `[["${text}"]]`;
    default:
      return `["${text}"]`;
  }
}

/** Lines joined with `<br/>`, the first in bold. */
function label(lines: TextLine[]): string {
  return lines.map((l) => (l.bold ? `<b>${escapeMermaid(l.text)}</b>` : escapeMermaid(l.text))).join("<br/>");
}

/**
 * A quoted Mermaid label ends at `"`, and Mermaid turns `#name;` into a
 * character and reads `<` and `&` as HTML: each becomes an entity code.
 */
export function escapeMermaid(text: string): string {
  return text.replace(/[#"<&]/g, (c) => `#${c.charCodeAt(0)};`);
}
