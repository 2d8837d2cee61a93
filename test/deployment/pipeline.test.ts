import { describe, expect, it } from '@jest/globals';
import type { KubeObject } from '../../src/api/types.js';
import type { CompositionRequest, CompositionResponse } from '../../src/composition.js';
import { runModelDeployment } from '../../src/deployment/pipeline.js';
import { stripObserved } from '../../src/k8s/observed.js';
import { hashName } from '../../src/k8s/names.js';
import {
  NAMESPACE,
  asObserved,
  cluster,
  deployment,
  feedBack,
  pool,
  request,
  standaloneEngine,
  type DeploymentOptions,
} from './fixtures.js';

const REQUIREMENTS = {
  clusters: { apiVersion: 'modelplane.ai/v1alpha1', kind: 'InferenceCluster', matchLabels: {} },
  replicas: { apiVersion: 'modelplane.ai/v1alpha1', kind: 'ModelReplica', matchLabels: {} },
};

function conditionOf(response: CompositionResponse, type: string) {
  return response.conditions.find((c) => c.type === type);
}

/** Runs the pipeline, feeds the result back as Crossplane would, until the desired state settles. */
function settle(start: CompositionRequest, ready: (key: string) => boolean = () => true, rounds = 3) {
  let req = start;
  let rsp = runModelDeployment(req);
  for (let i = 0; i < rounds; i++) {
    req = feedBack(req, rsp, ready);
    rsp = runModelDeployment(req);
  }
  return { req, rsp };
}

function twoClusterRequest(options: DeploymentOptions = {}): CompositionRequest {
  return request({ composite: deployment({ replicas: 2, ...options }), clusters: [cluster('b'), cluster('a')], replicas: [] });
}

/** Every observed resource in "keep observed" form, under its key, ready as observed. */
function heldForm(observed: Record<string, KubeObject>) {
  return Object.fromEntries(
    Object.entries(observed).map(([key, o]) => [
      key,
      { resource: stripObserved(o), ready: (o.status as { conditions: { status: string }[] }).conditions[0]!.status === 'True' },
    ]),
  );
}

describe('runModelDeployment: first schedule', () => {
  it('answers with the requirements and keeps nothing else while the fleet is unresolved', () => {
    const rsp = runModelDeployment(request());
    expect(rsp).toEqual({ desired: {}, status: {}, conditions: [], results: [], requirements: REQUIREMENTS });
    const half = runModelDeployment(request({ clusters: [cluster('a')] }));
    expect(half.conditions).toEqual([]);
    expect(half.desired).toEqual({});
  });

  it('spreads replicas across clusters and reports progress', () => {
    const rsp = runModelDeployment(twoClusterRequest());
    expect(Object.keys(rsp.desired)).toEqual(['replica-a-0', 'replica-b-0']);
    const replica = rsp.desired['replica-a-0']!;
    expect(replica.ready).toBe(false);
    expect(replica.resource.metadata).toEqual({
      name: hashName('qwen3-8b', 'a', '0'),
      namespace: NAMESPACE,
      labels: { 'modelplane.ai/deployment': 'qwen3-8b', 'modelplane.ai/cluster': 'a', 'modelplane.ai/replica-index': '0' },
    });
    expect(replica.resource.spec).toMatchObject({
      clusterName: 'a',
      engines: [
        {
          name: 'main',
          members: [
            {
              role: 'Standalone',
              nodePoolName: 'h100',
              deviceRequests: [
                {
                  name: 'gpu',
                  deviceClassName: 'gpu.nvidia.com',
                  count: 1,
                  selectors: [{ cel: 'device.capacity["gpu.nvidia.com"].memory.compareTo(quantity("16Gi")) >= 0' }],
                },
              ],
            },
          ],
        },
      ],
    });
    expect(rsp.results).toEqual([{ severity: 'Normal', reason: 'Scheduled', message: 'Scheduled 2 replicas across 2 clusters: a, b' }]);
    expect(conditionOf(rsp, 'ReplicasScheduled')).toEqual({
      type: 'ReplicasScheduled',
      status: 'False',
      reason: 'Scheduling',
      message: '2 of 2 replicas scheduled; waiting for 2 to be created',
    });
    expect(conditionOf(rsp, 'ReplicasReady')).toEqual({
      type: 'ReplicasReady',
      status: 'False',
      reason: 'ReplicasNotReady',
      message: '0 of 2 ready',
    });
    expect(rsp.status).toEqual({
      replicas: { total: 2, ready: 0 },
      placements: [
        { replica: hashName('qwen3-8b', 'a', '0'), cluster: 'a', index: 0, ready: false, engines: [{ name: 'main', pool: 'h100', nodes: 1 }] },
        { replica: hashName('qwen3-8b', 'b', '0'), cluster: 'b', index: 0, ready: false, engines: [{ name: 'main', pool: 'h100', nodes: 1 }] },
      ],
    });
    expect(rsp.requirements).toEqual(REQUIREMENTS);
  });
});

