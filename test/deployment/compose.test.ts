import { describe, expect, it } from '@jest/globals';
import type { KubeObject, ModelReplicaSpec } from '../../src/api/types.js';
import {
  composeHeldEndpoints,
  composeSchedule,
  endpointUrl,
  replicaName,
} from '../../src/deployment/compose.js';
import { readObservedReplicas } from '../../src/deployment/existing.js';
import type { ClusterView, ScheduledReplica } from '../../src/deployment/scheduler/types.js';
import { hashName } from '../../src/k8s/names.js';
import { stripObserved } from '../../src/k8s/observed.js';
import { asObserved } from './fixtures.js';

const identity = { name: 'my-model', namespace: 'ml-team' };

function view(name: string, gatewayAddress?: string, extra: Partial<ClusterView> = {}): ClusterView {
  const v: ClusterView = { name, selected: true, ready: true, terminating: false, pools: [], ...extra };
  if (gatewayAddress !== undefined) v.gatewayAddress = gatewayAddress;
  return v;
}

function spec(cluster: string): ModelReplicaSpec {
  return {
    clusterName: cluster,
    serving: { mode: 'Unified' },
    engines: [{ name: 'main', copies: 1, members: [{ role: 'Standalone', nodePoolName: 'h100', template: { spec: { containers: [] } } }] }],
  };
}

function placed(cluster: string, index: number, origin: ScheduledReplica['origin'] = 'placed'): ScheduledReplica {
  return { cluster, index, spec: spec(cluster), engines: [{ name: 'main', pool: 'h100', nodes: 1 }], origin };
}

/** What the function composed for (cluster, index), as observed with the given readiness. */
function observedReplica(cluster: string, index: number, ready: boolean): [string, KubeObject] {
  const key = `replica-${cluster}-${index}`;
  const resource: KubeObject = {
    apiVersion: 'modelplane.ai/v1alpha1',
    kind: 'ModelReplica',
    metadata: {
      name: replicaName(identity.name, cluster, index),
      namespace: identity.namespace,
      labels: { 'modelplane.ai/deployment': 'my-model', 'modelplane.ai/cluster': cluster, 'modelplane.ai/replica-index': String(index) },
    },
    spec: spec(cluster),
  };
  return [key, asObserved(resource, key, ready)];
}

describe('endpointUrl', () => {
  it('builds the per-replica path and brackets IPv6 addresses only', () => {
    expect(endpointUrl('gw.example.com', 'ns', 'r-1')).toBe('http://gw.example.com/ns/r-1/v1');
    expect(endpointUrl('10.1.2.3', 'ns', 'r')).toBe('http://10.1.2.3/ns/r/v1');
    expect(endpointUrl('fd00::1', 'ns', 'r')).toBe('http://[fd00::1]/ns/r/v1');
    expect(endpointUrl('2001:db8:0:0:0:0:2:1', 'ns', 'r')).toBe('http://[2001:db8:0:0:0:0:2:1]/ns/r/v1');
  });
});

