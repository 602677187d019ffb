/**
 * The rectangles and texts of an SVG the topology renderer wrote, read back
 * from its markup (not from the layout model): each `<g>` with its
 * `<rect>` and `<text>`s, the texts measured with the font metrics the
 * layout promises (CHAR_ADVANCE_EM, ASCENT_EM, DESCENT_EM).
 */
import { ASCENT_EM, CHAR_ADVANCE_EM, DESCENT_EM, FONT_SIZE, type Rect } from "../../../constructs/topology/topology-layout";

export interface SvgGroup {
  readonly className: string;
  readonly kind: string;
  readonly name?: string;
  readonly rect: Rect;
  readonly texts: { readonly text: string; readonly bounds: Rect }[];
}

const unescape = (s: string) =>
  s
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");
const attr = (tag: string, name: string) => {
  const m = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
  return m ? unescape(m[1]) : undefined;
};
const num = (tag: string, name: string) => Number(attr(tag, name));

export function svgGroups(svg: string): SvgGroup[] {
  const groups: SvgGroup[] = [];
  for (const m of svg.matchAll(/<g class="(box|frame|label|panel)"([^>]*)>([\s\S]*?)<\/g>/g)) {
    const [, className, attrs, body] = m;
    const rectTag = /<rect[^>]*>/.exec(body)![0];
    const texts = [...body.matchAll(/<text([^>]*)>([^<]*)<\/text>/g)].map(([, tag, content]) => {
      const text = unescape(content);
      const size = attr(tag, "font-size") !== undefined ? num(tag, "font-size") : FONT_SIZE;
      const x = num(tag, "x");
      const y = num(tag, "y");
      return {
        text,
        bounds: { x, y: y - ASCENT_EM * size, w: [...text].length * CHAR_ADVANCE_EM * size, h: (ASCENT_EM + DESCENT_EM) * size },
      };
    });
    groups.push({
      className,
      kind: attr(attrs, "data-kind")!,
      ...(attr(attrs, "data-name") !== undefined ? { name: attr(attrs, "data-name") } : {}),
      rect: { x: num(rectTag, "x"), y: num(rectTag, "y"), w: num(rectTag, "width"), h: num(rectTag, "height") },
      texts,
    });
  }
  return groups;
}

/** Whether two rectangles share any area (touching edges do not count). */
export function overlap(a: Rect, b: Rect): boolean {
  return a.x < b.x + b.w - 0.01 && b.x < a.x + a.w - 0.01 && a.y < b.y + b.h - 0.01 && b.y < a.y + a.h - 0.01;
}

/** Whether `inner` lies inside `outer`. */
export function inside(inner: Rect, outer: Rect): boolean {
  return (
    inner.x >= outer.x - 0.01 &&
    inner.y >= outer.y - 0.01 &&
    inner.x + inner.w <= outer.x + outer.w + 0.01 &&
    inner.y + inner.h <= outer.y + outer.h + 0.01
  );
}
