// The shape of the XRDs and Compositions in apis/: what Crossplane and the API server need from
// them beyond the validation behaviour the manifest fixtures test.
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { DEFAULT_INPUT, INPUT_API_VERSION, INPUT_KIND, parseInput } from '../../src/api/input.js';

type Schema = Record<string, unknown> & {
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: Schema | boolean;
  'x-kubernetes-validations'?: { rule: string; message: string; fieldPath?: string }[];
};

interface Xrd {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: {
    group: string;
    scope: string;
    names: { kind: string; plural: string; shortNames?: string[] };
    defaultCompositionRef?: { name: string };
    versions: {
      name: string;
      served: boolean;
      referenceable: boolean;
      additionalPrinterColumns?: { name: string; type: string; jsonPath: string }[];
      subresources?: { scale?: Record<string, string> };
      schema: { openAPIV3Schema: Schema };
    }[];
  };
}

interface Composition {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: {
    compositeTypeRef: { apiVersion: string; kind: string };
    mode: string;
    pipeline: { step: string; functionRef: { name: string }; input?: Record<string, unknown> }[];
  };
}

function load<T>(path: string): T {
  return parse(readFileSync(new URL(`../../apis/${path}`, import.meta.url), 'utf8')) as T;
}

const xrds = {
  modeldeployment: load<Xrd>('modeldeployment/definition.yaml'),
  modelreplica: load<Xrd>('modelreplica/definition.yaml'),
  inferencecluster: load<Xrd>('inferencecluster/definition.yaml'),
  modelendpoint: load<Xrd>('modelendpoint/definition.yaml'),
};

function version(xrd: Xrd): Xrd['spec']['versions'][number] {
  const [only] = xrd.spec.versions;
  if (!only || xrd.spec.versions.length !== 1) throw new Error(`${xrd.metadata.name}: expected exactly one version`);
  return only;
}

function schemaAt(xrd: Xrd, path: string[]): Schema {
  let node: Schema | undefined = version(xrd).schema.openAPIV3Schema;
  for (const segment of path) {
    node = segment === '[]' ? node?.items : node?.properties?.[segment];
    if (!node) throw new Error(`${xrd.metadata.name}: no schema at ${path.join('.')}`);
  }
  return node;
}

const ENGINE = ['spec', 'engines', '[]'];
const MEMBER = [...ENGINE, 'members', '[]'];

describe('all XRDs', () => {
  it.each(Object.entries(xrds))('%s is a served, referenceable modelplane.ai/v1alpha1 Crossplane v2 XRD', (dir, xrd) => {
    expect(xrd.apiVersion).toBe('apiextensions.crossplane.io/v2');
    expect(xrd.kind).toBe('CompositeResourceDefinition');
    expect(xrd.spec.group).toBe('modelplane.ai');
    expect(xrd.metadata.name).toBe(`${xrd.spec.names.plural}.modelplane.ai`);
    expect(xrd.spec.names.plural).toBe(`${dir}s`);
    const v = version(xrd);
    expect([v.name, v.served, v.referenceable]).toEqual(['v1alpha1', true, true]);
  });

  it('declares none of the printer columns Crossplane adds itself', () => {
    for (const xrd of Object.values(xrds)) {
      const names = (version(xrd).additionalPrinterColumns ?? []).map((c) => c.name);
      for (const reserved of ['SYNCED', 'READY', 'COMPOSITION', 'AGE']) expect(names).not.toContain(reserved);
    }
  });
});

