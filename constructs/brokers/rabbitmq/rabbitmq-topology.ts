import type { IConstruct } from "constructs";
import { isToken, reject } from "../../private/validation";

export type RabbitMqQueueType = "classic" | "quorum";
export type RabbitMqExchangeType = "direct" | "fanout" | "topic" | "headers";
export type RabbitMqArgument = string | number | boolean;

export interface RabbitMqQueueOptions {
  /**
   * Queue type. Quorum queues are RabbitMQ's recommended durable queue
   * (and must be durable).
   * @default "quorum"
   */
  readonly type?: RabbitMqQueueType;
  /**
   * Whether the queue survives a broker restart.
   * @default true
   */
  readonly durable?: boolean;
  /**
   * Dead-letter rejected or expired messages to this declared queue (through
   * the default exchange, routing key = that queue's name). Declare it first.
   * @default - no dead-lettering, unless deadLetterExchange is set
   */
  readonly deadLetterQueue?: string;
  /**
   * Dead-letter exchange (`x-dead-letter-exchange`): a declared exchange or a
   * predefined `amq.*` one. Exclusive with deadLetterQueue.
   * @default - no dead-letter exchange
   */
  readonly deadLetterExchange?: string;
  /**
   * Routing key for dead-lettered messages (`x-dead-letter-routing-key`).
   * @default - the message's own routing key
   */
  readonly deadLetterRoutingKey?: string;
  /**
   * Message time-to-live in milliseconds (`x-message-ttl`).
   * @default - messages do not expire
   */
  readonly messageTtlMs?: number;
  /**
   * Maximum number of ready messages (`x-max-length`).
   * @default - unbounded
   */
  readonly maxLength?: number;
  /**
   * Quorum queues only: deliveries of a message before it is dead-lettered
   * (`x-delivery-limit`).
   * @default - unlimited (RabbitMQ 3.x), 20 (RabbitMQ 4.x)
   */
  readonly deliveryLimit?: number;
  /**
   * Further `x-*` queue arguments.
   * @default - none
   */
  readonly arguments?: Record<string, RabbitMqArgument>;
}

export interface RabbitMqExchangeOptions {
  /** @default "direct" */
  readonly type?: RabbitMqExchangeType;
  /** @default true */
  readonly durable?: boolean;
  /** @default false */
  readonly autoDelete?: boolean;
  /**
   * An internal exchange takes messages only from other exchanges.
   * @default false
   */
  readonly internal?: boolean;
}

export interface RabbitMqPolicyOptions {
  /** Regular expression on queue or exchange names. */
  readonly pattern: string;
  /** The policy's keys, e.g. `{ "max-length": 10000 }`. */
  readonly definition: Record<string, RabbitMqArgument | string[]>;
  /** @default "queues" */
  readonly applyTo?: "queues" | "exchanges" | "all";
  /** @default 0 */
  readonly priority?: number;
}

/** Exchanges every vhost has without declaring them. */
export const PREDEFINED_EXCHANGES = ["amq.direct", "amq.fanout", "amq.topic", "amq.headers", "amq.match"];

interface QueueDecl {
  name: string;
  durable: boolean;
  arguments: Record<string, RabbitMqArgument>;
}
interface ExchangeDecl {
  name: string;
  type: RabbitMqExchangeType;
  durable: boolean;
  autoDelete: boolean;
  internal: boolean;
}
interface BindingDecl {
  source: string;
  destination: string;
  routingKey: string;
}
interface PolicyDecl {
  name: string;
  pattern: string;
  applyTo: string;
  definition: Record<string, unknown>;
  priority: number;
}

/**
 * Queues, exchanges, bindings and policies of one vhost, checked as they
 * are declared: a reference must name something declared before it.
 */
export class RabbitMqTopology {
  private readonly queues = new Map<string, QueueDecl>();
  private readonly exchanges = new Map<string, ExchangeDecl>();
  private readonly bindings: BindingDecl[] = [];
  private readonly policies = new Map<string, PolicyDecl>();

  constructor(private readonly scope: IConstruct) {}

  public hasQueue(name: string): boolean {
    return this.queues.has(name);
  }

