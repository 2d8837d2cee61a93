// RunFunction's own paths over the wire: what it does before any pipeline runs.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Severity } from '@crossplane-org/function-sdk-typescript';
import { functionRequest, startWire, type Wire } from '../helpers/grpc.js';

let wire: Wire;
beforeAll(async () => (wire = await startWire()));
afterAll(() => wire.stop());

const deployment = {
  apiVersion: 'modelplane.ai/v1alpha1',
  kind: 'ModelDeployment',
  metadata: { name: 'm', namespace: 'team' },
  spec: { replicas: 1, engines: [{ name: 'e', members: [{ role: 'Standalone', nodeSelector: { devices: [{ name: 'gpu' }] }, template: { spec: { containers: [{ name: 'engine', image: 'i' }] } } }] }] },
};

function fatalMessages(rsp: { results: { severity: number; message: string }[] }): string[] {
  return rsp.results.filter((r) => r.severity === Severity.SEVERITY_FATAL).map((r) => r.message);
}

describe('RunFunction dispatch', () => {
  it('is Fatal when the request has no observed composite resource', async () => {
    const rsp = await wire.call(functionRequest({ tag: 'no-xr' }));
    expect(fatalMessages(rsp)).toEqual(['request has no observed composite resource']);
    expect(rsp.meta?.tag).toBe('no-xr');
  });

  it.each([
    ['example.org/v1', 'ModelDeployment'],
    ['modelplane.ai/v1alpha1', 'InferenceCluster'],
    ['modelplane.ai/v2', 'ModelReplica'],
    ['modelplane.ai/v1alpha1', 'toString'],
    ['modelplane.ai/v1alpha1', '__proto__'],
  ])('is Fatal for an unsupported kind %s/%s, naming it', async (apiVersion, kind) => {
    const rsp = await wire.call(functionRequest({ xr: { apiVersion, kind, metadata: { name: 'x' } } }));
    expect(fatalMessages(rsp)).toEqual([`unsupported composite kind ${apiVersion}/${kind}`]);
  });

  it('names a kind that is not even a string without failing', async () => {
    const rsp = await wire.call(functionRequest({ xr: { apiVersion: 'modelplane.ai/v1alpha1', kind: { toString: '' } } as never }));
    expect(fatalMessages(rsp)).toEqual(['unsupported composite kind modelplane.ai/v1alpha1/{"toString":""}']);
  });

  it('is Fatal for an invalid Input, naming the field and value', async () => {
    const input = { apiVersion: 'fn.modelplane.ai/v1alpha1', kind: 'Input', remoteNamespace: 42 };
    const rsp = await wire.call(functionRequest({ xr: deployment, input }));
    const [message] = fatalMessages(rsp);
    expect(message).toMatch(/^invalid function input: remoteNamespace: /);
  });

  it('dispatches a ModelDeployment to the scheduling pipeline, which asks for the fleet', async () => {
    const rsp = await wire.call(functionRequest({ xr: deployment }));
    expect(fatalMessages(rsp)).toEqual([]);
    expect(Object.keys(rsp.requirements?.resources ?? {}).sort()).toEqual(['clusters', 'replicas']);
    expect(rsp.meta?.ttl).toEqual({ seconds: 60, nanos: 0 });
  });

  it('dispatches a ModelReplica to the replica pipeline, which asks for its cluster', async () => {
    const replica = {
      apiVersion: 'modelplane.ai/v1alpha1',
      kind: 'ModelReplica',
      metadata: { name: 'r', namespace: 'team' },
      spec: { clusterName: 'c1', engines: deployment.spec.engines.map((e) => ({ name: e.name, members: [{ role: 'Standalone', nodePoolName: 'p', template: e.members[0]!.template }] })) },
    };
    const rsp = await wire.call(functionRequest({ xr: replica }));
    expect(fatalMessages(rsp)).toEqual([]);
    expect(rsp.requirements?.resources?.cluster).toMatchObject({ apiVersion: 'modelplane.ai/v1alpha1', kind: 'InferenceCluster', matchName: 'c1' });
  });

  it('passes through desired resources of earlier pipeline steps', async () => {
    const req = functionRequest({ xr: deployment });
    req.desired = { composite: undefined, resources: { 'from-earlier-step': { resource: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'keep-me' } }, connectionDetails: {}, ready: 0 } } };
    const rsp = await wire.call(req);
    expect(rsp.desired?.resources['from-earlier-step']?.resource).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'keep-me' } });
  });
});
