// Request builders for the ModelDeployment pipeline tests: a small fleet, deployments, and a way to
// feed a response back as the next request the way Crossplane would.
import { DEFAULT_INPUT } from '../../src/api/input.js';
import type { GpuPool, KubeObject, PublishedDevice } from '../../src/api/types.js';
import type { CompositionRequest, CompositionResponse } from '../../src/composition.js';

export const NAMESPACE = 'ml-team';
export const GPU_CLASS = 'gpu.nvidia.com';

/** A DRA GPU device kind with `count` per node and the given memory. */
export function gpu(count = 8, memory = '80Gi', name = 'h100'): PublishedDevice {
  return {
    name,
    claim: 'DRA',
    driver: 'gpu.nvidia.com',
    deviceClassName: GPU_CLASS,
    count,
    attributes: { productName: { string: name.toUpperCase() } },
    capacity: { memory: { value: memory } },
  };
}

export function pool(name: string, nodes: number, devices: PublishedDevice[] = [gpu()]): GpuPool {
  return { name, nodes, devices };
}

export interface ClusterOptions {
  labels?: Record<string, string>;
  ready?: boolean;
  /** Omit with `null` for a cluster without a gateway address. */
  address?: string | null;
  pools?: GpuPool[];
  terminating?: boolean;
  /** Replaces the whole status, for malformed-status cases. */
  status?: unknown;
}

export function cluster(name: string, options: ClusterOptions = {}): KubeObject {
  const metadata: KubeObject['metadata'] = { name, labels: options.labels ?? { 'modelplane.ai/tier': 'production' } };
  if (options.terminating === true) metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
  const status =
    options.status !== undefined
      ? options.status
      : {
          conditions: [{ type: 'Ready', status: options.ready === false ? 'False' : 'True', reason: 'Available' }],
          ...(options.address === null ? {} : { gateway: { address: options.address ?? `${name}.gw.example.com` } }),
          providerConfigRef: { name },
          gpuPools: options.pools ?? [pool('h100', 4)],
        };
  return { apiVersion: 'modelplane.ai/v1alpha1', kind: 'InferenceCluster', metadata, status };
}

/** One Standalone engine claiming one GPU with at least 16Gi of memory. */
export function standaloneEngine(name = 'main', copies?: number): Record<string, unknown> {
  const engine: Record<string, unknown> = {
    name,
    members: [
      {
        role: 'Standalone',
        nodeSelector: {
          devices: [
            { name: 'gpu', count: 1, selectors: [{ cel: 'device.capacity["gpu.nvidia.com"].memory.compareTo(quantity("16Gi")) >= 0' }] },
          ],
        },
        template: { spec: { containers: [{ name: 'engine', image: 'vllm/vllm-openai:v0.11.0', args: ['--model=Qwen/Qwen3-8B'] }] } },
      },
    ],
  };
  if (copies !== undefined) engine.copies = copies;
  return engine;
}

export interface DeploymentOptions {
  name?: string;
  namespace?: string;
  replicas?: number;
  clusterSelector?: unknown;
  engines?: unknown[];
  serving?: unknown;
  status?: unknown;
}

export function deployment(options: DeploymentOptions = {}): KubeObject {
  const spec: Record<string, unknown> = {
    replicas: options.replicas ?? 1,
    engines: options.engines ?? [standaloneEngine()],
  };
  if (options.clusterSelector !== undefined) spec.clusterSelector = options.clusterSelector;
  if (options.serving !== undefined) spec.serving = options.serving;
  const xr: KubeObject = {
    apiVersion: 'modelplane.ai/v1alpha1',
    kind: 'ModelDeployment',
    metadata: { name: options.name ?? 'qwen3-8b', namespace: options.namespace ?? NAMESPACE, uid: 'uid-1', generation: 3 },
    spec,
  };
  if (options.status !== undefined) xr.status = options.status;
  return xr;
}

export interface RequestOptions {
  composite?: KubeObject;
  observed?: Record<string, KubeObject>;
  /** undefined: the key is absent (unresolved). */
  clusters?: KubeObject[];
  replicas?: KubeObject[];
}

export function request(options: RequestOptions = {}): CompositionRequest {
  const required: Record<string, KubeObject[]> = {};
  if (options.clusters !== undefined) required.clusters = options.clusters;
  if (options.replicas !== undefined) required.replicas = options.replicas;
  return {
    composite: options.composite ?? deployment(),
    observed: options.observed ?? {},
    required,
    input: DEFAULT_INPUT,
  };
}

/** Status conditions and server-populated metadata, as the API server would return an object. */
export function asObserved(resource: KubeObject, key: string, ready: boolean): KubeObject {
  return {
    ...resource,
    metadata: {
      ...resource.metadata,
      uid: `uid-${key}`,
      resourceVersion: '42',
      annotations: { ...(resource.metadata?.annotations ?? {}), 'crossplane.io/composition-resource-name': key },
      ownerReferences: [{ kind: 'ModelDeployment', name: 'owner' }],
    },
    status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', reason: ready ? 'Available' : 'Creating' }] },
  };
}

/**
 * The next request Crossplane would send after applying `response`: every desired resource is now
 * observed (Ready as `ready` says, by key), the ModelReplicas also show up in the fleet-wide
 * `replicas` list, and the XR carries the status the response set.
 */
export function feedBack(
  previous: CompositionRequest,
  response: CompositionResponse,
  ready: (key: string) => boolean = () => true,
): CompositionRequest {
  const observed: Record<string, KubeObject> = {};
  for (const [key, desired] of Object.entries(response.desired)) observed[key] = asObserved(desired.resource, key, ready(key));
  const isReplica = (o: KubeObject): boolean => o.kind === 'ModelReplica';
  const ownReplicas = Object.values(observed).filter(isReplica);
  // Replicas this deployment composed before (now updated, or deleted because no longer desired).
  const previousOwn = Object.values(previous.observed).filter(isReplica);
  const ownNames = new Set([...ownReplicas, ...previousOwn].map((o) => `${o.metadata?.namespace}/${o.metadata?.name}`));
  const others = (previous.required.replicas ?? []).filter((o) => !ownNames.has(`${o.metadata?.namespace}/${o.metadata?.name}`));
  return {
    ...previous,
    composite: { ...previous.composite, status: { ...response.status, conditions: response.conditions } },
    observed,
    required: { ...previous.required, replicas: [...others, ...ownReplicas] },
  };
}
