// Turns the schedule into desired composed resources: one ModelReplica per scheduled replica and one
// ModelEndpoint per replica that is serving (its ModelReplica observed Ready=True) on a cluster with
// a gateway address (scheduling.md, "Composed resources").
import { isIPv6 } from 'node:net';
import { API_VERSION, type KubeObject } from '../api/types.js';
import type { DesiredResource } from '../composition.js';
import { LABEL_API, LABEL_CLUSTER, LABEL_DEPLOYMENT, LABEL_REPLICA_INDEX } from '../k8s/labels.js';
import { hashName, labelValue } from '../k8s/names.js';
import { stripObserved } from '../k8s/observed.js';
import type { DeploymentIdentity } from './read-deployment.js';
import type { ClusterView, EnginePlacement, ExistingReplica, ScheduledReplica } from './scheduler/types.js';
import { compareStrings } from '../values.js';

const REPLICA_KIND = 'ModelReplica';
const ENDPOINT_KIND = 'ModelEndpoint';
const ENDPOINT_API = 'OpenAI';

/** One composed ModelReplica, as status reports it. */
export interface ComposedReplica {
  name: string;
  cluster: string;
  index: number;
  engines: EnginePlacement[];
  /** A ModelReplica of this name is among the observed composed resources. */
  observed: boolean;
  /** That observed ModelReplica is Ready=True. */
  ready: boolean;
}

export interface Composition {
  desired: Record<string, DesiredResource>;
  /** In schedule order: sorted by (cluster, index). */
  replicas: ComposedReplica[];
}

export function replicaName(deployment: string, cluster: string, index: number): string {
  return hashName(deployment, cluster, String(index));
}

export function replicaKey(cluster: string, index: number): string {
  return `replica-${cluster}-${index}`;
}

export function endpointKey(cluster: string, index: number): string {
  return `endpoint-${cluster}-${index}`;
}

function identityLabels(deployment: string, cluster: string, index: number): Record<string, string> {
  return {
    [LABEL_DEPLOYMENT]: labelValue(deployment),
    [LABEL_CLUSTER]: labelValue(cluster),
    [LABEL_REPLICA_INDEX]: String(index),
  };
}

/** `http://<address>/<namespace>/<replica>/v1`; an IPv6 address is bracketed. */
export function endpointUrl(address: string, namespace: string, replica: string): string {
  const host = isIPv6(address) ? `[${address}]` : address;
  return `http://${host}/${namespace}/${replica}/v1`;
}

interface EndpointTarget {
  name: string;
  cluster: string;
  index: number;
}

/**
 * Where each observed object of `kind` lives, by name. An object keeps the key it was observed under:
 * desired under another key, Crossplane would garbage-collect the old key's resource, which is the
 * very same object.
 */
function observedKeysByName(observed: Readonly<Record<string, KubeObject>>, kind: string): Map<string, string> {
  const keys = new Map<string, string>();
  for (const key of Object.keys(observed).sort(compareStrings)) {
    const object = observed[key]!;
    const name = object.metadata?.name;
    if (object.kind === kind && typeof name === 'string' && !keys.has(name)) keys.set(name, key);
  }
  return keys;
}

function composeEndpoint(
  deployment: DeploymentIdentity,
  target: EndpointTarget,
  address: string,
  observed: Readonly<Record<string, KubeObject>>,
  observedKeys: ReadonlyMap<string, string>,
): [string, DesiredResource] {
  const key = observedKeys.get(target.name) ?? endpointKey(target.cluster, target.index);
  const resource: KubeObject = {
    apiVersion: API_VERSION,
    kind: ENDPOINT_KIND,
    metadata: {
      name: target.name,
      namespace: deployment.namespace,
      labels: { ...identityLabels(deployment.name, target.cluster, target.index), [LABEL_API]: ENDPOINT_API },
    },
    spec: {
      url: endpointUrl(address, deployment.namespace, target.name),
      rewritePath: `/${deployment.namespace}/${target.name}/`,
    },
  };
  // An endpoint has nothing to wait for: it is ready as soon as it exists.
  return [key, { resource, ready: observed[key]?.kind === ENDPOINT_KIND }];
}

