// Unified serving: every serving pod of every engine behind one Service and one HTTPRoute.
import type { FunctionInput } from '../../api/input.js';
import { LABEL_SERVING } from '../../k8s/labels.js';
import { remoteMeta, type ComposedManifest, type Manifest } from '../manifests.js';
import { KEY_ROUTE, KEY_SERVICE, replicaPath, servingName } from '../names.js';
import { servingMember, type ReplicaView } from '../replica.js';
import { SERVING_PORT, SERVING_PORT_NAME, servingPortWarning } from '../workloads/pod.js';
import type { ComposedWorkload } from '../workloads/workload.js';
import { httpRoute } from './http-route.js';
import type { RoutingOutcome } from './routing.js';

export const SERVICE_PORT = 80;

function servingService(name: string, namespace: string): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: remoteMeta(name, namespace),
    spec: {
      type: 'ClusterIP',
      selector: { [LABEL_SERVING]: name },
      ports: [{ name: SERVING_PORT_NAME, port: SERVICE_PORT, targetPort: SERVING_PORT }],
    },
  };
}

/** The workloads already carry the serving label and port; Unified only adds what fronts them. */
export function composeUnifiedRouting(
  replica: ReplicaView,
  workloads: ComposedWorkload[],
  input: FunctionInput,
): RoutingOutcome {
  const name = servingName(replica);
  const namespace = input.remoteNamespace;
  const resources: ComposedManifest[] = [
    { key: KEY_SERVICE, manifest: servingService(name, namespace), readiness: 'Created' },
    {
      key: KEY_ROUTE,
      manifest: httpRoute(remoteMeta(name, namespace), input.gateway, replicaPath(replica), { name, port: SERVICE_PORT }),
      readiness: 'Created',
    },
  ];
  const warnings = replica.engines.flatMap((engine) => {
    const message = servingPortWarning(engine.name, servingMember(engine));
    return message === undefined ? [] : [{ reason: 'ServingPort', message }];
  });
  return { ok: true, workloads, resources, warnings };
}
