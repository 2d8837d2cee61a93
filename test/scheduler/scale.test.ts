// Behaviour at fleet scale: spread across thousands of clusters, one condensed reason for a fleet
// where nothing fits, and an unsatisfiable edit keeping every running replica. Speed is measured by
// `npm run bench`, never asserted here.
import { describe, expect, it } from '@jest/globals';
import { schedule } from '../../src/deployment/scheduler/schedule.js';
import type { ClusterView } from '../../src/deployment/scheduler/types.js';
import { SEL, cluster, deployment, engine, fabric, gpu, member, observe, pool, request, scheduleInput, standalone } from './fixtures.js';

function fleet(clusters: number): ClusterView[] {
  return Array.from({ length: clusters }, (_, i) =>
    cluster(
      `cluster-${String(i).padStart(5, '0')}`,
      Array.from({ length: 8 }, (_, p) => pool(`pool-${p}`, 4, [gpu({ memory: p < 4 ? '80Gi' : '141Gi' }), fabric()])),
    ),
  );
}

describe('large fleets', () => {
  const clusters = fleet(5000);
  const spec = deployment(256, [
    engine('prefill', [standalone(1, SEL.memoryAtLeast('80Gi'))], 2),
    engine('decode', [member('Leader', [request('gpu', 8, SEL.nvidia)]), member('Worker', [request('gpu', 8, SEL.nvidia), request('ib', 1, SEL.fabric)], 1)]),
  ]);

  it('fills 256 replicas on 5,000 clusters × 8 pools, and explains a fleet where nothing fits', () => {
    const filled = schedule(scheduleInput(spec, clusters));
    expect(filled.replicas).toHaveLength(256);
    expect(new Set(filled.replicas.map((r) => r.cluster)).size).toBe(256);
    const nowhere = schedule(scheduleInput(deployment(256, [engine('main', [standalone(1, SEL.memoryAtLeast('200Gi'))])]), clusters));
    expect(nowhere.shortfall).toBe(256);
    expect(nowhere.condensedReasons).toBe('5000 clusters: engine "main": no pool matches member Standalone');
  });

  it('keeps all 256 running replicas through an unsatisfiable edit', () => {
    const existing = observe(schedule(scheduleInput(spec, clusters)));
    const edited = deployment(256, [engine('main', [standalone(1, SEL.memoryAtLeast('200Gi'))])]);
    const result = schedule(scheduleInput(edited, clusters, existing));
    expect(result.replicas.every((r) => r.origin === 'keptAsObserved')).toBe(true);
    expect(result.staleNotReplaced).toHaveLength(256);
  });
});
