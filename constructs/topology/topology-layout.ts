import type { BoxKind, EdgeKind, GraphBox, GraphEdge, TextLine, TopologyGraph } from "./topology-graph";

/**
 * Where everything of a TopologyGraph goes: a deterministic layered layout,
 * left to right. Apps that send are the first column, each broker a frame
 * across the middle columns (its entities, one column per hop: exchanges,
 * queues, dead-letter queues; topics), apps that receive the last column.
 *
 * Every box is sized from its text in a monospace font (a text's width is
 * its length times the advance), and labels go where nothing else can be:
 * a line's label sits in the gap before its target box, right of every
 * vertical run of that gap, at the height of its own port, and ports are
 * further apart than a label is high. So no two texts overlap and none
 * leaves its box, by construction; the tests check it on the result.
 */
export interface TopologyLayout {
  readonly width: number;
  readonly height: number;
  /** The title and the legend. */
  readonly panels: PlacedBox[];
  /** A frame per broker, and one for the containers that belong to no broker or app. */
  readonly frames: PlacedBox[];
  readonly boxes: PlacedBox[];
  readonly edges: PlacedEdge[];
}

export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

export interface PlacedText {
  readonly text: string;
  /** Start of the text (anchor start). */
  readonly x: number;
  /** Baseline. */
  readonly y: number;
  readonly size: number;
  readonly bold: boolean;
}

export interface PlacedBox extends Rect {
  readonly id: string;
  readonly kind: BoxKind | "frame" | "label" | "panel";
  readonly name?: string;
  readonly texts: PlacedText[];
}

export interface PlacedEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: EdgeKind;
  readonly dashed: boolean;
  /** The line, from the sending box's side to the receiving box's. */
  readonly points: Point[];
  /** The arrowhead's tip and the direction it points (1: right, -1: left). */
  readonly arrow: { readonly x: number; readonly y: number; readonly direction: 1 | -1 };
  readonly label?: PlacedBox;
}

export type Point = readonly [number, number];

export const FONT_SIZE = 12;
/**
 * The advance of a character of the monospace font, in em: 0.6 in DejaVu
 * Sans Mono, Menlo, Consolas and Courier New. A little more leaves a margin
 * for a font that is wider.
 */
export const CHAR_ADVANCE_EM = 0.62;
/** How far a glyph reaches above and below the baseline, in em (an accented capital: 0.93 in DejaVu Sans Mono). */
export const ASCENT_EM = 0.95;
export const DESCENT_EM = 0.25;

const LINE = 16;
const PAD_X = 10;
const PAD_Y = 7;
/** Ports of one side of a box are this far apart: more than a label is high. */
const PORT_GAP = 24;
const LABEL_PAD_X = 4;
const LABEL_H = 16;
const V_GAP = 18;
const LANE_GAP = 10;
const ARROW_GAP = 12;
const MARGIN = 16;
const FRAME_PAD = 12;
const FRAME_GAP = 24;
const MIN_WIDTH = 640;

export function textWidth(text: string, size = FONT_SIZE): number {
  return [...text].length * CHAR_ADVANCE_EM * size;
}

/** The rectangle a text's glyphs can cover. */
export function textBounds(t: PlacedText): Rect {
  return { x: t.x, y: t.y - ASCENT_EM * t.size, w: textWidth(t.text, t.size), h: (ASCENT_EM + DESCENT_EM) * t.size };
}

/** A layout node: a box, or a point a line passes through in a column it crosses. */
interface LNode {
  readonly id: string;
  readonly col: number;
  /** The broker frame it is in; -1 in the app columns. */
  readonly band: number;
  readonly box?: GraphBox;
  readonly w: number;
  h: number;
  readonly ins: LSeg[];
  readonly outs: LSeg[];
  order: number;
  x: number;
  y: number;
}

interface LSeg {
  readonly from: LNode;
  readonly to: LNode;
  readonly edge: number;
}

