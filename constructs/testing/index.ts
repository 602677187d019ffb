/**
 * `cdktf-docker-messaging/testing`: snapshot tests and assertions by concept
 * for stacks built with this library, for the users' CI.
 *
 * ```ts
 * import { synthSnapshot, MessagingTemplate } from "cdktf-docker-messaging/testing";
 * expect(synthSnapshot(stack)).toMatchSnapshot();          // stable across machines and app edits
 * const t = MessagingTemplate.fromStack(stack);
 * t.expectQueue("rabbitmq", "orders", { type: "quorum", deadLettersTo: "orders.dead-letter" });
 * t.expectWiring("events-reader", { broker: "kafka", role: "consumer", topic: "events", groupId: "readers" });
 * t.expectNoPortBeyondLoopback();
 * ```
 *
 * @module cdktf-docker-messaging/testing
 */
import * as path from "path";
import { Testing, type TerraformStack } from "../private/framework";
import { assertNoProblems } from "../errors/problems";
import { Labels } from "../private/labels";
import { DEFAULT_DOCKER_HOST } from "../provider/docker-provider";
import { TopologyComment } from "../topology/topology-comment";
import { TOPOLOGY_COMMENT_KEY, TOPOLOGY_KEY, type TopologyDescription } from "../topology/topology-description";

/**
 * Synthesizes `stack` the way `cdktf synth` does (aspects, then every
 * validation: one error lists all problems) and returns its JSON, with the
 * stack's topology comment as cdk.tf.json has it (cdktf's own metadata
 * comments left out).
 */
export function synthStack(stack: TerraformStack): Record<string, any> {
  let text: string;
  try {
    text = Testing.synth(stack, false); // aspects, once
  } catch (error) {
    // A value already reported may fail to render: the report is the answer, not the crash it led to.
    assertNoProblems(stack);
    throw error;
  }
  assertNoProblems(stack); // ours, with their paths, values and fixes
  stack.runAllValidations(); // cdktf's own (a provider is declared, ...)
  const json = JSON.parse(text);
  // Testing.synth drops every `//` comment; cdktf synth keeps ours, the stack's topology, which wiringOf reads.
  const comment = TopologyComment.commentOf(stack);
  return comment === undefined ? json : { "//": comment, ...json };
}

/**
 * The synthesized stack with what differs between machines and source
 * edits replaced by placeholders: each built image's context folder
 * (`<build-context:apps/x>`, relative to the working folder), its context
 * hash (`<context-sha256>`) and the tag derived from it (`<context-tag>`),
 * and the Docker host when it is the machine's ($DOCKER_HOST or the local
 * socket: `<docker-host>`). Everything
 * else is kept, so a snapshot still catches every real change.
 */
export function synthSnapshot(stack: TerraformStack): Record<string, any> {
  const json = synthStack(stack);
  const replacements = new Map<string, string>();
  for (const image of Object.values<any>(json.resource?.docker_image ?? {})) {
    const context: unknown = image.build?.context;
    const hash: unknown = image.triggers?.context_sha256;
    if (typeof context === "string")
      replacements.set(context, `<build-context:${path.relative(process.cwd(), context).split(path.sep).join("/")}>`);
    if (typeof hash === "string") {
      replacements.set(hash, "<context-sha256>");
      replacements.set(`:${hash.slice(0, 12)}`, ":<context-tag>");
    }
  }
  // DockerHost's default comes from $DOCKER_HOST, else the local socket: either is the machine's, not the stack's.
  const machineHosts = [process.env.DOCKER_HOST, DEFAULT_DOCKER_HOST].filter(Boolean);
  for (const provider of [json.provider?.docker ?? []].flat()) {
    if (machineHosts.includes(provider.host)) provider.host = "<docker-host>";
  }
  // The topology restates the resources in another shape: a snapshot of the resources is the whole story.
  delete json["//"];
  let text = JSON.stringify(json);
  // Longest first, so a folder is replaced before a folder inside it.
  for (const [from, to] of [...replacements].sort((a, b) => b[0].length - a[0].length)) {
    text = text.split(JSON.stringify(from).slice(1, -1)).join(to);
  }
  return JSON.parse(text);
}