describe('runModelDeployment: endpoints follow readiness and the gateway address', () => {
  it('gives a Ready replica its endpoint, ready once observed, and goes quiet', () => {
    const { rsp } = settle(twoClusterRequest());
    expect(Object.keys(rsp.desired).sort()).toEqual(['endpoint-a-0', 'endpoint-b-0', 'replica-a-0', 'replica-b-0']);
    const name = hashName('qwen3-8b', 'a', '0');
    expect(rsp.desired['endpoint-a-0']).toEqual({
      resource: {
        apiVersion: 'modelplane.ai/v1alpha1',
        kind: 'ModelEndpoint',
        metadata: {
          name,
          namespace: NAMESPACE,
          labels: {
            'modelplane.ai/deployment': 'qwen3-8b',
            'modelplane.ai/cluster': 'a',
            'modelplane.ai/replica-index': '0',
            'modelplane.ai/api': 'OpenAI',
          },
        },
        spec: { url: `http://a.gw.example.com/${NAMESPACE}/${name}/v1`, rewritePath: `/${NAMESPACE}/${name}/` },
      },
      ready: true,
    });
    expect(conditionOf(rsp, 'ReplicasScheduled')).toMatchObject({ status: 'True', reason: 'Scheduled', message: '2 of 2 replicas scheduled' });
    expect(conditionOf(rsp, 'ReplicasReady')).toMatchObject({ status: 'True', reason: 'AllReplicasReady', message: '2 of 2 ready' });
    expect(rsp.results).toEqual([]);
  });

  it('withdraws the endpoint of a replica that stops being Ready but keeps the replica', () => {
    const { req } = settle(twoClusterRequest());
    const observed = { ...req.observed, 'replica-a-0': asObserved(stripObserved(req.observed['replica-a-0']!), 'replica-a-0', false) };
    const rsp = runModelDeployment({ ...req, observed });
    expect(Object.keys(rsp.desired).sort()).toEqual(['endpoint-b-0', 'replica-a-0', 'replica-b-0']);
    expect(conditionOf(rsp, 'ReplicasReady')).toMatchObject({ reason: 'ReplicasNotReady', message: '1 of 2 ready' });
  });

  it('withdraws endpoints on a cluster that loses its address, not on one that loses readiness', () => {
    const { req } = settle(twoClusterRequest());
    const clusters = [cluster('a', { address: null }), cluster('b', { ready: false })];
    const rsp = runModelDeployment({ ...req, required: { ...req.required, clusters } });
    expect(Object.keys(rsp.desired).sort()).toEqual(['endpoint-b-0', 'replica-a-0', 'replica-b-0']);
    expect(rsp.desired['replica-a-0']!.resource.spec).toEqual(req.observed['replica-a-0']!.spec);
  });

  it('brackets an IPv6 gateway address', () => {
    const req = request({ composite: deployment(), clusters: [cluster('a', { address: 'fd00::10' })], replicas: [] });
    const { rsp } = settle(req);
    expect((rsp.desired['endpoint-a-0']!.resource.spec as { url: string }).url).toMatch(/^http:\/\/\[fd00::10\]\/ml-team\/.+\/v1$/);
  });
});

