import { Annotations, TerraformStack } from "../../private/framework";
import type { IConstruct } from "constructs";
import { didYouMean } from "../../errors/did-you-mean";
import type { Finding } from "../../errors/finding";
import { deferCheck, report, reportFindings } from "../../errors/problems";
import { captureUserLocation } from "../../errors/source-location";
import {
  checkBoolean,
  checkKnownKeys,
  checkOneOf,
  checkSynthTimeNumber,
  isToken,
  optionsObject,
  printable,
} from "../../private/validation";
import { checkEntityName, topicMatches } from "./rabbitmq-names";
import { checkPolicyDefinition, checkPolicyPattern, type RabbitMqPolicyTarget } from "./rabbitmq-policies";
import { checkQueueArguments } from "./rabbitmq-queue-arguments";
import {
  exchangeNameOf,
  queueNameOf,
  type BindingDeclaration,
  type ExchangeDeclaration,
  type ExchangeReference,
  type PolicyDeclaration,
  type QueueDeclaration,
  type QueueReference,
  type RabbitMqArgument,
  type RabbitMqBindingOptions,
  type RabbitMqExchangeOptions,
  type RabbitMqExchangeType,
  type RabbitMqPolicyOptions,
  type RabbitMqPublishOptions,
  type RabbitMqQueueOptions,
} from "./rabbitmq-topology-options";
import type { RabbitMqQueueType } from "./rabbitmq-value-rules";

const QUEUE_OPTIONS: Record<keyof RabbitMqQueueOptions, true> = {
  type: true,
  durable: true,
  deadLetterQueue: true,
  deadLetterExchange: true,
  deadLetterRoutingKey: true,
  messageTtlMs: true,
  maxLength: true,
  deliveryLimit: true,
  arguments: true,
};
const EXCHANGE_OPTIONS: Record<keyof RabbitMqExchangeOptions, true> = { type: true, durable: true, autoDelete: true, internal: true };
const BINDING_OPTIONS: Record<keyof RabbitMqBindingOptions, true> = { routingKey: true };
const POLICY_OPTIONS: Record<keyof RabbitMqPolicyOptions, true> = { pattern: true, definition: true, applyTo: true, priority: true };
export const PUBLISH_OPTIONS: Record<keyof RabbitMqPublishOptions, true> = { routingKey: true, otherRoutingKeys: true };

const QUEUE_TYPES: readonly RabbitMqQueueType[] = ["classic", "quorum", "stream"];
const EXCHANGE_TYPES: readonly RabbitMqExchangeType[] = ["direct", "fanout", "topic", "headers"];
const POLICY_TARGETS: readonly RabbitMqPolicyTarget[] = ["queues", "exchanges", "all", "classic_queues", "quorum_queues", "streams"];

/** Exchanges every vhost has without declaring them. */
export const PREDEFINED_EXCHANGES = ["amq.direct", "amq.fanout", "amq.topic", "amq.headers", "amq.match"];
const PREDEFINED_TYPES: Record<string, RabbitMqExchangeType> = {
  "amq.direct": "direct",
  "amq.fanout": "fanout",
  "amq.topic": "topic",
  "amq.headers": "headers",
  "amq.match": "headers",
};

/**
 * Queues, exchanges, bindings and policies of one vhost. Each declaration is
 * checked when made; references between them (dead-letter targets, bindings,
 * publishers' routing keys) are checked at synth, so the order of
 * declarations does not matter.
 */
export class RabbitMqTopology {
  private readonly queues = new Map<string, QueueDeclaration>();
  private readonly exchanges = new Map<string, ExchangeDeclaration>();
  private readonly bindings: BindingDeclaration[] = [];
  private readonly policies = new Map<string, PolicyDeclaration>();

  /** @param nodeCount the broker's nodes: quorum queues are sized to them. */
  constructor(
    private readonly scope: IConstruct,
    private readonly nodeCount = 1,
  ) {}

