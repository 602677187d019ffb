import {
  createEnvelope,
  encodeEnvelope,
  MalformedMessage,
  parseEnvelope,
  producerName,
  type Envelope,
} from "../../../apps/shared/envelope";

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
    expect(plain(parseEnvelope(encodeEnvelope(envelope)))).toEqual(envelope);
  });
});

/** The five fields as a plain object (a parsed envelope may decode some on first read). */
function plain(envelope: Envelope): Envelope {
  const { id, seq, producer, sentAt, payload } = envelope;
  return { id, seq, producer, sentAt, payload };
}

describe("parseEnvelope", () => {
  const producer = producerName("kafka-producer");
  const bodies: [string, string][] = [
    ["a producer's envelope", encodeEnvelope(createEnvelope(123456, producer, 1024)).toString()],
    ["seq 0 and an empty payload", encodeEnvelope(createEnvelope(0, producer, 0)).toString()],
    ["non-ASCII text", encodeEnvelope({ id: "é", seq: 1, producer: "生産者", sentAt: 5, payload: "🚀 ü" }).toString()],
    ["escapes", encodeEnvelope({ id: 'a"b', seq: 2, producer: "p\\q", sentAt: 5, payload: "x\ny\u0000" }).toString()],
    ["another field order", JSON.stringify({ seq: 3, id: "i", payload: "x", producer: "p", sentAt: 5 })],
    ["spaces", JSON.stringify({ id: "i", seq: 4, producer: "p", sentAt: 5, payload: "x" }, null, 2)],
    ["numbers that are not plain integers", '{"id":"i","seq":1e3,"producer":"p","sentAt":-5,"payload":"x"}'],
    ["fractions", '{"id":"i","seq":1.5,"producer":"p","sentAt":5.25,"payload":"x"}'],
    ["a 16-digit number", '{"id":"i","seq":1234567890123456,"producer":"p","sentAt":5,"payload":"x"}'],
    ["a leading zero (not JSON, refused)", '{"id":"i","seq":01,"producer":"p","sentAt":5,"payload":"x"}'],
    ["a quote inside the payload", '{"id":"i","seq":1,"producer":"p","sentAt":5,"payload":"a"b"}'],
    ["trailing bytes", '{"id":"i","seq":1,"producer":"p","sentAt":5,"payload":"x"} '],
    ["a missing field", '{"id":"i","seq":1,"producer":"p","payload":"x"}'],
    ["a field of another type", '{"id":"i","seq":"1","producer":"p","sentAt":5,"payload":"x"}'],
    ["an extra field", '{"id":"i","seq":1,"producer":"p","sentAt":5,"payload":"x","more":true}'],
    [
      "truncated",
      encodeEnvelope(createEnvelope(9, producer, 16))
        .toString()
        .slice(0, -3),
    ],
    ["not JSON", "hello"],
    ["not an object", "[1,2]"],
    ["empty", ""],
  ];

  test.each(bodies)("reads exactly what JSON.parse and the field checks read, or refuses what they refuse: %s", (_name, body) => {
    const viaJson = (): Envelope => {
      const parsed = JSON.parse(body) as Record<string, unknown>;
      for (const [field, type] of Object.entries({
        id: "string",
        seq: "number",
        producer: "string",
        sentAt: "number",
        payload: "string",
      })) {
        if (typeof parsed?.[field] !== type) throw new Error(field);
      }
      const { id, seq, producer: from, sentAt, payload } = parsed as unknown as Envelope;
      return { id, seq, producer: from, sentAt, payload };
    };
    let expected: Envelope | undefined;
    try {
      expected = viaJson();
    } catch {
      expected = undefined;
    }
    if (expected === undefined) expect(() => parseEnvelope(Buffer.from(body))).toThrow(MalformedMessage);
    else expect(plain(parseEnvelope(Buffer.from(body)))).toEqual(expected);
  });

  test("a parsed envelope serializes as the plain envelope", () => {
    const envelope = createEnvelope(7, producer, 8);
    expect(JSON.parse(JSON.stringify(parseEnvelope(encodeEnvelope(envelope))))).toEqual(envelope);
  });
});

test("a producer's name says which app, host, pid and run of the process (random per start)", () => {
  expect(producerName("kafka-producer")).toMatch(/^kafka-producer@[^:]+:\d+\/[0-9a-f]{8}$/);
});
