// The oracle the fuzzer judges every response by. It does not re-implement the scheduler; it checks
// what must hold whatever the scheduler decides:
// - Fatal only where conventions.md allows it (no XR, unsupported kind, invalid Input), plus an XR
//   whose identity cannot be read (scheduling.md: "Fatal only when nothing sensible can be done").
// - Nothing observed disappears from the desired state except where the spec says it may:
//   ModelDeployment: a ModelReplica only through scale-down, re-placement or a deleted cluster, a
//   ModelEndpoint only when withdrawn; ModelReplica: nothing on a hold path, and on the compose path
//   exactly the objects the replica's shape calls for.
// - An XR the XRD would reject is held (scheduling.md and replica.md, "When input is bad").
// - Hold paths return what they keep in the stripped "keep observed" form.
// - No two composed objects share a name; every replica the status counts is composed.
// - The requirements are declared on every response.
import { Severity, type RunFunctionResponse } from '@crossplane-org/function-sdk-typescript';
import { validateManifest } from '../../src/api/schema.js';
import { API_VERSION, type Json, type JsonObject } from './reliability-fleet.js';
import { replicaShapeKeys, type FuzzCase } from './reliability-generators.js';

export type FatalKind = 'noComposite' | 'unsupportedKind' | 'invalidInput' | 'unreadableIdentity';

export interface Verdict {
  /** Which path the response took, for the tally: `fatal:<kind>`, `ModelDeployment:<reason>`, ... */
  path: string;
  findings: string[];
}

const HOLD_REASONS_DEPLOYMENT = new Set(['InvalidSpec', 'InvalidNodeSelector']);
const HOLD_REASONS_REPLICA = new Set(['WaitingForCluster', 'InvalidServing']);
const LIVE_METADATA = ['uid', 'resourceVersion', 'managedFields', 'ownerReferences', 'creationTimestamp', 'generation'];

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Structural equality of JSON-ish values; NaN equals NaN (it survives protobuf as NaN). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b || (Number.isNaN(a) && Number.isNaN(b));
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

function show(value: unknown, max = 120): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function isReadyTrue(object: JsonObject | undefined): boolean {
  const conditions = isObject(object?.status) ? object.status.conditions : undefined;
  return Array.isArray(conditions) && conditions.some((c) => isObject(c) && c.type === 'Ready' && c.status === 'True');
}

function observedOf(c: FuzzCase): Record<string, JsonObject> {
  const out: Record<string, JsonObject> = {};
  for (const [key, r] of Object.entries(c.request.observed?.resources ?? {})) if (isObject(r.resource)) out[key] = r.resource as JsonObject;
  return out;
}

function desiredOf(rsp: RunFunctionResponse): Record<string, JsonObject> {
  const out: Record<string, JsonObject> = {};
  for (const [key, r] of Object.entries(rsp.desired?.resources ?? {})) if (isObject(r.resource)) out[key] = r.resource as JsonObject;
  return out;
}

function requiredOf(c: FuzzCase, key: string): JsonObject[] | undefined {
  const entry = c.request.requiredResources[key];
  return entry === undefined ? undefined : entry.items.map((i) => i.resource).filter(isObject) as JsonObject[];
}

function reasonOf(rsp: RunFunctionResponse, type: string): string | undefined {
  return rsp.conditions.find((cond) => cond.type === type)?.reason;
}

/** Which Fatal results this request may get, and which it must get. */
function expectedFatal(c: FuzzCase): { must?: FatalKind; may: Set<FatalKind> } {
  const composite = c.request.observed?.composite?.resource as JsonObject | undefined;
  if (!isObject(composite)) return { must: 'noComposite', may: new Set(['noComposite']) };
  if (composite.apiVersion !== API_VERSION || (composite.kind !== 'ModelDeployment' && composite.kind !== 'ModelReplica')) {
    return { must: 'unsupportedKind', may: new Set(['unsupportedKind']) };
  }
  if (c.inputClass === 'invalid') return { must: 'invalidInput', may: new Set(['invalidInput']) };
  const may = new Set<FatalKind>();
  if (c.inputClass === 'either') may.add('invalidInput');
  const meta = composite.metadata;
  const readable = (v: unknown): boolean => typeof v === 'string' && v !== '';
  if (composite.kind === 'ModelDeployment' && !(isObject(meta) && readable(meta.name) && readable(meta.namespace))) may.add('unreadableIdentity');
  return { may };
}

