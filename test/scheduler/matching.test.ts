import { describe, expect, it } from '@jest/globals';
import type { DeploymentMember, ModelDeploymentSpec } from '../../src/api/types.js';
import { MatchCache, matchMember } from '../../src/deployment/scheduler/matching.js';
import { planDeployment } from '../../src/deployment/scheduler/plan.js';
import { NVIDIA, SEL, cluster, deployment, engine, fabric, gpu, member, pool, request, standalone } from './fixtures.js';

function planFor(members: DeploymentMember[]): { spec: ModelDeploymentSpec; cache: MatchCache; plan: ReturnType<typeof planDeployment> } {
  const spec = deployment(1, [engine('main', members)]);
  const plan = planDeployment(spec);
  return { spec, plan, cache: new MatchCache(plan) };
}

function matchOne(m: DeploymentMember, devices = [gpu()]) {
  const { plan, cache } = planFor([m]);
  return matchMember(plan.members[0]!, pool('p', 4, devices), cache);
}

describe('matchMember', () => {
  it('resolves a DRA request to {name, deviceClassName, count, selectors verbatim}', () => {
    const m = member('Standalone', [request('gpu', 2, SEL.nvidia, SEL.memoryAtLeast('40Gi'))]);
    expect(matchOne(m)).toEqual({
      matches: true,
      deviceRequests: [
        { name: 'gpu', deviceClassName: NVIDIA, count: 2, selectors: [{ cel: SEL.nvidia }, { cel: SEL.memoryAtLeast('40Gi') }] },
      ],
    });
  });

  it('omits selectors from a resolved request that had none', () => {
    const m = member('Standalone', [{ name: 'gpu', count: 1 }]);
    expect(matchOne(m)).toEqual({ matches: true, deviceRequests: [{ name: 'gpu', deviceClassName: NVIDIA, count: 1 }] });
  });

  it('takes the first device in published order whose selectors all hold', () => {
    const devices = [gpu({ name: 'a100', architecture: 'Ampere', deviceClassName: 'a100.class' }), gpu({ name: 'h100', deviceClassName: 'h100.class' })];
    expect(matchOne(member('Standalone', [request('gpu', 1, SEL.hopper)]), devices)).toMatchObject({
      deviceRequests: [{ deviceClassName: 'h100.class' }],
    });
    expect(matchOne(member('Standalone', [request('gpu', 1, SEL.nvidia)]), devices)).toMatchObject({
      deviceRequests: [{ deviceClassName: 'a100.class' }],
    });
  });

  it('reserves count per device across the member’s requests', () => {
    const devices = [gpu({ count: 8, deviceClassName: 'first' }), gpu({ count: 8, deviceClassName: 'second' })];
    const m = member('Standalone', [request('a', 6, SEL.nvidia), request('b', 4, SEL.nvidia), request('c', 2, SEL.nvidia)]);
    const match = matchOne(m, devices);
    expect(match).toMatchObject({
      matches: true,
      deviceRequests: [{ name: 'a', deviceClassName: 'first' }, { name: 'b', deviceClassName: 'second' }, { name: 'c', deviceClassName: 'first' }],
    });
  });

  it('fails a request when reservations used up the count, saying so', () => {
    const m = member('Standalone', [request('a', 6, SEL.nvidia), request('b', 4, SEL.nvidia)]);
    expect(matchOne(m, [gpu({ count: 8 })])).toEqual({
      matches: false,
      failure: { kind: 'count', request: 'b', need: 4, offers: 2, afterEarlierRequests: true },
    });
  });

  it('reports a count the pool never offers', () => {
    expect(matchOne(standalone(16), [gpu({ count: 8 })])).toEqual({
      matches: false,
      failure: { kind: 'count', request: 'gpu', need: 16, offers: 8, afterEarlierRequests: false },
    });
  });

  it('treats a device published with count 0 or no count as offering nothing', () => {
    const noCount = { ...gpu() };
    delete noCount.count;
    expect(matchOne(standalone(1), [gpu({ count: 0 })])).toMatchObject({ matches: false, failure: { kind: 'count', offers: 0 } });
    expect(matchOne(standalone(1), [noCount])).toMatchObject({ matches: false, failure: { kind: 'count', offers: 0 } });
  });

  it('reports the furthest selector that is false when no device satisfies all of them', () => {
    const m = member('Standalone', [request('gpu', 1, SEL.nvidia, SEL.hopper, SEL.memoryAtLeast('100Gi'))]);
    expect(matchOne(m, [fabric(), gpu({ memory: '80Gi' })])).toEqual({
      matches: false,
      failure: { kind: 'selector', request: 'gpu', selector: 2 },
    });
  });

  it('treats a selector that errors at evaluation as false, never a crash', () => {
    const m = member('Standalone', [request('gpu', 1, 'device.attributes["other.com"].x == "y"')]);
    expect(matchOne(m)).toEqual({ matches: false, failure: { kind: 'selector', request: 'gpu', selector: 0 } });
  });

  it('reports a pool without devices', () => {
    expect(matchOne(standalone(1), [])).toEqual({ matches: false, failure: { kind: 'noDevices', request: 'gpu' } });
  });

  it('satisfies a request with a Synthetic device without emitting a deviceRequest', () => {
    const m = member('Standalone', [request('gpu', 1, SEL.nvidia), request('ib', 1, SEL.fabric)]);
    expect(matchOne(m, [gpu(), fabric()])).toEqual({
      matches: true,
      deviceRequests: [{ name: 'gpu', deviceClassName: NVIDIA, count: 1, selectors: [{ cel: SEL.nvidia }] }],
    });
    expect(matchOne(member('Standalone', [request('ib', 1, SEL.fabric)]), [fabric()])).toEqual({ matches: true, deviceRequests: [] });
  });

  it('matches every pool and claims nothing for a member without nodeSelector', () => {
    expect(matchOne(member('Leader', undefined), [])).toEqual({ matches: true, deviceRequests: [] });
  });

  it('skips a DRA device without deviceClassName (it cannot be claimed) and says so', () => {
    const classless = { ...gpu() };
    delete classless.deviceClassName;
    expect(matchOne(standalone(1), [classless])).toEqual({ matches: false, failure: { kind: 'noDeviceClass', request: 'gpu', device: 'gpu' } });
    expect(matchOne(standalone(1), [classless, gpu({ deviceClassName: 'ok' })])).toMatchObject({ deviceRequests: [{ deviceClassName: 'ok' }] });
  });
});

