// Hostile inputs the fuzzer found, each reduced to the smallest request that shows it. Every one
// must get the answer the spec gives for bad input (a condition and a hold, or a Fatal of the kind
// conventions.md allows), never an internal error and never a lost resource.
import { describe, expect, it } from '@jest/globals';
import { Severity, type RunFunctionResponse } from '@crossplane-org/function-sdk-typescript';
import { runFunction } from '../../src/function.js';
import { remoteName } from '../../src/k8s/names.js';
import {
  functionRequest,
  inferenceCluster,
  MEMORY_16GI,
  modelDeployment,
  observedEndpoint,
  observedReplica,
  standaloneEngine,
  standardPools,
  type Json,
  type JsonObject,
} from '../helpers/reliability-fleet.js';

function fatalMessages(rsp: RunFunctionResponse): string[] {
  return rsp.results.filter((r) => r.severity === Severity.SEVERITY_FATAL).map((r) => r.message);
}

describe('the kind of the observed XR', () => {
  it.each(['constructor', 'toString', 'hasOwnProperty', '__proto__'])('"%s" is an unsupported kind, not a pipeline', (kind) => {
    const rsp = runFunction(functionRequest({ composite: { apiVersion: 'modelplane.ai/v1alpha1', kind, metadata: { name: 'x', namespace: 'y' } } }));
    expect(fatalMessages(rsp)).toEqual([`unsupported composite kind modelplane.ai/v1alpha1/${kind}`]);
  });

  it.each<[string, JsonObject]>([
    ['a kind that is an object with a toString field', { apiVersion: 'example.org/v1', kind: { toString: 'x' } }],
    ['an apiVersion that is an object with a valueOf field', { apiVersion: { valueOf: 1, toString: 2 }, kind: 'X' }],
  ])('%s is reported as an unsupported kind', (_, composite) => {
    const [message, ...rest] = fatalMessages(runFunction(functionRequest({ composite })));
    expect(rest).toEqual([]);
    expect(message).toMatch(/^unsupported composite kind /);
  });
});

describe('a ModelDeployment whose names are not strings', () => {
  const cluster = inferenceCluster('us-east-1');

  it.each<[string, (engine: JsonObject) => void]>([
    ['a device request name', (e) => (((e.members as JsonObject[])[0]!.nodeSelector as { devices: JsonObject[] }).devices[0]!.name = { toString: 'x' })],
    ['an engine name', (e) => (e.name = { toString: 'x' })],
  ])('with %s that is an object is held as an invalid spec, keeping its replicas', (_, breakIt) => {
    const engine = standaloneEngine('main');
    const existing = observedReplica({ deployment: 'chat', namespace: 'ml-team', cluster: 'us-east-1', index: 0, pool: 'l4', engines: [engine] });
    breakIt(engine);
    const rsp = runFunction(
      functionRequest({
        composite: modelDeployment('chat', 'ml-team', { replicas: 1, engines: [engine] }),
        observed: { [existing.key]: existing.object },
        required: { clusters: [cluster], replicas: [existing.object] },
      }),
    );
    expect(fatalMessages(rsp)).toEqual([]);
    expect(rsp.conditions.find((c) => c.type === 'ReplicasScheduled')?.reason).toBe('InvalidSpec');
    expect(Object.keys(rsp.desired?.resources ?? {})).toEqual([existing.key]);
  });
});

describe('NoClusters keeps serving', () => {
  it('keeps the endpoint of a Ready replica whose replica-index label was damaged', () => {
    const engines = [standaloneEngine('main')];
    const replica = observedReplica({ deployment: 'chat', namespace: 'ml-team', cluster: 'us-east-1', index: 0, pool: 'l4', engines });
    delete (replica.object.metadata as { labels: Record<string, string> }).labels['modelplane.ai/replica-index'];
    const endpoint = observedEndpoint({ deployment: 'chat', namespace: 'ml-team', cluster: 'us-east-1', index: 0 });
    const rsp = runFunction(
      functionRequest({
        composite: modelDeployment('chat', 'ml-team', { replicas: 1, engines, clusterSelector: { matchLabels: { tier: 'nowhere' } } }),
        observed: { [replica.key]: replica.object, [endpoint.key]: endpoint.object },
        // The replica's cluster still exists, Ready, with a gateway address: only the selector changed.
        required: { clusters: [inferenceCluster('us-east-1')], replicas: [replica.object] },
      }),
    );
    expect(rsp.conditions.find((c) => c.type === 'ReplicasScheduled')?.reason).toBe('NoClusters');
    expect(Object.keys(rsp.desired?.resources ?? {}).sort()).toEqual([endpoint.key, replica.key]);
  });
});

