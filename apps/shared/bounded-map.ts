/**
 * A Map that forgets its oldest entries beyond `capacity`. Consumers remember
 * message ids (for duplicates) and local delivery counts with it, so a
 * consumer that runs for weeks holds bounded memory: duplicates are detected
 * within the last `capacity` distinct ids.
 *
 * A consumer calls it for every message, so it avoids per-call garbage:
 * `add` (a key known to be absent) skips set's re-insertion, and eviction
 * walks one live iterator over the keys instead of creating one per call.
 */
export class BoundedMap<K, V> {
  private readonly entries = new Map<K, V>();
  /** Keys oldest first; a Map's iterator stays valid while entries come and go. */
  private oldest: Iterator<K> | undefined;

  constructor(private readonly capacity: number) {}

  get(key: K): V | undefined {
    return this.entries.get(key);
  }

  has(key: K): boolean {
    return this.entries.has(key);
  }

  /** Sets `key`, making it the youngest entry (re-inserting an existing key moves it). */
  set(key: K, value: V): void {
    this.entries.delete(key);
    this.add(key, value);
  }

  /** Sets a key the caller knows is absent (say, just checked with `has`): one hash lookup fewer than `set`. */
  add(key: K, value: V): void {
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) this.evictOldest();
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  private evictOldest(): void {
    // Maps iterate in insertion order: the iterator's next key is the oldest.
    let next = this.oldest?.next();
    if (next === undefined || next.done) {
      this.oldest = this.entries.keys();
      next = this.oldest.next();
    }
    if (!next.done) this.entries.delete(next.value);
  }
}
