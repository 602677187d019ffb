import { randomUUID } from "node:crypto";
import { hostname } from "node:os";

/**
 * The body every producer sends and every consumer expects: JSON, so a human
 * can read a message in the management UI or kafka-console-consumer.
 *
 * `id` is what consumers count duplicates by (at-least-once delivery makes
 * them legal); `seq` lets a test see which messages are missing; `sentAt`
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

/** Who sent a message: the app, its host (the container id in Docker) and pid. */
export function producerName(app: string): string {
  return `${app}@${hostname()}:${process.pid}`;
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

/** Parses and checks a body; throws MalformedMessage for anything that is not an envelope. */
export function parseEnvelope(body: Buffer): Envelope {
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
