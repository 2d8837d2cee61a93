// The capacity ledger (scheduling.md, "Cost and capacity"): free nodes per (cluster, pool) =
// published capacity − what every replica pinned there consumes. Charges to a cluster or pool the
// fleet does not publish are ignored: such a replica occupies nothing the scheduler could hand out.
import type { Charge, ClusterView } from './types.js';

interface ClusterBalance {
  /** Pool name → index into capacity/used. */
  pools: Map<string, number>;
  capacity: number[];
  used: number[];
}

/**
 * A scratch copy of one cluster's free nodes for trying a placement: it is discarded unless the whole
 * replica fits, and only then committed to the ledger. Copies one small array, never the fleet.
 */
export interface Trial {
  /** Free nodes per pool, indexed like the cluster's published pools. */
  free: number[];
}

export class Ledger {
  /** First view per cluster name; balances are built on first use, as most clusters are never charged. */
  private readonly views = new Map<string, ClusterView>();
  private readonly balances = new Map<string, ClusterBalance>();

  constructor(clusters: readonly ClusterView[]) {
    for (const cluster of clusters) if (!this.views.has(cluster.name)) this.views.set(cluster.name, cluster);
  }

  charge(charge: Charge): void {
    this.add(charge, charge.nodes);
  }

  release(charge: Charge): void {
    this.add(charge, -charge.nodes);
  }

  /** Free nodes on a pool; 0 for a pool or cluster the fleet does not publish. May be negative when overcommitted. */
  free(cluster: string, pool: string): number {
    const balance = this.balance(cluster);
    const p = balance?.pools.get(pool);
    return balance === undefined || p === undefined ? 0 : balance.capacity[p]! - balance.used[p]!;
  }

  trial(cluster: string): Trial {
    const view = this.views.get(cluster);
    if (view === undefined) return { free: [] };
    const balance = this.balances.get(cluster);
    return { free: view.pools.map((pool, p) => nonNegative(pool.nodes) - (balance?.used[p] ?? 0)) };
  }

  private balance(cluster: string): ClusterBalance | undefined {
    let balance = this.balances.get(cluster);
    if (balance !== undefined) return balance;
    const view = this.views.get(cluster);
    if (view === undefined) return undefined;
    const pools = new Map<string, number>();
    view.pools.forEach((pool, p) => {
      if (!pools.has(pool.name)) pools.set(pool.name, p);
    });
    const capacity = view.pools.map((pool) => nonNegative(pool.nodes));
    balance = { pools, capacity, used: capacity.map(() => 0) };
    this.balances.set(cluster, balance);
    return balance;
  }

  private add(charge: Charge, nodes: number): void {
    if (nodes === 0) return;
    const balance = this.balance(charge.cluster);
    const p = balance?.pools.get(charge.pool);
    if (balance === undefined || p === undefined) return;
    balance.used[p]! += nodes;
  }
}

function nonNegative(value: number | undefined): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
}
