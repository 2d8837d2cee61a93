import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import {
  checkManifest,
  compositeViolations,
  describeViolation,
  formatViolation,
  knownKinds,
  validateManifest,
  withDefaults,
} from '../../src/api/schema.js';
import type { ModelDeploymentSpec, ModelReplicaSpec } from '../../src/api/types.js';

function deployment(spec: Record<string, unknown>): Record<string, unknown> {
  return { apiVersion: 'modelplane.ai/v1alpha1', kind: 'ModelDeployment', metadata: { name: 'qwen', namespace: 'ml' }, spec };
}

const template = { spec: { containers: [{ name: 'engine', image: 'vllm/vllm-openai:v0.11.0' }] } };
const devices = { devices: [{ name: 'gpu' }] };

function messages(manifest: unknown): string[] {
  return validateManifest(manifest).map(formatViolation);
}

describe('structural defaults', () => {
  it('applies role, copies and count, and adds nothing else', () => {
    const manifest = deployment({ replicas: 1, engines: [{ name: 'main', members: [{ nodeSelector: devices, template }] }] });
    const defaulted = withDefaults(manifest) as { spec: ModelDeploymentSpec };
    expect(defaulted.spec).toEqual({
      replicas: 1,
      engines: [{ name: 'main', copies: 1, members: [{ role: 'Standalone', nodeSelector: { devices: [{ name: 'gpu', count: 1 }] }, template }] }],
    });
  });

  it('does not touch the manifest it is given', () => {
    const manifest = deployment({ replicas: 1, engines: [{ name: 'main', members: [{ nodeSelector: devices, template }] }] });
    const before = structuredClone(manifest);
    withDefaults(manifest);
    validateManifest(manifest);
    expect(manifest).toEqual(before);
  });

  it('defaults serving.mode only when serving is given', () => {
    const engines = [{ name: 'main', members: [{ nodeSelector: devices, template }] }];
    expect((withDefaults(deployment({ replicas: 1, serving: {}, engines })) as { spec: ModelDeploymentSpec }).spec.serving).toEqual({ mode: 'Unified' });
    expect((withDefaults(deployment({ replicas: 1, engines })) as { spec: ModelDeploymentSpec }).spec.serving).toBeUndefined();
  });

  it('never defaults worker, so a Worker without it passes the Worker-only rule', () => {
    const manifest = deployment({
      replicas: 1,
      engines: [{ name: 'gang', members: [{ role: 'Leader', template }, { role: 'Worker', nodeSelector: devices, template }] }],
    });
    const { object, violations } = checkManifest(manifest);
    expect(violations).toEqual([]);
    expect((object as { spec: ModelDeploymentSpec }).spec.engines[0]?.members[1]).not.toHaveProperty('worker');
  });

  it('runs the CEL rules on the defaulted object', () => {
    // The single member has no role: only the default Standalone makes it a valid engine...
    expect(messages(deployment({ replicas: 1, engines: [{ name: 'main', members: [{ nodeSelector: devices, template }] }] }))).toEqual([]);
    // ...and the same default makes a role-less member next to a Leader a Standalone, which is not.
    expect(
      messages(deployment({ replicas: 1, engines: [{ name: 'main', members: [{ role: 'Leader', nodeSelector: devices, template }, { template }] }] })),
    ).toEqual(['spec.engines[0].members: an engine must be either a single Standalone member or one Leader and one Worker member']);
  });

  it('treats null fields as absent, as the API server does', () => {
    const manifest = deployment({ replicas: 1, serving: null, engines: [{ name: 'main', copies: null, members: [{ nodeSelector: devices, worker: null, template }] }] });
    const { object, violations } = checkManifest(manifest);
    expect(violations).toEqual([]);
    const spec = (object as { spec: ModelDeploymentSpec }).spec;
    expect(spec).not.toHaveProperty('serving');
    expect(spec.engines[0]?.copies).toBe(1);
    expect(spec.engines[0]?.members[0]).not.toHaveProperty('worker');
  });

  it('defaults ModelReplica device requests and InferenceCluster devices', () => {
    const replica = withDefaults<unknown>({
      apiVersion: 'modelplane.ai/v1alpha1',
      kind: 'ModelReplica',
      metadata: { name: 'r', namespace: 'ml' },
      spec: { clusterName: 'c', engines: [{ name: 'e', members: [{ nodePoolName: 'p', deviceRequests: [{ name: 'gpu', deviceClassName: 'gpu.nvidia.com' }], template }] }] },
    }) as { spec: ModelReplicaSpec };
    expect(replica.spec.engines[0]?.members[0]?.deviceRequests).toEqual([{ name: 'gpu', deviceClassName: 'gpu.nvidia.com', count: 1 }]);
    const cluster = withDefaults<unknown>({
      apiVersion: 'modelplane.ai/v1alpha1',
      kind: 'InferenceCluster',
      metadata: { name: 'c' },
      status: { gpuPools: [{ name: 'p', nodes: 1, devices: [{ name: 'gpu', count: 1 }] }] },
    }) as { status: { gpuPools: { devices: { claim?: string }[] }[] } };
    expect(cluster.status.gpuPools[0]?.devices[0]?.claim).toBe('DRA');
  });
});

