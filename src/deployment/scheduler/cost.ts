// What a replica costs, in nodes (scheduling.md, "Cost and capacity"). Accounting is node-granular:
// a member that claims at least one DRA device occupies one node per pod per engine copy; a member
// that claims nothing rides on the nodes its gang already occupies.
import type { Role } from '../../api/types.js';
import { compareStrings } from '../../values.js';
import { readReplicaShape, type ReplicaShape } from './replica-shape.js';
import type { Charge, EnginePlacement } from './types.js';

/** Pods of one gang copy: 1 for Standalone and Leader, `worker.nodes` (default 1) for Worker. */
export function memberPods(member: { role?: Role | undefined; worker?: { nodes: number } | undefined }): number {
  return member.role === 'Worker' ? (member.worker?.nodes ?? 1) : 1;
}

/** `pods × copies` when the member claims at least one DRA device, else 0. */
export function memberNodeCost(pods: number, copies: number, claims: boolean): number {
  return claims ? pods * copies : 0;
}

/** An engine's nodes on a pool: the sum of its claiming members' costs there. */
export function engineCost(copies: number, members: readonly { pods: number; claims: boolean }[]): number {
  let nodes = 0;
  for (const member of members) nodes += memberNodeCost(member.pods, copies, member.claims);
  return nodes;
}

/** What a replica of an already-read shape charges: pods × copies per claiming member, per pool. */
export function shapeCharges(shape: ReplicaShape, cluster: string): Charge[] {
  // Runs for every ModelReplica of the fleet, most of which charge one pool: no map, and a list no
  // longer than it needs to be (what is returned lives as long as the schedule).
  let charges: Charge[] | undefined;
  for (const engine of shape.engines) {
    for (const member of engine.members) {
      if (!member.claims || member.pool === undefined) continue;
      const charge = { cluster, pool: member.pool, nodes: memberNodeCost(memberPods(member), engine.copies, true) };
      if (charges === undefined) charges = [charge];
      else charges.push(charge);
    }
  }
  if (charges === undefined) return [];
  if (charges.length === 1) return charges;
  // One charge per pool, pools in code-unit order (the sort is stable: members add up in order).
  charges.sort((a, b) => compareStrings(a.pool, b.pool));
  const perPool: Charge[] = [];
  for (const charge of charges) {
    const last = perPool.at(-1);
    if (last?.pool === charge.pool) last.nodes += charge.nodes;
    else perPool.push(charge);
  }
  return perPool;
}

/**
 * What a ModelReplica consumes at the shape it carries: each member with a non-empty deviceRequests
 * list charges `pods × copies` on its nodePoolName. The spec is untrusted: unreadable fields are
 * named in `problems` (path and value) and what can be read is still charged.
 */
export function replicaCharges(spec: unknown, cluster: string): { charges: Charge[]; problems: string[] } {
  const shape = readReplicaShape(spec);
  return { charges: shapeCharges(shape, cluster), problems: shape.problems };
}

/**
 * Per-engine placements of a replica kept exactly as observed, for status: the pool of its first
 * claiming member (else its first member with a pool) and the nodes its claiming members occupy.
 */
export function shapePlacements(shape: ReplicaShape): EnginePlacement[] {
  const placements: EnginePlacement[] = [];
  for (const engine of shape.engines) {
    if (engine.name === undefined) continue;
    const pinned = engine.members.find((m) => m.claims && m.pool !== undefined) ?? engine.members.find((m) => m.pool !== undefined);
    if (pinned?.pool === undefined) continue;
    const nodes = engineCost(
      engine.copies,
      engine.members.map((m) => ({ pods: memberPods(m), claims: m.claims && m.pool !== undefined })),
    );
    placements.push({ name: engine.name, pool: pinned.pool, nodes });
  }
  return placements;
}
