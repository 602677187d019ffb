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

export const BUSY_TOPOLOGY: TopologyDescription = {
  formatVersion: 1,
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
      exchanges: [],
      queues: [],
      bindings: [],
      deadLetters: [],
      topics: [
        { name: "clicks", partitions: 6, replicationFactor: 3 },
        { name: "a.very.long.topic.name.that.goes.on.and.on", partitions: 1, replicationFactor: 3 },
        { name: "unused", partitions: 2, replicationFactor: 2 },
      ],
    },
    {
      name: "nats",
      kind: "nats",
      path: "busy/nats",
      network: "shop",
      nodes: [{ index: 1, name: "nats", ports: [], networks: ["shop"] }],
      exchanges: [],
      queues: [],
      bindings: [],
      deadLetters: [],
      topics: [],
    },
    {
      name: "shop-mq",
      kind: "rabbitmq",
      path: "busy/shop-mq",
      network: "shop",
      nodes: [{ index: 1, name: "shop-mq", ports: [port(5672, 5672), port(15672, 15672)], networks: ["shop"] }],
      exchanges: [
        { name: "amq.fanout", type: "fanout", internal: false, predefined: true },
        { name: "notifications", type: "fanout", internal: false, predefined: false },
        { name: "payments", type: "topic", internal: false, predefined: false },
      ],
      queues: [
        { name: "audit", type: "stream", durable: true },
        { name: "mail", type: "classic", durable: false },
        { name: "payments.eu", type: "quorum", durable: true },
        { name: "payments.failed", type: "quorum", durable: true },
        { name: "payments.us", type: "quorum", durable: true },
        { name: "retry", type: "quorum", durable: true },
      ],
      bindings: [
        { exchange: "amq.fanout", queue: "retry", routingKey: "" },
        { exchange: "notifications", queue: "audit", routingKey: "" },
        { exchange: "notifications", queue: "mail", routingKey: "" },
        { exchange: "payments", queue: "audit", routingKey: "#" },
        { exchange: "payments", queue: "payments.eu", routingKey: "payment.eu.*" },
        { exchange: "payments", queue: "payments.us", routingKey: "payment.us.*" },
      ],
      deadLetters: [
        { queue: "mail", toExchange: "amq.fanout", routingKey: "mail.retry" },
        { queue: "payments.eu", toQueue: "payments.failed" },
        { queue: "payments.us", toQueue: "payments.failed" },
        { queue: "retry", toExchange: "amq.fanout" },
      ],
      topics: [],
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
