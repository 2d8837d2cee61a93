// Placing one replica on one cluster (scheduling.md, "Placing one replica on one cluster", step 3):
// a depth-first search over engine→pool assignments, engines in deployment order and pools in
// published order, against a trial copy of the cluster's free nodes. The first complete assignment
// wins, so when greedy first-fit succeeds the answer is the greedy one.
import type { ClusterAnalysis, EngineAnalysis, EngineProblem, PoolFit } from './matching.js';
import type { Trial } from './ledger.js';
import type { Charge, ClusterView } from './types.js';

/** Partial assignments the search may expand per (replica, cluster). */
export const SEARCH_BUDGET = 10_000;

export interface EngineAssignment {
  engine: EngineAnalysis;
  fit: PoolFit;
  /** The engine's node cost on the pool. */
  nodes: number;
}

export interface PoolFree {
  pool: string;
  free: number;
}

/** Why a replica does not fit a cluster, as data; explain.ts turns it into words. */
export type PlacementRefusal =
  /** The engine fits no pool of the cluster even with capacity ignored. */
  | { kind: 'engine'; engine: string; problem: EngineProblem }
  /** Every pool the engine fits has fewer free nodes than it needs. */
  | { kind: 'capacity'; engine: string; need: number; pools: PoolFree[] }
  /** Each engine fits some pool on its own, but no assignment fits them all at once. */
  | { kind: 'together'; engines: { name: string; need: number; pools: string[] }[]; free: PoolFree[] }
  /** The search expanded `limit` partial assignments without an answer; the cluster is skipped. */
  | { kind: 'budget'; limit: number };

export type Placement =
  | { fits: true; engines: EngineAssignment[]; expanded: number }
  | { fits: false; refusal: PlacementRefusal; expanded: number };

/** What a placement charges on its cluster, one entry per pool (pools in first-use order). */
export function placementCharges(cluster: string, engines: readonly { fit: { pool: string }; nodes: number }[]): Charge[] {
  const byPool = new Map<string, number>();
  for (const { fit, nodes } of engines) byPool.set(fit.pool, (byPool.get(fit.pool) ?? 0) + nodes);
  return [...byPool].map(([pool, nodes]) => ({ cluster, pool, nodes }));
}

/** Free nodes of the pools some engine fits, in published order (each pool once). */
function freeOf(cluster: ClusterView, free: readonly number[], engines: readonly EngineAnalysis[]): PoolFree[] {
  const listed = cluster.pools.map(() => false);
  for (const engine of engines) for (const fit of engine.fits) listed[fit.poolIndex] = true;
  return cluster.pools.flatMap((pool, p) => (listed[p] ? [{ pool: pool.name, free: Math.max(0, free[p]!) }] : []));
}

/**
 * Depth-first engine→pool search with backtracking. Pruned by remaining capacity (an engine only
 * goes where its cost fits; after each step every remaining engine must still have such a pool and
 * their total cost must fit the free nodes of the pools they could use) and by symmetry (a pool
 * whose free nodes and suitability for the remaining engines equal those of a pool that already
 * failed at this step would fail the same way). Neither pruning skips a complete assignment, so the
 * first one found is the first in search order.
 */
class Search {
  expanded = 0;
  exhausted = false;
  private readonly chosen: PoolFit[] = [];
  /** suitability[p]: for each engine, '1' when pool p is one it fits. */
  private readonly suitability: string[];

  constructor(
    private readonly engines: readonly EngineAnalysis[],
    private readonly free: number[],
    private readonly budget: number,
  ) {
    this.suitability = free.map((_, p) => engines.map((e) => (e.fits.some((f) => f.poolIndex === p) ? '1' : '0')).join(''));
  }

  run(): PoolFit[] | undefined {
    return this.remainingFeasible(0) && this.extend(0) ? this.chosen : undefined;
  }

  private extend(i: number): boolean {
    if (i === this.engines.length) return true;
    const engine = this.engines[i]!;
    const failed = new Set<string>();
    for (const fit of engine.fits) {
      const p = fit.poolIndex;
      const before = this.free[p]!;
      if (before < engine.cost) continue;
      const signature = `${before}:${this.suitability[p]!.slice(i + 1)}`;
      if (failed.has(signature)) continue;
      if (this.expanded >= this.budget) {
        this.exhausted = true;
        return false;
      }
      this.expanded++;
      this.free[p] = before - engine.cost;
      this.chosen[i] = fit;
      if (this.remainingFeasible(i + 1) && this.extend(i + 1)) return true;
      this.free[p] = before;
      if (this.exhausted) return false;
      failed.add(signature);
    }
    return false;
  }

  private remainingFeasible(from: number): boolean {
    let need = 0;
    const usable = new Set<number>();
    for (let j = from; j < this.engines.length; j++) {
      const engine = this.engines[j]!;
      let any = false;
      for (const fit of engine.fits) {
        if (this.free[fit.poolIndex]! >= engine.cost) {
          any = true;
          usable.add(fit.poolIndex);
        }
      }
      if (!any) return false;
      need += engine.cost;
    }
    let available = 0;
    for (const p of usable) available += this.free[p]!;
    return available >= need;
  }
}

/** Places one replica on the cluster the analysis describes, against a trial copy of its balance. */
export function placeReplica(analysis: ClusterAnalysis, trial: Trial, budget: number = SEARCH_BUDGET): Placement {
  const { cluster, engines } = analysis;
  for (const engine of engines) {
    if (engine.problem !== undefined) {
      return { fits: false, refusal: { kind: 'engine', engine: engine.plan.name, problem: engine.problem }, expanded: 0 };
    }
  }
  const free = trial.free;
  for (const engine of engines) {
    if (engine.fits.some((fit) => free[fit.poolIndex]! >= engine.cost)) continue;
    const pools = engine.fits.map((fit) => ({ pool: fit.pool, free: Math.max(0, free[fit.poolIndex]!) }));
    return { fits: false, refusal: { kind: 'capacity', engine: engine.plan.name, need: engine.cost, pools }, expanded: 0 };
  }
  const search = new Search(engines, [...free], budget);
  const chosen = search.run();
  if (chosen !== undefined) {
    const assignments = engines.map((engine, i) => ({ engine, fit: chosen[i]!, nodes: engine.cost }));
    return { fits: true, engines: assignments, expanded: search.expanded };
  }
  if (search.exhausted) return { fits: false, refusal: { kind: 'budget', limit: budget }, expanded: search.expanded };
  const refusal: PlacementRefusal = {
    kind: 'together',
    engines: engines.map((engine) => ({
      name: engine.plan.name,
      need: engine.cost,
      pools: engine.fits.filter((fit) => free[fit.poolIndex]! >= engine.cost).map((fit) => fit.pool),
    })),
    free: freeOf(cluster, free, engines),
  };
  return { fits: false, refusal, expanded: search.expanded };
}
