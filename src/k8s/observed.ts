// "Keep observed": the hold paths return each observed composed resource in the form the function
// would have desired it, so Crossplane neither deletes it nor fights over fields it does not own.
import type { KubeObject, ObjectMeta } from '../api/types.js';
import type { DesiredResource } from '../composition.js';

/** apiVersion, kind, metadata.{name, namespace, labels, annotations} and spec, nothing else. */
export function stripObserved(observed: KubeObject): KubeObject {
  const meta: ObjectMeta = observed.metadata ?? {};
  const metadata: ObjectMeta = {};
  if (meta.name !== undefined) metadata.name = meta.name;
  if (meta.namespace !== undefined) metadata.namespace = meta.namespace;
  if (meta.labels !== undefined) metadata.labels = meta.labels;
  if (meta.annotations !== undefined) metadata.annotations = meta.annotations;
  const out: KubeObject = {};
  if (observed.apiVersion !== undefined) out.apiVersion = observed.apiVersion;
  if (observed.kind !== undefined) out.kind = observed.kind;
  out.metadata = metadata;
  if (observed.spec !== undefined) out.spec = observed.spec;
  return out;
}

function isReadyTrue(observed: KubeObject): boolean {
  const conditions = (observed.status as { conditions?: unknown } | undefined)?.conditions;
  return Array.isArray(conditions) && conditions.some((c) => c?.type === 'Ready' && c?.status === 'True');
}

/** Every observed composed resource, stripped, under its key; ready as observed. */
export function holdObserved(observed: Record<string, KubeObject>): Record<string, DesiredResource> {
  const desired: Record<string, DesiredResource> = {};
  for (const key of Object.keys(observed).sort()) {
    const resource = observed[key]!;
    desired[key] = { resource: stripObserved(resource), ready: isReadyTrue(resource) };
  }
  return desired;
}

export { isReadyTrue };
