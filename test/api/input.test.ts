import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { DEFAULT_INPUT, INPUT_SCHEMA, parseInput, type FunctionInput } from '../../src/api/input.js';

function parsed(raw: unknown): FunctionInput {
  const result = parseInput(raw);
  if (!result.ok) throw new Error(`expected a valid input, got: ${result.message}`);
  return result.input;
}

function problem(raw: unknown): string {
  const result = parseInput(raw);
  if (result.ok) throw new Error(`expected an invalid input, got ${JSON.stringify(result.input)}`);
  return result.message;
}

const base = { apiVersion: 'fn.modelplane.ai/v1alpha1', kind: 'Input' };

describe('parseInput defaults', () => {
  it.each([
    ['absent', undefined],
    ['null', null],
    ['empty', {}],
    ['only apiVersion and kind', base],
  ])('gives every default when the input is %s', (_what, raw) => {
    expect(parsed(raw)).toEqual(DEFAULT_INPUT);
  });

  it('matches the defaults api.md lists', () => {
    expect(parsed(undefined)).toEqual({
      remoteNamespace: 'default',
      gateway: { name: 'inference-gateway', namespace: 'modelplane-system' },
      providerConfigKind: 'ClusterProviderConfig',
      gpuTolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
      images: {
        endpointPicker: 'ghcr.io/llm-d/llm-d-router-endpoint-picker:v0.9.0',
        pdSidecar: 'ghcr.io/llm-d/llm-d-router-disagg-sidecar:v0.9.0',
      },
    });
  });

  it('fills the fields of a partly given object', () => {
    const input = parsed({ ...base, gateway: { name: 'edge' }, images: { pdSidecar: 'example.com/sidecar:v2' } });
    expect(input.gateway).toEqual({ name: 'edge', namespace: 'modelplane-system' });
    expect(input.images).toEqual({ endpointPicker: DEFAULT_INPUT.images.endpointPicker, pdSidecar: 'example.com/sidecar:v2' });
    expect(input.remoteNamespace).toBe('default');
  });

  it('keeps an explicit empty toleration list (no tolerations) and treats null as absent', () => {
    expect(parsed({ gpuTolerations: [] }).gpuTolerations).toEqual([]);
    expect(parsed({ gpuTolerations: null }).gpuTolerations).toEqual(DEFAULT_INPUT.gpuTolerations);
  });

  it('passes given values through', () => {
    const raw = {
      ...base,
      remoteNamespace: 'inference',
      gateway: { name: 'edge.gateways', namespace: 'gateways' },
      providerConfigKind: 'ProviderConfig',
      gpuTolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoExecute', tolerationSeconds: 60 }],
      images: { endpointPicker: 'a:1', pdSidecar: 'b:2' },
    };
    const { apiVersion: _apiVersion, kind: _kind, ...fields } = raw;
    expect(parsed(raw)).toEqual(fields);
  });

  it('returns frozen objects, one per content, that share nothing with the raw input', () => {
    const first = parsed(undefined);
    expect(() => first.gpuTolerations.push({ key: 'x', operator: 'Exists' })).toThrow(/not extensible/);
    expect(() => {
      first.gateway.name = 'changed';
    }).toThrow(/read only/);
    expect(parsed(undefined)).toBe(first);
    expect(first).toEqual(DEFAULT_INPUT);
    const raw = { gpuTolerations: [{ key: 'a', operator: 'Exists' }] };
    const fromRaw = parsed(raw);
    expect(parsed(structuredClone(raw))).toBe(fromRaw);
    expect(fromRaw.gpuTolerations[0]).not.toBe(raw.gpuTolerations[0]);
    raw.gpuTolerations[0]!.key = 'changed';
    expect(fromRaw.gpuTolerations[0]!.key).toBe('a');
  });

  it('keeps numbers JSON cannot write apart from null when it remembers a verdict', () => {
    const nan = parseInput({ remoteNamespace: Number.NaN });
    const nil = parseInput({ remoteNamespace: null });
    expect(nan).not.toEqual(nil);
  });
});

