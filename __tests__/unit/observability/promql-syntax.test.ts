/**
 * The synth-time PromQL and template check of alert rules: what Prometheus
 * would refuse at start (stopping it, so the deploy waits in vain) is a
 * synth error that says where; the default rules and common valid forms pass.
 */
import { defaultAlertRules } from "../../../constructs/observability/alert-rules";
import { alertTemplateProblem, promqlProblem } from "../../../constructs/observability/promql-syntax";
import { Prometheus } from "../../../constructs";
import { problemMessages } from "../helpers";

test.each(defaultAlertRules(15).map((r) => [r.name, r]))("the default rule %s passes", (_, rule) => {
  expect(promqlProblem(rule.expression)).toBeUndefined();
  expect(alertTemplateProblem(rule.summary)).toBeUndefined();
});

test.each([
  'sum by (queue) (rate(rabbitmq_detailed_queue_messages_published_total{vhost="/"}[5m])) > 0',
  "histogram_quantile(0.99, sum by (le) (rate(messaging_app_latency_seconds_bucket[1m])))",
  'max_over_time(up[10m:1m]) == 0 or absent(up{job=~"kafka.*"})',
  "x * on(instance) group_left(app) y offset 5m",
  "-1 * job:errors:rate5m > bool 0.5",
])("accepts %s", (expression) => {
  expect(promqlProblem(expression)).toBeUndefined();
});

test.each<[string, RegExp]>([
  ["sum(rate(x[5m])", /"\(" at 4 is never closed/],
  ['up{job="kafka"]', /"\{" at 3 is closed by "\]"/],
  ['up{job="kafka}', /string starting at 8 is never closed/],
  ["up{job=kafka}", /the label matcher "job=" at 4 needs a quoted value/],
  ['up{job "kafka"}', /the label matcher "job" at 4 needs =, !=, =~ or !~/],
  ["rte(x[5m]) > 0", /"rte" at 1 is not a PromQL function \(did you mean rate\?\)/],
  ["up ==", /"==" at 4 has no right operand/],
  ["rate(x[5x])", /"5x" at 8 is not a duration/],
  ["", /the expression is empty/],
  ["up = 0", /"=" at 4 is not a PromQL operator \(compare with ==\)/],
  ['up =~ "1"', /"=~" at 4 is not a PromQL operator outside a label matcher/],
  ["rate(x[5m]) != 0 and y ! 1", /"!" at 24 is not part of PromQL/],
])("refuses %s", (expression, problem) => {
  expect(promqlProblem(expression)).toMatch(problem);
});

test.each<[string, RegExp]>([
  ["node {{ $labels.node is down", /"\{\{" at 6 is never closed/],
  ["node {{ $lables.node }} is down", /\$lables is not a variable of alert templates/],
])("refuses the summary %s", (summary, problem) => {
  expect(alertTemplateProblem(summary)).toMatch(problem);
});

test("a Prometheus with a broken rule is a synth error naming the rule and where", () => {
  expect(
    problemMessages(
      (s) =>
        new Prometheus(s, "prometheus", {
          alertRules: [
            {
              name: "OrdersBacklog",
              expression: 'sum(rabbitmq_queue_messages_ready{queue="orders"} > 1000',
              summary: "backlog {{ $value }}",
            },
          ],
        }),
    ),
  ).toEqual([
    expect.stringMatching(/alertRules\[0\]\.expression is not valid PromQL: "\(" at 4 is never closed.*Fix: correct the expression/),
  ]);
});
