// Crossplane's requirements loop, as its function runner drives it: call, answer every required
// resource selector from a pool of objects, call again, until the requirements stop changing, a
// Fatal result comes back, or five extra calls have been made.
import { isDeepStrictEqual } from 'node:util';
import {
  Severity,
  type Requirements,
  type Resource,
  type ResourceSelector,
  type RunFunctionRequest,
  type RunFunctionResponse,
} from '@crossplane-org/function-sdk-typescript';
import type { KubeObject } from '../api/types.js';

/** Crossplane's MaxRequirementsIterations: the first call plus at most five more. */
export const MAX_CALLS = 6;

export function selectorMatches(selector: ResourceSelector, obj: KubeObject): boolean {
  if (obj.apiVersion !== selector.apiVersion || obj.kind !== selector.kind) return false;
  const meta = obj.metadata ?? {};
  if (selector.namespace !== undefined && selector.namespace !== '' && meta.namespace !== selector.namespace) return false;
  if (selector.matchName !== undefined) return meta.name === selector.matchName;
  const labels = meta.labels ?? {};
  return Object.entries(selector.matchLabels?.labels ?? {}).every(([k, v]) => labels[k] === v);
}

function byNamespaceAndName(a: KubeObject, b: KubeObject): number {
  const ka = `${a.metadata?.namespace ?? ''}/${a.metadata?.name ?? ''}`;
  const kb = `${b.metadata?.namespace ?? ''}/${b.metadata?.name ?? ''}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** Answer one selector from the pool: matching objects sorted by namespace/name, as a List does. */
export function resolveSelector(selector: ResourceSelector, pool: readonly KubeObject[]): Resource[] {
  return pool
    .filter((obj) => selectorMatches(selector, obj))
    .sort(byNamespaceAndName)
    .map((resource) => ({ resource, connectionDetails: {}, ready: 0 }));
}

export interface LoopOutcome {
  response: RunFunctionResponse;
  calls: number;
  /** The request of the last call (with the required resources it carried). */
  request: RunFunctionRequest;
}

export class RequirementsDidNotStabilize extends Error {}

function normalised(requirements: RunFunctionResponse['requirements']): Requirements {
  return {
    extraResources: requirements?.extraResources ?? {},
    resources: requirements?.resources ?? {},
    schemas: requirements?.schemas ?? {},
  };
}

export async function runWithRequirements(
  call: (req: RunFunctionRequest) => Promise<RunFunctionResponse>,
  first: RunFunctionRequest,
  pool: readonly KubeObject[],
): Promise<LoopOutcome> {
  let request = first;
  // Crossplane starts from empty requirements: a function that requires nothing is called once.
  let previous = normalised(undefined);
  for (let calls = 1; calls <= MAX_CALLS; calls++) {
    const response = await call(request);
    if (response.results.some((r) => r.severity === Severity.SEVERITY_FATAL)) return { response, calls, request };
    const requirements = normalised(response.requirements);
    if (isDeepStrictEqual(requirements, previous)) return { response, calls, request };
    if (calls === MAX_CALLS) break;
    previous = requirements;
    const requiredResources: RunFunctionRequest['requiredResources'] = {};
    for (const [key, selector] of Object.entries(requirements.resources)) {
      requiredResources[key] = { items: resolveSelector(selector, pool) };
    }
    request = { ...request, context: response.context, requiredResources };
  }
  throw new RequirementsDidNotStabilize(`requirements did not stabilize after ${MAX_CALLS} calls`);
}