describe('an XR the XRD would reject is held, not composed', () => {
  const cluster = inferenceCluster('us-east-1');
  const gpu = { devices: [{ name: 'gpu', count: 1, selectors: [{ cel: MEMORY_16GI }] }] };
  const template = (labels?: Record<string, string>): JsonObject => ({
    ...(labels ? { metadata: { labels } } : {}),
    spec: { containers: [{ name: 'engine', image: 'vllm/vllm-openai:v0.11.0' }] },
  });

  it("a hand-written ModelReplica whose worker pods carry another replica's serving label composes nothing", () => {
    // The serving name is public (a hash of namespace and name): a pod carrying it joins that
    // replica's Service in the shared remote namespace and receives its traffic.
    const victim = remoteName('chat-abcde', 63, 'team-a', 'chat-abcde', 'serve');
    const engines: Json = [
      {
        name: 'main',
        members: [
          { role: 'Leader', nodeSelector: gpu, template: template() },
          { role: 'Worker', nodeSelector: gpu, template: template({ 'modelplane.ai/serving': victim }) },
        ],
      },
    ];
    const replica = observedReplica({ deployment: 'intruder', namespace: 'team-b', cluster: 'us-east-1', index: 0, pool: 'l4', engines }).object;
    const rsp = runFunction(functionRequest({ composite: replica, required: { cluster: [cluster] } }));
    expect(rsp.conditions.find((c) => c.type === 'ModelAccepted')?.reason).toBe('InvalidServing');
    expect(JSON.stringify(rsp.desired?.resources ?? {})).not.toContain(victim);
  });

  it('a hand-written ModelReplica pinned to a pool name no node label can carry is held', () => {
    const replica = observedReplica({ deployment: 'chat', namespace: 'ml-team', cluster: 'us-east-1', index: 0, pool: 'p'.repeat(64), engines: [standaloneEngine('main')] }).object;
    const rsp = runFunction(functionRequest({ composite: replica, required: { cluster: [cluster] } }));
    expect(rsp.conditions.find((c) => c.type === 'ModelAccepted')?.reason).toBe('InvalidServing');
    expect(rsp.desired?.resources).toEqual({});
  });

  it.each<[string, (member: JsonObject) => void]>([
    ['a reserved label key on the pod template', (m) => ((m.template as JsonObject).metadata = { labels: { 'modelplane.ai/serving': 'x' } })],
    ['no engine container', (m) => (((m.template as JsonObject).spec as JsonObject).containers = [])],
    ['an image that is not a string', (m) => ((((m.template as JsonObject).spec as JsonObject).containers as JsonObject[])[0]!.image = ['vllm'])],
  ])('a ModelDeployment with %s is held, keeping its replicas', (_, breakIt) => {
    const engine = standaloneEngine('main');
    const existing = observedReplica({ deployment: 'chat', namespace: 'ml-team', cluster: 'us-east-1', index: 0, pool: 'l4', engines: [engine] });
    breakIt((engine.members as JsonObject[])[0]!);
    const rsp = runFunction(
      functionRequest({
        composite: modelDeployment('chat', 'ml-team', { replicas: 2, engines: [engine] }),
        observed: { [existing.key]: existing.object },
        required: { clusters: [cluster], replicas: [existing.object] },
      }),
    );
    expect(rsp.conditions.find((c) => c.type === 'ReplicasScheduled')?.reason).toBe('InvalidSpec');
    expect(Object.keys(rsp.desired?.resources ?? {})).toEqual([existing.key]);
  });
});

describe('a replica whose replica-index label was damaged', () => {
  it('never shares its name with the replacement of another replica, so a Ready replica is not lost', () => {
    const engines = [standaloneEngine('main')];
    const l4 = (nodes: number): JsonObject[] => [{ ...standardPools()[0]!, nodes }];
    // On cluster b, named for index 0, but its index label no longer says so; nothing fits it anew.
    const damaged = observedReplica({ deployment: 'chat', namespace: 'ml-team', cluster: 'b', index: 0, pool: 'retired', engines, ready: false });
    (damaged.object.metadata as { labels: Record<string, string> }).labels['modelplane.ai/replica-index'] = 'zero';
    // Ready on cluster a, pinned to a pool a no longer publishes: it is re-placed, and fits only on b.
    const serving = observedReplica({ deployment: 'chat', namespace: 'ml-team', cluster: 'a', index: 0, pool: 'retired', engines, ready: true });
    const rsp = runFunction(
      functionRequest({
        composite: modelDeployment('chat', 'ml-team', { replicas: 2, engines }),
        observed: { [damaged.key]: damaged.object, [serving.key]: serving.object },
        required: { clusters: [inferenceCluster('a', { pools: l4(0) }), inferenceCluster('b', { pools: l4(1) })], replicas: [damaged.object, serving.object] },
      }),
    );
    const composed = Object.values(rsp.desired?.resources ?? {}).filter((r) => r.resource?.kind === 'ModelReplica');
    const names = new Set(composed.map((r) => (r.resource?.metadata as { name: string }).name));
    const total = (rsp.desired?.composite?.resource?.status as { replicas: { total: number } }).replicas.total;
    expect({ composed: composed.length, distinctNames: names.size, total }).toEqual({ composed: 2, distinctNames: 2, total: 2 });
  });
});