describe('ModelDeployment XRD', () => {
  const xrd = xrds.modeldeployment;

  it('is namespaced with short name md', () => {
    expect(xrd.spec.scope).toBe('Namespaced');
    expect(xrd.spec.names).toMatchObject({ kind: 'ModelDeployment', shortNames: ['md'] });
  });

  it('prints REPLICAS (ready) and SCHEDULED (total)', () => {
    expect(version(xrd).additionalPrinterColumns?.map((c) => [c.name, c.jsonPath])).toEqual([
      ['REPLICAS', '.status.replicas.ready'],
      ['SCHEDULED', '.status.replicas.total'],
    ]);
  });

  it('serves the scale subresource over spec.replicas and status.replicas.total', () => {
    expect(version(xrd).subresources).toEqual({ scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas.total' } });
    expect(schemaAt(xrd, ['spec', 'replicas']).type).toBe('integer');
    expect(schemaAt(xrd, ['status', 'replicas', 'total']).type).toBe('integer');
  });

  it('documents the PrefillDecode prerequisites', () => {
    const description = String(schemaAt(xrd, []).description);
    expect(description).toContain('NIXL');
    expect(description).toContain('kv_producer');
    expect(description).toContain('kv_consumer');
    expect(description).toMatch(/--port other than 8000 \(8001 when none is given\)/);
    expect(String(schemaAt(xrd, ['spec', 'serving', 'mode']).description)).toContain('NIXL');
  });

  it('types the status the function writes', () => {
    expect(Object.keys(schemaAt(xrd, ['status']).properties ?? {})).toEqual(['replicas', 'placements', 'unschedulable']);
    expect(Object.keys(schemaAt(xrd, ['status', 'placements', '[]']).properties ?? {})).toEqual(['replica', 'cluster', 'index', 'ready', 'engines']);
    expect(Object.keys(schemaAt(xrd, ['status', 'placements', '[]', 'engines', '[]']).properties ?? {})).toEqual(['name', 'pool', 'nodes']);
    expect(Object.keys(schemaAt(xrd, ['status', 'unschedulable', '[]']).properties ?? {})).toEqual(['cluster', 'reason']);
  });

  it('keys engines and device requests as list maps and keeps members and selectors atomic', () => {
    for (const path of [
      ['spec', 'engines'],
      [...MEMBER, 'nodeSelector', 'devices'],
    ]) {
      expect(schemaAt(xrd, path)).toMatchObject({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] });
      expect(schemaAt(xrd, [...path, '[]']).required).toContain('name');
    }
    expect(schemaAt(xrd, [...ENGINE, 'members'])['x-kubernetes-list-type']).toBe('atomic');
    expect(schemaAt(xrd, [...MEMBER, 'nodeSelector', 'devices', '[]', 'selectors'])['x-kubernetes-list-type']).toBe('atomic');
  });

  it('gives worker no default, so the Worker-only rule sees only what the user wrote', () => {
    const worker = schemaAt(xrd, [...MEMBER, 'worker']);
    expect(worker).not.toHaveProperty('default');
    expect(schemaAt(xrd, [...MEMBER, 'worker', 'nodes'])).not.toHaveProperty('default');
  });
});

describe('ModelReplica XRD', () => {
  const xrd = xrds.modelreplica;
  const md = xrds.modeldeployment;

  it('is namespaced with short name mr and prints its CLUSTER', () => {
    expect(xrd.spec.scope).toBe('Namespaced');
    expect(xrd.spec.names).toMatchObject({ kind: 'ModelReplica', shortNames: ['mr'] });
    expect(version(xrd).additionalPrinterColumns?.map((c) => [c.name, c.jsonPath])).toEqual([['CLUSTER', '.spec.clusterName']]);
    expect(version(xrd).subresources).toBeUndefined();
  });

  it('replaces replicas and clusterSelector with clusterName, and nodeSelector with nodePoolName and deviceRequests', () => {
    expect(Object.keys(schemaAt(xrd, ['spec']).properties ?? {}).sort()).toEqual(['clusterName', 'engines', 'serving']);
    expect(schemaAt(xrd, ['spec']).required).toEqual(['clusterName', 'engines']);
    expect(Object.keys(schemaAt(xrd, MEMBER).properties ?? {}).sort()).toEqual(['deviceRequests', 'nodePoolName', 'role', 'template', 'worker']);
    expect(schemaAt(xrd, MEMBER).required).toEqual(['nodePoolName', 'template']);
    expect(schemaAt(xrd, [...MEMBER, 'deviceRequests', '[]']).required).toEqual(['name', 'deviceClassName']);
  });

  it('copies serving, engine fields, role, worker and template from the ModelDeployment schema', () => {
    expect(schemaAt(xrd, ['spec', 'serving'])).toEqual(schemaAt(md, ['spec', 'serving']));
    for (const field of ['name', 'copies', 'phase']) expect(schemaAt(xrd, [...ENGINE, field])).toEqual(schemaAt(md, [...ENGINE, field]));
    for (const field of ['role', 'worker', 'template']) expect(schemaAt(xrd, [...MEMBER, field])).toEqual(schemaAt(md, [...MEMBER, field]));
    expect(schemaAt(xrd, [...MEMBER, 'deviceRequests', '[]', 'selectors'])).toEqual(
      schemaAt(md, [...MEMBER, 'nodeSelector', 'devices', '[]', 'selectors']),
    );
  });

  it('carries the same CEL rules, the engine rule reading deviceRequests', () => {
    const rules = (x: Xrd, path: string[]): { rule: string; message: string }[] =>
      (schemaAt(x, path)['x-kubernetes-validations'] ?? []).map(({ rule, message }) => ({ rule, message }));
    expect(rules(xrd, ['spec'])).toEqual(rules(md, ['spec']));
    expect(rules(xrd, MEMBER)).toEqual(rules(md, MEMBER));
    const [roles, claims] = rules(xrd, ENGINE);
    expect(roles).toEqual(rules(md, ENGINE)[0]);
    expect(claims).toEqual({ rule: 'self.members.exists(m, has(m.deviceRequests))', message: 'at least one member of an engine must carry deviceRequests' });
  });

  it('types the status the function writes', () => {
    expect(Object.keys(schemaAt(xrd, ['status']).properties ?? {})).toEqual(['engines', 'path']);
    expect(Object.keys(schemaAt(xrd, ['status', 'engines', '[]']).properties ?? {})).toEqual(['name', 'workload', 'ready']);
  });
});

describe('contract XRDs', () => {
  it('InferenceCluster is cluster-scoped, its spec open and its pools and devices bounded', () => {
    const xrd = xrds.inferencecluster;
    expect(xrd.spec.scope).toBe('Cluster');
    expect(schemaAt(xrd, ['spec'])['x-kubernetes-preserve-unknown-fields']).toBe(true);
    expect(schemaAt(xrd, ['status', 'gpuPools']).maxItems).toBe(8);
    expect(schemaAt(xrd, ['status', 'gpuPools', '[]', 'devices']).maxItems).toBe(16);
    expect(Object.keys(schemaAt(xrd, ['status']).properties ?? {}).sort()).toEqual(['gateway', 'gpuPools', 'providerConfigRef']);
    expect(Object.keys(schemaAt(xrd, ['status', 'gpuPools', '[]', 'devices', '[]']).properties ?? {})).toEqual([
      'name',
      'claim',
      'driver',
      'deviceClassName',
      'count',
      'attributes',
      'capacity',
    ]);
  });

  it('ModelEndpoint is namespaced with a url and a rewritePath', () => {
    const xrd = xrds.modelendpoint;
    expect(xrd.spec.scope).toBe('Namespaced');
    expect(schemaAt(xrd, ['spec']).required).toEqual(['url', 'rewritePath']);
  });
});

// The API server refuses an XRD whose rules have no bounded cost: every list or map a rule
// iterates, and every string it runs a regex over, needs maxItems / maxProperties / maxLength.
describe('CEL cost budget', () => {
  interface RuleSite {
    xrd: string;
    schema: Schema;
    rule: string;
  }
  const sites: RuleSite[] = [];
  const collect = (xrd: string, schema: Schema): void => {
    for (const r of schema['x-kubernetes-validations'] ?? []) sites.push({ xrd, schema, rule: r.rule });
    for (const child of Object.values(schema.properties ?? {})) collect(xrd, child);
    if (schema.items) collect(xrd, schema.items);
    if (typeof schema.additionalProperties === 'object') collect(xrd, schema.additionalProperties);
  };
  for (const [name, xrd] of Object.entries(xrds)) collect(name, version(xrd).schema.openAPIV3Schema);

  it('finds the rules', () => {
    expect(sites.length).toBeGreaterThanOrEqual(20);
  });

  it('bounds every collection a rule iterates or sizes', () => {
    for (const { xrd, schema, rule } of sites) {
      const iterated = [...rule.matchAll(/self\.(\w+)\.(?:all|exists|exists_one|map|filter)\(|size\(self\.(\w+)\)/g)].map((m) => m[1] ?? m[2] ?? '');
      for (const field of iterated) {
        const target = schema.properties?.[field];
        const bound = target?.type === 'array' ? target.maxItems : target?.maxProperties;
        expect(`${xrd}: ${rule}: ${field} bound ${String(bound)}`).toMatch(/bound \d+$/);
      }
    }
  });

  it('bounds every map value a rule matches a regex against', () => {
    for (const { xrd, schema, rule } of sites) {
      for (const [, field] of rule.matchAll(/self\.(\w+)\[k\]\.matches\(/g)) {
        const values = schema.properties?.[field ?? '']?.additionalProperties;
        const bound = typeof values === 'object' ? values.maxLength : undefined;
        expect(`${xrd}: ${rule}: ${field ?? ''} value bound ${String(bound)}`).toMatch(/bound \d+$/);
      }
    }
  });
});

describe('Compositions', () => {
  it.each([
    ['modeldeployment', 'ModelDeployment'],
    ['modelreplica', 'ModelReplica'],
  ])('%s runs function-modelplane in one Pipeline step with the Input defaults written out', (dir, kind) => {
    const composition = load<Composition>(`${dir}/composition.yaml`);
    expect(composition.apiVersion).toBe('apiextensions.crossplane.io/v1');
    expect(composition.kind).toBe('Composition');
    expect(composition.spec.compositeTypeRef).toEqual({ apiVersion: 'modelplane.ai/v1alpha1', kind });
    expect(composition.spec.mode).toBe('Pipeline');
    expect(composition.spec.pipeline).toHaveLength(1);
    const [step] = composition.spec.pipeline;
    expect(step?.functionRef).toEqual({ name: 'function-modelplane' });
    const { apiVersion, kind: inputKind, ...fields } = step?.input ?? {};
    expect([apiVersion, inputKind]).toEqual([INPUT_API_VERSION, INPUT_KIND]);
    expect(fields).toEqual(DEFAULT_INPUT);
    expect(parseInput(step?.input)).toEqual({ ok: true, input: DEFAULT_INPUT });
    expect(xrds[dir as keyof typeof xrds].spec.defaultCompositionRef).toEqual({ name: composition.metadata.name });
  });
});
