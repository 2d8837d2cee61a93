// The response every RunFunction path starts from.
import type { RunFunctionRequest, RunFunctionResponse } from '@crossplane-org/function-sdk-typescript';
import type { ResourceSelector } from './composition.js';

/** Crossplane's default: re-run at least this often even when nothing changes. */
export const DEFAULT_TTL_SECONDS = 60;

/** The empty response every path starts from: the request's desired state passed through, TTL 60 s. */
export function baseResponse(req: RunFunctionRequest): RunFunctionResponse {
  return {
    meta: { tag: req.meta?.tag ?? '', ttl: { seconds: DEFAULT_TTL_SECONDS, nanos: 0 } },
    desired: {
      composite: req.desired?.composite,
      resources: { ...(req.desired?.resources ?? {}) },
    },
    results: [],
    context: req.context,
    requirements: undefined,
    conditions: [],
    output: undefined,
  };
}


/** The plain requirements of a pipeline as the protocol's Requirements, keys sorted. */
export function protoRequirements(requirements: Record<string, ResourceSelector>): NonNullable<RunFunctionResponse['requirements']> {
  const resources: NonNullable<RunFunctionResponse['requirements']>['resources'] = {};
  for (const key of Object.keys(requirements).sort()) {
    const selector = requirements[key]!;
    resources[key] = {
      apiVersion: selector.apiVersion,
      kind: selector.kind,
      matchName: selector.matchName,
      matchLabels: selector.matchLabels ? { labels: selector.matchLabels } : undefined,
      namespace: selector.namespace,
    };
  }
  return { extraResources: {}, resources, schemas: {} };
}
