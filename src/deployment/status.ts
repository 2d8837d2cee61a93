// What the deployment reports: status.replicas / placements / unschedulable, the ReplicasScheduled and
// ReplicasReady conditions, and events (scheduling.md, "Status"; conventions.md, "Conditions and
// results" — the message wording is part of the API).
import type { KubeObject, ModelDeploymentSpec, PlacementStatus } from '../api/types.js';
import type { FunctionResult, StatusCondition } from '../composition.js';
import type { ComposedReplica } from './compose.js';
import type { ClusterView, ScheduleOutput } from './scheduler/types.js';
import { capList, compareStrings, isRecord } from '../values.js';

export const REPLICAS_SCHEDULED = 'ReplicasScheduled';
export const REPLICAS_READY = 'ReplicasReady';

/** How many warnings of one kind a single response carries; the rest are counted in one more. */
const MAX_WARNINGS_PER_KIND = 10;
/** How many stale replicas the ReplicasScheduled message names before counting the rest. */
const MAX_STALE_NAMED = 5;

export interface Report {
  status: Record<string, unknown>;
  conditions: StatusCondition[];
  results: FunctionResult[];
}

function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}

export function warning(reason: string, message: string): FunctionResult {
  return { severity: 'Warning', reason, message };
}

/** One warning per message, at most MAX_WARNINGS_PER_KIND, then one saying how many more there are. */
function warnings(reason: string, messages: readonly string[], more: (count: number) => string): FunctionResult[] {
  const shown = messages.slice(0, MAX_WARNINGS_PER_KIND).map((m) => warning(reason, m));
  const hidden = messages.length - shown.length;
  return hidden > 0 ? [...shown, warning(reason, more(hidden))] : shown;
}

// ---- Hold paths ------------------------------------------------------------------------------

/** `keeping {k} existing replicas`: the tail of every hold-path message. */
function keeping(kept: number): string {
  // Templated messages keep conventions.md's wording literally, whatever the count.
  return `keeping ${kept} existing replicas`;
}

export function noClustersMessage(selector: string, existing: number, kept: number): string {
  return `no InferenceCluster matches the clusterSelector ${selector} (${existing} exist); ${keeping(kept)}`;
}

export function invalidNodeSelectorMessage(description: string, kept: number): string {
  return `${description}; ${keeping(kept)}`;
}

export function invalidSpecMessage(problems: readonly string[], kept: number): string {
  return `${capList([...problems], 3).join('; ')}; ${keeping(kept)}`;
}

/** The path is the field or lies inside it: `status.placements[0].index` is in `status.placements`. */
function isInField(path: string, field: string): boolean {
  return path === field || path.startsWith(`${field}.`) || path.startsWith(`${field}[`);
}

/**
 * The XR status fields this function owns, re-emitted as observed so that server-side apply keeps
 * them while the schedule is held. A field hand-edited to the wrong type, or with a violation of the
 * XRD among `invalidPaths`, is left out rather than re-applied: the API server would reject it, and
 * kept, it would hold the deployment for good.
 */
export function heldStatus(composite: KubeObject, invalidPaths: readonly string[] = []): Record<string, unknown> {
  const observed = isRecord(composite.status) ? composite.status : {};
  const status: Record<string, unknown> = {};
  const replicas = observed.replicas;
  if (isRecord(replicas) && typeof replicas.total === 'number' && typeof replicas.ready === 'number') {
    status.replicas = { total: replicas.total, ready: replicas.ready };
  }
  for (const field of ['placements', 'unschedulable'] as const) {
    const list = observed[field];
    if (Array.isArray(list) && list.every(isRecord)) status[field] = list;
  }
  for (const field of Object.keys(status)) {
    if (invalidPaths.some((path) => isInField(path, `status.${field}`))) delete status[field];
  }
  return status;
}

/**
 * A hold path's report: the held status, ReplicasScheduled explaining the hold, and a Warning.
 * `invalidPaths` are the fields the XRD rejects, left out of the held status.
 */
export function holdReport(
  composite: KubeObject,
  reason: string,
  message: string,
  extra: FunctionResult[] = [],
  invalidPaths: readonly string[] = [],
): Report {
  return {
    status: heldStatus(composite, invalidPaths),
    conditions: [{ type: REPLICAS_SCHEDULED, status: 'False', reason, message }],
    results: [warning(reason, message), ...extra],
  };
}

// ---- The scheduled path ----------------------------------------------------------------------

function staleReasons(output: ScheduleOutput): string[] {
  const named = output.staleNotReplaced.map((s) => `replica ${s.replica} on ${s.cluster} could not be re-placed: ${s.reason}`);
  return capList(named, MAX_STALE_NAMED);
}

