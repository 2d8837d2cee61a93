import { describe, expect, it } from '@jest/globals';
import { SpreadQueue } from '../../src/deployment/scheduler/spread-queue.js';

describe('SpreadQueue', () => {
  it('yields clusters by fewest replicas, then earliest name, and re-queues on touch', () => {
    const counts = new Map([
      ['b', 0],
      ['a', 1],
      ['c', 0],
    ]);
    const queue = new SpreadQueue(['c', 'a', 'b'], (name) => counts.get(name) ?? 0);
    expect(queue.pop()).toBe('b');
    counts.set('b', 2);
    queue.touch('b');
    expect(queue.pop()).toBe('c');
    expect(queue.pop()).toBe('a');
    expect(queue.pop()).toBe('b');
    expect(queue.pop()).toBeUndefined();
  });

  it('uses a cluster’s latest count after repeated touches and yields it once', () => {
    const counts = new Map([
      ['a', 0],
      ['b', 1],
    ]);
    const queue = new SpreadQueue(['a', 'b'], (name) => counts.get(name) ?? 0);
    counts.set('a', 3);
    queue.touch('a');
    counts.set('a', 1);
    queue.touch('a');
    expect([queue.pop(), queue.pop(), queue.pop()]).toEqual(['a', 'b', undefined]);
  });

  it('ignores touches of clusters that were never candidates', () => {
    const queue = new SpreadQueue(['a'], () => 0);
    queue.touch('x');
    expect([queue.pop(), queue.pop()]).toEqual(['a', undefined]);
  });
});
