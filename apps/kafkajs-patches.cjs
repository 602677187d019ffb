// Source patches of kafkajs 2.2.4 (the kafka-consumer's client), applied by
// apps/bundle.mjs as esbuild plugins when it bundles the apps. CommonJS, so
// that __tests__/unit/apps/kafkajs-patches.test.ts can bundle with them too.
const { readFile } = require("node:fs/promises");

/**
 * Registers an onLoad that applies `edits` ([anchor, replacement] pairs, each
 * anchor replaced once) to the kafkajs file matching `filter`. The build
 * fails if an anchor is gone: another kafkajs version, whose fix `what`
 * names must be re-checked.
 */
function patchSource(build, filter, what, edits) {
  build.onLoad({ filter }, async (args) => {
    let source = await readFile(args.path, "utf8");
    for (const [anchor, replacement] of edits) {
      if (!source.includes(anchor))
        throw new Error(`kafkajs patch: "${anchor}" not found in ${args.path}; re-check the ${what} for this kafkajs version`);
      source = source.replace(anchor, replacement);
    }
    return { contents: source, loader: "js" };
  });
}

/**
 * kafkajs 2.2.4 can lose acknowledged records when a partition leader dies:
 * src/producer/sendMessages.js retries only to brokers that have not yet
 * answered the send, so a partition whose leadership moved to a broker that
 * already answered (for other partitions) is never re-sent, yet the send
 * resolves (kafkajs issue #1303, PR #1798 open; measured in the cluster e2e
 * suite: 2 confirmed records missing in 2 of 5 leader kills). The patch
 * makes every retry re-send the whole batch to the current leaders: at
 * least once (duplicates are counted by the consumers), never lost.
 * The build fails if the patched line is gone (another kafkajs version).
 */
const KAFKAJS_RETRY_ALL = {
  name: "kafkajs-retry-all-partitions",
  setup(b) {
    const anchor = "return retrier(async (bail, retryCount, retryTime) => {";
    patchSource(b, /kafkajs[\\/]src[\\/]producer[\\/]sendMessages\.js$/, "retry fix", [
      [
        anchor,
        `${anchor}\n      if (retryCount > 0) responsePerBroker.clear() // cdktf-docker-messaging: re-send every partition on a retry`,
      ],
    ]);
  },
};

/**
 * kafkajs 2.2.4 hides why it found no group coordinator: the broker's error
 * (GROUP_AUTHORIZATION_FAILED for a consumer without Read on its group) is
 * logged at debug level only, and consumers crash with a bare "Failed to find
 * group coordinator". The patch keeps the last such error as the thrown
 * error's `cause` and in its message, so the apps can log an authorization
 * refusal (apps/shared/kafka-client.ts). The build fails if an anchor is gone.
 */
const KAFKAJS_COORDINATOR_CAUSE = {
  name: "kafkajs-group-coordinator-cause",
  setup(b) {
    patchSource(b, /kafkajs[\\/]src[\\/]cluster[\\/]index\.js$/, "coordinator error fix", [
      [
        "async findGroupCoordinatorMetadata({ groupId, coordinatorType }) {",
        "async findGroupCoordinatorMetadata({ groupId, coordinatorType }) {\n    let lastError // cdktf-docker-messaging: the broker's reason, kept",
      ],
      [
        "this.logger.debug('Tried to find group coordinator', {",
        "lastError = e\n          this.logger.debug('Tried to find group coordinator', {",
      ],
      [
        "throw new KafkaJSGroupCoordinatorNotFound('Failed to find group coordinator')",
        "throw new KafkaJSGroupCoordinatorNotFound(lastError ? `Failed to find group coordinator: ${lastError.message}` : 'Failed to find group coordinator', { cause: lastError })",
      ],
    ]);
  },
};

/**
 * kafkajs 2.2.4 decodes every record's offset and timestamp with 64-bit Long
 * arithmetic on decimal strings (`Long.fromValue(firstOffset).add(delta)
 * .toString()`: a string parse, an add and a division loop, twice a record),
 * parses every offset once more to drop records before the fetched offset
 * (consumer/batch.js), and gathers a record's headers with an object spread
 * per header. In the kafka-consumer's profile (BENCHMARKS.md, "Where the time goes")
 * record decoding was a quarter of its busy time, and the Longs and spread
 * objects much of its garbage. The patch does the same sums and comparisons
 * in doubles where they are exact (the base and the result safe integers:
 * every offset, and every timestamp in ms, is below 2^53), else as before,
 * reads the timestamp's delta (a zigzag varlong, kafkajs's readVarLong makes
 * about nine Longs of it) into a double when it has at most 7 bytes, and
 * builds the headers in one object with the same values (a repeated key
 * still becomes an array). The strings that come out are the same: Long's
 * toString and String() both write an integer's plain decimal. The build
 * fails if an anchor is gone (another kafkajs version).
 */
