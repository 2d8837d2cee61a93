// The bounded cache behind every per-process memo (compiled selectors and regexes, verdicts, names).
import { describe, expect, it } from '@jest/globals';
import { LruCache, rememberedByContent } from '../../src/lru.js';

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

describe('rememberedByContent', () => {
  it('computes once per content and hands every equal value the same frozen result', () => {
    const cache = new LruCache<string, { seen: unknown[] }>(8);
    let computed = 0;
    const remember = (value: unknown) => rememberedByContent(cache, value, () => ({ seen: [value, ++computed] }));
    const first = remember({ a: [1, 'x'] });
    expect(remember({ a: [1, 'x'] })).toBe(first);
    expect(computed).toBe(1);
    expect(Object.isFrozen(first) && Object.isFrozen(first.seen)).toBe(true);
    expect(remember({ a: [1, 'y'] })).not.toBe(first);
    expect(computed).toBe(2);
  });

  it('computes every time for content it cannot key', () => {
    const cache = new LruCache<string, number>(8);
    let computed = 0;
    const value = { a: null };
    rememberedByContent(cache, value, () => ++computed);
    rememberedByContent(cache, value, () => ++computed);
    expect(computed).toBe(2);
    expect(cache.size).toBe(0);
  });
});
