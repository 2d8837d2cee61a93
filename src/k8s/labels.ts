// Label keys the function manages (conventions.md, "Labels").
export const LABEL_DEPLOYMENT = 'modelplane.ai/deployment';
export const LABEL_CLUSTER = 'modelplane.ai/cluster';
export const LABEL_REPLICA_INDEX = 'modelplane.ai/replica-index';
export const LABEL_API = 'modelplane.ai/api';
export const LABEL_POOL = 'modelplane.ai/pool';
export const LABEL_SERVING = 'modelplane.ai/serving';
export const LABEL_WORKLOAD = 'modelplane.ai/workload';
export const LABEL_ENGINE = 'modelplane.ai/engine';
export const LABEL_LLMD_ROLE = 'llm-d.ai/role';
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'modelplane';

/** Annotation Crossplane (and `crossplane render`) use to name a composed resource's key. */
export const ANNOTATION_COMPOSITION_RESOURCE_NAME = 'crossplane.io/composition-resource-name';
