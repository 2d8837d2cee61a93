import { describe, expect, it } from '@jest/globals';
import type { KubeObject } from '../../src/api/types.js';
import { foreignCharges, parseReplicaIndex, readObservedReplicas } from '../../src/deployment/existing.js';

function modelReplica(
  namespace: string,
  name: string,
  spec: unknown,
  labels: Record<string, string> = {},
  ready = true,
): KubeObject {
  return {
    apiVersion: 'modelplane.ai/v1alpha1',
    kind: 'ModelReplica',
    metadata: { name, namespace, labels },
    spec,
    status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  };
}

const template = { spec: { containers: [{ name: 'engine', image: 'img' }] } };

function replicaSpec(cluster: string, pool: string, copies = 1): unknown {
  return {
    clusterName: cluster,
    engines: [
      {
        name: 'main',
        copies,
        members: [
          { role: 'Standalone', nodePoolName: pool, deviceRequests: [{ name: 'gpu', deviceClassName: 'gpu.nvidia.com', count: 1 }], template },
        ],
      },
    ],
  };
}

describe('parseReplicaIndex', () => {
  it('accepts only non-negative decimal integers in the form the function writes', () => {
    expect(parseReplicaIndex('0')).toBe(0);
    expect(parseReplicaIndex('12')).toBe(12);
    for (const bad of ['', '-1', '1.0', '01', ' 1', '1e2', '0x1', 'one', '99999999999999999999', undefined, 3]) {
      expect(parseReplicaIndex(bad)).toBeUndefined();
    }
  });
});

describe('readObservedReplicas', () => {
  it('reads only ModelReplicas, sorted by name, with cluster, index and readiness', () => {
    const b = modelReplica('ns', 'md-bbbbb', replicaSpec('a', 'p'), { 'modelplane.ai/replica-index': '1' }, false);
    const a = modelReplica('ns', 'md-aaaaa', { engines: [] }, { 'modelplane.ai/replica-index': 'x' });
    const endpoint: KubeObject = { apiVersion: 'modelplane.ai/v1alpha1', kind: 'ModelEndpoint', metadata: { name: 'md-aaaaa' } };
    const replicas = readObservedReplicas({ 'replica-a-1': b, 'endpoint-a-0': endpoint, 'replica-old': a });
    expect(replicas).toEqual([
      { name: 'md-aaaaa', key: 'replica-old', cluster: '', ready: true, spec: { engines: [] }, observed: a },
      { name: 'md-bbbbb', key: 'replica-a-1', cluster: 'a', index: 1, ready: false, spec: b.spec, observed: b },
    ]);
  });

  it('orders one name observed under two keys by key, whatever the order of the observed map', () => {
    const replica = modelReplica('ns', 'md-aaaaa', replicaSpec('a', 'p'), { 'modelplane.ai/replica-index': '0' });
    const forward = readObservedReplicas({ 'replica-a-0': replica, 'replica-a-0-copy': replica });
    const backward = readObservedReplicas({ 'replica-a-0-copy': replica, 'replica-a-0': replica });
    expect(forward.map((r) => r.key)).toEqual(['replica-a-0', 'replica-a-0-copy']);
    expect(backward).toEqual(forward);
  });
});

describe('foreignCharges', () => {
  const own = readObservedReplicas({ 'replica-a-0': modelReplica('ns', 'mine', replicaSpec('a', 'p', 4)) });

  it('charges other replicas and skips those with the namespace and name of an observed one', () => {
    const items = [
      modelReplica('ns', 'mine', replicaSpec('a', 'p', 4)),
      modelReplica('other', 'mine', replicaSpec('a', 'p', 2)),
      modelReplica('ns', 'theirs', replicaSpec('b', 'q', 3)),
    ];
    expect(foreignCharges(items, own, 'ns')).toEqual({
      charges: [
        { cluster: 'b', pool: 'q', nodes: 3 },
        { cluster: 'a', pool: 'p', nodes: 2 },
      ],
      warnings: [],
    });
  });

  it('takes an observed replica without a namespace to be in the deployment\'s namespace', () => {
    const observed = modelReplica('ns', 'mine', replicaSpec('a', 'p', 4));
    delete observed.metadata!.namespace;
    const items = [modelReplica('ns', 'mine', replicaSpec('a', 'p', 4))];
    expect(foreignCharges(items, readObservedReplicas({ 'replica-a-0': observed }), 'ns').charges).toEqual([]);
    expect(foreignCharges(items, readObservedReplicas({ 'replica-a-0': observed }), 'other').charges).toHaveLength(1);
  });

  it('gives the same charges and warnings whatever the order, and charges a duplicate once', () => {
    const x = modelReplica('ns', 'x', replicaSpec('a', 'p', 2));
    const y = modelReplica('ns', 'y', { clusterName: 'a', engines: 'none' });
    const forward = foreignCharges([x, y, x], own, 'ns');
    const backward = foreignCharges([y, x], own, 'ns');
    expect(forward).toEqual(backward);
    expect(forward.charges).toEqual([{ cluster: 'a', pool: 'p', nodes: 2 }]);
  });

  it('charges the copy that sorts first by content when one object is listed twice with different content', () => {
    const small = modelReplica('ns', 'x', replicaSpec('a', 'p', 2));
    const large = modelReplica('ns', 'x', replicaSpec('a', 'p', 3));
    const other = modelReplica('ms', 'z', replicaSpec('b', 'q', 1));
    expect(JSON.stringify(small) < JSON.stringify(large)).toBe(true);
    const forward = foreignCharges([large, other, small], own, 'ns');
    expect(forward.charges).toEqual([
      { cluster: 'b', pool: 'q', nodes: 1 },
      { cluster: 'a', pool: 'p', nodes: 2 },
    ]);
    expect(foreignCharges([small, other, large], own, 'ns')).toEqual(forward);
  });

  it('charges what can be read of a malformed replica and names object and field', () => {
    const spec = replicaSpec('a', 'p', 2) as { engines: Record<string, unknown>[] };
    spec.engines.push({ name: 'broken', copies: 'two', members: [{ nodePoolName: 'p', deviceRequests: [{}] }] });
    const { charges, warnings } = foreignCharges([modelReplica('team', 'odd', spec)], own, 'ns');
    expect(charges).toEqual([{ cluster: 'a', pool: 'p', nodes: 3 }]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^ModelReplica team\/odd is malformed: .*spec\.engines\[1\]\.copies: "two".*; charging what can be read$/);
  });
});
