/**
 * When a RabbitMQ node counts as healthy (the healthcheck deploy waits on)
 * and when the cluster can lose it (the check before a rolling replace).
 */
import { HealthCheck } from "../../apps/health-check";

/**
 * Healthy = accepting connections and, in a cluster, running inside a
 * cluster whose running nodes are all N, so `apply` returns once the
 * cluster is whole (while a node is down, the others report unhealthy).
 */
export function rabbitMqHealthCheck(nodeCount: number): HealthCheck {
  const timing = { intervalSeconds: 10, timeoutSeconds: 15, retries: 10, startPeriodSeconds: 20 };
  // Not `ping`: it answers as soon as the Erlang node is up, before the
  // rabbit app has booted (measured on the local 4.0 image, on a busy
  // 2-core host: ping ok at 10.3 s, the rabbit app starting at 10.4 s, the
  // AMQP listener up at 13.9 s after the definitions and quorum queues,
  // "Server startup complete" at 14.0 s), so apps "started after a
  // healthy broker" would meet a refused connection.
  if (nodeCount === 1) return HealthCheck.exec(["rabbitmq-diagnostics", "-q", "check_port_connectivity"], timing);
  return HealthCheck.shell(clusterWholeCommand(nodeCount), timing);
}

/** Exits 0 when this node accepts connections and the cluster's running nodes are all N. */
function clusterWholeCommand(nodeCount: number): string {
  return `rabbitmq-diagnostics -q check_port_connectivity && [ "$(rabbitmq-diagnostics -q cluster_status --formatter json | tr -d ' \n' | grep -o '"running_nodes":\\[[^]]*\\]' | grep -o '"rabbit@' | wc -l)" -eq ${nodeCount} ]`;
}

/**
 * The cluster can lose this node now: the cluster is whole (the
 * healthcheck) and no quorum queue would lose its majority without this
 * node (RabbitMQ's own pre-shutdown check for rolling upgrades).
 */
export function rabbitMqRollingCheck(nodeCount: number): string {
  return `${clusterWholeCommand(nodeCount)} && rabbitmq-queues -q check_if_node_is_quorum_critical`;
}
