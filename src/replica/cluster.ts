// The `cluster` requirement: the InferenceCluster the replica was placed on, read for the
// provider-kubernetes ProviderConfig that reaches it.
import { API_VERSION, type KubeObject } from '../api/types.js';
import type { ResourceSelector } from '../composition.js';

export const CLUSTER_REQUIREMENT = 'cluster';

export function clusterRequirement(clusterName: string): ResourceSelector {
  return { apiVersion: API_VERSION, kind: 'InferenceCluster', matchName: clusterName };
}

export type ClusterReading =
  | { state: 'ready'; providerConfigName: string }
  | { state: 'unresolved' | 'missing' | 'noProviderConfig' };

/**
 * What the required resources say about the cluster. Absent key: Crossplane has not fetched it yet.
 * Present without an object of that name: it does not exist. Present without a usable
 * `status.providerConfigRef.name`: it exists but cannot be reached yet.
 */
export function readCluster(required: Record<string, KubeObject[]>, clusterName: string): ClusterReading {
  const items = required[CLUSTER_REQUIREMENT];
  if (items === undefined) return { state: 'unresolved' };
  const cluster = items.find((item) => item.metadata?.name === clusterName);
  if (cluster === undefined) return { state: 'missing' };
  const status = cluster.status as { providerConfigRef?: { name?: unknown } } | undefined;
  const name = typeof status === 'object' && status !== null ? status.providerConfigRef?.name : undefined;
  if (typeof name !== 'string' || name === '') return { state: 'noProviderConfig' };
  return { state: 'ready', providerConfigName: name };
}

const WAITING_REASONS: Record<Exclude<ClusterReading['state'], 'ready'>, string> = {
  unresolved: 'not yet resolved',
  missing: 'not found',
  noProviderConfig: 'has no providerConfigRef',
};

/** The ModelAccepted message (and Normal result) while the cluster cannot be used. */
export function waitingForClusterMessage(clusterName: string, state: Exclude<ClusterReading['state'], 'ready'>): string {
  return `cluster ${clusterName} ${WAITING_REASONS[state]}; keeping what exists`;
}
