/**
 * Checks that two synthesized stacks declare the same resources with the
 * same attributes, whatever their logical ids: every resource is keyed by
 * type + its `name` attribute, references `${type.<logical id>.attr}` are
 * rewritten to `${type.<name>.attr}`, and cdktf's `//` metadata is dropped.
 */
import { readFileSync } from "fs";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface Equivalence {
  readonly resources: { a: number; b: number };
  readonly byType: Record<string, { a: number; b: number }>;
  /** Resource keys whose attributes differ, or that only one side has. */
  readonly differences: string[];
  readonly outputsEqual: boolean;
  readonly variablesEqual: boolean;
}

function normalize(file: string): { resources: Map<string, Json>; outputs: Json; variables: Json } {
  const doc = JSON.parse(readFileSync(file, "utf8")) as Record<string, Record<string, Record<string, Json>>>;
  const resource = doc.resource ?? {};
  const nameOf = new Map<string, string>(); // "type.logicalId" -> "type.name"
  for (const [type, byId] of Object.entries(resource)) {
    for (const [id, body] of Object.entries(byId)) {
      const name = (body as Record<string, Json>).name;
      nameOf.set(`${type}.${id}`, `${type}.${typeof name === "string" ? name : id}`);
    }
  }
  const rewrite = (value: Json): Json => {
    if (typeof value === "string") {
      return value.replace(/\b(docker_[a-z_]+)\.([A-Za-z0-9_-]+)\b/g, (m, type: string, id: string) => nameOf.get(`${type}.${id}`) ?? m);
    }
    if (Array.isArray(value)) return value.map(rewrite);
    if (value && typeof value === "object") {
      const out: Record<string, Json> = {};
      for (const key of Object.keys(value).sort()) if (key !== "//") out[key] = rewrite(value[key]!);
      return out;
    }
    return value;
  };
  const resources = new Map<string, Json>();
  for (const [type, byId] of Object.entries(resource)) {
    for (const [id, body] of Object.entries(byId)) resources.set(nameOf.get(`${type}.${id}`)!, rewrite(body));
  }
  return { resources, outputs: rewrite((doc.output ?? {}) as Json), variables: rewrite((doc.variable ?? {}) as Json) };
}

export function compareStacks(fileA: string, fileB: string): Equivalence {
  const a = normalize(fileA);
  const b = normalize(fileB);
  const byType: Record<string, { a: number; b: number }> = {};
  const count = (m: Map<string, Json>, side: "a" | "b") => {
    for (const key of m.keys()) {
      const type = key.split(".")[0]!;
      byType[type] ??= { a: 0, b: 0 };
      byType[type][side]++;
    }
  };
  count(a.resources, "a");
  count(b.resources, "b");
  const differences: string[] = [];
  for (const key of new Set([...a.resources.keys(), ...b.resources.keys()])) {
    const va = a.resources.get(key);
    const vb = b.resources.get(key);
    if (JSON.stringify(va) !== JSON.stringify(vb)) differences.push(key);
  }
  return {
    resources: { a: a.resources.size, b: b.resources.size },
    byType,
    differences: differences.sort(),
    outputsEqual: JSON.stringify(a.outputs) === JSON.stringify(b.outputs),
    variablesEqual: JSON.stringify(a.variables) === JSON.stringify(b.variables),
  };
}
