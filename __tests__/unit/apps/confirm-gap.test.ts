import { ConfirmGap } from "../../../apps/shared/confirm-gap";

/** A ConfirmGap on a hand-driven clock. */
function gapAt(start = 1000) {
  let now = start;
  const gap = new ConfirmGap(() => now);
  return { gap, advance: (ms: number) => (now += ms) };
}

describe("ConfirmGap (the producers' confirmGapMaxMs)", () => {
  test("is null before the first confirm: no gap can be measured yet", () => {
    const { gap, advance } = gapAt();
    advance(5000);
    expect(gap.take()).toBeNull();
  });

  test("reports the longest stretch between two confirms of the interval", () => {
    const { gap, advance } = gapAt();
    gap.confirmed();
    advance(20);
    gap.confirmed();
    advance(4200);
    gap.confirmed();
    advance(30);
    gap.confirmed();
    expect(gap.take()).toBe(4200);
  });

  test("counts a stall still open at report time up to now, and the next interval reports the whole stall", () => {
    const { gap, advance } = gapAt();
    gap.confirmed();
    advance(3000);
    expect(gap.take()).toBe(3000); // stalled for 3 s so far
    advance(4000);
    gap.confirmed(); // the stall ends 7 s after the last confirm
    advance(10);
    expect(gap.take()).toBe(7000);
  });

  test("starts each interval afresh", () => {
    const { gap, advance } = gapAt();
    gap.confirmed();
    advance(900);
    gap.confirmed();
    expect(gap.take()).toBe(900);
    advance(15);
    gap.confirmed();
    expect(gap.take()).toBe(15);
  });
});
