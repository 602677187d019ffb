/**
 * Outside clients under the faults: pika (RabbitMQ) and confluent-kafka
 * (librdkafka), clients nobody in this project wrote, run as their users run
 * them, against the clusters example's host ports. Each is a Python script
 * in ./outside-clients/ (what it does and why is said there), run from the
 * venv toolchain/outside-clients.sh keeps; this side starts one, reads its
 * JSON lines as they come, stops it, and has it verify what reached the
 * queue or topic against what it saw confirmed: confirmed lost, duplicates,
 * and the longest time without a confirm.
 *
 * Each producer writes to a queue or topic of its own (`outside.<kind>.<id>`),
 * never to the example's cluster.jobs or cluster.events: the example's
 * consumers and the suite's loss bookkeeping stay the project's apps' alone.
 * Verify deletes it once read to the end.
 *
 * The suite's own clock and the scripts' `t` are the same host clock
 * (epoch ms), so `since`/`from`/`to` are `Date.now()` values.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createInterface } from "readline";
import { KAFKA_ADMIN_USER } from "../../constructs/brokers/kafka/kafka-constants";
import { repoRoot, run } from "../support/commands";
import { caCertificate, credentials } from "../e2e-cluster/cluster-stack";
import { HOST_BROKERS } from "../e2e-cluster/kafka-probes";
import { HOST_AMQP_PORTS } from "../e2e-cluster/rabbitmq-probes";

export type OutsideKind = "rabbitmq" | "kafka";

const SCRIPTS: Record<OutsideKind, string> = {
  rabbitmq: path.join(__dirname, "outside-clients", "rabbitmq_confirmed_producer.py"),
  kafka: path.join(__dirname, "outside-clients", "kafka_confirmed_producer.py"),
};

let python: string | undefined;

/**
 * The venv's python with pika and confluent-kafka (toolchain/outside-clients.sh:
 * a pip install from PyPI the first time, about 40 s; a second after that).
 */
export function ensureOutsideClients(): string {
  python ??= run("bash", [path.join(repoRoot, "toolchain", "outside-clients.sh")], { timeoutSeconds: 600 })
    .stdout.trim()
    .split("\n")
    .pop();
  if (!python || !fs.existsSync(python)) throw new Error(`toolchain/outside-clients.sh printed no python path (got ${python})`);
  return python;
}

/** One JSON line of a script: `stats`, `connected`, `disconnected`, `error`, `shutdown`, ... */
export interface OutsideLine extends Record<string, any> {
  event: string;
  /** Epoch ms, when the script wrote it. */
  t: number;
}

export interface OutsideStats extends OutsideLine {
  sent: number;
  confirmed: number;
  /** The longest time between two confirms ending in that interval, or the stall still open at the line. */
  longestGapMs: number;
  /** RabbitMQ: the node connected to, `127.0.0.1:<port>`, or null between connections. Kafka: always null. */
  node: string | null;
}

export interface OutsideShutdown extends OutsideLine {
  confirmed: number;
  sent: number;
  /** Seqs issued and never confirmed (at most the one in flight for pika; for librdkafka, what was still in flight after its flush). */
  unconfirmed: number;
  /** The file listing every confirmed seq. */
  confirmedSeqs: string;
}

export interface OutsideVerify {
  confirmed: number;
  consumedDistinct: number;
  duplicates: number;
  lost: number;
  /** It read the queue or topic to its end (false: it gave up, idle or out of time, and `lost` may count what it did not reach). */
  complete: boolean;
  /** The rest of the script's `verify` line: lostSeqs (the first 50), received, foreign, unconfirmedConsumed, ... */
  detail: OutsideLine;
}

export interface OutsideProducerOptions {
  /** Messages per second. @default 50, the example's own producers' rate */
  readonly rate?: number;
  /** The queue or topic, the script's own. @default `outside.<kind>.<run id>` */
  readonly name?: string;
  /** The nodes' ports on 127.0.0.1. @default the example's (HOST_AMQP_PORTS, HOST_BROKERS) */
  readonly hostPorts?: readonly number[];
  /**
   * The CA (PEM) the client verifies the nodes' certificates with, host name
   * 127.0.0.1 included. `null`: no TLS (plain AMQP; Kafka PLAINTEXT without
   * SASL), for trying the scripts against a throwaway broker.
   * @default the CA the example's TLS job exported (caCertificate)
   */
  readonly caPem?: string | null;
  /** @default the example's admin user and password (`credentials`) */
  readonly user?: string;
  readonly password?: string;
  /** Kafka: the topic's shape when the script creates it. @default the example's topic: 3 partitions, replication factor 3, min.insync.replicas 2 */
  readonly topic?: { readonly partitions: number; readonly replicationFactor: number; readonly minInsync: number };
}

