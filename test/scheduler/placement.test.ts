import { describe, expect, it } from '@jest/globals';
import type { DeploymentEngine } from '../../src/api/types.js';
import { Ledger } from '../../src/deployment/scheduler/ledger.js';
import { MatchCache } from '../../src/deployment/scheduler/matching.js';
import { planDeployment } from '../../src/deployment/scheduler/plan.js';
import { SEARCH_BUDGET, placeReplica, placementCharges } from '../../src/deployment/scheduler/placement.js';
import type { ClusterView } from '../../src/deployment/scheduler/types.js';
import { SEL, cluster, deployment, engine, gpu, member, pool, request, standalone } from './fixtures.js';

function place(engines: DeploymentEngine[], view: ClusterView, budget?: number, charges: { pool: string; nodes: number }[] = []) {
  const plan = planDeployment(deployment(1, engines));
  const ledger = new Ledger([view]);
  for (const c of charges) ledger.charge({ cluster: view.name, ...c });
  return placeReplica(new MatchCache(plan).analyze(view), ledger.trial(view.name), budget);
}

function chosenPools(result: ReturnType<typeof place>): string[] {
  if (!result.fits) throw new Error(`expected a fit, got ${JSON.stringify(result.refusal)}`);
  return result.engines.map((a) => a.fit.pool);
}

describe('placeReplica', () => {
  it('takes pools in published order (greedy first-fit when it succeeds)', () => {
    const result = place([engine('a', [standalone(1)]), engine('b', [standalone(1)])], cluster('c', [pool('p1', 2), pool('p2', 2)]));
    expect(chosenPools(result)).toEqual(['p1', 'p1']);
    expect(result.fits && result.expanded).toBe(2);
  });

  it('backtracks when an earlier engine took the pool a later one needs', () => {
    // "a" fits anywhere; "b" only on the Hopper pool p1. Greedy puts "a" on p1 and strands "b".
    const view = cluster('c', [pool('p1', 1, [gpu()]), pool('p2', 1, [gpu({ architecture: 'Ampere' })])]);
    const result = place([engine('a', [standalone(1)]), engine('b', [standalone(1, SEL.hopper)])], view);
    expect(chosenPools(result)).toEqual(['p2', 'p1']);
  });

  it('charges the sum of each engine’s nodes per pool', () => {
    const result = place([engine('a', [standalone(1)], 2), engine('b', [standalone(1)], 3)], cluster('c', [pool('p1', 8)]));
    if (!result.fits) throw new Error('expected a fit');
    expect(placementCharges('c', result.engines)).toEqual([{ cluster: 'c', pool: 'p1', nodes: 5 }]);
  });

  it('refuses with the engine’s static problem before looking at capacity', () => {
    const result = place([engine('a', [standalone(1, SEL.ampere)])], cluster('c', [pool('p1', 0)]));
    expect(result).toMatchObject({ fits: false, refusal: { kind: 'engine', engine: 'a', problem: { kind: 'noMatch' } } });
  });

  it('refuses with capacity when no pool the engine fits has room for it alone', () => {
    const result = place([engine('main', [standalone(1)], 4)], cluster('c', [pool('p1', 8), pool('p2', 3)]), undefined, [{ pool: 'p1', nodes: 6 }]);
    expect(result).toEqual({
      fits: false,
      expanded: 0,
      refusal: { kind: 'capacity', engine: 'main', need: 4, pools: [{ pool: 'p1', free: 2 }, { pool: 'p2', free: 3 }] },
    });
  });

  it('refuses with "together" when each engine fits alone but not all at once', () => {
    const result = place([engine('prefill', [standalone(1)], 4), engine('decode', [standalone(1)], 4)], cluster('c', [pool('p1', 6), pool('p2', 2)]));
    expect(result).toMatchObject({
      fits: false,
      refusal: {
        kind: 'together',
        engines: [
          { name: 'prefill', need: 4, pools: ['p1'] },
          { name: 'decode', need: 4, pools: ['p1'] },
        ],
        free: [{ pool: 'p1', free: 6 }, { pool: 'p2', free: 2 }],
      },
    });
  });

  it('never splits an engine: a gang fits only a pool where every member matches', () => {
    const gang = engine('g', [member('Leader', [request('gpu', 1, SEL.nvidia)]), member('Worker', [request('gpu', 1, SEL.hopper)], 2)]);
    const view = cluster('c', [pool('amp', 8, [gpu({ architecture: 'Ampere' })]), pool('hop', 3, [gpu()])]);
    expect(chosenPools(place([gang], view))).toEqual(['hop']);
    expect(place([gang], view, undefined, [{ pool: 'hop', nodes: 1 }])).toMatchObject({
      fits: false,
      refusal: { kind: 'capacity', need: 3, pools: [{ pool: 'hop', free: 2 }] },
    });
  });

  it('stops at the search budget and reports it', () => {
    const { engines, view } = adversarial();
    expect(place(engines, view, 50)).toEqual({ fits: false, expanded: 50, refusal: { kind: 'budget', limit: 50 } });
    // With room for the third Ampere engine the same search space holds a first answer early.
    const roomy = cluster('c', view.pools.map((p) => (p.name === 'amp1' ? { ...p, nodes: 4 } : p)));
    expect(chosenPools(place(engines, roomy, 50))).toEqual(['hop0', 'hop0', 'hop0', 'hop0', 'hop0', 'amp0', 'amp1', 'amp1']);
  });

  it('prunes symmetric pools, so identical pools cannot exhaust the default budget', () => {
    const engines = Array.from({ length: 8 }, (_, i) => engine(`e${i}`, [standalone(1)], 2));
    const view = cluster('c', Array.from({ length: 7 }, (_, i) => pool(`p${i}`, 3)));
    const result = place(engines, view);
    expect(result.fits).toBe(false);
    expect(result.fits === false && result.refusal.kind).toBe('together');
    expect(result.expanded).toBeLessThan(100);
  });

  it('exhausts the default budget on an adversarial cluster', () => {
    const { engines, view } = adversarial();
    const result = place(engines, view);
    expect(result).toEqual({ fits: false, expanded: SEARCH_BUDGET, refusal: { kind: 'budget', limit: SEARCH_BUDGET } });
    // Given more room the search would prove it impossible: the budget, not the answer, ended it.
    expect(place(engines, view, 1_000_000)).toMatchObject({ fits: false, refusal: { kind: 'together' } });
  });
});

/**
 * Five 1-node Hopper engines over six Hopper pools of very different sizes (no two pools ever look
 * alike, so symmetry pruning never applies), then three 2-node Ampere engines over two Ampere pools
 * of 3 nodes: the totals fit (6 of 6) but only two of the three pack, which the search discovers
 * only after each of the 6^5 Hopper arrangements.
 */
function adversarial(): { engines: DeploymentEngine[]; view: ClusterView } {
  const hopper = [0, 1, 2, 3, 4].map((i) => engine(`h${i}`, [standalone(1, SEL.hopper)]));
  const ampere = [0, 1, 2].map((i) => engine(`a${i}`, [standalone(1, SEL.ampere)], 2));
  const pools = [10, 20, 30, 40, 50, 60]
    .map((n, i) => pool(`hop${i}`, n))
    .concat([0, 1].map((i) => pool(`amp${i}`, 3, [gpu({ architecture: 'Ampere' })])));
  return { engines: [...hopper, ...ampere], view: cluster('c', pools) };
}
