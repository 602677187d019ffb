import { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage } from "kafkajs";
import { ConsumerConfig } from "../../shared/app-config";
import { AccessRefusal } from "../../shared/access-refused";
import { ConsumerSession } from "../../shared/consumer-loop";
import { ConsumerTally } from "../../shared/consumer-tally";
import { Envelope, parseEnvelope } from "../../shared/envelope";
import { kafkaAccessRefusal } from "../../shared/kafka-client";
import { describeError, Logger } from "../../shared/logger";
import { processMessage } from "../../shared/processing";
import { sleep } from "../../shared/shutdown";
import { ConsumerLag } from "./consumer-lag";
import { PartitionOffsets, StallWatch } from "./stall-watch";

/** Commit processed offsets at least this often inside a long batch. */
const COMMIT_INTERVAL_MS = 1000;
/**
 * kafkajs defaults to 30 s: a killed consumer's partitions would sit idle that
 * long. 10 s (Kafka's minimum is 6 s) moves them sooner at the cost of a
 * little more heartbeat traffic.
 */
const SESSION_TIMEOUT_MS = 10_000;
const HEARTBEAT_INTERVAL_MS = 3_000;
/** How long to wait for the first group assignment before calling the attempt failed. */
const JOIN_TIMEOUT_MS = 45_000;
/**
 * A held partition with messages waiting and none processed for this long
 * while the member was free to, or with a committed offset that stays below
 * what was processed, ends the session (stall-watch.ts says why). Well above
 * a healthy fetch round (the broker holds an idle fetch MAX_FETCH_WAIT_MS,
 * kafkajs gives a request 30 s) and a commit (every COMMIT_INTERVAL_MS); a
 * rebalance restarts the count.
 */
const STALL_MS = 60_000;
/** How often the brokers are asked for the held partitions' offsets. */
const STALL_CHECK_MS = 5_000;
/** A check still unanswered after this is given up, with its admin client: a stuck client must not end the watch. */
const STALL_CHECK_TIMEOUT_MS = 30_000;
/** A stuck kafkajs consumer may never finish disconnecting: give up waiting after this. */
const ABANDON_TIMEOUT_MS = 10_000;
/**
 * Up to this much of one partition per fetch (kafkajs's default is 1 MiB):
 * fewer, larger batches, so fewer fetch round trips and commits per message.
 * A fetch holds at most kafkajs's maxBytes (10 MiB) of all partitions, well
 * inside an app's default 256 MiB.
 */
const MAX_BYTES_PER_PARTITION = 4 * 1024 * 1024;
/**
 * kafkajs's heartbeat() sends only once its interval has passed, but every
 * call is a promise; asking every message costs more than the message. Ask
 * this often: a rebalance is noticed within it (the group waits for the
 * rebalance timeout, far longer).
 */
const HEARTBEAT_CHECK_MS = 100;
/**
 * How long the broker may hold a fetch that finds nothing new (kafkajs's
 * default is 5 s). A stop waits for the fetch in flight, so an idle
 * consumer took up to 5 s to stop on SIGTERM (and `terraform destroy` with
 * it); 1 s costs an idle consumer one small request a second. With data
 * waiting the broker answers at once, so throughput does not change.
 */
const MAX_FETCH_WAIT_MS = 1000;

export interface KafkaConsumerSessionOptions {
  readonly kafka: Kafka;
  readonly groupId: string;
  readonly topic: string;
  readonly consumer: ConsumerConfig;
  readonly tally: ConsumerTally;
  /** The lag metric, set from each batch (outlives sessions). */
  readonly lag: ConsumerLag;
  readonly log: Logger;
}

/**
 * One kafkajs consumer group membership. Offsets are committed only for
 * messages processed (autoCommit off, the last processed offset resolved at each commit), including
 * when a batch is cut short by a rebalance or a stop, so the partition's next
 * owner starts right after the last processed message: at-least-once, with
 * few duplicates.
 */
export class KafkaConsumerSession implements ConsumerSession {
  readonly lost: Promise<string>;
  private markLost!: (reason: string) => void;
  private inFlight = 0;
  private crash: unknown;
  private readonly stalls = new StallWatch(STALL_MS);
  private stallTimer: NodeJS.Timeout | undefined;
  private admin: Admin | undefined;
  private checking = false;
  private checkFailureLogged = false;
  private checkedOnce = false;

  private constructor(
    private readonly kafkaConsumer: Consumer,
    private readonly options: KafkaConsumerSessionOptions,
  ) {
    this.lost = new Promise((resolve) => (this.markLost = resolve));
  }

