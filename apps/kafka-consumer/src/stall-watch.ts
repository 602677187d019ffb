/**
 * Notices a consumer group member that holds a partition and has stopped
 * moving it: either messages wait and none is processed while the member is
 * free to (a fetch stall), or messages were processed and the group's
 * committed offset no longer follows (a commit stall).
 *
 * Why: kafkajs 2.2.4 (its last release) can get stuck without raising CRASH.
 * - Commits: its OffsetManager, once its coordinator's connection dropped,
 *   finds the broker again by node id (offsetManager/index.js getCoordinator)
 *   instead of asking which broker coordinates the group now. After the
 *   brokers are replaced one by one, every commit can go to a broker that
 *   answers NOT_COORDINATOR; only a rejoin asks again. Seen in the cluster
 *   suite: every message processed, committed offsets frozen at about half
 *   the high watermarks, the group Stable with this member.
 * - Fetches: its users report consumers that stop fetching (kafkajs issue
 *   #659 "Consumer stop processing messages", open); their workaround is a
 *   watchdog that restarts the consumer.
 * Either way the member keeps heartbeating, so the group never moves the
 * partition, and the app would stay connected and healthy. The session
 * reports the stall as lost; the app's loop then starts a new session, which
 * finds the coordinator afresh and resumes from the committed offsets.
 *
 * Pure bookkeeping: the session feeds it its batches and, every check, the
 * partitions' offsets as the brokers report them.
 */
export interface PartitionOffsets {
  /**
   * Where the member can read up to: the high watermark, or below it the last
   * stable offset while a transaction is open (read_committed waits there,
   * and that is no stall).
   */
  readonly high: number;
  /** The oldest offset still in the log. */
  readonly low: number;
  /** The group's committed offset, or -1 when it has none. */
  readonly committed: number;
}

export interface Stall {
  /** `fetch`: messages wait, none processed; `commit`: processed, the committed offset does not follow. */
  readonly kind: "fetch" | "commit";
  readonly partition: number;
  /** The next offset this member would process. */
  readonly position: number;
  readonly high: number;
  readonly committed: number;
  /** How long the partition has been stalled. */
  readonly stalledMs: number;
}

export class StallWatch {
  private held = new Set<number>();
  /** The next offset to process per partition, from the messages processed since the last assignment. */
  private readonly processedNext = new Map<number, number>();
  /** Partitions with a message processed since the last check. */
  private readonly progressed = new Set<number>();
  /** When each waiting partition's fetch stall began (absent: not waiting, or it progressed). */
  private readonly waitingSince = new Map<number, number>();
  /** Per partition processed past its committed offset: that offset, and since when it has not moved. */
  private readonly uncommittedSince = new Map<number, { committed: number; since: number }>();
  private batchesRunning = 0;
  /** No batch ran at some moment since the last check: the member was free to take one. */
  private freeSinceLastCheck = true;

  constructor(private readonly stallMs: number) {}

  /**
   * The partitions the group gave this member (after each rebalance). A new
   * assignment starts from the committed offsets, and the counts start again.
   */
  assigned(partitions: readonly number[]): void {
    this.held = new Set(partitions);
    this.processedNext.clear();
    this.waitingSince.clear();
    this.uncommittedSince.clear();
  }

  /** The group began a rebalance: fetching and committing pause until it settles, so the counts start again. */
  rebalancing(): void {
    this.waitingSince.clear();
    this.uncommittedSince.clear();
  }

  batchStarted(): void {
    this.batchesRunning++;
  }

  batchEnded(): void {
    this.batchesRunning = Math.max(0, this.batchesRunning - 1);
    if (this.batchesRunning === 0) this.freeSinceLastCheck = true;
  }

  /** A message of `partition` was processed; `nextOffset` is the one after it. */
  processed(partition: number, nextOffset: number): void {
    this.processedNext.set(partition, Math.max(nextOffset, this.processedNext.get(partition) ?? 0));
    this.progressed.add(partition);
  }

  /**
   * One periodic check, given the offsets of the held partitions (a missing
   * partition is not judged this time). Returns the longest stall once it
   * reaches the threshold.
   */
  check(now: number, offsets: ReadonlyMap<number, PartitionOffsets>): Stall | undefined {
    const free = this.freeSinceLastCheck || this.batchesRunning === 0;
    let worst: Stall | undefined;
    const consider = (stall: Stall) => {
      if (stall.stalledMs >= this.stallMs && (worst === undefined || stall.stalledMs > worst.stalledMs)) worst = stall;
    };
    for (const partition of this.held) {
      const o = offsets.get(partition);
      if (o === undefined) continue;
      const processed = this.processedNext.get(partition);
      const start = o.committed >= 0 ? o.committed : o.low;
      const position = Math.max(start, processed ?? 0);
      const fetch = this.fetchStalledMs(partition, now, o.high > position, free);
      if (fetch !== undefined) consider({ kind: "fetch", partition, position, high: o.high, committed: o.committed, stalledMs: fetch });
      const commit = this.commitStalledMs(partition, now, processed, o.committed);
      if (commit !== undefined) consider({ kind: "commit", partition, position, high: o.high, committed: o.committed, stalledMs: commit });
    }
    this.progressed.clear();
    this.freeSinceLastCheck = this.batchesRunning === 0;
    return worst;
  }

  /** How long the partition has had messages waiting, none processed while the member was free. */
  private fetchStalledMs(partition: number, now: number, waiting: boolean, free: boolean): number | undefined {
    // Busy with other partitions' batches the whole time: waiting its turn is not a stall.
    if (!waiting || this.progressed.has(partition) || !free) {
      this.waitingSince.delete(partition);
      return undefined;
    }
    const since = this.waitingSince.get(partition) ?? now;
    this.waitingSince.set(partition, since);
    return now - since;
  }

  /** How long the committed offset has stayed put below what the member processed. */
  private commitStalledMs(partition: number, now: number, processed: number | undefined, committed: number): number | undefined {
    if (processed === undefined || processed <= committed) {
      this.uncommittedSince.delete(partition);
      return undefined;
    }
    const seen = this.uncommittedSince.get(partition);
    if (seen === undefined || seen.committed !== committed) {
      this.uncommittedSince.set(partition, { committed, since: now });
      return 0;
    }
    return now - seen.since;
  }
}
