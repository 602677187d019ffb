/**
 * The kafkajs patches the apps' bundle applies (apps/kafkajs-patches.cjs)
 * that must not change what kafkajs hands over: records decoded by the
 * patched and the unpatched decoder are the same (offsets, timestamps,
 * keys, values, headers), and a batch drops the same records before the
 * fetched offset, also where the doubles are not exact and the patch falls
 * back to Long. kafkajs's own encoder writes the record batches.
 */
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { build, type Plugin } from "esbuild";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { KAFKAJS_PATCHES } = require("../../../apps/kafkajs-patches.cjs") as { KAFKAJS_PATCHES: Plugin[] };

interface Kafkajs {
  RecordBatch(options: Record<string, unknown>): Promise<{ buffer: Buffer }>;
  Record(options: Record<string, unknown>): unknown;
  RecordBatchDecoder(decoder: unknown): Promise<{ records: DecodedRecord[] }>;
  Decoder: new (buffer: Buffer) => unknown;
  Batch: new (topic: string, fetchedOffset: string, partitionData: Record<string, unknown>) => { messages: DecodedRecord[] };
  Long: { fromValue(value: string | number): unknown; fromString(value: string): unknown };
}
interface DecodedRecord {
  readonly offset: string;
  readonly timestamp: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Record<string, unknown>;
}

const ENTRY = `module.exports = {
  RecordBatch: require("kafkajs/src/protocol/recordBatch/v0").RecordBatch,
  Record: require("kafkajs/src/protocol/recordBatch/record/v0"),
  RecordBatchDecoder: require("kafkajs/src/protocol/recordBatch/v0/decoder"),
  Decoder: require("kafkajs/src/protocol/decoder"),
  Batch: require("kafkajs/src/consumer/batch"),
  Long: require("kafkajs/src/utils/long"),
}`;

let work: string;
let patched: Kafkajs;
let plain: Kafkajs;

/** kafkajs's modules bundled as the apps' bundle has them (with its patches) or as they are. */
async function bundle(name: string, plugins: Plugin[]): Promise<Kafkajs> {
  const entry = join(work, `${name}-entry.js`);
  writeFileSync(entry, ENTRY);
  const outfile = join(work, `${name}.js`);
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    format: "cjs",
    plugins,
    nodePaths: [join(__dirname, "../../../node_modules")],
    logLevel: "silent",
  });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(outfile) as Kafkajs;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "kafkajs-patches-"));
  patched = await bundle("patched", KAFKAJS_PATCHES);
  plain = await bundle("plain", []);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A decoded record as comparable data (Buffers as hex). */
function comparable(record: DecodedRecord): unknown {
  const hex = (value: unknown): unknown =>
    Buffer.isBuffer(value) ? `hex:${value.toString("hex")}` : Array.isArray(value) ? value.map(hex) : value;
  const headers = Object.entries(record.headers).map(([key, value]) => [
    key,
    hex(value),
    Object.prototype.hasOwnProperty.call(record.headers, key),
  ]);
  return {
    offset: record.offset,
    timestamp: record.timestamp,
    key: hex(record.key),
    value: hex(record.value),
    headers,
    headersPrototype: Object.getPrototypeOf(record.headers) === Object.prototype,
  };
}

async function decodeWith(kafkajs: Kafkajs, firstOffset: string, firstTimestamp: string, records: Record<string, unknown>[]) {
  const encoded = await kafkajs.RecordBatch({
    firstOffset: kafkajs.Long.fromString(firstOffset),
    firstTimestamp: kafkajs.Long.fromString(firstTimestamp),
    maxTimestamp: kafkajs.Long.fromString(firstTimestamp),
    lastOffsetDelta: records.length - 1,
    records: records.map((r) => kafkajs.Record(r)),
  });
  return (await kafkajs.RecordBatchDecoder(new kafkajs.Decoder(encoded.buffer))).records;
}

const RECORDS: Record<string, unknown>[] = [
  {
    offsetDelta: 0,
    timestampDelta: 0,
    key: Buffer.from("key-0"),
    value: Buffer.from('{"id":"a"}'),
    headers: { "message-id": "a", "content-type": "application/json" },
  },
  { offsetDelta: 1, timestampDelta: 1, key: null, value: Buffer.from("x"), headers: {} },
  { offsetDelta: 2, timestampDelta: -5, key: Buffer.from("k"), value: null, headers: { twice: ["one", "two"] } },
  {
    offsetDelta: 3,
    timestampDelta: 2 ** 40,
    key: Buffer.alloc(0),
    value: Buffer.alloc(300, 7),
    headers: { ["__proto__"]: "not a prototype", plain: "v" },
  },
  {
    offsetDelta: 70_000,
    timestampDelta: 2 ** 55,
    key: Buffer.from("far"),
    value: Buffer.from("far"),
    headers: { ["é"]: Buffer.from([0, 255]) },
  },
];

describe.each([
  ["offsets and timestamps of today", "123456789", String(Date.UTC(2026, 11, 5))],
  ["offset 0 and timestamp -1 (none)", "0", "-1"],
  ["just below 2^53", String(2 ** 53 - 10), String(2 ** 53 - 10)],
  ["past 2^53, where doubles are not exact (the Long path)", "9007199254740993", "9223372036854775000"],
])("%s", (_name, firstOffset, firstTimestamp) => {
  test("the patched decoder hands over exactly the records the unpatched one does", async () => {
    const ours = (await decodeWith(patched, firstOffset, firstTimestamp, RECORDS)).map(comparable);
    const theirs = (await decodeWith(plain, firstOffset, firstTimestamp, RECORDS)).map(comparable);
    expect(ours).toEqual(theirs);
    expect(ours).toHaveLength(RECORDS.length);
  });

  test("a batch keeps exactly the records at or past the fetched offset", async () => {
    const records = await decodeWith(plain, firstOffset, firstTimestamp, RECORDS);
    for (const fetched of [records[0]!.offset, records[2]!.offset, records[4]!.offset, "0"]) {
      const partitionData = { partition: 0, highWatermark: "0", messages: records, abortedTransactions: [] };
      const kept = (kafkajs: Kafkajs) => new kafkajs.Batch("t", fetched, partitionData).messages.map((m) => m.offset);
      expect(kept(patched)).toEqual(kept(plain));
    }
  });
});
