import type { Gauge } from "prom-client";

/**
 * messaging_app_consumer_lag_messages{topic,partition}: how many messages
 * this member is behind on each partition the group gave it, i.e. the
 * partition's high watermark minus the next offset to process; 0 when caught
 * up.
 *
 * It is set from the batches kafkajs hands over (eachBatch): at the start of
 * a batch, at each commit inside a long one, and at its end. The high
 * watermark is the one the batch's fetch saw, so messages written since show
 * from the next batch on. A partition has a series from its first batch after
 * the group assigned it to this member; it is removed when a rebalance moves
 * the partition away or the session ends, so that a partition's lag is
 * reported by the member that holds it and by no other.
 *
 * Outlives sessions, like the metric it sets.
 */
export class ConsumerLag {
  private held = new Set<number>();
  /** The gauge's child per partition, bound once. */
  private readonly children = new Map<number, Gauge.Internal<"topic" | "partition">>();

  constructor(
    private readonly gauge: Gauge<"topic" | "partition">,
    private readonly topic: string,
  ) {}

  /** The partitions of the topic the group gave this member (after each rebalance; [] once the session ends). */
  assigned(partitions: readonly number[]): void {
    this.held = new Set(partitions);
    for (const partition of [...this.children.keys()]) {
      if (this.held.has(partition)) continue;
      this.gauge.remove({ topic: this.topic, partition: String(partition) });
      this.children.delete(partition);
    }
  }

  /**
   * `nextOffset` is the next message to process on `partition` (the batch's
   * first at its start, the one after the last processed later on). Ignored
   * for a partition this member no longer holds (a batch cut short by a
   * rebalance ends after the reassignment).
   */
  update(partition: number, highWatermark: string, nextOffset: string | number): void {
    if (!this.held.has(partition)) return;
    let child = this.children.get(partition);
    if (child === undefined) {
      child = this.gauge.labels({ topic: this.topic, partition: String(partition) });
      this.children.set(partition, child);
    }
    child.set(Math.max(0, Number(highWatermark) - Number(nextOffset)));
  }
}