describe('runModelDeployment: shortfall', () => {
  it('places what fits and explains the rest per cluster', () => {
    const clusters = [cluster('a', { pools: [pool('h100', 1)] }), cluster('b', { ready: false }), cluster('c', { address: null })];
    const rsp = runModelDeployment(request({ composite: deployment({ replicas: 3 }), clusters, replicas: [] }));
    expect(Object.keys(rsp.desired)).toEqual(['replica-a-0']);
    const scheduled = conditionOf(rsp, 'ReplicasScheduled')!;
    expect(scheduled).toMatchObject({ status: 'False', reason: 'InsufficientCapacity' });
    expect(scheduled.message).toMatch(/^1 of 3 replicas scheduled; .+/);
    const unschedulable = rsp.status.unschedulable as { cluster: string; reason: string }[];
    expect(unschedulable.map((u) => u.cluster)).toEqual(['a', 'b', 'c']);
    expect(unschedulable.find((u) => u.cluster === 'b')!.reason).toContain('not Ready');
    expect(unschedulable.find((u) => u.cluster === 'c')!.reason).toContain('no gateway address');
    expect(rsp.results).toEqual([{ severity: 'Normal', reason: 'Scheduled', message: 'Scheduled 1 replicas across 1 clusters: a' }]);
  });

  it('reports no replicas scheduled when nothing fits', () => {
    const rsp = runModelDeployment(request({ composite: deployment(), clusters: [cluster('a', { ready: false })], replicas: [] }));
    expect(rsp.desired).toEqual({});
    expect(conditionOf(rsp, 'ReplicasScheduled')).toMatchObject({ reason: 'InsufficientCapacity' });
    expect(conditionOf(rsp, 'ReplicasReady')).toEqual({ type: 'ReplicasReady', status: 'False', reason: 'NoReplicasScheduled', message: '0 of 0 ready' });
  });
});

