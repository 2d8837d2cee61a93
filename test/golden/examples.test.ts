// Golden renders: every example deployment rendered with --tree against the example fleet, down to
// the manifests applied on the inference clusters. The checked-in files are meant to be read: a
// diff in review shows exactly what a change does to what users get.
// Regenerate after an intended change with: UPDATE_GOLDEN=1 npm test -- test/golden
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../../src/api/types.js';
import { DEFAULT_FLEET, renderWith, type RenderOutput } from '../../src/render/render.js';
import { startWire, type Wire } from '../helpers/grpc.js';
import { crdViolations, crdsDir, expectedCrdsDir } from '../helpers/crd-schemas.js';
import { CORE_VALIDATORS, CRD_VERSIONS } from '../helpers/manifest-validators.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const GOLDEN = fileURLToPath(new URL('./', import.meta.url));
const DEPLOYMENTS = `${ROOT}examples/deployments/`;
const UPDATE = process.env.UPDATE_GOLDEN === '1';

interface Case {
  name: string;
  xr: string;
  observed: string[];
}

const cases: Case[] = [
  ...readdirSync(DEPLOYMENTS)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => ({ name: f.replace(/\.yaml$/, ''), xr: `${DEPLOYMENTS}${f}`, observed: [] })),
  { name: 'single-gpu-day-2', xr: `${DEPLOYMENTS}single-gpu.yaml`, observed: [`${ROOT}examples/observed/qwen3-8b-replica.yaml`] },
];

let wire: Wire;
const outputs = new Map<string, RenderOutput>();

beforeAll(async () => {
  wire = await startWire();
  for (const c of cases) {
    outputs.set(c.name, await renderWith(wire.client, { xr: c.xr, fleet: [DEFAULT_FLEET], observed: c.observed, tree: true }));
  }
});
afterAll(() => wire.stop());

function documents(text: string): KubeObject[] {
  return parseAllDocuments(text).map((d) => d.toJS() as KubeObject).filter(Boolean);
}

describe.each(cases.map((c) => [c.name, c] as const))('golden render of %s', (name) => {
  it('matches the checked-in manifests and summary', () => {
    const out = outputs.get(name)!;
    expect(out.exitCode).toBe(0);
    for (const [suffix, text] of [['yaml', out.stdout], ['txt', out.stderr]] as const) {
      const file = `${GOLDEN}${name}.${suffix}`;
      if (UPDATE) writeFileSync(file, text);
      expect(existsSync(file) ? file : `missing golden file ${file} (UPDATE_GOLDEN=1 writes it)`).toBe(file);
      expect(text).toBe(readFileSync(file, 'utf8'));
    }
  });

  it('places every replica it asks for and composes workloads for each', () => {
    const docs = documents(outputs.get(name)!.stdout);
    const replicas = docs.filter((d) => d.kind === 'ModelReplica');
    const xr = documents(readFileSync(cases.find((c) => c.name === name)!.xr, 'utf8'))[0]!;
    expect(replicas).toHaveLength((xr.spec as { replicas: number }).replicas);
    const objects = docs.filter((d) => d.kind === 'Object');
    const workloads = objects.filter((o) => ['Deployment', 'LeaderWorkerSet'].includes((o.spec as { forProvider: { manifest: KubeObject } }).forProvider.manifest.kind!));
    const engines = (xr.spec as { engines: unknown[] }).engines.length;
    expect(workloads.length).toBeGreaterThanOrEqual(replicas.length * engines);
  });
});

describe('every manifest the examples compose validates', () => {
  function allComposed(): { label: string; manifest: KubeObject }[] {
    const out: { label: string; manifest: KubeObject }[] = [];
    for (const [name, rendered] of outputs) {
      for (const doc of documents(rendered.stdout)) {
        out.push({ label: `${name}: ${doc.kind}`, manifest: doc });
        const nested = (doc.spec as { forProvider?: { manifest?: KubeObject } } | undefined)?.forProvider?.manifest;
        if (doc.kind === 'Object' && nested) out.push({ label: `${name}: ${nested.kind} ${nested.metadata?.name}`, manifest: nested });
      }
    }
    return out;
  }

  it('against the kubernetes-models validators (core kinds)', () => {
    const core = allComposed().filter(({ manifest }) => `${manifest.apiVersion} ${manifest.kind}` in CORE_VALIDATORS);
    expect(core.length).toBeGreaterThan(20);
    for (const { label, manifest } of core) {
      expect(() => CORE_VALIDATORS[`${manifest.apiVersion} ${manifest.kind}`]!(manifest)).not.toThrow(label);
    }
  });

  const dir = crdsDir();
  if (!dir) {
    it(`against the upstream CRDs: not found at ${expectedCrdsDir()} (set MODELPLANE_CRDS_DIR)`, () => {
      console.warn(`CRD-schema checks skipped: no CRDs at ${expectedCrdsDir()}`);
    });
    return;
  }
  it('against the upstream CRDs (LeaderWorkerSet, InferencePool, HTTPRoute, Object)', () => {
    const checked = new Set<string>();
    for (const { label, manifest } of allComposed()) {
      const crd = CRD_VERSIONS[`${manifest.apiVersion} ${manifest.kind}`];
      if (!crd) continue;
      checked.add(crd.kind);
      expect({ label, violations: crdViolations(crd.kind, crd.version, manifest) }).toEqual({ label, violations: [] });
    }
    expect([...checked].sort()).toEqual(['HTTPRoute', 'InferencePool', 'LeaderWorkerSet', 'Object']);
  });
});