  public get queueList(): readonly QueueDeclaration[] {
    return [...this.queues.values()];
  }
  public get exchangeList(): readonly ExchangeDeclaration[] {
    return [...this.exchanges.values()];
  }
  public get bindingList(): readonly BindingDeclaration[] {
    return this.bindings;
  }
  public get policyList(): readonly PolicyDeclaration[] {
    return [...this.policies.values()];
  }

  /**
   * False, after reporting it, when `ref` is the handle of a queue or
   * exchange of another broker: dead-letter targets and bindings live on one
   * broker, and the name alone would silently mean this broker's entity.
   */
  private ownHandle(subject: string, what: "queue" | "exchange" | "dead-letter queue" | "dead-letter exchange", ref: unknown): boolean {
    const owner = (ref as { broker?: { brokerName?: string } } | null)?.broker;
    if (ref === null || typeof ref !== "object" || owner === undefined || owner === this.scope) return true;
    const name = what.endsWith("queue") ? queueNameOf(ref as QueueReference) : exchangeNameOf(ref as ExchangeReference);
    const here = (this.scope as { brokerName?: string }).brokerName ?? this.scope.node.id;
    report(
      this.scope,
      `${subject}: the ${what} "${name}" is declared on broker ${owner.brokerName}, not on ${here}: a broker's queues, exchanges and bindings refer only to its own`,
      name,
      `declare it on ${here} too (${what.endsWith("queue") ? "addQueue" : "addExchange"}("${name}") on that broker), or declare this one on ${owner.brokerName}`,
    );
    return false;
  }

  /**
   * The fix for a name this broker does not declare: the other brokers of the
   * stack that do (a name alone always means this broker's entity), else the
   * nearest name here, else declaring it.
   */
  public undeclaredFix(kind: "queue" | "exchange", name: string): string {
    const here = (this.scope as { brokerName?: string }).brokerName ?? this.scope.node.id;
    const declare = `${kind === "queue" ? "addQueue" : "addExchange"}("${name}")`;
    const elsewhere = TerraformStack.of(this.scope)
      .node.findAll()
      .filter((c) => c !== this.scope && (c as { topology?: unknown }).topology instanceof RabbitMqTopology)
      .filter((c) => {
        const topology = (c as unknown as { topology: RabbitMqTopology }).topology;
        return kind === "queue" ? topology.queues.has(name) : topology.exchanges.has(name);
      })
      .map((c) => (c as { brokerName?: string }).brokerName ?? c.node.id);
    if (elsewhere.length > 0) {
      return `the ${kind} "${name}" is declared on broker ${elsewhere.join(", ")}, not on ${here}, and a name refers only to its own broker's: declare it on ${here} too (${declare}), or wire the app to ${elsewhere[0]}`;
    }
    return `${didYouMean(name, kind === "queue" ? this.queues.keys() : this.exchanges.keys())}declare it with ${declare} if it is new`;
  }

  public hasQueue(name: string): boolean {
    return this.queues.has(name);
  }

  /** A declared or predefined exchange, or `""` (the default exchange). */
  public hasExchange(name: string): boolean {
    return name === "" || this.exchanges.has(name) || PREDEFINED_EXCHANGES.includes(name);
  }

  public exchangeType(name: string): RabbitMqExchangeType | undefined {
    if (name === "") return "direct";
    if (typeof name !== "string") return undefined;
    return this.exchanges.get(name)?.type ?? PREDEFINED_TYPES[name];
  }

