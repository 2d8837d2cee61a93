// Remote object names and desired-resource keys of one ModelReplica (conventions.md, "Remote
// names"). Every name hashes the replica's namespace and name, so same-named replicas of two teams
// on one cluster never share an object or a selector.
import type { Role } from '../api/types.js';
import { LWS_NAME_BUDGET, NAME_BUDGET, remoteName } from '../k8s/names.js';
import type { EngineView } from './replica.js';

export interface ReplicaIdentity {
  readonly namespace: string;
  readonly name: string;
}

// The stages of one call ask for the same names again and again (every workload name checks itself
// against the serving and picker names; status, composition and routing each name the workloads),
// so each name is made once per identity object: a replica view, which the check of its composite
// keeps for the later calls with the same content (check.ts), so those calls name nothing again.
const namesOf = new WeakMap<ReplicaIdentity, Map<string, string>>();

function named(id: ReplicaIdentity, what: string, make: (id: ReplicaIdentity) => string): string {
  let names = namesOf.get(id);
  if (names === undefined) {
    names = new Map();
    namesOf.set(id, names);
  }
  let name = names.get(what);
  if (name === undefined) {
    name = make(id);
    names.set(what, name);
  }
  return name;
}

const makeServingName = (id: ReplicaIdentity): string => remoteName(id.name, NAME_BUDGET, id.namespace, id.name, 'serve');
const makePoolName = (id: ReplicaIdentity): string => remoteName(`${id.name}-pool`, NAME_BUDGET, id.namespace, id.name, 'pool');
const makePickerName = (id: ReplicaIdentity): string => remoteName(`${id.name}-epp`, NAME_BUDGET, id.namespace, id.name, 'epp');

/** The Unified Service, the HTTPRoute, and the `modelplane.ai/serving` label value. */
export function servingName(id: ReplicaIdentity): string {
  return named(id, 'serve', makeServingName);
}

export function poolName(id: ReplicaIdentity): string {
  return named(id, 'pool', makePoolName);
}

/** Shared by every endpoint-picker object (ServiceAccount, Role, …, Deployment, Service). */
export function endpointPickerName(id: ReplicaIdentity): string {
  return named(id, 'epp', makePickerName);
}

/**
 * The engine's Deployment or LeaderWorkerSet. The LWS controller creates a headless Service named
 * after the LWS only when no Service of that name exists, so a workload named like a Service this
 * step composes would deadlock its gang. The conventional name can coincide with one: an engine
 * called `epp` hashes exactly the parts of the endpoint picker's name. Such an engine gets one more
 * hashed part (`workload`) until its name is free; every other engine keeps the conventional name.
 */
export function workloadName(id: ReplicaIdentity, engine: EngineView): string {
  return named(id, `workload ${engine.shape} ${engine.name}`, (of) => makeWorkloadName(of, engine));
}

function makeWorkloadName(id: ReplicaIdentity, engine: EngineView): string {
  const budget = engine.shape === 'Gang' ? LWS_NAME_BUDGET : NAME_BUDGET;
  const serviceNames = new Set([servingName(id), endpointPickerName(id)]);
  const parts = [id.namespace, id.name, engine.name];
  let name = remoteName(`${id.name}-${engine.name}`, budget, ...parts);
  while (serviceNames.has(name)) {
    parts.push('workload');
    name = remoteName(`${id.name}-${engine.name}`, budget, ...parts);
  }
  return name;
}

export function claimTemplateName(id: ReplicaIdentity, engineName: string, role: Role): string {
  return named(id, `claim ${engineName} ${role}`, (of) => {
    const roleName = role.toLowerCase();
    return remoteName(`${of.name}-${engineName}-${roleName}`, NAME_BUDGET, of.namespace, of.name, engineName, roleName);
  });
}

export const workloadKey = (engineName: string): string => `workload-${engineName}`;
export const claimKey = (engineName: string, role: Role): string => `claim-${engineName}-${role.toLowerCase()}`;

export const KEY_SERVICE = 'service';
export const KEY_ROUTE = 'route';
export const KEY_POOL = 'pool';
export const KEY_EPP_SERVICE_ACCOUNT = 'epp-serviceaccount';
export const KEY_EPP_ROLE = 'epp-role';
export const KEY_EPP_ROLE_BINDING = 'epp-rolebinding';
export const KEY_EPP_CONFIG = 'epp-config';
export const KEY_EPP_DEPLOYMENT = 'epp-deployment';
export const KEY_EPP_SERVICE = 'epp-service';

/** The per-replica HTTP path prefix the route matches and the endpoint rewrites. */
export function replicaPath(id: ReplicaIdentity): string {
  return `/${id.namespace}/${id.name}/`;
}

/** An engine's workload as status and readiness see it. */
export interface WorkloadRef {
  engine: string;
  key: string;
  name: string;
}

export function workloadRefs(id: ReplicaIdentity, engines: readonly EngineView[]): WorkloadRef[] {
  return engines.map((engine) => ({ engine: engine.name, key: workloadKey(engine.name), name: workloadName(id, engine) }));
}
