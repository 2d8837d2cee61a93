// The schedule (scheduling.md, "The schedule"): retain what still holds, re-place what went stale,
// scale down, check the capacity of retained replicas, fill, and report. A pure function of its
// input: no clock, no randomness, and the same answer for any order of the input lists.
import type { ModelReplicaSpec } from '../../api/types.js';
import { compareStrings } from '../../values.js';
import { replicaName } from '../compose.js';
import { shapeCharges, shapePlacements } from './cost.js';
import { condenseReasons, describeStale, unschedulableList } from './explain.js';
import { distinctObjects, type ComposedIdentity, type Identities } from './identity.js';
import type { Ledger } from './ledger.js';
import { readReplicaShape, type ReplicaShape } from './replica-shape.js';
import { placementHolds, type StaleReason } from './retain.js';
import { ScheduleState, isPlaceable, type Kept } from './state.js';
import type { Charge, ExistingReplica, Overcommit, ScheduleInput, ScheduleOutput, StaleNotReplaced } from './types.js';

/** A stale replica waiting for its turn to be re-placed; until then it still runs and is charged. */
interface Stale {
  existing: ExistingReplica;
  shape: ReplicaShape;
  reason: StaleReason;
  /** The (cluster, index) identity it holds; undefined when its index is missing or taken. */
  index: number | undefined;
  /** At the shape it carries. */
  charges: Charge[];
  /** Every name and key it may yet be composed under: as observed, or in place at its index. */
  identities: ComposedIdentity[];
}

/**
 * Who holds each (cluster, index) that existing replicas claim. The object a replica at that index
 * is composed as (the one with its name or key) holds it whatever its own labels say: another
 * claimant would overwrite that object, which may still be kept as observed under the same name.
 * Without such an object, the first claimant in name order holds it.
 */
function indexHolders(objects: readonly ExistingReplica[], identities: Identities): Map<string, ExistingReplica> {
  const holders = new Map<string, ExistingReplica>();
  for (const replica of objects) {
    if (replica.index === undefined) continue;
    const slot = JSON.stringify([replica.cluster, replica.index]);
    if (!holders.has(slot)) holders.set(slot, identities.objectAt(replica.cluster, replica.index) ?? replica);
  }
  return holders;
}

/**
 * Step 1. Keeps each existing replica whose placement still holds, in name order, if it holds its
 * (cluster, index) (see indexHolders), and returns the stale ones, still charged and still holding
 * their names and keys.
 */
function retain(state: ScheduleState, objects: readonly ExistingReplica[]): Stale[] {
  const stale: Stale[] = [];
  const holders = indexHolders(objects, state.identities);
  for (const replica of objects) {
    const view = state.views.get(replica.cluster);
    const shape = readReplicaShape(replica.spec);
    const charges = shapeCharges(shape, replica.cluster);
    let index: number | undefined;
    let identityLost: StaleReason | undefined = { kind: 'noIndex' };
    if (replica.index !== undefined) {
      const holder = holders.get(JSON.stringify([replica.cluster, replica.index]))!;
      if (holder === replica) {
        index = replica.index;
        identityLost = undefined;
      } else {
        identityLost = { kind: 'duplicateIndex', cluster: replica.cluster, index: replica.index, holder: holder.name };
      }
    }
    const markStale = (reason: StaleReason): void => {
      const asObserved = state.identities.observed(replica, index);
      const identities = index === undefined ? [asObserved] : [asObserved, state.identities.slot(replica.cluster, index)];
      stale.push({ existing: replica, shape, reason, index, charges, identities });
    };
    if (view === undefined) {
      markStale({ kind: 'clusterDeleted', cluster: replica.cluster });
    } else if (!view.selected) {
      markStale({ kind: 'notSelected', cluster: replica.cluster });
    } else if (identityLost !== undefined || index === undefined) {
      markStale(identityLost ?? { kind: 'noIndex' });
    } else if (view.malformed !== undefined) {
      // Its pools cannot be read, so its placement cannot be checked: keep it exactly as observed.
      state.keep({
        cluster: view.name,
        index,
        spec: replica.spec as ModelReplicaSpec,
        engines: shapePlacements(shape),
        origin: 'keptAsObserved',
        from: replica,
        ready: replica.ready,
        staleKept: false,
        charges,
      });
    } else {
      const analysis = state.matching.analyze(view);
      const holding = placementHolds(shape, analysis);
      if (holding.holds) {
        const nodes = analysis.engines.map((engine) => engine.cost);
        state.keepOn(view, index, holding.fits, nodes, { origin: 'retained', from: replica, ready: replica.ready });
      } else {
        markStale(holding.reason);
      }
    }
  }
  for (const s of stale) state.hold(s.existing.cluster, s.index, s.charges, s.identities);
  return stale;
}

/**
 * Step 2. Re-places stale replicas one at a time in name order: first in place (same cluster and
 * index, so the same name), else by the fill rule. When nothing fits, a replica whose cluster still
 * exists keeps running exactly as observed; one whose cluster is gone is dropped.
 */
