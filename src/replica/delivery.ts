// Stage 4: wrap each composed manifest in a provider-kubernetes Object aimed at the cluster.
import type { KubeObject } from '../api/types.js';
import type { ComposedManifest, Readiness } from './manifests.js';

export const OBJECT_API_VERSION = 'kubernetes.m.crossplane.io/v1alpha1';

/** Ready once the remote object reports Available=True (Deployments and LeaderWorkerSets do). */
export const AVAILABLE_CEL_QUERY =
  'has(object.status.conditions) && object.status.conditions.exists(c, c.type == "Available" && c.status == "True")';

export interface DeliveryTarget {
  /** The XR's namespace: the Objects are namespaced managed resources beside it. */
  namespace: string;
  providerConfig: { kind: string; name: string };
}

function readiness(kind: Readiness): { policy: string; celQuery?: string } {
  return kind === 'Available'
    ? { policy: 'DeriveFromCelQuery', celQuery: AVAILABLE_CEL_QUERY }
    : { policy: 'SuccessfulCreate' };
}

/** No metadata.name: Crossplane names composed resources itself. */
export function deliveryObject(composed: ComposedManifest, target: DeliveryTarget): KubeObject {
  return {
    apiVersion: OBJECT_API_VERSION,
    kind: 'Object',
    metadata: { namespace: target.namespace },
    spec: {
      providerConfigRef: { kind: target.providerConfig.kind, name: target.providerConfig.name },
      forProvider: { manifest: composed.manifest },
      readiness: readiness(composed.readiness),
    },
  };
}

/** Every manifest wrapped, under its desired-resource key. */
export function deliver(composed: readonly ComposedManifest[], target: DeliveryTarget): Record<string, KubeObject> {
  const objects: Record<string, KubeObject> = {};
  for (const item of composed) objects[item.key] = deliveryObject(item, target);
  return objects;
}
