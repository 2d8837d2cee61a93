// The mutable state of one schedule call: the ledger, this deployment's replicas per cluster, the
// names and keys they are composed under, the replicas kept so far, and the per-cluster answers to
// "does one more replica fit here?". The steps in schedule.ts drive it; every change to a cluster's
// balance or replica count goes through here, so cached answers and the fill-rule queue stay in step
// with it.
import type { ModelReplicaSpec } from '../../api/types.js';
import { compareStrings } from '../../values.js';
import { composeReplicaSpec } from './compose.js';
import { condenseReasons, refusalSummary, type ClusterReason, type StatusRefusal } from './explain.js';
import { Identities, type ComposedIdentity } from './identity.js';
import { Ledger } from './ledger.js';
import { MatchCache, type PoolFit } from './matching.js';
import { planDeployment } from './plan.js';
import { placeReplica, placementCharges, type Placement } from './placement.js';
import { SpreadQueue } from './spread-queue.js';
import type { Charge, ClusterView, EnginePlacement, ExistingReplica, ScheduleInput, ScheduledReplica } from './types.js';

/** A replica the schedule keeps (in the output), with what it charges and what scale-down needs. */
export interface Kept {
  cluster: string;
  index: number;
  spec: ModelReplicaSpec;
  engines: EnginePlacement[];
  origin: ScheduledReplica['origin'];
  from?: ExistingReplica;
  /** Its ModelReplica is observed Ready=True (a replica under a new name is not). */
  ready: boolean;
  /** A stale replica kept exactly as observed because no replacement fits. */
  staleKept: boolean;
  charges: Charge[];
}

type Fit = Placement & { fits: true };

/** This deployment's replicas per cluster: how many, and which indices are in use. */
class Occupancy {
  private readonly counts = new Map<string, number>();
  private readonly indices = new Map<string, Set<number>>();

  count(cluster: string): number {
    return this.counts.get(cluster) ?? 0;
  }

  add(cluster: string, index: number | undefined): void {
    this.counts.set(cluster, this.count(cluster) + 1);
    if (index !== undefined) this.indexSet(cluster).add(index);
  }

  remove(cluster: string, index: number | undefined): void {
    this.counts.set(cluster, this.count(cluster) - 1);
    if (index !== undefined) this.indexSet(cluster).delete(index);
  }

  uses(cluster: string, index: number): boolean {
    return this.indices.get(cluster)?.has(index) ?? false;
  }

  private indexSet(cluster: string): Set<number> {
    let set = this.indices.get(cluster);
    if (set === undefined) {
      set = new Set();
      this.indices.set(cluster, set);
    }
    return set;
  }
}

/** Why a selected cluster takes no new replica whatever its pools: its own state. */
function statusRefusal(view: ClusterView): StatusRefusal | undefined {
  if (view.terminating) return { kind: 'status', status: 'terminating' };
  if (view.malformed !== undefined) return { kind: 'status', status: 'malformed', detail: view.malformed };
  if (!view.ready) return { kind: 'status', status: 'notReady' };
  if (view.gatewayAddress === undefined) return { kind: 'status', status: 'noGateway' };
  return undefined;
}

/** Selected, Ready, with a gateway address, not terminating and well-formed. */
export function isPlaceable(view: ClusterView): boolean {
  return view.selected && statusRefusal(view) === undefined;
}

/** Cluster views by name, sorted; should a name appear twice, the copy sorting first by content wins. */
function uniqueSortedClusters(clusters: readonly ClusterView[]): ClusterView[] {
  const sorted = [...clusters].sort(
    (a, b) => compareStrings(a.name, b.name) || compareStrings(JSON.stringify(a), JSON.stringify(b)),
  );
  return sorted.filter((view, i) => i === 0 || sorted[i - 1]!.name !== view.name);
}

