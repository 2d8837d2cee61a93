import { describe, expect, it } from '@jest/globals';
import type { DeploymentEngine, ModelDeploymentSpec } from '../../src/api/types.js';
import { schedule } from '../../src/deployment/scheduler/schedule.js';
import type { ClusterView, ScheduleOutput } from '../../src/deployment/scheduler/types.js';
import {
  NVIDIA,
  SEL,
  cluster,
  composedName,
  composedReplica,
  composedReplicas,
  deployment,
  engine,
  existingReplica,
  fabric,
  gpu,
  member,
  notReady,
  observe,
  pinnedSpec,
  pool,
  pools,
  replicaName,
  request,
  scheduleInput,
  slots,
  standalone,
} from './fixtures.js';

const main = (copies = 1, ...cel: string[]): DeploymentEngine => engine('main', [standalone(1, ...cel)], copies);
const simple = (replicas: number, copies = 1): ModelDeploymentSpec => deployment(replicas, [main(copies)]);

function run(spec: ModelDeploymentSpec, clusters: ClusterView[], ...rest: Parameters<typeof scheduleInput> extends [unknown, unknown, ...infer R] ? R : never): ScheduleOutput {
  return schedule(scheduleInput(spec, clusters, ...rest));
}

/** Schedules from nothing, then observes the result as running (all Ready). */
function running(spec: ModelDeploymentSpec, clusters: ClusterView[]) {
  return observe(run(spec, clusters));
}

function origins(output: ScheduleOutput): string[] {
  return output.replicas.map((r) => `${r.cluster}/${r.index} ${r.origin}`);
}

describe('fill: spread, then pack', () => {
  it('spreads replicas over clusters holding the fewest, then by earliest name', () => {
    const clusters = [cluster('c', [pool('p', 4)]), cluster('a', [pool('p', 4)]), cluster('b', [pool('p', 4)])];
    const out = run(simple(5), clusters);
    expect(slots(out)).toEqual(['a/0', 'a/1', 'b/0', 'b/1', 'c/0']);
    expect(out.shortfall).toBe(0);
    expect(out.unschedulable).toEqual([]);
    expect(out.condensedReasons).toBe('');
  });

  it('packs onto the clusters that still have room once others are full', () => {
    const out = run(simple(4), [cluster('a', [pool('p', 3)]), cluster('b', [pool('p', 1)])]);
    expect(slots(out)).toEqual(['a/0', 'a/1', 'a/2', 'b/0']);
  });

  it('places only on placeable clusters and explains every selected one on a shortfall', () => {
    const p = () => [pool('p', 8)];
    const clusters = [
      cluster('ok', [pool('p', 1)]),
      notReady(cluster('down', p())),
      cluster('nogw', p(), { gatewayAddress: undefined }),
      cluster('dying', p(), { terminating: true }),
      cluster('bad', [], { malformed: 'status.gpuPools[0].nodes: "eight" is not a number' }),
      cluster('other', p(), { selected: false }),
    ];
    const out = run(simple(3), clusters);
    expect(slots(out)).toEqual(['ok/0']);
    expect(out.shortfall).toBe(2);
    expect(out.unschedulable).toEqual([
      { cluster: 'bad', reason: 'malformed status: status.gpuPools[0].nodes: "eight" is not a number' },
      { cluster: 'down', reason: 'not Ready' },
      { cluster: 'dying', reason: 'terminating' },
      { cluster: 'nogw', reason: 'no gateway address' },
      { cluster: 'ok', reason: 'engine "main": pool p has 0 free nodes, needs 1' },
    ]);
    expect(out.condensedReasons).toBe(
      'bad: malformed status; down: not Ready; dying: terminating; nogw: no gateway address; ok: engine "main": no pool has 1 free node',
    );
  });

  it('composes the ModelReplicaSpec: pool, resolved DRA requests, verbatim user fields, no injected defaults', () => {
    const leader = member('Leader', undefined);
    const worker = member('Worker', [request('gpu', 8, SEL.nvidia), request('ib', 1, SEL.fabric)], 2);
    const spec: ModelDeploymentSpec = {
      replicas: 1,
      serving: { mode: 'PrefillDecode', kvBlockSize: 64 },
      engines: [
        { name: 'prefill', phase: 'Prefill', copies: 1, members: [standalone(1)] },
        { name: 'decode', phase: 'Decode', copies: 2, members: [leader, worker] },
      ],
    };
    const out = run(spec, [cluster('a', [pool('small', 1), pool('big', 8, [gpu(), fabric()])])]);
    expect(out.replicas).toHaveLength(1);
    const replica = out.replicas[0]!;
    expect(replica.spec).toEqual({
      clusterName: 'a',
      serving: { mode: 'PrefillDecode', kvBlockSize: 64 },
      engines: [
        {
          name: 'prefill',
          copies: 1,
          phase: 'Prefill',
          members: [
            {
              role: 'Standalone',
              nodePoolName: 'small',
              deviceRequests: [{ name: 'gpu', deviceClassName: NVIDIA, count: 1, selectors: [{ cel: SEL.nvidia }] }],
              template: spec.engines[0]!.members[0]!.template,
            },
          ],
        },
        {
          name: 'decode',
          copies: 2,
          phase: 'Decode',
          members: [
            { role: 'Leader', nodePoolName: 'big', template: leader.template },
            {
              role: 'Worker',
              nodePoolName: 'big',
              deviceRequests: [{ name: 'gpu', deviceClassName: NVIDIA, count: 8, selectors: [{ cel: SEL.nvidia }] }],
              worker: { nodes: 2 },
              template: worker.template,
            },
          ],
        },
      ],
    });
    expect(replica.engines).toEqual([
      { name: 'prefill', pool: 'small', nodes: 1 },
      { name: 'decode', pool: 'big', nodes: 4 },
    ]);
    expect(replica.origin).toBe('placed');
    expect(replica.from).toBeUndefined();
    // Nothing the user did not write: no serving, phase or role appears from nowhere.
    const bare = run(deployment(1, [{ name: 'main', members: [{ nodeSelector: { devices: [{ name: 'gpu' }] }, template: leader.template }] }]), [cluster('a', [pool('p', 1)])]);
    expect(bare.replicas[0]!.spec).toEqual({
      clusterName: 'a',
      engines: [{ name: 'main', members: [{ nodePoolName: 'p', deviceRequests: [{ name: 'gpu', deviceClassName: NVIDIA, count: 1 }], template: leader.template }] }],
    });
  });

  it('places nothing for replicas: 0 and drops every existing replica', () => {
    const clusters = [cluster('a', [pool('p', 2)])];
    const out = run(simple(0), clusters, running(simple(2), clusters));
    expect(out.replicas).toEqual([]);
    expect(out.shortfall).toBe(0);
    expect(out.unschedulable).toEqual([]);
  });

  it('reports a shortfall with the capacity reason and the count of what fits', () => {
    const out = run(simple(3, 2), [cluster('a', [pool('p', 5)]), cluster('b', [pool('p', 1)])]);
    expect(slots(out)).toEqual(['a/0', 'a/1']);
    expect(out.shortfall).toBe(1);
    expect(out.unschedulable).toEqual([
      { cluster: 'a', reason: 'engine "main": pool p has 1 free node, needs 2' },
      { cluster: 'b', reason: 'engine "main": pool p has 1 free node, needs 2' },
    ]);
    expect(out.condensedReasons).toBe('2 clusters: engine "main": no pool has 2 free nodes');
  });

  it('explains a member that matches no pool, per pool', () => {
    const spec = deployment(1, [engine('decode', [member('Leader', [request('gpu', 16, SEL.nvidia, SEL.hopper)]), member('Worker', [request('gpu', 8, SEL.nvidia)])])]);
    const out = run(spec, [cluster('c', [pool('frontier', 8, [gpu({ count: 8 })]), pool('dev', 8, [gpu({ count: 16, architecture: 'Ampere' })])])]);
    expect(out.unschedulable).toEqual([
      {
        cluster: 'c',
        reason: 'engine "decode": no pool matches member Leader (pool frontier: device gpu needs count 16, pool offers 8; pool dev: selector 1 of request gpu is false)',
      },
    ]);
  });
});

