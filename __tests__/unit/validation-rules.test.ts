/**
 * Every remaining rule of the constructs' rule tables, one "rejects" test
 * each (the main rules have their own tests next to their construct).
 * Each error names the construct path, the value and the fix.
 */
import {
  AppContainer,
  ContainerImage,
  HealthCheck,
  KafkaBroker,
  Network,
  RabbitMqBroker,
} from "../../constructs";
import { newStack } from "./helpers";

const image = ContainerImage.fromRegistry("busybox:1.36");

function rabbit(props: Partial<ConstructorParameters<typeof RabbitMqBroker>[2]> = {}) {
  const stack = newStack();
  return new RabbitMqBroker(stack, "rabbitmq", { network: new Network(stack, "net"), ...props });
}
function kafka(props: Partial<ConstructorParameters<typeof KafkaBroker>[2]> = {}) {
  const stack = newStack();
  return new KafkaBroker(stack, "kafka", { network: new Network(stack, "net"), ...props });
}
function app(props: Partial<ConstructorParameters<typeof AppContainer>[2]> = {}) {
  return new AppContainer(newStack(), "app", { image, ...props });
}

const cases: [string, () => unknown, RegExp][] = [
  // RabbitMQ broker props
  ["rejects an empty vhost", () => rabbit({ vhost: "" }), /test\/rabbitmq: vhost must be a non-empty literal/],
  ["rejects an unknown data removal policy", () => rabbit({ dataRemovalPolicy: "keep" as any }), /dataRemovalPolicy is unknown, got "keep"\. Fix: use "retain" or "destroy"/],
  ["rejects a negative stop grace period", () => rabbit({ stopGracePeriodSeconds: -1 }), /stopGracePeriodSeconds must be an integer >= 0, got -1/],
  ["rejects a zero start timeout", () => rabbit({ startTimeoutSeconds: 0 }), /startTimeoutSeconds must be an integer >= 1, got 0/],
  // RabbitMQ topology
  ["rejects deliveryLimit on a classic queue", () => rabbit().addQueue("q", { type: "classic", deliveryLimit: 3 }), /deliveryLimit applies to quorum queues only/],
  ["rejects an unknown queue type", () => rabbit().addQueue("q", { type: "stream" as any }), /type must be "classic" or "quorum", got "stream"/],
  [
    "rejects deadLetterQueue together with deadLetterExchange",
    () => rabbit().addQueue("dlq").addQueue("q", { deadLetterQueue: "dlq", deadLetterExchange: "amq.direct" }),
    /deadLetterQueue excludes deadLetterExchange/,
  ],
  ["rejects dead-lettering to the default exchange without a routing key", () => rabbit().addQueue("q", { deadLetterExchange: "" }), /needs a routing key/],
  [
    "rejects dead-lettering through the default exchange to an undeclared queue",
    () => rabbit().addQueue("q", { deadLetterExchange: "", deadLetterRoutingKey: "missing" }),
    /its dead-letter routing key names no declared queue, got "missing"/,
  ],
  ["rejects deadLetterRoutingKey without deadLetterExchange", () => rabbit().addQueue("q", { deadLetterRoutingKey: "x" }), /deadLetterRoutingKey needs deadLetterExchange/],
  ["rejects an argument that a typed option sets", () => rabbit().addQueue("q", { arguments: { "x-queue-type": "classic" } }), /argument x-queue-type is set by a typed option/],
  ["rejects a negative message TTL", () => rabbit().addQueue("q", { messageTtlMs: -5 }), /messageTtlMs must be an integer >= 0, got -5/],
  ["rejects an empty queue name", () => rabbit().addQueue(""), /queue name must be 1-255 bytes/],
  ["rejects an unknown exchange type", () => rabbit().addExchange("e", { type: "x-delayed" as any }), /exchange "e": unknown type/],
  ["rejects binding to the default exchange", () => rabbit().addQueue("q").bindQueue("q", ""), /the default exchange cannot be bound/],
  [
    "rejects a binding declared twice",
    () => rabbit().addQueue("q").addExchange("e").bindQueue("q", "e", "k").bindQueue("q", "e", "k"),
    /binding declared twice/,
  ],
  ["rejects a policy pattern that is not a regular expression", () => rabbit().addPolicy("p", { pattern: "(", definition: { a: 1 } }), /pattern is not a regular expression/],
  ["rejects a policy with an unknown applyTo", () => rabbit().addPolicy("p", { pattern: ".", applyTo: "users" as any, definition: { a: 1 } }), /unknown applyTo/],
  ["rejects a policy with an empty definition", () => rabbit().addPolicy("p", { pattern: ".", definition: {} }), /empty definition/],
  [
    "rejects connecting to an undeclared exchange",
    () => {
      const r = rabbit();
      r.connect(new AppContainer(r, "app", { image }), { exchange: "nope" });
    },
    /the exchange is not declared on this broker, got "nope"/,
  ],
  // Kafka
  ["rejects an invalid server property name", () => kafka({ serverProperties: { "Log Retention": 1 } }), /serverProperties has an invalid property name/],
  ["rejects defaultPartitions < 1", () => kafka({ defaultPartitions: 0 }), /defaultPartitions must be an integer >= 1, got 0/],
  ["rejects an invalid topic config name", () => kafka().addTopic("t", { configs: { "Retention MS": 1 } }), /topic "t": invalid config name/],
  [
    "rejects min.insync.replicas above the replication factor",
    () => kafka().addTopic("t", { configs: { "min.insync.replicas": 2 } }),
    /min.insync.replicas is above the replication factor/,
  ],
  ["rejects a replication factor < 1", () => kafka().addTopic("t", { replicationFactor: 0 }), /replicationFactor must be an integer >= 1, got 0/],
  // Apps
  ["rejects app memory below Docker's minimum", () => app({ memoryMb: 4 }), /test\/app: memoryMb must be an integer >= 6, got 4/],
  ["rejects an invalid environment variable name", () => app({ environment: { "1BAD": "x" } }), /invalid variable name, got "1BAD"/],
  ["rejects a non-string environment value", () => app({ environment: { COUNT: 5 as any } }), /environment.COUNT must be a string, got 5/],
  ["rejects published ports with several replicas", () => app({ replicas: 2, ports: [{ containerPort: 80, hostPort: 8080 }] }), /ports cannot be published by more than one replica/],
  ["rejects a healthcheck interval of 0", () => app({ healthCheck: HealthCheck.exec(["true"], { intervalSeconds: 0 }) }), /healthCheck.intervalSeconds must be an integer >= 1, got 0/],
  ["rejects a negative app stop grace period", () => app({ stopGracePeriodSeconds: -1 }), /stopGracePeriodSeconds must be an integer >= 0/],
  // Images
  [
    "rejects a construct named images at the stack root",
    () => {
      const stack = newStack();
      new Network(stack, "images");
      new AppContainer(stack, "app", { image });
    },
    /the construct id "images" is reserved for container images/,
  ],
];

describe("validation rules", () => {
  test.each(cases)("%s", (_name, act, message) => {
    expect(act).toThrow(message);
    expect(act).toThrow(/Fix: /);
  });

  test("every rule test is named 'rejects ...'", () => {
    for (const [name] of cases) expect(name).toMatch(/^rejects /);
  });
});
