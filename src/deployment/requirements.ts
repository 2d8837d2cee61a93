// The required resources a ModelDeployment step asks Crossplane for (scheduling.md, "Inputs").
// They are declared on every response, whatever else happens, so Crossplane keeps fetching them.
import { API_VERSION, type KubeObject } from '../api/types.js';
import type { ResourceSelector } from '../composition.js';
import { isRecord } from '../values.js';

export const CLUSTERS_REQUIREMENT = 'clusters';
export const REPLICAS_REQUIREMENT = 'replicas';

/**
 * Every InferenceCluster (cluster-scoped) and every ModelReplica in every namespace. The cluster
 * selector is applied by the function itself, so it can tell a deleted cluster from an unselected one.
 */
export function deploymentRequirements(): Record<string, ResourceSelector> {
  return {
    [CLUSTERS_REQUIREMENT]: { apiVersion: API_VERSION, kind: 'InferenceCluster', matchLabels: {} },
    [REPLICAS_REQUIREMENT]: { apiVersion: API_VERSION, kind: 'ModelReplica', matchLabels: {} },
  };
}

export interface ResolvedInputs {
  clusters: KubeObject[];
  replicas: KubeObject[];
}

/**
 * The two required lists, or undefined while either is unresolved (its key absent). A key present
 * with no items is resolved and empty.
 */
export function resolvedInputs(required: Record<string, KubeObject[]> | undefined): ResolvedInputs | undefined {
  const clusters = required?.[CLUSTERS_REQUIREMENT];
  const replicas = required?.[REPLICAS_REQUIREMENT];
  if (!Array.isArray(clusters) || !Array.isArray(replicas)) return undefined;
  // Only objects can be resources; anything else in a list is noise from a broken client.
  return { clusters: clusters.filter(isRecord), replicas: replicas.filter(isRecord) };
}