/** A queue as the RabbitMQ definitions file declares it. */
export interface QueueFacts {
  /** The queue's name. */
  readonly name: string;
  /** `quorum`, `classic` or `stream` (`x-queue-type`). */
  readonly type: string;
  /** Whether it survives a broker restart. */
  readonly durable: boolean;
  /** The queue dead-lettered messages go to, when they go to one queue through the default exchange. */
  readonly deadLettersTo?: string;
  /** The dead-letter exchange (`x-dead-letter-exchange`), when it is not the default one. */
  readonly deadLetterExchange?: string;
  /** Every `x-*` argument of the queue. */
  readonly arguments: Record<string, unknown>;
}

/** A topic as the Kafka set-up job creates it. */
export interface TopicFacts {
  /** The topic's name. */
  readonly name: string;
  /** Number of partitions. */
  readonly partitions: number;
  /** Copies of each partition. */
  readonly replicationFactor: number;
  /** Its `--config` settings, e.g. `{ "retention.ms": "86400000" }`. */
  readonly configs: Record<string, string>;
}

/**
 * One use of a broker by an app, as the broker's kind describes it in the
 * stack's topology (cdk.tf.json carries it): the broker, its kind, the
 * app's role and what the wiring sets, in the kind's words. The fields
 * below are those of the kinds this package ships; another kind's are
 * there by the names it gives them.
 */
export interface WiringFacts {
  /** The broker's name (its container name, or its name without `-<i>` for a cluster). */
  readonly broker: string;
  /** The broker's kind: `rabbitmq`, `kafka`, or another kind's name. */
  readonly kind: string;
  /** The first word of the role: `consumer` (both kinds), `publisher` (RabbitMQ) or `producer` (Kafka), or another kind's. */
  readonly role: string;
  /** RabbitMQ consumer: the queue (`RABBITMQ_QUEUE`). */
  readonly queue?: string;
  /** RabbitMQ publisher: the exchange (`""` for the default one). */
  readonly exchange?: string;
  /** RabbitMQ publisher: the routing key. */
  readonly routingKey?: string;
  /** Kafka: the topic. */
  readonly topic?: string;
  /** Kafka consumer: the consumer group. */
  readonly groupId?: string;
  /** Another kind's attributes, by the names it gives them. */
  readonly [attribute: string]: string | undefined;
}

/** A port of a container published on the Docker host. */
export interface PortFacts {
  /** The container's name. */
  readonly container: string;
  /** The port inside the container. */
  readonly containerPort: number;
  /** The port on the host. */
  readonly hostPort: number;
  /** The host address it is bound to (`127.0.0.1`: this host only). */
  readonly hostIp: string;
}

/**
 * Assertions by concept on a synthesized stack: what its brokers declare
 * and how its apps are wired, read from the Terraform JSON (the definitions
 * file uploaded into RabbitMQ, the Kafka topics job, the apps' connection
 * settings), i.e. from what will be deployed.
 */
export class MessagingTemplate {
  /** Synthesizes `stack` (as {@link synthStack} does) and reads the result. */
  public static fromStack(stack: TerraformStack): MessagingTemplate {
    return new MessagingTemplate(synthStack(stack));
  }

  /** Reads an already synthesized stack (the JSON of `cdk.tf.json`). */
  public static fromJson(json: Record<string, any>): MessagingTemplate {
    return new MessagingTemplate(json);
  }

  private constructor(
    /** The synthesized stack. */
    public readonly json: Record<string, any>,
  ) {}

  /** docker_container configs by name. */
  public containers(): Record<string, any> {
    return Object.fromEntries(Object.values<any>(this.json.resource?.docker_container ?? {}).map((c) => [c.name, c]));
  }