describe('MatchCache', () => {
  it('asks for each (selector, device content) verdict at most once per schedule', () => {
    const m = member('Standalone', [request('gpu', 1, SEL.nvidia, SEL.hopper)]);
    const { plan, cache } = planFor([m]);
    // 50 clusters × 4 pools, two kinds of GPU content published under different pool names.
    for (let c = 0; c < 50; c++) {
      const pools = [0, 1, 2, 3].map((p) => pool(`p${p}`, 2, [gpu({ architecture: p % 2 === 0 ? 'Hopper' : 'Ampere' }), fabric()]));
      cache.analyze(cluster(`c${c}`, pools));
    }
    // nvidia: 3 contents (hopper gpu, ampere gpu, fabric); hopper: the 2 GPU contents passing nvidia.
    expect(cache.verdictsNeeded).toBe(5);
    expect(plan.members).toHaveLength(1);
  });

  it('gives pools with equal content but different key order the same answers', () => {
    const m = member('Standalone', [request('gpu', 1, SEL.hopper)]);
    const { cache } = planFor([m]);
    const reordered = { capacity: { memory: { value: '80Gi' } }, attributes: { architecture: { string: 'Hopper' } }, count: 8, deviceClassName: NVIDIA, driver: NVIDIA, claim: 'DRA' as const, name: 'gpu' };
    const a = cache.analyze(cluster('a', [pool('p', 1, [gpu()])]));
    const b = cache.analyze(cluster('b', [pool('p', 1, [reordered])]));
    expect(b.engines[0]!.fits).toEqual(a.engines[0]!.fits);
    expect(cache.verdictsNeeded).toBe(1);
  });

  it('answers correctly beyond the number of distinct pool kinds it keeps for comparison', () => {
    const m = member('Standalone', [request('gpu', 5, SEL.nvidia)]);
    const { plan, cache } = planFor([m]);
    // 40 distinct pool contents (GPU counts 1..40): the later ones are matched without the memo.
    for (let count = 1; count <= 40; count++) {
      const view = cluster(`c${count}`, [pool('p', 1, [gpu({ count })])]);
      const fresh = new MatchCache(plan).analyze(view).engines[0]!;
      const shared = cache.analyze(view).engines[0]!;
      expect(shared.fits).toEqual(fresh.fits);
      expect(shared.problem).toEqual(fresh.problem);
      expect(shared.fits.length > 0).toBe(count >= 5);
    }
  });

  it('keeps pools of different counts apart', () => {
    const { cache } = planFor([standalone(4)]);
    expect(cache.analyze(cluster('a', [pool('p', 1, [gpu({ count: 8 })])])).engines[0]!.fits).toHaveLength(1);
    expect(cache.analyze(cluster('b', [pool('p', 1, [gpu({ count: 2 })])])).engines[0]!.fits).toHaveLength(0);
  });
});