export interface OutsideProducer {
  readonly kind: OutsideKind;
  readonly runId: string;
  /** Its queue or topic. */
  readonly name: string;
  /** Every JSON line so far, in order. */
  readonly lines: readonly OutsideLine[];
  /** Its `stats` lines written at or after `since`. */
  stats(since?: number): OutsideStats[];
  /** `confirmed` grew across its last three stats lines at or after `since` (two seconds of confirms): traffic is flowing. */
  confirming(since?: number): true | undefined;
  /** The first stats line at or after `since` in which `confirmed` grew. */
  confirmingAgain(since: number): OutsideStats | undefined;
  /** The longest time without a confirm between `from` and `to` (the largest `longestGapMs` of the stats lines written then). */
  longestGapMs(from: number, to?: number): number;
  /** Its lines of one event (`connected`, `disconnected`, `blocked`, `error`, ...), at or after `since`. */
  events(name: string, since?: number): OutsideLine[];
  /** Its lines other than stats since `since`, one a line, for the test output. */
  eventsText(since?: number): string;
  /** SIGTERM, then its `shutdown` line; throws when it does not exit 0 within 30 s. */
  stop(): Promise<OutsideShutdown>;
  /** After stop: reads its queue or topic to the end and compares with what it saw confirmed (at most 6 minutes). Deletes the queue or topic. */
  verify(): Promise<OutsideVerify>;
  /** Kills it if still running and removes its temporary files (the CA copy, the confirmed-seq file): for afterAll. */
  dispose(): void;
}

/** What to pass a script to reach and log in to one broker of the example (or of options). */
function connectionArgs(kind: OutsideKind, options: OutsideProducerOptions, dir: string): { args: string[]; password: string } {
  const defaults =
    kind === "rabbitmq"
      ? // RabbitMqBroker's default adminUser, which the example keeps (as hostRoundTrip logs in).
        { ports: HOST_AMQP_PORTS, user: "admin", password: credentials.TF_VAR_cluster_rabbitmq_admin_password }
      : // The operators' SCRAM-SHA-512 super user, as hostKafka logs in.
        {
          ports: HOST_BROKERS.map((b) => Number(b.split(":").pop())),
          user: KAFKA_ADMIN_USER,
          password: credentials.TF_VAR_cluster_kafka_admin_password,
        };
  const ports = options.hostPorts ?? defaults.ports;
  const ca = options.caPem === undefined ? caCertificate(kind === "rabbitmq" ? "cluster-rabbitmq" : "cluster-kafka") : options.caPem;
  const caFile = path.join(dir, "ca.pem");
  if (ca !== null) fs.writeFileSync(caFile, ca, { mode: 0o600 });
  const args =
    kind === "rabbitmq"
      ? ["--host", "127.0.0.1", "--ports", ports.join(","), ...(ca !== null ? ["--ca-file", caFile] : [])]
      : [
          "--brokers",
          ports.map((p) => `127.0.0.1:${p}`).join(","),
          ...(ca !== null ? ["--security", "sasl_ssl", "--ca-file", caFile] : ["--security", "plaintext"]),
        ];
  return { args: [...args, "--user", options.user ?? defaults.user], password: options.password ?? defaults.password };
}

/** A child's JSON lines, parsed as they come; its other output kept (the tail) for error messages. */
class ChildOutput {
  readonly lines: OutsideLine[] = [];
  private other: string[] = [];
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  readonly exited: Promise<void>;

  constructor(child: ChildProcessWithoutNullStreams) {
    createInterface({ input: child.stdout }).on("line", (line) => {
      try {
        this.lines.push(JSON.parse(line) as OutsideLine);
      } catch {
        this.keep(line);
      }
    });
    createInterface({ input: child.stderr }).on("line", (line) => this.keep(line));
    this.exited = new Promise((resolve) => {
      child.on("close", (code, signal) => {
        this.exit ??= { code, signal };
        resolve();
      });
      // Not started at all (no python there): "close" may never come, and an unheard "error" would throw.
      child.on("error", (error) => {
        this.keep(`spawn failed: ${error.message}`);
        this.exit ??= { code: null, signal: null };
        resolve();
      });
    });
  }

  private keep(line: string): void {
    this.other.push(line);
    if (this.other.length > 80) this.other.shift();
  }

  /** The last lines of either kind, for a failure message. */
  tail(): string {
    return [...this.lines.slice(-10).map((l) => JSON.stringify(l)), "--- stderr (tail)", ...this.other.slice(-40)].join("\n");
  }
}