describe('lowest free index', () => {
  it('reuses an index freed on the cluster', () => {
    const clusters = [cluster('a', [pool('p', 4)])];
    const spec = pinnedSpec('a', 'p');
    const existing = [existingReplica('r0', 'a', 0, spec), existingReplica('r2', 'a', 2, spec)];
    const out = run(simple(3), clusters, existing);
    expect(origins(out)).toEqual(['a/0 retained', 'a/1 placed', 'a/2 retained']);
  });

  it('counts indices per cluster', () => {
    const clusters = [cluster('a', [pool('p', 4)]), cluster('b', [pool('p', 4)])];
    const existing = [existingReplica('r', 'a', 0, pinnedSpec('a', 'p'))];
    expect(slots(run(simple(2), clusters, existing))).toEqual(['a/0', 'b/0']);
  });
});

describe('retain', () => {
  it('keeps pins: a running replica does not move to a pool or cluster that became better', () => {
    const clusters = [cluster('a', [pool('p1', 4), pool('p2', 4)]), cluster('b', [pool('p1', 4)])];
    const existing = [existingReplica('r', 'a', 3, pinnedSpec('a', 'p2'))];
    const out = run(simple(1), clusters, existing);
    expect(pools(out)).toEqual(['a/3 main@p2']);
    expect(out.replicas[0]!.origin).toBe('retained');
    expect(out.replicas[0]!.from?.name).toBe('r');
  });

  it('re-resolves device requests from the current selectors on the pinned pool', () => {
    const clusters = [cluster('a', [pool('p1', 4), pool('p2', 4)])];
    const existing = [existingReplica('r', 'a', 0, pinnedSpec('a', 'p2'))];
    const out = run(deployment(1, [main(1, SEL.hopper)]), clusters, existing);
    expect(out.replicas[0]!.origin).toBe('retained');
    expect(out.replicas[0]!.spec.engines[0]!.members[0]!).toMatchObject({
      nodePoolName: 'p2',
      deviceRequests: [{ name: 'gpu', selectors: [{ cel: SEL.nvidia }, { cel: SEL.hopper }] }],
    });
  });

  it('keeps replicas on a degraded cluster (not Ready, no gateway, terminating)', () => {
    const clusters = [
      notReady(cluster('a', [pool('p', 4)])),
      cluster('b', [pool('p', 4)], { gatewayAddress: undefined }),
      cluster('c', [pool('p', 4)], { terminating: true }),
      cluster('d', [pool('p', 4)]),
    ];
    const existing = ['a', 'b', 'c'].map((c) => existingReplica(`r-${c}`, c, 0, pinnedSpec(c, 'p')));
    const out = run(simple(3), clusters, existing);
    expect(origins(out)).toEqual(['a/0 retained', 'b/0 retained', 'c/0 retained']);
  });

  it('keeps a replica on a malformed cluster exactly as observed and places nothing new there', () => {
    const clusters = [cluster('bad', [], { malformed: 'status.gpuPools: "x" is not a list' }), cluster('good', [pool('p', 4)])];
    const observedSpec = { ...pinnedSpec('bad', 'old'), extra: 'hand-edited' };
    const out = run(simple(2), clusters, [existingReplica('r', 'bad', 0, observedSpec)]);
    expect(origins(out)).toEqual(['bad/0 keptAsObserved', 'good/0 placed']);
    expect(out.replicas[0]!.spec).toBe(observedSpec);
    expect(out.replicas[0]!.engines).toEqual([{ name: 'main', pool: 'old', nodes: 1 }]);
    expect(out.staleNotReplaced).toEqual([]);
  });

  it('gives a (cluster, index) to the first replica by name; a duplicate is re-placed', () => {
    const clusters = [cluster('a', [pool('p', 4)])];
    const spec = pinnedSpec('a', 'p');
    const existing = [existingReplica('zz', 'a', 0, spec), existingReplica('aa', 'a', 0, spec)];
    const out = run(simple(2), clusters, existing);
    expect(out.replicas.map((r) => `${r.cluster}/${r.index} ${r.origin} ${r.from?.name}`)).toEqual(['a/0 retained aa', 'a/1 replaced zz']);
  });

  it('re-places a replica whose index label is missing', () => {
    const clusters = [cluster('a', [pool('p', 4)]), cluster('b', [pool('p', 4)])];
    const existing = [existingReplica('r', 'a', 0, pinnedSpec('a', 'p')), existingReplica('x', 'a', undefined, pinnedSpec('a', 'p'))];
    const out = run(simple(2), clusters, existing);
    expect(out.replicas.map((r) => `${r.cluster}/${r.index} ${r.origin} ${r.from?.name}`)).toEqual(['a/0 retained r', 'b/0 replaced x']);
  });
});

