// The capacity ledger (scheduling.md, "Cost and capacity"): free nodes per (cluster, pool) =
// published capacity − what every replica pinned there consumes. Charges to a cluster or pool the
// ledger was not given are ignored: such a replica occupies nothing the scheduler could hand out.
// The schedule gives it the selected clusters only (state.ts): no other balance is ever read.
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
  /** First view per cluster name. */
  private readonly views = new Map<string, ClusterView>();
  /**
   * Balances are built on first read, as most clusters are never read: until then a cluster's
   * charges (nodes negative for a release) wait here. Charges arrive in no particular cluster order,
   * and building balances as they come would walk the whole fleet's published pools.
   */
  private readonly pending = new Map<string, Charge[]>();
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
    const balance = this.balance(cluster);
    if (balance === undefined) return { free: [] };
    return { free: balance.capacity.map((capacity, p) => capacity - balance.used[p]!) };
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
    for (const charge of this.pending.get(cluster) ?? []) apply(balance, charge.pool, charge.nodes);
    this.pending.delete(cluster);
    return balance;
  }

  private add(charge: Charge, nodes: number): void {
    if (nodes === 0) return;
    const balance = this.balances.get(charge.cluster);
    if (balance !== undefined) {
      apply(balance, charge.pool, nodes);
      return;
    }
    if (!this.views.has(charge.cluster)) return;
    const waiting = this.pending.get(charge.cluster);
    const signed = nodes === charge.nodes ? charge : { ...charge, nodes };
    if (waiting === undefined) this.pending.set(charge.cluster, [signed]);
    else waiting.push(signed);
  }
}

function apply(balance: ClusterBalance, pool: string, nodes: number): void {
  const p = balance.pools.get(pool);
  if (p !== undefined) balance.used[p]! += nodes;
}

function nonNegative(value: number | undefined): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
}
