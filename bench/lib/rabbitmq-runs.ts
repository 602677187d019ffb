/**
 * One RabbitMQ throughput run, ours or PerfTest's, against a queue that
 * exists (bench/throughput.ts on the default stack's `orders`,
 * bench/cluster-throughput.ts on a 1-node and a 3-node broker):
 *
 * 1 KiB bodies, publisher confirms (at most 1000 unconfirmed), persistent
 * messages; PerfTest's consumer at prefetch 50 with one ack per message, ours
 * at its defaults (OURS_PREFETCH, acks in runs); a producer and a
 * consumer at the same time:
 *   ours  apps/rabbitmq-producer + apps/rabbitmq-consumer (host processes)
 *   tool  RabbitMQ PerfTest on the host (-x 1 -y 1 --predeclared -u <queue>
 *         --confirm 1000 -f persistent -s 1024 -q 50 -C N -D N), or at other
 *         settings of its knobs (PerfTestOptions: what bench/perf-tool-sweep.ts
 *         sweeps), the durability unchanged
 * Both connect to the first node of the URL list (the apps start there and
 * move on only when it fails), so the two see the same network path.
 */
import * as os from "os";
import { join } from "path";
import type * as amqp from "amqplib";
import { APP_SETTINGS, type IntegerSetting } from "../../constructs/apps/app-settings";
import { AppEnv, ConnectionEnv } from "../../constructs/connection-env";
import { AppProcess } from "./apps";
import { commonEnv, MESSAGE_BYTES, num, producerEnv, statsAtDone, type Sample } from "./app-runs";
import { timeCommandAsync } from "./proc";