describe('stale replicas', () => {
  it('re-places on selector drift, in place (same cluster and index) when it fits there', () => {
    const clusters = [cluster('a', [pool('amp', 4, [gpu({ architecture: 'Ampere' })]), pool('hop', 4)])];
    const existing = [existingReplica('r', 'a', 2, pinnedSpec('a', 'amp'))];
    const out = run(deployment(1, [main(1, SEL.hopper)]), clusters, existing);
    expect(pools(out)).toEqual(['a/2 main@hop']);
    expect(out.replicas[0]!.origin).toBe('replaced');
    expect(out.replicas[0]!.from?.name).toBe('r');
    expect(out.staleNotReplaced).toEqual([]);
  });

  it('re-places when the member shape changes (Standalone to Leader + Worker)', () => {
    const clusters = [cluster('a', [pool('p', 8)])];
    const gang = engine('main', [member('Leader', [request('gpu', 1, SEL.nvidia)]), member('Worker', [request('gpu', 1, SEL.nvidia)], 2)]);
    const out = run(deployment(1, [gang]), clusters, [existingReplica('r', 'a', 0, pinnedSpec('a', 'p'))]);
    expect(origins(out)).toEqual(['a/0 replaced']);
    expect(out.replicas[0]!.engines).toEqual([{ name: 'main', pool: 'p', nodes: 3 }]);
  });

  it('re-places when an engine is renamed', () => {
    const clusters = [cluster('a', [pool('p', 8)])];
    const out = run(deployment(1, [engine('serve', [standalone(1)])]), clusters, [existingReplica('r', 'a', 0, pinnedSpec('a', 'p'))]);
    expect(origins(out)).toEqual(['a/0 replaced']);
    expect(out.replicas[0]!.spec.engines[0]!.name).toBe('serve');
  });

  it('re-places when the pinned pool is no longer published', () => {
    const out = run(simple(1), [cluster('a', [pool('new', 8)])], [existingReplica('r', 'a', 0, pinnedSpec('a', 'gone'))]);
    expect(pools(out)).toEqual(['a/0 main@new']);
    expect(out.replicas[0]!.origin).toBe('replaced');
  });

  it('re-places a member that would be stranded on its pinned pool (its device became Synthetic)', () => {
    const any = 'device.driver != ""';
    const spec = deployment(1, [engine('main', [member('Standalone', [request('dev', 1, any)])])]);
    const clusters = [cluster('a', [pool('p', 4, [fabric()]), pool('q', 4)])];
    const out = run(spec, clusters, [existingReplica('r', 'a', 0, pinnedSpec('a', 'p'))]);
    expect(pools(out)).toEqual(['a/0 main@q']);
  });

  it('frees the stale replica’s own nodes for its replacement', () => {
    // One node only, held by the stale replica itself: the replacement still fits in place.
    const out = run(deployment(1, [engine('renamed', [standalone(1)])]), [cluster('a', [pool('p', 1)])], [existingReplica('r', 'a', 0, pinnedSpec('a', 'p'))]);
    expect(origins(out)).toEqual(['a/0 replaced']);
  });

  it('keeps an unsatisfiable edit’s old replica exactly as observed, charged, and says why', () => {
    const clusters = [cluster('a', [pool('p', 2)]), notReady(cluster('b', [pool('p', 8)]))];
    const old = pinnedSpec('a', 'p');
    const spec = deployment(2, [main(1, SEL.memoryAtLeast('200Gi'))]);
    const out = run(spec, clusters, [existingReplica('r', 'a', 0, old)]);
    expect(origins(out)).toEqual(['a/0 keptAsObserved']);
    expect(out.replicas[0]!.spec).toBe(old);
    expect(out.staleNotReplaced).toEqual([
      {
        replica: 'r',
        cluster: 'a',
        reason:
          'engine "main" member Standalone no longer matches pool p: selector 1 of request gpu is false; ' +
          'no replacement fits: a: engine "main": no pool matches member Standalone; b: not Ready',
      },
    ]);
    expect(out.shortfall).toBe(1);
    expect(out.unschedulable).toEqual([
      { cluster: 'a', reason: 'engine "main": no pool matches member Standalone (pool p: selector 1 of request gpu is false)' },
      { cluster: 'b', reason: 'not Ready' },
    ]);
  });

  it('charges a stale replica kept as observed, so it still blocks its pool', () => {
    // Old replica holds 2 of 2 nodes; the edit needs Hopper+200Gi nowhere: it stays and fill finds no room.
    const clusters = [cluster('a', [pool('p', 2)])];
    const out = run(deployment(2, [main(1, SEL.memoryAtLeast('200Gi'))]), clusters, [existingReplica('r', 'a', 0, pinnedSpec('a', 'p', 'main', 2))]);
    expect(origins(out)).toEqual(['a/0 keptAsObserved']);
    const other = run(simple(1), clusters, [], [{ cluster: 'a', pool: 'p', nodes: 2 }]);
    expect(other.replicas).toEqual([]);
  });

  it('re-places a replica whose cluster was deleted, by the fill rule', () => {
    const clusters = [cluster('b', [pool('p', 4)]), cluster('c', [pool('p', 4)])];
    const existing = [existingReplica('r1', 'b', 0, pinnedSpec('b', 'p')), existingReplica('r0', 'gone', 0, pinnedSpec('gone', 'p'))];
    const out = run(simple(2), clusters, existing);
    expect(out.replicas.map((r) => `${r.cluster}/${r.index} ${r.origin} ${r.from?.name}`)).toEqual(['b/0 retained r1', 'c/0 replaced r0']);
  });

  it('drops a replica whose cluster was deleted when nothing fits', () => {
    const clusters = [cluster('b', [pool('p', 1)])];
    const existing = [existingReplica('r1', 'b', 0, pinnedSpec('b', 'p')), existingReplica('r0', 'gone', 0, pinnedSpec('gone', 'p'))];
    const out = run(simple(2), clusters, existing);
    expect(origins(out)).toEqual(['b/0 retained']);
    expect(out.shortfall).toBe(1);
    expect(out.staleNotReplaced).toEqual([]);
    expect(out.condensedReasons).toBe('b: engine "main": no pool has 1 free node');
  });

  it('re-places a replica whose cluster left the selection, and keeps it if nothing fits', () => {
    const spec = pinnedSpec('a', 'p');
    const moved = run(simple(1), [cluster('a', [pool('p', 4)], { selected: false }), cluster('b', [pool('p', 4)])], [existingReplica('r', 'a', 0, spec)]);
    expect(origins(moved)).toEqual(['b/0 replaced']);
    const stuck = run(simple(1), [cluster('a', [pool('p', 4)], { selected: false }), cluster('b', [pool('p', 0)])], [existingReplica('r', 'a', 0, spec)]);
    expect(origins(stuck)).toEqual(['a/0 keptAsObserved']);
    expect(stuck.staleNotReplaced[0]!.reason).toBe(
      'cluster a is no longer selected by the clusterSelector; no replacement fits: b: engine "main": no pool has 1 free node',
    );
    // The unselected cluster is not explained: only selected clusters are candidates.
    expect(stuck.unschedulable.map((u) => u.cluster)).toEqual(['b']);
  });

  it('takes stale replicas in name order: the earlier name gets the only place', () => {
    const clusters = [cluster('a', [pool('amp', 4, [gpu({ architecture: 'Ampere' })]), pool('hop', 1)])];
    const existing = [existingReplica('r-b', 'a', 1, pinnedSpec('a', 'amp')), existingReplica('r-a', 'a', 0, pinnedSpec('a', 'amp'))];
    const out = run(deployment(2, [main(1, SEL.hopper)]), clusters, existing);
    expect(out.replicas.map((r) => `${r.cluster}/${r.index} ${r.origin} ${r.from?.name}`)).toEqual(['a/0 replaced r-a', 'a/1 keptAsObserved r-b']);
    expect(out.staleNotReplaced.map((s) => s.replica)).toEqual(['r-b']);
  });

  it('re-places a stale replica by the fill rule when its own cluster has no room', () => {
    const clusters = [
      cluster('a', [pool('amp', 4, [gpu({ architecture: 'Ampere' })])]),
      cluster('b', [pool('hop', 4)]),
      cluster('c', [pool('hop', 4)]),
    ];
    const existing = [existingReplica('r1', 'b', 0, pinnedSpec('b', 'hop')), existingReplica('r0', 'a', 0, pinnedSpec('a', 'amp'))];
    const out = run(deployment(2, [main(1, SEL.hopper)]), clusters, existing);
    // b already holds one of this deployment's replicas, so the replacement goes to c.
    expect(out.replicas.map((r) => `${r.cluster}/${r.index} ${r.origin} ${r.from?.name}`)).toEqual(['b/0 retained r1', 'c/0 replaced r0']);
  });
});

