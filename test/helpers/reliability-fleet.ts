// Deterministic, well-formed fleets and requests for the reliability tests: realistic
// InferenceClusters, ModelDeployments, ModelReplicas (as Crossplane observes them) and the
// RunFunctionRequests that carry them, at any size. The fuzzer starts from these shapes and breaks
// them; the load and size tests use them as they are.
import type { Resource, RunFunctionRequest } from '@crossplane-org/function-sdk-typescript';
import { hashName } from '../../src/k8s/names.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export const API_VERSION = 'modelplane.ai/v1alpha1';
export const INPUT_API_VERSION = 'fn.modelplane.ai/v1alpha1';

/** The pieces of a RunFunctionRequest, as plain JSON. */
export interface RequestParts {
  /** The observed XR; omitted for a request without one. */
  composite?: JsonObject;
  /** Observed composed resources by key. */
  observed?: Record<string, JsonObject>;
  /** Required resources by key; an absent key is unresolved. */
  required?: Record<string, JsonObject[]>;
  input?: JsonObject;
  /** What earlier pipeline steps desired; passed through untouched. */
  desired?: Record<string, JsonObject>;
  /** Connection details per observed key (secret material a function must never copy). */
  connectionDetails?: Record<string, Record<string, string>>;
  /** Credentials Crossplane hands the function (never needed by this one). */
  credentials?: Record<string, Record<string, string>>;
  tag?: string;
}

function resource(object: JsonObject, details: Record<string, string> = {}): Resource {
  const connectionDetails: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(details)) connectionDetails[k] = Buffer.from(v);
  return { resource: object, connectionDetails, ready: 0 };
}

export function functionRequest(parts: RequestParts): RunFunctionRequest {
  const observedResources: Record<string, Resource> = {};
  for (const [key, object] of Object.entries(parts.observed ?? {})) {
    observedResources[key] = resource(object, parts.connectionDetails?.[key]);
  }
  const requiredResources: RunFunctionRequest['requiredResources'] = {};
  for (const [key, items] of Object.entries(parts.required ?? {})) {
    requiredResources[key] = { items: items.map((item) => resource(item)) };
  }
  const credentials: RunFunctionRequest['credentials'] = {};
  for (const [name, data] of Object.entries(parts.credentials ?? {})) {
    const buffers: Record<string, Buffer> = {};
    for (const [k, v] of Object.entries(data)) buffers[k] = Buffer.from(v);
    credentials[name] = { credentialData: { data: buffers } };
  }
  const desiredResources: Record<string, Resource> = {};
  for (const [key, object] of Object.entries(parts.desired ?? {})) desiredResources[key] = resource(object);
  return {
    meta: { tag: parts.tag ?? '', capabilities: [] },
    observed: {
      composite: parts.composite === undefined ? undefined : resource(parts.composite, parts.connectionDetails?.['']),
      resources: observedResources,
    },
    desired: { composite: undefined, resources: desiredResources },
    input: parts.input,
    context: undefined,
    extraResources: {},
    credentials,
    requiredResources,
    requiredSchemas: {},
  };
}

// ---- InferenceClusters -----------------------------------------------------------------------

const GPU_DRIVER = 'gpu.nvidia.com';

function gpu(product: string, memory: string, count: number): JsonObject {
  return {
    name: 'gpu',
    driver: GPU_DRIVER,
    deviceClassName: GPU_DRIVER,
    count,
    attributes: {
      productName: { string: product },
      architecture: { string: product.includes('L4') ? 'Ada Lovelace' : 'Hopper' },
      cudaComputeCapability: { version: product.includes('L4') ? '8.9.0' : '9.0.0' },
    },
    capacity: { memory: { value: memory } },
  };
}

const INFINIBAND: JsonObject = {
  name: 'infiniband',
  claim: 'Synthetic',
  driver: 'fabric.modelplane.ai',
  count: 8,
  attributes: { linkType: { string: 'InfiniBand' } },
  capacity: { bandwidth: { value: '400G' } },
};

export function standardPools(scale = 1): JsonObject[] {
  return [
    { name: 'l4', nodes: 16 * scale, devices: [gpu('NVIDIA L4', '24Gi', 1)] },
    { name: 'h100', nodes: 8 * scale, devices: [gpu('NVIDIA H100 80GB HBM3', '80Gi', 8), INFINIBAND] },
    { name: 'h200', nodes: 8 * scale, devices: [gpu('NVIDIA H200 141GB HBM3e', '141Gi', 8), INFINIBAND] },
  ];
}