function gatewayAddresses(clusters: readonly ClusterView[]): Map<string, string> {
  const addresses = new Map<string, string>();
  for (const cluster of clusters) {
    if (cluster.gatewayAddress !== undefined) addresses.set(cluster.name, cluster.gatewayAddress);
  }
  return addresses;
}

/** The existing replica a scheduled one continues exactly as observed, if it is one. */
function keptAsObserved(replica: ScheduledReplica): ExistingReplica | undefined {
  return replica.origin === 'keptAsObserved' ? replica.from : undefined;
}

/** The desired ModelReplicas and ModelEndpoints for a schedule. */
export function composeSchedule(
  deployment: DeploymentIdentity,
  scheduled: readonly ScheduledReplica[],
  clusters: readonly ClusterView[],
  observed: Readonly<Record<string, KubeObject>>,
  existing: readonly ExistingReplica[],
): Composition {
  const observedByName = new Map(existing.map((r) => [r.name, r]));
  const replicaKeys = observedKeysByName(observed, REPLICA_KIND);
  const endpointKeys = observedKeysByName(observed, ENDPOINT_KIND);
  const addresses = gatewayAddresses(clusters);
  const desired: Record<string, DesiredResource> = {};
  const replicas: ComposedReplica[] = [];
  for (const replica of scheduled) {
    const kept = keptAsObserved(replica);
    const name = kept?.name ?? replicaName(deployment.name, replica.cluster, replica.index);
    const current = observedByName.get(name);
    const ready = current?.ready ?? false;
    const key = replicaKeys.get(name) ?? replicaKey(replica.cluster, replica.index);
    if (kept !== undefined) {
      desired[key] = { resource: stripObserved(kept.observed), ready };
    } else {
      desired[key] = {
        resource: {
          apiVersion: API_VERSION,
          kind: REPLICA_KIND,
          metadata: {
            name,
            namespace: deployment.namespace,
            labels: identityLabels(deployment.name, replica.cluster, replica.index),
          },
          spec: replica.spec,
        },
        ready,
      };
    }
    replicas.push({ name, cluster: replica.cluster, index: replica.index, engines: replica.engines, observed: current !== undefined, ready });
    const address = addresses.get(replica.cluster);
    if (ready && address !== undefined) {
      const target = { name, cluster: replica.cluster, index: replica.index };
      const [keyOfEndpoint, endpoint] = composeEndpoint(deployment, target, address, observed, endpointKeys);
      desired[keyOfEndpoint] = endpoint;
    }
  }
  return { desired, replicas };
}

/**
 * Endpoints while the schedule is held because no cluster is selected: the held replicas keep
 * serving, so each one that is Ready on a cluster that still exists with a gateway address keeps its
 * endpoint; the others (notably those on deleted clusters) lose it.
 */
export function composeHeldEndpoints(
  deployment: DeploymentIdentity,
  existing: readonly ExistingReplica[],
  clusters: readonly ClusterView[],
  observed: Readonly<Record<string, KubeObject>>,
): Record<string, DesiredResource> {
  const endpointKeys = observedKeysByName(observed, ENDPOINT_KIND);
  const addresses = gatewayAddresses(clusters);
  const desired: Record<string, DesiredResource> = {};
  for (const replica of existing) {
    const address = addresses.get(replica.cluster);
    if (!replica.ready || address === undefined) continue;
    if (replica.index === undefined) {
      // Without its replica-index label the endpoint's labels cannot be derived again, but the
      // replica still serves: its observed endpoint is kept as it is, like everything on a hold path.
      const key = endpointKeys.get(replica.name);
      if (key !== undefined) desired[key] ??= { resource: stripObserved(observed[key]!), ready: true };
      continue;
    }
    const target = { name: replica.name, cluster: replica.cluster, index: replica.index };
    const [key, endpoint] = composeEndpoint(deployment, target, address, observed, endpointKeys);
    desired[key] ??= endpoint;
  }
  return desired;
}