describe('composed names and keys', () => {
  // The name composed for b/0 (llm-1f398) sorts before the one for a/0 (llm-28be8): stale replicas
  // take turns in name order, so the first two tests know which goes first.
  const named = (output: ScheduleOutput): string[] => output.replicas.map((r) => `${r.cluster}/${r.index} ${r.origin} ${r.from?.name}`);

  /** Every output replica is composed as its own ModelReplica: names and keys are distinct. */
  function expectDistinct(input: ReturnType<typeof scheduleInput>, output: ScheduleOutput): { key: string; name: string }[] {
    const composed = composedReplicas(input, output);
    expect(composed).toHaveLength(output.replicas.length);
    expect(new Set(composed.map((c) => c.name)).size).toBe(output.replicas.length);
    return composed;
  }

  it('never gives a replacement the name and key of a replica with a damaged index label that is kept as observed', () => {
    // Named for a/0, its index label damaged, pinned to a retired pool: stale, and nothing fits it.
    const damaged = composedReplica(['a', 0], 'a', undefined, pinnedSpec('a', 'retired'), false);
    // Ready on b, pinned to the retired pool: re-placed first (its name sorts first); it fits only on a.
    const serving = composedReplica(['b', 0], 'b', 0, pinnedSpec('b', 'retired'));
    const input = scheduleInput(simple(2), [cluster('a', [pool('p', 1)]), cluster('b', [pool('p', 0)])], [damaged, serving]);
    const out = schedule(input);
    expect(composedName('b', 0) < composedName('a', 0)).toBe(true);
    expect(named(out)).toEqual([`a/0 keptAsObserved ${damaged.name}`, `a/1 replaced ${serving.name}`]);
    expect(expectDistinct(input, out).map((c) => c.key).sort()).toEqual(['replica-a-0', 'replica-a-1']);
    expect(out.staleNotReplaced.map((s) => s.replica)).toEqual([damaged.name]);
  });

  it('re-places a replica whose index label was damaged under its own name when its turn comes first', () => {
    const damaged = composedReplica(['b', 0], 'b', undefined, pinnedSpec('b', 'retired'), false);
    const serving = composedReplica(['a', 0], 'a', 0, pinnedSpec('a', 'retired'));
    const input = scheduleInput(simple(2), [cluster('a', [pool('p', 0)]), cluster('b', [pool('p', 1)])], [damaged, serving]);
    const out = schedule(input);
    // b/0 is the damaged replica's own name: the same object, updated in place with its label restored.
    expect(named(out)).toEqual([`a/0 keptAsObserved ${serving.name}`, `b/0 replaced ${damaged.name}`]);
    expect(expectDistinct(input, out)).toContainEqual({ key: damaged.key, name: damaged.name });
  });

  it('gives a (cluster, index) to the replica named for it over an earlier name claiming it too', () => {
    const spec = pinnedSpec('a', 'p');
    const owner = composedReplica(['a', 0], 'a', 0, spec);
    const input = scheduleInput(simple(2), [cluster('a', [pool('p', 4)])], [owner, existingReplica('aa', 'a', 0, spec)]);
    const out = schedule(input);
    expect(named(out)).toEqual([`a/0 retained ${owner.name}`, 'a/1 replaced aa']);
    expectDistinct(input, out);
  });

  it('lets nobody hold an index whose name belongs to a replica that moved away from it', () => {
    // Named for a/0, but its clusterName now says b, where nothing fits it: kept as observed.
    const moved = composedReplica(['a', 0], 'b', 0, pinnedSpec('b', 'gone'));
    // Claims a/0 by its labels; holding it would compose a second object named like `moved`.
    const claimant = existingReplica('aa', 'a', 0, pinnedSpec('a', 'p'));
    const input = scheduleInput(simple(2), [cluster('a', [pool('p', 1)]), cluster('b', [pool('p', 0)])], [moved, claimant]);
    const out = schedule(input);
    expect(named(out)).toEqual(['a/1 replaced aa', `b/0 keptAsObserved ${moved.name}`]);
    expectDistinct(input, out);
  });

  it('fills past an index whose name a replica kept as observed on another cluster still uses', () => {
    // Named for b/0, moved by hand to a (not Ready, so nothing is placed there): kept as observed.
    const moved = composedReplica(['b', 0], 'a', 0, pinnedSpec('a', 'gone'));
    // Stale on b (its engine was renamed) and taking b's whole pool until its turn, after `moved`.
    const old = existingReplica('zz', 'b', 1, pinnedSpec('b', 'p', 'old', 2));
    const input = scheduleInput(simple(3), [notReady(cluster('a', [pool('p', 4)])), cluster('b', [pool('p', 2)])], [moved, old]);
    const out = schedule(input);
    expect(named(out)).toEqual([`a/0 keptAsObserved ${moved.name}`, 'b/1 replaced zz', 'b/2 placed undefined']);
    expect(expectDistinct(input, out).map((c) => c.key).sort()).toEqual(['replica-b-0', 'replica-b-1', 'replica-b-2']);
  });

  it('counts one object observed twice (same name) once', () => {
    const replica = composedReplica(['a', 0], 'a', 0, pinnedSpec('a', 'p'));
    const again = { ...replica, key: 'replica-a-0-again' };
    const input = scheduleInput(simple(2), [cluster('a', [pool('p', 4)])], [again, replica]);
    const out = schedule(input);
    expect(named(out)).toEqual([`a/0 retained ${replica.name}`, 'a/1 placed undefined']);
    expect(out.replicas[0]!.from).toBe(replica);
    expectDistinct(input, out);
  });
});

