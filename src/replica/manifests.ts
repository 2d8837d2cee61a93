// Typed shapes of the Kubernetes manifests the ModelReplica step composes for the inference cluster.
// Only the fields the step sets are declared: every manifest is built from these, so nothing that
// is not set can leak into the output as `undefined` or `null`.
import type { Toleration } from '../api/input.js';
import { LABEL_MANAGED_BY, MANAGED_BY } from '../k8s/labels.js';

export type StringMap = Record<string, string>;

export interface RemoteMeta {
  name: string;
  namespace: string;
  labels: StringMap;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: Record<string, unknown>;
}

export interface ContainerPort {
  name: string;
  containerPort: number;
}

export interface HttpReadinessProbe {
  httpGet: { path: string; port: number };
  initialDelaySeconds: number;
  periodSeconds: number;
  timeoutSeconds: number;
}

export interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  ports?: ContainerPort[];
  readinessProbe?: HttpReadinessProbe;
  resources?: { claims: { name: string }[] };
  volumeMounts?: { name: string; mountPath: string }[];
}

export type Volume =
  | { name: string; emptyDir: { medium: 'Memory' } }
  | { name: string; configMap: { name: string } };

export interface PodSpec {
  serviceAccountName?: string;
  containers: Container[];
  imagePullSecrets?: { name: string }[];
  nodeSelector?: StringMap;
  tolerations?: Toleration[];
  resourceClaims?: { name: string; resourceClaimTemplateName: string }[];
  volumes?: Volume[];
}

export interface PodTemplateSpec {
  metadata: { labels: StringMap; annotations?: StringMap };
  spec: PodSpec;
}

// Type aliases (not interfaces) so workloads are assignable to the open `Manifest` shape.
export type DeploymentManifest = {
  apiVersion: 'apps/v1';
  kind: 'Deployment';
  metadata: RemoteMeta;
  spec: {
    replicas: number;
    selector: { matchLabels: StringMap };
    strategy: { type: 'RollingUpdate'; rollingUpdate: { maxSurge: number; maxUnavailable: number } };
    template: PodTemplateSpec;
  };
};

export type LeaderWorkerSetManifest = {
  apiVersion: 'leaderworkerset.x-k8s.io/v1';
  kind: 'LeaderWorkerSet';
  metadata: RemoteMeta;
  spec: {
    replicas: number;
    leaderWorkerTemplate: {
      size: number;
      leaderTemplate: PodTemplateSpec;
      workerTemplate: PodTemplateSpec;
    };
  };
};

export type WorkloadManifest = DeploymentManifest | LeaderWorkerSetManifest;

/** Any composed manifest: the workloads above, or a routing/claim object built in its own module. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: RemoteMeta;
  [field: string]: unknown;
}

/**
 * How the delivering Object decides the remote object is ready: `Available` for things that run
 * (workloads, the endpoint picker), `Created` for everything else.
 */
export type Readiness = 'Available' | 'Created';

/** One composed manifest under its desired-resource key. */
export interface ComposedManifest {
  key: string;
  manifest: Manifest;
  readiness: Readiness;
  /** How a person names it in "waiting for …" messages; set on everything `Available`. */
  title?: string;
}

/** A copy of `map` with its keys in code-unit order, so output never depends on input key order. */
export function sortedMap(map: StringMap): StringMap {
  const out: StringMap = {};
  for (const key of Object.keys(map).sort()) out[key] = map[key]!;
  return out;
}

/** Metadata of a top-level remote object: named, in the remote namespace, marked as ours. */
export function remoteMeta(name: string, namespace: string): RemoteMeta {
  return { name, namespace, labels: { [LABEL_MANAGED_BY]: MANAGED_BY } };
}