describe('cluster analysis: claimability and stranding', () => {
  it('costs an engine by its claim-capable members only', () => {
    const { cache } = planFor([member('Leader', undefined), member('Worker', [request('gpu', 8, SEL.nvidia)], 3)]);
    const analysis = cache.analyze(cluster('a', [pool('p', 8)]));
    expect(analysis.engines[0]!.claimCapable).toEqual([false, true]);
    expect(analysis.engines[0]!.cost).toBe(3);
    expect(analysis.engines[0]!.fits.map((f) => f.deviceRequests.map((r) => r.length))).toEqual([[0, 1]]);
  });

  it('refuses an engine with no claim-capable member (Synthetic-only matches)', () => {
    const { cache } = planFor([member('Standalone', [request('ib', 1, SEL.fabric)])]);
    const analysis = cache.analyze(cluster('a', [pool('p', 8, [fabric()])]));
    expect(analysis.engines[0]!.fits).toEqual([]);
    expect(analysis.engines[0]!.problem).toEqual({ kind: 'noClaimCapable' });
  });

  it('does not strand a claim-capable member on a pool where it would match only Synthetic devices', () => {
    const any = 'device.driver != ""';
    const { cache } = planFor([member('Standalone', [request('dev', 1, any)])]);
    const analysis = cache.analyze(cluster('a', [pool('ib-only', 8, [fabric()]), pool('gpus', 8, [gpu()])]));
    expect(analysis.engines[0]!.claimCapable).toEqual([true]);
    expect(analysis.engines[0]!.fits.map((f) => f.pool)).toEqual(['gpus']);
  });

  it('describes a gang whose members can only claim on different pools as a split', () => {
    const { cache } = planFor([
      member('Leader', [request('gpu', 1, SEL.ampere)]),
      member('Worker', [request('gpu', 1, SEL.hopper)], 1),
    ]);
    const analysis = cache.analyze(cluster('a', [pool('a', 8, [gpu({ architecture: 'Ampere' })]), pool('b', 8, [gpu()])]));
    expect(analysis.engines[0]!.problem).toEqual({
      kind: 'split',
      members: [
        { role: 'Leader', claimCapable: true, pools: ['a'] },
        { role: 'Worker', claimCapable: true, pools: ['b'] },
      ],
    });
  });

  it('lists per pool why a member matches nowhere', () => {
    const { cache } = planFor([standalone(16, SEL.hopper)]);
    const analysis = cache.analyze(cluster('a', [pool('frontier', 8, [gpu({ count: 8 })]), pool('dev', 8, [gpu({ architecture: 'Ampere' })])]));
    expect(analysis.engines[0]!.problem).toEqual({
      kind: 'noMatch',
      member: 'Standalone',
      failures: [
        { pool: 'frontier', failure: { kind: 'count', request: 'gpu', need: 16, offers: 8, afterEarlierRequests: false } },
        { pool: 'dev', failure: { kind: 'selector', request: 'gpu', selector: 1 } },
      ],
    });
  });
});