/** True once `done` has resolved, false after `ms` without (the process may still run: the caller kills it). */
async function within(done: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([done.then(() => true), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Starts an outside producer against the example (or what `options` name)
 * and resolves once it has said `starting` (the Kafka script first creates
 * its topic: up to a minute while a node is down). Rejects with its output
 * when it exits or says nothing within 120 s.
 */
export async function startOutsideProducer(kind: OutsideKind, options: OutsideProducerOptions = {}): Promise<OutsideProducer> {
  const py = ensureOutsideClients();
  const runId = `${kind}-${randomBytes(4).toString("hex")}`;
  const name = options.name ?? `outside.${kind}.${runId}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "outside-client-"));
  const connection = connectionArgs(kind, options, dir);
  const topic = options.topic ?? { partitions: 3, replicationFactor: 3, minInsync: 2 };
  const common = [...connection.args, kind === "rabbitmq" ? "--queue" : "--topic", name, "--run-id", runId, "--out-dir", dir];
  const shape =
    kind === "kafka"
      ? [
          "--partitions",
          String(topic.partitions),
          "--replication-factor",
          String(topic.replicationFactor),
          "--min-insync",
          String(topic.minInsync),
        ]
      : [];
  // The password goes in the environment, not on a command line `ps` shows.
  const env = { ...process.env, OUTSIDE_CLIENT_PASSWORD: connection.password, PYTHONUNBUFFERED: "1" };
  const child = spawn(py, [SCRIPTS[kind], ...common, ...shape, "--rate", String(options.rate ?? 50)], { cwd: repoRoot, env });
  const out = new ChildOutput(child);
  const running = () => out.exit === undefined;
  const kill = () => {
    if (running()) child.kill("SIGKILL");
  };
  const dispose = () => {
    kill();
    fs.rmSync(dir, { recursive: true, force: true });
  };

  // Not waitFor: it would keep polling a process that has already exited (a refused login, a CA that does not match).
  const started = new Promise<void>((resolve) => {
    const check = setInterval(() => {
      if (out.lines.some((l) => l.event === "starting") || !running()) {
        clearInterval(check);
        resolve();
      }
    }, 200);
  });
  const inTime = await within(started, 120_000);
  if (!running() || !inTime) {
    const why = running() ? "said nothing within 120 s" : `exited ${JSON.stringify(out.exit)} before starting`;
    dispose();
    throw new Error(`the outside ${kind} producer ${why}:\n${out.tail()}`);
  }

  const stats = (since = 0) => out.lines.filter((l): l is OutsideStats => l.event === "stats" && l.t >= since);
  let shutdown: OutsideShutdown | undefined;

  const handle: OutsideProducer = {
    kind,
    runId,
    name,
    lines: out.lines,
    stats,
    confirming(since = 0) {
      if (!running()) throw new Error(`the outside ${kind} producer has exited (${JSON.stringify(out.exit)}):\n${out.tail()}`);
      const [a, b, c] = stats(since).slice(-3);
      return c && c.confirmed > b.confirmed && b.confirmed > a.confirmed ? true : undefined;
    },
    confirmingAgain(since) {
      const s = stats(since);
      return s.find((line, k) => k > 0 && line.confirmed > s[k - 1].confirmed);
    },
    longestGapMs(from, to = Date.now()) {
      return Math.max(
        0,
        ...stats(from)
          .filter((s) => s.t <= to)
          .map((s) => Number(s.longestGapMs)),
      );
    },
    events(event, since = 0) {
      return out.lines.filter((l) => l.event === event && l.t >= since);
    },
    eventsText(since = 0) {
      return out.lines
        .filter((l) => l.t >= since && l.event !== "stats")
        .map((l) => `  ${new Date(l.t).toISOString()} ${l.event} ${l.node ?? ""} ${l.reason ?? ""}`.trimEnd().slice(0, 240))
        .join("\n");
    },
    async stop() {
      if (running()) child.kill("SIGTERM");
      // pika stops at once; librdkafka flushes what is in flight for up to 10 s (--drain-seconds).
      if (!(await within(out.exited, 30_000))) {
        kill();
        throw new Error(`the outside ${kind} producer did not exit within 30 s of SIGTERM:\n${out.tail()}`);
      }
      const line = out.lines.filter((l) => l.event === "shutdown").pop() as OutsideShutdown | undefined;
      if (!line || out.exit?.code !== 0) {
        throw new Error(
          `the outside ${kind} producer exited ${JSON.stringify(out.exit)}${line ? "" : " without a shutdown line"}:\n${out.tail()}`,
        );
      }
      shutdown = line;
      return line;
    },
    async verify() {
      if (!shutdown) throw new Error("verify() needs stop() first: the confirmed-seq file is complete only once the producer has exited");
      const args = [SCRIPTS[kind], "--verify", ...common, "--confirmed-file", shutdown.confirmedSeqs, "--verify-timeout", "300"];
      const verifier = spawn(py, args, { cwd: repoRoot, env });
      const result = new ChildOutput(verifier);
      // The script gives up reading after 300 s itself; the rest is deleting the queue or topic.
      if (!(await within(result.exited, 360_000))) {
        verifier.kill("SIGKILL");
        throw new Error(`verifying the outside ${kind} producer's ${name} took over 6 minutes:\n${result.tail()}`);
      }
      const line = result.lines.filter((l) => l.event === "verify").pop();
      if (!line) throw new Error(`verify of ${name} exited ${JSON.stringify(result.exit)} without a verify line:\n${result.tail()}`);
      // Exit 2: it stopped reading before the end (idle or out of time); the counts are what it read.
      if (result.exit?.code !== 0 && result.exit?.code !== 2) {
        throw new Error(`verify of ${name} exited ${JSON.stringify(result.exit)}:\n${result.tail()}`);
      }
      return {
        confirmed: line.confirmed,
        consumedDistinct: line.consumedDistinct,
        duplicates: line.duplicates,
        lost: line.lost,
        complete: line.complete === true,
        detail: line,
      };
    },
    dispose,
  };
  return handle;
}