export function layoutTopology(graph: TopologyGraph): TopologyLayout {
  const nodes = new Map<string, LNode>();
  const add = (box: GraphBox | undefined, id: string, col: number, band: number): LNode => {
    const w = box ? Math.max(...box.lines.map((l) => textWidth(l.text))) + 2 * PAD_X : 0;
    const node: LNode = {
      id,
      col,
      band,
      box,
      w,
      h: box ? box.lines.length * LINE + 2 * PAD_Y : PORT_GAP,
      ins: [],
      outs: [],
      order: 0,
      x: 0,
      y: 0,
    };
    nodes.set(id, node);
    return node;
  };
  const ranks = Math.max(1, ...graph.brokers.flatMap((b) => b.entities.map((e) => e.rank + 1)));
  const last = ranks + 1;
  graph.senders.forEach((b) => add(b, b.id, 0, -1));
  graph.brokers.forEach((broker, band) => broker.entities.forEach((e) => add(e, e.id, e.rank + 1, band)));
  graph.receivers.forEach((b) => add(b, b.id, last, -1));

  // Each line runs left to right through one point in each column between
  // its ends; a line that points back (a receiver that also sends, a
  // dead-letter hop that closes a cycle) is laid out forwards and drawn
  // with its arrow at the start.
  const chains: { edge: GraphEdge; reversed: boolean; segs: LSeg[] }[] = [];
  graph.edges.forEach((edge, i) => {
    const a = nodes.get(edge.from);
    const b = nodes.get(edge.to);
    if (!a || !b || a.col === b.col) return;
    const reversed = a.col > b.col;
    const [from, to] = reversed ? [b, a] : [a, b];
    const band = from.band >= 0 ? from.band : to.band;
    const path = [from];
    for (let c = from.col + 1; c < to.col; c++) path.push(add(undefined, `line${i}#${c}`, c, band));
    path.push(to);
    const segs = path.slice(1).map((n, k) => ({ from: path[k], to: n, edge: i }));
    for (const s of segs) {
      s.from.outs.push(s);
      s.to.ins.push(s);
    }
    chains.push({ edge, reversed, segs });
  });

  // Order within columns: graph order, then barycenter sweeps inside each frame.
  const columns: LNode[][] = Array.from({ length: last + 1 }, () => []);
  for (const n of nodes.values()) columns[n.col].push(n);
  const bandColumn = (c: number, band: number) => columns[c].filter((n) => n.band === band);
  const reorder = (c: number, neighbours: (n: LNode) => LNode[]) => {
    for (let band = 0; band < graph.brokers.length; band++) {
      const list = bandColumn(c, band);
      const weight = new Map(
        list.map((n, i) => {
          const near = neighbours(n).filter((m) => m.band === band);
          return [n, near.length ? near.reduce((sum, m) => sum + m.order, 0) / near.length : i] as const;
        }),
      );
      list.sort((p, q) => weight.get(p)! - weight.get(q)! || p.order - q.order).forEach((n, i) => (n.order = i));
    }
  };
  for (let c = 1; c < last; c++)
    for (let band = 0; band < graph.brokers.length; band++) bandColumn(c, band).forEach((n, i) => (n.order = i));
  for (let sweep = 0; sweep < 2; sweep++) {
    for (let c = 2; c < last; c++) reorder(c, (n) => n.ins.map((s) => s.from));
    for (let c = last - 2; c >= 1; c--) reorder(c, (n) => n.outs.map((s) => s.to));
  }
  const key = (n: LNode) => (n.band >= 0 ? n.band * 10000 + n.order : n.order);
  for (const c of [0, last]) {
    const ends = (n: LNode) => (c === 0 ? n.outs.map((s) => s.to) : n.ins.map((s) => s.from));
    const mean = (n: LNode) => (ends(n).length ? ends(n).reduce((sum, m) => sum + key(m), 0) / ends(n).length : Number.MAX_SAFE_INTEGER);
    columns[c].forEach((n, i) => (n.order = i));
    columns[c].sort((p, q) => mean(p) - mean(q) || p.order - q.order).forEach((n, i) => (n.order = i));
  }
  for (let c = 1; c < last; c++) columns[c].sort((p, q) => p.band - q.band || p.order - q.order);

  // Ports: each side's lines in the order of their other ends, so lines leave without crossing.
  for (const n of nodes.values()) {
    n.ins.sort((p, q) => key(p.from) - key(q.from) || p.from.col - q.from.col);
    n.outs.sort((p, q) => key(p.to) - key(q.to) || p.to.col - q.to.col);
    if (n.box) n.h = Math.max(n.h, (Math.max(n.ins.length, n.outs.length) + 1) * PORT_GAP);
  }
  // A port's height below the top of its box: a box's ports spread evenly down its side; a pass-through point in its middle.
  const inOffset = (s: LSeg) => (s.to.box ? ((s.to.ins.indexOf(s) + 1) * s.to.h) / (s.to.ins.length + 1) : s.to.h / 2);
  const outOffset = (s: LSeg) => (s.from.box ? ((s.from.outs.indexOf(s) + 1) * s.from.h) / (s.from.outs.length + 1) : s.from.h / 2);
  const inPort = (s: LSeg) => s.to.y + inOffset(s);
  const outPort = (s: LSeg) => s.from.y + outOffset(s);

  // Heights: the title, then each frame: its header, then its columns, each
  // node as level with its predecessors as the nodes above it allow.
  const title = placeTitle(graph.title, MARGIN, MARGIN);
  let cursor = MARGIN + title.h + FRAME_GAP;
  const frames: { band: number; top: number; bottom: number; header: TextLine[] }[] = [];
  graph.brokers.forEach((broker, band) => {
    const top = cursor;
    const contentTop = top + FRAME_PAD + broker.header.length * LINE + FRAME_PAD + 8;
    const inColumn = (c: number) => bandColumn(c, band).sort((p, q) => p.order - q.order);
    for (let c = 1; c < last; c++) {
      let below = contentTop - V_GAP;
      for (const n of inColumn(c)) {
        const wanted = n.ins.filter((s) => s.from.band === band).map((s) => outPort(s) - inOffset(s));
        n.y = Math.max(below + V_GAP, wanted.length ? median(wanted) : contentTop);
        below = n.y + n.h;
      }
    }
    // Then right to left, a node moves down to be level with its successors
    // where the node below it leaves room (a taller successor sits lower).
    for (let c = last - 2; c >= 1; c--) {
      const list = inColumn(c);
      for (let i = list.length - 1; i >= 0; i--) {
        const n = list[i];
        const wanted = n.outs.filter((s) => s.to.band === band).map((s) => inPort(s) - outOffset(s));
        const room = i + 1 < list.length ? list[i + 1].y - V_GAP - n.h : Infinity;
        if (wanted.length) n.y = Math.max(n.y, Math.min(median(wanted), room));
      }
    }
    const bottom = Math.max(
      contentTop,
      ...columns
        .flat()
        .filter((n) => n.band === band)
        .map((n) => n.y + n.h),
    );
    const frameBottom = bottom + FRAME_PAD + (bottom === contentTop ? 0 : 4);
    frames.push({ band, top, bottom: frameBottom, header: broker.header });
    cursor = frameBottom + FRAME_GAP;
  });
  const bandsTop = MARGIN + title.h + FRAME_GAP;
  for (const c of [0, last]) {
    let below = bandsTop - V_GAP;
    for (const n of [...columns[c]].sort((p, q) => p.order - q.order)) {
      const segs = c === 0 ? n.outs : n.ins;
      const wanted = segs.map((s) => (c === 0 ? inPort(s) - outOffset(s) : outPort(s) - inOffset(s)));
      n.y = Math.max(below + V_GAP, wanted.length ? median(wanted) : bandsTop);
      below = n.y + n.h;
    }
  }

  // Widths: columns as wide as their widest box; each gap between columns
  // holds a vertical run per bent line, then the labels of the lines that
  // end in the next column, then room for the arrowheads.
  const colWidth = columns.map((list) => Math.max(0, ...list.map((n) => n.w)));
  const gaps = Array.from({ length: last }, (_, c) => {
    const segs = columns[c].flatMap((n) => n.outs);
    const bent = segs.filter((s) => Math.abs(outPort(s) - inPort(s)) > 0.5);
    // A line's label goes in the gap before its last box (a pass-through point has no box).
    const labelled = segs.filter((s) => s.to.box && graph.edges[s.edge].label !== undefined);
    const labelWidth = Math.max(0, ...labelled.map((s) => textWidth(graph.edges[s.edge].label!) + 2 * LABEL_PAD_X));
    // Runs of lines going down, lowest start first; then those going up, highest start first: fewer crossings.
    const down = bent.filter((s) => inPort(s) > outPort(s)).sort((p, q) => outPort(q) - outPort(p));
    const up = bent.filter((s) => inPort(s) < outPort(s)).sort((p, q) => outPort(p) - outPort(q));
    return { lanes: [...down, ...up], labelWidth };
  });
  const otherBoxes = graph.others.map((b) => ({
    box: b,
    w: Math.max(...b.lines.map((l) => textWidth(l.text))) + 2 * PAD_X,
    h: b.lines.length * LINE + 2 * PAD_Y,
  }));
  const otherHeader: TextLine[] = [{ text: "Other containers (of no broker or app)", bold: true }];

  const colX: number[] = [];
  const laneX = new Map<LSeg, number>();
  let x = MARGIN;
  colX[0] = x;
  x += colWidth[0];
  const runLanes = (c: number, start: number) => {
    gaps[c].lanes.forEach((s, k) => laneX.set(s, start + (k + 0.5) * LANE_GAP));
    return start + gaps[c].lanes.length * LANE_GAP;
  };
  x = runLanes(0, x + 14) + 10;
  const frameLeft = x;
  x += 8 + gaps[0].labelWidth + ARROW_GAP;
  for (let c = 1; c < last; c++) {
    colX[c] = x;
    x += colWidth[c];
    if (c < last - 1) x = runLanes(c, x + 14) + 14 + gaps[c].labelWidth + ARROW_GAP;
  }
  const headerWidth = Math.max(
    0,
    ...graph.brokers.flatMap((b) => b.header.map((l) => textWidth(l.text))),
    ...(otherBoxes.length ? [textWidth(otherHeader[0].text), ...otherBoxes.map((b) => b.w)] : []),
  );
  const frameRight = Math.max(x + 14, frameLeft + headerWidth + 2 * FRAME_PAD);
  x = runLanes(last - 1, frameRight + 12) + 12 + gaps[last - 1].labelWidth + ARROW_GAP;
  colX[last] = x;
  x += colWidth[last];
  const width = Math.max(MIN_WIDTH, x + MARGIN, ...title.texts.map((t) => MARGIN + textWidth(t.text, t.size) + MARGIN));

  for (const n of nodes.values()) {
    if (!n.box) n.x = colX[n.col];
    else if (n.col === 0) n.x = colX[0] + colWidth[0] - n.w;
    else if (n.col === last) n.x = colX[last];
    else n.x = colX[n.col] + (colWidth[n.col] - n.w) / 2;
  }

  // The containers of no broker or app: a frame of their own below the brokers, boxes in rows.
  const placedFrames: PlacedBox[] = frames.map((f) => ({
    id: graph.brokers[f.band].id,
    kind: "frame",
    name: graph.brokers[f.band].name,
    x: frameLeft,
    y: f.top,
    w: frameRight - frameLeft,
    h: f.bottom - f.top,
    texts: placeLines(f.header, frameLeft + FRAME_PAD, f.top + FRAME_PAD).texts,
  }));
  const boxes: PlacedBox[] = [];
  if (otherBoxes.length) {
    const top = cursor;
    let rowY = top + FRAME_PAD + LINE + FRAME_PAD;
    let rowX = frameLeft + FRAME_PAD;
    let rowH = 0;
    for (const o of otherBoxes) {
      if (rowX + o.w > frameRight - FRAME_PAD && rowX > frameLeft + FRAME_PAD) {
        rowY += rowH + V_GAP;
        rowX = frameLeft + FRAME_PAD;
        rowH = 0;
      }
      boxes.push(placedBox(o.box, rowX, rowY, o.w, o.h));
      rowX += o.w + V_GAP;
      rowH = Math.max(rowH, o.h);
    }
    const bottom = rowY + rowH + FRAME_PAD;
    placedFrames.push({
      id: "others",
      kind: "frame",
      x: frameLeft,
      y: top,
      w: frameRight - frameLeft,
      h: bottom - top,
      texts: placeLines(otherHeader, frameLeft + FRAME_PAD, top + FRAME_PAD).texts,
    });
    cursor = bottom + FRAME_GAP;
  }
  for (const n of nodes.values()) if (n.box) boxes.push(placedBox(n.box, n.x, n.y, n.w, n.h));

  const edges: PlacedEdge[] = chains.map(({ edge, reversed, segs }) => {
    const points: [number, number][] = [];
    for (const s of segs) {
      const y1 = outPort(s);
      const y2 = inPort(s);
      const x1 = s.from.box ? s.from.x + s.from.w : colX[s.from.col] + colWidth[s.from.col];
      const x2 = s.to.box ? s.to.x : colX[s.to.col];
      points.push([x1, y1]);
      const lane = laneX.get(s);
      if (lane !== undefined) points.push([lane, y1], [lane, y2]);
      points.push([x2, y2]);
    }
    const end = segs[segs.length - 1];
    const [tipX, tipY] = reversed ? points[0] : points[points.length - 1];
    const label = edge.label === undefined ? undefined : labelBox(edge.label, end.to.x - ARROW_GAP, inPort(end), `${edge.from}>${edge.to}`);
    return {
      from: edge.from,
      to: edge.to,
      kind: edge.kind,
      dashed: edge.dashed,
      points: simplify(points),
      arrow: { x: tipX, y: tipY, direction: reversed ? -1 : 1 },
      ...(label ? { label } : {}),
    };
  });

  // The legend: what the lines mean, the networks, the published ports; wrapped to the picture's width.
  const bottom = Math.max(cursor - FRAME_GAP, ...[...nodes.values()].map((n) => n.y + n.h)) + FRAME_GAP;
  const maxChars = Math.floor((width - 2 * MARGIN - 2 * FRAME_PAD) / textWidth("x"));
  const legendLines: TextLine[] = [
    { text: "" }, // the sample lines
    ...wrap("On lines: key = the routing key an app sends with; a binding's key; group = a consumer group", maxChars).map((text) => ({
      text,
    })),
  ];
  for (const section of graph.legend) {
    legendLines.push({ text: section.heading, bold: true });
    for (const item of section.items) legendLines.push(...wrap(item, maxChars).map((text) => ({ text })));
  }
  const legend = placeLines(legendLines, MARGIN + FRAME_PAD, bottom + FRAME_PAD);
  // The first line is kept for the sample lines: solid for messages, dashed for dead letters.
  const sampleY = bottom + FRAME_PAD + PAD_Y + LINE / 2;
  const sampleBaseline = sampleY + ((ASCENT_EM - DESCENT_EM) * FONT_SIZE) / 2;
  const sampleX = MARGIN + FRAME_PAD;
  const samples: PlacedEdge[] = [
    {
      from: "legend",
      to: "legend",
      kind: "publish",
      dashed: false,
      points: [
        [sampleX, sampleY],
        [sampleX + 40, sampleY],
      ],
      arrow: { x: sampleX + 40, y: sampleY, direction: 1 },
    },
    {
      from: "legend",
      to: "legend",
      kind: "dead-letter",
      dashed: true,
      points: [
        [sampleX + 150, sampleY],
        [sampleX + 190, sampleY],
      ],
      arrow: { x: sampleX + 190, y: sampleY, direction: 1 },
    },
  ];
  const sampleTexts = [
    { text: "messages", x: sampleX + 48, y: sampleBaseline, size: FONT_SIZE, bold: false },
    { text: "dead letters", x: sampleX + 198, y: sampleBaseline, size: FONT_SIZE, bold: false },
  ];
  const panels: PlacedBox[] = [
    { id: "title", kind: "panel", x: MARGIN, y: MARGIN, w: width - 2 * MARGIN, h: title.h, texts: title.texts },
    {
      id: "legend",
      kind: "panel",
      x: MARGIN,
      y: bottom,
      w: width - 2 * MARGIN,
      h: legend.h + 2 * FRAME_PAD,
      texts: [...sampleTexts, ...legend.texts],
    },
  ];
  return { width, height: bottom + legend.h + 2 * FRAME_PAD + MARGIN, panels, frames: placedFrames, boxes, edges: [...edges, ...samples] };
}