  /** The queues declared on the RabbitMQ broker named `broker` (a cluster by its name, like `expectWiring`). */
  public queues(broker: string): QueueFacts[] {
    const definitions = this.definitions(broker);
    return (definitions.queues ?? []).map((q: any): QueueFacts => {
      const args = q.arguments ?? {};
      const viaDefault = args["x-dead-letter-exchange"] === "" && typeof args["x-dead-letter-routing-key"] === "string";
      return {
        name: q.name,
        type: args["x-queue-type"] ?? "classic",
        durable: q.durable,
        ...(viaDefault ? { deadLettersTo: args["x-dead-letter-routing-key"] } : {}),
        ...(typeof args["x-dead-letter-exchange"] === "string" && args["x-dead-letter-exchange"] !== ""
          ? { deadLetterExchange: args["x-dead-letter-exchange"] }
          : {}),
        arguments: args,
      };
    });
  }

  /** The queue `name` of the RabbitMQ broker `broker`; throws when it declares none. */
  public queue(broker: string, name: string): QueueFacts {
    const found = this.queues(broker).find((q) => q.name === name);
    if (!found)
      throw new Error(
        `broker ${broker} declares no queue "${name}" (it has: ${
          this.queues(broker)
            .map((q) => q.name)
            .join(", ") || "none"
        })`,
      );
    return found;
  }

  /** Throws unless `broker` declares queue `name` with these facts. */
  public expectQueue(broker: string, name: string, expected: Partial<Omit<QueueFacts, "name">>): void {
    const actual = this.queue(broker, name);
    for (const [key, value] of Object.entries(expected)) {
      if (JSON.stringify((actual as any)[key]) !== JSON.stringify(value)) {
        throw new Error(
          `queue "${name}" of ${broker}: ${key} is ${JSON.stringify((actual as any)[key])}, expected ${JSON.stringify(value)}`,
        );
      }
    }
  }

  /** Bindings of the RabbitMQ broker `broker`: exchange -> queue with routing key. */
  public bindings(broker: string): {
    /** The source exchange. */
    exchange: string;
    /** The destination queue. */
    queue: string;
    /** The binding key. */
    routingKey: string;
  }[] {
    return (this.definitions(broker).bindings ?? []).map((b: any) => ({
      exchange: b.source,
      queue: b.destination,
      routingKey: b.routing_key,
    }));
  }