  public addQueue(name: string, given: RabbitMqQueueOptions = {}): QueueDeclaration {
    name = printable(name);
    const location = captureUserLocation();
    const options = optionsObject(this.scope, `queue "${name}" options`, given);
    checkEntityName(this.scope, "queue", name);
    if (this.queues.has(name)) {
      report(this.scope, "queue declared twice", name, "declare each queue once (addQueue) and reuse the handle it returns");
    }
    checkKnownKeys(this.scope, `queue "${name}" options`, options, QUEUE_OPTIONS);
    const subject = `queue "${name}"`;
    const type = checkOneOf(this.scope, `${subject}: type`, options.type, QUEUE_TYPES) ? (options.type ?? "quorum") : "quorum";
    const durable = options.durable ?? true;
    if (typeof durable !== "boolean") report(this.scope, `${subject}: durable must be true or false`, durable, "pass a boolean");
    if (type !== "classic" && durable === false) {
      report(this.scope, `${subject}: ${type} queues are always durable`, options.durable, 'remove `durable: false` or use type "classic"');
    } else if (durable === false) {
      // Measured on RabbitMQ 4.0.5: such a queue makes check_if_any_deprecated_features_are_used fail.
      Annotations.of(this.scope).addWarning(
        `${subject}: a non-durable classic queue is a transient non-exclusive queue, deprecated in RabbitMQ 4.0 ` +
          "(transient_nonexcl_queues: permitted for now, refused once a release stops permitting it) and emptied on every broker restart: " +
          "remove `durable: false`, or let the app declare an exclusive queue of its own",
      );
    }
    const args: Record<string, RabbitMqArgument> = {};
    let deadLetterQueue: string | undefined;
    let deadLetterExchange: string | undefined;
    if (options.deadLetterQueue !== undefined && this.ownHandle(subject, "dead-letter queue", options.deadLetterQueue)) {
      deadLetterQueue = queueNameOf(options.deadLetterQueue);
      if (options.deadLetterExchange !== undefined || options.deadLetterRoutingKey !== undefined) {
        report(
          this.scope,
          `${subject}: deadLetterQueue excludes deadLetterExchange and deadLetterRoutingKey`,
          options,
          "give either deadLetterQueue, or deadLetterExchange (+ deadLetterRoutingKey)",
        );
      }
      if (deadLetterQueue === name) {
        report(
          this.scope,
          `${subject}: a queue cannot dead-letter to itself`,
          deadLetterQueue,
          `dead-letter to another queue (e.g. "${name}.dead-letter")`,
        );
      }
      args["x-dead-letter-exchange"] = "";
      args["x-dead-letter-routing-key"] = deadLetterQueue;
    } else if (options.deadLetterExchange !== undefined && this.ownHandle(subject, "dead-letter exchange", options.deadLetterExchange)) {
      deadLetterExchange = exchangeNameOf(options.deadLetterExchange);
      if (deadLetterExchange === "") {
        if (options.deadLetterRoutingKey === undefined) {
          report(
            this.scope,
            `${subject}: dead-lettering to the default exchange needs a routing key (else messages return to "${name}")`,
            deadLetterExchange,
            "use deadLetterQueue, or set deadLetterRoutingKey to the target queue",
          );
        } else {
          deadLetterQueue = options.deadLetterRoutingKey;
        }
      }
      args["x-dead-letter-exchange"] = deadLetterExchange;
      if (options.deadLetterRoutingKey !== undefined) args["x-dead-letter-routing-key"] = options.deadLetterRoutingKey;
    } else if (options.deadLetterRoutingKey !== undefined) {
      report(
        this.scope,
        `${subject}: deadLetterRoutingKey needs deadLetterExchange`,
        options.deadLetterRoutingKey,
        "set deadLetterExchange too, or use deadLetterQueue",
      );
    }
    // Written into the definitions file at synth: a deploy-time number would be its placeholder there.
    const typed = { messageTtlMs: "x-message-ttl", maxLength: "x-max-length", deliveryLimit: "x-delivery-limit" } as const;
    for (const [field, argument] of Object.entries(typed) as [keyof typeof typed, string][]) {
      const value = options[field];
      if (value !== undefined && checkSynthTimeNumber(this.scope, `${subject}: ${field}`, value)) args[argument] = value;
    }
    const extra = options.arguments ?? {};
    for (const [key, value] of Object.entries(extra)) {
      if (!checkSynthTimeNumber(this.scope, `${subject}: argument ${key}`, value)) continue;
      if (key in args || key === "x-queue-type") {
        report(
          this.scope,
          `${subject}: argument ${key} is set by a typed option`,
          key,
          "use the typed option (type, deadLetter*, messageTtlMs, maxLength, deliveryLimit)",
        );
        continue;
      }
      args[key] = value;
    }
    reportFindings(this.scope, checkQueueArguments(name, type, args), { location });
    const groupSize = args["x-quorum-initial-group-size"];
    if (typeof groupSize === "number" && groupSize > this.nodeCount) {
      report(
        this.scope,
        `queue "${name}": x-quorum-initial-group-size is above the broker's node count (${this.nodeCount})`,
        groupSize,
        `use at most ${this.nodeCount}`,
        { location },
      );
    }
    // A quorum queue of a cluster gets a replica on every node, said explicitly in the definitions.
    if (type === "quorum" && this.nodeCount > 1 && groupSize === undefined) args["x-quorum-initial-group-size"] = this.nodeCount;
    const declaration: QueueDeclaration = {
      name,
      type,
      durable: type === "classic" ? durable !== false : true,
      arguments: { "x-queue-type": type, ...args },
      ...(deadLetterQueue !== undefined ? { deadLetterQueue } : {}),
      ...(deadLetterExchange !== undefined ? { deadLetterExchange } : {}),
    };
    if (!this.queues.has(name)) this.queues.set(name, declaration);
    deferCheck(this.scope, () => this.checkDeadLetterTargets(declaration), location);
    return declaration;
  }

