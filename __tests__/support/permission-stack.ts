/**
 * A RabbitMQ broker with one app in each publishing and consuming role, for
 * the e2e probe of docs/access-and-tls.md's table "What each RabbitMQ app can
 * and cannot do": the probe connects as each app's own user and tries every
 * line of it.
 *
 * - queue `orders` (bound to the topic exchange `events` with `orders.*`),
 *   queue `audit` (bound to `events` with `#` and to the direct exchange
 *   `commands` with `audit`);
 * - `<prefix>-topic-producer`: `events`, routing key `orders.created`;
 * - `<prefix>-direct-producer`: `commands`, routing key `audit`;
 * - `<prefix>-queue-producer`: the queue `orders` (the default exchange);
 * - `<prefix>-consumer`: the queue `orders`.
 */
import { TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { addMessagingAspects, AppContainer, AppEnv, DockerHost, HealthCheck, Network, RabbitMqBroker, ShippedApps } from "../../constructs";

export interface PermissionStackOptions {
  /** Prefix of every Docker name. */
  readonly prefix: string;
  /** AMQP on 127.0.0.1:<port>, for the probes. */
  readonly amqpHostPort: number;
  /** Messages each producer sends. */
  readonly messages: number;
}

/** The routing key the topic producer is granted. */
export const TOPIC_PRODUCER_KEY = "orders.created";

export function buildPermissionStack(scope: Construct, id: string, options: PermissionStackOptions): TerraformStack {
  const { prefix } = options;
  const stack = new TerraformStack(scope, id);
  new DockerHost(stack, "docker");
  addMessagingAspects(stack, { labels: { "cdktf-docker-messaging.example": "permissions" } });
  const network = new Network(stack, "network", { name: prefix });
  const rabbit = new RabbitMqBroker(stack, "rabbitmq", {
    network,
    name: `${prefix}-rabbitmq`,
    amqpHostPort: options.amqpHostPort,
    dataRemovalPolicy: "destroy",
  });
  const orders = rabbit.addQueue("orders", { type: "classic" });
  const audit = rabbit.addQueue("audit", { type: "classic" });
  const events = rabbit.addExchange("events", { type: "topic" });
  const commands = rabbit.addExchange("commands", { type: "direct" });
  orders.bindTo(events, { routingKey: "orders.*" });
  audit.bindTo(events, { routingKey: "#" }).bindTo(commands, { routingKey: "audit" });

  // Images named for this stack: the e2e suite applies it beside examples that build the same
  // apps, and two builds of one name and tag at once leave one stack's containers on an image
  // id the tag no longer names (its next plan replaces them; measured).
  const health = HealthCheck.exec(["test", "-f", "/tmp/app-healthy"], { intervalSeconds: 5, startPeriodSeconds: 5 });
  const producer = (name: string) =>
    new AppContainer(stack, name, {
      name: `${prefix}-${name}`,
      image: ShippedApps.rabbitmqProducer({ name: `${prefix}-rabbitmq-producer` }),
      environment: { [AppEnv.PRODUCER_COUNT]: String(options.messages), [AppEnv.PRODUCER_RATE]: "50" },
      memoryMb: 128,
      healthCheck: health,
      metrics: { enabled: false },
    });
  events.grantPublish(producer("topic-producer"), { routingKey: TOPIC_PRODUCER_KEY });
  commands.grantPublish(producer("direct-producer"), { routingKey: "audit" });
  orders.grantPublish(producer("queue-producer"));
  const consumer = new AppContainer(stack, "consumer", {
    name: `${prefix}-consumer`,
    image: ShippedApps.rabbitmqConsumer({ name: `${prefix}-rabbitmq-consumer` }),
    memoryMb: 128,
    healthCheck: health,
    metrics: { enabled: false },
  });
  orders.grantConsume(consumer);
  return stack;
}
