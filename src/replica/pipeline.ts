// The ModelReplica composition: check against the XRD → read → compose workloads → decorate
// routing → read the cluster → deliver → status.
// Every path returns a response; every path that cannot compose keeps what is observed, because
// Crossplane deletes whatever a function stops returning and a running model must not blink.
import { describeViolation } from '../api/schema.js';
import type { KubeObject } from '../api/types.js';
import type {
  CompositionRequest,
  CompositionResponse,
  DesiredResource,
  FunctionResult,
  ResourceSelector,
  StatusCondition,
} from '../composition.js';
import { holdObserved } from '../k8s/observed.js';
import { checkReplica } from './check.js';
import { CLUSTER_REQUIREMENT, clusterRequirement, readCluster, waitingForClusterMessage } from './cluster.js';
import { deliver } from './delivery.js';
import type { ComposedManifest } from './manifests.js';
import { workloadRefs, type ReplicaIdentity, type WorkloadRef } from './names.js';
import { clusterNameOf } from './read-replica.js';
import type { ReplicaView } from './replica.js';
import { composePrefillDecodeRouting } from './routing/prefill-decode.js';
import type { RoutingOutcome } from './routing/routing.js';
import { composeUnifiedRouting } from './routing/unified.js';
import { composedConditions, composingResult, desiredWithReadiness, holdConditions, replicaStatus } from './status.js';
import { composeWorkloads } from './workloads/compose.js';

/** Problems listed in one condition message; the rest are counted, so the message stays readable. */
const LISTED_PROBLEMS = 5;
const KEEPING = 'keeping what exists';

type Outcome = Omit<CompositionResponse, 'requirements'>;

function sortedByKey(desired: Record<string, DesiredResource>): Record<string, DesiredResource> {
  const out: Record<string, DesiredResource> = {};
  for (const key of Object.keys(desired).sort()) out[key] = desired[key]!;
  return out;
}

function identityOf(composite: KubeObject): ReplicaIdentity | undefined {
  const { namespace, name } = composite.metadata ?? {};
  return typeof namespace === 'string' && namespace !== '' && typeof name === 'string' && name !== ''
    ? { namespace, name }
    : undefined;
}

type HoldReason = 'WaitingForCluster' | 'InvalidServing';

/** Waiting is progress (Normal); an invalid spec is for the user to fix (Warning). */
const HOLD_SEVERITY: Record<HoldReason, FunctionResult['severity']> = {
  WaitingForCluster: 'Normal',
  InvalidServing: 'Warning',
};

/**
 * Keep what is observed and explain why. `workloads` is known when the spec could be read, so
 * status.engines can still be reported.
 */
function held(req: CompositionRequest, reason: HoldReason, message: string, workloads?: WorkloadRef[]): Outcome {
  const id = identityOf(req.composite);
  return {
    desired: holdObserved(req.observed),
    status: id === undefined ? {} : { ...replicaStatus(id, workloads, req.observed) },
    conditions: holdConditions(reason, message),
    results: [{ severity: HOLD_SEVERITY[reason], reason, message }],
  };
}

function invalidReplicaMessage(problems: readonly string[]): string {
  const listed = problems.slice(0, LISTED_PROBLEMS).join('; ');
  const more = problems.length > LISTED_PROBLEMS ? ` (and ${problems.length - LISTED_PROBLEMS} more)` : '';
  return `invalid ModelReplica: ${listed}${more}; ${KEEPING}`;
}

function composeServing(replica: ReplicaView, req: CompositionRequest): { routing: RoutingOutcome; claims: ComposedManifest[] } {
  const composed = composeWorkloads(replica, req.input);
  const routing =
    replica.mode === 'PrefillDecode'
      ? composePrefillDecodeRouting(replica, composed.workloads, req.input)
      : composeUnifiedRouting(replica, composed.workloads, req.input);
  return { routing, claims: composed.claims };
}

function composeReplica(req: CompositionRequest): Outcome {
  // The XRD first. A ModelReplica it would reject (hand-written under an older or relaxed XRD, or
  // rendered locally) is held: what it forbids, such as a reserved pod label or a pool name no node
  // label can carry, must never be composed.
  const check = checkReplica(req.composite);
  if (check.kind === 'rejected') {
    return held(req, 'InvalidServing', invalidReplicaMessage(check.violations.map(describeViolation)));
  }
  if (check.kind === 'unreadable') {
    return held(req, 'InvalidServing', invalidReplicaMessage(check.problems));
  }
  const replica = check.replica;
  const workloads = workloadRefs(replica, replica.engines);

  // Problems in the user's spec come before waiting for the cluster: they need the user, the
  // cluster only needs time.
  const { routing, claims } = composeServing(replica, req);
  if (!routing.ok) {
    return held(req, 'InvalidServing', `${routing.message}; ${KEEPING}`, workloads);
  }

  const cluster = readCluster(req.required, replica.clusterName);
  if (cluster.state !== 'ready') {
    return held(req, 'WaitingForCluster', waitingForClusterMessage(replica.clusterName, cluster.state), workloads);
  }

  const composed: ComposedManifest[] = [
    ...routing.workloads.map((w): ComposedManifest => ({
      key: w.key,
      manifest: w.manifest,
      readiness: 'Available',
      title: `engine "${w.engine.name}"`,
    })),
    ...claims,
    ...routing.resources,
  ];
  const delivered = deliver(composed, {
    namespace: replica.namespace,
    providerConfig: { kind: req.input.providerConfigKind, name: cluster.providerConfigName },
  });
  const running = composed.flatMap((c) => (c.readiness === 'Available' ? [{ key: c.key, title: c.title ?? c.key }] : []));
  const conditions: StatusCondition[] = composedConditions({ workloads, running, observed: req.observed });
  const results: FunctionResult[] = [
    ...composingResult(replica, workloads, req.observed),
    ...routing.warnings.map((warning): FunctionResult => ({ severity: 'Warning', ...warning })),
  ];
  return {
    desired: sortedByKey(desiredWithReadiness(composed, delivered, req.observed)),
    status: { ...replicaStatus(replica, workloads, req.observed) },
    conditions,
    results,
  };
}

export function runModelReplica(req: CompositionRequest): CompositionResponse {
  const clusterName = clusterNameOf(req.composite);
  const requirements: Record<string, ResourceSelector> =
    clusterName === undefined ? {} : { [CLUSTER_REQUIREMENT]: clusterRequirement(clusterName) };
  try {
    return { ...composeReplica(req), requirements };
  } catch (error) {
    // A defect must not tear down serving: keep what exists and stop here (Crossplane keeps the
    // previous state on a Fatal result).
    const detail = error instanceof Error ? error.message : String(error);
    return {
      desired: holdObserved(req.observed),
      status: {},
      conditions: [],
      results: [{ severity: 'Fatal', message: `internal error composing ModelReplica: ${detail.slice(0, 200)}` }],
      requirements,
    };
  }
}
