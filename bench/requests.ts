// RunFunctionRequests as Crossplane sends them, built from the plain CompositionRequests the
// pipelines take, and the example objects shipped in examples/.
import { readFileSync } from 'node:fs';
import { Capability, type Resource, type RunFunctionRequest } from '@crossplane-org/function-sdk-typescript';
import { parse } from 'yaml';
import { INPUT_API_VERSION, INPUT_KIND } from '../src/api/input.js';
import type { KubeObject } from '../src/api/types.js';
import type { CompositionRequest } from '../src/composition.js';

const EXAMPLES = new URL('../examples/', import.meta.url);

export function loadExample(path: string): KubeObject {
  return parse(readFileSync(new URL(path, EXAMPLES), 'utf8')) as KubeObject;
}

/** The Composition's `input` block: the Input document with its defaults written out, as in apis/. */
function inputDocument(input: CompositionRequest['input']): Record<string, unknown> {
  return { apiVersion: INPUT_API_VERSION, kind: INPUT_KIND, ...input };
}

function asResource(resource: KubeObject): Resource {
  return { resource, connectionDetails: {}, ready: 0 };
}

/** The wire form of a CompositionRequest: what Crossplane's function runner sends for it. */
export function toRunFunctionRequest(req: CompositionRequest, tag = 'bench'): RunFunctionRequest {
  const observed: Record<string, Resource> = {};
  for (const key of Object.keys(req.observed).sort()) observed[key] = asResource(req.observed[key]!);
  const requiredResources: RunFunctionRequest['requiredResources'] = {};
  for (const key of Object.keys(req.required).sort()) requiredResources[key] = { items: req.required[key]!.map(asResource) };
  return {
    meta: {
      tag,
      capabilities: [Capability.CAPABILITY_CAPABILITIES, Capability.CAPABILITY_REQUIRED_RESOURCES, Capability.CAPABILITY_CONDITIONS, Capability.CAPABILITY_REQUIRED_SCHEMAS],
    },
    observed: { composite: asResource(req.composite), resources: observed },
    desired: { composite: undefined, resources: {} },
    input: inputDocument(req.input),
    context: undefined,
    extraResources: {},
    credentials: {},
    requiredResources,
    requiredSchemas: {},
  };
}
