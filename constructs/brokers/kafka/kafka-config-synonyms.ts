/**
 * The names a topic config and its broker-wide default go by, in both
 * directions (Kafka's ServerTopicConfigSynonyms, plus common unit mistakes):
 * read by the topic-config and the broker-config rules.
 * Kafka 4.4.0's (the default image, apache/kafka:4.4.0); see kafka-topic-config-rules.ts.
 */

/**
 * Broker properties whose topic config has another name (the broker-wide
 * defaults), and common unit mistakes: topic configs are in ms and bytes.
 */
// Source: Kafka 4.1.1 server-common/src/main/java/org/apache/kafka/server/config/ServerTopicConfigSynonyms.java (ALL_TOPIC_CONFIG_SYNONYMS),
// compared with the 4.4.0 jars' TOPIC_CONFIG_SYNONYMS (remote.copy.lag.* added).
export const BROKER_NAME_TO_TOPIC_CONFIG: Readonly<Record<string, { topic: string; unit?: string }>> = {
  "log.segment.bytes": { topic: "segment.bytes" },
  "log.roll.ms": { topic: "segment.ms" },
  "log.roll.hours": { topic: "segment.ms", unit: "hours x 3600000" },
  "log.roll.jitter.ms": { topic: "segment.jitter.ms" },
  "log.roll.jitter.hours": { topic: "segment.jitter.ms", unit: "hours x 3600000" },
  "log.index.size.max.bytes": { topic: "segment.index.bytes" },
  "log.flush.interval.messages": { topic: "flush.messages" },
  "log.flush.interval.ms": { topic: "flush.ms" },
  "log.flush.scheduler.interval.ms": { topic: "flush.ms" },
  "log.retention.bytes": { topic: "retention.bytes" },
  "log.retention.ms": { topic: "retention.ms" },
  "log.retention.minutes": { topic: "retention.ms", unit: "minutes x 60000" },
  "log.retention.hours": { topic: "retention.ms", unit: "hours x 3600000" },
  "retention.minutes": { topic: "retention.ms", unit: "minutes x 60000" },
  "retention.hours": { topic: "retention.ms", unit: "hours x 3600000" },
  "message.max.bytes": { topic: "max.message.bytes" },
  "log.index.interval.bytes": { topic: "index.interval.bytes" },
  "log.cleaner.delete.retention.ms": { topic: "delete.retention.ms" },
  "log.cleaner.min.compaction.lag.ms": { topic: "min.compaction.lag.ms" },
  "log.cleaner.max.compaction.lag.ms": { topic: "max.compaction.lag.ms" },
  "log.segment.delete.delay.ms": { topic: "file.delete.delay.ms" },
  "log.cleaner.min.cleanable.ratio": { topic: "min.cleanable.dirty.ratio" },
  "log.cleanup.policy": { topic: "cleanup.policy" },
  "log.preallocate": { topic: "preallocate" },
  "log.message.timestamp.type": { topic: "message.timestamp.type" },
  "log.message.timestamp.before.max.ms": { topic: "message.timestamp.before.max.ms" },
  "log.message.timestamp.after.max.ms": { topic: "message.timestamp.after.max.ms" },
  "log.local.retention.ms": { topic: "local.retention.ms" },
  "log.local.retention.bytes": { topic: "local.retention.bytes" },
  "log.remote.copy.lag.ms": { topic: "remote.copy.lag.ms" },
  "log.remote.copy.lag.bytes": { topic: "remote.copy.lag.bytes" },
};

/** The broker-wide property of each topic config that has a differently named one (the reverse of the table above). */
export const TOPIC_CONFIG_TO_BROKER_NAME: Readonly<Record<string, string>> = {
  "segment.bytes": "log.segment.bytes",
  "segment.ms": "log.roll.ms",
  "segment.jitter.ms": "log.roll.jitter.ms",
  "segment.index.bytes": "log.index.size.max.bytes",
  "flush.messages": "log.flush.interval.messages",
  "flush.ms": "log.flush.interval.ms",
  "retention.bytes": "log.retention.bytes",
  "retention.ms": "log.retention.ms",
  "max.message.bytes": "message.max.bytes",
  "index.interval.bytes": "log.index.interval.bytes",
  "delete.retention.ms": "log.cleaner.delete.retention.ms",
  "min.compaction.lag.ms": "log.cleaner.min.compaction.lag.ms",
  "max.compaction.lag.ms": "log.cleaner.max.compaction.lag.ms",
  "file.delete.delay.ms": "log.segment.delete.delay.ms",
  "min.cleanable.dirty.ratio": "log.cleaner.min.cleanable.ratio",
  "cleanup.policy": "log.cleanup.policy",
  preallocate: "log.preallocate",
  "message.timestamp.type": "log.message.timestamp.type",
  "message.timestamp.before.max.ms": "log.message.timestamp.before.max.ms",
  "message.timestamp.after.max.ms": "log.message.timestamp.after.max.ms",
  "local.retention.ms": "log.local.retention.ms",
  "local.retention.bytes": "log.local.retention.bytes",
  "remote.copy.lag.ms": "log.remote.copy.lag.ms",
  "remote.copy.lag.bytes": "log.remote.copy.lag.bytes",
};
