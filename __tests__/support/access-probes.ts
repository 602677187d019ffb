/**
 * What a client on the host may do with given credentials, asked of the
 * brokers in their own protocols through the ports a stack publishes: each
 * probe resolves to "allowed" or to the broker's refusal, never throws.
 */
import { createHash } from "crypto";
import * as amqp from "amqplib";
import { Kafka, logLevel, type SASLOptions } from "kafkajs";

export type Outcome = "allowed" | `refused: ${string}`;

/** The password the constructs derive for a generated user: sha256("<key>/<broker>/<user>"), hex. */
export function derivedPassword(credentialsKey: string, broker: string, user: string): string {
  return createHash("sha256").update(`${credentialsKey}/${broker}/${user}`).digest("hex");
}

async function outcome(fn: () => Promise<unknown>): Promise<Outcome> {
  try {
    await fn();
    return "allowed";
  } catch (err) {
    const e = err as { type?: string; name?: string; message?: string };
    return `refused: ${e.type ?? e.name ?? "error"} ${String(e.message ?? err).slice(0, 160)}`;
  }
}

function kafkaClient(bootstrap: string, user?: { username: string; password: string }): Kafka {
  const sasl: SASLOptions | undefined = user ? { mechanism: "scram-sha-512", ...user } : undefined;
  return new Kafka({
    clientId: "access-probe",
    brokers: bootstrap.split(","),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3000,
    // The idempotent producer needs retries allowed; one is enough to tell refused from allowed.
    retry: { retries: 1, initialRetryTime: 100 },
    ...(sasl ? { sasl } : {}),
  });
}

type KafkaUser = { username: string; password: string } | undefined;

export const kafkaProbes = {
  /** List topics (metadata): what any authenticated client may try. */
  listTopics: (bootstrap: string, user: KafkaUser) =>
    outcome(async () => {
      const admin = kafkaClient(bootstrap, user).admin();
      await admin.connect();
      try {
        await admin.listTopics();
      } finally {
        await admin.disconnect();
      }
    }),
  /** The topics the user's metadata request lists (Kafka lists only those it may describe), or the refusal. */
  visibleTopics: async (bootstrap: string, user: KafkaUser): Promise<string[] | Outcome> => {
    let names: string[] = [];
    const result = await outcome(async () => {
      const admin = kafkaClient(bootstrap, user).admin();
      await admin.connect();
      try {
        names = (await admin.listTopics()).sort();
      } finally {
        await admin.disconnect();
      }
    });
    return result === "allowed" ? names : result;
  },
  /** Create a topic of one partition (needs Create on the cluster or the topic). */
  createTopic: (bootstrap: string, user: KafkaUser, topic: string) =>
    outcome(async () => {
      const admin = kafkaClient(bootstrap, user).admin();
      await admin.connect();
      try {
        await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: false });
      } finally {
        await admin.disconnect();
      }
    }),
  /** Delete a topic (needs Delete on it). */
  deleteTopic: (bootstrap: string, user: KafkaUser, topic: string) =>
    outcome(async () => {
      const admin = kafkaClient(bootstrap, user).admin();
      await admin.connect();
      try {
        await admin.deleteTopics({ topics: [topic], timeout: 5000 });
      } finally {
        await admin.disconnect();
      }
    }),
  /** Write one record with acks=all, idempotent (as the apps do). */
  produce: (bootstrap: string, user: KafkaUser, topic: string) =>
    outcome(async () => {
      const producer = kafkaClient(bootstrap, user).producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      try {
        await producer.send({ topic, acks: -1, messages: [{ value: "access-probe" }] });
      } finally {
        await producer.disconnect();
      }
    }),
  /** Join `groupId`, read `topic` for a few seconds; refused when the group or topic is not allowed. */
  consume: (bootstrap: string, user: KafkaUser, topic: string, groupId: string) =>
    outcome(async () => {
      const consumer = kafkaClient(bootstrap, user).consumer({ groupId, sessionTimeout: 6000 });
      let crash: Error | undefined;
      consumer.on(consumer.events.CRASH, (e) => (crash ??= e.payload.error));
      let joined = false;
      consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
      await consumer.connect();
      try {
        await consumer.subscribe({ topic, fromBeginning: false });
        await consumer.run({ autoCommit: false, eachMessage: async () => {} });
        const until = Date.now() + 15_000;
        while (!joined && !crash && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
        if (crash) throw crash;
        if (!joined) throw new Error("did not join the group within 15 s");
      } finally {
        await consumer.disconnect();
      }
    }),
};

export const rabbitProbes = {
  connect: (url: string) =>
    outcome(async () => {
      const c = await amqp.connect(url);
      await c.close();
    }),
  /** basic.get on `queue` (needs read), the message left unacked (so it is requeued). */
  read: (url: string, queue: string) => withChannel(url, (ch) => ch.get(queue, { noAck: false })),
  /** One confirmed persistent publish. */
  publish: (url: string, exchange: string, routingKey: string) =>
    withChannel(url, async (ch) => {
      ch.publish(exchange, routingKey, Buffer.from("access-probe"), { persistent: true });
      await ch.waitForConfirms();
    }),
  /** queue.purge (RabbitMQ asks for read on the queue). */
  purge: (url: string, queue: string) => withChannel(url, (ch) => ch.purgeQueue(queue)),
  /** A passive queue.declare: tells whether the queue exists, with its message and consumer counts. */
  inspect: (url: string, queue: string) => withChannel(url, (ch) => ch.checkQueue(queue)),
  /** queue.bind (needs write on the queue and read on the exchange). */
  bind: (url: string, queue: string, exchange: string, routingKey: string) =>
    withChannel(url, (ch) => ch.bindQueue(queue, exchange, routingKey)),
  /** queue.delete (needs configure). */
  deleteQueue: (url: string, queue: string) => withChannel(url, (ch) => ch.deleteQueue(queue)),
  /** Declare a queue (needs configure). */
  declare: (url: string, queue: string) => withChannel(url, (ch) => ch.assertQueue(queue, { durable: false, exclusive: true })),
  /** Log into the management API as the URL's user. */
  management: (managementUrl: string, amqpUrl: string) =>
    outcome(async () => {
      const { username, password } = new URL(amqpUrl);
      const res = await fetch(new URL("api/whoami", managementUrl), {
        headers: {
          authorization: "Basic " + Buffer.from(`${decodeURIComponent(username)}:${decodeURIComponent(password)}`).toString("base64"),
        },
      });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
    }),
};

function withChannel(url: string, fn: (ch: amqp.ConfirmChannel) => Promise<unknown>): Promise<Outcome> {
  return outcome(async () => {
    const connection = await amqp.connect(url);
    connection.on("error", () => {});
    try {
      const channel = await connection.createConfirmChannel();
      channel.on("error", () => {});
      await fn(channel);
    } finally {
      await connection.close().catch(() => {});
    }
  });
}

/** `amqp://<user>:<password>@<host:port>/<vhost>` from another URL's host and vhost. */
export function amqpUrlAs(url: string, user: string, password: string): string {
  const u = new URL(url);
  u.username = encodeURIComponent(user);
  u.password = encodeURIComponent(password);
  return u.toString();
}