  public addExchange(name: string, given: RabbitMqExchangeOptions = {}): ExchangeDeclaration {
    name = printable(name);
    const options = optionsObject(this.scope, `exchange "${name}" options`, given);
    checkEntityName(this.scope, "exchange", name);
    if (this.exchanges.has(name)) {
      report(this.scope, "exchange declared twice", name, "declare each exchange once (addExchange) and reuse the handle it returns");
    }
    checkKnownKeys(this.scope, `exchange "${name}" options`, options, EXCHANGE_OPTIONS);
    const type = checkOneOf(this.scope, `exchange "${name}": type`, options.type, EXCHANGE_TYPES) ? (options.type ?? "direct") : "direct";
    const flag = (field: "durable" | "autoDelete" | "internal", fallback: boolean): boolean =>
      checkBoolean(this.scope, `exchange "${name}": ${field}`, options[field]) ? (options[field] ?? fallback) : fallback;
    const declaration: ExchangeDeclaration = {
      name,
      type,
      durable: flag("durable", true),
      autoDelete: flag("autoDelete", false),
      internal: flag("internal", false),
    };
    if (!this.exchanges.has(name)) this.exchanges.set(name, declaration);
    return declaration;
  }

  public bindQueue(queue: QueueReference, exchange: ExchangeReference, given: RabbitMqBindingOptions = {}): void {
    const location = captureUserLocation();
    const queueName = queueNameOf(queue);
    const exchangeName = exchangeNameOf(exchange);
    const own = [
      this.ownHandle(`binding of queue "${queueName}"`, "queue", queue),
      this.ownHandle(`binding of queue "${queueName}"`, "exchange", exchange),
    ];
    if (own.includes(false)) return;
    const options = optionsObject(this.scope, `binding of queue "${queueName}" options`, given);
    checkKnownKeys(this.scope, `binding of queue "${queueName}" options`, options, BINDING_OPTIONS);
    const routingKey = options.routingKey ?? "";
    if (typeof routingKey !== "string" || Buffer.byteLength(routingKey) > 255) {
      report(
        this.scope,
        `binding of queue "${queueName}": routingKey must be a string of at most 255 bytes`,
        routingKey,
        "shorten the routing key",
      );
    }
    if (exchangeName === "") {
      report(
        this.scope,
        `binding of queue "${queueName}": the default exchange cannot be bound`,
        exchangeName,
        "bind to a declared exchange; the default exchange already routes by queue name",
      );
      return;
    }
    if (this.bindings.some((b) => b.source === exchangeName && b.destination === queueName && b.routingKey === routingKey)) {
      report(
        this.scope,
        `binding declared twice (exchange "${exchangeName}" -> queue "${queueName}")`,
        routingKey,
        "declare each binding once",
      );
      return;
    }
    const binding = { source: exchangeName, destination: queueName, routingKey };
    this.bindings.push(binding);
    deferCheck(this.scope, () => this.checkBinding(binding), location);
  }

