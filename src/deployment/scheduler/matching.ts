// Matching members to pools (scheduling.md, "Matching a member to a pool" and "Placing one replica",
// steps 1-2). Everything here ignores capacity: it is fixed for the whole schedule call, so each
// cluster is analysed at most once and every selector is evaluated at most once per distinct device
// content (most pools of a fleet publish identical devices).
import type { GpuPool, PublishedDevice, ResolvedDeviceRequest, Role } from '../../api/types.js';
import { deviceActivation, deviceContentKey, type CompiledSelector, type DeviceActivation } from '../../cel/index.js';
import { engineCost } from './cost.js';
import type { DeploymentPlan, EnginePlan, MemberPlan, RequestPlan } from './plan.js';
import type { ClusterView } from './types.js';

/** Why one device request found no device on a pool (for the first request that found none). */
export type RequestFailure =
  | { kind: 'noDevices'; request: string }
  /** Some device satisfies every selector, but none has `need` unreserved devices per node. */
  | { kind: 'count'; request: string; need: number; offers: number; afterEarlierRequests: boolean }
  /** No device satisfies every selector; `selector` is the 0-based index that got furthest. */
  | { kind: 'selector'; request: string; selector: number }
  /** The only suitable device is a DRA device without a deviceClassName, so it cannot be claimed. */
  | { kind: 'noDeviceClass'; request: string; device: string };

export type MemberMatch =
  /** Matched; `deviceRequests` holds the requests that took a DRA device (empty: claims nothing). */
  | { matches: true; deviceRequests: ResolvedDeviceRequest[] }
  | { matches: false; failure: RequestFailure };

/** One pool an engine fits when capacity is ignored, with each member's resolved device requests. */
export interface PoolFit {
  poolIndex: number;
  pool: string;
  /** Indexed like the engine's members. */
  deviceRequests: ResolvedDeviceRequest[][];
}

export type EngineProblem =
  /** `member` matches no pool of the cluster; one failure per pool, in published order. */
  | { kind: 'noMatch'; member: Role; failures: { pool: string; failure: RequestFailure }[] }
  /** Every member matches somewhere, but none can claim a DRA device anywhere on the cluster. */
  | { kind: 'noClaimCapable' }
  /** No single pool serves every member: where each member can claim (or, if it never claims, match). */
  | { kind: 'split'; members: { role: Role; claimCapable: boolean; pools: string[] }[] };

export interface EngineAnalysis {
  plan: EnginePlan;
  /** Per member: resolves at least one DRA request on some pool of the cluster. */
  claimCapable: boolean[];
  /** Nodes the engine occupies on any pool it fits: its claim-capable members' pods × copies. */
  cost: number;
  /** Pools the engine fits, capacity aside, in published order. */
  fits: PoolFit[];
  /** Why the engine fits no pool; set exactly when `fits` is empty. */
  problem: EngineProblem | undefined;
  /** matches[member][pool], pools in published order. */
  matches: MemberMatch[][];
}

export interface ClusterAnalysis {
  cluster: ClusterView;
  engines: EngineAnalysis[];
  /** Pool name → index in cluster.pools. */
  poolIndex: ReadonlyMap<string, number>;
}

const CLAIMS_NOTHING: MemberMatch = { matches: true, deviceRequests: [] };
const NO_DEVICES: readonly PublishedDevice[] = [];

/**
 * Structural equality of JSON-like values, ignoring key order and undefined-valued keys. Plain loops
 * without allocation: it runs for every pool of the fleet.
 */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let unmatched = 0;
  for (const key in x) {
    const value = x[key];
    if (value === undefined) continue;
    unmatched++;
    const other = y[key];
    if (other === undefined || !sameJson(value, other)) return false;
  }
  for (const key in y) if (y[key] !== undefined) unmatched--;
  return unmatched === 0;
}

/** Equal for devices every selector sees alike (driver, attributes, capacity). */
function sameContent(a: PublishedDevice, b: PublishedDevice): boolean {
  return a.driver === b.driver && sameJson(a.attributes, b.attributes) && sameJson(a.capacity, b.capacity);
}

function offered(device: PublishedDevice): number {
  const count = device.count;
  return typeof count === 'number' && Number.isFinite(count) && count > 0 ? Math.floor(count) : 0;
}

function isSynthetic(device: PublishedDevice): boolean {
  return device.claim === 'Synthetic';
}

