/**
 * The RabbitMQ cluster of the clusters example, seen through RabbitMQ's own
 * CLI run inside a node (what it reports is authoritative, with none of the
 * management API's statistics delay) and from the host through the AMQP
 * ports the nodes publish on 127.0.0.1 (amqplib).
 */
import { randomBytes } from "crypto";
import * as amqp from "amqplib";
import { run, waitFor, withTimeout } from "../support/commands";
import { consumerDistinct, STATS_INTERVAL_MS, type Consumed } from "./app-logs";
import { caCertificate, credentials, RABBIT_NODES } from "./cluster-stack";

export const QUEUE = "cluster.jobs";
export const HOST_AMQP_PORTS = [35672, 35673, 35674];

/** A node's container name from RabbitMQ's node name (`rabbit@<hostname>`). */
export const containerOf = (nodeName: string) => nodeName.replace(/^rabbit@/, "");

function onAnyNode(args: string[], nodes = RABBIT_NODES): string {
  let last: unknown;
  for (const node of nodes) {
    try {
      return run("docker", ["exec", node, ...args], { timeoutSeconds: 60 }).stdout;
    } catch (error) {
      last = error; // that node is down: ask the next
    }
  }
  throw new Error(`no RabbitMQ node answered ${args.join(" ")}: ${String(last)}`);
}

export interface QueueState {
  leader: string;
  members: string[];
  online: string[];
  messages: number;
  ready: number;
  unacked: number;
}

/** The quorum queue's leader, members, online members and message counts. */
export function queueState(nodes = RABBIT_NODES): QueueState {
  const rows = JSON.parse(
    onAnyNode(
      [
        "rabbitmqctl",
        "-q",
        "list_queues",
        "--formatter",
        "json",
        "name",
        "leader",
        "members",
        "online",
        "messages",
        "messages_ready",
        "messages_unacknowledged",
      ],
      nodes,
    ),
  ) as any[];
  const q = rows.find((r) => r.name === QUEUE);
  if (!q) throw new Error(`queue ${QUEUE} not found; queues: ${rows.map((r) => r.name).join(", ")}`);
  return {
    leader: q.leader,
    members: [...q.members].sort(),
    online: [...q.online].sort(),
    messages: q.messages,
    ready: q.messages_ready,
    unacked: q.messages_unacknowledged,
  };
}

/**
 * A quorum queue's message counts come from metrics its leader publishes
 * every `quorum_tick_interval` (5 s), not from the log itself: read right
 * after a change, they lag (seen: 639 ready reported, 788 in the queue).
 * This reads until two reads 6 s apart agree, with no traffic expected.
 */
export async function settledQueueState(nodes = RABBIT_NODES, timeoutSeconds = 90): Promise<QueueState> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let previous = queueState(nodes);
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 6000));
    const now = queueState(nodes);
    if (now.messages === previous.messages && now.ready === previous.ready && now.unacked === previous.unacked) return now;
    if (Date.now() > deadline)
      throw new Error(`${QUEUE}'s counts kept changing for ${timeoutSeconds} s: ${JSON.stringify(previous)} -> ${JSON.stringify(now)}`);
    previous = now;
  }
}

/** The nodes the cluster reports running. */
export function runningNodes(nodes = RABBIT_NODES): string[] {
  const status = JSON.parse(onAnyNode(["rabbitmq-diagnostics", "-q", "cluster_status", "--formatter", "json"], nodes));
  return [...status.running_nodes].sort();
}

let ca: string | undefined;
function rabbitCa(): string {
  ca ??= caCertificate("cluster-rabbitmq");
  return ca;
}

/** Outcome of a plaintext AMQP connection to a node's TLS port (refused, when TLS is on). */
export async function plaintextAmqp(port: number): Promise<string> {
  const password = credentials.TF_VAR_cluster_rabbitmq_admin_password;
  try {
    const connection = await amqp.connect(`amqp://admin:${encodeURIComponent(password)}@127.0.0.1:${port}/%2F`, { timeout: 5000 });
    await connection.close();
    return "connected";
  } catch (err) {
    return `refused: ${(err as Error).message}`;
  }
}

export const ALL_MEMBERS = RABBIT_NODES.map((n) => `rabbit@${n}`).sort();

/** Publishes (with confirms) and consumes a few messages through one node's host port, as the admin. */
export async function hostRoundTrip(port: number): Promise<string[]> {
  const password = credentials.TF_VAR_cluster_rabbitmq_admin_password;
  // AMQPS only, verified against the CA the stack exported.
  const connection = await amqp.connect(`amqps://admin:${encodeURIComponent(password)}@127.0.0.1:${port}/%2F`, { ca: [rabbitCa()] });
  try {
    const channel = await connection.createConfirmChannel();
    const { queue } = await channel.assertQueue(`e2e.host-check.${randomBytes(3).toString("hex")}`, { exclusive: true });
    const sent = Array.from({ length: 10 }, (_, i) => `host-check ${port} ${i}`);
    for (const body of sent) channel.sendToQueue(queue, Buffer.from(body), { persistent: true });
    await channel.waitForConfirms();
    const received: string[] = [];
    await withTimeout(
      new Promise<void>((resolve) => {
        void channel.consume(queue, (message) => {
          if (!message) return;
          received.push(message.content.toString());
          channel.ack(message);
          if (received.length >= sent.length) resolve();
        });
      }),
      30_000,
      `consuming through 127.0.0.1:${port}`,
    );
    return received;
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/**
 * With the producer stopped: waits until the queue is empty with nothing
 * unacknowledged (settled counts), then for the consumer's next `stats` line.
 */
export async function rabbitConsumerCaughtUp(consumer: string, nodes = RABBIT_NODES): Promise<Consumed> {
  await waitFor(
    `${QUEUE} drained (no message ready or unacknowledged)`,
    120,
    async () => ((await settledQueueState(nodes)).messages === 0 ? true : undefined),
    1000,
  );
  const at = Date.now();
  return waitFor(`a ${consumer} stats line after it caught up`, 3 * (STATS_INTERVAL_MS / 1000), () => consumerDistinct(consumer, at));
}