describe('runModelDeployment: hold paths keep every observed resource', () => {
  const previousStatus = {
    replicas: { total: 2, ready: 2 },
    placements: [{ replica: 'x', cluster: 'a', index: 0, ready: true, engines: [] }],
    conditions: [{ type: 'ReplicasScheduled', status: 'True', reason: 'Scheduled' }],
  };

  it('keeps everything while unresolved, stripped of server fields, with the owned status re-emitted', () => {
    const { req } = settle(twoClusterRequest());
    const unresolved = { ...req, composite: { ...req.composite, status: previousStatus }, required: {} };
    const rsp = runModelDeployment(unresolved);
    expect(rsp.desired).toEqual(heldForm(req.observed));
    expect(JSON.stringify(rsp.desired)).not.toMatch(/uid|resourceVersion|ownerReferences|"status"/);
    expect(rsp.status).toEqual({ replicas: previousStatus.replicas, placements: previousStatus.placements });
    expect(rsp.conditions).toEqual([]);
    expect(rsp.results).toEqual([]);
  });

  it('holds on a node selector that does not compile', () => {
    const { req } = settle(twoClusterRequest());
    const engine = standaloneEngine();
    const member = (engine.members as Record<string, unknown>[])[0]!;
    member.nodeSelector = { devices: [{ name: 'gpu', selectors: [{ cel: 'true' }, { cel: 'device.driver ==' }] }] };
    const rsp = runModelDeployment({ ...req, composite: deployment({ replicas: 5, engines: [engine], status: previousStatus }) });
    expect(rsp.desired).toEqual(heldForm(req.observed));
    const scheduled = conditionOf(rsp, 'ReplicasScheduled')!;
    expect(scheduled).toMatchObject({ status: 'False', reason: 'InvalidNodeSelector' });
    expect(scheduled.message).toMatch(/^engine "main" member Standalone request "gpu" selector 1 \(0-based\): .+; keeping 2 existing replicas$/);
    expect(rsp.results).toEqual([{ severity: 'Warning', reason: 'InvalidNodeSelector', message: scheduled.message }]);
    expect(rsp.status).toEqual({ replicas: previousStatus.replicas, placements: previousStatus.placements });
  });

  it('warns about every selector that does not compile', () => {
    const engine = standaloneEngine();
    const member = (engine.members as Record<string, unknown>[])[0]!;
    member.nodeSelector = { devices: [{ name: 'a', selectors: [{ cel: '1 +' }] }, { name: 'b', selectors: [{ cel: 'true' }, { cel: ')' }] }] };
    const rsp = runModelDeployment(request({ composite: deployment({ engines: [engine] }), clusters: [cluster('a')], replicas: [] }));
    expect(rsp.results.map((r) => [r.severity, r.reason])).toEqual([
      ['Warning', 'InvalidNodeSelector'],
      ['Warning', 'InvalidNodeSelector'],
    ]);
    expect(rsp.results[0]!.message).toMatch(/^engine "main" member Standalone request "a" selector 0 \(0-based\): .+; keeping 0 existing replicas$/);
    expect(rsp.results[1]!.message).toMatch(/^engine "main" member Standalone request "b" selector 1 \(0-based\): /);
  });

  it('holds on a clusterSelector with an invalid operator, naming the field', () => {
    const { req } = settle(twoClusterRequest());
    const clusterSelector = { matchExpressions: [{ key: 'tier', operator: 'Like', values: ['prod'] }] };
    const rsp = runModelDeployment({ ...req, composite: deployment({ replicas: 2, clusterSelector }) });
    expect(rsp.desired).toEqual(heldForm(req.observed));
    expect(conditionOf(rsp, 'ReplicasScheduled')).toEqual({
      type: 'ReplicasScheduled',
      status: 'False',
      reason: 'InvalidSpec',
      message:
        'spec.clusterSelector.matchExpressions[0].operator: Unsupported value: "Like": supported values: "In", "NotIn", "Exists", "DoesNotExist"; ' +
        'keeping 2 existing replicas',
    });
  });

  it('holds on a malformed XR spec, and is Fatal only without an identity', () => {
    const { req } = settle(twoClusterRequest());
    const bad = runModelDeployment({ ...req, composite: deployment({ replicas: -1 }) });
    expect(bad.desired).toEqual(heldForm(req.observed));
    expect(conditionOf(bad, 'ReplicasScheduled')!.message).toBe('spec.replicas: Invalid value: -1: must be greater than or equal to 0; keeping 2 existing replicas');
    const nameless = runModelDeployment({ ...req, composite: { ...deployment(), metadata: { namespace: NAMESPACE } } });
    expect(nameless.results).toEqual([{ severity: 'Fatal', message: 'invalid ModelDeployment: metadata.name: missing' }]);
    expect(nameless.requirements).toEqual(REQUIREMENTS);
  });

  it('holds on what only the XRD forbids, naming the field and the value', () => {
    const { req } = settle(twoClusterRequest());
    const engine = standaloneEngine();
    const member = (engine.members as Record<string, unknown>[])[0]!;
    // A pod label under modelplane.ai/ would let the pods join another replica's Service.
    member.template = { metadata: { labels: { 'modelplane.ai/serving': 'x' } }, spec: { containers: [{ name: 'engine', image: 'vllm' }] } };
    const rsp = runModelDeployment({ ...req, composite: deployment({ replicas: 3, engines: [engine], status: previousStatus }) });
    expect(rsp.desired).toEqual(heldForm(req.observed));
    const message =
      'spec.engines[0].members[0].template.metadata.labels: Invalid value: {"modelplane.ai/serving":"x"}: ' +
      'label keys under modelplane.ai/ are reserved for the labels Modelplane manages; keeping 2 existing replicas';
    expect(conditionOf(rsp, 'ReplicasScheduled')).toEqual({ type: 'ReplicasScheduled', status: 'False', reason: 'InvalidSpec', message });
    expect(rsp.results).toEqual([{ severity: 'Warning', reason: 'InvalidSpec', message }]);
    expect(rsp.status).toEqual({ replicas: previousStatus.replicas, placements: previousStatus.placements });
  });

  it('lists the first three violations and counts the rest', () => {
    const { req } = settle(twoClusterRequest());
    const engines = ['a', 'b', 'c', 'd', 'e'].map((name) => ({ ...standaloneEngine(name), copies: 0 }));
    const message = conditionOf(runModelDeployment({ ...req, composite: deployment({ replicas: 2, engines }) }), 'ReplicasScheduled')!.message;
    expect(message).toBe(
      'spec.engines[0].copies: Invalid value: 0: must be greater than or equal to 1; spec.engines[1].copies: Invalid value: 0: must be greater than or equal to 1; ' +
        'spec.engines[2].copies: Invalid value: 0: must be greater than or equal to 1; and 2 more; keeping 2 existing replicas',
    );
  });

  it('ignores fields the XRD does not declare, which the API server prunes', () => {
    const { req, rsp: settled } = settle(twoClusterRequest());
    const composite = deployment({ replicas: 2 });
    (composite.spec as Record<string, unknown>).legacyField = { anything: true };
    const rsp = runModelDeployment({ ...req, composite: { ...composite, status: req.composite.status } });
    expect(conditionOf(rsp, 'ReplicasScheduled')).toEqual(conditionOf(settled, 'ReplicasScheduled'));
    expect(rsp.desired).toEqual(settled.desired);
  });

  it('leaves a status field the XRD rejects out of the held status, so the hold can end', () => {
    const { req } = settle(twoClusterRequest());
    const status = { ...previousStatus, placements: [{ replica: 'x', cluster: 'a', index: 'zero', ready: true, engines: [] }] };
    const rsp = runModelDeployment({ ...req, composite: deployment({ replicas: 2, status }) });
    expect(conditionOf(rsp, 'ReplicasScheduled')).toMatchObject({
      reason: 'InvalidSpec',
      message: 'status.placements[0].index: Invalid value: "zero": must be of type integer; keeping 2 existing replicas',
    });
    expect(rsp.desired).toEqual(heldForm(req.observed));
    expect(rsp.status).toEqual({ replicas: previousStatus.replicas });
  });

  it('keeps replicas when no cluster is selected, dropping endpoints of clusters that are gone', () => {
    const { req } = settle(twoClusterRequest());
    const selector = { matchLabels: { 'modelplane.ai/tier': 'staging' } };
    const rsp = runModelDeployment({
      ...req,
      composite: deployment({ replicas: 2, clusterSelector: selector, status: previousStatus }),
      required: { ...req.required, clusters: [cluster('b')] },
    });
    expect(Object.keys(rsp.desired).sort()).toEqual(['endpoint-b-0', 'replica-a-0', 'replica-b-0']);
    expect(rsp.desired['replica-a-0']).toEqual(heldForm(req.observed)['replica-a-0']);
    const message = 'no InferenceCluster matches the clusterSelector {modelplane.ai/tier=staging} (1 exist); keeping 2 existing replicas';
    expect(conditionOf(rsp, 'ReplicasScheduled')).toEqual({ type: 'ReplicasScheduled', status: 'False', reason: 'NoClusters', message });
    expect(rsp.results).toEqual([{ severity: 'Warning', reason: 'NoClusters', message }]);
    expect(rsp.status).toEqual({ replicas: previousStatus.replicas, placements: previousStatus.placements });
  });

  it('tells resolved-and-empty from unresolved', () => {
    const rsp = runModelDeployment(request({ clusters: [], replicas: [] }));
    expect(conditionOf(rsp, 'ReplicasScheduled')).toMatchObject({
      reason: 'NoClusters',
      message: 'no InferenceCluster matches the clusterSelector {} (0 exist); keeping 0 existing replicas',
    });
    expect(runModelDeployment(request({ replicas: [] })).conditions).toEqual([]);
  });
});

