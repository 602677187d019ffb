import { createEnvelope, encodeEnvelope, parseEnvelope, type Envelope } from "../../../apps/shared/envelope";

describe("encodeEnvelope", () => {
  const cases: [string, Envelope][] = [
    ["a producer's envelope", createEnvelope(7, "kafka-producer@abc:1", 1024)],
    ["an empty payload", createEnvelope(0, "p", 0)],
    [
      "quotes, backslashes, control and non-ASCII characters",
      { id: 'a"b\\c', seq: -1.5, producer: "é\u0001\n🚀", sentAt: 0, payload: '"\\\u2028</script>' },
    ],
    ["numbers JSON cannot hold", { id: "x", seq: Number.NaN, producer: "p", sentAt: Number.POSITIVE_INFINITY, payload: "y" }],
  ];

  test.each(cases)("writes exactly the bytes of JSON.stringify: %s", (_name, envelope) => {
    expect(encodeEnvelope(envelope).toString("utf8")).toBe(JSON.stringify(envelope));
  });

  test("a payload that changes between messages is encoded anew each time", () => {
    const first = { ...createEnvelope(1, "p", 4), payload: "aaaa" };
    const second = { ...first, payload: 'b"b' };
    expect(encodeEnvelope(first).toString()).toBe(JSON.stringify(first));
    expect(encodeEnvelope(second).toString()).toBe(JSON.stringify(second));
    expect(encodeEnvelope(first).toString()).toBe(JSON.stringify(first));
  });

  test("what it writes parses back to the same envelope", () => {
    const envelope = createEnvelope(42, "rabbitmq-producer@h:9", 256);
    expect(parseEnvelope(encodeEnvelope(envelope))).toEqual(envelope);
  });
});
