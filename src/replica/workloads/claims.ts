// DRA claims: one ResourceClaimTemplate per claiming member. A template (not a claim) because it
// stamps a fresh ResourceClaim per pod, so every pod of a gang and every copy gets its own devices.
import type { ResolvedDeviceRequest } from '../../api/types.js';
import type { Manifest, RemoteMeta } from '../manifests.js';

interface ExactDeviceRequest {
  name: string;
  exactly: { deviceClassName: string; count: number; selectors?: { cel: { expression: string } }[] };
}

function deviceRequest(request: ResolvedDeviceRequest): ExactDeviceRequest {
  const exactly: ExactDeviceRequest['exactly'] = { deviceClassName: request.deviceClassName, count: request.count };
  const selectors = request.selectors ?? [];
  if (selectors.length > 0) exactly.selectors = selectors.map((s) => ({ cel: { expression: s.cel } }));
  return { name: request.name, exactly };
}

export function resourceClaimTemplate(metadata: RemoteMeta, requests: readonly ResolvedDeviceRequest[]): Manifest {
  return {
    apiVersion: 'resource.k8s.io/v1',
    kind: 'ResourceClaimTemplate',
    metadata,
    spec: { spec: { devices: { requests: requests.map(deviceRequest) } } },
  };
}