function claimable(device: PublishedDevice): boolean {
  return isSynthetic(device) || (typeof device.deviceClassName === 'string' && device.deviceClassName !== '');
}

interface PoolKind {
  /** The devices of the first pool seen with this content; later pools are compared with them. */
  devices: readonly PublishedDevice[];
  id: number;
  /** Per member slot: the member's match on any pool of this kind. */
  matches: MemberMatch[];
}

/** Static analysis shared by every cluster publishing the same pool names with the same kinds. */
interface Layout {
  engines: EngineAnalysis[];
  poolIndex: ReadonlyMap<string, number>;
}

/** A trie over a cluster's pools, one level per pool: (pool name, pool kind) → next level. */
interface LayoutNode {
  children: Map<string, Map<number, LayoutNode>>;
  layout?: Layout;
}

function childOf(node: LayoutNode, name: string, kind: number): LayoutNode {
  let byKind = node.children.get(name);
  if (byKind === undefined) {
    byKind = new Map();
    node.children.set(name, byKind);
  }
  let child = byKind.get(kind);
  if (child === undefined) {
    child = { children: new Map() };
    byKind.set(kind, child);
  }
  return child;
}

/**
 * How many distinct contents are kept for comparison per bucket (pools with a given number of
 * devices; devices of a given driver) before a newcomer is simply computed: bounds the comparisons
 * for a fleet whose pools or devices are all different.
 */
const DISTINCT_KINDS_COMPARED = 32;

/**
 * Per-schedule memo, created for one schedule call and dropped with it. Matching is independent of
 * capacity, so it memoises at three levels: selector verdicts per (expression, device content), as
 * the DRA environment would give the same answer; member matches per pool content (fleets repeat a
 * few kinds of pool thousands of times, so a pool's device list is looked up by identity, which the
 * decoder's sharing makes hit, and otherwise compared structurally with the kinds already seen,
 * instead of being serialised or re-matched); and whole-cluster analyses per layout of pool names
 * and kinds.
 */
export class MatchCache {
  private readonly verdicts = new Map<string, Map<string, boolean>>();
  private readonly contentKeys = new Map<PublishedDevice, string>();
  private readonly keyedByDriver = new Map<string, PublishedDevice[]>();
  private readonly activations = new Map<PublishedDevice, DeviceActivation>();
  private readonly poolKinds = new Map<number, PoolKind[]>();
  /** Device lists already seen, by identity, with their kind. */
  private readonly kindOfList = new Map<readonly PublishedDevice[], PoolKind>();
  private poolKindCount = 0;
  /** By pool position in a cluster: the kind the last pool there had. */
  private readonly lastKindAt: PoolKind[] = [];
  private readonly layouts: LayoutNode = { children: new Map() };
  private readonly analyses = new Map<string, ClusterAnalysis>();
  private verdictCount = 0;

  constructor(private readonly plan: DeploymentPlan) {}

  /**
   * How many (selector, device content) verdicts this schedule needed: each was asked of the
   * selector once, which evaluates it unless an earlier call already had; every other question was
   * answered from this memo.
   */
  get verdictsNeeded(): number {
    return this.verdictCount;
  }

  /** The cluster's static analysis against this schedule's deployment, computed once per cluster. */
  analyze(cluster: ClusterView): ClusterAnalysis {
    let analysis = this.analyses.get(cluster.name);
    if (analysis !== undefined) return analysis;
    const kinds = cluster.pools.map((pool, position) => this.poolKind(pool, position));
    // Walk the layout trie by (pool name, kind) pairs; a pool whose kind was not kept ends the walk.
    let node: LayoutNode | undefined = this.layouts;
    for (let p = 0; p < kinds.length && node !== undefined; p++) {
      const id = kinds[p]!.id;
      node = id < 0 ? undefined : childOf(node, cluster.pools[p]!.name, id);
    }
    let layout = node?.layout;
    if (layout === undefined) {
      const matchesByPool = kinds.map((kind) => kind.matches);
      layout = {
        engines: this.plan.engines.map((engine) => analyzeEngine(engine, cluster, matchesByPool)),
        poolIndex: poolIndexOf(cluster),
      };
      if (node !== undefined) node.layout = layout;
    }
    analysis = { cluster, engines: layout.engines, poolIndex: layout.poolIndex };
    this.analyses.set(cluster.name, analysis);
    return analysis;
  }

