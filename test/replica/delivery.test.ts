import { describe, expect, it } from '@jest/globals';
import { DEFAULT_INPUT } from '../../src/api/input.js';
import { AVAILABLE_CEL_QUERY, deliver, deliveryObject } from '../../src/replica/delivery.js';
import { remoteMeta, type ComposedManifest } from '../../src/replica/manifests.js';
import { runModelReplica } from '../../src/replica/pipeline.js';
import { PROVIDER_CONFIG, gangEngine, manifestOf, prefillDecodeXR, replicaXR, request, standaloneEngine } from './fixtures.js';

const configMap: ComposedManifest = {
  key: 'epp-config',
  manifest: { apiVersion: 'v1', kind: 'ConfigMap', metadata: remoteMeta('cm', 'remote'), data: { a: 'b' } },
  readiness: 'Created',
};
const target = { namespace: 'ml-team', providerConfig: { kind: 'ClusterProviderConfig', name: 'pc' } };

/** Paths of every null or undefined value reachable from `value`. */
function unsetPaths(value: unknown, path = ''): string[] {
  if (value === null || value === undefined) return [path];
  if (Array.isArray(value)) return value.flatMap((item, i) => unsetPaths(item, `${path}[${i}]`));
  if (typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => unsetPaths(v, `${path}.${k}`));
  return [];
}

describe('deliveryObject', () => {
  it('wraps the manifest in a namespaced provider-kubernetes Object without a name', () => {
    expect(deliveryObject(configMap, target)).toEqual({
      apiVersion: 'kubernetes.m.crossplane.io/v1alpha1',
      kind: 'Object',
      metadata: { namespace: 'ml-team' },
      spec: {
        providerConfigRef: { kind: 'ClusterProviderConfig', name: 'pc' },
        forProvider: { manifest: configMap.manifest },
        readiness: { policy: 'SuccessfulCreate' },
      },
    });
  });

  it('derives readiness of running things from Available=True', () => {
    const running = deliveryObject({ ...configMap, readiness: 'Available' }, target);
    expect((running.spec as { readiness: unknown }).readiness).toEqual({
      policy: 'DeriveFromCelQuery',
      celQuery: 'has(object.status.conditions) && object.status.conditions.exists(c, c.type == "Available" && c.status == "True")',
    });
    expect(AVAILABLE_CEL_QUERY).toContain('c.type == "Available"');
  });

  it('keys each Object by its manifest key', () => {
    expect(Object.keys(deliver([configMap, { ...configMap, key: 'other' }], target))).toEqual(['epp-config', 'other']);
  });
});

describe('delivered replica', () => {
  const responses = {
    unified: runModelReplica(request(replicaXR({ engines: [standaloneEngine('a'), gangEngine('b', { nodes: 2 })] }))),
    prefillDecode: runModelReplica(request(prefillDecodeXR({ decode: gangEngine('decode', { phase: 'Decode', leader: { args: ['--port=8200'] } }) }))),
  };

  it.each(Object.entries(responses))('%s: every Object targets the cluster provider config and the XR namespace', (_mode, rsp) => {
    for (const desired of Object.values(rsp.desired)) {
      const object = desired.resource as { metadata: unknown; spec: { providerConfigRef: unknown } };
      expect(object.metadata).toEqual({ namespace: 'ml-team' });
      expect(object.spec.providerConfigRef).toEqual({ kind: DEFAULT_INPUT.providerConfigKind, name: PROVIDER_CONFIG });
    }
  });

  it.each(Object.entries(responses))('%s: every remote object is managed by modelplane in the remote namespace', (_mode, rsp) => {
    for (const key of Object.keys(rsp.desired)) {
      const manifest = manifestOf(rsp, key) as { metadata: { namespace: string; labels: Record<string, string> } };
      expect(manifest.metadata.namespace).toBe(DEFAULT_INPUT.remoteNamespace);
      expect(manifest.metadata.labels['app.kubernetes.io/managed-by']).toBe('modelplane');
    }
  });

  it.each(Object.entries(responses))('%s: uses DeriveFromCelQuery for workloads and the picker only', (_mode, rsp) => {
    const derived = Object.entries(rsp.desired)
      .filter(([, d]) => (d.resource.spec as { readiness: { policy: string } }).readiness.policy === 'DeriveFromCelQuery')
      .map(([key]) => key);
    expect(derived).toEqual(Object.keys(rsp.desired).filter((k) => k.startsWith('workload-') || k === 'epp-deployment'));
  });

  it.each(Object.entries(responses))('%s: emits no null and no undefined anywhere', (_mode, rsp) => {
    expect(unsetPaths(rsp)).toEqual([]);
  });

  it('uses the Input provider config kind', () => {
    const rsp = runModelReplica(request(replicaXR(), { input: { ...DEFAULT_INPUT, providerConfigKind: 'ProviderConfig' } }));
    for (const desired of Object.values(rsp.desired)) {
      expect((desired.resource.spec as { providerConfigRef: { kind: string } }).providerConfigRef.kind).toBe('ProviderConfig');
    }
  });
});
