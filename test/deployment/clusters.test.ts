import { describe, expect, it } from '@jest/globals';
import type { KubeObject } from '../../src/api/types.js';
import { buildClusterViews } from '../../src/deployment/clusters.js';
import { cluster, gpu, pool } from './fixtures.js';

const all = (): boolean => true;

function viewOf(item: KubeObject) {
  const [view] = buildClusterViews([item], all);
  if (view === undefined) throw new Error('no view');
  return view;
}

function malformedOf(status: unknown): string | undefined {
  return viewOf(cluster('c', { status })).malformed;
}

describe('buildClusterViews', () => {
  it('reads readiness, address, termination and pools, sorted by name in code-unit order', () => {
    const views = buildClusterViews(
      [
        cluster('b', { ready: false, address: null }),
        cluster('a', { terminating: true, address: '10.0.0.1' }),
        cluster('B', { labels: { tier: 'dev' } }),
      ],
      (labels) => labels?.tier !== 'dev',
    );
    expect(views.map((v) => v.name)).toEqual(['B', 'a', 'b']);
    expect(views[0]).toMatchObject({ selected: false, ready: true });
    expect(views[1]).toMatchObject({ selected: true, ready: true, terminating: true, gatewayAddress: '10.0.0.1' });
    expect(views[2]).toMatchObject({ selected: true, ready: false, terminating: false });
    expect(views[2]!.gatewayAddress).toBeUndefined();
    expect(views[2]!.malformed).toBeUndefined();
    expect(views[2]!.pools).toEqual([pool('h100', 4)]);
  });

  it('treats a cluster with no status yet as not ready with no pools, not malformed', () => {
    const view = viewOf({ apiVersion: 'modelplane.ai/v1alpha1', kind: 'InferenceCluster', metadata: { name: 'new' } });
    expect(view).toEqual({ name: 'new', selected: true, ready: false, terminating: false, pools: [] });
  });

  it('reads missing or negative counts as 0 and defaults claim to DRA', () => {
    const view = viewOf(
      cluster('c', {
        pools: [
          { name: 'p', nodes: -3, devices: [{ name: 'd', count: -1 }] },
          { name: 'q' } as never,
          { name: 'r', nodes: 2.7, devices: [{ name: 'e', claim: 'Synthetic' }] },
        ],
      }),
    );
    expect(view.malformed).toBeUndefined();
    expect(view.pools).toEqual([
      { name: 'p', nodes: 0, devices: [{ name: 'd', claim: 'DRA', count: 0 }] },
      { name: 'q', nodes: 0, devices: [] },
      { name: 'r', nodes: 2, devices: [{ name: 'e', claim: 'Synthetic', count: 0 }] },
    ]);
  });

  it('names the field of a malformed status', () => {
    expect(malformedOf({ gpuPools: { name: 'p' } })).toBe('status.gpuPools: {"name":"p"} is not a list');
    expect(malformedOf({ gpuPools: [{ nodes: 2 }] })).toBe('status.gpuPools[0].name: missing');
    expect(malformedOf({ gpuPools: [pool('a', 1), { name: 'b', nodes: 'eight' }] })).toBe(
      'status.gpuPools[1].nodes: "eight" is not a number',
    );
    expect(malformedOf({ gpuPools: [{ name: 'a', nodes: 1, devices: [gpu(), { count: 1 }] }] })).toBe(
      'status.gpuPools[0].devices[1].name: missing',
    );
    expect(malformedOf({ gpuPools: [{ name: 'a', nodes: 1, devices: [{ name: 'g', count: '8' }] }] })).toBe(
      'status.gpuPools[0].devices[0].count: "8" is not a number',
    );
    expect(malformedOf({ gpuPools: [{ name: 'a', devices: [{ name: 'g', claim: 'Maybe' }] }] })).toBe(
      'status.gpuPools[0].devices[0].claim: "Maybe" is not one of "DRA", "Synthetic"',
    );
    expect(malformedOf({ gpuPools: [pool('a', 1), pool('a', 2)] })).toBe('status.gpuPools[1].name: "a" duplicates an earlier pool');
    expect(malformedOf('broken')).toBe('status: "broken" is not an object');
    expect(malformedOf({ gateway: { address: 42 } })).toBe('status.gateway.address: 42 is not a string');
  });

  it('keeps readiness and the address of a malformed cluster, with no pools', () => {
    const view = viewOf(
      cluster('c', {
        status: { conditions: [{ type: 'Ready', status: 'True' }], gateway: { address: 'gw' }, gpuPools: 'many' },
      }),
    );
    expect(view).toEqual({
      name: 'c',
      selected: true,
      ready: true,
      terminating: false,
      gatewayAddress: 'gw',
      pools: [],
      malformed: 'status.gpuPools: "many" is not a list',
    });
  });

  it('reads and checks pools only for selected clusters, and readiness and address for every cluster', () => {
    const unselected = cluster('u', {
      labels: { tier: 'dev' },
      status: { conditions: [{ type: 'Ready', status: 'True' }], gateway: { address: 'gw' }, gpuPools: 'many' },
    });
    const [view] = buildClusterViews([unselected], (labels) => labels?.tier !== 'dev');
    expect(view).toEqual({ name: 'u', selected: false, ready: true, terminating: false, gatewayAddress: 'gw', pools: [] });
  });

  it('passes a pool or device that needs no normalising on as published, and copies the rest without touching the request', () => {
    const published = [
      pool('good', 4, [gpu(), { name: 'nic', driver: 'fabric.example.com', count: 2 }]),
      pool('odd', 2.5, [gpu(), { name: 'nic', driver: null, count: 2 } as never]),
    ];
    const item = cluster('c', { pools: published });
    const before = JSON.parse(JSON.stringify(item)) as unknown;
    const view = viewOf(item);
    expect(view.pools[0]).toBe(published[0]);
    expect(view.pools[1]).not.toBe(published[1]);
    expect(view.pools[1]).toEqual({ name: 'odd', nodes: 2, devices: [gpu(), { name: 'nic', claim: 'DRA', count: 2 }] });
    expect(view.pools[1]!.devices![0]).toBe(published[1]!.devices![0]);
    expect(item).toEqual(before);
  });

  it('leaves out unnamed items and keeps one view per name whatever the list order', () => {
    const first = cluster('dup', { address: 'one' });
    const second = cluster('dup', { address: 'two' });
    const unnamed: KubeObject = { kind: 'InferenceCluster', metadata: {} };
    const forward = buildClusterViews([first, unnamed, second], all);
    const backward = buildClusterViews([second, first, unnamed], all);
    expect(forward).toHaveLength(1);
    expect(JSON.stringify(forward)).toBe(JSON.stringify(backward));
  });
});
