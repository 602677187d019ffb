/**
 * One RabbitMQ throughput run, ours or PerfTest's, against a queue that
 * exists (bench/throughput.ts on the default stack's `orders`,
 * bench/cluster-throughput.ts on a 1-node and a 3-node broker):
 *
 * 1 KiB bodies, publisher confirms (at most 1000 unconfirmed), persistent
 * messages, consumer prefetch 50 with one ack per message; a producer and a
 * consumer at the same time:
 *   ours  apps/rabbitmq-producer + apps/rabbitmq-consumer (host processes)
 *   tool  RabbitMQ PerfTest on the host (-x 1 -y 1 --predeclared -u <queue>
 *         --confirm 1000 -f persistent -s 1024 -q 50 -C N -D N)
 * Both connect to the first node of the URL list (the apps start there and
 * move on only when it fails), so the two see the same network path.
 */
import * as os from "os";
import { join } from "path";
import type * as amqp from "amqplib";
import { AppEnv, ConnectionEnv } from "../../constructs/connection-env";
import { AppProcess } from "./apps";
import { commonEnv, MESSAGE_BYTES, num, producerEnv, statsAtDone, type Sample } from "./app-runs";
import { timeCommandAsync } from "./proc";

export const PREFETCH = 50;
export const MAX_UNCONFIRMED = 1000; // apps/rabbitmq-producer/src/publisher-session.ts
export const PERFTEST_HOME =
  process.env.PERFTEST_HOME ?? join(process.env.TOOLCHAIN_CACHE ?? join(os.homedir(), ".cache", "cdktf-docker-messaging"), "perf-test-2.22.1");

/** Where a run sends and how much. */
export interface RabbitMqRunTarget {
  /**
   * RABBITMQ_URL as our apps get it: one URL, or one per node,
   * comma-separated (what a cluster's `amqp_url` output holds).
   */
  readonly url: string;
  readonly queue: string;
  readonly messages: number;
  /** Scratch folder (the apps' health files). */
  readonly work: string;
}

/** The node the apps start on: PerfTest and the bench's own channel use it too. */
export function firstUrl(url: string): string {
  return url.split(",")[0]!.trim();
}

export async function queueDepth(ch: amqp.Channel, queue: string): Promise<number> {
  return (await ch.checkQueue(queue)).messageCount;
}

async function waitQueueEmpty(ch: amqp.Channel, queue: string, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await queueDepth(ch, queue)) === 0) return Date.now();
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`queue ${queue} not drained within ${timeoutMs / 1000} s`);
}

/**
 * Ours: the consumer started and connected, then the producer; the run ends
 * when the producer has exited and the queue is empty. `ch` is a channel on
 * the same broker (purge and depth polls).
 */
export async function rabbitOurs(target: RabbitMqRunTarget, ch: amqp.Channel): Promise<{ pair: Sample; producer: Sample; consumer: Sample }> {
  const { url, queue, messages: n, work } = target;
  await ch.purgeQueue(queue);
  // What queue.grantConsume and queue.grantPublish give the apps (publishing through the default exchange).
  const consumerEnv = { [ConnectionEnv.RABBITMQ_URL]: url, [ConnectionEnv.RABBITMQ_QUEUE]: queue };
  const publisherEnv = {
    [ConnectionEnv.RABBITMQ_URL]: url,
    [ConnectionEnv.RABBITMQ_EXCHANGE]: "",
    [ConnectionEnv.RABBITMQ_ROUTING_KEY]: queue,
  };
  const consumer = new AppProcess("rabbitmq-consumer", { ...commonEnv(work), ...consumerEnv, [AppEnv.CONSUMER_PREFETCH]: String(PREFETCH) });
  try {
    await consumer.event("connected", 30_000);
    const producer = new AppProcess("rabbitmq-producer", {
      ...commonEnv(work),
      ...publisherEnv,
      ...producerEnv("rabbitmq-producer", n),
    });
    const connected = await producer.event("connected", 30_000);
    const done = await producer.event("done", 300_000);
    const code = await producer.exited;
    if (code !== 0) throw new Error(`rabbitmq-producer exited ${code}\n${producer.tail()}`);
    const empty = await waitQueueEmpty(ch, queue, 300_000);
    await new Promise((r) => setTimeout(r, 300)); // the last prefetched messages
    await consumer.stop();
    const pStats = statsAtDone(producer, done);
    const cStats = consumer.lastStats();
    const acked = num(cStats, "acked");
    if (!(acked >= n)) throw new Error(`rabbitmq-consumer acked ${acked} of ${n}\n${consumer.tail()}`);
    const seconds = (empty - connected.at) / 1000;
    return {
      pair: { rate: n / seconds, p50: num(cStats, "latencyP50Ms"), p99: num(cStats, "latencyP99Ms"), seconds },
      producer: {
        rate: n / ((done.at - connected.at) / 1000),
        p50: num(pStats, "latencyP50Ms"),
        p99: num(pStats, "latencyP99Ms"),
      },
      consumer: { rate: n / seconds, duplicates: num(cStats, "duplicates"), acked },
    };
  } finally {
    await consumer.stop();
  }
}