  public addPolicy(name: string, options: RabbitMqPolicyOptions): PolicyDeclaration | undefined {
    const location = captureUserLocation();
    if (typeof name !== "string" || name === "" || isToken(name)) {
      report(this.scope, "policy name must be a non-empty literal string", name, "name the policy");
      return undefined;
    }
    if (this.policies.has(name)) {
      report(this.scope, "policy declared twice", name, "declare each policy once (addPolicy)");
      return undefined;
    }
    if (options === undefined || !checkKnownKeys(this.scope, `policy "${name}" options`, options, POLICY_OPTIONS)) {
      if (options === undefined) report(this.scope, `policy "${name}": options are required`, options, "pass { pattern, definition }");
      return undefined;
    }
    const applyTo = checkOneOf(this.scope, `policy "${name}": applyTo`, options.applyTo, POLICY_TARGETS)
      ? (options.applyTo ?? "queues")
      : "queues";
    if (typeof options.pattern !== "string") {
      report(this.scope, `policy "${name}": pattern must be a string`, options.pattern, 'pass a regular expression such as "^orders\\\\."');
    } else {
      reportFindings(this.scope, checkPolicyPattern(name, options.pattern), { location });
    }
    if (options.definition === null || typeof options.definition !== "object" || Array.isArray(options.definition)) {
      report(this.scope, `policy "${name}": definition must be an object`, options.definition, 'pass e.g. { "max-length": 10000 }');
    } else {
      reportFindings(this.scope, checkPolicyDefinition(name, applyTo, options.definition), { location });
    }
    const priority = options.priority ?? 0;
    if (typeof priority !== "number" || !Number.isInteger(priority)) {
      report(this.scope, `policy "${name}": priority must be an integer`, priority, "use a whole number (higher wins)");
    }
    const declaration: PolicyDeclaration = {
      name,
      pattern: options.pattern,
      applyTo,
      definition: { ...(options.definition ?? {}) },
      priority,
    };
    this.policies.set(name, declaration);
    return declaration;
  }

  /**
   * Problems of a publisher on `exchange` with `routingKey`: the exchange
   * must exist and, unless it is fanout or headers, some binding must route
   * the key to a queue (the producers publish `mandatory` and would re-send
   * unroutable messages forever).
   */
  public publishFindings(role: string, exchange: string, routingKey: string): Finding[] {
    if (exchange === "") {
      return this.queues.has(routingKey)
        ? []
        : [
            {
              problem: `${role}: routing key "${routingKey}" on the default exchange names no declared queue`,
              received: routingKey,
              fix: this.undeclaredFix("queue", routingKey),
            },
          ];
    }
    if (!this.hasExchange(exchange)) {
      return [
        {
          problem: `${role}: the exchange is not declared`,
          received: exchange,
          fix: this.undeclaredFix("exchange", exchange),
        },
      ];
    }
    const type = this.exchangeType(exchange);
    const bound = this.bindings.filter((b) => b.source === exchange);
    if (this.exchanges.get(exchange)?.internal) {
      return [
        {
          problem: `${role}: exchange "${exchange}" is internal and refuses messages from clients`,
          received: exchange,
          fix: "publish to a non-internal exchange",
        },
      ];
    }
    // Headers exchanges route by message headers, which the apps do not set: any binding may match.
    const routes =
      type === "fanout" || type === "headers"
        ? bound.length > 0
        : bound.some((b) => (type === "topic" ? topicMatches(b.routingKey, routingKey) : b.routingKey === routingKey));
    if (routes) return [];
    return [
      {
        problem: `${role}: no binding of exchange "${exchange}" (${type}) routes routing key "${routingKey}" to a queue, so every message would be returned unroutable and re-sent forever`,
        received: routingKey,
        fix: bound.length
          ? `publish with a key the bindings match (${bound.map((b) => JSON.stringify(b.routingKey)).join(", ")}), or bind a queue with queue.bindTo(exchange, { routingKey: "${routingKey}" })`
          : `bind a queue to it: queue.bindTo(exchange, { routingKey: "${routingKey}" })`,
      },
    ];
  }

