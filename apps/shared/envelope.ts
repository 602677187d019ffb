import { randomBytes, randomUUID } from "node:crypto";
import { hostname } from "node:os";

/**
 * The body every producer sends and every consumer expects: JSON, so a human
 * can read a message in the management UI or kafka-console-consumer.
 *
 * `producer` and `seq` (0, 1, 2, ... per producer run) are what consumers
 * count duplicates by (at-least-once delivery makes them legal) and let a
 * test see which messages are missing; `id` names one message (RabbitMQ's
 * message-id, Kafka's message-id header, the log lines); `sentAt`
 * (epoch ms, set when the message is first published) gives end-to-end
 * latency.
 */
export interface Envelope {
  readonly id: string;
  readonly seq: number;
  readonly producer: string;
  readonly sentAt: number;
  readonly payload: string;
}

export class MalformedMessage extends Error {
  constructor(reason: string) {
    super(`malformed message: ${reason}`);
    this.name = "MalformedMessage";
  }
}

/**
 * This run of the process: a restarted container has the same host name and
 * pid (1) and starts its `seq` at 0 again, so without it consumers would
 * take the new run's messages for duplicates of the old run's.
 */
const RUN = randomBytes(4).toString("hex");

/**
 * Who sent a message: the app, its host (the container id in Docker), pid
 * and run. Consumers count duplicates by this name and `seq`.
 */
export function producerName(app: string): string {
  return `${app}@${hostname()}:${process.pid}/${RUN}`;
}

const paddingBySize = new Map<number, string>();

/** `payload` is ASCII padding of exactly `payloadBytes` bytes (MESSAGE_SIZE_BYTES). */
export function createEnvelope(seq: number, producer: string, payloadBytes: number): Envelope {
  let payload = paddingBySize.get(payloadBytes);
  if (payload === undefined) {
    payload = "x".repeat(payloadBytes);
    paddingBySize.set(payloadBytes, payload);
  }
  return { id: randomUUID(), seq, producer, sentAt: Date.now(), payload };
}

/** The last payload encoded and its JSON: the padding is one string per size, the same for every message. */
let lastPayload: string | undefined;
let lastPayloadJson = "";

/**
 * The bytes of `JSON.stringify(envelope)`, exactly (a unit test holds them
 * equal), built field by field so that the payload, the same padding string
 * in every message, is escaped once rather than per message: 2.5 times less
 * time per envelope (1 KiB payload), where the producers' profiles showed
 * encodeEnvelope at 14% of their busy time (BENCHMARKS.md section 3b; bench/envelope-encode.ts measures this one).
 */
