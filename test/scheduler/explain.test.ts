import { describe, expect, it } from '@jest/globals';
import {
  condenseReasons,
  refusalDetail,
  describeStale,
  unschedulableList,
  type ClusterReason,
  type ClusterRefusal,
} from '../../src/deployment/scheduler/explain.js';

const notReady: ClusterRefusal = { kind: 'status', status: 'notReady' };
const capacity = (free: number): ClusterRefusal => ({ kind: 'capacity', engine: 'decode', need: 4, pools: [{ pool: 'frontier', free }] });

describe('refusalDetail', () => {
  it('words cluster states', () => {
    expect(refusalDetail(notReady)).toBe('not Ready');
    expect(refusalDetail({ kind: 'status', status: 'noGateway' })).toBe('no gateway address');
    expect(refusalDetail({ kind: 'status', status: 'terminating' })).toBe('terminating');
    expect(refusalDetail({ kind: 'status', status: 'malformed', detail: 'status.gpuPools: "x" is not a list' })).toBe(
      'malformed status: status.gpuPools: "x" is not a list',
    );
  });

  it('lists per pool why no pool matches a member', () => {
    const refusal: ClusterRefusal = {
      kind: 'engine',
      engine: 'decode',
      problem: {
        kind: 'noMatch',
        member: 'Leader',
        failures: [
          { pool: 'frontier', failure: { kind: 'count', request: 'gpu', need: 16, offers: 8, afterEarlierRequests: false } },
          { pool: 'dev', failure: { kind: 'selector', request: 'gpu', selector: 1 } },
          { pool: 'spare', failure: { kind: 'count', request: 'nic', need: 2, offers: 1, afterEarlierRequests: true } },
          { pool: 'empty', failure: { kind: 'noDevices', request: 'gpu' } },
          { pool: 'odd', failure: { kind: 'noDeviceClass', request: 'gpu', device: 'h100' } },
        ],
      },
    };
    expect(refusalDetail(refusal)).toBe(
      'engine "decode": no pool matches member Leader (pool frontier: device gpu needs count 16, pool offers 8; ' +
        'pool dev: selector 1 of request gpu is false; pool spare: device nic needs count 2, pool offers 1 after earlier requests; ' +
        'pool empty: publishes no devices; pool odd: device h100 suits request gpu but publishes no deviceClassName)',
    );
    expect(refusalDetail({ kind: 'engine', engine: 'x', problem: { kind: 'noMatch', member: 'Standalone', failures: [] } })).toBe(
      'engine "x": no pool matches member Standalone (the cluster publishes no pools)',
    );
  });

  it('explains a split the way the spec does', () => {
    const refusal: ClusterRefusal = {
      kind: 'engine',
      engine: 'main',
      problem: {
        kind: 'split',
        members: [
          { role: 'Worker', claimCapable: true, pools: ['a'] },
          { role: 'Leader', claimCapable: true, pools: ['b'] },
        ],
      },
    };
    expect(refusalDetail(refusal)).toBe(
      'engine "main": member Worker can claim a DRA device only on pool a, member Leader only on pool b; an engine is never split across pools',
    );
    const mixed: ClusterRefusal = {
      kind: 'engine',
      engine: 'main',
      problem: {
        kind: 'split',
        members: [
          { role: 'Leader', claimCapable: false, pools: ['a', 'c'] },
          { role: 'Worker', claimCapable: true, pools: ['b'] },
        ],
      },
    };
    expect(refusalDetail(mixed)).toBe(
      'engine "main": member Leader matches only pools a, c, member Worker can claim a DRA device only on pool b; an engine is never split across pools',
    );
  });

  it('words capacity, packing and budget refusals', () => {
    expect(refusalDetail(capacity(2))).toBe('engine "decode": pool frontier has 2 free nodes, needs 4');
    expect(refusalDetail(capacity(1))).toBe('engine "decode": pool frontier has 1 free node, needs 4');
    expect(
      refusalDetail({ kind: 'capacity', engine: 'd', need: 4, pools: [{ pool: 'a', free: 2 }, { pool: 'b', free: 0 }] }),
    ).toBe('engine "d": no pool has 4 free nodes (pool a: 2 free, pool b: 0 free)');
    expect(
      refusalDetail({
        kind: 'together',
        engines: [
          { name: 'prefill', need: 4, pools: ['a', 'b'] },
          { name: 'decode', need: 1, pools: ['a'] },
        ],
        free: [{ pool: 'a', free: 4 }, { pool: 'b', free: 3 }],
      }),
    ).toBe('engines "prefill" and "decode" do not fit together: "prefill" needs 4 nodes (pools a, b), "decode" needs 1 node (pool a); free nodes: pool a 4, pool b 3');
    expect(refusalDetail({ kind: 'budget', limit: 10000 })).toBe('search budget exhausted after 10000 partial assignments; cluster skipped');
  });
});

