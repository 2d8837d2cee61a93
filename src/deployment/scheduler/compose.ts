// The ModelReplicaSpec of a placed, retained or re-placed replica (api.md, "ModelReplica"): the
// deployment's engines with the scheduler's decisions resolved on. User fields are copied verbatim
// (shared, not cloned: the output is read-only) and nothing is added that the user did not write.
import type { ModelDeploymentSpec, ModelReplicaSpec, ReplicaEngine, ReplicaMember } from '../../api/types.js';
import type { PoolFit } from './matching.js';

/** `fits[e]` is engine e's pool (in deployment order) with each member's resolved device requests. */
export function composeReplicaSpec(spec: ModelDeploymentSpec, cluster: string, fits: readonly PoolFit[]): ModelReplicaSpec {
  const engines = spec.engines.map((engine, e): ReplicaEngine => {
    const fit = fits[e]!;
    return {
      name: engine.name,
      ...(engine.copies !== undefined && { copies: engine.copies }),
      ...(engine.phase !== undefined && { phase: engine.phase }),
      members: engine.members.map((member, m): ReplicaMember => {
        const deviceRequests = fit.deviceRequests[m]!;
        return {
          ...(member.role !== undefined && { role: member.role }),
          nodePoolName: fit.pool,
          // A member that claims nothing carries no deviceRequests at all, never an empty list.
          ...(deviceRequests.length > 0 && { deviceRequests }),
          ...(member.worker !== undefined && { worker: member.worker }),
          template: member.template,
        };
      }),
    };
  });
  return {
    clusterName: cluster,
    ...(spec.serving !== undefined && { serving: spec.serving }),
    engines,
  };
}