  /** A compiled selector's verdict on a device; a selector that failed to compile holds for none. */
  holds(expression: string, selector: CompiledSelector | undefined, device: PublishedDevice): boolean {
    if (selector === undefined) return false;
    let byContent = this.verdicts.get(expression);
    if (byContent === undefined) {
      byContent = new Map();
      this.verdicts.set(expression, byContent);
    }
    const key = this.contentKey(device);
    let verdict = byContent.get(key);
    if (verdict === undefined) {
      this.verdictCount++;
      verdict = selector.matchesContent(key, () => this.activation(device));
      byContent.set(key, verdict);
    }
    return verdict;
  }

  /** Every member's match on the pool; id -1 when the pool's content was not kept for comparison. */
  private poolKind(pool: GpuPool, position: number): PoolKind {
    const devices = pool.devices ?? NO_DEVICES;
    // The decoder hands out one list for identical device lists, so most pools are found by identity.
    const same = this.kindOfList.get(devices);
    if (same !== undefined) return same;
    let kinds = this.poolKinds.get(devices.length);
    if (kinds === undefined) {
      kinds = [];
      this.poolKinds.set(devices.length, kinds);
    }
    // Clusters of a fleet tend to repeat one layout: try the kind last seen at this position first.
    const hinted = this.lastKindAt[position];
    const known =
      hinted !== undefined && sameJson(hinted.devices, devices)
        ? hinted
        : kinds.find((kind) => kind !== hinted && sameJson(kind.devices, devices));
    if (known !== undefined) {
      this.lastKindAt[position] = known;
      this.kindOfList.set(devices, known);
      return known;
    }
    const matches = this.plan.members.map((member) => matchMember(member, pool, this));
    const compared = kinds.length < DISTINCT_KINDS_COMPARED;
    const kind = { devices, id: compared ? this.poolKindCount++ : -1, matches };
    if (compared) {
      kinds.push(kind);
      this.lastKindAt[position] = kind;
    }
    this.kindOfList.set(devices, kind);
    return kind;
  }

  /** The device's content key, computed only for content not seen before (compared structurally). */
  private contentKey(device: PublishedDevice): string {
    let key = this.contentKeys.get(device);
    if (key !== undefined) return key;
    const driver = typeof device.driver === 'string' ? device.driver : '';
    let seen = this.keyedByDriver.get(driver);
    if (seen === undefined) {
      seen = [];
      this.keyedByDriver.set(driver, seen);
    }
    const same = seen.find((other) => sameContent(other, device));
    key = same === undefined ? deviceContentKey(device) : this.contentKeys.get(same)!;
    if (same === undefined && seen.length < DISTINCT_KINDS_COMPARED) seen.push(device);
    this.contentKeys.set(device, key);
    return key;
  }

  private activation(device: PublishedDevice): DeviceActivation {
    let activation = this.activations.get(device);
    if (activation === undefined) {
      activation = deviceActivation(device);
      this.activations.set(device, activation);
    }
    return activation;
  }
}

function poolIndexOf(cluster: ClusterView): Map<string, number> {
  const poolIndex = new Map<string, number>();
  cluster.pools.forEach((pool, p) => {
    if (!poolIndex.has(pool.name)) poolIndex.set(pool.name, p);
  });
  return poolIndex;
}

/** The 0-based index of the first selector of `request` that does not hold on `device`, or -1. */
function firstFailingSelector(request: RequestPlan, device: PublishedDevice, cache: MatchCache): number {
  for (let i = 0; i < request.compiled.length; i++) {
    if (!cache.holds(request.selectors![i]!.cel, request.compiled[i], device)) return i;
  }
  return -1;
}

function explainFailure(
  request: RequestPlan,
  devices: readonly PublishedDevice[],
  reserved: readonly number[],
  cache: MatchCache,
): RequestFailure {
  if (devices.length === 0) return { kind: 'noDevices', request: request.name };
  let furthestSelector = -1;
  let bestUnreserved = -1;
  let bestPublished = 0;
  for (let d = 0; d < devices.length; d++) {
    const device = devices[d]!;
    const failing = firstFailingSelector(request, device, cache);
    if (failing >= 0) {
      furthestSelector = Math.max(furthestSelector, failing);
      continue;
    }
    const unreserved = offered(device) - reserved[d]!;
    if (unreserved >= request.count && !claimable(device)) {
      return { kind: 'noDeviceClass', request: request.name, device: device.name };
    }
    bestUnreserved = Math.max(bestUnreserved, unreserved);
    bestPublished = Math.max(bestPublished, offered(device));
  }
  if (bestUnreserved < 0) return { kind: 'selector', request: request.name, selector: furthestSelector };
  return {
    kind: 'count',
    request: request.name,
    need: request.count,
    offers: bestUnreserved,
    afterEarlierRequests: bestPublished >= request.count,
  };
}