function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class ScheduleState {
  readonly spec: ScheduleInput['spec'];
  /** Sorted by name, one per name. */
  readonly clusters: ClusterView[];
  readonly views: ReadonlyMap<string, ClusterView>;
  readonly matching: MatchCache;
  readonly ledger: Ledger;
  readonly identities: Identities;
  readonly kept: Kept[] = [];

  private readonly engineNames: string[];
  private readonly occupancy = new Occupancy();
  private readonly queue: SpreadQueue;
  /** Per cluster: the last answer to "does one more replica fit?" and the free nodes it was given. */
  private readonly answers = new Map<string, { free: number[]; placement: Placement }>();
  /**
   * Per selected cluster, why nothing fit at the most recent miss (with the reason's summary, which
   * is all the condensed text depends on); kept up to date incrementally.
   */
  private missReasons: Map<string, { reason: ClusterReason; summary: string }> | undefined;
  /** Clusters whose balance or count changed since the reasons were last brought up to date. */
  private readonly changedSinceMiss = new Set<string>();
  private missSummary: string | undefined;

  /** `objects`: the existing replicas as distinctObjects returns them. */
  constructor(input: ScheduleInput, objects: readonly ExistingReplica[]) {
    this.spec = input.spec;
    this.clusters = uniqueSortedClusters(input.clusters);
    const views = new Map<string, ClusterView>();
    // Only a selected cluster can take or keep a replica by its pools, so only selected clusters have
    // a balance: charges elsewhere are dropped at once.
    const selected: ClusterView[] = [];
    for (const view of this.clusters) {
      views.set(view.name, view);
      if (view.selected) selected.push(view);
    }
    this.views = views;
    const plan = planDeployment(input.spec);
    this.engineNames = plan.engines.map((engine) => engine.name);
    this.matching = new MatchCache(plan);
    this.ledger = new Ledger(selected);
    this.identities = new Identities(input.deployment.name, objects);
    for (const charge of input.foreignCharges) this.ledger.charge(charge);
    this.queue = new SpreadQueue(
      selected.filter(isPlaceable).map((view) => view.name),
      (cluster) => this.occupancy.count(cluster),
    );
  }

  /** This deployment's replicas on the cluster (kept, or stale and not yet re-placed). */
  count(cluster: string): number {
    return this.occupancy.count(cluster);
  }

  /**
   * The lowest non-negative index not in use on the cluster (a dropped replica's index is reusable)
   * whose composed name and key no replica in the output, or still waiting for its turn, uses.
   */
  lowestFreeIndex(cluster: string): number {
    let index = 0;
    while (this.occupancy.uses(cluster, index) || !this.identities.isFree(this.identities.slot(cluster, index))) index++;
    return index;
  }

  /**
   * Whether one more replica of the current spec fits the cluster. The answer depends only on the
   * cluster's free nodes, so it is reused for as long as they are the same.
   */
  placementOn(view: ClusterView): Placement {
    const trial = this.ledger.trial(view.name);
    const cached = this.answers.get(view.name);
    if (cached !== undefined && sameNumbers(cached.free, trial.free)) return cached.placement;
    const placement = placeReplica(this.matching.analyze(view), trial);
    this.answers.set(view.name, { free: trial.free, placement });
    return placement;
  }

  /**
   * The fill rule: among placeable clusters where one more replica fits, the one holding the fewest
   * of this deployment's replicas, then the earliest name. A refused cluster leaves the queue until
   * its balance or count changes (see changed()), since until then it would be refused again.
   */
  chooseCluster(): { view: ClusterView; placement: Fit } | undefined {
    for (let name = this.queue.pop(); name !== undefined; name = this.queue.pop()) {
      const view = this.views.get(name)!;
      const placement = this.placementOn(view);
      if (placement.fits) {
        this.queue.touch(name);
        return { view, placement };
      }
    }
    return undefined;
  }

  /**
   * Counts a replica that is not kept yet but still runs (a stale one awaiting its turn), with every
   * name and key it may yet be composed under.
   */
  hold(cluster: string, index: number | undefined, charges: readonly Charge[], identities: readonly ComposedIdentity[]): void {
    for (const charge of charges) this.ledger.charge(charge);
    this.occupancy.add(cluster, index);
    this.identities.take(identities);
    this.changed(cluster, charges);
  }

  /** Stops counting a held replica. */
  release(cluster: string, index: number | undefined, charges: readonly Charge[], identities: readonly ComposedIdentity[]): void {
    for (const charge of charges) this.ledger.release(charge);
    this.occupancy.remove(cluster, index);
    this.identities.give(identities);
    this.changed(cluster, charges);
  }

  keep(replica: Kept): void {
    this.hold(replica.cluster, replica.index, replica.charges, [this.composedAs(replica)]);
    this.kept.push(replica);
  }

  /** Keeps a replica on `fits` (one pool per engine, in deployment order) with the current spec. */
  keepOn(
    view: ClusterView,
    index: number,
    fits: readonly PoolFit[],
    nodes: readonly number[],
    kept: Pick<Kept, 'origin' | 'from' | 'ready'>,
  ): void {
    this.keep({
      cluster: view.name,
      index,
      spec: composeReplicaSpec(this.spec, view.name, fits),
      engines: fits.map((fit, e) => ({ name: this.engineNames[e]!, pool: fit.pool, nodes: nodes[e]! })),
      ...kept,
      staleKept: false,
      charges: placementCharges(view.name, fits.map((fit, e) => ({ fit, nodes: nodes[e]! }))),
    });
  }

  keepPlacement(view: ClusterView, index: number, placement: Fit, kept: Pick<Kept, 'origin' | 'from' | 'ready'>): void {
    this.keepOn(
      view,
      index,
      placement.engines.map((a) => a.fit),
      placement.engines.map((a) => a.nodes),
      kept,
    );
  }

  drop(position: number): void {
    const [dropped] = this.kept.splice(position, 1);
    this.release(dropped!.cluster, dropped!.index, dropped!.charges, [this.composedAs(dropped!)]);
  }

  /** The name and key the pipeline composes a kept replica under. */
  private composedAs(replica: Kept): ComposedIdentity {
    return replica.origin === 'keptAsObserved'
      ? this.identities.observed(replica.from!, replica.index)
      : this.identities.slot(replica.cluster, replica.index);
  }

  /**
   * Records a miss: nothing fits anywhere now (every placeable cluster was just refused). Brings the
   * per-cluster reasons up to date, re-asking only clusters that changed since the last miss, and
   * returns them condensed.
   */
  recordMiss(): string {
    if (this.missReasons === undefined) {
      this.missReasons = new Map();
      for (const view of this.clusters) this.updateMissReason(view);
    } else {
      for (const cluster of this.changedSinceMiss) {
        const view = this.views.get(cluster);
        if (view !== undefined) this.updateMissReason(view);
      }
    }
    this.changedSinceMiss.clear();
    this.missSummary ??= condenseReasons([...this.missReasons.values()].map((r) => r.reason));
    return this.missSummary;
  }

  /** Per selected cluster in name order, why nothing fit at the last miss; undefined if none. */
  lastMiss(): ClusterReason[] | undefined {
    if (this.missReasons === undefined) return undefined;
    return [...this.missReasons.values()].map((r) => r.reason).sort((a, b) => compareStrings(a.cluster, b.cluster));
  }

  private updateMissReason(view: ClusterView): void {
    if (!view.selected) return;
    const status = statusRefusal(view);
    const placement = status === undefined ? this.placementOn(view) : undefined;
    const refusal = status ?? (placement!.fits ? undefined : placement!.refusal);
    const previous = this.missReasons!.get(view.name);
    if (refusal === undefined) {
      if (previous !== undefined) this.missSummary = undefined;
      this.missReasons!.delete(view.name);
      return;
    }
    const summary = refusalSummary(refusal);
    if (previous?.summary !== summary) this.missSummary = undefined;
    this.missReasons!.set(view.name, { reason: { cluster: view.name, refusal }, summary });
  }

  /** A cluster's balance or count changed: queue it again for the fill rule and for the reasons. */
  private changed(cluster: string, charges: readonly Charge[]): void {
    this.queue.touch(cluster);
    this.changedSinceMiss.add(cluster);
    for (const charge of charges) {
      this.queue.touch(charge.cluster);
      this.changedSinceMiss.add(charge.cluster);
    }
  }
}
