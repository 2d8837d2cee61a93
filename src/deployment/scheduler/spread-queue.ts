// Clusters in fill-rule order: fewest of this deployment's replicas first, then the earliest name
// (spread before pack). A binary heap with lazy updates: changing a cluster's count pushes a fresh
// entry and retires the old one, so finding the next candidate never scans the whole fleet.
import { compareStrings } from '../../values.js';

interface Entry {
  name: string;
  count: number;
  version: number;
}

function before(a: Entry, b: Entry): boolean {
  return a.count !== b.count ? a.count < b.count : compareStrings(a.name, b.name) < 0;
}

export class SpreadQueue {
  private readonly heap: Entry[] = [];
  private readonly versions = new Map<string, number>();

  /** `names` are the candidate clusters; `count` reads a cluster's current replica count. */
  constructor(
    names: readonly string[],
    private readonly count: (name: string) => number,
  ) {
    const entries = names.map((name) => ({ name, count: count(name), version: 0 }));
    // A sorted array is already a valid heap.
    entries.sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
    for (const entry of entries) {
      if (this.versions.has(entry.name)) continue;
      this.versions.set(entry.name, 0);
      this.heap.push(entry);
    }
  }

  /** (Re-)queue a candidate at its current count; no-op for a cluster that was never a candidate. */
  touch(name: string): void {
    const version = this.versions.get(name);
    if (version === undefined) return;
    this.versions.set(name, version + 1);
    this.push({ name, count: this.count(name), version: version + 1 });
  }

  /** Removes and returns the first candidate in fill order; undefined when none is queued. */
  pop(): string | undefined {
    while (this.heap.length > 0) {
      const top = this.take();
      if (this.versions.get(top.name) === top.version) {
        // Retire the entry so a later touch is needed to queue the cluster again.
        this.versions.set(top.name, top.version + 1);
        return top.name;
      }
    }
    return undefined;
  }

  private push(entry: Entry): void {
    const heap = this.heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  private take(): Entry {
    const heap = this.heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && before(heap[l]!, heap[m]!)) m = l;
        if (r < heap.length && before(heap[r]!, heap[m]!)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m]!, heap[i]!];
        i = m;
      }
    }
    return top;
  }
}
