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

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}

/** A ModelReplica of another deployment as listed, with where its charges are in the list read. */
interface Listed {
  namespace: string;
  name: string;
  /** Position in the `replicas` list: which object, and the order among copies of one object. */
  index: number;
  /** Its charges are `read[first]` up to, not including, `read[end]`. */
  first: number;
  end: number;
  /** Set when some field could not be read. */
  problems?: string[];
}

function sameObject(a: Listed, b: Listed): boolean {
  return a.namespace === b.namespace && a.name === b.name;
}

/**
 * What every other ModelReplica of the fleet consumes, in (namespace, name) order. Entries with the
 * namespace and name of one of this deployment's observed replicas are skipped, so nothing is
 * charged twice. A malformed replica is charged for what can be read and named in a warning.
 */
export function foreignCharges(
  items: readonly KubeObject[],
  own: readonly ExistingReplica[],
  namespace: string,
): ForeignReplicas {
  const ownedByNamespace = new Map<string, Set<string>>();
  for (const replica of own) {
    const ns = stringOr(replica.observed.metadata?.namespace, namespace);
    const names = ownedByNamespace.get(ns) ?? new Set<string>();
    ownedByNamespace.set(ns, names.add(replica.name));
  }
  // Replicas are read in list order, the order their objects lie in memory: for a fleet's worth of
  // them that is several times faster than reading them in (namespace, name) order. Their charges
  // go into one list; only the small entries are sorted.
  const read: Charge[] = [];
  const listed: Listed[] = [];
  items.forEach((item, index) => {
    if (!isModelReplica(item)) return;
    const ns = stringOr(item.metadata?.namespace, '');
    const name = stringOr(item.metadata?.name, '');
    if (ownedByNamespace.get(ns)?.has(name) === true) return;
    const clusterName = isRecord(item.spec) ? item.spec.clusterName : undefined;
    const { charges, problems } = replicaCharges(item.spec, stringOr(clusterName, ''));
    const entry: Listed = { namespace: ns, name, index, first: read.length, end: read.length + charges.length };
    for (const charge of charges) read.push(charge);
    if (problems.length > 0) entry.problems = problems;
    listed.push(entry);
  });
  listed.sort((a, b) => compareStrings(a.namespace, b.namespace) || compareStrings(a.name, b.name) || a.index - b.index);

  const charges: Charge[] = [];
  const warnings: string[] = [];
  let next = 0;
  while (next < listed.length) {
    // The API server never lists one object twice; if a list does, charging it twice would be wrong.
    // The copy that sorts first by content is charged, so the result does not depend on list order.
    let chosen = listed[next]!;
    for (next++; next < listed.length && sameObject(listed[next]!, chosen); next++) {
      const copy = listed[next]!;
      if (JSON.stringify(items[copy.index]) < JSON.stringify(items[chosen.index])) chosen = copy;
    }
    for (let c = chosen.first; c < chosen.end; c++) charges.push(read[c]!);
    if (chosen.problems !== undefined) {
      const problems = chosen.problems.join('; ');
      warnings.push(`ModelReplica ${chosen.namespace}/${chosen.name} is malformed: ${problems}; charging what can be read`);
    }
  }
  return { charges, warnings };
}