describe('kinds', () => {
  it('knows the four XRDs of apis/ and the Input', () => {
    expect(knownKinds()).toEqual([
      'fn.modelplane.ai/v1alpha1 Input',
      'modelplane.ai/v1alpha1 InferenceCluster',
      'modelplane.ai/v1alpha1 ModelDeployment',
      'modelplane.ai/v1alpha1 ModelEndpoint',
      'modelplane.ai/v1alpha1 ModelReplica',
    ]);
  });

  it('rejects a version no XRD serves', () => {
    expect(messages({ apiVersion: 'modelplane.ai/v1', kind: 'ModelDeployment', metadata: { name: 'x' }, spec: {} })).toEqual([
      `kind: no schema for modelplane.ai/v1 ModelDeployment: known kinds are ${knownKinds().join(', ')}`,
    ]);
  });

  it('names an apiVersion or kind that is not a string without converting it', () => {
    const hostile = { toString: 'x' };
    expect(messages({ apiVersion: hostile, kind: 'ModelDeployment' })).toEqual([
      `kind: no schema for {"toString":"x"} ModelDeployment: known kinds are ${knownKinds().join(', ')}`,
    ]);
  });

  it('rejects a document that is not an object', () => {
    expect(messages('ModelDeployment')).toEqual(['must be a Kubernetes object (a mapping with apiVersion and kind)']);
    expect(withDefaults('ModelDeployment')).toBe('ModelDeployment');
  });
});

describe('Crossplane fields', () => {
  it('accepts what Crossplane adds to every XR: spec.crossplane, status.conditions, status.crossplane', () => {
    const manifest = deployment({
      replicas: 1,
      crossplane: { compositionRef: { name: 'modeldeployments.modelplane.ai' } },
      engines: [{ name: 'main', members: [{ nodeSelector: devices, template }] }],
    });
    manifest.status = {
      replicas: { total: 1, ready: 0 },
      conditions: [{ type: 'Synced', status: 'True', reason: 'ReconcileSuccess', lastTransitionTime: '2025-01-01T00:00:00Z' }],
      crossplane: {},
    };
    expect(messages(manifest)).toEqual([]);
  });

  it('rejects a duplicate condition type', () => {
    const manifest = deployment({ replicas: 1, engines: [{ name: 'main', members: [{ nodeSelector: devices, template }] }] });
    manifest.status = { conditions: [{ type: 'Ready', status: 'True' }, { type: 'Ready', status: 'False' }] };
    expect(messages(manifest)).toEqual(['status.conditions[1]: Duplicate value: "Ready"']);
  });

  it('accepts an object named by generateName', () => {
    const manifest = deployment({ replicas: 1, engines: [{ name: 'main', members: [{ nodeSelector: devices, template }] }] });
    manifest.metadata = { generateName: 'qwen-', namespace: 'ml' };
    expect(messages(manifest)).toEqual([]);
  });
});

describe('observed composites', () => {
  const engines = [{ name: 'main', members: [{ nodeSelector: devices, template }] }];

  it('leaves out undeclared fields, which the API server prunes, and keeps everything else', () => {
    const manifest = deployment({ replicas: 1, engines, retired: true });
    expect(messages(manifest)).toEqual(['spec.retired: field not declared in schema']);
    expect(compositeViolations(manifest)).toEqual([]);
    expect(compositeViolations(deployment({ replicas: 300, engines, retired: true })).map(formatViolation)).toEqual([
      'spec.replicas: Invalid value: 300: must be less than or equal to 256',
    ]);
  });

  it('checks a composite once per content: the same object again gets the same verdict, a changed one its own', () => {
    const invalid = deployment({ replicas: 300, engines });
    const first = compositeViolations(invalid);
    expect(compositeViolations(structuredClone(invalid))).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    const fixed = deployment({ replicas: 3, engines });
    expect(compositeViolations(fixed)).toEqual([]);
    expect(compositeViolations({ ...fixed, spec: { ...(fixed.spec as object), replicas: 257 } }).map(formatViolation)).toEqual([
      'spec.replicas: Invalid value: 257: must be less than or equal to 256',
    ]);
  });

  it('leaves out the notice that rules were skipped, keeping the error that caused it', () => {
    const manifest = deployment({ replicas: 'one', engines });
    expect(compositeViolations(manifest).map(formatViolation)).toEqual(['spec.replicas: Invalid value: "one": must be of type integer']);
  });

  it("describes a rule's violation with the offending value, cut short", () => {
    const labels = { 'modelplane.ai/serving': 'x'.repeat(60), other: 'y'.repeat(60) };
    const manifest = deployment({ replicas: 1, engines: [{ name: 'main', members: [{ nodeSelector: devices, template: { ...template, metadata: { labels } } }] }] });
    const [violation, ...rest] = compositeViolations(manifest);
    expect(rest).toEqual([]);
    const text = describeViolation(violation!);
    expect(text).toMatch(
      /^spec\.engines\[0\]\.members\[0\]\.template\.metadata\.labels: Invalid value: \{"modelplane\.ai\/serving":"x+\.\.\.: label keys under modelplane\.ai\/ are reserved/,
    );
    expect(text).not.toContain('other');
    // Schema errors quote their value already; an error about the whole object has no path.
    expect(describeViolation({ path: 'spec.replicas', message: 'Invalid value: 300: too many' })).toBe('spec.replicas: Invalid value: 300: too many');
    expect(describeViolation({ path: '', message: 'broken', value: 1 })).toBe('Invalid value: 1: broken');
  });
});

describe('packaging', () => {
  it('ships apis/ in the image beside dist/, where the validator reads the XRDs at run time', () => {
    const dockerfile = readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8');
    const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    const copies = finalStage.split('\n').filter((line) => line.startsWith('COPY '));
    // dist/api/schema.js resolves ../../apis/ as src/api/schema.ts does: both sit two levels down.
    expect(copies).toEqual(expect.arrayContaining(['COPY --from=build /src/dist ./dist', 'COPY apis ./apis']));
  });
});
