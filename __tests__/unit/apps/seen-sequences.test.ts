import { SeenSequences } from "../../../apps/shared/seen-sequences";

test("a (producer, seq) pair is new once, then a duplicate every time after", () => {
  const seen = new SeenSequences();
  expect(seen.seenBefore("p", 0)).toBe(false);
  expect(seen.seenBefore("p", 1)).toBe(false);
  expect(seen.seenBefore("p", 0)).toBe(true);
  expect(seen.seenBefore("p", 1)).toBe(true);
  expect(seen.seenBefore("p", 1)).toBe(true);
});

test("producers are told apart: the same seq from another producer (or another run of it) is new", () => {
  const seen = new SeenSequences();
  expect(seen.seenBefore("app@host:1/aaaa", 5)).toBe(false);
  expect(seen.seenBefore("app@host:1/bbbb", 5)).toBe(false);
  expect(seen.seenBefore("app@host:1/aaaa", 5)).toBe(true);
  expect(seen.seenBefore("app@host:1/bbbb", 5)).toBe(true);
});

test("out of order within the window, as Kafka interleaves a producer's partitions, is exact (the same as a plain set)", () => {
  const seen = new SeenSequences(1024);
  const model = new Set<number>();
  let state = 7;
  const random = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  let high = 0;
  for (let i = 0; i < 20_000; i++) {
    high += random() < 0.5 ? 1 : 0;
    // Within 1000 of the highest seq so far: inside a window of 1024.
    const seq = Math.max(0, high - Math.floor(random() * 1000));
    expect(seen.seenBefore("p", seq)).toBe(model.has(seq));
    model.add(seq);
  }
});

test("a seq older than the window is forgotten and counts as new; a jump past the window forgets everything", () => {
  const seen = new SeenSequences(64);
  seen.seenBefore("p", 0);
  seen.seenBefore("p", 100); // window is now [37, 101)
  expect(seen.seenBefore("p", 0)).toBe(false);
  expect(seen.seenBefore("p", 100)).toBe(true);
  seen.seenBefore("p", 10_000);
  expect(seen.seenBefore("p", 9_999)).toBe(false);
  expect(seen.seenBefore("p", 10_000)).toBe(true);
});

test("the slots a window reuses are cleared: seq and seq + window are different messages", () => {
  const seen = new SeenSequences(32);
  for (let seq = 0; seq < 32; seq++) seen.seenBefore("p", seq);
  for (let seq = 32; seq < 96; seq++) expect(seen.seenBefore("p", seq)).toBe(false);
});

test.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53])("a seq of %p cannot be tracked and is never a duplicate", (seq) => {
  const seen = new SeenSequences();
  expect(seen.seenBefore("p", seq)).toBe(false);
  expect(seen.seenBefore("p", seq)).toBe(false);
});

test("a window size that is not a positive multiple of 32 is refused", () => {
  expect(() => new SeenSequences(100)).toThrow("window size 100 is not a positive multiple of 32");
});