export interface ClusterOptions {
  labels?: Record<string, string>;
  ready?: boolean;
  address?: string;
  providerConfig?: string;
  pools?: JsonObject[];
}

export function inferenceCluster(name: string, opts: ClusterOptions = {}): JsonObject {
  const status: JsonObject = {
    conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True', reason: 'Available' }],
    gpuPools: opts.pools ?? standardPools(),
  };
  if (opts.address !== '') status.gateway = { address: opts.address ?? '203.0.113.10' };
  if (opts.providerConfig !== '') status.providerConfigRef = { name: opts.providerConfig ?? name };
  return {
    apiVersion: API_VERSION,
    kind: 'InferenceCluster',
    metadata: { name, labels: opts.labels ?? { 'modelplane.ai/tier': 'production' } },
    spec: {},
    status,
  };
}

// ---- ModelDeployments and their replicas ------------------------------------------------------

export const MEMORY_16GI = 'device.capacity["gpu.nvidia.com"].memory.compareTo(quantity("16Gi")) >= 0';
export const HOPPER = 'device.attributes["gpu.nvidia.com"].architecture == "Hopper"';

export function standaloneEngine(name: string, opts: { count?: number; selector?: string; args?: string[] } = {}): JsonObject {
  return {
    name,
    members: [
      {
        role: 'Standalone',
        nodeSelector: { devices: [{ name: 'gpu', count: opts.count ?? 1, selectors: [{ cel: opts.selector ?? MEMORY_16GI }] }] },
        template: {
          spec: { containers: [{ name: 'engine', image: 'vllm/vllm-openai:v0.11.0', args: opts.args ?? [`--model=org/${name}`] }] },
        },
      },
    ],
  };
}

export function modelDeployment(name: string, namespace: string, spec: JsonObject): JsonObject {
  return { apiVersion: API_VERSION, kind: 'ModelDeployment', metadata: { name, namespace }, spec };
}

/** A deployment's engines as a ModelReplica carries them: pinned to `pool`, requests resolved. */
export function replicaEngines(engines: Json, pool: string): Json {
  if (!Array.isArray(engines)) return engines;
  return engines.map((engine) => {
    if (engine === null || typeof engine !== 'object' || Array.isArray(engine) || !Array.isArray(engine.members)) return engine;
    return {
      ...engine,
      copies: engine.copies ?? 1,
      members: engine.members.map((member) => {
        if (member === null || typeof member !== 'object' || Array.isArray(member)) return member;
        const { nodeSelector, ...rest } = member;
        const devices = (nodeSelector as { devices?: Json } | undefined)?.devices;
        const out: JsonObject = { ...rest, nodePoolName: pool };
        if (Array.isArray(devices) && devices.length > 0) {
          out.deviceRequests = devices.map((d) => {
            const device = d as JsonObject;
            const request: JsonObject = { name: device.name ?? 'gpu', deviceClassName: GPU_DRIVER, count: device.count ?? 1 };
            if (device.selectors !== undefined) request.selectors = device.selectors;
            return request;
          });
        }
        return out;
      }),
    };
  });
}

export interface ObservedReplicaOptions {
  deployment: string;
  namespace: string;
  cluster: string;
  index: number;
  pool: string;
  engines: Json;
  serving?: Json;
  ready?: boolean;
}

/** A ModelReplica as Crossplane observes it: live metadata, status and the key it was composed under. */
export function observedReplica(o: ObservedReplicaOptions): { key: string; object: JsonObject } {
  const name = hashName(o.deployment, o.cluster, String(o.index));
  const spec: JsonObject = { clusterName: o.cluster, engines: replicaEngines(o.engines, o.pool) };
  if (o.serving !== undefined) spec.serving = o.serving;
  const key = `replica-${o.cluster}-${o.index}`;
  return {
    key,
    object: {
      apiVersion: API_VERSION,
      kind: 'ModelReplica',
      metadata: {
        name,
        namespace: o.namespace,
        uid: `uid-${name}`,
        resourceVersion: '1',
        labels: {
          'crossplane.io/composite': o.deployment,
          'modelplane.ai/deployment': o.deployment,
          'modelplane.ai/cluster': o.cluster,
          'modelplane.ai/replica-index': String(o.index),
        },
        annotations: { 'crossplane.io/composition-resource-name': key },
      },
      spec,
      status: {
        conditions: [
          { type: 'Synced', status: 'True', reason: 'ReconcileSuccess' },
          { type: 'Ready', status: o.ready === false ? 'False' : 'True', reason: o.ready === false ? 'Creating' : 'Available' },
        ],
      },
    },
  };
}

