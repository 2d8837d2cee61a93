// The HTTPRoute both serving modes publish: the replica's path prefix on the Input's gateway,
// rewritten to `/` for the engine, with no request timeout (long token streams must not be cut).
import type { FunctionInput } from '../../api/input.js';
import type { Manifest, RemoteMeta } from '../manifests.js';

export type RouteBackend =
  | { name: string; port: number }
  | { group: 'inference.networking.k8s.io'; kind: 'InferencePool'; name: string };

export function httpRoute(metadata: RemoteMeta, gateway: FunctionInput['gateway'], path: string, backend: RouteBackend): Manifest {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata,
    spec: {
      parentRefs: [{ name: gateway.name, namespace: gateway.namespace }],
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: path } }],
          filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } }],
          timeouts: { request: '0s' },
          backendRefs: [{ ...backend }],
        },
      ],
    },
  };
}
