// RunFunction: convert the protobuf request into the plain CompositionRequest, dispatch on the
// observed XR's kind, convert the CompositionResponse back. No composition logic lives here.
import {
  Ready,
  Severity,
  Status,
  Target,
  type Resource,
  type RunFunctionRequest,
  type RunFunctionResponse,
} from '@crossplane-org/function-sdk-typescript';
import { baseResponse, protoRequirements } from './response.js';
import { cut, describeValue, isRecord } from './values.js';
import { API_VERSION, type KubeObject } from './api/types.js';
import { parseInput } from './api/input.js';
import type { CompositionRequest, CompositionResponse, FunctionResult, StatusCondition } from './composition.js';
import { runModelDeployment } from './deployment/pipeline.js';
import { runModelReplica } from './replica/pipeline.js';

type Pipeline = (req: CompositionRequest) => CompositionResponse;

// A Map, not an object literal: a kind like "toString" must not find Object.prototype members.
const PIPELINES: ReadonlyMap<string, Pipeline> = new Map([
  ['ModelDeployment', runModelDeployment],
  ['ModelReplica', runModelReplica],
]);

function fatalResponse(req: RunFunctionRequest, message: string): RunFunctionResponse {
  const rsp = baseResponse(req);
  rsp.results.push({ severity: Severity.SEVERITY_FATAL, message, target: Target.TARGET_COMPOSITE });
  return rsp;
}

/** A request value as text for a message: strings as they are, anything else as JSON; cut short. */
function shown(value: unknown): string {
  return typeof value === 'string' ? cut(value) : describeValue(value);
}

function asObject(value: unknown): KubeObject | undefined {
  return isRecord(value) ? (value as KubeObject) : undefined;
}

/** The pipelines' view of a request: the XR, what is observed and required, and the parsed Input. */
export function toCompositionRequest(req: RunFunctionRequest, composite: KubeObject, input: CompositionRequest['input']): CompositionRequest {
  const observed: Record<string, KubeObject> = {};
  for (const [key, res] of Object.entries(req.observed?.resources ?? {})) {
    const obj = asObject(res?.resource);
    if (obj) observed[key] = obj;
  }
  const required: Record<string, KubeObject[]> = {};
  for (const [key, resources] of Object.entries(req.requiredResources ?? {})) {
    required[key] = (resources?.items ?? []).map((item) => asObject(item.resource)).filter((o): o is KubeObject => !!o);
  }
  return { composite, observed, required, input };
}

const SEVERITY: Record<FunctionResult['severity'], Severity> = {
  Normal: Severity.SEVERITY_NORMAL,
  Warning: Severity.SEVERITY_WARNING,
  Fatal: Severity.SEVERITY_FATAL,
};

const CONDITION_STATUS: Record<StatusCondition['status'], Status> = {
  True: Status.STATUS_CONDITION_TRUE,
  False: Status.STATUS_CONDITION_FALSE,
  Unknown: Status.STATUS_CONDITION_UNKNOWN,
};

function toResource(resource: KubeObject, ready: boolean | undefined): Resource {
  const readiness = ready === undefined ? Ready.READY_UNSPECIFIED : ready ? Ready.READY_TRUE : Ready.READY_FALSE;
  return { resource, connectionDetails: {}, ready: readiness };
}

function toRunFunctionResponse(req: RunFunctionRequest, composite: KubeObject, out: CompositionResponse): RunFunctionResponse {
  const rsp = baseResponse(req);
  for (const key of Object.keys(out.desired).sort()) {
    const desired = out.desired[key]!;
    rsp.desired!.resources[key] = toResource(desired.resource, desired.ready);
  }
  // The XR: keep what earlier steps desired, and set the status fields this function owns.
  const previous = asObject(req.desired?.composite?.resource) ?? {};
  const previousStatus = asObject(previous.status) ?? {};
  const meta = composite.metadata ?? {};
  rsp.desired!.composite = {
    resource: {
      ...previous,
      apiVersion: composite.apiVersion,
      kind: composite.kind,
      metadata: { ...(asObject(previous.metadata) ?? {}), name: meta.name, ...(meta.namespace ? { namespace: meta.namespace } : {}) },
      status: { ...previousStatus, ...out.status },
    },
    connectionDetails: req.desired?.composite?.connectionDetails ?? {},
    ready: req.desired?.composite?.ready ?? Ready.READY_UNSPECIFIED,
  };
  rsp.conditions = out.conditions.map((c) => ({
    type: c.type,
    status: CONDITION_STATUS[c.status],
    reason: c.reason,
    message: c.message,
    target: Target.TARGET_COMPOSITE,
  }));
  rsp.results = out.results.map((r) => ({
    severity: SEVERITY[r.severity],
    message: r.message,
    reason: r.reason,
    target: Target.TARGET_COMPOSITE,
  }));
  rsp.requirements = protoRequirements(out.requirements);
  return rsp;
}

/** RunFunction for this function. Never throws: every path returns a response. */
export function runFunction(req: RunFunctionRequest): RunFunctionResponse {
  try {
    const composite = asObject(req.observed?.composite?.resource);
    if (!composite) return fatalResponse(req, 'request has no observed composite resource');
    const pipeline = composite.apiVersion === API_VERSION && typeof composite.kind === 'string' ? PIPELINES.get(composite.kind) : undefined;
    if (!pipeline) {
      return fatalResponse(req, `unsupported composite kind ${shown(composite.apiVersion)}/${shown(composite.kind)}`);
    }
    const input = parseInput(req.input);
    if (!input.ok) return fatalResponse(req, `invalid function input: ${input.message}`);
    const out = pipeline(toCompositionRequest(req, composite, input.input));
    return toRunFunctionResponse(req, composite, out);
  } catch (error) {
    // A bug, not an input problem. Fatal keeps Crossplane's previous state: nothing is deleted.
    return fatalResponse(req, `internal error: ${cut(error instanceof Error ? error.message : String(error), 500)}`);
  }
}