describe('unschedulableList', () => {
  it('lists clusters in name order, at most 20, then how many more', () => {
    const reasons: ClusterReason[] = Array.from({ length: 23 }, (_, i) => ({ cluster: `c${String(22 - i).padStart(2, '0')}`, refusal: notReady }));
    const list = unschedulableList(reasons);
    expect(list).toHaveLength(21);
    expect(list[0]).toEqual({ cluster: 'c00', reason: 'not Ready' });
    expect(list[19]).toEqual({ cluster: 'c19', reason: 'not Ready' });
    expect(list[20]).toEqual({ cluster: '…', reason: 'and 3 more clusters' });
  });

  it('lists exactly 20 clusters without a trailer', () => {
    const reasons = Array.from({ length: 20 }, (_, i) => ({ cluster: `c${i}`, refusal: notReady }));
    expect(unschedulableList(reasons).map((r) => r.cluster)).not.toContain('…');
  });
});

describe('condenseReasons', () => {
  it('groups clusters by reason, most common first, naming a lone cluster', () => {
    const reasons: ClusterReason[] = [
      { cluster: 'cluster-c', refusal: capacity(2) },
      { cluster: 'cluster-b', refusal: notReady },
      { cluster: 'cluster-a', refusal: notReady },
    ];
    expect(condenseReasons(reasons)).toBe('2 clusters not Ready; cluster-c: engine "decode": no pool has 4 free nodes');
  });

  it('groups the same reason whatever the per-cluster numbers', () => {
    const reasons: ClusterReason[] = [
      { cluster: 'x', refusal: capacity(2) },
      { cluster: 'y', refusal: capacity(3) },
      { cluster: 'z', refusal: { kind: 'status', status: 'noGateway' } },
    ];
    expect(condenseReasons(reasons)).toBe('2 clusters: engine "decode": no pool has 4 free nodes; z: no gateway address');
  });

  it('breaks ties by the first cluster name and caps the number of reasons', () => {
    const reasons: ClusterReason[] = ['f', 'e', 'd', 'c', 'b', 'a', 'g'].map((cluster, i) => ({
      cluster,
      refusal: { kind: 'capacity', engine: `e${i}`, need: 1, pools: [] },
    }));
    expect(condenseReasons(reasons)).toBe(
      'a: engine "e5": no pool has 1 free node; b: engine "e4": no pool has 1 free node; c: engine "e3": no pool has 1 free node; ' +
        'd: engine "e2": no pool has 1 free node; e: engine "e1": no pool has 1 free node; and 2 more clusters for other reasons',
    );
  });

  it('says when there is no cluster to explain', () => {
    expect(condenseReasons([])).toBe('no InferenceCluster is selected');
  });
});

describe('describeStale', () => {
  it('says why a replica went stale', () => {
    expect(describeStale({ kind: 'notSelected', cluster: 'a' })).toBe('cluster a is no longer selected by the clusterSelector');
    expect(describeStale({ kind: 'engines', observed: ['old'], wanted: ['new', 'other'] })).toBe(
      'its engines ("old") differ from the deployment\'s ("new" and "other")',
    );
    expect(
      describeStale({ kind: 'memberNoMatch', engine: 'main', member: 'Standalone', pool: 'p', failure: { kind: 'selector', request: 'gpu', selector: 0 } }),
    ).toBe('engine "main" member Standalone no longer matches pool p: selector 0 of request gpu is false');
    expect(describeStale({ kind: 'duplicateIndex', cluster: 'a', index: 0, holder: 'llm-a-0' })).toBe('replica llm-a-0 already holds index 0 on cluster a');
  });
});