describe('capacity of retained replicas', () => {
  it('reports an overcommitted pool when a retained replica grew, and does not move it', () => {
    const clusters = [cluster('a', [pool('p', 4)]), cluster('b', [pool('p', 8)])];
    const out = run(simple(1, 6), clusters, [existingReplica('r', 'a', 0, pinnedSpec('a', 'p', 'main', 2))]);
    expect(pools(out)).toEqual(['a/0 main@p']);
    expect(out.replicas[0]!.engines).toEqual([{ name: 'main', pool: 'p', nodes: 6 }]);
    // Named as it is composed now (its slot's name), not as it was observed.
    expect(out.overcommitted).toEqual([{ replica: composedName('a', 0), cluster: 'a', pool: 'p', need: 6, free: 4 }]);
  });

  it('names the retained replica that tips the pool over, in composed-name order, counting other deployments', () => {
    const clusters = [cluster('a', [pool('p', 8)])];
    const names = [composedName('a', 0), composedName('a', 1)];
    const existing = [existingReplica(names[1]!, 'a', 1, pinnedSpec('a', 'p')), existingReplica(names[0]!, 'a', 0, pinnedSpec('a', 'p'))];
    const out = run(simple(2, 3), clusters, existing, [{ cluster: 'a', pool: 'p', nodes: 3 }]);
    const [, tipping] = [...names].sort();
    expect(out.overcommitted).toEqual([{ replica: tipping, cluster: 'a', pool: 'p', need: 3, free: 2 }]);
  });

  it('does not report replicas dropped by scale-down', () => {
    const clusters = [cluster('a', [pool('p', 4)])];
    const existing = [existingReplica('r1', 'a', 0, pinnedSpec('a', 'p')), existingReplica('r2', 'a', 1, pinnedSpec('a', 'p'))];
    const out = run(simple(1, 4), clusters, existing);
    expect(origins(out)).toEqual(['a/0 retained']);
    expect(out.overcommitted).toEqual([]);
  });
});

