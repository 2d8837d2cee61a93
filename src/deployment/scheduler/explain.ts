// Plain-words reasons (scheduling.md, "Explaining"). Every sentence is rendered from the refusal data
// the decision itself produced (matching, placement, retain); nothing here decides anything.
import type { Role } from '../../api/types.js';
import { compareStrings } from '../../values.js';
import type { EngineProblem, RequestFailure } from './matching.js';
import type { PlacementRefusal, PoolFree } from './placement.js';
import type { StaleReason } from './retain.js';
import type { Unschedulable } from './types.js';

/** Why a selected cluster takes no new replica because of its own state. */
export type StatusRefusal = { kind: 'status'; status: 'terminating' | 'malformed' | 'notReady' | 'noGateway'; detail?: string };

export type ClusterRefusal = StatusRefusal | PlacementRefusal;

export interface ClusterReason {
  cluster: string;
  refusal: ClusterRefusal;
}

/** At most this many clusters in status.unschedulable, then one "and N more clusters" entry. */
const UNSCHEDULABLE_LIMIT = 20;
/** At most this many distinct reasons in the condensed message. */
const CONDENSED_GROUPS = 5;

function plural(n: number, one: string): string {
  return `${n} ${n === 1 ? one : `${one}s`}`;
}

function quoteList(names: readonly string[]): string {
  const quoted = names.map((n) => `"${n}"`);
  return quoted.length <= 1 ? quoted.join('') : `${quoted.slice(0, -1).join(', ')} and ${quoted.at(-1)}`;
}

function poolList(pools: readonly string[]): string {
  return pools.length === 1 ? `pool ${pools[0]}` : `pools ${pools.join(', ')}`;
}

function describeRequestFailure(failure: RequestFailure): string {
  switch (failure.kind) {
    case 'noDevices':
      return 'publishes no devices';
    case 'count':
      return `device ${failure.request} needs count ${failure.need}, pool offers ${failure.offers}${failure.afterEarlierRequests ? ' after earlier requests' : ''}`;
    case 'selector':
      return `selector ${failure.selector} of request ${failure.request} is false`;
    case 'noDeviceClass':
      return `device ${failure.device} suits request ${failure.request} but publishes no deviceClassName`;
  }
}

function describeSplit(members: { role: Role; claimCapable: boolean; pools: string[] }[]): string {
  const allClaim = members.every((m) => m.claimCapable);
  const parts = members.map((m, i) => {
    if (!m.claimCapable) return `member ${m.role} matches ${m.pools.length === 0 ? 'no pool' : `only ${poolList(m.pools)}`}`;
    const where = m.pools.length === 0 ? 'on no pool' : `only on ${poolList(m.pools)}`;
    return allClaim && i > 0 ? `member ${m.role} ${where}` : `member ${m.role} can claim a DRA device ${where}`;
  });
  return `${parts.join(', ')}; an engine is never split across pools`;
}

const STATUS_WORDS: Record<StatusRefusal['status'], { one: string; many: string }> = {
  terminating: { one: 'terminating', many: 'terminating' },
  malformed: { one: 'malformed status', many: 'with malformed status' },
  notReady: { one: 'not Ready', many: 'not Ready' },
  noGateway: { one: 'no gateway address', many: 'with no gateway address' },
};

function engineProblemSummary(problem: EngineProblem): string {
  switch (problem.kind) {
    case 'noMatch':
      return `no pool matches member ${problem.member}`;
    case 'noClaimCapable':
      return 'no member can claim a DRA device';
    case 'split':
      return 'no single pool serves all its members';
  }
}

function engineProblemDetail(problem: EngineProblem): string {
  switch (problem.kind) {
    case 'noMatch': {
      const pools = problem.failures.map((f) => `pool ${f.pool}: ${describeRequestFailure(f.failure)}`);
      return `${engineProblemSummary(problem)} (${pools.length === 0 ? 'the cluster publishes no pools' : pools.join('; ')})`;
    }
    case 'noClaimCapable':
      return `${engineProblemSummary(problem)} on this cluster (its requests match only Synthetic devices)`;
    case 'split':
      return describeSplit(problem.members);
  }
}

/**
 * A refusal without per-cluster numbers or per-pool details, so that clusters failing alike group
 * together in the condensed message.
 */
export function refusalSummary(refusal: ClusterRefusal): string {
  switch (refusal.kind) {
    case 'status':
      return STATUS_WORDS[refusal.status].one;
    case 'engine':
      return `engine "${refusal.engine}": ${engineProblemSummary(refusal.problem)}`;
    case 'capacity':
      return `engine "${refusal.engine}": no pool has ${plural(refusal.need, 'free node')}`;
    case 'together':
      return `engines ${quoteList(refusal.engines.map((e) => e.name))} do not fit together`;
    case 'budget':
      return `search budget exhausted after ${refusal.limit} partial assignments; cluster skipped`;
  }
}

/** The summary for n (> 1) clusters: `3 clusters not Ready`, `2 clusters: engine "x": …`. */
function manyClusters(refusal: ClusterRefusal, n: number): string {
  return refusal.kind === 'status' ? `${n} clusters ${STATUS_WORDS[refusal.status].many}` : `${n} clusters: ${refusalSummary(refusal)}`;
}

