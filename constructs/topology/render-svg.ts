import { topologyGraph } from "./topology-graph";
import type { TopologyDescription } from "./topology-description";
import { FONT_SIZE, layoutTopology, type PlacedBox, type PlacedEdge, type PlacedText, type TopologyLayout } from "./topology-layout";

/**
 * The topology as an SVG picture: a pure function of the description,
 * with no font, script or file of its own (the viewer's monospace font;
 * the layout is sized for it). Every text is inside a `<g>` with the
 * rectangle it belongs to, `data-kind`/`data-name` saying what it shows.
 */
export function renderTopologySvg(topology: TopologyDescription): string {
  return svgOfLayout(layoutTopology(topologyGraph(topology)));
}

/** Fonts whose advance is 0.6 em, the one the layout measures with; then whatever monospace the viewer has. */
export const SVG_FONT_FAMILY = "DejaVu Sans Mono, Menlo, Consolas, Liberation Mono, Courier New, monospace";

const STYLE: Record<string, { fill: string; stroke: string }> = {
  app: { fill: "#f3f4f6", stroke: "#4b5563" },
  exchange: { fill: "#fff4e5", stroke: "#b45309" },
  queue: { fill: "#e8f0fe", stroke: "#1d4ed8" },
  topic: { fill: "#e7f6ec", stroke: "#15803d" },
  entity: { fill: "#f5f5f5", stroke: "#6b7280" },
  component: { fill: "#fdf2f8", stroke: "#9d174d" },
  frame: { fill: "#fbfbfd", stroke: "#9ca3af" },
  label: { fill: "#ffffff", stroke: "none" },
  panel: { fill: "#ffffff", stroke: "none" },
};
const LINE_COLOR = "#374151";
const DEAD_LETTER_COLOR = "#b91c1c";

export function svgOfLayout(layout: TopologyLayout): string {
  const w = round(layout.width);
  const h = round(layout.height);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="${SVG_FONT_FAMILY}" font-size="${FONT_SIZE}">`,
    `<rect class="background" x="0" y="0" width="${w}" height="${h}" fill="#ffffff"/>`,
    ...layout.panels.map((p) => group(p)),
    ...layout.frames.map((f) => group(f, 6)),
    ...layout.edges.map(edgePath),
    ...layout.boxes.map((b) => group(b, 4)),
    ...layout.edges.filter((e) => e.label).map((e) => group(e.label!)),
    "</svg>",
    "",
  ];
  return out.join("\n");
}

function group(box: PlacedBox, radius = 0): string {
  const style = STYLE[box.kind] ?? STYLE.entity;
  const name = box.name !== undefined ? ` data-name="${escapeXml(box.name)}"` : "";
  const stroke = style.stroke === "none" ? `stroke="none"` : `stroke="${style.stroke}" stroke-width="1"`;
  return [
    `<g class="${box.kind === "frame" || box.kind === "label" || box.kind === "panel" ? box.kind : "box"}" data-kind="${box.kind}"${name}>`,
    `<rect x="${round(box.x)}" y="${round(box.y)}" width="${round(box.w)}" height="${round(box.h)}"${radius ? ` rx="${radius}"` : ""} fill="${style.fill}" ${stroke}/>`,
    ...box.texts.map(text),
    "</g>",
  ].join("\n");
}

function text(t: PlacedText): string {
  const size = t.size !== FONT_SIZE ? ` font-size="${t.size}"` : "";
  const weight = t.bold ? ` font-weight="bold"` : "";
  // xml:space keeps the runs of spaces that line columns up.
  return `<text x="${round(t.x)}" y="${round(t.y)}"${size}${weight} fill="#111827" xml:space="preserve">${escapeXml(t.text)}</text>`;
}

function edgePath(e: PlacedEdge): string {
  const color = e.dashed ? DEAD_LETTER_COLOR : LINE_COLOR;
  const d = e.points.map(([x, y], i) => `${i === 0 ? "M" : "L"}${round(x)},${round(y)}`).join(" ");
  const { x, y, direction } = e.arrow;
  const head = `M${round(x)},${round(y)} L${round(x - 8 * direction)},${round(y - 4)} L${round(x - 8 * direction)},${round(y + 4)} Z`;
  return [
    `<g class="edge" data-kind="${e.kind}" data-from="${escapeXml(e.from)}" data-to="${escapeXml(e.to)}">`,
    `<path d="${d}" fill="none" stroke="${color}" stroke-width="1.2"${e.dashed ? ` stroke-dasharray="5,4"` : ""}/>`,
    `<path d="${head}" fill="${color}" stroke="none"/>`,
    "</g>",
  ].join("\n");
}

export function escapeXml(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");
}

/** Two decimals at most: the same numbers on every machine, and short. */
function round(n: number): string {
  return String(Math.round(n * 100) / 100);
}