describe('ledger: other deployments', () => {
  it('counts replicas of other deployments in other namespaces against capacity', () => {
    const clusters = [cluster('a', [pool('p', 4)]), cluster('b', [pool('p', 4)])];
    const foreign = [
      { cluster: 'a', pool: 'p', nodes: 3 },
      { cluster: 'b', pool: 'p', nodes: 4 },
    ];
    const out = run(simple(3), clusters, [], foreign);
    expect(slots(out)).toEqual(['a/0']);
    expect(out.shortfall).toBe(2);
  });

  it('ignores foreign charges on unknown clusters or pools', () => {
    const out = run(simple(1), [cluster('a', [pool('p', 1)])], [], [{ cluster: 'gone', pool: 'p', nodes: 9 }, { cluster: 'a', pool: 'q', nodes: 9 }]);
    expect(slots(out)).toEqual(['a/0']);
  });
});

describe('gangs, claimless members and Synthetic devices', () => {
  it('charges nothing for a claimless member: it rides with its gang', () => {
    const gang = engine('main', [member('Leader', undefined), member('Worker', [request('gpu', 8, SEL.nvidia)], 3)], 2);
    const out = run(deployment(1, [gang]), [cluster('a', [pool('p', 6)])]);
    expect(out.replicas[0]!.engines).toEqual([{ name: 'main', pool: 'p', nodes: 6 }]);
    expect(out.replicas[0]!.spec.engines[0]!.members[0]).not.toHaveProperty('deviceRequests');
    expect(run(deployment(1, [gang]), [cluster('a', [pool('p', 5)])]).replicas).toEqual([]);
  });

  it('matches Synthetic devices for placement without claiming them', () => {
    const m = member('Standalone', [request('gpu', 1, SEL.nvidia), request('ib', 1, SEL.fabric)]);
    const clusters = [cluster('a', [pool('plain', 4, [gpu()]), pool('fabric', 4, [gpu(), fabric()])])];
    const out = run(deployment(1, [engine('main', [m])]), clusters);
    expect(pools(out)).toEqual(['a/0 main@fabric']);
    expect(out.replicas[0]!.spec.engines[0]!.members[0]!.deviceRequests!.map((r) => r.name)).toEqual(['gpu']);
  });

  it('refuses an engine whose members match only Synthetic devices', () => {
    const m = member('Standalone', [request('ib', 1, SEL.fabric)]);
    const out = run(deployment(1, [engine('main', [m])]), [cluster('a', [pool('p', 4, [fabric()])])]);
    expect(out.unschedulable).toEqual([
      { cluster: 'a', reason: 'engine "main": no member can claim a DRA device on this cluster (its requests match only Synthetic devices)' },
    ]);
  });

  it('refuses a gang that fits no single pool with the never-split reason', () => {
    const gang = engine('main', [member('Leader', [request('gpu', 1, SEL.ampere)]), member('Worker', [request('gpu', 1, SEL.hopper)], 1)]);
    const clusters = [cluster('cluster-e', [pool('a', 8, [gpu({ architecture: 'Ampere' })]), pool('b', 8, [gpu()])])];
    const out = run(deployment(1, [gang]), clusters);
    expect(out.replicas).toEqual([]);
    expect(out.unschedulable).toEqual([
      {
        cluster: 'cluster-e',
        reason: 'engine "main": member Leader can claim a DRA device only on pool a, member Worker only on pool b; an engine is never split across pools',
      },
    ]);
  });

  it('places all engines of a replica on one cluster, never spreading a replica', () => {
    const spec = deployment(1, [engine('prefill', [standalone(1, SEL.ampere)]), engine('decode', [standalone(1, SEL.hopper)])]);
    const clusters = [cluster('a', [pool('amp', 4, [gpu({ architecture: 'Ampere' })])]), cluster('b', [pool('hop', 4)]), cluster('c', [pool('amp', 1, [gpu({ architecture: 'Ampere' })]), pool('hop', 1)])];
    expect(pools(run(spec, clusters))).toEqual(['c/0 prefill@amp decode@hop']);
  });
});

