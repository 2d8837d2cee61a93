// What already exists: this deployment's replicas (its observed composed ModelReplicas, the list
// Crossplane deletes by, so the authoritative one) and what every other ModelReplica of the fleet
// consumes (the `replicas` required resource, for the capacity ledger only).
import type { KubeObject } from '../api/types.js';
import { LABEL_REPLICA_INDEX } from '../k8s/labels.js';
import { isReadyTrue } from '../k8s/observed.js';
import { replicaCharges } from './scheduler/cost.js';
import type { Charge, ExistingReplica } from './scheduler/types.js';
import { compareStrings, isRecord } from '../values.js';

const REPLICA_KIND = 'ModelReplica';
const CANONICAL_INDEX = /^(0|[1-9][0-9]*)$/;

/**
 * The replica-index label as a number. Only the form the function writes (a non-negative decimal
 * integer without leading zeros) is accepted: anything else is treated as missing and the replica
 * is re-placed, because its name could not be derived from the label again.
 */
export function parseReplicaIndex(value: unknown): number | undefined {
  if (typeof value !== 'string' || !CANONICAL_INDEX.test(value)) return undefined;
  const index = Number(value);
  return Number.isSafeInteger(index) ? index : undefined;
}

export function isModelReplica(object: KubeObject): boolean {
  return object.kind === REPLICA_KIND;
}

/** This deployment's replicas: the observed composed resources of kind ModelReplica with their keys, sorted by name. */
export function readObservedReplicas(observed: Readonly<Record<string, KubeObject>>): ExistingReplica[] {
  const replicas: (ExistingReplica & { key: string })[] = [];
  for (const [key, object] of Object.entries(observed)) {
    if (!isModelReplica(object)) continue;
    const name = typeof object.metadata?.name === 'string' ? object.metadata.name : '';
    const clusterName = isRecord(object.spec) ? object.spec.clusterName : undefined;
    const replica: ExistingReplica & { key: string } = {
      name,
      key,
      cluster: typeof clusterName === 'string' ? clusterName : '',
      ready: isReadyTrue(object),
      spec: object.spec,
      observed: object,
    };
    const index = parseReplicaIndex(object.metadata?.labels?.[LABEL_REPLICA_INDEX]);
    if (index !== undefined) replica.index = index;
    replicas.push(replica);
  }
  // Names are unique among composed resources of one kind; should two ever collide, the key (unique)
  // decides, so the order never depends on the observed map's iteration order.
  return replicas.sort((a, b) => compareStrings(a.name, b.name) || compareStrings(a.key, b.key));
}

export interface ForeignReplicas {
  charges: Charge[];
  /** One message per malformed foreign ModelReplica, naming the object and the fields. */
  warnings: string[];
}

function objectName(object: KubeObject): { namespace: string; name: string } {
  const namespace = object.metadata?.namespace;
  const name = object.metadata?.name;
  return { namespace: typeof namespace === 'string' ? namespace : '', name: typeof name === 'string' ? name : '' };
}

function identityOf(namespace: string, name: string): string {
  return JSON.stringify([namespace, name]);
}

/**
 * What every other ModelReplica of the fleet consumes. Entries with the namespace and name of one of
 * this deployment's observed replicas are skipped, so nothing is charged twice. A malformed replica
 * is charged for what can be read and named in a warning.
 */
export function foreignCharges(
  items: readonly KubeObject[],
  own: readonly ExistingReplica[],
  namespace: string,
): ForeignReplicas {
  const owned = new Set(
    own.map((r) => {
      const ns = r.observed.metadata?.namespace;
      return identityOf(typeof ns === 'string' ? ns : namespace, r.name);
    }),
  );
  const foreign = items
    .filter((item) => isModelReplica(item))
    .map((item) => ({ item, ...objectName(item) }))
    .filter(({ namespace: ns, name }) => !owned.has(identityOf(ns, name)))
    .sort(
      (a, b) =>
        compareStrings(a.namespace, b.namespace) ||
        compareStrings(a.name, b.name) ||
        compareStrings(JSON.stringify(a.item), JSON.stringify(b.item)),
    );
  const charges: Charge[] = [];
  const warnings: string[] = [];
  let previous: string | undefined;
  for (const { item, namespace: ns, name } of foreign) {
    // The API server never lists one object twice; if a list does, charging it twice would be wrong.
    const identity = identityOf(ns, name);
    if (identity === previous) continue;
    previous = identity;
    const clusterName = isRecord(item.spec) ? item.spec.clusterName : undefined;
    const result = replicaCharges(item.spec, typeof clusterName === 'string' ? clusterName : '');
    charges.push(...result.charges);
    if (result.problems.length > 0) {
      warnings.push(`ModelReplica ${ns}/${name} is malformed: ${result.problems.join('; ')}; charging what can be read`);
    }
  }
  return { charges, warnings };
}
