// The names and keys replicas are composed under, and which of them the schedule has taken. A
// replica at (cluster, index) is composed as `hashName(deployment, cluster, index)`; a replica kept
// exactly as observed keeps its observed name. Either is keyed by the key an object of that name was
// observed under, else `replica-<cluster>-<index>` (compose.ts). Two output replicas sharing a name
// or a key would collapse into one desired resource and Crossplane would delete the other's object,
// so every index handed out must compose to a name and key nobody else in the output uses.
import { compareStrings } from '../../values.js';
import { replicaKey, replicaName } from '../compose.js';
import type { ExistingReplica } from './types.js';

/** The name and desired key a replica is composed under (key undefined: decided by its index later). */
export interface ComposedIdentity {
  name: string;
  key: string | undefined;
}

/**
 * The existing replicas that are distinct objects, sorted by name (then key, cluster, index,
 * content). A later entry repeating the name or the key of an earlier one is the same object (or
 * the same observed resource) listed again: counting it twice would compose it twice.
 */
export function distinctObjects(existing: readonly ExistingReplica[]): ExistingReplica[] {
  const sorted = [...existing].sort(
    (a, b) =>
      compareStrings(a.name, b.name) ||
      compareStrings(a.key ?? '', b.key ?? '') ||
      compareStrings(a.cluster, b.cluster) ||
      (a.index ?? -1) - (b.index ?? -1) ||
      compareStrings(JSON.stringify(a.observed), JSON.stringify(b.observed)),
  );
  const names = new Set<string>();
  const keys = new Set<string>();
  return sorted.filter((replica) => {
    const repeated = names.has(replica.name) || (replica.key !== undefined && keys.has(replica.key));
    names.add(replica.name);
    if (replica.key !== undefined) keys.add(replica.key);
    return !repeated;
  });
}

function increment(counts: Map<string, number>, value: string, by: number): void {
  const count = (counts.get(value) ?? 0) + by;
  if (count === 0) counts.delete(value);
  else counts.set(value, count);
}

export class Identities {
  /** Per observed name, the key compose.ts keys it by: the first in code-unit order. */
  private readonly keysByName = new Map<string, string>();
  /** Per name, the existing object of that name; per key, the existing object observed under it. */
  private readonly objectsByName = new Map<string, ExistingReplica>();
  private readonly objectsByKey = new Map<string, ExistingReplica>();
  /** Names and keys in use, counted: a replica held while its turn comes may also be kept later. */
  private readonly takenNames = new Map<string, number>();
  private readonly takenKeys = new Map<string, number>();

  /** `objects` as distinctObjects returns them. */
  constructor(
    private readonly deployment: string,
    objects: readonly ExistingReplica[],
  ) {
    for (const object of objects) {
      this.objectsByName.set(object.name, object);
      if (object.key === undefined) continue;
      this.objectsByKey.set(object.key, object);
      const known = this.keysByName.get(object.name);
      if (known === undefined || object.key < known) this.keysByName.set(object.name, object.key);
    }
  }

  /** How a replica placed (or retained) at (cluster, index) is composed. */
  slot(cluster: string, index: number): ComposedIdentity & { key: string } {
    const name = replicaName(this.deployment, cluster, index);
    return { name, key: this.keysByName.get(name) ?? replicaKey(cluster, index) };
  }

  /**
   * How an existing replica kept exactly as observed is composed; `index` is the one the schedule
   * gives it (its own, or for one that lost its identity, the lowest free index of its cluster).
   */
  observed(replica: ExistingReplica, index: number | undefined): ComposedIdentity {
    const key = this.keysByName.get(replica.name) ?? (index === undefined ? undefined : replicaKey(replica.cluster, index));
    return { name: replica.name, key };
  }

  /**
   * The existing object that a replica at (cluster, index) would be composed as, whatever that
   * object's own labels say: the one with the slot's name, else the one observed under its key.
   */
  objectAt(cluster: string, index: number): ExistingReplica | undefined {
    const slot = this.slot(cluster, index);
    return this.objectsByName.get(slot.name) ?? this.objectsByKey.get(slot.key);
  }

  take(identities: readonly ComposedIdentity[]): void {
    this.count(identities, 1);
  }

  give(identities: readonly ComposedIdentity[]): void {
    this.count(identities, -1);
  }

  /** Neither the name nor the key is in use. */
  isFree(identity: ComposedIdentity): boolean {
    return !this.takenNames.has(identity.name) && (identity.key === undefined || !this.takenKeys.has(identity.key));
  }

  private count(identities: readonly ComposedIdentity[], by: number): void {
    for (const identity of identities) {
      increment(this.takenNames, identity.name, by);
      if (identity.key !== undefined) increment(this.takenKeys, identity.key, by);
    }
  }
}