describe('runModelDeployment: an edit nothing can satisfy', () => {
  it('keeps the running replica exactly as observed and names it', () => {
    const { req } = settle(request({ composite: deployment(), clusters: [cluster('a')], replicas: [] }));
    const engine = standaloneEngine();
    const member = (engine.members as Record<string, unknown>[])[0]!;
    member.nodeSelector = {
      devices: [{ name: 'gpu', selectors: [{ cel: 'device.capacity["gpu.nvidia.com"].memory.compareTo(quantity("1000Gi")) >= 0' }] }],
    };
    const rsp = runModelDeployment({ ...req, composite: deployment({ engines: [engine] }) });
    expect(rsp.desired['replica-a-0']).toEqual(heldForm(req.observed)['replica-a-0']);
    expect(Object.keys(rsp.desired).sort()).toEqual(['endpoint-a-0', 'replica-a-0']);
    const scheduled = conditionOf(rsp, 'ReplicasScheduled')!;
    expect(scheduled.reason).toBe('InsufficientCapacity');
    expect(scheduled.message).toContain(`replica ${hashName('qwen3-8b', 'a', '0')} on a could not be re-placed: `);
    expect(rsp.status.placements).toEqual([
      { replica: hashName('qwen3-8b', 'a', '0'), cluster: 'a', index: 0, ready: true, engines: [{ name: 'main', pool: 'h100', nodes: 1 }] },
    ]);
  });
});

