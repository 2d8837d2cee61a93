// Every manifest the ModelReplica step composes, validated against the real schemas: the upstream
// CRDs (LeaderWorkerSet, InferencePool, HTTPRoute, provider-kubernetes Object) and the Kubernetes
// core API (kubernetes-models validators).
import { describe, expect, it } from '@jest/globals';
import type { CompositionResponse } from '../../src/composition.js';
import { runModelReplica } from '../../src/replica/pipeline.js';
import { crdViolations, crdsDir, expectedCrdsDir } from '../helpers/crd-schemas.js';
import { CORE_VALIDATORS, CRD_VERSIONS } from '../helpers/manifest-validators.js';
import { gangEngine, gpuRequest, manifestOf, prefillDecodeXR, replicaXR, request, standaloneEngine } from './fixtures.js';

type AnyManifest = { apiVersion: string; kind: string; metadata: { name: string } };

const richMember = {
  command: ['sh', '-c', 'exec vllm serve Qwen/Qwen3-8B --port 8000'],
  env: [
    { name: 'HF_TOKEN', valueFrom: { secretKeyRef: { name: 'hf', key: 'token' } } },
    { name: 'PLAIN', value: 'x' },
  ],
  labels: { team: 'ml', 'app.kubernetes.io/part-of': 'chat' },
  annotations: { 'example.com/owner': 'ml-team' },
  imagePullSecrets: [{ name: 'regcred' }],
};

/** Requests covering every shape the step composes. */
const scenarios: Record<string, CompositionResponse> = {
  'Unified, Standalone + gang, claimless member, rich templates': runModelReplica(
    request(
      replicaXR({
        engines: [
          standaloneEngine('main', { ...richMember, copies: 2, deviceRequests: [gpuRequest({ count: 2, selectors: [{ cel: 'true' }] })] }),
          gangEngine('big', { nodes: 3, leader: richMember, worker: { deviceRequests: [] } }),
        ],
      }),
    ),
  ),
  'PrefillDecode, Standalone prefill + gang decode': runModelReplica(
    request(
      prefillDecodeXR({
        kvBlockSize: 64,
        decode: gangEngine('decode', { phase: 'Decode', nodes: 2, leader: { args: ['--port=8200'] } }),
      }),
    ),
  ),
  'PrefillDecode, gang prefill, decode with default port, very long names': runModelReplica(
    request(
      prefillDecodeXR({
        name: 'r'.repeat(200),
        namespace: 'n'.repeat(63),
        prefill: gangEngine(`p${'x'.repeat(62)}`, { phase: 'Prefill' }),
        decode: standaloneEngine(`d${'y'.repeat(62)}`, { phase: 'Decode' }),
      }),
    ),
  ),
};

const allManifests = (rsp: CompositionResponse): AnyManifest[] => Object.keys(rsp.desired).map((k) => manifestOf(rsp, k) as unknown as AnyManifest);
const kindsComposed = new Set(Object.values(scenarios).flatMap((rsp) => allManifests(rsp).map((m) => m.kind)));

describe('every composed kind has a validator', () => {
  it('covers each apiVersion/kind the scenarios compose', () => {
    const composed = new Set(Object.values(scenarios).flatMap((rsp) => allManifests(rsp).map((m) => `${m.apiVersion} ${m.kind}`)));
    const validated = new Set([...Object.keys(CRD_VERSIONS), ...Object.keys(CORE_VALIDATORS)]);
    expect([...composed].filter((k) => !validated.has(k))).toEqual([]);
    expect(kindsComposed).toEqual(new Set(['Deployment', 'LeaderWorkerSet', 'ResourceClaimTemplate', 'Service', 'HTTPRoute', 'InferencePool', 'ServiceAccount', 'Role', 'RoleBinding', 'ConfigMap']));
  });
});

describe.each(Object.entries(scenarios))('core kinds validate with kubernetes-models: %s', (_name, rsp) => {
  const core = allManifests(rsp).filter((m) => `${m.apiVersion} ${m.kind}` in CORE_VALIDATORS);

  it.each(core.map((m) => [`${m.kind} ${m.metadata.name}`, m] as const))('%s', (_label, manifest) => {
    expect(() => CORE_VALIDATORS[`${manifest.apiVersion} ${manifest.kind}`]!(manifest)).not.toThrow();
  });
});

describe('kubernetes-models validators reject a broken manifest (control)', () => {
  it('Deployment with a string replica count', () => {
    const deployment = allManifests(Object.values(scenarios)[0]!).find((m) => m.kind === 'Deployment')! as unknown as { spec: Record<string, unknown> };
    const broken = { ...deployment, spec: { ...deployment.spec, replicas: 'two' } };
    expect(() => CORE_VALIDATORS['apps/v1 Deployment']!(broken)).toThrow(/replicas/);
  });
});

const crds = crdsDir();
if (crds === undefined) {
  // The one allowed skip: the real CRDs live outside the repository.
  console.warn(`Skipping CRD schema validation: no CRDs found at ${expectedCrdsDir()} (set MODELPLANE_CRDS_DIR).`);
}
const describeWithCrds = crds === undefined ? describe.skip : describe;

describeWithCrds('manifests validate against the real CRDs', () => {
  describe.each(Object.entries(scenarios))('%s', (_name, rsp) => {
    it('every provider-kubernetes Object wrapper', () => {
      for (const [key, desired] of Object.entries(rsp.desired)) {
        expect([key, crdViolations('Object', 'v1alpha1', desired.resource)]).toEqual([key, []]);
      }
    });

    it('every LeaderWorkerSet, InferencePool and HTTPRoute', () => {
      const checked = allManifests(rsp).filter((m) => `${m.apiVersion} ${m.kind}` in CRD_VERSIONS);
      expect(checked.length).toBeGreaterThan(0);
      for (const manifest of checked) {
        const { kind, version } = CRD_VERSIONS[`${manifest.apiVersion} ${manifest.kind}`]!;
        expect([manifest.kind, crdViolations(kind, version, manifest)]).toEqual([manifest.kind, []]);
      }
    });
  });

  describe('the validator rejects broken manifests (control)', () => {
    const rsp = Object.values(scenarios)[1]!;
    const find = (kind: string) => structuredClone(allManifests(rsp).find((m) => m.kind === kind)!) as any;

    it('a LeaderWorkerSet with a string size', () => {
      const lws = find('LeaderWorkerSet');
      lws.spec.leaderWorkerTemplate.size = 'two';
      expect(crdViolations('LeaderWorkerSet', 'v1', lws)).toContain('/spec/leaderWorkerTemplate/size: must be integer');
    });

    it('an InferencePool with a duplicate target port (a CEL rule)', () => {
      const pool = find('InferencePool');
      pool.spec.targetPorts = [{ number: 8000 }, { number: 8000 }];
      expect(crdViolations('InferencePool', 'v1', pool)).toContain('/spec/targetPorts: port number must be unique');
    });

    it('an HTTPRoute with an unsupported filter type', () => {
      const route = find('HTTPRoute');
      route.spec.rules[0].filters[0].type = 'Rewrite';
      expect(crdViolations('HTTPRoute', 'v1', route).length).toBeGreaterThan(0);
    });

    it('an Object whose readiness policy needs a query it lacks (a CEL rule)', () => {
      const object = structuredClone(rsp.desired['workload-decode']!.resource) as any;
      delete object.spec.readiness.celQuery;
      expect(crdViolations('Object', 'v1alpha1', object)).toContain('/spec/readiness: celQuery must be set if policy is DeriveFromCelQuery');
    });
  });
});