const EXACT_SUM = `
// cdktf-docker-messaging: decimal sums in doubles where exact (see apps/bundle.mjs).
// One adder per base (a batch's first offset, its first timestamp): each keeps its base's number.
const __cdmExactAdder = () => {
  let lastBase, lastBaseNumber
  return (base, delta) => {
    if (base !== lastBase) {
      lastBase = base
      lastBaseNumber = Number(base)
    }
    const d = typeof delta === 'number' ? delta : delta.toNumber()
    const sum = lastBaseNumber + d
    if (Number.isSafeInteger(lastBaseNumber) && Number.isSafeInteger(d) && Number.isSafeInteger(sum)) return String(sum)
    return Long.fromValue(base).add(delta).toString()
  }
}
// A varlong of up to 7 bytes (49 bits) read into a double exactly, zigzag-decoded; longer ones as before.
const __cdmReadVarLong = decoder => {
  const start = decoder.offset
  let value = 0
  let multiplier = 1
  let currentByte
  let bytes = 0
  do {
    if (bytes === 7) {
      decoder.offset = start
      return decoder.readVarLong()
    }
    currentByte = decoder.buffer[decoder.offset++]
    value += (currentByte & 0x7f) * multiplier
    multiplier *= 128
    bytes++
  } while (currentByte >= 0x80)
  return value % 2 === 0 ? value / 2 : -(value + 1) / 2
}
const __cdmAddToOffset = __cdmExactAdder()
const __cdmAddToTimestamp = __cdmExactAdder()
const __cdmHeaders = headers => {
  const obj = {}
  for (const { key, value } of headers) {
    const merged = obj[key] === undefined ? value : Array.isArray(obj[key]) ? obj[key].concat([value]) : [obj[key], value]
    // An own property, as the object literal's computed key made it, also for a header named __proto__.
    if (key === '__proto__') Object.defineProperty(obj, key, { value: merged, enumerable: true, writable: true, configurable: true })
    else obj[key] = merged
  }
  return obj
}
`;
const KAFKAJS_RECORD_NUMBERS = {
  name: "kafkajs-record-numbers",
  setup(b) {
    patchSource(b, /kafkajs[\\/]src[\\/]protocol[\\/]recordBatch[\\/]record[\\/]v0[\\/]decoder\.js$/, "record decoding patch", [
      [
        "const TimestampTypes = require('../../../timestampTypes')\n",
        `const TimestampTypes = require('../../../timestampTypes')\n${EXACT_SUM}`,
      ],
      ["  const timestampDelta = decoder.readVarLong()", "  const timestampDelta = __cdmReadVarLong(decoder)"],
      [
        `      : Long.fromValue(firstTimestamp)
          .add(timestampDelta)
          .toString()`,
        "      : __cdmAddToTimestamp(firstTimestamp, timestampDelta)",
      ],
      [
        `  const offset = Long.fromValue(firstOffset)
    .add(offsetDelta)
    .toString()`,
        "  const offset = __cdmAddToOffset(firstOffset, offsetDelta)",
      ],
      [
        `  const headers = decoder.readVarIntArray(HeaderDecoder).reduce(
    (obj, { key, value }) => ({
      ...obj,
      [key]:
        obj[key] === undefined
          ? value
          : Array.isArray(obj[key])
          ? obj[key].concat([value])
          : [obj[key], value],
    }),
    {}
  )`,
        "  const headers = __cdmHeaders(decoder.readVarIntArray(HeaderDecoder))",
      ],
    ]);
    patchSource(b, /kafkajs[\\/]src[\\/]consumer[\\/]batch\.js$/, "batch offset filter patch", [
      [
        `    this.messagesWithinOffset = this.rawMessages.filter(message =>
      Long.fromValue(message.offset).gte(longFetchedOffset)
    )`,
        `    // cdktf-docker-messaging: compared as doubles where exact (see apps/bundle.mjs)
    const fetchedNumber = Number(this.fetchedOffset)
    this.messagesWithinOffset = this.rawMessages.filter(message => {
      const offset = Number(message.offset)
      return Number.isSafeInteger(offset) && Number.isSafeInteger(fetchedNumber)
        ? offset >= fetchedNumber
        : Long.fromValue(message.offset).gte(longFetchedOffset)
    })`,
      ],
    ]);
  },
};

/** Every patch, in the order bundle.mjs applies them. */
const KAFKAJS_PATCHES = [KAFKAJS_RETRY_ALL, KAFKAJS_COORDINATOR_CAUSE, KAFKAJS_RECORD_NUMBERS];

module.exports = { KAFKAJS_PATCHES };
