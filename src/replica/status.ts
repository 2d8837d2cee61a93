// Stage 5: what the observed Objects say about the composed replica — per-resource readiness, the
// ModelAccepted and ModelReady conditions, status.engines and status.path.
import type { KubeObject, ReplicaEngineStatus } from '../api/types.js';
import type { DesiredResource, FunctionResult, StatusCondition } from '../composition.js';
import { isReadyTrue } from '../k8s/observed.js';
import type { ComposedManifest } from './manifests.js';
import { replicaPath, type ReplicaIdentity, type WorkloadRef } from './names.js';
import { membersOf, type ReplicaView } from './replica.js';

export const MODEL_ACCEPTED = 'ModelAccepted';
export const MODEL_READY = 'ModelReady';
const WAITING_FOR_WORKLOADS = 'waiting for the workloads to be accepted';

/** The remote object was applied: provider-kubernetes records what it applied under atProvider. */
export function isAccepted(observed: KubeObject | undefined): boolean {
  const atProvider = (observed?.status as { atProvider?: { manifest?: unknown } } | undefined)?.atProvider;
  const manifest = typeof atProvider === 'object' && atProvider !== null ? atProvider.manifest : undefined;
  return typeof manifest === 'object' && manifest !== null;
}

export function isReady(observed: KubeObject | undefined): boolean {
  return observed !== undefined && isReadyTrue(observed);
}

export interface ReplicaStatus {
  engines?: ReplicaEngineStatus[];
  path: string;
}

export function replicaStatus(
  id: ReplicaIdentity,
  workloads: readonly WorkloadRef[] | undefined,
  observed: Record<string, KubeObject>,
): ReplicaStatus {
  const status: ReplicaStatus = { path: replicaPath(id) };
  if (workloads !== undefined) {
    status.engines = workloads.map((w) => ({ name: w.engine, workload: w.name, ready: isReady(observed[w.key]) }));
  }
  return status;
}

/** Held: nothing new is composed, so neither workload acceptance nor readiness is reported. */
export function holdConditions(reason: 'WaitingForCluster' | 'InvalidServing', message: string): StatusCondition[] {
  return [
    { type: MODEL_ACCEPTED, status: 'False', reason, message },
    { type: MODEL_READY, status: 'False', reason: 'WaitingForModel', message: WAITING_FOR_WORKLOADS },
  ];
}

/**
 * Desired readiness: things that run (workloads, the endpoint picker) are ready when their Object
 * is Ready; everything else as soon as it is observed.
 */
export function desiredWithReadiness(
  composed: readonly ComposedManifest[],
  delivered: Record<string, KubeObject>,
  observed: Record<string, KubeObject>,
): Record<string, DesiredResource> {
  const desired: Record<string, DesiredResource> = {};
  for (const item of composed) {
    const seen = observed[item.key];
    const ready = item.readiness === 'Available' ? isReady(seen) : seen !== undefined;
    desired[item.key] = { resource: delivered[item.key]!, ready };
  }
  return desired;
}

export interface ComposedConditionsInput {
  workloads: readonly WorkloadRef[];
  /** Everything that must be Available before the replica serves, in message order. */
  running: readonly { key: string; title: string }[];
  observed: Record<string, KubeObject>;
}

export function composedConditions(input: ComposedConditionsInput): StatusCondition[] {
  const total = input.workloads.length;
  const accepted = input.workloads.filter((w) => isAccepted(input.observed[w.key])).length;
  const acceptedCondition: StatusCondition =
    accepted === total
      ? { type: MODEL_ACCEPTED, status: 'True', reason: 'Accepted', message: `all ${total} workloads accepted` }
      : { type: MODEL_ACCEPTED, status: 'False', reason: 'Deploying', message: `${accepted} of ${total} workloads accepted` };
  if (accepted < total) {
    return [acceptedCondition, { type: MODEL_READY, status: 'False', reason: 'WaitingForModel', message: WAITING_FOR_WORKLOADS }];
  }
  const waiting = input.running.filter((r) => !isReady(input.observed[r.key])).map((r) => r.title);
  const readyCondition: StatusCondition =
    waiting.length === 0
      ? { type: MODEL_READY, status: 'True', reason: 'Serving', message: 'serving' }
      : { type: MODEL_READY, status: 'False', reason: 'ModelStarting', message: `waiting for ${waiting.join(', ')}` };
  return [acceptedCondition, readyCondition];
}

/** Progress worth an event only before anything is observed: a steady state emits nothing. */
export function composingResult(
  replica: ReplicaView,
  workloads: readonly WorkloadRef[],
  observed: Record<string, KubeObject>,
): FunctionResult[] {
  if (workloads.some((w) => observed[w.key] !== undefined)) return [];
  const images = [...new Set(replica.engines.flatMap((e) => membersOf(e).map((m) => m.container.image)))];
  return [{ severity: 'Normal', reason: 'Composing', message: `Composing ${images.join(', ')} on ${replica.clusterName}` }];
}
