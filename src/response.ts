// The response every RunFunction path starts from.
import type { RunFunctionRequest, RunFunctionResponse } from '@crossplane-org/function-sdk-typescript';

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

