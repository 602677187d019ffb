/**
 * Notices a consumer group member that holds a partition with messages
 * waiting and no longer processes them, while it could (it is not busy with
 * another partition's batch).
 *
 * Why: kafkajs 2.2.4 (its last release) can stop fetching a partition
 * without raising CRASH, most often after the brokers were replaced or
 * restarted: the member keeps heartbeating, so the group never moves the
 * partition, and the app would stay connected and healthy with a growing
 * lag (kafkajs issue #659 "Consumer stop processing messages", open; the
 * workaround its users settled on is a watchdog that restarts the consumer).
 * The session reports the stall as lost; the app's loop then starts a new
 * session, which resumes from the committed offsets.
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
  readonly partition: number;
  /** The next offset this member would process. */
  readonly position: number;
  readonly high: number;
  /** How long the partition has waited, with nothing of it processed while the member was free. */
  readonly stalledMs: number;
}

export class StallWatch {
  private held = new Set<number>();
  /** The next offset to process per partition, from the messages processed in this session. */
  private readonly processedNext = new Map<number, number>();
  /** Partitions with a message processed since the last check. */
  private readonly progressed = new Set<number>();
  /** When each waiting partition's stall began (absent: not waiting, or it progressed). */
  private readonly waitingSince = new Map<number, number>();
  private batchesRunning = 0;
  /** No batch ran at some moment since the last check: the member was free to take one. */
  private freeSinceLastCheck = true;

  constructor(private readonly stallMs: number) {}

  /** The partitions the group gave this member (after each rebalance). */
  assigned(partitions: readonly number[]): void {
    this.held = new Set(partitions);
    // A rebalance is progress of its own: the new assignment starts with a clean slate.
    this.waitingSince.clear();
  }

  /** The group began a rebalance: fetching pauses until it settles, so waiting partitions start their count again. */
  rebalancing(): void {
    this.waitingSince.clear();
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
    for (const partition of this.held) {
      const o = offsets.get(partition);
      if (o === undefined) continue;
      const start = o.committed >= 0 ? o.committed : o.low;
      const position = Math.max(start, this.processedNext.get(partition) ?? 0);
      const waiting = o.high > position;
      if (!waiting || this.progressed.has(partition)) {
        this.waitingSince.delete(partition);
        continue;
      }
      // Busy with other partitions' batches the whole time: waiting its turn is not a stall.
      if (!free) {
        this.waitingSince.delete(partition);
        continue;
      }
      const since = this.waitingSince.get(partition) ?? now;
      this.waitingSince.set(partition, since);
      const stalledMs = now - since;
      if (stalledMs >= this.stallMs && (worst === undefined || stalledMs > worst.stalledMs)) {
        worst = { partition, position, high: o.high, stalledMs };
      }
    }
    this.progressed.clear();
    this.freeSinceLastCheck = this.batchesRunning === 0;
    return worst;
  }
}
