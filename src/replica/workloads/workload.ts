// A composed engine workload, and the one way routing may change it: by rewriting pod templates.
import type { PodTemplateSpec, WorkloadManifest } from '../manifests.js';
import type { EngineView } from '../replica.js';

export interface ComposedWorkload {
  engine: EngineView;
  key: string;
  manifest: WorkloadManifest;
}

/** Where a pod template sits: serving pods take traffic; gang workers never do. */
export type PodPlace = 'serving' | 'worker';

export type PodTemplateEdit = (template: PodTemplateSpec, place: PodPlace) => PodTemplateSpec;

/** The workload with every pod template replaced by `edit(template, place)`. */
export function editPodTemplates(workload: ComposedWorkload, edit: PodTemplateEdit): ComposedWorkload {
  const manifest = workload.manifest;
  if (manifest.kind === 'Deployment') {
    return {
      ...workload,
      manifest: { ...manifest, spec: { ...manifest.spec, template: edit(manifest.spec.template, 'serving') } },
    };
  }
  const group = manifest.spec.leaderWorkerTemplate;
  return {
    ...workload,
    manifest: {
      ...manifest,
      spec: {
        ...manifest.spec,
        leaderWorkerTemplate: {
          ...group,
          leaderTemplate: edit(group.leaderTemplate, 'serving'),
          workerTemplate: edit(group.workerTemplate, 'worker'),
        },
      },
    },
  };
}
