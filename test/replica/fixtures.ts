// Request builders for ModelReplica tests: XRs, engines, members, the cluster requirement, and
// observed Objects in the states provider-kubernetes reports.
import { DEFAULT_INPUT, type FunctionInput } from '../../src/api/input.js';
import type { KubeObject } from '../../src/api/types.js';
import type { CompositionRequest, CompositionResponse } from '../../src/composition.js';

export const IMAGE = 'vllm/vllm-openai:v0.11.0';
export const CLUSTER = 'cluster-a';
export const PROVIDER_CONFIG = 'cluster-a-kubernetes';

type Json = Record<string, unknown>;

export interface MemberOptions {
  role?: string;
  nodePoolName?: string;
  deviceRequests?: Json[];
  worker?: Json;
  image?: string;
  command?: string[];
  args?: string[];
  env?: Json[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  imagePullSecrets?: Json[];
}

export const gpuRequest = (overrides: Json = {}): Json => ({
  name: 'gpu',
  deviceClassName: 'gpu.nvidia.com',
  count: 1,
  ...overrides,
});

/** A member as the scheduler writes it: claiming one GPU unless told otherwise. */
export function member(options: MemberOptions = {}): Json {
  const container: Json = { name: 'engine', image: options.image ?? IMAGE };
  if (options.command !== undefined) container.command = options.command;
  if (options.args !== undefined) container.args = options.args;
  if (options.env !== undefined) container.env = options.env;
  const spec: Json = { containers: [container] };
  if (options.imagePullSecrets !== undefined) spec.imagePullSecrets = options.imagePullSecrets;
  const template: Json = { spec };
  if (options.labels !== undefined || options.annotations !== undefined) {
    template.metadata = {
      ...(options.labels === undefined ? {} : { labels: options.labels }),
      ...(options.annotations === undefined ? {} : { annotations: options.annotations }),
    };
  }
  const out: Json = { nodePoolName: options.nodePoolName ?? 'h100', template };
  if (options.role !== undefined) out.role = options.role;
  if (options.deviceRequests !== undefined) {
    if (options.deviceRequests.length > 0) out.deviceRequests = options.deviceRequests;
  } else {
    out.deviceRequests = [gpuRequest()];
  }
  if (options.worker !== undefined) out.worker = options.worker;
  return out;
}

export function standaloneEngine(name: string, options: MemberOptions & { copies?: number; phase?: string } = {}): Json {
  const engine: Json = { name, members: [member({ ...options, role: options.role ?? 'Standalone' })] };
  if (options.copies !== undefined) engine.copies = options.copies;
  if (options.phase !== undefined) engine.phase = options.phase;
  return engine;
}

export function gangEngine(
  name: string,
  options: { leader?: MemberOptions; worker?: MemberOptions; nodes?: number; copies?: number; phase?: string } = {},
): Json {
  const worker = member({
    ...options.worker,
    role: 'Worker',
    ...(options.nodes === undefined ? {} : { worker: { nodes: options.nodes } }),
  });
  const engine: Json = { name, members: [member({ ...options.leader, role: 'Leader' }), worker] };
  if (options.copies !== undefined) engine.copies = options.copies;
  if (options.phase !== undefined) engine.phase = options.phase;
  return engine;
}

export function replicaXR(options: { name?: string; namespace?: string; clusterName?: string; serving?: Json; engines?: Json[] } = {}): KubeObject {
  const spec: Json = {
    clusterName: options.clusterName ?? CLUSTER,
    engines: options.engines ?? [standaloneEngine('main')],
  };
  if (options.serving !== undefined) spec.serving = options.serving;
  return {
    apiVersion: 'modelplane.ai/v1alpha1',
    kind: 'ModelReplica',
    metadata: { name: options.name ?? 'qwen3-8b-5ab63', namespace: options.namespace ?? 'ml-team' },
    spec,
  };
}

/** A PrefillDecode replica: Standalone prefill, decode as given (Standalone with --port 8200 by default). */
export function prefillDecodeXR(options: { decode?: Json; prefill?: Json; kvBlockSize?: number; name?: string; namespace?: string } = {}): KubeObject {
  return replicaXR({
    ...(options.name === undefined ? {} : { name: options.name }),
    ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
    serving: { mode: 'PrefillDecode', ...(options.kvBlockSize === undefined ? {} : { kvBlockSize: options.kvBlockSize }) },
    engines: [
      options.prefill ?? standaloneEngine('prefill', { phase: 'Prefill', args: ['--model=Qwen/Qwen3-8B'] }),
      options.decode ?? standaloneEngine('decode', { phase: 'Decode', args: ['--model=Qwen/Qwen3-8B', '--port', '8200'] }),
    ],
  });
}

/** An InferenceCluster; `providerConfigName: null` leaves status.providerConfigRef out. */
export function clusterObject(name = CLUSTER, providerConfigName: string | null = PROVIDER_CONFIG): KubeObject {
  return {
    apiVersion: 'modelplane.ai/v1alpha1',
    kind: 'InferenceCluster',
    metadata: { name },
    status: providerConfigName === null ? { gpuPools: [] } : { providerConfigRef: { name: providerConfigName } },
  };
}

export function request(
  composite: KubeObject,
  options: { observed?: Record<string, KubeObject>; required?: Record<string, KubeObject[]>; input?: FunctionInput } = {},
): CompositionRequest {
  return {
    composite,
    observed: options.observed ?? {},
    required: options.required ?? { cluster: [clusterObject()] },
    input: options.input ?? DEFAULT_INPUT,
  };
}

/** A desired Object as provider-kubernetes reports it back: applied (accepted) and/or Ready. */
export function observedObject(desired: KubeObject, state: { accepted: boolean; ready: boolean }): KubeObject {
  const spec = desired.spec as { forProvider: { manifest: unknown } };
  const status: Json = {
    conditions: [
      { type: 'Synced', status: 'True', reason: 'ReconcileSuccess' },
      { type: 'Ready', status: state.ready ? 'True' : 'False', reason: state.ready ? 'Available' : 'Creating' },
    ],
  };
  if (state.accepted) status.atProvider = { manifest: spec.forProvider.manifest };
  return { ...desired, metadata: { ...desired.metadata, name: `${String(desired.kind).toLowerCase()}-observed` }, status };
}

/** Every desired resource of `rsp` observed in the given state, with per-key states or `absent` in `overrides`. */
export function observeAll(
  rsp: CompositionResponse,
  state: { accepted: boolean; ready: boolean },
  overrides: Record<string, { accepted: boolean; ready: boolean } | 'absent'> = {},
): Record<string, KubeObject> {
  const observed: Record<string, KubeObject> = {};
  for (const [key, desired] of Object.entries(rsp.desired)) {
    const override = overrides[key];
    if (override === 'absent') continue;
    observed[key] = observedObject(desired.resource, override ?? state);
  }
  return observed;
}

/** The remote manifest inside a desired Object. */
export function manifestOf(rsp: CompositionResponse, key: string): Json {
  const desired = rsp.desired[key];
  if (desired === undefined) throw new Error(`no desired resource ${key}; have ${Object.keys(rsp.desired).join(', ')}`);
  return (desired.resource.spec as { forProvider: { manifest: Json } }).forProvider.manifest;
}

export function conditionOf(rsp: CompositionResponse, type: string) {
  return rsp.conditions.find((c) => c.type === type);
}