function replaceStale(state: ScheduleState, stale: readonly Stale[]): StaleNotReplaced[] {
  const notReplaced: StaleNotReplaced[] = [];
  for (const s of stale) {
    const { existing } = s;
    state.release(existing.cluster, s.index, s.charges, s.identities);
    const home = state.views.get(existing.cluster);
    if (s.index !== undefined && home !== undefined && isPlaceable(home)) {
      const placement = state.placementOn(home);
      if (placement.fits) {
        state.keepPlacement(home, s.index, placement, { origin: 'replaced', from: existing, ready: existing.ready });
        continue;
      }
    }
    const chosen = state.chooseCluster();
    if (chosen !== undefined) {
      const index = state.lowestFreeIndex(chosen.view.name);
      state.keepPlacement(chosen.view, index, chosen.placement, { origin: 'replaced', from: existing, ready: false });
      continue;
    }
    const reasons = state.recordMiss();
    if (home === undefined) continue;
    state.keep({
      cluster: existing.cluster,
      index: s.index ?? state.lowestFreeIndex(existing.cluster),
      spec: existing.spec as ModelReplicaSpec,
      engines: shapePlacements(s.shape),
      origin: 'keptAsObserved',
      from: existing,
      ready: existing.ready,
      staleKept: true,
      charges: s.charges,
    });
    notReplaced.push({ replica: existing.name, cluster: existing.cluster, reason: `${describeStale(s.reason)}; no replacement fits: ${reasons}` });
  }
  return notReplaced;
}

/**
 * Step 4. Drops replicas one at a time until `target` remain, recomputing after each drop: first
 * a replica that is not Ready or whose cluster is not Ready, then a stale replica kept as observed,
 * then the one on the cluster holding most of this deployment's replicas, then the later cluster
 * name, then the higher index.
 */
function scaleDown(state: ScheduleState, target: number): void {
  const tier = (replica: Kept): number => {
    if (!replica.ready || !(state.views.get(replica.cluster)?.ready ?? false)) return 0;
    return replica.staleKept ? 1 : 2;
  };
  const dropsFirst = (a: Kept, b: Kept): boolean =>
    (tier(a) - tier(b) ||
      state.count(b.cluster) - state.count(a.cluster) ||
      compareStrings(b.cluster, a.cluster) ||
      b.index - a.index) < 0;
  while (state.kept.length > target) {
    let drop = 0;
    for (let i = 1; i < state.kept.length; i++) if (dropsFirst(state.kept[i]!, state.kept[drop]!)) drop = i;
    state.drop(drop);
  }
}

/**
 * Step 3, on what is finally kept: a retained replica whose new shape no longer fits its pool stays
 * where it is and is reported. Retained replicas are taken in name order against everything else on
 * the pool, so the report names the ones that tip it over.
 */
function findOvercommits(deployment: string, kept: readonly Kept[], ledger: Ledger): Overcommit[] {
  // Named as composed now: a retained replica observed under another name is composed under its
  // slot's name, and reporting the old one would change the message between two reconciles.
  const retained = kept
    .filter((k) => k.origin === 'retained')
    .map((k) => ({ ...k, name: replicaName(deployment, k.cluster, k.index) }))
    .sort((a, b) => compareStrings(a.name, b.name));
  const poolKey = (c: Charge): string => JSON.stringify([c.cluster, c.pool]);
  // Free nodes on each pool before any retained replica is charged.
  const free = new Map<string, number>();
  for (const replica of retained) {
    for (const charge of replica.charges) {
      const key = poolKey(charge);
      free.set(key, (free.get(key) ?? ledger.free(charge.cluster, charge.pool)) + charge.nodes);
    }
  }
  const overcommits: Overcommit[] = [];
  for (const replica of retained) {
    for (const charge of replica.charges) {
      const key = poolKey(charge);
      const available = free.get(key)!;
      if (charge.nodes > available) {
        overcommits.push({ replica: replica.name, cluster: charge.cluster, pool: charge.pool, need: charge.nodes, free: Math.max(0, available) });
      }
      free.set(key, available - charge.nodes);
    }
  }
  return overcommits;
}

/** Step 5. Places new replicas by the fill rule until `target` are kept or nothing fits. */
function fill(state: ScheduleState, target: number): void {
  while (state.kept.length < target) {
    const chosen = state.chooseCluster();
    if (chosen === undefined) {
      state.recordMiss();
      return;
    }
    state.keepPlacement(chosen.view, state.lowestFreeIndex(chosen.view.name), chosen.placement, { origin: 'placed', ready: false });
  }
}

export function schedule(input: ScheduleInput): ScheduleOutput {
  const target = Math.max(0, Math.floor(Number.isFinite(input.spec.replicas) ? input.spec.replicas : 0));
  const objects = distinctObjects(input.existing);
  const state = new ScheduleState(input, objects);
  const stale = retain(state, objects);
  const notReplaced = replaceStale(state, stale);
  scaleDown(state, target);
  // A stale replica that scale-down removed is no longer one that could not be re-placed.
  const stillKept = new Set(state.kept.map((k) => k.from?.name));
  const staleNotReplaced = notReplaced.filter((s) => stillKept.has(s.replica));
  const overcommitted = findOvercommits(input.deployment.name, state.kept, state.ledger);
  fill(state, target);

  // Step 6: output sorted by (cluster, index).
  const kept = [...state.kept].sort((a, b) => compareStrings(a.cluster, b.cluster) || a.index - b.index);
  const shortfall = Math.max(0, target - kept.length);
  const explained = shortfall > 0 || staleNotReplaced.length > 0 ? state.lastMiss() : undefined;
  return {
    replicas: kept.map((k) => ({
      cluster: k.cluster,
      index: k.index,
      spec: k.spec,
      engines: k.engines,
      origin: k.origin,
      ...(k.from !== undefined && { from: k.from }),
    })),
    shortfall,
    unschedulable: explained === undefined ? [] : unschedulableList(explained),
    condensedReasons: explained === undefined ? '' : condenseReasons(explained),
    staleNotReplaced,
    overcommitted,
  };
}
