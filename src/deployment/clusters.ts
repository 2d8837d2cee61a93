// Builds the scheduler's view of the fleet from the `clusters` required resource: one ClusterView per
// InferenceCluster, sorted by name. The InferenceCluster status is published by another component
// and is not trusted: a field of the wrong type marks the cluster malformed (its replicas are kept as
// observed and nothing new goes there), while missing or negative counts simply read as 0.
//
// A request carries the whole fleet, so this runs for thousands of clusters per call: pools are read
// only for the clusters the deployment selects, field paths are built only for a message, and a pool
// or device already in the form the scheduler reads is passed on as published rather than copied.
import type { GpuPool, KubeObject, PublishedDevice } from '../api/types.js';
import type { ClusterView } from './scheduler/types.js';
import type { LabelMatcher } from './selector.js';
import { compareStrings, describeValue, isRecord } from '../values.js';

/** Thrown inside this module only, to stop reading a status at its first wrong-typed field. */
class MalformedStatus extends Error {}

function malformed(path: string, value: unknown, problem: string): never {
  throw new MalformedStatus(`${path}: ${value === undefined ? 'missing' : `${describeValue(value)} ${problem}`}`);
}

/** `status.gpuPools[pool]`, then `.devices[device]` and `.field` when given: built only for a message. */
function poolPath(pool: number, device?: number, field?: string): string {
  const devicePart = device === undefined ? '' : `.devices[${device}]`;
  return `status.gpuPools[${pool}]${devicePart}${field === undefined ? '' : `.${field}`}`;
}

/** Missing (undefined or null) reads as absent. */
function isMissing(value: unknown): value is undefined | null {
  return value === undefined || value === null;
}

/** A published count must be a finite number when present. */
function isCountOrMissing(value: unknown): boolean {
  return isMissing(value) || (typeof value === 'number' && Number.isFinite(value));
}

/** A count as the scheduler reads it: floored, never negative; missing reads as 0. */
function normalCount(value: unknown): number {
  return typeof value === 'number' ? Math.max(0, Math.floor(value)) : 0;
}