  /** A declared or predefined exchange, or `""` (the default exchange). */
  public hasExchange(name: string): boolean {
    return name === "" || this.exchanges.has(name) || PREDEFINED_EXCHANGES.includes(name);
  }

  public get queueNames(): string[] {
    return [...this.queues.keys()];
  }

  public addQueue(name: string, options: RabbitMqQueueOptions = {}): void {
    checkEntityName(this.scope, "queue", name);
    if (this.queues.has(name)) {
      reject(this.scope, "queue declared twice", name, "declare each queue once (addQueue) and reuse its name");
    }
    const type = options.type ?? "quorum";
    if (type !== "classic" && type !== "quorum") {
      reject(this.scope, `queue "${name}": type must be "classic" or "quorum"`, type, 'use "classic" or "quorum"');
    }
    const durable = options.durable ?? true;
    if (type === "quorum" && !durable) {
      reject(this.scope, `queue "${name}": quorum queues are always durable`, options.durable, 'remove `durable: false` or use type "classic"');
    }
    if (options.deliveryLimit !== undefined && type !== "quorum") {
      reject(this.scope, `queue "${name}": deliveryLimit applies to quorum queues only`, type, 'use type "quorum" or remove deliveryLimit');
    }
    const args: Record<string, RabbitMqArgument> = { "x-queue-type": type };
    if (options.deadLetterQueue !== undefined) {
      if (options.deadLetterExchange !== undefined || options.deadLetterRoutingKey !== undefined) {
        reject(
          this.scope,
          `queue "${name}": deadLetterQueue excludes deadLetterExchange and deadLetterRoutingKey`,
          options,
          "give either deadLetterQueue, or deadLetterExchange (+ deadLetterRoutingKey)",
        );
      }
      if (!this.queues.has(options.deadLetterQueue)) {
        reject(
          this.scope,
          `queue "${name}": its dead-letter queue does not exist`,
          options.deadLetterQueue,
          `declare the dead-letter queue with addQueue("${options.deadLetterQueue}") before "${name}"`,
        );
      }
      args["x-dead-letter-exchange"] = "";
      args["x-dead-letter-routing-key"] = options.deadLetterQueue;
    } else if (options.deadLetterExchange !== undefined) {
      if (options.deadLetterExchange === "" && options.deadLetterRoutingKey === undefined) {
        reject(
          this.scope,
          `queue "${name}": dead-lettering to the default exchange needs a routing key (else messages return to "${name}")`,
          options.deadLetterExchange,
          "use deadLetterQueue, or set deadLetterRoutingKey to the target queue",
        );
      }
      if (!this.hasExchange(options.deadLetterExchange)) {
        reject(
          this.scope,
          `queue "${name}": its dead-letter exchange does not exist`,
          options.deadLetterExchange,
          `declare it with addExchange("${options.deadLetterExchange}") before "${name}"`,
        );
      }
      if (options.deadLetterExchange === "" && !this.queues.has(options.deadLetterRoutingKey!)) {
        reject(
          this.scope,
          `queue "${name}": its dead-letter routing key names no declared queue`,
          options.deadLetterRoutingKey,
          "declare the dead-letter queue first",
        );
      }
      args["x-dead-letter-exchange"] = options.deadLetterExchange;
      if (options.deadLetterRoutingKey !== undefined) args["x-dead-letter-routing-key"] = options.deadLetterRoutingKey;
    } else if (options.deadLetterRoutingKey !== undefined) {
      reject(this.scope, `queue "${name}": deadLetterRoutingKey needs deadLetterExchange`, options.deadLetterRoutingKey, "set deadLetterExchange too, or use deadLetterQueue");
    }
    checkNonNegative(this.scope, `queue "${name}": messageTtlMs`, options.messageTtlMs);
    checkNonNegative(this.scope, `queue "${name}": maxLength`, options.maxLength);
    checkNonNegative(this.scope, `queue "${name}": deliveryLimit`, options.deliveryLimit);
    if (options.messageTtlMs !== undefined) args["x-message-ttl"] = options.messageTtlMs;
    if (options.maxLength !== undefined) args["x-max-length"] = options.maxLength;
    if (options.deliveryLimit !== undefined) args["x-delivery-limit"] = options.deliveryLimit;
    for (const [key, value] of Object.entries(options.arguments ?? {})) {
      if (key in args) {
        reject(this.scope, `queue "${name}": argument ${key} is set by a typed option`, key, "use the typed option (type, deadLetter*, messageTtlMs, maxLength, deliveryLimit)");
      }
      args[key] = value;
    }
    this.queues.set(name, { name, durable, arguments: args });
  }