describe('composeSchedule', () => {
  it('composes a new ModelReplica named and labelled by identity, not ready until observed', () => {
    const { desired, replicas } = composeSchedule(identity, [placed('cluster-a', 0)], [view('cluster-a', 'gw')], {}, readObservedReplicas({}));
    expect(Object.keys(desired)).toEqual(['replica-cluster-a-0']);
    expect(desired['replica-cluster-a-0']).toEqual({
      resource: {
        apiVersion: 'modelplane.ai/v1alpha1',
        kind: 'ModelReplica',
        metadata: {
          name: 'my-model-5ab63',
          namespace: 'ml-team',
          labels: {
            'modelplane.ai/deployment': 'my-model',
            'modelplane.ai/cluster': 'cluster-a',
            'modelplane.ai/replica-index': '0',
          },
        },
        spec: spec('cluster-a'),
      },
      ready: false,
    });
    expect(replicas).toEqual([
      { name: 'my-model-5ab63', cluster: 'cluster-a', index: 0, engines: [{ name: 'main', pool: 'h100', nodes: 1 }], observed: false, ready: false },
    ]);
  });

  it('passes long or unusual names through labelValue', () => {
    const longCluster = `c${'x'.repeat(70)}`;
    const { desired } = composeSchedule(identity, [placed(longCluster, 2)], [view(longCluster)], {}, readObservedReplicas({}));
    const labels = desired[`replica-${longCluster}-2`]!.resource.metadata!.labels!;
    expect(labels['modelplane.ai/cluster']!.length).toBeLessThanOrEqual(63);
    expect(labels['modelplane.ai/cluster']).not.toBe(longCluster);
  });

  it('adds an endpoint for a replica observed Ready on a cluster with a gateway address', () => {
    const observed = Object.fromEntries([observedReplica('a', 0, true)]);
    const { desired, replicas } = composeSchedule(identity, [placed('a', 0, 'retained')], [view('a', 'fd00::7')], observed, readObservedReplicas(observed));
    const name = hashName('my-model', 'a', '0');
    expect(desired['replica-a-0']!.ready).toBe(true);
    expect(desired['endpoint-a-0']).toEqual({
      resource: {
        apiVersion: 'modelplane.ai/v1alpha1',
        kind: 'ModelEndpoint',
        metadata: {
          name,
          namespace: 'ml-team',
          labels: {
            'modelplane.ai/deployment': 'my-model',
            'modelplane.ai/cluster': 'a',
            'modelplane.ai/replica-index': '0',
            'modelplane.ai/api': 'OpenAI',
          },
        },
        spec: { url: `http://[fd00::7]/ml-team/${name}/v1`, rewritePath: `/ml-team/${name}/` },
      },
      ready: false,
    });
    expect(replicas[0]).toMatchObject({ observed: true, ready: true });
  });

  it('marks an endpoint ready once it is observed', () => {
    const [key, replica] = observedReplica('a', 0, true);
    const first = composeSchedule(identity, [placed('a', 0, 'retained')], [view('a', 'gw')], { [key]: replica }, readObservedReplicas({ [key]: replica }));
    const endpoint = asObserved(first.desired['endpoint-a-0']!.resource, 'endpoint-a-0', false);
    const observed = { [key]: replica, 'endpoint-a-0': endpoint };
    const second = composeSchedule(identity, [placed('a', 0, 'retained')], [view('a', 'gw')], observed, readObservedReplicas(observed));
    expect(second.desired['endpoint-a-0']!.ready).toBe(true);
  });

  it('withdraws the endpoint of a replica that is not Ready or whose cluster has no address, but not for cluster readiness', () => {
    const observed = Object.fromEntries([observedReplica('a', 0, false), observedReplica('b', 0, true), observedReplica('c', 0, true)]);
    const scheduled = [placed('a', 0, 'retained'), placed('b', 0, 'retained'), placed('c', 0, 'retained')];
    const clusters = [view('a', 'gw-a'), view('b'), view('c', 'gw-c', { ready: false })];
    const { desired } = composeSchedule(identity, scheduled, clusters, observed, readObservedReplicas(observed));
    expect(Object.keys(desired)).toEqual(['replica-a-0', 'replica-b-0', 'replica-c-0', 'endpoint-c-0']);
  });

  it('keeps a replica kept as observed stripped, under the key it was observed with', () => {
    const [, replica] = observedReplica('a', 3, true);
    const observed = { 'legacy-key': replica };
    const existing = readObservedReplicas(observed);
    const kept: ScheduledReplica = { ...placed('a', 3, 'keptAsObserved'), from: existing[0]! };
    const { desired, replicas } = composeSchedule(identity, [kept], [view('a', 'gw')], observed, existing);
    expect(desired['legacy-key']).toEqual({
      resource: {
        apiVersion: replica.apiVersion,
        kind: replica.kind,
        metadata: {
          name: replica.metadata!.name,
          namespace: replica.metadata!.namespace,
          labels: replica.metadata!.labels,
          annotations: replica.metadata!.annotations,
        },
        spec: replica.spec,
      },
      ready: true,
    });
    expect(desired['replica-a-3']).toBeUndefined();
    expect(desired['endpoint-a-3']!.resource.metadata!.name).toBe(replica.metadata!.name);
    expect(replicas[0]).toMatchObject({ name: replica.metadata!.name, observed: true, ready: true });
  });

  it('keeps an object under the key it was observed with, so Crossplane never deletes it as an orphan', () => {
    const [, replica] = observedReplica('a', 0, true);
    const first = composeSchedule(identity, [placed('a', 0, 'retained')], [view('a', 'gw')], { r0: replica }, readObservedReplicas({ r0: replica }));
    const endpoint = asObserved(first.desired['endpoint-a-0']!.resource, 'e0', true);
    const observed = { r0: replica, e0: endpoint };
    const { desired } = composeSchedule(identity, [placed('a', 0, 'retained')], [view('a', 'gw')], observed, readObservedReplicas(observed));
    expect(Object.keys(desired)).toEqual(['r0', 'e0']);
    expect(desired.r0!.resource.spec).toEqual(spec('a'));
    expect(desired.e0!.ready).toBe(true);
  });
});