function placedBox(box: GraphBox, x: number, y: number, w: number, h: number): PlacedBox {
  // The text block in the middle of the box's height (a box is taller than its text when many lines meet it).
  const textTop = y + (h - box.lines.length * LINE) / 2 - PAD_Y;
  return { id: box.id, kind: box.kind, name: box.name, x, y, w, h, texts: placeLines(box.lines, x + PAD_X, textTop).texts };
}

function labelBox(text: string, right: number, middle: number, id: string): PlacedBox {
  const w = textWidth(text) + 2 * LABEL_PAD_X;
  const x = right - w;
  const y = middle - LABEL_H / 2;
  // Baseline so the glyphs sit in the middle of the label's height.
  const baseline = middle + ((ASCENT_EM - DESCENT_EM) * FONT_SIZE) / 2;
  return { id, kind: "label", x, y, w, h: LABEL_H, texts: [{ text, x: x + LABEL_PAD_X, y: baseline, size: FONT_SIZE, bold: false }] };
}

/** The title: its first line larger. */
function placeTitle(lines: TextLine[], x: number, top: number): { texts: PlacedText[]; h: number } {
  const texts = lines.map((l, i) => ({
    text: l.text,
    x,
    y: top + (i === 0 ? 16 : 22 + i * LINE),
    size: i === 0 ? 15 : FONT_SIZE,
    bold: l.bold === true,
  }));
  return { texts, h: 22 + lines.length * LINE };
}

