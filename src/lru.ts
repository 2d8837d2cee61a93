import { contentKey, deepFreeze } from './values.js';

/**
 * A bounded cache that keeps what was used recently: entries live in two generations, and when the
 * recent one is full the older one is dropped and the recent one takes its place. A hit on an older
 * entry moves it back to the recent generation. So every entry used within the last `capacity / 2`
 * insertions is kept, at most `capacity` entries are held, and a hit costs one Map lookup (a strict
 * LRU re-inserts on every hit, which for the small values cached here cost more than the value).
 */
export class LruCache<K, V> {
  private recent = new Map<K, V>();
  private older = new Map<K, V>();
  private readonly generationSize: number;

  constructor(capacity: number) {
    this.generationSize = Math.max(1, Math.floor(capacity / 2));
  }

  get size(): number {
    return this.recent.size + this.older.size;
  }

  get(key: K): V | undefined {
    const value = this.recent.get(key);
    if (value !== undefined) return value;
    const old = this.older.get(key);
    if (old !== undefined) {
      this.older.delete(key);
      this.insert(key, old);
    }
    return old;
  }

  set(key: K, value: V): void {
    this.older.delete(key);
    this.insert(key, value);
  }

  private insert(key: K, value: V): void {
    if (!this.recent.has(key) && this.recent.size >= this.generationSize) {
      this.older = this.recent;
      this.recent = new Map();
    }
    this.recent.set(key, value);
  }
}

/**
 * `compute()` for a value, remembered in `cache` by the value's content (contentKey) and frozen,
 * since every later call with equal content gets the very same result. Content that cannot be
 * keyed is computed every time.
 */
export function rememberedByContent<T>(cache: LruCache<string, T>, value: unknown, compute: () => T): T {
  const key = contentKey(value);
  let result = key === undefined ? undefined : cache.get(key);
  if (result === undefined) {
    result = deepFreeze(compute());
    if (key !== undefined) cache.set(key, result);
  }
  return result;
}
