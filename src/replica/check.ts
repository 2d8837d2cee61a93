// Stages 0 and 1 of the ModelReplica composition together: the XRD's verdict on the observed
// composite, then, when it passes, its reading (read-replica.ts). Both depend on the composite's
// content alone, so they are remembered by it. Crossplane calls the function at least twice per
// reconcile with the same composite (the first call asks for the cluster, the next one carries it),
// and again on every reconcile until the spec or status changes; those calls share one reading, and
// with it what is remembered per reading: the replica's names and its engines' split flags.
import { checkComposite, type Violation } from '../api/schema.js';
import type { KubeObject } from '../api/types.js';
import { LruCache, rememberedByContent } from '../lru.js';
import { readReplica } from './read-replica.js';
import type { ReplicaView } from './replica.js';

export type ReplicaCheck =
  /** The API server would not admit it as it is: it is not read. */
  | { kind: 'rejected'; violations: readonly Violation[] }
  /** Admitted, but the reader cannot compose from it (hand-written under an older XRD, say). */
  | { kind: 'unreadable'; problems: readonly string[] }
  | { kind: 'read'; replica: ReplicaView };

/**
 * The check of one observed ModelReplica. What comes back is frozen, as later calls with the same
 * content get the very same objects.
 */
export function checkReplica(composite: KubeObject): ReplicaCheck {
  return rememberedByContent(checkedReplicas, composite, () => uncachedCheck(composite));
}

function uncachedCheck(composite: KubeObject): ReplicaCheck {
  const violations = checkComposite(composite);
  if (violations.length > 0) return { kind: 'rejected', violations };
  const reading = readReplica(composite);
  return reading.ok ? { kind: 'read', replica: reading.replica } : { kind: 'unreadable', problems: reading.problems };
}

// An entry is the composite's text (a few KB) and its reading (about as much again); a fleet's
// replicas each come back within a reconcile, which is all the cache needs to serve.
const CHECKED_REPLICAS_KEPT = 1024;
const checkedReplicas = new LruCache<string, ReplicaCheck>(CHECKED_REPLICAS_KEPT);
