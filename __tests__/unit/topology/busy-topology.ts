/**
 * A made-up topology busier than any example stack, for the picture's
 * layout: fan-in and fan-out, bindings to several queues, dead letters to a
 * queue and to an exchange, a hop that points back, an app that both sends
 * and receives, one wired to nothing, a port on every interface, a broker
 * kind that says nothing of its entities, containers of no broker or app,
 * and long names.
 */
import type { TopologyDescription } from "../../../constructs/topology/topology-description";

const port = (hostPort: number, containerPort: number, hostIp = "127.0.0.1") => ({ hostIp, hostPort, containerPort, protocol: "tcp" });
const app = (name: string, wirings: any[], extra: Record<string, unknown> = {}) => ({
  name,
  path: `busy/${name}`,
  replicas: 1,
  containers: [`${name}-1`],
  image: { name: `${name}:0123456789ab`, source: "build" },
  ports: [],
  networks: ["shop"],
  wirings,
  ...extra,
});
const publish = (broker: string, entityKind: string, entityName: string, routingKey?: string) => ({
  broker,
  role: `publisher to ${entityKind} "${entityName}"`,
  direction: "publish",
  entityKind,
  entityName,
  ...(routingKey !== undefined ? { routingKey } : {}),
});
const consume = (broker: string, entityKind: string, entityName: string, groupId?: string) => ({
  broker,
  role: `consumer of ${entityKind} "${entityName}"`,
  direction: "consume",
  entityKind,
  entityName,
  ...(groupId !== undefined ? { groupId } : {}),
});

// A broker's entities and links, as the RabbitMQ and Kafka kinds describe them.
const exchange = (name: string, type: string, predefined = false) => ({
  kind: "exchange",
  name,
  summary: [type, predefined ? "predefined" : ""].filter(Boolean).join(", "),
  properties: { type, internal: false, predefined },
});
const queue = (name: string, type: string, durable = true) => ({
  kind: "queue",
  name,
  summary: type === "classic" && !durable ? "classic, transient" : type,
  properties: { type, durable },
});
const topic = (name: string, partitions: number, replicationFactor: number) => ({
  kind: "topic",
  name,
  summary: `${partitions} partition${partitions === 1 ? "" : "s"} × RF ${replicationFactor}`,
  properties: { partitions, replicationFactor },
});
const binding = (from: string, to: string, key: string) => ({
  kind: "binding",
  from: { kind: "exchange", name: from },
  to: { kind: "queue", name: to },
  ...(key !== "" ? { label: key } : {}),
  dashed: false,
});
const deadLetter = (from: string, to: { queue: string } | { exchange: string }, key?: string) => ({
  kind: "dead-letter",
  from: { kind: "queue", name: from },
  to: "queue" in to ? { kind: "queue", name: to.queue } : { kind: "exchange", name: to.exchange },
  label: key !== undefined ? `dead letters, key ${key}` : "dead letters",
  dashed: true,
});
const KAFKA = { title: "Kafka", portNames: { "9094": "Kafka" }, links: [] };
const RABBITMQ = { title: "RabbitMQ", portNames: { "5671": "AMQPS", "5672": "AMQP", "15672": "management UI" } };

export const BUSY_TOPOLOGY: TopologyDescription = {
  formatVersion: 2,
  stack: "busy",
  brokers: [
    {
      name: "events-kafka-with-a-rather-long-name",
      kind: "kafka",
      path: "busy/kafka",
      network: "shop",
      nodes: [1, 2, 3].map((i) => ({
        index: i,
        name: `events-kafka-with-a-rather-long-name-${i}`,
        ports: [port(39091 + i, 9094)],
        networks: ["shop"],
      })),
      ...KAFKA,
      entities: [topic("clicks", 6, 3), topic("a.very.long.topic.name.that.goes.on.and.on", 1, 3), topic("unused", 2, 2)],
    },
    {
      name: "nats",
      kind: "nats",
      path: "busy/nats",
      network: "shop",
      title: "nats",
      nodes: [{ index: 1, name: "nats", ports: [], networks: ["shop"] }],
      portNames: {},
      entities: [],
      links: [],
    },
    {
      name: "shop-mq",
      kind: "rabbitmq",
      path: "busy/shop-mq",
      network: "shop",
      nodes: [{ index: 1, name: "shop-mq", ports: [port(5672, 5672), port(15672, 15672)], networks: ["shop"] }],
      ...RABBITMQ,
      entities: [
        exchange("amq.fanout", "fanout", true),
        exchange("notifications", "fanout"),
        exchange("payments", "topic"),
        queue("audit", "stream"),
        queue("mail", "classic", false),
        queue("payments.eu", "quorum"),
        queue("payments.failed", "quorum"),
        queue("payments.us", "quorum"),
        queue("retry", "quorum"),
      ],
      links: [
        binding("amq.fanout", "retry", ""),
        binding("notifications", "audit", ""),
        binding("notifications", "mail", ""),
        binding("payments", "audit", "#"),
        binding("payments", "payments.eu", "payment.eu.*"),
        binding("payments", "payments.us", "payment.us.*"),
        deadLetter("mail", { exchange: "amq.fanout" }, "mail.retry"),
        deadLetter("payments.eu", { queue: "payments.failed" }),
        deadLetter("payments.us", { queue: "payments.failed" }),
        deadLetter("retry", { exchange: "amq.fanout" }),
      ],
    },
  ],
  apps: [
    app("auditor", [consume("shop-mq", "queue", "audit")]),
    app("clicks-reader", [consume("events-kafka-with-a-rather-long-name", "topic", "clicks", "clicks")], {
      replicas: 3,
      containers: ["clicks-reader-1", "clicks-reader-2", "clicks-reader-3"],
    }),
    app("failure-handler", [
      consume("shop-mq", "queue", "payments.failed"),
      publish("shop-mq", "exchange", "notifications", "payment.failed"),
    ]),
    app(
      "gateway",
      [
        publish("shop-mq", "exchange", "payments", "payment.eu.created"),
        publish("events-kafka-with-a-rather-long-name", "topic", "clicks"),
      ],
      {
        ports: [port(8080, 80, "0.0.0.0")],
      },
    ),
    app("idle", []),
    app("legacy", [{ broker: "nats", role: "subscriber of nats" }]),
    app("long-topic-writer", [publish("events-kafka-with-a-rather-long-name", "topic", "a.very.long.topic.name.that.goes.on.and.on")]),
    app("mailer", [consume("shop-mq", "queue", "mail")]),
    app("worker-eu", [consume("shop-mq", "queue", "payments.eu")], { replicas: 2, containers: ["worker-eu-1", "worker-eu-2"] }),
    app("worker-us", [consume("shop-mq", "queue", "payments.us")]),
  ] as any,
  components: [
    { name: "grafana", component: "grafana", path: "busy/grafana", oneShot: false, ports: [port(3000, 3000)], networks: ["shop"] },
    {
      name: "prometheus",
      component: "prometheus",
      path: "busy/observability/prometheus",
      oneShot: false,
      ports: [port(9090, 9090)],
      networks: ["shop"],
    },
    {
      name: "shop-mq-setup",
      component: "rabbitmq-setup",
      path: "busy/shop-mq/setup",
      owner: "shop-mq",
      oneShot: true,
      ports: [],
      networks: ["shop"],
    },
  ],
  networks: [{ name: "shop", internal: false, containers: ["auditor-1", "gateway-1", "grafana", "prometheus", "shop-mq"] }],
};
