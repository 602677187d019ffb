/**
 * The SVG picture of each example stack (and of a made-up busier one):
 * every broker, exchange, queue, topic and app drawn, and nothing else of
 * those kinds; no two texts overlapping, no text outside its box, no line
 * through a box or a label, checked on the layout model and again on the
 * SVG's own coordinates; and rendered to PNG by a real SVG renderer
 * (resvg). The PNGs are left in $TMPDIR/cdktf-docker-messaging-topology/
 * for a person to look at.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Resvg } from "@resvg/resvg-js";
import { renderTopologySvg, SVG_FONT_FAMILY } from "../../../constructs/topology/render-svg";
import type { TopologyDescription } from "../../../constructs/topology/topology-description";
import { topologyGraph } from "../../../constructs/topology/topology-graph";
import {
  ASCENT_EM,
  CHAR_ADVANCE_EM,
  DESCENT_EM,
  layoutTopology,
  textBounds,
  type PlacedBox,
  type Rect,
} from "../../../constructs/topology/topology-layout";
import { BUSY_TOPOLOGY } from "./busy-topology";
import { inside, overlap, svgGroups } from "./svg-geometry";
import { contentsOf, synthesizeExamples } from "./synthesized-examples";

const PNG_DIR = path.join(os.tmpdir(), "cdktf-docker-messaging-topology");
const examples = synthesizeExamples().map((e) => ({
  ...e,
  topology: e.json["//"]["cdktf-docker-messaging"].topology as TopologyDescription,
}));
const pictures: [string, TopologyDescription][] = [
  ...examples.map((e): [string, TopologyDescription] => [e.name, e.topology]),
  ["busy (made up)", BUSY_TOPOLOGY],
];

/**
 * DejaVu Sans Mono, the monospace font most Linux viewers pick for the SVG's
 * font stack, from an npm package (dejavu-fonts-ttf): the same glyphs on
 * every machine, whatever fonts it has installed.
 */
const FONTS = {
  loadSystemFonts: false,
  fontFiles: ["DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf"].map((f) => require.resolve(`dejavu-fonts-ttf/ttf/${f}`)),
  defaultFontFamily: "DejaVu Sans Mono",
  monospaceFamily: "DejaVu Sans Mono",
};

/** Rendered as a person's viewer would. */
function renderPng(svg: string, zoom = 1) {
  return new Resvg(svg, { font: FONTS, fitTo: { mode: "zoom", value: zoom } }).render();
}

describe("the SVG shows what the stack holds", () => {
  test.each(examples.map((e) => [e.name, e]))(
    "%s: a frame per broker, a box per exchange, queue, topic and app, and no others",
    (_name, example) => {
      const expected = contentsOf(example.json);
      const groups = svgGroups(renderTopologySvg(example.topology));
      const named = (kind: string) =>
        groups
          .filter((g) => g.kind === kind)
          .map((g) => g.name)
          .sort();
      expect(named("frame")).toEqual(expected.brokers);
      expect(named("app")).toEqual(expected.apps);
      expect(named("exchange")).toEqual(expected.exchanges);
      expect(named("queue")).toEqual(expected.queues);
      expect(named("topic")).toEqual(expected.topics);
      expect(named("entity")).toEqual([]);
      // And each box says its name, first and in bold.
      for (const g of groups.filter((g) => ["app", "exchange", "queue", "topic"].includes(g.kind))) expect(g.texts[0].text).toBe(g.name);
    },
  );

  test("default stack: the dead-letter path dashed and labelled, the routes, the group, partitions, ports and networks", () => {
    const svg = renderTopologySvg(examples.find((e) => e.name === "messaging")!.topology);
    const texts = svgGroups(svg).flatMap((g) => g.texts.map((t) => t.text));
    expect(texts).toEqual(
      expect.arrayContaining([
        "dead letters",
        "default exchange",
        "group events-consumer",
        "topic · 3 partitions × RF 1",
        "queue · quorum",
        "publisher · 1 replica",
        "image rabbitmq-producer (built)",
        "node rabbitmq  127.0.0.1:5672->5672 (AMQP)  127.0.0.1:15672->15672 (management UI)",
        "127.0.0.1:29092 -> kafka:9094 Kafka (this host only)",
        "kafka-replication (internal): kafka, kafka-setup",
      ]),
    );
    expect(svg).toMatch(
      /<g class="edge" data-kind="dead-letter" data-from="b1e0" data-to="b1e1">\n<path d="[^"]+" fill="none" stroke="#b91c1c" stroke-width="1.2" stroke-dasharray="5,4"\/>/,
    );
  });

  test("escapes XML: names with <, &, quotes still make a picture a renderer reads", () => {
    const odd = { ...BUSY_TOPOLOGY, stack: `a<b>&"c'` };
    const svg = renderTopologySvg(odd);
    expect(svg).toContain("Stack &quot;a&lt;b&gt;&amp;&quot;c&apos;&quot;");
    expect(renderPng(svg).width).toBeGreaterThan(0);
  });

  test("is the same text every time", () => {
    expect(renderTopologySvg(BUSY_TOPOLOGY)).toBe(renderTopologySvg(BUSY_TOPOLOGY));
  });
});