function replicasScheduled(spec: ModelDeploymentSpec, output: ScheduleOutput, replicas: readonly ComposedReplica[]): StatusCondition {
  const wanted = spec.replicas;
  if (output.shortfall > 0 || output.staleNotReplaced.length > 0) {
    const reasons = [...staleReasons(output), output.condensedReasons].filter((r) => r !== '').join('; ');
    const scheduled = `${Math.max(0, wanted - output.shortfall)} of ${wanted} replicas scheduled`;
    return {
      type: REPLICAS_SCHEDULED,
      status: 'False',
      reason: 'InsufficientCapacity',
      message: reasons === '' ? scheduled : `${scheduled}; ${reasons}`,
    };
  }
  if (output.overcommitted.length > 0) {
    const message = output.overcommitted
      .map((o) => `replica ${o.replica}: pool ${o.pool} on ${o.cluster} needs ${o.need} nodes, ${o.free} free`)
      .join('; ');
    return { type: REPLICAS_SCHEDULED, status: 'False', reason: 'Overcommitted', message };
  }
  const waiting = replicas.filter((r) => !r.observed).length;
  if (waiting > 0) {
    return {
      type: REPLICAS_SCHEDULED,
      status: 'False',
      reason: 'Scheduling',
      message: `${wanted} of ${wanted} replicas scheduled; waiting for ${waiting} to be created`,
    };
  }
  return { type: REPLICAS_SCHEDULED, status: 'True', reason: 'Scheduled', message: `${wanted} of ${wanted} replicas scheduled` };
}

function replicasReady(spec: ModelDeploymentSpec, replicas: readonly ComposedReplica[]): StatusCondition {
  const total = replicas.length;
  const ready = replicas.filter((r) => r.ready).length;
  const message = `${ready} of ${total} ready`;
  if (total === 0 && spec.replicas > 0) return { type: REPLICAS_READY, status: 'False', reason: 'NoReplicasScheduled', message };
  if (ready === total) return { type: REPLICAS_READY, status: 'True', reason: 'AllReplicasReady', message };
  return { type: REPLICAS_READY, status: 'False', reason: 'ReplicasNotReady', message };
}

/** The progress event, only while none of the scheduled replicas exists yet (a steady state is quiet). */
function scheduledEvent(replicas: readonly ComposedReplica[]): FunctionResult[] {
  if (replicas.length === 0 || replicas.some((r) => r.observed)) return [];
  const clusters = [...new Set(replicas.map((r) => r.cluster))].sort(compareStrings);
  return [
    {
      severity: 'Normal',
      reason: 'Scheduled',
      message: `Scheduled ${replicas.length} replicas across ${clusters.length} clusters: ${clusters.join(', ')}`,
    },
  ];
}

/** Warnings for malformed InferenceCluster status, for the clusters this deployment selects. */
export function malformedClusterWarnings(clusters: readonly ClusterView[]): FunctionResult[] {
  const messages = clusters
    .filter((c) => c.selected && c.malformed !== undefined)
    .map((c) => `InferenceCluster ${c.name} has a malformed status: ${c.malformed}; keeping its replicas as they are and placing nothing new there`);
  return warnings('MalformedCluster', messages, (n) => `${plural(n, 'more InferenceCluster')} with a malformed status not listed`);
}

export function malformedReplicaWarnings(messages: readonly string[]): FunctionResult[] {
  return warnings('MalformedReplica', messages, (n) => `${plural(n, 'more malformed ModelReplica')} not listed`);
}

/** Status, conditions and events for a completed schedule. */
export function scheduleReport(
  spec: ModelDeploymentSpec,
  output: ScheduleOutput,
  replicas: readonly ComposedReplica[],
  problems: readonly FunctionResult[],
): Report {
  const placements: PlacementStatus[] = replicas.map((r) => ({
    replica: r.name,
    cluster: r.cluster,
    index: r.index,
    ready: r.ready,
    engines: r.engines.map((e) => ({ name: e.name, pool: e.pool, nodes: e.nodes })),
  }));
  const status: Record<string, unknown> = {
    replicas: { total: replicas.length, ready: replicas.filter((r) => r.ready).length },
    placements,
  };
  if (output.unschedulable.length > 0) status.unschedulable = output.unschedulable.map((u) => ({ cluster: u.cluster, reason: u.reason }));
  return {
    status,
    conditions: [replicasScheduled(spec, output, replicas), replicasReady(spec, replicas)],
    results: [...scheduledEvent(replicas), ...problems],
  };
}