/**
 * Matches one member to one pool: each request, in order, takes the first device in published order
 * with enough unreserved count whose selectors all hold, and reserves that count. A request that took
 * a DRA device becomes a deviceRequest; one that took a Synthetic device is satisfied and emits
 * nothing. A member without requests matches every pool and claims nothing.
 */
export function matchMember(member: MemberPlan, pool: GpuPool, cache: MatchCache): MemberMatch {
  if (member.requests.length === 0) return CLAIMS_NOTHING;
  const devices = pool.devices ?? [];
  const reserved = devices.map(() => 0);
  const deviceRequests: ResolvedDeviceRequest[] = [];
  for (const request of member.requests) {
    let taken: PublishedDevice | undefined;
    for (let d = 0; d < devices.length; d++) {
      const device = devices[d]!;
      if (offered(device) - reserved[d]! < request.count) continue;
      if (!claimable(device) || firstFailingSelector(request, device, cache) >= 0) continue;
      reserved[d]! += request.count;
      taken = device;
      break;
    }
    if (taken === undefined) return { matches: false, failure: explainFailure(request, devices, reserved, cache) };
    if (!isSynthetic(taken)) {
      const resolved: ResolvedDeviceRequest = { name: request.name, deviceClassName: taken.deviceClassName!, count: request.count };
      if (request.selectors !== undefined) resolved.selectors = request.selectors;
      deviceRequests.push(resolved);
    }
  }
  return { matches: true, deviceRequests };
}

/** A member is stranded on a pool when it could claim somewhere on the cluster but claims nothing here. */
function isStranded(claimCapable: boolean, match: MemberMatch): boolean {
  return claimCapable && match.matches && match.deviceRequests.length === 0;
}

/** The member can run on the pool as part of its engine: it matches and is not stranded there. */
export function memberFits(claimCapable: boolean, match: MemberMatch): boolean {
  return match.matches && !isStranded(claimCapable, match);
}

function engineProblem(
  engine: EnginePlan,
  cluster: ClusterView,
  matches: MemberMatch[][],
  claimCapable: boolean[],
): EngineProblem {
  for (let m = 0; m < engine.members.length; m++) {
    const row = matches[m]!;
    if (row.some((match) => match.matches)) continue;
    const failures = row.flatMap((match, p) => (match.matches ? [] : [{ pool: cluster.pools[p]!.name, failure: match.failure }]));
    return { kind: 'noMatch', member: engine.members[m]!.role, failures };
  }
  if (!claimCapable.some(Boolean)) return { kind: 'noClaimCapable' };
  return {
    kind: 'split',
    members: engine.members.map((member, m) => ({
      role: member.role,
      claimCapable: claimCapable[m]!,
      pools: cluster.pools.filter((_, p) => memberFits(claimCapable[m]!, matches[m]![p]!)).map((pool) => pool.name),
    })),
  };
}

/** `matchesByPool[p][slot]`: each member's match on pool p of the cluster. */
function analyzeEngine(engine: EnginePlan, cluster: ClusterView, matchesByPool: readonly MemberMatch[][]): EngineAnalysis {
  const matches = engine.members.map((member) => matchesByPool.map((bySlot) => bySlot[member.slot]!));
  const claimCapable = matches.map((row) => row.some((match) => match.matches && match.deviceRequests.length > 0));
  const fits: PoolFit[] = [];
  if (claimCapable.some(Boolean)) {
    cluster.pools.forEach((pool, p) => {
      if (!engine.members.every((_, m) => memberFits(claimCapable[m]!, matches[m]![p]!))) return;
      const deviceRequests = matches.map((row) => {
        const match = row[p]!;
        return match.matches ? match.deviceRequests : [];
      });
      fits.push({ poolIndex: p, pool: pool.name, deviceRequests });
    });
  }
  return {
    plan: engine,
    claimCapable,
    cost: engineCost(
      engine.copies,
      engine.members.map((member, m) => ({ pods: member.pods, claims: claimCapable[m]! })),
    ),
    fits,
    problem: fits.length > 0 ? undefined : engineProblem(engine, cluster, matches, claimCapable),
    matches,
  };
}