describe.each(pictures)("%s: readable", (_name, topology) => {
  const layout = layoutTopology(topologyGraph(topology));
  const holders: PlacedBox[] = [
    ...layout.panels,
    ...layout.frames,
    ...layout.boxes,
    ...layout.edges.flatMap((e) => (e.label ? [e.label] : [])),
  ];
  const texts = holders.flatMap((h) => h.texts.map((t) => ({ holder: h, text: t.text, bounds: textBounds(t) })));

  test("layout: no two texts overlap, and every text is inside its box", () => {
    for (let i = 0; i < texts.length; i++) {
      expect({ text: texts[i].text, inside: inside(texts[i].bounds, texts[i].holder) }).toEqual({ text: texts[i].text, inside: true });
      for (let j = i + 1; j < texts.length; j++) {
        if (overlap(texts[i].bounds, texts[j].bounds)) throw new Error(`"${texts[i].text}" overlaps "${texts[j].text}"`);
      }
    }
  });

  test("layout: boxes and labels do not overlap; brokers' boxes are in their frame, apps in none", () => {
    const solid = [...layout.boxes, ...layout.edges.flatMap((e) => (e.label ? [e.label] : []))];
    for (let i = 0; i < solid.length; i++) {
      for (let j = i + 1; j < solid.length; j++)
        if (overlap(solid[i], solid[j])) throw new Error(`${solid[i].kind} ${solid[i].id} overlaps ${solid[j].kind} ${solid[j].id}`);
    }
    const graph = topologyGraph(topology);
    for (const broker of graph.brokers) {
      const frame = layout.frames.find((f) => f.id === broker.id)!;
      for (const e of broker.entities) expect(inside(layout.boxes.find((b) => b.id === e.id)!, frame)).toBe(true);
    }
    for (const app of layout.boxes.filter((b) => b.kind === "app")) for (const f of layout.frames) expect(overlap(app, f)).toBe(false);
  });

  test("layout: lines run across and down only, and through no box, label or text but their own", () => {
    const boxes = layout.boxes;
    for (const edge of layout.edges) {
      const own = new Set([edge.from, edge.to]);
      for (let k = 1; k < edge.points.length; k++) {
        const [x1, y1] = edge.points[k - 1];
        const [x2, y2] = edge.points[k];
        expect(x1 === x2 || y1 === y2).toBe(true);
        const segment: Rect = { x: Math.min(x1, x2), y: Math.min(y1, y2), w: Math.abs(x2 - x1) || 0.02, h: Math.abs(y2 - y1) || 0.02 };
        for (const b of boxes)
          if (!own.has(b.id) && overlap(segment, b)) throw new Error(`the line ${edge.from} -> ${edge.to} crosses ${b.kind} ${b.id}`);
        for (const e of layout.edges)
          if (e !== edge && e.label && overlap(segment, e.label))
            throw new Error(`the line ${edge.from} -> ${edge.to} crosses the label "${e.label.texts[0].text}"`);
        for (const t of texts.filter((t) => t.holder.kind === "frame" || t.holder.kind === "panel")) {
          if (overlap(segment, t.bounds)) throw new Error(`the line ${edge.from} -> ${edge.to} crosses "${t.text}"`);
        }
      }
    }
  });

  test("SVG: read back from its markup, no two texts overlap and every text is inside its rectangle", () => {
    const groups = svgGroups(renderTopologySvg(topology));
    const all = groups.flatMap((g) => g.texts.map((t) => ({ ...t, rect: g.rect })));
    expect(all.length).toBe(texts.length);
    for (let i = 0; i < all.length; i++) {
      if (!inside(all[i].bounds, all[i].rect)) throw new Error(`"${all[i].text}" leaves its box`);
      for (let j = i + 1; j < all.length; j++)
        if (overlap(all[i].bounds, all[j].bounds)) throw new Error(`"${all[i].text}" overlaps "${all[j].text}"`);
    }
  });

  test("PNG: a real SVG renderer draws it at its size, with text", () => {
    const svg = renderTopologySvg(topology);
    const image = renderPng(svg, 1.5);
    expect(image.width).toBe(Math.round(layout.width * 1.5));
    expect(image.height).toBe(Math.round(layout.height * 1.5));
    expect(image.width).toBeLessThan(6000);
    // Ink: dark pixels of lines and glyphs, a sane share of the picture.
    const pixels = image.pixels;
    let dark = 0;
    for (let i = 0; i < pixels.length; i += 4) if (pixels[i] < 128 && pixels[i + 1] < 128 && pixels[i + 2] < 128) dark++;
    const share = dark / (image.width * image.height);
    expect(share).toBeGreaterThan(0.005);
    expect(share).toBeLessThan(0.2);
    fs.mkdirSync(PNG_DIR, { recursive: true });
    fs.writeFileSync(path.join(PNG_DIR, `${topology.stack.replace(/[^A-Za-z0-9_-]/g, "_")}.png`), image.asPng());
  });
});

describe("the layout's font metrics", () => {
  test("hold for the monospace font a renderer picks for SVG_FONT_FAMILY: no glyph run is wider or taller than the layout measures", () => {
    for (const text of ["MMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMM", "topic · 3 partitions × RF 1 -> group", "Éé ÀÅ gjpqy |[]{}"]) {
      for (const weight of ["normal", "bold"]) {
        const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="800" height="100" font-family="${SVG_FONT_FAMILY}" font-size="12"><text x="10" y="50" font-weight="${weight}">${text}</text></svg>`;
        const box = new Resvg(svg, { font: FONTS }).getBBox();
        // No box: the font did not load, and the pictures here would be checked against nothing.
        expect(box).toBeDefined();
        const chars = [...text].length;
        expect(box!.x + box!.width).toBeLessThanOrEqual(10 + chars * CHAR_ADVANCE_EM * 12);
        expect(box!.width).toBeGreaterThan(chars * 0.45 * 12);
        expect(box!.y).toBeGreaterThanOrEqual(50 - ASCENT_EM * 12);
        expect(box!.y + box!.height).toBeLessThanOrEqual(50 + DESCENT_EM * 12);
      }
    }
  });
});