  /** The topics the Kafka broker `broker` creates (read from its set-up job). */
  public topics(broker: string): TopicFacts[] {
    // The set-up job is named after the broker; a node's name (`shop-kafka-1`) finds it too.
    const containers = this.containers();
    const job = containers[`${broker}-setup`] ?? containers[`${broker.replace(/-\d+$/, "")}-setup`];
    if (!job) return [];
    const script: string = job.command?.[0] ?? "";
    const topics: TopicFacts[] = [];
    for (const line of script.split("\n")) {
      const m = /kafka-topics\.sh .* --topic '((?:[^']|'\\'')*)' --partitions (\d+) --replication-factor (\d+)(.*)$/.exec(line);
      if (!m) continue;
      const configs: Record<string, string> = {};
      for (const c of m[4].matchAll(/--config '([^=']+)=((?:[^']|'\\'')*)'/g)) configs[c[1]] = c[2].replace(/'\\''/g, "'");
      topics.push({ name: m[1].replace(/'\\''/g, "'"), partitions: Number(m[2]), replicationFactor: Number(m[3]), configs });
    }
    return topics;
  }

  /** The topic `name` of the Kafka broker `broker`; throws when it creates none. */
  public topic(broker: string, name: string): TopicFacts {
    const found = this.topics(broker).find((t) => t.name === name);
    if (!found)
      throw new Error(
        `broker ${broker} creates no topic "${name}" (it has: ${
          this.topics(broker)
            .map((t) => t.name)
            .join(", ") || "none"
        })`,
      );
    return found;
  }

  /**
   * How the app named `app` is wired: read from the topology the stack
   * carries (see describeTopology), where each broker's kind says what a
   * wiring sets, so it reads apps of any kind, on one engine or a Swarm.
   */
  public wiringOf(app: string): WiringFacts[] {
    const topology: TopologyDescription | undefined = this.json["//"]?.[TOPOLOGY_COMMENT_KEY]?.[TOPOLOGY_KEY];
    if (topology === undefined) {
      throw new Error(
        `the stack's JSON carries no topology ("//": { "${TOPOLOGY_COMMENT_KEY}": ... }): read cdk.tf.json, or synthesize with synthStack or MessagingTemplate.fromStack (Testing.synth drops it)`,
      );
    }
    const found = topology.apps.find((a) => a.name === app);
    if (!found) throw new Error(`no app named ${app} (the stack's apps: ${topology.apps.map((a) => a.name).join(", ") || "none"})`);
    const kindOf = new Map(topology.brokers.map((b) => [b.name, b.kind]));
    return found.wirings.map(
      (w): WiringFacts => ({
        broker: w.broker,
        kind: kindOf.get(w.broker) ?? "unknown",
        role: w.role.split(" ")[0],
        ...w.attributes,
      }),
    );
  }

  /** Throws unless `app` has a wiring with these facts. */
  public expectWiring(app: string, expected: Partial<WiringFacts>): void {
    const wirings = this.wiringOf(app);
    const match = wirings.some((w) => Object.entries(expected).every(([k, v]) => (w as any)[k] === v));
    if (!match) throw new Error(`app ${app} has no wiring ${JSON.stringify(expected)}; it has ${JSON.stringify(wirings)}`);
  }

  /** Every port published on the Docker host. */
  public publishedPorts(): PortFacts[] {
    return Object.values(this.containers()).flatMap((c: any) =>
      (c.ports ?? []).map((p: any) => ({ container: c.name, containerPort: p.internal, hostPort: p.external, hostIp: p.ip ?? "0.0.0.0" })),
    );
  }

  /** Throws when a port is published beyond 127.0.0.1 / ::1. */
  public expectNoPortBeyondLoopback(): void {
    const open = this.publishedPorts().filter((p) => p.hostIp !== "127.0.0.1" && p.hostIp !== "::1");
    if (open.length > 0) throw new Error(`ports published beyond loopback: ${JSON.stringify(open)}`);
  }

  /** Containers by their component label (`rabbitmq-broker`, `kafka-broker`, `kafka-setup`, `rabbitmq-setup`, `app`). */
  public containersOf(component: string): string[] {
    return Object.values(this.containers())
      .filter((c: any) => (c.labels ?? []).some((l: any) => l.label === Labels.component && l.value === component))
      .map((c: any) => c.name);
  }

  /**
   * The container of `broker`: a broker is named as it is everywhere in
   * these helpers (`shop-rabbit`, as `expectWiring` reports it), and for a
   * cluster that is its first node's container (`shop-rabbit-1`); a node's
   * own container name is accepted too.
   */
  private brokerContainer(broker: string): any {
    const containers = this.containers();
    const c = containers[broker] ?? containers[`${broker}-1`];
    if (!c) throw new Error(`no broker named ${broker} (no container ${broker} or ${broker}-1)`);
    return c;
  }

  private definitions(broker: string): any {
    const c = this.brokerContainer(broker);
    const upload = (c.upload ?? []).find((u: any) => String(u.file).endsWith("/definitions.json"));
    if (!upload) throw new Error(`${broker} uploads no definitions.json (is it a RabbitMQ broker?)`);
    return JSON.parse(templateText(upload.content));
  }
}

/** A Terraform string template read back as text, Terraform expressions shown as `"<token>"`. */
function templateText(content: string): string {
  return content
    .replace(/(?<!\$)\$\{[^}]*\}/g, '"<token>"')
    .replace(/\$\$\{/g, "${")
    .replace(/%%\{/g, "%{");
}