export function encodeEnvelope(envelope: Envelope): Buffer {
  if (envelope.payload !== lastPayload) {
    lastPayload = envelope.payload;
    lastPayloadJson = JSON.stringify(envelope.payload);
  }
  return Buffer.from(
    `{"id":${JSON.stringify(envelope.id)},"seq":${JSON.stringify(envelope.seq)},"producer":${JSON.stringify(envelope.producer)},` +
      `"sentAt":${JSON.stringify(envelope.sentAt)},"payload":${lastPayloadJson}}`,
  );
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const DIGIT_0 = 0x30;
/** The bytes encodeEnvelope writes between the fields, in its order. */
const ID_START = Buffer.from('{"id":"');
const SEQ_START = Buffer.from('","seq":');
const PRODUCER_START = Buffer.from(',"producer":"');
const SENT_AT_START = Buffer.from('","sentAt":');
const PAYLOAD_START = Buffer.from(',"payload":"');
const END = Buffer.from('"}');
/** Digits of an integer that a double holds exactly (2^53 has 16). */
const MAX_INTEGER_DIGITS = 15;

/**
 * An envelope read straight from the bytes encodeEnvelope writes. Only `seq`,
 * `sentAt` and `producer` are read at once (the consumers count and time
 * every message by them); `id` and `payload` are decoded from the body the
 * first time something reads them (a debug line, CONSUMER_FAIL_MARKER), so
 * a consumer at tens of thousands of messages a second makes no 1 KiB
 * payload string per message that nothing reads (the Kafka consumer's
 * profile: JSON.parse, UTF-8 slicing and the garbage they leave were a
 * third of its busy time, BENCHMARKS.md "Where the time goes").
 */
class EncodedEnvelope implements Envelope {
  private decodedId: string | undefined;
  private decodedPayload: string | undefined;

  constructor(
    private readonly body: Buffer,
    readonly seq: number,
    readonly producer: string,
    readonly sentAt: number,
    private readonly idAt: number,
    private readonly idEnd: number,
    private readonly payloadAt: number,
  ) {}

  get id(): string {
    return (this.decodedId ??= this.body.toString("utf8", this.idAt, this.idEnd));
  }

  get payload(): string {
    return (this.decodedPayload ??= this.body.toString("utf8", this.payloadAt, this.body.length - END.length));
  }

  /** The plain fields, as JSON.stringify and a test's toEqual see an envelope. */
  toJSON(): Envelope {
    return { id: this.id, seq: this.seq, producer: this.producer, sentAt: this.sentAt, payload: this.payload };
  }
}

/** Whether `body` holds `expected` at `at`. */
function bytesAt(body: Buffer, at: number, expected: Buffer): boolean {
  if (at + expected.length > body.length) return false;
  for (let i = 0; i < expected.length; i++) if (body[at + i] !== expected[i]) return false;
  return true;
}

/** A non-negative integer of at most MAX_INTEGER_DIGITS digits at `at`; its value and end, or undefined. */
function integerAt(body: Buffer, at: number): { value: number; end: number } | undefined {
  let value = 0;
  let end = at;
  for (; end < body.length && end - at <= MAX_INTEGER_DIGITS; end++) {
    const digit = body[end]! - DIGIT_0;
    if (digit < 0 || digit > 9) break;
    value = value * 10 + digit;
  }
  const digits = end - at;
  // JSON has no leading zeros; a number that is not plain digits takes the slow path.
  if (digits === 0 || digits > MAX_INTEGER_DIGITS || (digits > 1 && body[at] === DIGIT_0)) return undefined;
  return { value, end };
}

/** The last producer name decoded, and its bytes: messages come in runs from one producer. */
let lastProducer = "";
let lastProducerBytes = Buffer.alloc(0);

/** The producer name in `body[start, end)`: the last one's string when the bytes are the same (no string made per message). */
function producerBetween(body: Buffer, start: number, end: number): string {
  const length = end - start;
  if (length === lastProducerBytes.length) {
    let same = true;
    for (let i = 0; i < length; i++) {
      if (body[start + i] !== lastProducerBytes[i]) {
        same = false;
        break;
      }
    }
    if (same) return lastProducer;
  }
  lastProducerBytes = Buffer.from(body.subarray(start, end));
  lastProducer = lastProducerBytes.toString("utf8");
  return lastProducer;
}

/**
 * The fast path: a body laid out exactly as encodeEnvelope writes it, with no
 * escape anywhere (no backslash: every string ends at its next quote) and
 * integer `seq` and `sentAt`. Anything else (another writer's field order,
 * spaces, escapes, fractions) is undefined, and JSON.parse decides.
 */
function readEncoded(body: Buffer): Envelope | undefined {
  if (!bytesAt(body, 0, ID_START) || body.indexOf(BACKSLASH) !== -1) return undefined;
  const idAt = ID_START.length;
  const idEnd = body.indexOf(QUOTE, idAt);
  if (idEnd === -1 || !bytesAt(body, idEnd, SEQ_START)) return undefined;
  const seq = integerAt(body, idEnd + SEQ_START.length);
  if (seq === undefined || !bytesAt(body, seq.end, PRODUCER_START)) return undefined;
  const producerAt = seq.end + PRODUCER_START.length;
  const producerEnd = body.indexOf(QUOTE, producerAt);
  if (producerEnd === -1 || !bytesAt(body, producerEnd, SENT_AT_START)) return undefined;
  const sentAt = integerAt(body, producerEnd + SENT_AT_START.length);
  if (sentAt === undefined || !bytesAt(body, sentAt.end, PAYLOAD_START)) return undefined;
  const payloadAt = sentAt.end + PAYLOAD_START.length;
  // The payload's closing quote is the body's last quote, right before the closing brace.
  if (body.indexOf(QUOTE, payloadAt) !== body.length - END.length || !bytesAt(body, body.length - END.length, END)) return undefined;
  const producer = producerBetween(body, producerAt, producerEnd);
  return new EncodedEnvelope(body, seq.value, producer, sentAt.value, idAt, idEnd, payloadAt);
}

/** Parses and checks a body; throws MalformedMessage for anything that is not an envelope. */
export function parseEnvelope(body: Buffer): Envelope {
  const encoded = readEncoded(body);
  if (encoded !== undefined) return encoded;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    throw new MalformedMessage("body is not JSON");
  }
  if (typeof parsed !== "object" || parsed === null) throw new MalformedMessage("body is not a JSON object");
  const candidate = parsed as Record<string, unknown>;
  for (const [field, type] of [
    ["id", "string"],
    ["seq", "number"],
    ["producer", "string"],
    ["sentAt", "number"],
    ["payload", "string"],
  ] as const) {
    if (typeof candidate[field] !== type) throw new MalformedMessage(`field "${field}" is not a ${type}`);
  }
  return candidate as unknown as Envelope;
}
