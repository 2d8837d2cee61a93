// The plain-object contract between the gRPC layer and the pipelines. The gRPC layer converts a
// RunFunctionRequest into a CompositionRequest and a CompositionResponse back into protobuf; the
// pipelines never see protobuf and never do I/O.
import type { KubeObject } from './api/types.js';
import type { FunctionInput } from './api/input.js';

export interface ResourceSelector {
  apiVersion: string;
  kind: string;
  matchName?: string;
  /** Present (possibly empty) to select by labels; an empty map selects every object. */
  matchLabels?: Record<string, string>;
  /** Omitted: cluster-scoped, or every namespace when selecting by labels. */
  namespace?: string;
}

export type ResultSeverity = 'Normal' | 'Warning' | 'Fatal';

export interface FunctionResult {
  severity: ResultSeverity;
  message: string;
  reason?: string;
}

export interface StatusCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message?: string;
}

export interface DesiredResource {
  resource: KubeObject;
  /** Omitted: let Crossplane derive readiness (it will not, for our kinds: it means not ready). */
  ready?: boolean;
}

export interface CompositionRequest {
  /** The observed composite resource (the XR), full object with status. */
  composite: KubeObject;
  /** Observed composed resources by composition-resource-name, full objects with status. */
  observed: Record<string, KubeObject>;
  /** Required resources by requirement key. A key that is absent is unresolved. */
  required: Record<string, KubeObject[]>;
  /** The function Input with defaults applied. */
  input: FunctionInput;
}

export interface CompositionResponse {
  /** Desired composed resources by key. Only what this function owns. */
  desired: Record<string, DesiredResource>;
  /** The XR status fields this function owns (conditions go separately). */
  status: Record<string, unknown>;
  conditions: StatusCondition[];
  results: FunctionResult[];
  requirements: Record<string, ResourceSelector>;
}