/** The ModelEndpoint composed for a Ready replica, as observed. */
export function observedEndpoint(o: { deployment: string; namespace: string; cluster: string; index: number; address?: string }): {
  key: string;
  object: JsonObject;
} {
  const name = hashName(o.deployment, o.cluster, String(o.index));
  return {
    key: `endpoint-${o.cluster}-${o.index}`,
    object: {
      apiVersion: API_VERSION,
      kind: 'ModelEndpoint',
      metadata: {
        name,
        namespace: o.namespace,
        labels: {
          'modelplane.ai/deployment': o.deployment,
          'modelplane.ai/cluster': o.cluster,
          'modelplane.ai/replica-index': String(o.index),
          'modelplane.ai/api': 'OpenAI',
        },
      },
      spec: { url: `http://${o.address ?? '203.0.113.10'}/${o.namespace}/${name}/v1`, rewritePath: `/${o.namespace}/${name}/` },
      status: { conditions: [{ type: 'Ready', status: 'True', reason: 'Available' }] },
    },
  };
}

// ---- Fleet-sized requests ---------------------------------------------------------------------

export interface FleetSize {
  clusters: number;
  /** ModelReplicas of other deployments spread over the fleet (the capacity ledger's input). */
  foreignReplicas: number;
  /** This deployment's own replicas, observed and Ready. */
  ownReplicas?: number;
  replicas?: number;
}

const clusterName = (i: number): string => `cluster-${String(i).padStart(4, '0')}`;

/**
 * A ModelDeployment request over a fleet of the given size: every cluster with three pools, foreign
 * replicas from other teams charging the pools, this deployment's own replicas observed Ready.
 */
export function fleetDeploymentRequest(size: FleetSize, tag = 'fleet'): RunFunctionRequest {
  const engines: Json = [standaloneEngine('main')];
  const clusters = Array.from({ length: size.clusters }, (_, i) =>
    inferenceCluster(clusterName(i), { address: `10.${(i >> 8) & 255}.${i & 255}.1` }),
  );
  const foreign: JsonObject[] = Array.from({ length: size.foreignReplicas }, (_, i) => {
    const team = `team-${i % 17}`;
    return observedReplica({
      deployment: `model-${i % 23}`,
      namespace: team,
      cluster: clusterName(i % Math.max(1, size.clusters)),
      index: Math.floor(i / Math.max(1, size.clusters)),
      pool: i % 3 === 0 ? 'h100' : 'l4',
      engines: [standaloneEngine('main', { count: i % 3 === 0 ? 8 : 1 })],
    }).object;
  });
  const observed: Record<string, JsonObject> = {};
  const own = Math.min(size.ownReplicas ?? 0, size.clusters);
  for (let i = 0; i < own; i++) {
    const r = observedReplica({ deployment: 'fleet-model', namespace: 'ml-team', cluster: clusterName(i), index: 0, pool: 'l4', engines });
    observed[r.key] = r.object;
    const e = observedEndpoint({ deployment: 'fleet-model', namespace: 'ml-team', cluster: clusterName(i), index: 0, address: `10.0.${i & 255}.1` });
    observed[e.key] = e.object;
  }
  return functionRequest({
    tag,
    composite: modelDeployment('fleet-model', 'ml-team', { replicas: size.replicas ?? Math.max(1, own), engines }),
    observed,
    required: { clusters, replicas: [...foreign, ...Object.values(observed).filter((o) => o.kind === 'ModelReplica')] },
  });
}

/** A small ModelReplica request: one Standalone engine on a resolved cluster, workloads observed. */
export function smallReplicaRequest(tag = 'replica', opts: { pd?: boolean } = {}): RunFunctionRequest {
  const engines: Json = opts.pd
    ? [
        { ...standaloneEngine('prefill'), phase: 'Prefill' },
        { ...standaloneEngine('decode', { args: ['--model=org/decode', '--port=8001'] }), phase: 'Decode' },
      ]
    : [standaloneEngine('main')];
  const replica = observedReplica({
    deployment: 'chat',
    namespace: 'ml-team',
    cluster: 'us-east-1',
    index: 0,
    pool: 'l4',
    engines,
    serving: opts.pd ? { mode: 'PrefillDecode' } : undefined,
  }).object;
  return functionRequest({ tag, composite: replica, required: { cluster: [inferenceCluster('us-east-1')] } });
}
