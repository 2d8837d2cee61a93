// Standalone engine → apps/v1 Deployment.
import { LABEL_WORKLOAD } from '../../k8s/labels.js';
import type { DeploymentManifest, PodTemplateSpec, RemoteMeta } from '../manifests.js';

export function standaloneDeployment(metadata: RemoteMeta, copies: number, template: PodTemplateSpec): DeploymentManifest {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata,
    spec: {
      replicas: copies,
      selector: { matchLabels: { [LABEL_WORKLOAD]: metadata.name } },
      // The fleet ledger reserves no spare GPU node for a surge pod, so a surge would stall the
      // rollout: replace one pod at a time instead.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } },
      template,
    },
  };
}
