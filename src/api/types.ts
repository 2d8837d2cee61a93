// Typed views of the objects the function reads and writes. They describe what the XRDs in apis/
// guarantee; the pipelines still check anything a hand-written object could get wrong.

export const GROUP = 'modelplane.ai';
export const API_VERSION = 'modelplane.ai/v1alpha1';

export type Role = 'Standalone' | 'Leader' | 'Worker';
export type ServingMode = 'Unified' | 'PrefillDecode';
export type Phase = 'Prefill' | 'Decode';

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  deletionTimestamp?: string;
  [key: string]: unknown;
}

/** Any Kubernetes object as it arrives in a request: only apiVersion/kind/metadata are assumed. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  spec?: unknown;
  status?: unknown;
  [key: string]: unknown;
}

export interface KubeCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

// ---- ModelDeployment -------------------------------------------------------------------------

export interface CelSelector {
  cel: string;
}

export interface DeviceRequestSpec {
  name: string;
  count?: number; // default 1
  selectors?: CelSelector[];
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: Record<string, unknown>;
}

export interface EngineContainer {
  name: 'engine';
  image: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
}

export interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: {
    containers: EngineContainer[];
    imagePullSecrets?: { name: string }[];
  };
}

export interface DeploymentMember {
  role?: Role; // default Standalone
  nodeSelector?: { devices: DeviceRequestSpec[] };
  worker?: { nodes: number };
  template: PodTemplate;
}

export interface DeploymentEngine {
  name: string;
  copies?: number; // default 1
  phase?: Phase;
  members: DeploymentMember[];
}

export interface ServingSpec {
  mode?: ServingMode; // default Unified
  kvBlockSize?: number;
}

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface ModelDeploymentSpec {
  replicas: number;
  clusterSelector?: LabelSelector;
  serving?: ServingSpec;
  engines: DeploymentEngine[];
}

export interface EnginePlacementStatus {
  name: string;
  pool: string;
  nodes: number;
}

export interface PlacementStatus {
  replica: string;
  cluster: string;
  index: number;
  ready: boolean;
  engines: EnginePlacementStatus[];
}

export interface UnschedulableStatus {
  cluster: string;
  reason: string;
}

export interface ModelDeploymentStatus {
  replicas?: { total: number; ready: number };
  placements?: PlacementStatus[];
  unschedulable?: UnschedulableStatus[];
  conditions?: KubeCondition[];
}

// ---- ModelReplica ----------------------------------------------------------------------------

/** A device request the scheduler resolved to a `claim: DRA` device on the member's pool. */
export interface ResolvedDeviceRequest {
  name: string;
  deviceClassName: string;
  count: number;
  selectors?: CelSelector[];
}

export interface ReplicaMember {
  role?: Role;
  nodePoolName: string;
  deviceRequests?: ResolvedDeviceRequest[]; // omitted when the member claims nothing
  worker?: { nodes: number };
  template: PodTemplate;
}

export interface ReplicaEngine {
  name: string;
  copies?: number;
  phase?: Phase;
  members: ReplicaMember[];
}

export interface ModelReplicaSpec {
  clusterName: string;
  serving?: ServingSpec;
  engines: ReplicaEngine[];
}

export interface ReplicaEngineStatus {
  name: string;
  workload: string;
  ready: boolean;
}

export interface ModelReplicaStatus {
  engines?: ReplicaEngineStatus[];
  path?: string;
  conditions?: KubeCondition[];
}

// ---- InferenceCluster (read-only contract) --------------------------------------------------

export interface DeviceAttributeValue {
  string?: string;
  version?: string;
  bool?: boolean;
  int?: number;
}

export interface PublishedDevice {
  name: string;
  claim?: 'DRA' | 'Synthetic'; // default DRA
  driver?: string;
  deviceClassName?: string;
  count?: number;
  attributes?: Record<string, DeviceAttributeValue>;
  capacity?: Record<string, { value: string }>;
}

export interface GpuPool {
  name: string;
  nodes?: number;
  devices?: PublishedDevice[];
}

export interface InferenceClusterStatus {
  conditions?: KubeCondition[];
  gateway?: { address?: string };
  providerConfigRef?: { name?: string };
  gpuPools?: GpuPool[];
}