  /** The `queues`, `exchanges`, `bindings` and `policies` sections of a definitions file. */
  public render(vhost: string): Record<string, unknown[]> {
    return {
      queues: [...this.queues.values()].map((q) => ({
        name: q.name,
        vhost,
        durable: q.durable,
        auto_delete: false,
        arguments: q.arguments,
      })),
      exchanges: [...this.exchanges.values()].map((e) => ({
        name: e.name,
        vhost,
        type: e.type,
        durable: e.durable,
        auto_delete: e.autoDelete,
        internal: e.internal,
        arguments: {},
      })),
      bindings: this.bindings.map((b) => ({
        source: b.source,
        vhost,
        destination: b.destination,
        destination_type: "queue",
        routing_key: b.routingKey,
        arguments: {},
      })),
      policies: [...this.policies.values()].map((p) => ({
        vhost,
        name: p.name,
        pattern: p.pattern,
        "apply-to": p.applyTo,
        definition: p.definition,
        priority: p.priority,
      })),
    };
  }

  private checkDeadLetterTargets(q: QueueDeclaration): Finding[] {
    const findings: Finding[] = [];
    if (q.deadLetterQueue !== undefined && !this.queues.has(q.deadLetterQueue)) {
      findings.push({
        problem: `queue "${q.name}": its dead-letter queue is not declared`,
        received: q.deadLetterQueue,
        fix: this.undeclaredFix("queue", q.deadLetterQueue),
      });
    }
    if (q.deadLetterExchange !== undefined && q.deadLetterExchange !== "" && !this.hasExchange(q.deadLetterExchange)) {
      findings.push({
        problem: `queue "${q.name}": its dead-letter exchange is not declared`,
        received: q.deadLetterExchange,
        fix: this.undeclaredFix("exchange", q.deadLetterExchange),
      });
    }
    return findings;
  }

  private checkBinding(b: BindingDeclaration): Finding[] {
    const findings: Finding[] = [];
    if (!this.hasExchange(b.source)) {
      findings.push({
        problem: `binding of queue "${b.destination}": the exchange is not declared`,
        received: b.source,
        fix: this.undeclaredFix("exchange", b.source),
      });
    }
    const type = this.exchangeType(b.source);
    if ((type === "fanout" || type === "headers") && b.routingKey !== "") {
      // Accepted by RabbitMQ and never read: the binding would deliver every message, not the key's.
      findings.push({
        problem: `binding of queue "${b.destination}" to exchange "${b.source}": a ${type} exchange ignores the binding key, so the queue would get ${type === "fanout" ? "every message" : "messages by their headers"}, not only those with this key`,
        received: b.routingKey,
        fix: `remove routingKey, or bind to a direct or topic exchange to route by key (addExchange("${b.source}", { type: "topic" }))`,
      });
    }
    if (type === "direct" && b.routingKey.split(".").some((word) => word === "*" || word === "#")) {
      // A direct exchange compares keys whole: `orders.*` would match only a message sent with the key "orders.*".
      findings.push({
        problem: `binding of queue "${b.destination}" to exchange "${b.source}": a direct exchange matches routing keys exactly, so the wildcard in this key matches only itself`,
        received: b.routingKey,
        fix: `bind to a topic exchange for a pattern (addExchange("${b.source}", { type: "topic" })), or give the exact key`,
      });
    }
    if (!this.queues.has(b.destination)) {
      findings.push({
        problem: `binding to exchange "${b.source}": the queue is not declared`,
        received: b.destination,
        fix: this.undeclaredFix("queue", b.destination),
      });
    }
    return findings;
  }
}