describe('composeHeldEndpoints', () => {
  it('keeps endpoints only for Ready replicas on clusters that still exist with an address', () => {
    const observed = Object.fromEntries([
      observedReplica('gone', 0, true),
      observedReplica('here', 0, true),
      observedReplica('here', 1, false),
      observedReplica('noaddr', 0, true),
    ]);
    const desired = composeHeldEndpoints(identity, readObservedReplicas(observed), [view('here', 'gw'), view('noaddr')], observed);
    expect(Object.keys(desired)).toEqual(['endpoint-here-0']);
    expect(desired['endpoint-here-0']!.resource.spec).toEqual({
      url: `http://gw/ml-team/${replicaName('my-model', 'here', 0)}/v1`,
      rewritePath: `/ml-team/${replicaName('my-model', 'here', 0)}/`,
    });
  });

  it('keeps the observed endpoint of a Ready replica whose replica-index label was damaged', () => {
    const [replicaKey, replica] = observedReplica('here', 0, true);
    delete replica.metadata!.labels!['modelplane.ai/replica-index'];
    const name = replicaName('my-model', 'here', 0);
    const endpoint: KubeObject = {
      apiVersion: 'modelplane.ai/v1alpha1',
      kind: 'ModelEndpoint',
      metadata: { name, namespace: 'ml-team', labels: { 'modelplane.ai/replica-index': '0' } },
      spec: { url: `http://gw/ml-team/${name}/v1`, rewritePath: `/ml-team/${name}/` },
    };
    const observed = { [replicaKey]: replica, 'endpoint-here-0': asObserved(endpoint, 'endpoint-here-0', true) };
    const existing = readObservedReplicas(observed);
    expect(existing[0]!.index).toBeUndefined();
    const desired = composeHeldEndpoints(identity, existing, [view('here', 'gw')], observed);
    expect(desired).toEqual({ 'endpoint-here-0': { resource: stripObserved(observed['endpoint-here-0']), ready: true } });
    // Not Ready, or on a cluster without an address, it loses the endpoint as any replica would.
    expect(composeHeldEndpoints(identity, existing, [view('here')], observed)).toEqual({});
    const notReady = { ...observed, [replicaKey]: { ...replica, status: { conditions: [{ type: 'Ready', status: 'False' }] } } };
    expect(composeHeldEndpoints(identity, readObservedReplicas(notReady), [view('here', 'gw')], notReady)).toEqual({});
  });
});
