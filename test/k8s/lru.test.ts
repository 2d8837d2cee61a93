// The bounded cache behind every per-process memo (compiled selectors and regexes, verdicts, names).
import { describe, expect, it } from '@jest/globals';
import { LruCache } from '../../src/lru.js';

describe('LruCache', () => {
  it('holds at most its capacity', () => {
    const cache = new LruCache<number, number>(10);
    for (let i = 0; i < 1000; i++) cache.set(i, i);
    expect(cache.size).toBeLessThanOrEqual(10);
    expect(cache.get(999)).toBe(999);
    expect(cache.get(0)).toBeUndefined();
  });

  it('keeps an entry that keeps being used, however many others come and go', () => {
    const cache = new LruCache<string, string>(8);
    cache.set('hot', 'kept');
    for (let i = 0; i < 1000; i++) {
      cache.set(`cold-${i}`, 'x');
      expect(cache.get('hot')).toBe('kept');
    }
  });

  it('keeps every entry used within the last half of its capacity', () => {
    const cache = new LruCache<number, number>(100);
    for (let i = 0; i < 500; i++) cache.set(i, i * 2);
    for (let i = 450; i < 500; i++) expect(cache.get(i)).toBe(i * 2);
  });

  it('replaces a value set again', () => {
    const cache = new LruCache<string, number>(4);
    cache.set('a', 1);
    for (let i = 0; i < 2; i++) cache.set(`b${i}`, i);
    cache.set('a', 2);
    expect(cache.get('a')).toBe(2);
    expect(cache.size).toBeLessThanOrEqual(4);
  });
});