/** Parses PerfTest's summary: `sending rate avg: 1234 msg/s`, `consumer latency min/median/75th/95th/99th 1/2/3/4/5 ms`. */
export function parsePerfTest(out: string): { send: number; receive: number; latency?: number[]; confirm?: number[] } {
  const rate = (what: string) => Number(new RegExp(`${what} rate avg: ([\\d.]+) msg/s`).exec(out)?.[1]);
  const lat = (what: string) => {
    const m = new RegExp(`${what} latency min/median/75th/95th/99th ([\\d./]+) (ms|µs)`).exec(out);
    if (!m) return undefined;
    const k = m[2] === "ms" ? 1 : 0.001;
    return m[1]!.split("/").map((v) => Number(v) * k);
  };
  return { send: rate("sending"), receive: rate("receiving"), latency: lat("consumer"), confirm: lat("confirm") };
}

/**
 * PerfTest, one producer and one consumer on the queue, on the first node of
 * the URL list. `queueLeft` is what it left in the queue (should be 0).
 */
export async function rabbitPerfTest(
  target: RabbitMqRunTarget,
  ch: amqp.Channel,
): Promise<{ pair: Sample; producer: Sample; consumer: Sample; output: string; queueLeft: number }> {
  const { queue, messages: n } = target;
  await ch.purgeQueue(queue);
  const argv = [
    "-cp", `${PERFTEST_HOME}/lib/*`, "com.rabbitmq.perf.PerfTest",
    "--uri", firstUrl(target.url),
    "--producers", "1", "--consumers", "1",
    "--predeclared", "--queue", queue, "--exchange", "amq.default", "--routing-key", queue,
    "--size", String(MESSAGE_BYTES),
    "--confirm", String(MAX_UNCONFIRMED),
    "--flag", "persistent",
    "--qos", String(PREFETCH),
    "--pmessages", String(n), "--cmessages", String(n),
    "--time", "300",
    "--use-millis",
    "--id", "bench",
  ];
  const r = await timeCommandAsync("java", argv, { timeoutMs: 330_000 });
  const out = r.stdout + r.stderr;
  const p = parsePerfTest(out);
  if (!Number.isFinite(p.send) || !Number.isFinite(p.receive)) throw new Error(`PerfTest printed no summary:\n${out.slice(-3000)}`);
  return {
    pair: { rate: p.receive, p50: p.latency?.[1], p99: p.latency?.[4], wallSeconds: r.seconds },
    producer: { rate: p.send, p50: p.confirm?.[1], p99: p.confirm?.[4] },
    consumer: { rate: p.receive },
    output: out.split("\n").filter((l) => /rate avg|latency min/.test(l)).join("\n"),
    queueLeft: await queueDepth(ch, queue),
  };
}
