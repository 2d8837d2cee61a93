// The endpoint picker (EPP) an InferencePool delegates to: its identity, permissions, configuration,
// Deployment and Service, all under one shared name.
import type { FunctionInput } from '../../api/input.js';
import { LABEL_WORKLOAD } from '../../k8s/labels.js';
import { remoteMeta, type ComposedManifest, type Manifest } from '../manifests.js';
import {
  KEY_EPP_CONFIG,
  KEY_EPP_DEPLOYMENT,
  KEY_EPP_ROLE,
  KEY_EPP_ROLE_BINDING,
  KEY_EPP_SERVICE,
  KEY_EPP_SERVICE_ACCOUNT,
} from '../names.js';
import { EPP_CONFIG_FILE, type EndpointPickerConfig } from './epp-config.js';

export const EPP_GRPC_PORT = 9002;
export const EPP_HEALTH_PORT = 9003;
export const POOL_GROUP = 'inference.networking.k8s.io';
export const ANNOTATION_EPP_CONFIG_CHECKSUM = 'modelplane.ai/epp-config-checksum';
const CONFIG_DIR = '/config';
const CONFIG_VOLUME = 'config';
const READ_VERBS = ['get', 'list', 'watch'];

export interface EndpointPickerRequest {
  name: string;
  poolName: string;
  config: EndpointPickerConfig;
  input: FunctionInput;
}

function role(metadata: Manifest['metadata']): Manifest {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata,
    rules: [
      { apiGroups: [''], resources: ['pods'], verbs: [...READ_VERBS] },
      { apiGroups: [POOL_GROUP], resources: ['inferencepools'], verbs: [...READ_VERBS] },
      { apiGroups: ['inference.networking.x-k8s.io'], resources: ['inferenceobjectives'], verbs: [...READ_VERBS] },
    ],
  };
}

function deployment(request: EndpointPickerRequest): Manifest {
  const { name, input } = request;
  const selector = { [LABEL_WORKLOAD]: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: remoteMeta(name, input.remoteNamespace),
    spec: {
      replicas: 1,
      selector: { matchLabels: selector },
      template: {
        // The checksum rolls the picker when its configuration changes: it reads the file once.
        metadata: { labels: selector, annotations: { [ANNOTATION_EPP_CONFIG_CHECKSUM]: request.config.checksum } },
        spec: {
          serviceAccountName: name,
          containers: [
            {
              name: 'epp',
              image: input.images.endpointPicker,
              args: [
                `--pool-name=${request.poolName}`,
                `--pool-namespace=${input.remoteNamespace}`,
                `--pool-group=${POOL_GROUP}`,
                `--config-file=${CONFIG_DIR}/${EPP_CONFIG_FILE}`,
                `--grpc-port=${EPP_GRPC_PORT}`,
              ],
              ports: [
                { name: 'grpc', containerPort: EPP_GRPC_PORT },
                { name: 'grpc-health', containerPort: EPP_HEALTH_PORT },
              ],
              volumeMounts: [{ name: CONFIG_VOLUME, mountPath: CONFIG_DIR }],
            },
          ],
          volumes: [{ name: CONFIG_VOLUME, configMap: { name } }],
        },
      },
    },
  };
}

export function endpointPicker(request: EndpointPickerRequest): ComposedManifest[] {
  const { name, input } = request;
  const namespace = input.remoteNamespace;
  const meta = () => remoteMeta(name, namespace);
  return [
    {
      key: KEY_EPP_SERVICE_ACCOUNT,
      manifest: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta() },
      readiness: 'Created',
    },
    { key: KEY_EPP_ROLE, manifest: role(meta()), readiness: 'Created' },
    {
      key: KEY_EPP_ROLE_BINDING,
      manifest: {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: meta(),
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
        subjects: [{ kind: 'ServiceAccount', name, namespace }],
      },
      readiness: 'Created',
    },
    {
      key: KEY_EPP_CONFIG,
      manifest: { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(), data: { [EPP_CONFIG_FILE]: request.config.text } },
      readiness: 'Created',
    },
    { key: KEY_EPP_DEPLOYMENT, manifest: deployment(request), readiness: 'Available', title: 'the endpoint picker' },
    {
      key: KEY_EPP_SERVICE,
      manifest: {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: meta(),
        spec: {
          type: 'ClusterIP',
          selector: { [LABEL_WORKLOAD]: name },
          ports: [{ name: 'grpc', port: EPP_GRPC_PORT, targetPort: EPP_GRPC_PORT, appProtocol: 'http2' }],
        },
      },
      readiness: 'Created',
    },
  ];
}