export const PREFETCH = 50;
/** Our consumer's prefetch unless a run says otherwise: the app's default, what a user gets (acks in runs since 0.6.1). */
export const OURS_PREFETCH = (APP_SETTINGS.CONSUMER_PREFETCH as IntegerSetting).default;
export const MAX_UNCONFIRMED = 1000; // apps/rabbitmq-producer/src/publisher-session.ts
export const PERFTEST_HOME =
  process.env.PERFTEST_HOME ??
  join(process.env.TOOLCHAIN_CACHE ?? join(os.homedir(), ".cache", "cdktf-docker-messaging"), "perf-test-2.22.1");

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
  /** Our apps' folder to run them from (another build, for a before/after row). @default the repository's apps/ */
  readonly appsRoot?: string;
  /** Our consumer's CONSUMER_PREFETCH. @default OURS_PREFETCH, the app's default */
  readonly prefetch?: number;
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
export async function rabbitOurs(
  target: RabbitMqRunTarget,
  ch: amqp.Channel,
): Promise<{ pair: Sample; producer: Sample; consumer: Sample }> {
  const { url, queue, messages: n, work } = target;
  await ch.purgeQueue(queue);
  // What queue.grantConsume and queue.grantPublish give the apps (publishing through the default exchange).
  const consumerEnv = { [ConnectionEnv.RABBITMQ_URL]: url, [ConnectionEnv.RABBITMQ_QUEUE]: queue };
  const publisherEnv = {
    [ConnectionEnv.RABBITMQ_URL]: url,
    [ConnectionEnv.RABBITMQ_EXCHANGE]: "",
    [ConnectionEnv.RABBITMQ_ROUTING_KEY]: queue,
  };
  const consumer = new AppProcess(
    "rabbitmq-consumer",
    { ...commonEnv(work), ...consumerEnv, [AppEnv.CONSUMER_PREFETCH]: String(target.prefetch ?? OURS_PREFETCH) },
    [],
    undefined,
    target.appsRoot,
  );
  try {
    await consumer.event("connected", 30_000);
    const producer = new AppProcess(
      "rabbitmq-producer",
      { ...commonEnv(work), ...publisherEnv, ...producerEnv("rabbitmq-producer", n) },
      [],
      undefined,
      target.appsRoot,
    );
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

/** PerfTest's knobs (bench/perf-tool-sweep.ts sweeps them); every one leaves the durability as it is. */
export interface PerfTestOptions {
  /** `--producers`: producer connections, each sending messages / producers. @default 1 */
  readonly producers?: number;
  /** `--consumers`: consumer connections on the queue. @default 1 */
  readonly consumers?: number;
  /** `--confirm`: most unconfirmed publishes per producer. @default MAX_UNCONFIRMED (1000) */
  readonly confirm?: number;
  /** `--qos`: consumer prefetch. @default PREFETCH (50) */
  readonly prefetch?: number;
  /**
   * `--multi-ack-every`: one ack with `multiple` every this many messages;
   * 1 is one ack per message (`--multi-ack-every` left out, PerfTest's own default).
   * @default 1
   */
  readonly multiAckEvery?: number;
}

export const PERFTEST_DEFAULTS: Required<PerfTestOptions> = {
  producers: 1,
  consumers: 1,
  confirm: MAX_UNCONFIRMED,
  prefetch: PREFETCH,
  multiAckEvery: 1,
};

/** The knob arguments of a PerfTest run, as given on its command line. */
export function perfTestKnobArgs(options: PerfTestOptions = {}): string[] {
  const o = { ...PERFTEST_DEFAULTS, ...options };
  return [
    "--producers",
    String(o.producers),
    "--consumers",
    String(o.consumers),
    "--confirm",
    String(o.confirm),
    "--qos",
    String(o.prefetch),
    ...(o.multiAckEvery > 1 ? ["--multi-ack-every", String(o.multiAckEvery)] : []),
  ];
}

/**
 * When PerfTest's `field` count ("sent", "confirmed", "received", summed
 * over its per-second report lines) reached `n`, in seconds on its own
 * clock (from its start). Inside
 * the interval it happened in, the end is extrapolated from the interval
 * before (the steady rate; an interval's own rate is diluted by whatever
 * idle time follows the last message), as the Kafka consumer's end is in
 * kafka-runs.ts. When PerfTest stops at the N-th message (`endsAtN`: one
 * consumer with `--cmessages N`), it does not report the last, partial
 * second: the count is extrapolated past its last report at that report's
 * rate. Otherwise (it stops on an idle, empty queue, and every message is
 * in its reports) undefined when the reports do not add up to `n` (a
 * consumer that stopped early).
 */
export function perfTestTimeToCount(out: string, field: "sent" | "confirmed" | "received", n: number, endsAtN = false): number | undefined {
  const re = new RegExp(`time ([\\d.]+) s, .*?\\b${field}: ([\\d.]+) msg/s`);
  let prevT = 0;
  let prevRate = 0;
  let count = 0;
  let last: number | undefined;
  let lines = 0;
  for (const line of out.split("\n")) {
    const m = re.exec(line);
    if (!m) continue;
    lines++;
    const t = Number(m[1]);
    const rate = Number(m[2]);
    const added = rate * (t - prevT);
    if (rate > 0) {
      last = Math.min(t, prevT + Math.max(0, n - count) / (prevRate > 0 ? prevRate : rate));
      if (count + added >= n) return last;
    }
    count += added;
    prevT = t;
    prevRate = rate;
  }
  // The printed rates are truncated to whole messages per second: the sum may fall short by one per line.
  if (count >= n - lines - 1) return last;
  return endsAtN && prevRate > 0 ? prevT + (n - count) / prevRate : undefined;
}

/**
 * PerfTest on the queue, on the first node of the URL list: one producer and
 * one consumer at the defaults (today's comparison), or `options`' knobs.
 * `queueLeft` is what it left in the queue (should be 0).
 *
 * N messages in all: each of the x producers sends N / x (`--pmessages`).
 * One consumer stops at N (`--cmessages`), and the rates are PerfTest's own
 * summary ("sending/receiving rate avg": count / time from all agents
 * started to its stop, just after the N-th message). Several consumers cannot split N
 * (`--cmessages` is per consumer, and the broker does not deal them exactly
 * N / y each: one stops at its share holding unacked messages the other
 * waits for), so they stop when idle on an empty queue
 * (`--exit-when empty`), which adds at least a second of idling to the
 * summary's time; their rates are N / (PerfTest's clock when its per-second
 * reports reach N received, or N confirmed), `rateSource: "intervals"`.
 * Both figures are kept for every run (`summaryRate`, `intervalRate`).
 */
export async function rabbitPerfTest(
  target: RabbitMqRunTarget,
  ch: amqp.Channel,
  options: PerfTestOptions = {},
): Promise<{ pair: Sample; producer: Sample; consumer: Sample; output: string; queueLeft: number }> {
  const { queue, messages: n } = target;
  const o = { ...PERFTEST_DEFAULTS, ...options };
  if (n % o.producers !== 0) throw new Error(`PerfTest: ${n} messages do not split over ${o.producers} producers`);
  if (o.multiAckEvery > o.prefetch)
    throw new Error(
      `PerfTest: --multi-ack-every ${o.multiAckEvery} > --qos ${o.prefetch} never acks (the broker stops delivering at ${o.prefetch} unacked)`,
    );
  if (o.consumers === 1 && n % o.multiAckEvery !== 0)
    throw new Error(
      `PerfTest: ${n} messages are not a multiple of --multi-ack-every ${o.multiAckEvery} (the last ones would stay unacked)`,
    );
  await ch.purgeQueue(queue);
  const argv = [
    "-cp",
    `${PERFTEST_HOME}/lib/*`,
    "com.rabbitmq.perf.PerfTest",
    "--uri",
    firstUrl(target.url),
    ...perfTestKnobArgs(o),
    "--predeclared",
    "--queue",
    queue,
    "--exchange",
    "amq.default",
    "--routing-key",
    queue,
    "--size",
    String(MESSAGE_BYTES),
    "--flag",
    "persistent",
    "--pmessages",
    String(n / o.producers),
    ...(o.consumers === 1 ? ["--cmessages", String(n)] : ["--exit-when", "empty"]),
    "--time",
    "300",
    "--use-millis",
    "--id",
    "bench",
  ];
  const r = await timeCommandAsync("java", argv, { timeoutMs: 330_000 });
  const out = r.stdout + r.stderr;
  const p = parsePerfTest(out);
  if (!Number.isFinite(p.send) || !Number.isFinite(p.receive)) throw new Error(`PerfTest printed no summary:\n${out.slice(-3000)}`);
  const received = perfTestTimeToCount(out, "received", n, o.consumers === 1);
  const confirmed = perfTestTimeToCount(out, "confirmed", n, o.consumers === 1);
  const intervals = o.consumers > 1;
  // NaN when the reports do not add up to N (a consumer stopped early: queueLeft says how many it left).
  const receiveRate = intervals ? (received ? n / received : NaN) : p.receive;
  const sendRate = intervals ? (confirmed ? n / confirmed : NaN) : p.send;
  return {
    pair: {
      rate: receiveRate,
      p50: p.latency?.[1],
      p99: p.latency?.[4],
      wallSeconds: r.seconds,
      rateSource: intervals ? "intervals" : "summary",
      summaryRate: p.receive,
      intervalRate: received ? n / received : NaN,
    },
    producer: {
      rate: sendRate,
      p50: p.confirm?.[1],
      p99: p.confirm?.[4],
      summaryRate: p.send,
      intervalRate: confirmed ? n / confirmed : NaN,
    },
    consumer: { rate: receiveRate },
    output: out
      .split("\n")
      .filter((l) => /rate avg|latency min/.test(l))
      .join("\n"),
    queueLeft: await queueDepth(ch, queue),
  };
}
