/**
 * The Mermaid flowchart of each example stack: a subgraph per broker, a
 * node per exchange, queue, topic and app and no others of those, lines
 * between declared nodes only, labels quoted and escaped. (Checked once by
 * hand against Mermaid 11's own parser, which accepts every example and the
 * busy made-up one; Mermaid is not a dependency.)
 */
import { escapeMermaid, renderTopologyMermaid } from "../../../constructs/topology/render-mermaid";
import type { TopologyDescription } from "../../../constructs/topology/topology-description";
import { BUSY_TOPOLOGY } from "./busy-topology";
import { contentsOf, synthesizeExamples } from "./synthesized-examples";

const examples = synthesizeExamples();

interface MermaidNode {
  readonly id: string;
  readonly shape: string;
  readonly label: string;
}

/** Node declarations (`id["label"]`, `id(["label"])`, ...), subgraphs, lines and classes of our output. */
function parse(text: string) {
  const nodes: MermaidNode[] = [];
  const subgraphs: { id: string; label: string }[] = [];
  const edges: { from: string; to: string; arrow: string; label?: string }[] = [];
  const classes = new Map<string, string[]>();
  const lines = text.split("\n");
  expect(lines[0]).toBe("flowchart LR");
  for (const line of lines.slice(1).filter((l) => l.trim() !== "")) {
    let m: RegExpExecArray | null;
    if ((m = /^\s*subgraph ([a-z][a-z0-9]*)\["([^"]*)"\]$/.exec(line))) subgraphs.push({ id: m[1], label: m[2] });
    else if (/^\s*(end|direction LR)$/.test(line)) continue;
    else if ((m = /^\s*([a-z][a-z0-9]*)(\[|\(\[|\{\{|\[\[)"([^"]*)"(\]|\]\)|\}\}|\]\])$/.exec(line)))
      nodes.push({ id: m[1], shape: m[2], label: m[3] });
    else if ((m = /^\s*([a-z][a-z0-9]*) (-->|-\.->)(?:\|"([^"]*)"\|)? ([a-z][a-z0-9]*)$/.exec(line)))
      edges.push({ from: m[1], to: m[4], arrow: m[2], ...(m[3] !== undefined ? { label: m[3] } : {}) });
    else if ((m = /^\s*classDef [a-z]+ [a-z:#0-9,-]+$/.exec(line))) continue;
    else if ((m = /^\s*class ([a-z0-9,]+) ([a-z]+)$/.exec(line))) classes.set(m[2], m[1].split(","));
    else throw new Error(`a line our renderer should not write: ${line}`);
  }
  return { nodes, subgraphs, edges, classes };
}

/** A node's name: its first line, in bold. */
const nameOf = (n: MermaidNode) => /^<b>(.*?)<\/b>/.exec(n.label)?.[1];
const decode = (s: string) => s.replace(/#(\d+);/g, (_m, code) => String.fromCharCode(Number(code)));

describe("the Mermaid flowchart", () => {
  test.each(examples.map((e) => [e.name, e]))(
    "%s: a subgraph per broker, a node per exchange, queue, topic and app, and no others",
    (_name, example) => {
      const topology: TopologyDescription = example.json["//"]["cdktf-docker-messaging"].topology;
      const expected = contentsOf(example.json);
      const { nodes, subgraphs, edges, classes } = parse(renderTopologyMermaid(topology));
      // One subgraph a broker (the other containers, such as Prometheus, have one of their own).
      const brokerSubgraphs = subgraphs.filter((s) => s.id !== "others");
      expect(brokerSubgraphs.map((s) => decode(s.label).match(/broker "(.*?)"/)![1]).sort()).toEqual(expected.brokers);
      const named = (kind: string) => (classes.get(kind) ?? []).map((id) => decode(nameOf(nodes.find((n) => n.id === id)!)!)).sort();
      expect(named("app")).toEqual(expected.apps);
      expect(named("exchange")).toEqual(expected.exchanges);
      expect(named("queue")).toEqual(expected.queues);
      expect(named("topic")).toEqual(expected.topics);
      // Every node is one of those, or a broker's header (its nodes and ports).
      const classed = new Set([...classes.values()].flat());
      for (const n of nodes) expect(classed.has(n.id) || subgraphs.some((s) => n.id === `${s.id}n`)).toBe(true);
      const ids = new Set(nodes.map((n) => n.id));
      for (const e of edges) expect([ids.has(e.from), ids.has(e.to)]).toEqual([true, true]);
    },
  );

  test("default stack: dead letters dashed, the routes labelled, the host ports in the broker's header", () => {
    const topology = examples.find((e) => e.name === "messaging")!.json["//"]["cdktf-docker-messaging"].topology;
    const text = renderTopologyMermaid(topology);
    const { nodes, edges } = parse(text);
    const id = (name: string) => nodes.find((n) => nameOf(n) === name)!.id;
    expect(edges).toEqual(
      expect.arrayContaining([
        { from: id("orders"), to: id("orders.dead-letter"), arrow: "-.->", label: "dead letters" },
        { from: id("rabbitmq-producer"), to: id("orders"), arrow: "-->", label: "default exchange" },
        { from: id("events"), to: id("kafka-consumer"), arrow: "-->", label: "group events-consumer" },
        { from: id("orders"), to: id("rabbitmq-consumer"), arrow: "-->" },
      ]),
    );
    expect(text).toContain(
      "node rabbitmq  127.0.0.1:5672->5672 (AMQP)  127.0.0.1:15672->15672 (management UI)<br/>one-shot job: rabbitmq-setup",
    );
    expect(nodes.find((n) => nameOf(n) === "orders")!.shape).toBe("([");
  });

  test("escapes what Mermaid's grammar or HTML would read: quotes, #, <, &", () => {
    expect(escapeMermaid(`a "b" #c <d> & e`)).toBe("a #34;b#34; #35;c #60;d> #38; e");
    const odd = { ...BUSY_TOPOLOGY, apps: BUSY_TOPOLOGY.apps.map((a) => (a.name === "idle" ? { ...a, name: `i"d<l>e#1&` } : a)) };
    const { nodes } = parse(renderTopologyMermaid(odd));
    expect(nodes.map((n) => decode(nameOf(n) ?? ""))).toContain(`i"d<l>e#1&`);
  });

  test("the busy made-up topology: every line between declared nodes, ids safe", () => {
    const { nodes, edges } = parse(renderTopologyMermaid(BUSY_TOPOLOGY));
    const ids = new Set(nodes.map((n) => n.id));
    expect(ids.size).toBe(nodes.length);
    for (const e of edges) expect([ids.has(e.from), ids.has(e.to)]).toEqual([true, true]);
    expect(edges.filter((e) => e.arrow === "-.->").length).toBe(
      BUSY_TOPOLOGY.brokers.flatMap((b) => b.links.filter((l) => l.dashed)).length,
    );
  });
});