function classifyFatal(message: string): FatalKind | undefined {
  if (message === 'request has no observed composite resource') return 'noComposite';
  if (message.startsWith('unsupported composite kind ')) return 'unsupportedKind';
  if (message.startsWith('invalid function input: ')) return 'invalidInput';
  if (message.startsWith('invalid ModelDeployment: metadata.')) return 'unreadableIdentity';
  return undefined;
}

/** The stripped "keep observed" form: same apiVersion, kind, spec, labels, annotations; nothing live. */
function heldFormProblems(key: string, observed: JsonObject, desired: JsonObject): string[] {
  const problems: string[] = [];
  for (const field of ['apiVersion', 'kind', 'spec'] as const) {
    if (!sameJson(observed[field], desired[field])) problems.push(`held ${key}: ${field} changed from ${show(observed[field])} to ${show(desired[field])}`);
  }
  if (isObject(observed.metadata) && isObject(desired.metadata)) {
    for (const field of ['name', 'namespace', 'labels', 'annotations'] as const) {
      if (!sameJson(observed.metadata[field], desired.metadata[field])) problems.push(`held ${key}: metadata.${field} changed`);
    }
  }
  return problems;
}

/** Nothing a live object carries (status, uid, managedFields, ...) is ever sent back as desired. */
function liveFieldProblems(desired: Record<string, JsonObject>): string[] {
  const problems: string[] = [];
  for (const [key, object] of Object.entries(desired)) {
    if (object.status !== undefined) problems.push(`desired ${key} carries status`);
    const meta = object.metadata;
    if (isObject(meta)) for (const f of LIVE_METADATA) if (meta[f] !== undefined) problems.push(`desired ${key} carries metadata.${f}`);
  }
  return problems;
}

function keepsEverything(observed: Record<string, JsonObject>, desired: Record<string, JsonObject>, why: string): string[] {
  const problems: string[] = [];
  for (const [key, object] of Object.entries(observed)) {
    const kept = desired[key];
    if (kept === undefined) problems.push(`${why}: observed ${key} (${show(object.kind)}) was dropped`);
    else problems.push(...heldFormProblems(key, object, kept));
  }
  return problems;
}

/**
 * Why the XRD would reject this XR's spec, or undefined. Unknown fields do not count: the API
 * server prunes them, so a pipeline may ignore them too.
 */
function xrdRejection(composite: JsonObject): string | undefined {
  const violation = validateManifest(composite).find((v) => v.path.startsWith('spec') && !v.message.includes('field not declared in schema'));
  return violation === undefined ? undefined : `${violation.path}: ${show(violation.message, 160)}`;
}

function duplicateNames(objects: JsonObject[], what: string): string[] {
  const seen = new Set<string>();
  const problems: string[] = [];
  for (const o of objects) {
    const meta = isObject(o.metadata) ? o.metadata : {};
    if (typeof meta.name !== 'string') continue; // held observed objects may have lost theirs
    const id = JSON.stringify([o.apiVersion, o.kind, meta.namespace, meta.name]);
    if (seen.has(id)) problems.push(`two composed ${what} share the name ${show(meta.name)}`);
    seen.add(id);
  }
  return problems;
}

// ---- ModelDeployment ------------------------------------------------------------------------

interface Fleet {
  byName: Map<string, JsonObject>;
}