/** Lines of text from `top` + padding, one LINE apart; an empty line keeps its place. */
function placeLines(lines: TextLine[], x: number, top: number, size = FONT_SIZE): { texts: PlacedText[]; h: number } {
  const texts = lines.map((l, i) => ({ text: l.text, x, y: top + PAD_Y + i * LINE + ASCENT_EM * size + 1, size, bold: l.bold === true }));
  return { texts: texts.filter((t) => t.text !== ""), h: lines.length * LINE + 2 * PAD_Y };
}

/** Splits an item longer than `max` characters after its commas and semicolons; further lines are indented. */
function wrap(item: string, max: number): string[] {
  if ([...item].length <= max) return [item];
  const parts = item.split(/(?<=[,;] )/);
  const lines: string[] = [];
  let line = "";
  for (const part of parts) {
    if (line !== "" && [...(line + part)].length > max) {
      lines.push(line.trimEnd());
      line = "    ";
    }
    line += part;
  }
  lines.push(line.trimEnd());
  // A part longer than a line on its own is cut: the picture must not grow past its width.
  return lines.flatMap((l) => ([...l].length <= max ? [l] : chunk(l, max)));
}

function chunk(text: string, max: number): string[] {
  const chars = [...text];
  const out = [chars.slice(0, max).join("")];
  for (let i = max; i < chars.length; i += max - 4) out.push("    " + chars.slice(i, i + max - 4).join(""));
  return out;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** Drops points in the middle of a straight run. */
function simplify(points: [number, number][]): Point[] {
  const out: [number, number][] = [];
  for (const p of points) {
    const prev = out[out.length - 1];
    if (prev && prev[0] === p[0] && prev[1] === p[1]) continue;
    const before = out[out.length - 2];
    if (prev && before && ((before[0] === prev[0] && prev[0] === p[0]) || (before[1] === prev[1] && prev[1] === p[1])))
      out[out.length - 1] = p;
    else out.push(p);
  }
  return out;
}
