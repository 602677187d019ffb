/**
 * The JMX exporter config of the Kafka brokers (kafka-metrics.ts), with no
 * cdktf and no YAML library: the YAML text is read back by a small reader
 * of the block YAML subset it uses, and every name in KafkaMetricNames is
 * traced from a real Kafka 4.4 MBean (names as a broker of the image
 * reports them) through the whitelist and the rules, as the agent does.
 */
import {
  KAFKA_JMX_EXPORTER_CONFIG,
  KAFKA_JMX_EXPORTER_JAR,
  KAFKA_JMX_EXPORTER_SETTINGS,
  KAFKA_METRICS_PORT,
  KafkaMetricNames,
  kafkaJmxAgentOption,
} from "../../../../constructs/brokers/kafka/kafka-metrics";

type Yaml = string | number | boolean | null | Yaml[] | { [key: string]: Yaml };

/**
 * Reads block YAML made of mappings, sequences ("- " items, also at the
 * parent key's indentation) and plain or double-quoted scalars. Throws on
 * anything else: a tab, a bad indentation, an unquoted string with YAML
 * syntax in it, a line that is neither "key: value" nor "- item".
 */
function readYaml(text: string): Yaml {
  const lines = text
    .split("\n")
    .map((raw, i) => ({ raw, no: i + 1 }))
    .filter(({ raw }) => raw.trim() !== "" && !raw.trimStart().startsWith("#"));
  for (const { raw, no } of lines) if (/\t/.test(raw)) throw new Error(`line ${no}: tab`);
  let at = 0;
  const indentOf = (raw: string) => raw.length - raw.trimStart().length;
  const scalar = (s: string, no: number): Yaml => {
    if (s.startsWith('"')) {
      const parsed: unknown = JSON.parse(s); // YAML double-quoted scalars written by JSON.stringify
      if (typeof parsed !== "string") throw new Error(`line ${no}: not a string: ${s}`);
      return parsed;
    }
    if (s === "true" || s === "false") return s === "true";
    if (/^-?\d+(\.\d+)?$/.test(s)) return Number(s);
    if (/[:#[\]{}"',&*!|>%@`]/.test(s) || s === "") throw new Error(`line ${no}: ambiguous plain scalar: ${s}`);
    return s;
  };
  const block = (indent: number): Yaml => {
    const first = lines[at];
    if (first.raw.trimStart().startsWith("- ")) {
      const items: Yaml[] = [];
      while (at < lines.length && indentOf(lines[at].raw) === indent && lines[at].raw.trimStart().startsWith("- ")) {
        const { raw, no } = lines[at];
        const rest = raw.slice(indent + 2);
        if (/^[A-Za-z_][\w.]*:( |$)/.test(rest)) {
          // "- key: value": a mapping whose first key sits on the dash line
          lines[at] = { raw: " ".repeat(indent + 2) + rest, no };
          items.push(block(indent + 2));
        } else {
          items.push(scalar(rest, no));
          at++;
        }
      }
      return items;
    }
    const map: { [key: string]: Yaml } = {};
    while (at < lines.length && indentOf(lines[at].raw) === indent && !lines[at].raw.trimStart().startsWith("- ")) {
      const { raw, no } = lines[at];
      const m = /^([A-Za-z_][\w.]*):(?: (.*))?$/.exec(raw.slice(indent));
      if (!m) throw new Error(`line ${no}: not "key: value": ${raw}`);
      if (m[1] in map) throw new Error(`line ${no}: duplicate key ${m[1]}`);
      at++;
      if (m[2] !== undefined) {
        map[m[1]] = scalar(m[2], no);
      } else {
        const next = lines[at];
        if (!next) throw new Error(`line ${no}: ${m[1]} has no value`);
        const child = indentOf(next.raw);
        const isList = next.raw.trimStart().startsWith("- ");
        if (!(child > indent || (isList && child === indent))) throw new Error(`line ${next.no}: bad indentation`);
        map[m[1]] = block(child);
      }
    }
    return map;
  };
  const doc = block(0);
  if (at !== lines.length) throw new Error(`line ${lines[at].no}: bad indentation: ${lines[at].raw}`);
  return doc;
}

/** jmx_exporter's match string of an MBean attribute: domain<key=value, ...><>attribute. */
function matchString(objectName: string, attribute: string): string {
  const [domain, props] = objectName.split(":");
  return `${domain}<${props.split(",").join(", ")}><>${attribute}`;
}

/** Whether a JMX ObjectName pattern (domain:k=v,... with an optional trailing ",*") takes the name. */
function objectNameMatches(pattern: string, name: string): boolean {
  const parse = (s: string) => {
    const [domain, props] = s.split(":");
    const list = props.split(",");
    const wildcard = list[list.length - 1] === "*";
    const pairs = new Map(list.filter((p) => p !== "*").map((p) => p.split("=") as [string, string]));
    return { domain, pairs, wildcard };
  };
  const p = parse(pattern);
  const n = parse(name);
  if (p.domain !== n.domain) return false;
  for (const [k, v] of p.pairs) if (n.pairs.get(k) !== v) return false;
  return p.wildcard || p.pairs.size === n.pairs.size;
}

/** The series the rules give an MBean attribute: the first rule whose unanchored pattern matches, as jmx_exporter applies it. */
function exported(objectName: string, attribute: string): { name: string; labels: Record<string, string> } | undefined {
  const { includeObjectNames, rules, lowercaseOutputName } = KAFKA_JMX_EXPORTER_SETTINGS;
  if (!includeObjectNames.some((p) => objectNameMatches(p, objectName))) return undefined;
  const input = matchString(objectName, attribute);
  for (const rule of rules) {
    const m = new RegExp(`^.*(?:${rule.pattern}).*$`).exec(input);
    if (!m) continue;
    const fill = (s: string) => s.replace(/\$(\d+)/g, (_, i: string) => m[Number(i)] ?? "");
    const labels = Object.fromEntries(Object.entries(rule.labels ?? {}).map(([k, v]) => [k, fill(v)]));
    const name = fill(rule.name);
    return { name: lowercaseOutputName ? name.toLowerCase() : name, labels };
  }
  return undefined;
}

// MBean attribute -> the series, one per name in KafkaMetricNames (ObjectNames as a Kafka 4.4 broker registers them).
const BTM = "kafka.server:type=BrokerTopicMetrics,name=";
const RM = "kafka.server:type=ReplicaManager,name=";
const KC = "kafka.controller:type=KafkaController,name=";
const expected: Record<keyof typeof KafkaMetricNames, [string, string, Record<string, string>]> = {
  messagesInTotal: [`${BTM}MessagesInPerSec`, "Count", {}],
  bytesInTotal: [`${BTM}BytesInPerSec`, "Count", {}],
  bytesOutTotal: [`${BTM}BytesOutPerSec`, "Count", {}],
  messagesInPerTopic: [`${BTM}MessagesInPerSec,topic=orders.v1`, "Count", { topic: "orders.v1" }],
  bytesInPerTopic: [`${BTM}BytesInPerSec,topic=orders`, "Count", { topic: "orders" }],
  bytesOutPerTopic: [`${BTM}BytesOutPerSec,topic=orders`, "Count", { topic: "orders" }],
  produceRequestsTotal: [`${BTM}TotalProduceRequestsPerSec`, "Count", {}],
  fetchRequestsTotal: [`${BTM}TotalFetchRequestsPerSec`, "Count", {}],
  failedProduceRequestsTotal: [`${BTM}FailedProduceRequestsPerSec`, "Count", {}],
  failedFetchRequestsTotal: [`${BTM}FailedFetchRequestsPerSec`, "Count", {}],
  underReplicatedPartitions: [`${RM}UnderReplicatedPartitions`, "Value", {}],
  underMinIsrPartitions: [`${RM}UnderMinIsrPartitionCount`, "Value", {}],
  partitions: [`${RM}PartitionCount`, "Value", {}],
  leaderPartitions: [`${RM}LeaderCount`, "Value", {}],
  isrShrinksTotal: [`${RM}IsrShrinksPerSec`, "Count", {}],
  isrExpandsTotal: [`${RM}IsrExpandsPerSec`, "Count", {}],
  offlinePartitions: [`${KC}OfflinePartitionsCount`, "Value", {}],
  activeControllerCount: [`${KC}ActiveControllerCount`, "Value", {}],
  requestTotalTimeMs: [
    "kafka.network:type=RequestMetrics,name=TotalTimeMs,request=Produce",
    "99thPercentile",
    { request: "Produce", quantile: "0.99" },
  ],
};

describe("Kafka JMX exporter config", () => {
  test("the agent option names the image's jar, the port and the config file", () => {
    expect(KAFKA_METRICS_PORT).toBe(9404);
    expect(KAFKA_JMX_EXPORTER_JAR).toBe("/opt/jmx-exporter/jmx_prometheus_javaagent.jar");
    expect(kafkaJmxAgentOption("/etc/kafka/jmx.yaml")).toBe(
      "-javaagent:/opt/jmx-exporter/jmx_prometheus_javaagent.jar=9404:/etc/kafka/jmx.yaml",
    );
    expect(kafkaJmxAgentOption("/c.yaml", 9500)).toMatch(/=9500:\/c\.yaml$/);
  });

  test("the YAML text reads back as the settings", () => {
    const doc = readYaml(KAFKA_JMX_EXPORTER_CONFIG);
    expect(doc).toEqual(JSON.parse(JSON.stringify(KAFKA_JMX_EXPORTER_SETTINGS)));
    expect(doc).toMatchObject({ lowercaseOutputName: true, lowercaseOutputLabelNames: true });
    // the agent keys, spelled as jmx_exporter 1.0.1 reads them
    expect(Object.keys(doc as object).sort()).toEqual(["includeObjectNames", "lowercaseOutputLabelNames", "lowercaseOutputName", "rules"]);
  });

  test("the YAML reader rejects what it does not understand", () => {
    expect(() => readYaml("a: 1\n  b: 2\n")).toThrow(/indentation/);
    expect(() => readYaml('rules:\n- pattern: "x\n')).toThrow();
    expect(() => readYaml("a: b: c\n")).toThrow(/ambiguous/);
    expect(() => readYaml("a:\n\t- 1\n")).toThrow(/tab/);
    expect(() => readYaml("a: 1\na: 2\n")).toThrow(/duplicate/);
  });

  test("every rule is a valid regex, typed, with a help text", () => {
    for (const rule of KAFKA_JMX_EXPORTER_SETTINGS.rules) {
      expect(() => new RegExp(rule.pattern)).not.toThrow();
      expect(["COUNTER", "GAUGE"]).toContain(rule.type);
      expect(rule.help.length).toBeGreaterThan(0);
      if (rule.type === "COUNTER") expect(rule.name).toMatch(/_total$/);
    }
  });

  test("metric names are distinct Prometheus names, lower case", () => {
    const names = Object.values(KafkaMetricNames);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^[a-z_][a-z0-9_]*$/);
  });

  test.each(Object.entries(expected))(
    "%s comes from its MBean through the whitelist and the rules",
    (key, [objectName, attribute, labels]) => {
      const name = KafkaMetricNames[key as keyof typeof KafkaMetricNames];
      expect(KAFKA_JMX_EXPORTER_SETTINGS.includeObjectNames.some((p) => objectNameMatches(p, objectName))).toBe(true);
      expect(exported(objectName, attribute)).toEqual({ name, labels });
    },
  );

  test("every name in KafkaMetricNames is traced above", () => {
    expect(Object.keys(expected).sort()).toEqual(Object.keys(KafkaMetricNames).sort());
  });

  test("the whitelist keeps the rest out: other BrokerTopicMetrics, per-topic request counts, other attributes", () => {
    expect(exported(`${BTM}BytesRejectedPerSec`, "Count")).toBeUndefined();
    expect(exported(`${BTM}TotalProduceRequestsPerSec,topic=orders`, "Count")).toBeUndefined();
    expect(exported(`${BTM}MessagesInPerSec`, "OneMinuteRate")).toBeUndefined();
    expect(exported(`${RM}AtMinIsrPartitionCount`, "Value")).toBeUndefined();
    expect(exported("kafka.network:type=RequestMetrics,name=TotalTimeMs,request=Metadata", "99thPercentile")).toBeUndefined();
    expect(exported("kafka.network:type=RequestMetrics,name=TotalTimeMs,request=Produce", "75thPercentile")).toBeUndefined();
  });
});
