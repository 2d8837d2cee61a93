// The ModelReplica requests the benchmark uses, built from the shipped examples: the largest
// (disaggregated serving with a decode gang: two workloads, three claim templates, the endpoint
// picker, an InferencePool and a route) and a small one (one engine on one GPU).
import type { KubeObject } from '../src/api/types.js';
import type { CompositionRequest } from '../src/composition.js';
import { replicaFromDeployment, replicaRequest } from './fleet.js';
import { loadExample } from './requests.js';

/** examples/deployments/disaggregated-gang-decode.yaml, replica 0 on us-east-1 (both engines on its h200 pool). */
export function largestExampleReplica(): CompositionRequest {
  const deployment = loadExample('deployments/disaggregated-gang-decode.yaml');
  const gpuOnly = { gpu: 'gpu.nvidia.com' };
  const replica = replicaFromDeployment(deployment, 'us-east-1', 0, {
    prefill: { pool: 'h200', claims: gpuOnly },
    decode: { pool: 'h200', claims: gpuOnly },
  });
  return replicaRequest(replica, loadExample('fleet/us-east-1.yaml'));
}

/** examples/deployments/single-gpu.yaml, replica 0 on eu-west-1 (its l4 pool). */
export function smallExampleReplica(): CompositionRequest {
  const deployment = loadExample('deployments/single-gpu.yaml');
  const replica: KubeObject = replicaFromDeployment(deployment, 'eu-west-1', 0, { 'qwen3-8b': { pool: 'l4', claims: { gpu: 'gpu.nvidia.com' } } });
  return replicaRequest(replica, loadExample('fleet/eu-west-1.yaml'));
}
