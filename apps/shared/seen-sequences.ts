import { BoundedMap } from "./bounded-map";

/**
 * How many of a producer's latest sequence numbers are remembered: a
 * duplicate is recognised while its `seq` is within this many of the highest
 * `seq` seen from its producer. Kafka hands a producer's messages over
 * partition by partition, so the window must cover how far one partition can
 * run ahead of another; 2^18 bits is 32 KiB a producer.
 */
export const SEQUENCE_WINDOW = 2 ** 18;
/** How many producers are remembered (the least recently seen is forgotten first): at most 8 MiB of windows. */
export const REMEMBERED_PRODUCERS = 256;

/**
 * Which (producer, seq) pairs a consumer has processed, to count duplicates.
 * A producer numbers its messages 0, 1, 2, ... (envelope.ts), so what it
 * sent is a window of bits rather than a map of string ids: one bit a
 * message instead of about 100 bytes, and no hashing or garbage per message
 * (the map of ids was 11% of the Kafka consumer's busy time, issue 24).
 * A `seq` that is not a non-negative integer, or older than the window,
 * cannot be told apart and counts as new: duplicates are counted, never
 * invented.
 */
export class SeenSequences {
  private readonly producers = new BoundedMap<string, SequenceWindow>(REMEMBERED_PRODUCERS);
  /** The last producer looked up: messages come in runs from one producer, so most lookups are this comparison. */
  private lastProducer: string | undefined;
  private lastWindow: SequenceWindow | undefined;

  constructor(private readonly windowSize = SEQUENCE_WINDOW) {
    if (!Number.isInteger(windowSize / 32) || windowSize <= 0)
      throw new Error(`window size ${windowSize} is not a positive multiple of 32`);
  }

  /** Records the message; true when it had been recorded before (a duplicate). */
  seenBefore(producer: string, seq: number): boolean {
    if (!Number.isSafeInteger(seq) || seq < 0) return false;
    return this.windowOf(producer).mark(seq);
  }

  private windowOf(producer: string): SequenceWindow {
    if (producer === this.lastProducer) return this.lastWindow!;
    let window = this.producers.get(producer);
    if (window === undefined) {
      window = new SequenceWindow(this.windowSize);
      this.producers.add(producer, window);
    }
    this.lastProducer = producer;
    this.lastWindow = window;
    return window;
  }
}

/** One producer's last `size` sequence numbers as bits, a ring indexed by seq % size. */
class SequenceWindow {
  private readonly words: Uint32Array;
  /** One past the highest seq marked: the window is [end - size, end). */
  private end = 0;

  constructor(private readonly size: number) {
    this.words = new Uint32Array(size / 32);
  }

  mark(seq: number): boolean {
    if (seq >= this.end) {
      this.advanceTo(seq + 1);
    } else if (seq < this.end - this.size) {
      return false; // forgotten
    }
    const slot = seq % this.size;
    const word = slot >>> 5;
    const bit = 1 << (slot & 31);
    const seen = (this.words[word]! & bit) !== 0;
    this.words[word] = this.words[word]! | bit;
    return seen;
  }

  /** Moves the window's end to `end`, clearing the slots of the sequence numbers it now covers. */
  private advanceTo(end: number): void {
    if (end - this.end >= this.size) {
      this.words.fill(0);
    } else {
      for (let seq = this.end; seq < end; seq++) {
        const slot = seq % this.size;
        this.words[slot >>> 5] = this.words[slot >>> 5]! & ~(1 << (slot & 31));
      }
    }
    this.end = end;
  }
}
