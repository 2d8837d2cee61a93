// The function's Input (api.md, "The function's Input"): every field optional, defaults applied here.

export interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  tolerationSeconds?: number;
}

export interface FunctionInput {
  remoteNamespace: string;
  gateway: { name: string; namespace: string };
  providerConfigKind: string;
  gpuTolerations: Toleration[];
  images: { endpointPicker: string; pdSidecar: string };
}

export const INPUT_API_VERSION = 'fn.modelplane.ai/v1alpha1';
export const INPUT_KIND = 'Input';

export const DEFAULT_INPUT: FunctionInput = Object.freeze({
  remoteNamespace: 'default',
  gateway: { name: 'inference-gateway', namespace: 'modelplane-system' },
  providerConfigKind: 'ClusterProviderConfig',
  gpuTolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
  images: {
    endpointPicker: 'ghcr.io/llm-d/llm-d-router-endpoint-picker:v0.9.0',
    pdSidecar: 'ghcr.io/llm-d/llm-d-router-disagg-sidecar:v0.9.0',
  },
}) as FunctionInput;