function fleetOf(clusters: JsonObject[]): Fleet {
  const byName = new Map<string, JsonObject>();
  for (const c of clusters) {
    const name = isObject(c.metadata) ? c.metadata.name : undefined;
    if (typeof name === 'string' && !byName.has(name)) byName.set(name, c);
  }
  return { byName };
}

function clusterOfReplica(replica: JsonObject): string | undefined {
  const name = isObject(replica.spec) ? replica.spec.clusterName : undefined;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

function gatewayAddress(cluster: JsonObject | undefined): string | undefined {
  const status = cluster?.status;
  const address = isObject(status) && isObject(status.gateway) ? status.gateway.address : undefined;
  return typeof address === 'string' && address !== '' ? address : undefined;
}

/** Why an observed endpoint may be withdrawn, or undefined when it must stay. */
function endpointWithdrawal(
  endpoint: JsonObject,
  observed: Record<string, JsonObject>,
  desired: Record<string, JsonObject>,
  fleet: Fleet,
): string | undefined {
  const name = isObject(endpoint.metadata) ? endpoint.metadata.name : undefined;
  const entry = Object.entries(observed).find(([, o]) => o.kind === 'ModelReplica' && isObject(o.metadata) && o.metadata.name === name);
  if (entry === undefined) return 'no observed replica of that name';
  const [replicaKey, replica] = entry;
  if (desired[replicaKey] === undefined) return 'its replica was dropped';
  if (!isReadyTrue(replica)) return 'its replica is not Ready';
  const cluster = clusterOfReplica(replica);
  if (cluster === undefined || !fleet.byName.has(cluster)) return 'its cluster is gone';
  if (gatewayAddress(fleet.byName.get(cluster)) === undefined) return 'its cluster has no gateway address';
  return undefined;
}

function readReplicaCount(composite: JsonObject): number | undefined {
  const replicas = isObject(composite.spec) ? composite.spec.replicas : undefined;
  return typeof replicas === 'number' && Number.isSafeInteger(replicas) && replicas >= 0 ? replicas : undefined;
}

function judgeDeployment(c: FuzzCase, rsp: RunFunctionResponse): Verdict {
  const findings: string[] = [];
  const composite = c.request.observed!.composite!.resource as JsonObject;
  const observed = observedOf(c);
  const desired = desiredOf(rsp);
  const reqs = rsp.requirements?.resources ?? {};
  if (reqs.clusters?.kind !== 'InferenceCluster' || reqs.replicas?.kind !== 'ModelReplica') {
    findings.push(`requirements not declared: ${show(Object.keys(reqs))}`);
  }
  findings.push(...liveFieldProblems(desired));

  const clusters = requiredOf(c, 'clusters');
  const replicas = requiredOf(c, 'replicas');
  const reason = reasonOf(rsp, 'ReplicasScheduled');
  if (clusters === undefined || replicas === undefined) {
    findings.push(...keepsEverything(observed, desired, 'requirements unresolved'));
    return { path: 'ModelDeployment:unresolved', findings };
  }
  if (reason !== undefined && HOLD_REASONS_DEPLOYMENT.has(reason)) {
    findings.push(...keepsEverything(observed, desired, `hold (${reason})`));
    return { path: `ModelDeployment:${reason}`, findings };
  }
  const rejection = xrdRejection(composite);
  // NoClusters holds the replicas too (and withdraws only endpoints of clusters that are gone).
  if (rejection !== undefined && reason !== 'NoClusters') findings.push(`the XRD rejects ${rejection}, yet ReplicasScheduled is ${show(reason)}, not a hold`);
  const composed = Object.values(desired).filter((o) => o.kind === 'ModelReplica');
  findings.push(...duplicateNames(composed, 'ModelReplicas'), ...duplicateNames(Object.values(desired).filter((o) => o.kind === 'ModelEndpoint'), 'ModelEndpoints'));
  const status = rsp.desired?.composite?.resource?.status as { replicas?: { total?: unknown } } | undefined;
  if (reason !== 'NoClusters' && status?.replicas?.total !== composed.length) {
    findings.push(`status.replicas.total is ${show(status?.replicas?.total)} but ${composed.length} ModelReplicas are composed`);
  }

  if (reason === 'NoClusters') {
    const replicasObserved = Object.fromEntries(Object.entries(observed).filter(([, o]) => o.kind === 'ModelReplica'));
    findings.push(...keepsEverything(replicasObserved, desired, 'hold (NoClusters)'));
  }
  const fleet = fleetOf(clusters);
  const dropped = Object.keys(observed).filter((key) => desired[key] === undefined);
  const replicaDrops: string[] = [];
  for (const key of dropped) {
    const object = observed[key]!;
    if (object.kind === 'ModelReplica') {
      const cluster = clusterOfReplica(object);
      const deleted = cluster === undefined || !fleet.byName.has(cluster);
      if (!deleted && reason !== 'NoClusters') replicaDrops.push(key);
    } else if (object.kind === 'ModelEndpoint') {
      if (endpointWithdrawal(object, observed, desired, fleet) === undefined) {
        findings.push(`endpoint ${key} withdrawn although its replica is Ready and kept on a cluster with a gateway address`);
      }
    }
    // Anything else was never composed by this step (Crossplane only observes what it composed).
  }
  if (replicaDrops.length > 0) {
    const desiredReplicas = Object.entries(desired).filter(([, o]) => o.kind === 'ModelReplica');
    // A replacement is a desired replica under a key that held no replica on that cluster (a key
    // can be reused when the replica observed under it pointed at an unknown cluster).
    const fresh = desiredReplicas.filter(([key, o]) => {
      const before = observed[key];
      return before?.kind !== 'ModelReplica' || clusterOfReplica(before) !== clusterOfReplica(o);
    }).length;
    const wanted = readReplicaCount(composite);
    const scaledDown = wanted !== undefined && desiredReplicas.length >= wanted;
    if (replicaDrops.length > fresh && !scaledDown) {
      findings.push(
        `replicas ${show(replicaDrops)} on existing clusters were dropped with only ${fresh} replacement(s), ` +
          `${desiredReplicas.length} composed for spec.replicas ${show(wanted)} (ReplicasScheduled ${show(reason)})`,
      );
    }
  }
  return { path: `ModelDeployment:${reason ?? 'no condition'}`, findings };
}

// ---- ModelReplica ---------------------------------------------------------------------------

function lastPortFlag(args: unknown): string | undefined {
  if (!Array.isArray(args) || !args.every((a) => typeof a === 'string')) return undefined;
  let port: string | undefined;
  args.forEach((arg: string, i) => {
    if (arg.startsWith('--port=')) port = arg.slice('--port='.length);
    else if (arg === '--port') port = (args[i + 1] as string | undefined) ?? '';
  });
  return port;
}

/** Under PrefillDecode, the decode engine's serving container must not claim 8000 (the sidecar's). */
function decodePortProblem(spec: unknown): string | undefined {
  if (!isObject(spec) || !isObject(spec.serving) || spec.serving.mode !== 'PrefillDecode' || !Array.isArray(spec.engines)) return undefined;
  const decode = spec.engines.find((e) => isObject(e) && e.phase === 'Decode') as JsonObject | undefined;
  const members = Array.isArray(decode?.members) ? (decode.members as Json[]) : [];
  const serving = members.find((m) => isObject(m) && (m.role === undefined || m.role === 'Standalone' || m.role === 'Leader')) as JsonObject | undefined;
  const container = isObject(serving?.template) && isObject(serving.template.spec) && Array.isArray(serving.template.spec.containers)
    ? serving.template.spec.containers[0]
    : undefined;
  if (!isObject(container) || container.command !== undefined) return undefined;
  const port = lastPortFlag(container.args);
  if (port === undefined) return undefined;
  const n = /^[0-9]+$/.test(port) ? Number(port) : NaN;
  if (n === 8000) return 'the decode engine listens on 8000';
  if (!(n >= 1 && n <= 65535)) return `the decode engine's --port ${show(port)} is unparseable`;
  return undefined;
}

function judgeReplica(c: FuzzCase, rsp: RunFunctionResponse): Verdict {
  const findings: string[] = [];
  const composite = c.request.observed!.composite!.resource as JsonObject;
  const observed = observedOf(c);
  const desired = desiredOf(rsp);
  findings.push(...liveFieldProblems(desired));
  const clusterName = isObject(composite.spec) ? composite.spec.clusterName : undefined;
  if (typeof clusterName === 'string' && clusterName !== '') {
    const req = rsp.requirements?.resources?.cluster;
    if (req?.kind !== 'InferenceCluster' || req.matchName !== clusterName) findings.push(`cluster requirement not declared for ${show(clusterName)}`);
  }
  const reason = reasonOf(rsp, 'ModelAccepted');
  if (reason === undefined) return { path: 'ModelReplica:no condition', findings: [...findings, 'no ModelAccepted condition'] };
  if (HOLD_REASONS_REPLICA.has(reason)) {
    findings.push(...keepsEverything(observed, desired, `hold (${reason})`));
    return { path: `ModelReplica:${reason}`, findings };
  }

  const rejection = xrdRejection(composite);
  if (rejection !== undefined) findings.push(`the XRD rejects ${rejection}, yet ModelAccepted is ${reason}, not a hold`);
  findings.push(
    ...duplicateNames(
      Object.values(desired).map((o) => (isObject(o.spec) && isObject(o.spec.forProvider) && isObject(o.spec.forProvider.manifest) ? o.spec.forProvider.manifest : o)),
      'remote objects',
    ),
  );
  const items = requiredOf(c, 'cluster');
  const cluster = items?.find((i) => isObject(i.metadata) && i.metadata.name === clusterName);
  const providerConfig = isObject(cluster?.status) && isObject(cluster.status.providerConfigRef) ? cluster.status.providerConfigRef.name : undefined;
  if (typeof providerConfig !== 'string' || providerConfig === '') {
    findings.push(`composed (${reason}) although the cluster is ${items === undefined ? 'unresolved' : cluster === undefined ? 'missing' : 'without providerConfigRef'}`);
  }
  const portProblem = decodePortProblem(composite.spec);
  if (portProblem !== undefined) findings.push(`composed (${reason}) although ${portProblem}`);
  const shape = replicaShapeKeys(composite.spec);
  const keys = Object.keys(desired).sort();
  if (shape === undefined) findings.push(`composed ${show(keys)} from a spec whose shape cannot be read: ${show(composite.spec)}`);
  else if (!sameJson(keys, shape)) findings.push(`composed keys ${show(keys, 400)}, the replica's shape calls for ${show(shape, 400)}`);
  return { path: `ModelReplica:${reason}`, findings };
}

// ---- Entry point ----------------------------------------------------------------------------

export function judge(c: FuzzCase, rsp: RunFunctionResponse): Verdict {
  const fatal = rsp.results.filter((r) => r.severity === Severity.SEVERITY_FATAL);
  const expected = expectedFatal(c);
  if (fatal.length > 0) {
    const kinds = fatal.map((r) => classifyFatal(r.message));
    const kind = kinds[0];
    if (kind === undefined || !expected.may.has(kind) || kinds.some((k) => k !== kind)) {
      return { path: 'fatal:unexpected', findings: [`unexpected Fatal: ${fatal.map((r) => show(r.message, 300)).join(' | ')}`] };
    }
    return { path: `fatal:${kind}`, findings: [] };
  }
  if (expected.must !== undefined) return { path: 'missing fatal', findings: [`expected a Fatal result (${expected.must}), got none`] };
  const kind = (c.request.observed!.composite!.resource as JsonObject).kind;
  return kind === 'ModelDeployment' ? judgeDeployment(c, rsp) : judgeReplica(c, rsp);
}
