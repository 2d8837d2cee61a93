// The contract between the ModelDeployment pipeline (reads the request, composes the output) and
// the scheduler (pure placement decisions). Scheduling knows nothing of protobuf or requirements; it
// knows the names and keys replicas are composed under only to keep them distinct (identity.ts). The
// pipeline knows nothing of pools, ledgers or search.
import type {
  DeploymentEngine,
  GpuPool,
  KubeObject,
  ModelDeploymentSpec,
  ModelReplicaSpec,
} from '../../api/types.js';

/** One InferenceCluster as the scheduler sees it. Built by the pipeline from the `clusters` items. */
export interface ClusterView {
  name: string;
  /** Passes the deployment's clusterSelector (matchLabels and matchExpressions). */
  selected: boolean;
  /** status.conditions[type=Ready].status == "True". */
  ready: boolean;
  /** status.gateway.address, when set and non-empty. */
  gatewayAddress?: string;
  /** metadata.deletionTimestamp is set. */
  terminating: boolean;
  /**
   * Set when the status of a selected cluster is malformed (a field of the wrong type): names the
   * field, e.g. `status.gpuPools[1].nodes: "eight" is not a number`. Such a cluster keeps its
   * replicas exactly as observed and takes no new ones; `pools` is then empty.
   */
  malformed?: string;
  /**
   * Published pools in published order; counts already normalised (missing/negative → 0). A pool or
   * device that needed no normalising is the published object itself, shared with the request: it
   * is read-only, may carry fields the function does not read, and a device may leave `claim` out
   * (DRA). Read for selected clusters only: an unselected cluster can neither take nor keep a
   * replica of this deployment, so its pools are left empty and its status unchecked.
   */
  pools: GpuPool[];
}

/** Nodes consumed on one pool of one cluster. */
export interface Charge {
  cluster: string;
  pool: string;
  nodes: number;
}

/** An observed ModelReplica composed by this deployment (its identity comes from the observed state). */
export interface ExistingReplica {
  /** metadata.name of the observed ModelReplica. */
  name: string;
  /**
   * The key it was observed under among the composed resources (unique among observed resources).
   * Undefined when not known: the replica is then taken to be keyed `replica-<cluster>-<index>`.
   */
  key?: string;
  /** spec.clusterName as observed ('' when missing). */
  cluster: string;
  /** modelplane.ai/replica-index label; undefined when missing or not a non-negative decimal integer. */
  index?: number;
  /** The observed ModelReplica is Ready=True. */
  ready: boolean;
  /** The observed spec (untrusted: may be hand-edited or half-populated). */
  spec: unknown;
  /** The full observed object, for "keep exactly as observed". */
  observed: KubeObject;
}

export interface ScheduleInput {
  deployment: { name: string; namespace: string };
  /** The deployment spec with schema defaults applied (copies 1, count 1, role Standalone, …). */
  spec: ModelDeploymentSpec;
  /** Every InferenceCluster in the `clusters` result (selected or not), sorted by name. */
  clusters: ClusterView[];
  /** This deployment's observed ModelReplicas, any order. */
  existing: ExistingReplica[];
  /** What every other ModelReplica of the fleet consumes (any namespace/deployment). */
  foreignCharges: Charge[];
}

export interface EnginePlacement {
  name: string;
  pool: string;
  /** The engine's node cost on its pool: sum over claiming members of pods × copies. */
  nodes: number;
}

export interface ScheduledReplica {
  cluster: string;
  index: number;
  /**
   * The spec to compose. For a replica kept exactly as observed (a stale replica that could not be
   * re-placed, or one on a malformed cluster) this is the observed spec, untouched.
   */
  spec: ModelReplicaSpec;
  engines: EnginePlacement[];
  /** How it came to be: kept with its placement, newly placed, replaced, or kept as observed. */
  origin: 'retained' | 'placed' | 'replaced' | 'keptAsObserved';
  /** The existing replica it continues (retained, replaced, keptAsObserved). */
  from?: ExistingReplica;
}

export interface Unschedulable {
  cluster: string;
  reason: string;
}

export interface StaleNotReplaced {
  replica: string;
  cluster: string;
  /** Why it went stale and why no replacement fits, in plain words. */
  reason: string;
}

export interface Overcommit {
  replica: string;
  cluster: string;
  pool: string;
  need: number;
  free: number;
}

export interface ScheduleOutput {
  /** Sorted by (cluster, index). */
  replicas: ScheduledReplica[];
  /** spec.replicas minus replicas placed, when positive. */
  shortfall: number;
  /** Per selected cluster, why more could not be placed (only on a shortfall or a stale miss). */
  unschedulable: Unschedulable[];
  /** Condensed reasons for the ReplicasScheduled message, most common first, with counts. */
  condensedReasons: string;
  staleNotReplaced: StaleNotReplaced[];
  overcommitted: Overcommit[];
}

/** The deployment engine type, re-exported for scheduler modules. */
export type { DeploymentEngine };
