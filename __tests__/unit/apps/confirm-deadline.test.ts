import { ConfirmDeadline } from "../../../apps/rabbitmq-producer/src/confirm-deadline";

/** A deadline on a clock the test moves. */
function deadlineAt(baseMs = 3000, maxMs = 24_000) {
  const clock = { t: 1_000_000 };
  const deadline = new ConfirmDeadline(baseMs, maxMs, () => clock.t);
  return { deadline, clock };
}

describe("ConfirmDeadline: when a RabbitMQ producer calls its node silent", () => {
  test("nothing outstanding never expires, however long", () => {
    const { deadline, clock } = deadlineAt();
    clock.t += 60_000;
    expect(deadline.expiredAfterMs()).toBeUndefined();
  });

  test("a publish with no confirm expires at the deadline, not before", () => {
    const { deadline, clock } = deadlineAt();
    deadline.published();
    clock.t += 2999;
    expect(deadline.expiredAfterMs()).toBeUndefined();
    clock.t += 1;
    expect(deadline.expiredAfterMs()).toBe(3000);
  });

  test("the clock runs from the first outstanding publish: later publishes do not push it back", () => {
    const { deadline, clock } = deadlineAt();
    deadline.published();
    clock.t += 2000;
    deadline.published();
    clock.t += 1000;
    expect(deadline.expiredAfterMs()).toBe(3000);
  });

  test("a confirm restarts the wait for what is still outstanding, and with nothing outstanding stops it", () => {
    const { deadline, clock } = deadlineAt();
    deadline.published();
    clock.t += 2500;
    deadline.confirmed(5);
    clock.t += 2500;
    expect(deadline.expiredAfterMs()).toBeUndefined();
    clock.t += 500;
    expect(deadline.expiredAfterMs()).toBe(3000);
    deadline.confirmed(0);
    clock.t += 10_000;
    expect(deadline.expiredAfterMs()).toBeUndefined();
  });

  test("while the broker blocks publishes (a resource alarm) it never expires; once unblocked the wait starts again", () => {
    const { deadline, clock } = deadlineAt();
    deadline.published();
    clock.t += 2000;
    deadline.blockedByBroker();
    deadline.published();
    clock.t += 60_000;
    expect(deadline.blocked).toBe(true);
    expect(deadline.expiredAfterMs()).toBeUndefined();
    deadline.unblocked(100);
    expect(deadline.blocked).toBe(false);
    clock.t += 2999;
    expect(deadline.expiredAfterMs()).toBeUndefined();
    clock.t += 1;
    expect(deadline.expiredAfterMs()).toBe(3000);
  });

  test("unblocked with nothing outstanding waits for the next publish", () => {
    const { deadline, clock } = deadlineAt();
    deadline.blockedByBroker();
    deadline.unblocked(0);
    clock.t += 10_000;
    expect(deadline.expiredAfterMs()).toBeUndefined();
  });

  test("the first five sessions it ends keep the base deadline (a quorum queue's election), then each doubles the next up to the maximum; a confirm brings it back to the base", () => {
    const { deadline, clock } = deadlineAt(3000, 24_000);
    const seen: number[] = [];
    for (let i = 0; i < 10; i++) {
      seen.push(deadline.currentMs);
      deadline.escalate();
    }
    expect(seen).toEqual([3000, 3000, 3000, 3000, 3000, 6000, 12_000, 24_000, 24_000, 24_000]);
    deadline.reset();
    deadline.published();
    clock.t += 12_000;
    expect(deadline.expiredAfterMs()).toBeUndefined();
    deadline.confirmed(1);
    expect(deadline.currentMs).toBe(3000);
  });

  test("a new session starts with nothing outstanding and not blocked, and keeps the escalated deadline", () => {
    const { deadline, clock } = deadlineAt();
    deadline.published();
    deadline.blockedByBroker();
    for (let i = 0; i < 6; i++) deadline.escalate(); // 3, 3, 3, 3, 3, 6 -> 12 s next
    deadline.reset();
    expect(deadline.blocked).toBe(false);
    clock.t += 60_000;
    expect(deadline.expiredAfterMs()).toBeUndefined();
    deadline.published();
    clock.t += 11_999;
    expect(deadline.expiredAfterMs()).toBeUndefined();
    clock.t += 1;
    expect(deadline.expiredAfterMs()).toBe(12_000);
  });
});