  /** Connects, subscribes and resolves once the group has given this member its partitions. */
  static async open(options: KafkaConsumerSessionOptions): Promise<KafkaConsumerSession> {
    const { kafka, groupId, topic, lag, log } = options;
    const kafkaConsumer = kafka.consumer({
      groupId,
      sessionTimeout: SESSION_TIMEOUT_MS,
      heartbeatInterval: HEARTBEAT_INTERVAL_MS,
      allowAutoTopicCreation: false,
      maxBytesPerPartition: MAX_BYTES_PER_PARTITION,
      maxWaitTimeInMs: MAX_FETCH_WAIT_MS,
      // On a crash kafkajs would restart on its own schedule; the app's loop
      // restarts instead, within BROKER_RETRY_SECONDS.
      retry: { restartOnFailure: async () => false },
    });
    const session = new KafkaConsumerSession(kafkaConsumer, options);
    kafkaConsumer.on(kafkaConsumer.events.CRASH, ({ payload }) => {
      session.crash ??= payload.error;
      session.markLost(`consumer crashed: ${describeError(payload.error)}`);
    });
    // A rebalance stops fetching until the group has settled: not a stall.
    kafkaConsumer.on(kafkaConsumer.events.REBALANCING, () => session.stalls.rebalancing());
    const joined = new Promise<void>((resolve) =>
      kafkaConsumer.on(kafkaConsumer.events.GROUP_JOIN, ({ payload }) => {
        const partitions = payload.memberAssignment[topic] ?? [];
        lag.assigned(partitions);
        session.stalls.assigned(partitions);
        log.info("group-joined", { groupId, memberId: payload.memberId, isLeader: payload.isLeader, partitions });
        resolve();
      }),
    );

    try {
      await kafkaConsumer.connect();
      await kafkaConsumer.subscribe({ topics: [topic], fromBeginning: true }).catch((err: unknown) => {
        throw new Error(`topic "${topic}": ${describeError(err)}`, { cause: err });
      });
      await kafkaConsumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        // partitionsConsumedConcurrently stays at kafkajs's 1: 4 was at most
        // a little faster (bench/kafka-clients.ts on a quiet machine: 63938
        // vs 56979 msg/s median, the ranges overlapping); the process is
        // CPU-bound either way.
        eachBatch: (payload) => session.eachBatch(payload),
      });
      // The crash as the cause: kafkaAccessRefusal looks for a refusal in it.
      const failed = session.lost.then((reason) => Promise.reject(new Error(reason, { cause: session.crash })));
      const timedOut = sleep(JOIN_TIMEOUT_MS).then(() =>
        Promise.reject(new Error(`no partitions assigned within ${JOIN_TIMEOUT_MS / 1000} s`)),
      );
      await Promise.race([joined, failed, timedOut]);
      session.watchForStalls();
      return session;
    } catch (err) {
      session.stopWatching();
      await kafkaConsumer.disconnect().catch(() => undefined);
      lag.assigned([]);
      throw err;
    }
  }

  get lostByRefusal(): AccessRefusal | undefined {
    return kafkaAccessRefusal(this.crash);
  }

  get messagesInFlight(): number {
    return this.inFlight;
  }

  /**
   * kafkajs's disconnect stops fetching, waits for the running batch (which
   * sees isRunning() turn false, stops after the current message and commits),
   * then leaves the group so its partitions move at once.
   */
  async drain(timeoutMs: number): Promise<number> {
    this.stopWatching();
    await Promise.race([this.kafkaConsumer.disconnect().catch(() => undefined), sleep(timeoutMs)]);
    this.options.lag.assigned([]);
    return this.inFlight;
  }

  async abandon(): Promise<void> {
    this.stopWatching();
    this.options.lag.assigned([]);
    const disconnected = this.kafkaConsumer.disconnect().then(
      () => true,
      () => true,
    );
    if (!(await Promise.race([disconnected, sleep(ABANDON_TIMEOUT_MS).then(() => false)]))) {
      // Its fetch loop may be what is stuck. It stops heartbeating with it,
      // so the group drops the member after the session timeout.
      this.options.log.warn("consumer-abandoned", { reason: `kafkajs did not disconnect within ${ABANDON_TIMEOUT_MS / 1000} s` });
    }
  }

  /** Checks the held partitions for a stall every STALL_CHECK_MS until the session ends. */
  private watchForStalls(): void {
    this.stallTimer = setInterval(() => void this.checkForStall(), STALL_CHECK_MS);
    this.stallTimer.unref();
  }

  private stopWatching(): void {
    clearInterval(this.stallTimer);
    this.stallTimer = undefined;
    this.dropAdmin();
  }

  /** Closes the stall watch's admin client in the background; the next check, if any, opens a new one. */
  private dropAdmin(): void {
    const admin = this.admin;
    this.admin = undefined;
    void admin?.disconnect().catch(() => undefined);
  }

  private async checkForStall(): Promise<void> {
    if (this.checking || this.stallTimer === undefined) return; // the previous check is still waiting on a broker
    this.checking = true;
    try {
      const abandonCheck = new AbortController();
      const offsets = await Promise.race([
        this.partitionOffsets(),
        sleep(STALL_CHECK_TIMEOUT_MS, abandonCheck.signal).then(() =>
          Promise.reject(new Error(`no answer within ${STALL_CHECK_TIMEOUT_MS / 1000} s`)),
        ),
      ]).finally(() => abandonCheck.abort());
      if (this.stallTimer === undefined) return;
      // Once per session: the check can read what it needs with the member's own rights.
      if (!this.checkedOnce) this.options.log.debug("stall-watch-ready", { partitions: offsets.size, stallSeconds: STALL_MS / 1000 });
      this.checkedOnce = true;
      const stall = this.stalls.check(Date.now(), offsets);
      if (stall === undefined) return;
      const waiting = Math.max(0, stall.high - stall.position);
      this.options.log.warn("consumer-stalled", { ...stall, waiting });
      const seconds = Math.round(stall.stalledMs / 1000);
      this.markLost(
        stall.kind === "fetch"
          ? `no message of partition ${stall.partition} processed for ${seconds} s while ${waiting} wait (next offset ${stall.position}, high watermark ${stall.high})`
          : `the group's committed offset of partition ${stall.partition} stayed at ${stall.committed} for ${seconds} s though this member processed up to ${stall.position}: commits are not accepted`,
      );
    } catch (err) {
      // The brokers may be rolling: this check is skipped, the next one asks
      // again through a new admin client.
      if (!this.checkFailureLogged) this.options.log.warn("stall-check-failed", { error: describeError(err) });
      this.checkFailureLogged = true;
      this.dropAdmin();
    } finally {
      this.checking = false;
    }
  }

  /**
   * The topic's offsets and the group's committed offsets, from the brokers
   * (the consumer's own view may be what is stuck). kafkajs's admin lists
   * offsets at READ_COMMITTED (the default of its ListOffsets v2+ request,
   * protocol/requests/listOffsets/index.js), the consumer's isolation level:
   * `high` is then the last stable offset, so an open transaction that holds
   * the consumer back does not count as waiting messages.
   */
  private async partitionOffsets(): Promise<Map<number, PartitionOffsets>> {
    const { kafka, topic, groupId } = this.options;
    if (this.admin === undefined) {
      const admin = kafka.admin();
      await admin.connect();
      this.admin = admin;
    }
    const [topicOffsets, [committed]] = await Promise.all([
      this.admin.fetchTopicOffsets(topic),
      this.admin.fetchOffsets({ groupId, topics: [topic] }),
    ]);
    const committedBy = new Map(committed.partitions.map((p) => [p.partition, Number(p.offset)]));
    return new Map(
      topicOffsets.map((p) => [p.partition, { high: Number(p.high), low: Number(p.low), committed: committedBy.get(p.partition) ?? -1 }]),
    );
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, uncommittedOffsets, isRunning, isStale } = payload;
    const { partition, highWatermark } = batch;
    const { lag } = this.options;
    let lastCommitAt = Date.now();
    let lastHeartbeatAt = lastCommitAt;
    // kafkajs hands over no empty batch: there is a first message.
    const firstOffset = batch.messages[0]?.offset ?? highWatermark;
    /**
     * The offset of the last message processed. It is resolved (marked for
     * commit) only where a commit follows, not per message: kafkajs's
     * resolveOffset does Long arithmetic on the offset string each call, and
     * resolving the last processed offset covers every one before it (one
     * partition, in order).
     */
    let lastProcessed: string | undefined;
    let processedAll = false;
    lag.update(partition, highWatermark, firstOffset);
    this.stalls.batchStarted();
    try {
      for (const message of batch.messages) {
        if (!isRunning() || isStale()) return; // after the finally below
        this.inFlight++;
        try {
          const handled = this.handle(message, partition);
          // Most messages are handled without waiting (no retry, no CONSUMER_WORK_MS).
          if (handled !== undefined) await handled;
        } finally {
          this.inFlight--;
        }
        lastProcessed = message.offset;
        const now = Date.now();
        if (now - lastCommitAt >= COMMIT_INTERVAL_MS) {
          resolveOffset(lastProcessed);
          const nextOffset = Number(lastProcessed) + 1;
          lag.update(partition, highWatermark, nextOffset);
          // At commit points and at the batch's end, not per message: the watch looks every few seconds.
          this.stalls.processed(partition, nextOffset);
          await commitOffsetsIfNecessary(uncommittedOffsets());
          lastCommitAt = Date.now();
        }
        if (now - lastHeartbeatAt >= HEARTBEAT_CHECK_MS) {
          // Throws when the group is rebalancing: the finally below still
          // commits what was processed (allowed until the rebalance completes).
          await heartbeat();
          lastHeartbeatAt = Date.now();
        }
      }
      processedAll = true;
    } finally {
      if (lastProcessed !== undefined) resolveOffset(lastProcessed);
      // All of it: past the batch's last offset, which counts control records the messages leave out.
      const done = processedAll
        ? Number(batch.lastOffset()) + 1
        : lastProcessed !== undefined
          ? Number(lastProcessed) + 1
          : Number(firstOffset);
      if (done > Number(firstOffset)) this.stalls.processed(partition, done);
      this.stalls.batchEnded();
      lag.update(partition, highWatermark, done);
      await commitOffsetsIfNecessary(uncommittedOffsets()).catch((err: unknown) => {
        this.options.log.warn("commit-failed", { partition: batch.partition, error: describeError(err) });
        // Hand the failure to kafkajs: its runner rejoins the group on a
        // NOT_COORDINATOR or rebalance error, and a rejoin is the only place
        // it asks which broker coordinates the group now (its OffsetManager
        // otherwise retries the broker it had, by node id). Swallowed here, a
        // coordinator that moved during a rolling replacement got every
        // commit for good. Any other error ends in a CRASH, and the app's
        // loop starts a new session. Either way the partition resumes from
        // the last accepted commit: what was processed since is processed
        // again (at-least-once, counted as duplicates), never skipped.
        throw err;
      });
    }
  }

  /**
   * Processes one message, retrying in place up to CONSUMER_MAX_DELIVERIES
   * attempts: a partition is a queue in order, so a failing message cannot be
   * set aside and retried later. Kafka has no dead-letter exchange; poison is
   * logged (`poison-skipped`) and skipped so the partition moves on.
   *
   * Returns a promise only when it has to wait (CONSUMER_WORK_MS, a retry);
   * the usual message is parsed, processed and counted synchronously.
   */
  private handle(message: KafkaMessage, partition: number): Promise<void> | undefined {
    const { tally, log } = this.options;
    tally.received(false);
    let envelope: Envelope;
    try {
      envelope = parseEnvelope(message.value ?? Buffer.alloc(0));
    } catch (err) {
      tally.deadLettered();
      log.warn("poison-skipped", { partition, offset: message.offset, reason: describeError(err) });
      return undefined;
    }
    let pending: Promise<void> | undefined;
    try {
      pending = processMessage(envelope, this.options.consumer);
    } catch (err) {
      return this.retry(envelope, message, partition, err);
    }
    if (pending === undefined) {
      this.acked(envelope, message, partition, 1);
      return undefined;
    }
    return pending.then(
      () => this.acked(envelope, message, partition, 1),
      (err: unknown) => this.retry(envelope, message, partition, err),
    );
  }

  /** After a failed first attempt: attempts 2..CONSUMER_MAX_DELIVERIES, a growing pause between them. */
  private async retry(envelope: Envelope, message: KafkaMessage, partition: number, firstError: unknown): Promise<void> {
    const { tally, consumer, log } = this.options;
    let error = firstError;
    for (let attempt = 1; ; attempt++) {
      if (attempt >= consumer.maxDeliveries) {
        tally.deadLettered();
        log.warn("poison-skipped", {
          id: envelope.id,
          seq: envelope.seq,
          partition,
          offset: message.offset,
          deliveries: attempt,
          reason: describeError(error),
        });
        return;
      }
      tally.received(true);
      await sleep(Math.min(100 * attempt, 1000));
      try {
        await processMessage(envelope, consumer);
        this.acked(envelope, message, partition, attempt + 1);
        return;
      } catch (err) {
        error = err;
      }
    }
  }

  private acked(envelope: Envelope, message: KafkaMessage, partition: number, delivery: number): void {
    const { tally, log } = this.options;
    // The debug line's fields only when it is written: no object per message otherwise.
    tally.processed(envelope, log.debugEnabled ? { partition, offset: message.offset, delivery } : undefined);
    tally.acked();
  }
}