describe('placement search through the schedule', () => {
  it('finds by backtracking the assignment greedy first-fit misses', () => {
    const spec = deployment(1, [engine('any', [standalone(1)], 2), engine('hopper', [standalone(1, SEL.hopper)], 2)]);
    const clusters = [cluster('a', [pool('hop', 2), pool('amp', 2, [gpu({ architecture: 'Ampere' })])])];
    expect(pools(run(spec, clusters))).toEqual(['a/0 any@amp hopper@hop']);
  });

  it('skips a cluster that exhausts the search budget, deterministically, and says so', () => {
    const hopper = [0, 1, 2, 3, 4].map((i) => engine(`h${i}`, [standalone(1, SEL.hopper)]));
    const ampere = [0, 1, 2].map((i) => engine(`a${i}`, [standalone(1, SEL.ampere)], 2));
    const hard = [10, 20, 30, 40, 50, 60].map((n, i) => pool(`hop${i}`, n)).concat([0, 1].map((i) => pool(`amp${i}`, 3, [gpu({ architecture: 'Ampere' })])));
    const easy = [pool('hop', 5), pool('amp', 6, [gpu({ architecture: 'Ampere' })])];
    const spec = deployment(2, [...hopper, ...ampere]);
    const out = run(spec, [cluster('a-hard', hard), cluster('b-easy', easy)]);
    expect(slots(out)).toEqual(['b-easy/0']);
    expect(out.unschedulable).toEqual([
      { cluster: 'a-hard', reason: 'search budget exhausted after 10000 partial assignments; cluster skipped' },
      { cluster: 'b-easy', reason: 'engine "h0": pool hop has 0 free nodes, needs 1' },
    ]);
  });
});

