// Leader + Worker engine → leaderworkerset.x-k8s.io/v1 LeaderWorkerSet. Everything not set here
// (startup policy, restart policy, shared subdomain) keeps the LWS defaults.
import type { EnvVar, LeaderWorkerSetManifest, PodTemplateSpec, RemoteMeta } from '../manifests.js';

/**
 * First in the env of every gang pod, so members find each other under names that do not depend
 * on the gang runtime. The LWS controller injects the LWS_* variables these expand.
 */
export const GANG_ENV: readonly EnvVar[] = Object.freeze([
  { name: 'MODELPLANE_LEADER_ADDRESS', value: '$(LWS_LEADER_ADDRESS)' },
  { name: 'MODELPLANE_RANK', value: '$(LWS_WORKER_INDEX)' },
]);

export interface GangShape {
  copies: number;
  workerNodes: number;
  leaderTemplate: PodTemplateSpec;
  workerTemplate: PodTemplateSpec;
}

export function gangLeaderWorkerSet(metadata: RemoteMeta, gang: GangShape): LeaderWorkerSetManifest {
  return {
    apiVersion: 'leaderworkerset.x-k8s.io/v1',
    kind: 'LeaderWorkerSet',
    metadata,
    spec: {
      replicas: gang.copies,
      leaderWorkerTemplate: {
        size: 1 + gang.workerNodes,
        leaderTemplate: gang.leaderTemplate,
        workerTemplate: gang.workerTemplate,
      },
    },
  };
}
