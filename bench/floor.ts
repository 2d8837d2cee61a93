// The floor: the cheapest function that still behaves like this one on the wire. It decodes the
// same request, returns the request's desired state (baseResponse) plus the same requirements the
// product asks for, and is served by the same gRPC stack. What the product costs above it is the
// cost of the composition itself.
import type { RunFunctionRequest, RunFunctionResponse } from '@crossplane-org/function-sdk-typescript';
import type { ResourceSelector } from '../src/composition.js';
import { deploymentRequirements } from '../src/deployment/requirements.js';
import { CLUSTER_REQUIREMENT, clusterRequirement } from '../src/replica/cluster.js';
import { baseResponse, protoRequirements } from '../src/response.js';

function productRequirements(req: RunFunctionRequest): Record<string, ResourceSelector> {
  const composite = req.observed?.composite?.resource as { kind?: unknown; spec?: { clusterName?: unknown } } | undefined;
  if (composite?.kind === 'ModelDeployment') return deploymentRequirements();
  if (composite?.kind === 'ModelReplica') return { [CLUSTER_REQUIREMENT]: clusterRequirement(String(composite.spec?.clusterName ?? '')) };
  return {};
}

export function floorFunction(req: RunFunctionRequest): RunFunctionResponse {
  const rsp = baseResponse(req);
  const requirements = productRequirements(req);
  rsp.requirements = protoRequirements(requirements);
  return rsp;
}