describe('scale down', () => {
  const four = [cluster('a', [pool('p', 8)]), cluster('b', [pool('p', 8)])];

  it('drops a replica that is not Ready first', () => {
    const existing = [
      existingReplica('a0', 'a', 0, pinnedSpec('a', 'p')),
      existingReplica('a1', 'a', 1, pinnedSpec('a', 'p')),
      existingReplica('b0', 'b', 0, pinnedSpec('b', 'p'), false),
    ];
    expect(slots(run(simple(2), four, existing))).toEqual(['a/0', 'a/1']);
  });

  it('drops a replica on a not-Ready cluster first', () => {
    const clusters = [cluster('a', [pool('p', 8)]), notReady(cluster('b', [pool('p', 8)]))];
    const existing = [
      existingReplica('a0', 'a', 0, pinnedSpec('a', 'p')),
      existingReplica('a1', 'a', 1, pinnedSpec('a', 'p')),
      existingReplica('b0', 'b', 0, pinnedSpec('b', 'p')),
    ];
    expect(slots(run(simple(2), clusters, existing))).toEqual(['a/0', 'a/1']);
  });

  it('then from the cluster holding most, recomputing after each drop', () => {
    const existing = ['a/0', 'a/1', 'a/2', 'b/0'].map((s) => {
      const [c, i] = s.split('/') as [string, string];
      return existingReplica(replicaName(c, Number(i)), c, Number(i), pinnedSpec(c, 'p'));
    });
    expect(slots(run(simple(3), four, existing))).toEqual(['a/0', 'a/1', 'b/0']);
    expect(slots(run(simple(2), four, existing))).toEqual(['a/0', 'b/0']);
  });

  it('then the later cluster name, then the higher index', () => {
    const existing = ['a/0', 'a/5', 'b/0', 'b/3'].map((s) => {
      const [c, i] = s.split('/') as [string, string];
      return existingReplica(replicaName(c, Number(i)), c, Number(i), pinnedSpec(c, 'p'));
    });
    expect(slots(run(simple(3), four, existing))).toEqual(['a/0', 'a/5', 'b/0']);
    expect(slots(run(simple(2), four, existing))).toEqual(['a/0', 'b/0']);
  });

  it('drops a stale replica kept as observed before healthy ones', () => {
    const clusters = [cluster('a', [pool('amp', 8, [gpu({ architecture: 'Ampere' })]), pool('hop', 1)])];
    // r-a (index 1) is re-placed in place on hop; r-b (index 0) has nowhere to go and is kept as
    // observed. Scaling to 1 drops the stale one, although the higher index would go first otherwise.
    const existing = [existingReplica('r-b', 'a', 0, pinnedSpec('a', 'amp')), existingReplica('r-a', 'a', 1, pinnedSpec('a', 'amp'))];
    const out = run(deployment(1, [main(1, SEL.hopper)]), clusters, existing);
    expect(out.replicas.map((r) => `${r.cluster}/${r.index} ${r.origin} ${r.from?.name}`)).toEqual(['a/1 replaced r-a']);
    // Gone, so it is no longer reported as a replica that could not be re-placed.
    expect(out.staleNotReplaced).toEqual([]);
    expect(out.unschedulable).toEqual([]);
    expect(out.condensedReasons).toBe('');
  });

  it('drops a replacement that moved to another cluster (a new, not yet Ready object) before Ready ones', () => {
    const clusters = [cluster('a', [pool('amp', 8, [gpu({ architecture: 'Ampere' })])]), cluster('b', [pool('hop', 8)]), cluster('c', [pool('hop', 8)])];
    const existing = [
      existingReplica('r0', 'a', 0, pinnedSpec('a', 'amp')),
      existingReplica('r1', 'b', 0, pinnedSpec('b', 'hop')),
      existingReplica('r2', 'b', 1, pinnedSpec('b', 'hop')),
    ];
    // r0 moves to c (fewest replicas); scaling to 2 then drops it rather than one of b's two Ready ones.
    const out = run(deployment(2, [main(1, SEL.hopper)]), clusters, existing);
    expect(out.replicas.map((r) => `${r.cluster}/${r.index} ${r.origin} ${r.from?.name}`)).toEqual(['b/0 retained r1', 'b/1 retained r2']);
  });
});

describe('stability', () => {
  it('changes nothing when its own output is fed back as the existing replicas', () => {
    const clusters = [cluster('a', [pool('p', 3), pool('q', 2, [gpu(), fabric()])]), cluster('b', [pool('p', 1)]), notReady(cluster('c', [pool('p', 9)]))];
    const spec = deployment(4, [main(1), engine('fab', [member('Standalone', [request('gpu', 1, SEL.nvidia), request('ib', 1, SEL.fabric)])])]);
    const first = run(spec, clusters);
    const second = run(spec, clusters, observe(first));
    expect(second.replicas.map((r) => [r.cluster, r.index, r.spec, r.origin])).toEqual(first.replicas.map((r) => [r.cluster, r.index, r.spec, 'retained']));
    expect(second.shortfall).toBe(first.shortfall);
    expect(second.unschedulable).toEqual(first.unschedulable);
    expect(second.overcommitted).toEqual([]);
  });

  it('gives the same output whatever the order of clusters and existing replicas', () => {
    const clusters = [cluster('a', [pool('p', 2)]), cluster('b', [pool('p', 2)]), cluster('c', [pool('p', 1)])];
    const existing = [existingReplica('x', 'b', 0, pinnedSpec('b', 'p')), existingReplica('y', 'c', 0, pinnedSpec('c', 'p'))];
    const a = run(simple(4), clusters, existing);
    const b = run(simple(4), [...clusters].reverse(), [...existing].reverse());
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });
});
