/**
 * A Map that forgets its oldest entries beyond `capacity`. Consumers remember
 * message ids (for duplicates) and local delivery counts with it, so a
 * consumer that runs for weeks holds bounded memory: duplicates are detected
 * within the last `capacity` distinct ids.
 */
export class BoundedMap<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(private readonly capacity: number) {}

  get(key: K): V | undefined {
    return this.entries.get(key);
  }

  has(key: K): boolean {
    return this.entries.has(key);
  }

  set(key: K, value: V): void {
    this.entries.delete(key); // re-inserting moves the key to the young end
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) {
      // Maps iterate in insertion order: the first key is the oldest.
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
  }

  delete(key: K): void {
    this.entries.delete(key);
  }
}