describe('runModelDeployment: bad fleet input', () => {
  it('warns about a malformed cluster status and places nothing there', () => {
    const broken = cluster('a', { status: { conditions: [{ type: 'Ready', status: 'True' }], gateway: { address: 'gw' }, gpuPools: [{ name: 'p', nodes: 'four' }] } });
    const rsp = runModelDeployment(request({ composite: deployment(), clusters: [broken, cluster('b')], replicas: [] }));
    expect(Object.keys(rsp.desired)).toEqual(['replica-b-0']);
    expect(rsp.results).toContainEqual({
      severity: 'Warning',
      reason: 'MalformedCluster',
      message:
        'InferenceCluster a has a malformed status: status.gpuPools[0].nodes: "four" is not a number; keeping its replicas as they are and placing nothing new there',
    });
  });

  it('charges what it can of a malformed foreign replica and warns about it', () => {
    const foreign: KubeObject = {
      apiVersion: 'modelplane.ai/v1alpha1',
      kind: 'ModelReplica',
      metadata: { name: 'other-1', namespace: 'team-b' },
      spec: {
        clusterName: 'a',
        engines: [
          {
            name: 'e',
            copies: 4,
            members: [{ nodePoolName: 'h100', deviceRequests: [{ name: 'gpu', deviceClassName: 'c', count: 1 }], template: {} }],
          },
          { name: 7 },
        ],
      },
    };
    const rsp = runModelDeployment(request({ composite: deployment(), clusters: [cluster('a')], replicas: [foreign] }));
    // The foreign replica occupies all 4 nodes of a/h100.
    expect(rsp.desired).toEqual({});
    const warning = rsp.results.find((r) => r.reason === 'MalformedReplica');
    expect(warning?.severity).toBe('Warning');
    expect(warning?.message).toMatch(/^ModelReplica team-b\/other-1 is malformed: .*spec\.engines\[1\]\.name: 7 .*; charging what can be read$/);
  });

  it('never throws, whatever the request carries', () => {
    const garbage = { composite: undefined, observed: { x: null, y: 3 }, required: { clusters: 'x' }, input: undefined } as unknown as CompositionRequest;
    const rsp = runModelDeployment(garbage);
    expect(rsp.results).toEqual([{ severity: 'Fatal', message: 'request has no observed composite resource' }]);
    expect(rsp.requirements).toEqual(REQUIREMENTS);
    const oddClusters = runModelDeployment(request({ clusters: [null, 5, 'x'] as unknown as KubeObject[], replicas: [null] as unknown as KubeObject[] }));
    expect(conditionOf(oddClusters, 'ReplicasScheduled')).toMatchObject({ reason: 'NoClusters' });
  });
});

