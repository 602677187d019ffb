/**
 * The one lookup the Kafka rule tables (kafka-*-rules.ts, kafka-config-synonyms.ts)
 * are read with: own keys only.
 */

/** `table[key]` for own keys only: user keys such as "constructor" must not reach Object.prototype. */
export function lookup<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined;
}