/** The full reason for one cluster, with its numbers and per-pool details. */
export function refusalDetail(refusal: ClusterRefusal): string {
  switch (refusal.kind) {
    case 'status':
      return refusal.status === 'malformed' ? `malformed status: ${refusal.detail ?? 'unreadable'}` : STATUS_WORDS[refusal.status].one;
    case 'engine':
      return `engine "${refusal.engine}": ${engineProblemDetail(refusal.problem)}`;
    case 'capacity': {
      const only = refusal.pools.length === 1 ? refusal.pools[0]! : undefined;
      return only !== undefined
        ? `engine "${refusal.engine}": pool ${only.pool} has ${plural(only.free, 'free node')}, needs ${refusal.need}`
        : `${refusalSummary(refusal)} (${refusal.pools.map((p) => `pool ${p.pool}: ${p.free} free`).join(', ')})`;
    }
    case 'together': {
      const needs = refusal.engines.map((e) => `"${e.name}" needs ${plural(e.need, 'node')} (${poolList(e.pools)})`);
      return `${refusalSummary(refusal)}: ${needs.join(', ')}; free nodes: ${describeFree(refusal.free)}`;
    }
    case 'budget':
      return refusalSummary(refusal);
  }
}

function describeFree(free: readonly PoolFree[]): string {
  return free.map((f) => `pool ${f.pool} ${f.free}`).join(', ');
}

/** status.unschedulable: one entry per cluster in name order, at most 20, then "and N more clusters". */
export function unschedulableList(reasons: readonly ClusterReason[]): Unschedulable[] {
  const sorted = [...reasons].sort((a, b) => compareStrings(a.cluster, b.cluster));
  const listed = sorted.slice(0, UNSCHEDULABLE_LIMIT).map((r) => ({ cluster: r.cluster, reason: refusalDetail(r.refusal) }));
  const rest = sorted.length - listed.length;
  if (rest > 0) listed.push({ cluster: '…', reason: `and ${plural(rest, 'more cluster')}` });
  return listed;
}

/**
 * The reasons condensed for a condition message: clusters grouped by reason, most common first (ties
 * by the first cluster's name), e.g. `2 clusters not Ready; cluster-c: engine "decode": no pool has
 * 4 free nodes`.
 */
export function condenseReasons(reasons: readonly ClusterReason[]): string {
  if (reasons.length === 0) return 'no InferenceCluster is selected';
  const groups = new Map<string, { clusters: string[]; refusal: ClusterRefusal }>();
  for (const reason of reasons) {
    const summary = refusalSummary(reason.refusal);
    const group = groups.get(summary);
    if (group === undefined) groups.set(summary, { clusters: [reason.cluster], refusal: reason.refusal });
    else group.clusters.push(reason.cluster);
  }
  const ordered = [...groups.entries()]
    .map(([summary, g]) => ({ ...g, summary, first: g.clusters.reduce((a, b) => (b < a ? b : a)) }))
    .sort((a, b) => b.clusters.length - a.clusters.length || compareStrings(a.first, b.first));
  const shown = ordered.slice(0, CONDENSED_GROUPS);
  const parts = shown.map((g) => (g.clusters.length === 1 ? `${g.first}: ${g.summary}` : manyClusters(g.refusal, g.clusters.length)));
  const hidden = ordered.slice(CONDENSED_GROUPS).reduce((n, g) => n + g.clusters.length, 0);
  if (hidden > 0) parts.push(`and ${plural(hidden, 'more cluster')} for other reasons`);
  return parts.join('; ');
}

export function describeStale(reason: StaleReason): string {
  switch (reason.kind) {
    case 'clusterDeleted':
      return `cluster ${reason.cluster} no longer exists`;
    case 'notSelected':
      return `cluster ${reason.cluster} is no longer selected by the clusterSelector`;
    case 'noIndex':
      return 'its modelplane.ai/replica-index label is missing or not a non-negative integer';
    case 'duplicateIndex':
      return `replica ${reason.holder} already holds index ${reason.index} on cluster ${reason.cluster}`;
    case 'unreadable':
      return `its spec cannot be read (${reason.problem})`;
    case 'engines':
      return `its engines (${quoteList(reason.observed)}) differ from the deployment's (${quoteList(reason.wanted)})`;
    case 'roles':
      return `engine "${reason.engine}": its member roles (${reason.observed.join(', ')}) differ from the deployment's (${reason.wanted.join(', ')})`;
    case 'unpinned':
      return `engine "${reason.engine}" member ${reason.member} has no nodePoolName`;
    case 'splitPin':
      return `engine "${reason.engine}" is split across ${poolList(reason.pools)}`;
    case 'poolGone':
      return `engine "${reason.engine}": pool ${reason.pool} is no longer published`;
    case 'noClaimCapable':
      return `engine "${reason.engine}": no member can claim a DRA device on the cluster any more`;
    case 'memberNoMatch':
      return `engine "${reason.engine}" member ${reason.member} no longer matches pool ${reason.pool}: ${describeRequestFailure(reason.failure)}`;
    case 'stranded':
      return `engine "${reason.engine}" member ${reason.member} would claim no DRA device on pool ${reason.pool}`;
  }
}
