// Builds the scheduler's view of the fleet from the `clusters` required resource: one ClusterView per
// InferenceCluster, sorted by name. The InferenceCluster status is published by another component
// and is not trusted: a field of the wrong type marks the cluster malformed (its replicas are kept as
// observed and nothing new goes there), while missing or negative counts simply read as 0.
import type { GpuPool, KubeObject, PublishedDevice } from '../api/types.js';
import type { ClusterView } from './scheduler/types.js';
import type { LabelMatcher } from './selector.js';
import { compareStrings, describeValue, isRecord } from '../values.js';

const CLAIMS = ['DRA', 'Synthetic'] as const;

/** Thrown inside this module only, to stop reading a status at its first wrong-typed field. */
class MalformedStatus extends Error {}

function malformed(path: string, value: unknown, problem: string): never {
  throw new MalformedStatus(`${path}: ${value === undefined ? 'missing' : `${describeValue(value)} ${problem}`}`);
}

/** A published count: a number (floored, never negative); missing reads as 0. */
function readCount(path: string, value: unknown): number {
  if (value === undefined || value === null) return 0;
  if (typeof value !== 'number' || !Number.isFinite(value)) malformed(path, value, 'is not a number');
  return Math.max(0, Math.floor(value));
}

function readOptionalString(path: string, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') malformed(path, value, 'is not a string');
  return value;
}

function readOptionalMap(path: string, value: unknown): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) malformed(path, value, 'is not an object');
  return value;
}

function readName(path: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') malformed(path, value, 'is not a non-empty string');
  return value;
}

function readDevice(path: string, raw: unknown): PublishedDevice {
  if (!isRecord(raw)) malformed(path, raw, 'is not an object');
  const device: PublishedDevice = { name: readName(`${path}.name`, raw.name), claim: 'DRA' };
  if (raw.claim !== undefined && raw.claim !== null) {
    if (!(CLAIMS as readonly unknown[]).includes(raw.claim)) malformed(`${path}.claim`, raw.claim, 'is not one of "DRA", "Synthetic"');
    device.claim = raw.claim as PublishedDevice['claim'];
  }
  const driver = readOptionalString(`${path}.driver`, raw.driver);
  if (driver !== undefined) device.driver = driver;
  const deviceClassName = readOptionalString(`${path}.deviceClassName`, raw.deviceClassName);
  if (deviceClassName !== undefined) device.deviceClassName = deviceClassName;
  device.count = readCount(`${path}.count`, raw.count);
  // Attribute and capacity values are passed on as published; the CEL environment interprets them.
  const attributes = readOptionalMap(`${path}.attributes`, raw.attributes);
  if (attributes !== undefined) device.attributes = attributes as PublishedDevice['attributes'];
  const capacity = readOptionalMap(`${path}.capacity`, raw.capacity);
  if (capacity !== undefined) device.capacity = capacity as PublishedDevice['capacity'];
  return device;
}

function readPool(path: string, raw: unknown): GpuPool {
  if (!isRecord(raw)) malformed(path, raw, 'is not an object');
  const pool: GpuPool = { name: readName(`${path}.name`, raw.name), nodes: readCount(`${path}.nodes`, raw.nodes) };
  const devices = raw.devices;
  if (devices === undefined || devices === null) {
    pool.devices = [];
  } else {
    if (!Array.isArray(devices)) malformed(`${path}.devices`, devices, 'is not a list');
    pool.devices = devices.map((d, i) => readDevice(`${path}.devices[${i}]`, d));
  }
  return pool;
}

/** Checks the status' typed fields and reads its pools; throws MalformedStatus at a wrong type. */
function readPools(status: unknown): GpuPool[] {
  if (status === undefined || status === null) return [];
  if (!isRecord(status)) malformed('status', status, 'is not an object');
  const conditions = status.conditions;
  if (conditions !== undefined && conditions !== null && !Array.isArray(conditions)) {
    malformed('status.conditions', conditions, 'is not a list');
  }
  const gateway = status.gateway;
  if (gateway !== undefined && gateway !== null) {
    if (!isRecord(gateway)) malformed('status.gateway', gateway, 'is not an object');
    readOptionalString('status.gateway.address', gateway.address);
  }
  const pools = status.gpuPools;
  if (pools === undefined || pools === null) return [];
  if (!Array.isArray(pools)) malformed('status.gpuPools', pools, 'is not a list');
  const seen = new Set<string>();
  return pools.map((p, i) => {
    const pool = readPool(`status.gpuPools[${i}]`, p);
    // The capacity ledger is keyed by (cluster, pool): two pools of one name cannot be told apart.
    if (seen.has(pool.name)) malformed(`status.gpuPools[${i}].name`, pool.name, 'duplicates an earlier pool');
    seen.add(pool.name);
    return pool;
  });
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
  const view: ClusterView = {
    name,
    selected: matches(labels),
    ready: conditions.some((c) => isRecord(c) && c.type === 'Ready' && c.status === 'True'),
    terminating: isTerminating(item),
    pools: [],
  };
  if (typeof address === 'string' && address !== '') view.gatewayAddress = address;
  try {
    view.pools = readPools(item.status);
  } catch (error) {
    if (!(error instanceof MalformedStatus)) throw error;
    view.malformed = error.message;
  }
  return view;
}

/**
 * One view per named InferenceCluster, sorted by name. Items without a name cannot be referenced by
 * any replica and are left out. Should the list ever hold one name twice, the copy that sorts first
 * by content wins, so the result does not depend on list order.
 */
export function buildClusterViews(items: readonly KubeObject[], matches: LabelMatcher): ClusterView[] {
  const named = items.flatMap((item) => {
    const name = clusterName(item);
    return name === undefined ? [] : [{ name, item }];
  });
  named.sort((a, b) => compareStrings(a.name, b.name) || compareStrings(JSON.stringify(a.item), JSON.stringify(b.item)));
  const views: ClusterView[] = [];
  for (const { name, item } of named) {
    if (views.at(-1)?.name === name) continue;
    views.push(viewOf(name, item, matches));
  }
  return views;
}