  public addExchange(name: string, options: RabbitMqExchangeOptions = {}): void {
    checkEntityName(this.scope, "exchange", name);
    if (this.exchanges.has(name)) {
      reject(this.scope, "exchange declared twice", name, "declare each exchange once (addExchange)");
    }
    const type = options.type ?? "direct";
    if (!["direct", "fanout", "topic", "headers"].includes(type)) {
      reject(this.scope, `exchange "${name}": unknown type`, type, 'use "direct", "fanout", "topic" or "headers"');
    }
    this.exchanges.set(name, {
      name,
      type,
      durable: options.durable ?? true,
      autoDelete: options.autoDelete ?? false,
      internal: options.internal ?? false,
    });
  }

  public bindQueue(queue: string, exchange: string, routingKey = ""): void {
    if (exchange === "") {
      reject(this.scope, `binding of queue "${queue}": the default exchange cannot be bound`, exchange, "bind to a declared exchange; the default exchange already routes by queue name");
    }
    if (!this.hasExchange(exchange)) {
      reject(this.scope, `binding of queue "${queue}": undeclared exchange`, exchange, `declare it with addExchange("${exchange}") before binding`);
    }
    if (!this.queues.has(queue)) {
      reject(this.scope, `binding to exchange "${exchange}": undeclared queue`, queue, `declare it with addQueue("${queue}") before binding`);
    }
    if (this.bindings.some((b) => b.source === exchange && b.destination === queue && b.routingKey === routingKey)) {
      reject(this.scope, `binding declared twice (exchange "${exchange}" -> queue "${queue}")`, routingKey, "declare each binding once");
    }
    this.bindings.push({ source: exchange, destination: queue, routingKey });
  }

  public addPolicy(name: string, options: RabbitMqPolicyOptions): void {
    if (!name) reject(this.scope, "policy name is empty", name, "name the policy");
    if (this.policies.has(name)) {
      reject(this.scope, "policy declared twice", name, "declare each policy once (addPolicy)");
    }
    try {
      new RegExp(options.pattern);
    } catch {
      reject(this.scope, `policy "${name}": pattern is not a regular expression`, options.pattern, "fix the pattern");
    }
    const applyTo = options.applyTo ?? "queues";
    if (!["queues", "exchanges", "all"].includes(applyTo)) {
      reject(this.scope, `policy "${name}": unknown applyTo`, applyTo, 'use "queues", "exchanges" or "all"');
    }
    if (Object.keys(options.definition).length === 0) {
      reject(this.scope, `policy "${name}": empty definition`, options.definition, 'give at least one key, e.g. { "max-length": 10000 }');
    }
    this.policies.set(name, {
      name,
      pattern: options.pattern,
      applyTo,
      definition: { ...options.definition },
      priority: options.priority ?? 0,
    });
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
}

function checkEntityName(scope: IConstruct, kind: string, name: string): void {
  if (isToken(name)) {
    reject(scope, `${kind} names are written into definitions.json at synth and cannot be Tokens`, name, "use a literal name");
  }
  if (typeof name !== "string" || name.length === 0 || Buffer.byteLength(name) > 255) {
    reject(scope, `${kind} name must be 1-255 bytes`, name, `give the ${kind} a non-empty name`);
  }
  if (name.startsWith("amq.")) {
    reject(scope, `${kind} names starting with "amq." are reserved by RabbitMQ`, name, "choose another name");
  }
}

function checkNonNegative(scope: IConstruct, field: string, value: number | undefined): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < 0) reject(scope, `${field} must be an integer >= 0`, value, "use a whole number");
}
