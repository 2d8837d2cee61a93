import { describe, expect, it } from '@jest/globals';
import { formatViolation } from '../../src/api/schema.js';
import type { KubeObject } from '../../src/api/types.js';
import { checkReplica, type ReplicaCheck } from '../../src/replica/check.js';
import { replicaXR, standaloneEngine } from './fixtures.js';

function readView(check: ReplicaCheck) {
  if (check.kind !== 'read') throw new Error(`expected a reading, got ${check.kind}`);
  return check.replica;
}

/** Every object and list reachable from `value`, with its path. */
function everyObject(value: unknown, path = ''): [string, object][] {
  if (typeof value !== 'object' || value === null) return [];
  return [[path, value], ...Object.entries(value).flatMap(([key, child]) => everyObject(child, `${path}.${key}`))];
}

describe('checkReplica', () => {
  it('reads an admitted replica once per content: an equal composite gets the same reading', () => {
    const composite = replicaXR({ name: 'check-same', engines: [standaloneEngine('a', { args: ['--port', '8000'] })] });
    const first = checkReplica(composite);
    expect(readView(first).engines.map((e) => e.name)).toEqual(['a']);
    expect(checkReplica(structuredClone(composite))).toBe(first);
  });

  it('hands out a reading frozen all the way down, so no call can change what the next one gets', () => {
    const view = readView(checkReplica(replicaXR({ name: 'check-frozen', engines: [standaloneEngine('a', { args: ['--port', '8000'] })] })));
    const objects = everyObject(view);
    expect(objects.length).toBeGreaterThan(10);
    expect(objects.filter(([, object]) => !Object.isFrozen(object)).map(([path]) => path)).toEqual([]);
    expect(() => (view.engines as unknown[]).push({})).toThrow(TypeError);
  });

  it('reads a composite again when its content changes', () => {
    const composite = replicaXR({ name: 'check-change', engines: [standaloneEngine('a', { copies: 1 })] });
    const before = readView(checkReplica(composite));
    const changed = replicaXR({ name: 'check-change', engines: [standaloneEngine('a', { copies: 3 })] });
    const after = readView(checkReplica(changed));
    expect([before.engines[0]!.copies, after.engines[0]!.copies]).toEqual([1, 3]);
  });

  it('does not read what the XRD rejects, and says why by field', () => {
    const composite = replicaXR({ name: 'check-rejected', engines: [standaloneEngine('a', { copies: 0 })] });
    const check = checkReplica(composite);
    expect(check.kind).toBe('rejected');
    if (check.kind !== 'rejected') return;
    expect(check.violations.map(formatViolation).join('\n')).toContain('spec.engines[0].copies');
  });

  it('checks a composite it cannot key by content every time, with the same verdict', () => {
    // JSON writes NaN as null, so content holding null is never remembered (values.ts).
    const composite: KubeObject = { ...replicaXR({ name: 'check-null' }), status: { note: null } };
    const first = checkReplica(composite);
    const second = checkReplica(composite);
    expect(first.kind).toBe('read');
    expect(second).not.toBe(first);
    expect(second).toEqual(first);
  });
});
