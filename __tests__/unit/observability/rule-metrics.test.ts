/**
 * Alert rules against the metrics the stack's targets serve: a rule that
 * selects a metric nothing serves returns nothing, so its alert never fires
 * and nothing says so. A misspelt name, or one of a broker kind the stack
 * does not run, is a synth error with the nearest name; a name an image of
 * the user's may serve is accepted.
 */
import type { TerraformStack } from "cdktf";
import { AppContainer, ContainerImage, KafkaBroker, Network, Prometheus, RabbitMqBroker, ShippedApps } from "../../../constructs";
import { promqlMetricNames } from "../../../constructs/observability/promql-syntax";
import { problemMessages } from "../helpers";

test.each<[string, string[]]>([
  [
    'sum by (queue) (rate(rabbitmq_detailed_queue_messages_published_total{vhost="/"}[5m])) > 0',
    ["rabbitmq_detailed_queue_messages_published_total"],
  ],
  [
    "histogram_quantile(0.99, sum by (le) (rate(messaging_app_end_to_end_latency_seconds_bucket[1m])))",
    ["messaging_app_end_to_end_latency_seconds_bucket"],
  ],
  ['max_over_time(up[10m:1m]) == 0 or absent(up{job=~"kafka.*"})', ["up"]],
  ["x * on(instance) group_left(app) y offset 5m", ["x", "y"]],
  ["-1 * job:errors:rate5m > bool 0.5", ["job:errors:rate5m"]],
  ['{__name__="kafka_server_messages_in_total", node="1"}', ["kafka_server_messages_in_total"]],
  ["sum without (node) (a) / ignoring (x) b unless c", ["a", "b", "c"]],
  ["count(a) by (node) > Inf", ["a"]],
])("the metric names of %s", (expression, names) => {
  expect(promqlMetricNames(expression)).toEqual(names);
});

const rule = (expression: string) => ({ name: "Custom", expression, summary: "x" });
/** A RabbitMQ broker, the package's consumer, and a Prometheus with `expression` as its one rule of the user's. */
const rabbitStack = (expression: string, extra?: (s: TerraformStack, network: Network) => void) => (s: TerraformStack) => {
  const network = new Network(s, "net");
  new RabbitMqBroker(s, "rabbitmq", { network })
    .addQueue("q")
    .grantConsume(new AppContainer(s, "consumer", { image: ShippedApps.rabbitmqConsumer() }));
  extra?.(s, network);
  new Prometheus(s, "prometheus", { alertRules: [rule(expression)] });
};
const ownImageApp = (s: TerraformStack, network: Network) =>
  new AppContainer(s, "own", { image: ContainerImage.fromRegistry("example/orders:1.0"), networks: [network] });

describe("a rule's metric that no target serves", () => {
  test.each<[string, (s: TerraformStack) => void, RegExp]>([
    [
      "a misspelt RabbitMQ metric",
      rabbitStack("rabbitmq_queue_mesages_ready > 1000"),
      /alert rule "Custom": no target of this Prometheus serves the metric "rabbitmq_queue_mesages_ready", so the alert could never fire.*Fix: did you mean "rabbitmq_queue_messages_ready"\?/,
    ],
    [
      "a misspelt metric of the package's apps",
      rabbitStack("rate(messaging_app_messages_confirmd_total[5m]) == 0"),
      /serves the metric "messaging_app_messages_confirmd_total".*did you mean "messaging_app_messages_confirmed_total"\?/,
    ],
    ["a misspelt up", rabbitStack('upp{component="broker"} == 0'), /serves the metric "upp".*did you mean "up"\?/],
    [
      "a Kafka metric in a stack without Kafka",
      rabbitStack("kafka_server_offline_partitions > 0"),
      /serves the metric "kafka_server_offline_partitions".*Fix: correct the name, or scrape what serves it/,
    ],
    [
      "a near miss while an image of the user's is scraped too",
      rabbitStack("rabbitmq_queue_mesages_ready > 1000", ownImageApp),
      /did you mean "rabbitmq_queue_messages_ready"\?/,
    ],
    [
      "a misspelt JVM-family name's Kafka sibling",
      (s) => {
        new KafkaBroker(s, "kafka", { network: new Network(s, "net") });
        new Prometheus(s, "prometheus", { alertRules: [rule("kafka_server_under_replicated_partition > 0")] });
      },
      /did you mean "kafka_server_under_replicated_partitions"\?/,
    ],
  ])("is refused: %s", (_, build, message) => {
    expect(problemMessages(build)).toEqual([expect.stringMatching(message)]);
  });

  test.each<[string, (s: TerraformStack) => void]>([
    ["a RabbitMQ metric", rabbitStack('rabbitmq_detailed_queue_messages_ready{queue="q"} > 1000')],
    ["the apps' histogram series", rabbitStack("histogram_quantile(0.99, rate(messaging_app_end_to_end_latency_seconds_bucket[5m])) > 1")],
    ["Node's process metrics of the package's apps", rabbitStack("nodejs_heap_size_used_bytes > 2e8")],
    ["Prometheus's own series", rabbitStack("ALERTS > 0 or prometheus_rule_evaluation_failures_total > 0 or scrape_duration_seconds > 5")],
    ["a metric of the user's own image", rabbitStack("rate(orders_processed_total[5m]) == 0", ownImageApp)],
    [
      "the JVM's metrics of a Kafka node",
      (s) => {
        new KafkaBroker(s, "kafka", { network: new Network(s, "net") });
        new Prometheus(s, "prometheus", { alertRules: [rule("jvm_memory_used_bytes / jvm_memory_max_bytes > 0.9")] });
      },
    ],
  ])("is accepted: %s", (_, build) => {
    expect(problemMessages(build)).toEqual([]);
  });
});