describe('runModelDeployment: identity and determinism', () => {
  it('keeps same-named deployments in two namespaces apart', () => {
    const single = [cluster('a', { pools: [pool('h100', 1)] })];
    const first = settle(request({ composite: deployment({ namespace: 'team-1' }), clusters: single, replicas: [] }));
    expect(conditionOf(first.rsp, 'ReplicasScheduled')).toMatchObject({ status: 'True', reason: 'Scheduled' });
    const fleet = first.req.required.replicas!;
    expect(fleet).toHaveLength(1);

    // The other namespace sees team-1's replica as foreign: the only node is taken.
    const second = runModelDeployment(request({ composite: deployment({ namespace: 'team-2' }), clusters: single, replicas: fleet }));
    expect(second.desired).toEqual({});
    expect(conditionOf(second, 'ReplicasScheduled')).toMatchObject({ reason: 'InsufficientCapacity' });

    // team-1 itself is not charged twice for the replica it observes.
    const again = runModelDeployment(first.req);
    expect(Object.keys(again.desired).sort()).toEqual(['endpoint-a-0', 'replica-a-0']);
    expect(conditionOf(again, 'ReplicasScheduled')).toMatchObject({ status: 'True' });
  });

  it('gives byte-identical output whatever the order of the required lists and observed keys', () => {
    const clusters = [
      cluster('c', { pools: [pool('h100', 2), pool('l4', 3)] }),
      cluster('a', { pools: [pool('h100', 1)] }),
      cluster('b', { ready: false }),
      cluster('d', { status: { gpuPools: 'x' } }),
      cluster('f', { status: { gpuPools: [{ nodes: 1 }] } }),
      cluster('e', { labels: { 'modelplane.ai/tier': 'dev' } }),
    ];
    const foreign: KubeObject[] = ['x', 'y', 'z'].map((n, i) => ({
      apiVersion: 'modelplane.ai/v1alpha1',
      kind: 'ModelReplica',
      metadata: { name: n, namespace: `ns-${i}` },
      spec: { clusterName: 'c', engines: [{ name: 'e', members: [{ nodePoolName: 'h100', deviceRequests: i === 1 ? [{ name: 'g' }] : 'bad' }] }] },
    }));
    const composite = deployment({ replicas: 4, clusterSelector: { matchLabels: { 'modelplane.ai/tier': 'production' } } });
    const { req } = settle(request({ composite, clusters, replicas: foreign }), (key) => key !== 'replica-c-0', 1);
    const reversedObserved = Object.fromEntries(Object.entries(req.observed).reverse());
    const permuted: CompositionRequest = {
      ...req,
      observed: reversedObserved,
      required: { replicas: [...req.required.replicas!].reverse(), clusters: [...clusters].reverse() },
    };
    const rsp = runModelDeployment(req);
    expect(rsp.results.filter((r) => r.severity === 'Warning')).toHaveLength(4);
    expect(Object.keys(rsp.desired).length).toBeGreaterThan(2);
    expect(JSON.stringify(runModelDeployment(permuted))).toBe(JSON.stringify(rsp));
  });

  it('is stable when its output is fed back', () => {
    const { req, rsp } = settle(twoClusterRequest({ replicas: 3 }));
    const next = runModelDeployment(feedBack(req, rsp));
    expect(JSON.stringify(next)).toBe(JSON.stringify(rsp));
    expect(Object.keys(rsp.desired).filter((k) => k.startsWith('replica-')).sort()).toEqual(['replica-a-0', 'replica-a-1', 'replica-b-0']);
  });
});