/** Already in the form normalCount gives, so a value holding it can be passed on as published. */
function isNormalCount(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

/**
 * Checks one published device. A device already in the form the scheduler reads (a normalised count
 * and no null fields) is returned as published; otherwise a normalised copy is made.
 */
function readDevice(raw: unknown, pool: number, index: number): PublishedDevice {
  if (!isRecord(raw)) malformed(poolPath(pool, index), raw, 'is not an object');
  const { name, claim, driver, deviceClassName, count, attributes, capacity } = raw;
  if (typeof name !== 'string' || name === '') malformed(poolPath(pool, index, 'name'), name, 'is not a non-empty string');
  if (!isMissing(claim) && claim !== 'DRA' && claim !== 'Synthetic') {
    malformed(poolPath(pool, index, 'claim'), claim, 'is not one of "DRA", "Synthetic"');
  }
  if (!isMissing(driver) && typeof driver !== 'string') malformed(poolPath(pool, index, 'driver'), driver, 'is not a string');
  if (!isMissing(deviceClassName) && typeof deviceClassName !== 'string') {
    malformed(poolPath(pool, index, 'deviceClassName'), deviceClassName, 'is not a string');
  }
  if (!isCountOrMissing(count)) malformed(poolPath(pool, index, 'count'), count, 'is not a number');
  // Attribute and capacity values are passed on as published; the CEL environment interprets them.
  if (!isMissing(attributes) && !isRecord(attributes)) malformed(poolPath(pool, index, 'attributes'), attributes, 'is not an object');
  if (!isMissing(capacity) && !isRecord(capacity)) malformed(poolPath(pool, index, 'capacity'), capacity, 'is not an object');

  const hasNull = claim === null || driver === null || deviceClassName === null || attributes === null || capacity === null;
  if (!hasNull && isNormalCount(count)) return raw as unknown as PublishedDevice;
  const device: PublishedDevice = { name, claim: isMissing(claim) ? 'DRA' : (claim as PublishedDevice['claim']) };
  if (!isMissing(driver)) device.driver = driver as string;
  if (!isMissing(deviceClassName)) device.deviceClassName = deviceClassName as string;
  device.count = normalCount(count);
  if (!isMissing(attributes)) device.attributes = attributes as PublishedDevice['attributes'];
  if (!isMissing(capacity)) device.capacity = capacity as PublishedDevice['capacity'];
  return device;
}

/** Checks one published pool; returned as published when it and its devices need no normalising. */
function readPool(raw: unknown, index: number): GpuPool {
  if (!isRecord(raw)) malformed(poolPath(index), raw, 'is not an object');
  const { name, nodes, devices } = raw;
  if (typeof name !== 'string' || name === '') malformed(poolPath(index, undefined, 'name'), name, 'is not a non-empty string');
  if (!isCountOrMissing(nodes)) malformed(poolPath(index, undefined, 'nodes'), nodes, 'is not a number');
  if (isMissing(devices)) return { name, nodes: normalCount(nodes), devices: [] };
  if (!Array.isArray(devices)) malformed(poolPath(index, undefined, 'devices'), devices, 'is not a list');
  // Copied only from the first device that needed normalising.
  let normalised: PublishedDevice[] | undefined;
  for (let d = 0; d < devices.length; d++) {
    const device = readDevice(devices[d], index, d);
    if (normalised === undefined && device !== devices[d]) normalised = devices.slice(0, d) as PublishedDevice[];
    normalised?.push(device);
  }
  if (normalised === undefined && isNormalCount(nodes)) return raw as unknown as GpuPool;
  return { name, nodes: normalCount(nodes), devices: normalised ?? (devices as PublishedDevice[]) };
}

/** Checks the status' typed fields and reads its pools; throws MalformedStatus at a wrong type. */
function readPools(status: unknown): GpuPool[] {
  if (isMissing(status)) return [];
  if (!isRecord(status)) malformed('status', status, 'is not an object');
  const conditions = status.conditions;
  if (!isMissing(conditions) && !Array.isArray(conditions)) malformed('status.conditions', conditions, 'is not a list');
  const gateway = status.gateway;
  if (!isMissing(gateway)) {
    if (!isRecord(gateway)) malformed('status.gateway', gateway, 'is not an object');
    const address = gateway.address;
    if (!isMissing(address) && typeof address !== 'string') malformed('status.gateway.address', address, 'is not a string');
  }
  const pools = status.gpuPools;
  if (isMissing(pools)) return [];
  if (!Array.isArray(pools)) malformed('status.gpuPools', pools, 'is not a list');
  // A cluster publishes a few pools (the XRD allows 8): scanning the earlier names beats a Set, which
  // is kept for a status that publishes many.
  const seen = pools.length > FEW_POOLS ? new Set<string>() : undefined;
  // Copied only from the first pool that needed normalising.
  let normalised: GpuPool[] | undefined;
  for (let p = 0; p < pools.length; p++) {
    const pool = readPool(pools[p], p);
    // The capacity ledger is keyed by (cluster, pool): two pools of one name cannot be told apart.
    const duplicate = seen === undefined ? namedEarlier(pools as GpuPool[], p, pool.name) : seen.has(pool.name);
    if (duplicate) malformed(poolPath(p, undefined, 'name'), pool.name, 'duplicates an earlier pool');
    seen?.add(pool.name);
    if (normalised === undefined && pool !== pools[p]) normalised = pools.slice(0, p) as GpuPool[];
    normalised?.push(pool);
  }
  return normalised ?? (pools as GpuPool[]);
}

const FEW_POOLS = 16;

/** Whether a pool before `index` (already read, so well-formed) has the name. */
function namedEarlier(pools: readonly GpuPool[], index: number, name: string): boolean {
  for (let q = 0; q < index; q++) if (pools[q]!.name === name) return true;
  return false;
}

function clusterName(item: KubeObject): string | undefined {
  const name = item.metadata?.name;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

function isTerminating(item: KubeObject): boolean {
  const timestamp = item.metadata?.deletionTimestamp;
  return timestamp !== undefined && timestamp !== null && timestamp !== '';
}

function viewOf(name: string, item: KubeObject, matches: LabelMatcher): ClusterView {
  const labels = isRecord(item.metadata?.labels) ? item.metadata.labels : undefined;
  // Readiness and the gateway address are read wherever they have the right type, even when another
  // field is malformed: endpoints follow the address, and scale-down prefers replicas on unready clusters.
  const status = isRecord(item.status) ? item.status : {};
  const conditions = Array.isArray(status.conditions) ? status.conditions : [];
  const address = isRecord(status.gateway) ? status.gateway.address : undefined;
  const selected = matches(labels);
  let pools: GpuPool[] = [];
  let problem: string | undefined;
  // An unselected cluster's pools can neither take nor keep a replica of this deployment, and what is
  // charged there never matters: they are not read (see ClusterView).
  if (selected) {
    try {
      pools = readPools(item.status);
    } catch (error) {
      if (!(error instanceof MalformedStatus)) throw error;
      problem = error.message;
    }
  }
  const view: ClusterView = {
    name,
    selected,
    ready: conditions.some((c) => isRecord(c) && c.type === 'Ready' && c.status === 'True'),
    terminating: isTerminating(item),
    pools,
  };
  if (typeof address === 'string' && address !== '') view.gatewayAddress = address;
  if (problem !== undefined) view.malformed = problem;
  return view;
}

/**
 * One view per named InferenceCluster, sorted by name. Items without a name cannot be referenced by
 * any replica and are left out. Should the list ever hold one name twice, the copy that sorts first
 * by content wins, so the result does not depend on list order.
 */
export function buildClusterViews(items: readonly KubeObject[], matches: LabelMatcher): ClusterView[] {
  const named: { name: string; item: KubeObject }[] = [];
  for (const item of items) {
    const name = clusterName(item);
    if (name !== undefined) named.push({ name, item });
  }
  // The API server lists by name, so this sort mostly confirms the order; content breaks a tie only.
  named.sort((a, b) => compareStrings(a.name, b.name) || compareStrings(JSON.stringify(a.item), JSON.stringify(b.item)));
  const views: ClusterView[] = [];
  for (const { name, item } of named) {
    if (views.at(-1)?.name === name) continue;
    views.push(viewOf(name, item, matches));
  }
  return views;
}
