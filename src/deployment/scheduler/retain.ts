// Whether an existing replica's placement still holds against the current spec (scheduling.md,
// "The schedule", step 1): the same engine names and member roles, each engine pinned to one pool
// that is still published, every engine still with a claim-capable member, and every member still
// matching its pinned pool without being stranded there. When it holds, the device requests are
// re-resolved from the current selectors on the pinned pool.
import type { Role } from '../../api/types.js';
import { compareStrings } from '../../values.js';
import { memberFits, type ClusterAnalysis, type EngineAnalysis, type PoolFit, type RequestFailure } from './matching.js';
import type { ReplicaShape } from './replica-shape.js';

/** Why an existing replica is stale: its placement no longer holds, or its identity is lost. */
export type StaleReason =
  | { kind: 'clusterDeleted'; cluster: string }
  | { kind: 'notSelected'; cluster: string }
  | { kind: 'noIndex' }
  | { kind: 'duplicateIndex'; cluster: string; index: number; holder: string }
  | { kind: 'unreadable'; problem: string }
  | { kind: 'engines'; observed: string[]; wanted: string[] }
  | { kind: 'roles'; engine: string; observed: string[]; wanted: string[] }
  | { kind: 'unpinned'; engine: string; member: Role }
  | { kind: 'splitPin'; engine: string; pools: string[] }
  | { kind: 'poolGone'; engine: string; pool: string }
  | { kind: 'noClaimCapable'; engine: string }
  | { kind: 'memberNoMatch'; engine: string; member: Role; pool: string; failure: RequestFailure }
  | { kind: 'stranded'; engine: string; member: Role; pool: string };

export type Holding =
  /** Per engine in deployment order: the pinned pool with freshly resolved device requests. */
  | { holds: true; fits: PoolFit[] }
  | { holds: false; reason: StaleReason };

function sortedEqual(a: string[], b: string[]): boolean {
  const x = [...a].sort(compareStrings);
  const y = [...b].sort(compareStrings);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

function engineHolds(engine: EngineAnalysis, observedMembers: ReplicaShape['engines'][number]['members'], analysis: ClusterAnalysis): PoolFit | StaleReason {
  const name = engine.plan.name;
  const wanted = engine.plan.members.map((m) => m.role);
  const observed = observedMembers.map((m) => m.role ?? '?');
  if (!sortedEqual(observed, wanted)) return { kind: 'roles', engine: name, observed, wanted };
  const pins: string[] = [];
  for (const member of engine.plan.members) {
    const pool = observedMembers.find((m) => m.role === member.role)?.pool;
    if (pool === undefined) return { kind: 'unpinned', engine: name, member: member.role };
    pins.push(pool);
  }
  const pools = [...new Set(pins)].sort(compareStrings);
  if (pools.length > 1) return { kind: 'splitPin', engine: name, pools };
  const pool = pools[0]!;
  const poolIndex = analysis.poolIndex.get(pool);
  if (poolIndex === undefined) return { kind: 'poolGone', engine: name, pool };
  for (let m = 0; m < engine.plan.members.length; m++) {
    const match = engine.matches[m]![poolIndex]!;
    if (!match.matches) return { kind: 'memberNoMatch', engine: name, member: engine.plan.members[m]!.role, pool, failure: match.failure };
  }
  if (!engine.claimCapable.some(Boolean)) return { kind: 'noClaimCapable', engine: name };
  for (let m = 0; m < engine.plan.members.length; m++) {
    if (!memberFits(engine.claimCapable[m]!, engine.matches[m]![poolIndex]!)) {
      return { kind: 'stranded', engine: name, member: engine.plan.members[m]!.role, pool };
    }
  }
  // Every member fits the pool and a member is claim-capable, so the engine's static fits list it.
  return engine.fits.find((fit) => fit.poolIndex === poolIndex)!;
}

function isStaleReason(value: PoolFit | StaleReason): value is StaleReason {
  return 'kind' in value;
}

/** Checks an existing replica's shape against the current spec on its (selected, well-formed) cluster. */
export function placementHolds(shape: ReplicaShape, analysis: ClusterAnalysis): Holding {
  if (shape.engines.length === 0 && shape.problems.length > 0) {
    return { holds: false, reason: { kind: 'unreadable', problem: shape.problems[0]! } };
  }
  const observedNames = shape.engines.map((e) => e.name ?? '?');
  const wantedNames = analysis.engines.map((e) => e.plan.name);
  if (!sortedEqual(observedNames, wantedNames)) {
    return { holds: false, reason: { kind: 'engines', observed: observedNames, wanted: wantedNames } };
  }
  const fits: PoolFit[] = [];
  for (const engine of analysis.engines) {
    const observed = shape.engines.find((e) => e.name === engine.plan.name)!;
    const result = engineHolds(engine, observed.members, analysis);
    if (isStaleReason(result)) return { holds: false, reason: result };
    fits.push(result);
  }
  return { holds: true, fits };
}