describe('parseInput errors name the field', () => {
  it.each([
    [{ gpuTolerations: [{ key: 'k', operator: 'Sometimes' }] }, 'gpuTolerations[0].operator: Unsupported value: "Sometimes": supported values: "Exists", "Equal"'],
    [{ gpuTolerations: [{ key: 'k', operator: 'Exists', effect: 'Never' }] }, 'gpuTolerations[0].effect: Unsupported value: "Never": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"'],
    [{ gpuTolerations: [{ operator: 'Exists' }, { key: 'k', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 1.5 }] }, 'gpuTolerations[1].tolerationSeconds: Invalid value: 1.5: must be of type integer'],
    [{ gpuTolerations: [{ key: 'k', operator: 'Exists', value: 'v' }] }, 'gpuTolerations[0].value: a toleration with operator Exists must not set a value'],
    [{ gpuTolerations: [{ value: 'v' }] }, 'gpuTolerations[0].operator: a toleration without a key must use operator Exists'],
    [{ gpuTolerations: [{ key: 'k', operator: 'Exists', tolerationSeconds: 5 }] }, 'gpuTolerations[0].tolerationSeconds: tolerationSeconds may only be set with effect NoExecute'],
    [{ gpuTolerations: { key: 'k' } }, 'gpuTolerations: Invalid value: "object": must be of type array'],
    [{ remoteNamespace: 'Inference' }, `remoteNamespace: Invalid value: "Inference": must match '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$'`],
    [{ remoteNamespace: '' }, 'remoteNamespace: Invalid value: "": must be at least 1 chars long'],
    [{ gateway: { namespace: 'x'.repeat(64) } }, 'gateway.namespace: Too long: may not be more than 63 bytes'],
    [{ gateway: 'inference-gateway' }, 'gateway: Invalid value: "inference-gateway": must be of type object'],
    [{ providerConfigKind: 'KubeConfig' }, 'providerConfigKind: Unsupported value: "KubeConfig": supported values: "ClusterProviderConfig", "ProviderConfig"'],
    [{ images: { endpointPicker: '' } }, 'images.endpointPicker: Invalid value: "": must be at least 1 chars long'],
    [{ remoteNamspace: 'inference' }, 'remoteNamspace: field not declared in schema'],
    [{ gateway: { name: 'g', port: 80 } }, 'gateway.port: field not declared in schema'],
    [{ apiVersion: 'pt.fn.crossplane.io/v1beta1', kind: 'Input' }, 'apiVersion: Unsupported value: "pt.fn.crossplane.io/v1beta1": supported values: "fn.modelplane.ai/v1alpha1"'],
    [{ apiVersion: 'fn.modelplane.ai/v1alpha1', kind: 'Resources' }, 'kind: Unsupported value: "Resources": supported values: "Input"'],
    ['inference', 'Invalid value: "inference": must be of type object'],
    [[1, 2], 'Invalid value: "array": must be of type object'],
  ])('%j → %s', (raw, message) => {
    expect(problem(raw)).toMatch(new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(; |$)`));
  });

  it('names every problem when there are several', () => {
    expect(problem({ remoteNamespace: 'A', providerConfigKind: 'X', images: { pdSidecar: '' } })).toBe(
      [
        `images.pdSidecar: Invalid value: "": must be at least 1 chars long`,
        `providerConfigKind: Unsupported value: "X": supported values: "ClusterProviderConfig", "ProviderConfig"`,
        `remoteNamespace: Invalid value: "A": must match '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$'`,
      ].join('; '),
    );
  });
});

describe('the Input CRD', () => {
  const crd = parse(readFileSync(new URL('../../package/input.yaml', import.meta.url), 'utf8')) as {
    apiVersion: string;
    kind: string;
    metadata: { name: string };
    spec: { group: string; names: { kind: string }; versions: { name: string; served: boolean; storage: boolean; schema: { openAPIV3Schema: unknown } }[] };
  };

  it('is fn.modelplane.ai/v1alpha1 Input', () => {
    expect(crd.apiVersion).toBe('apiextensions.k8s.io/v1');
    expect(crd.kind).toBe('CustomResourceDefinition');
    expect(crd.metadata.name).toBe('inputs.fn.modelplane.ai');
    expect(crd.spec.group).toBe('fn.modelplane.ai');
    expect(crd.spec.names.kind).toBe('Input');
    expect(crd.spec.versions.map((v) => [v.name, v.served, v.storage])).toEqual([['v1alpha1', true, true]]);
  });

  it('publishes exactly the schema parseInput validates with', () => {
    expect(crd.spec.versions[0]?.schema.openAPIV3Schema).toEqual(INPUT_SCHEMA);
  });
});
