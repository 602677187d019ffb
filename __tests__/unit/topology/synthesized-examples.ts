/**
 * The example stacks synthesized as `cdktf synth` writes them (App.synth into
 * a folder), and what each holds, read from its resources: the independent
 * answer the topology description, picture and diagram are checked against.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App } from "cdktf";
import { exampleStacks } from "../../support/example-stacks";
import { labelsOf, renderTemplate, resources, upload } from "../helpers";

export interface SynthesizedExample {
  readonly name: string;
  /** The stack's folder, cdktf.out/stacks/<name>. */
  readonly dir: string;
  /** Its cdk.tf.json, parsed. */
  readonly json: any;
}

/** Every example stack, synthesized once per test file into a temporary cdktf.out, removed after the file's tests. */
export function synthesizeExamples(): SynthesizedExample[] {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "topology-examples-"));
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));
  const app = new App({ outdir, stackTraces: false });
  const stacks = exampleStacks.map((e) => e.build(app));
  app.synth();
  return stacks.map((s) => {
    const dir = path.join(outdir, "stacks", s.node.id);
    return { name: s.node.id, dir, json: JSON.parse(fs.readFileSync(path.join(dir, "cdk.tf.json"), "utf8")) };
  });
}

/** What a stack holds by its resources: brokers by their node labels, apps by their replicas, exchanges and queues by definitions.json, topics by the set-up script. */
export interface StackContents {
  readonly brokers: string[];
  readonly apps: string[];
  readonly exchanges: string[];
  readonly queues: string[];
  readonly topics: string[];
}

export function contentsOf(json: any): StackContents {
  const containers = resources(json, "docker_container");
  const brokers = new Set<string>();
  const apps = new Set<string>();
  const exchanges = new Set<string>();
  const queues = new Set<string>();
  const topics = new Set<string>();
  for (const c of containers) {
    const labels = labelsOf(c);
    const component = labels["cdktf-docker-messaging.component"];
    if (labels["cdktf-docker-messaging.broker"]) brokers.add(labels["cdktf-docker-messaging.broker"]);
    if (component === "app") apps.add(String(c.name).replace(/-\d+$/, ""));
    if (component === "rabbitmq-broker") {
      const definitions = JSON.parse(renderTemplate(upload(c, "/etc/rabbitmq/definitions.json")));
      for (const q of definitions.queues) queues.add(q.name);
      for (const e of definitions.exchanges) exchanges.add(e.name);
    }
    if (component === "kafka-setup") {
      const script = renderTemplate(c.command.join("\n"));
      for (const m of script.matchAll(/--create --if-not-exists --topic '([^']+)'/g)) topics.add(m[1]);
    }
  }
  const sorted = (s: Set<string>) => [...s].sort();
  return { brokers: sorted(brokers), apps: sorted(apps), exchanges: sorted(exchanges), queues: sorted(queues), topics: sorted(topics) };
}
