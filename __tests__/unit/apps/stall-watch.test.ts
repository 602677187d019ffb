import { PartitionOffsets, StallWatch } from "../../../apps/kafka-consumer/src/stall-watch";

const STALL_MS = 60_000;
const CHECK_MS = 5_000;

function offsets(entries: Record<number, Partial<PartitionOffsets>>): Map<number, PartitionOffsets> {
  return new Map(Object.entries(entries).map(([p, o]) => [Number(p), { high: 0, low: 0, committed: -1, ...o }]));
}

/** Runs checks every CHECK_MS from `from` to `to` (inclusive) and returns the first stall reported, with its time. */
function checkUntil(watch: StallWatch, from: number, to: number, o: Map<number, PartitionOffsets>, between?: () => void) {
  for (let t = from; t <= to; t += CHECK_MS) {
    between?.();
    const stall = watch.check(t, o);
    if (stall) return { at: t, stall };
  }
  return undefined;
}

test("a held partition with messages waiting and nothing processed while the member is free is a stall after the threshold, not before", () => {
  const watch = new StallWatch(STALL_MS);
  watch.assigned([0, 1]);
  const o = offsets({ 0: { high: 500, committed: 200 }, 1: { high: 100, committed: 100 } });
  const found = checkUntil(watch, 0, 120_000, o);
  expect(found).toEqual({
    at: STALL_MS,
    stall: { kind: "fetch", partition: 0, position: 200, high: 500, committed: 200, stalledMs: STALL_MS },
  });
});

test("a partition without a committed offset waits from its oldest offset", () => {
  const watch = new StallWatch(STALL_MS);
  watch.assigned([0]);
  expect(checkUntil(watch, 0, 120_000, offsets({ 0: { high: 50, low: 50, committed: -1 } }))).toBeUndefined();
  expect(checkUntil(watch, 200_000, 300_000, offsets({ 0: { high: 60, low: 50, committed: -1 } }))?.stall.position).toBe(50);
});

test("progress on the partition between checks, its commits following, is no stall, however long it lags", () => {
  const watch = new StallWatch(STALL_MS);
  watch.assigned([0]);
  let next = 0;
  const o = offsets({ 0: { high: 1_000_000, committed: 0 } });
  expect(
    checkUntil(watch, 0, 600_000, o, () => {
      o.set(0, { ...o.get(0)!, committed: next }); // the previous batch's commit
      watch.batchStarted();
      next += 100;
      watch.processed(0, next);
      watch.batchEnded();
    }),
  ).toBeUndefined();
});

test("what the member processed counts even before its commit reaches the brokers", () => {
  const watch = new StallWatch(STALL_MS);
  watch.assigned([0]);
  watch.processed(0, 500);
  // The committed offset the brokers report is behind, the member is caught up: no fetch stall.
  expect(checkUntil(watch, 0, 55_000, offsets({ 0: { high: 500, committed: 300 } }))).toBeUndefined();
});

test("a committed offset that stays below what the member processed is a commit stall after the threshold", () => {
  const watch = new StallWatch(STALL_MS);
  watch.assigned([0, 1]);
  watch.processed(0, 500);
  watch.processed(1, 80);
  const o = offsets({ 0: { high: 500, committed: 300 }, 1: { high: 80, committed: 80 } });
  expect(checkUntil(watch, 0, 120_000, o)).toEqual({
    at: STALL_MS,
    stall: { kind: "commit", partition: 0, position: 500, high: 500, committed: 300, stalledMs: STALL_MS },
  });
});

test("a committed offset that keeps following, however far behind, is no commit stall; a new assignment forgets what was processed", () => {
  const watch = new StallWatch(STALL_MS);
  watch.assigned([0]);
  let committed = 0;
  let next = 100;
  for (let t = 0; t <= 300_000; t += CHECK_MS) {
    next += 100;
    watch.processed(0, next);
    committed = next - 150; // a commit behind, every check
    expect(watch.check(t, offsets({ 0: { high: 1_000_000, committed } }))).toBeUndefined();
  }
  // Processed past a commit that never came, then the partition is assigned again: kafkajs resumes from the commit.
  watch.processed(0, next + 1000);
  watch.assigned([0]);
  expect(checkUntil(watch, 400_000, 500_000, offsets({ 0: { high: next + 1000, committed: next + 1000 } }))).toBeUndefined();
});

test("a partition waiting its turn while a long batch of another runs is no stall", () => {
  const watch = new StallWatch(STALL_MS);
  watch.assigned([0, 1]);
  watch.batchStarted(); // partition 1's batch, running for minutes (slow processing)
  const o = offsets({ 0: { high: 500, committed: 0 }, 1: { high: 10_000, committed: 0 } });
  let next = 0;
  // Committed every second inside the long batch: the commits follow.
  const step = () => {
    o.set(1, { ...o.get(1)!, committed: next });
    watch.processed(1, (next += 10));
  };
  expect(checkUntil(watch, 0, 300_000, o, step)).toBeUndefined();
  // The batch ends and partition 0 still gets nothing: from then on it counts.
  watch.batchEnded();
  const found = checkUntil(watch, 305_000, 500_000, offsets({ 0: { high: 500, committed: 0 }, 1: { high: 10_000, committed: 10_000 } }));
  expect(found?.stall.partition).toBe(0);
  expect(found?.at).toBe(305_000 + STALL_MS);
});

test("a partition starved while other partitions' short batches keep flowing is a stall", () => {
  const watch = new StallWatch(STALL_MS);
  watch.assigned([0, 1]);
  const o = offsets({ 0: { high: 500, committed: 0 }, 1: { high: 10_000_000, committed: 0 } });
  let next = 0;
  const found = checkUntil(watch, 0, 120_000, o, () => {
    o.set(1, { ...o.get(1)!, committed: next });
    watch.batchStarted();
    watch.processed(1, (next += 10));
    watch.batchEnded();
  });
  expect(found?.stall.partition).toBe(0);
});

test("a rebalance, a new assignment and a partition the brokers did not report restart or skip the count", () => {
  const watch = new StallWatch(STALL_MS);
  watch.assigned([0]);
  const o = offsets({ 0: { high: 500, committed: 0 } });
  expect(checkUntil(watch, 0, 55_000, o)).toBeUndefined();
  watch.rebalancing();
  expect(checkUntil(watch, 60_000, 115_000, o)).toBeUndefined();
  watch.assigned([0]);
  expect(checkUntil(watch, 120_000, 175_000, o)).toBeUndefined();
  // Offsets unavailable (brokers rolling): not judged, and no count restarted either.
  expect(watch.check(180_000, new Map())).toBeUndefined();
  expect(watch.check(181_000, o)?.stalledMs).toBe(61_000);
  // A partition moved to another member is not this member's stall.
  watch.assigned([1]);
  expect(checkUntil(watch, 200_000, 400_000, o)).toBeUndefined();
});
