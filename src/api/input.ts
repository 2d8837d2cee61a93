// The function's Input (api.md, "The function's Input"): every field optional, defaults applied here.
//
// The schema lives here rather than being read from package/input.yaml at run time, so the function
// server needs nothing but its code; a test keeps the CRD in package/input.yaml equal to it.
import { LruCache, rememberedByContent } from '../lru.js';
import { deepFreeze } from '../values.js';
import { compileStructuralSchema, formatViolation, RULES_NOT_CHECKED, type SchemaNode, type StructuralValidator } from './structural.js';

export interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  tolerationSeconds?: number;
}

export interface FunctionInput {
  remoteNamespace: string;
  gateway: { name: string; namespace: string };
  providerConfigKind: string;
  gpuTolerations: Toleration[];
  images: { endpointPicker: string; pdSidecar: string };
}

export const INPUT_API_VERSION = 'fn.modelplane.ai/v1alpha1';
export const INPUT_KIND = 'Input';

export const DEFAULT_INPUT: FunctionInput = Object.freeze({
  remoteNamespace: 'default',
  gateway: { name: 'inference-gateway', namespace: 'modelplane-system' },
  providerConfigKind: 'ClusterProviderConfig',
  gpuTolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
  images: {
    endpointPicker: 'ghcr.io/llm-d/llm-d-router-endpoint-picker:v0.9.0',
    pdSidecar: 'ghcr.io/llm-d/llm-d-router-disagg-sidecar:v0.9.0',
  },
}) as FunctionInput;

const DNS_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
const DNS_SUBDOMAIN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';

/** The Input's openAPIV3Schema, the one package/input.yaml publishes. Defaults are DEFAULT_INPUT's. */
export const INPUT_SCHEMA: SchemaNode = {
  type: 'object',
  description:
    'Tunes the cluster-side details of what function-modelplane composes. Every field is optional; ' +
    'an omitted field takes its default.',
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object' },
    remoteNamespace: {
      type: 'string',
      description: 'The namespace on each inference cluster that every composed object goes to.',
      default: DEFAULT_INPUT.remoteNamespace,
      minLength: 1,
      maxLength: 63,
      pattern: DNS_LABEL,
    },
    gateway: {
      type: 'object',
      description: "The Gateway every replica's HTTPRoute attaches to (its parentRef), on each inference cluster.",
      default: {},
      properties: {
        name: { type: 'string', default: DEFAULT_INPUT.gateway.name, minLength: 1, maxLength: 253, pattern: DNS_SUBDOMAIN },
        namespace: { type: 'string', default: DEFAULT_INPUT.gateway.namespace, minLength: 1, maxLength: 63, pattern: DNS_LABEL },
      },
    },
    providerConfigKind: {
      type: 'string',
      description: "The kind of provider-kubernetes config that an InferenceCluster's providerConfigRef names.",
      enum: ['ClusterProviderConfig', 'ProviderConfig'],
      default: DEFAULT_INPUT.providerConfigKind,
    },
    gpuTolerations: {
      type: 'array',
      description: 'Tolerations added to every engine pod. An empty list adds none.',
      default: DEFAULT_INPUT.gpuTolerations,
      maxItems: 32,
      'x-kubernetes-list-type': 'atomic',
      items: {
        type: 'object',
        'x-kubernetes-validations': [
          {
            rule: "has(self.operator) && self.operator == 'Exists' || has(self.key) && self.key != ''",
            message: 'a toleration without a key must use operator Exists',
            fieldPath: '.operator',
          },
          {
            rule: "!has(self.operator) || self.operator != 'Exists' || !has(self.value) || self.value == ''",
            message: 'a toleration with operator Exists must not set a value',
            fieldPath: '.value',
          },
          {
            rule: "!has(self.tolerationSeconds) || has(self.effect) && self.effect == 'NoExecute'",
            message: 'tolerationSeconds may only be set with effect NoExecute',
            fieldPath: '.tolerationSeconds',
          },
        ],
        properties: {
          key: { type: 'string', maxLength: 316 },
          operator: { type: 'string', enum: ['Exists', 'Equal'] },
          value: { type: 'string', maxLength: 63 },
          effect: { type: 'string', enum: ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] },
          tolerationSeconds: { type: 'integer' },
        },
      },
    },
    images: {
      type: 'object',
      description: 'The images of the components composed around the engines under PrefillDecode serving.',
      default: {},
      properties: {
        endpointPicker: { type: 'string', default: DEFAULT_INPUT.images.endpointPicker, minLength: 1 },
        pdSidecar: { type: 'string', default: DEFAULT_INPUT.images.pdSidecar, minLength: 1 },
      },
    },
  },
};

export type ParsedInput = { ok: true; input: FunctionInput } | { ok: false; message: string };

let inputValidator: StructuralValidator | undefined;

/** The compiled Input schema, shared with the manifest validator. */
export function inputSchemaValidator(): StructuralValidator {
  inputValidator ??= compileStructuralSchema(INPUT_SCHEMA);
  return inputValidator;
}

/**
 * Validates the Composition step's input and applies its defaults. Absent input means all defaults.
 * An invalid input names every offending field: `gpuTolerations[0].operator: Unsupported value: ...`.
 */
export function parseInput(raw: unknown): ParsedInput {
  // Every call of a Composition step carries the same Input: it is checked once per content, and
  // what comes out is frozen, since every later call shares it.
  if (raw === undefined || raw === null) {
    defaultInput ??= deepFreeze(checkInput(undefined));
    return defaultInput;
  }
  return rememberedByContent(parsedInputs, raw, () => checkInput(raw));
}

let defaultInput: ParsedInput | undefined;
const PARSED_INPUTS_KEPT = 64;
const parsedInputs = new LruCache<string, ParsedInput>(PARSED_INPUTS_KEPT);

function checkInput(raw: unknown): ParsedInput {
  if (raw === undefined || raw === null) return { ok: true, input: structuredClone(DEFAULT_INPUT) };
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    return { ok: false, message: `Invalid value: ${Array.isArray(raw) ? '"array"' : JSON.stringify(raw)}: must be of type object` };
  }
  const problems: string[] = [];
  const { apiVersion, kind } = raw as Record<string, unknown>;
  if (apiVersion !== undefined && apiVersion !== INPUT_API_VERSION) {
    problems.push(`apiVersion: Unsupported value: ${JSON.stringify(apiVersion)}: supported values: "${INPUT_API_VERSION}"`);
  }
  if (kind !== undefined && kind !== INPUT_KIND) {
    problems.push(`kind: Unsupported value: ${JSON.stringify(kind)}: supported values: "${INPUT_KIND}"`);
  }
  const { value, violations } = inputSchemaValidator().check(raw);
  // The API server's note that CEL rules were skipped helps at admission, not in a Fatal result.
  problems.push(...violations.filter((v) => v.message !== RULES_NOT_CHECKED).map(formatViolation));
  if (problems.length > 0) return { ok: false, message: problems.join('; ') };
  const input = value as FunctionInput;
  return {
    ok: true,
    input: {
      remoteNamespace: input.remoteNamespace,
      gateway: { name: input.gateway.name, namespace: input.gateway.namespace },
      providerConfigKind: input.providerConfigKind,
      gpuTolerations: input.gpuTolerations,
      images: { endpointPicker: input.images.endpointPicker, pdSidecar: input.images.pdSidecar },
    },
  };
}
