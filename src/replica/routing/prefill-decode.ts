// PrefillDecode serving: an InferencePool over both engines' serving pods, an endpoint picker that
// schedules prefill then decode, a pd-sidecar in front of the decode engine, and the NIXL side
// channel the engines exchange KV blocks over.
import type { FunctionInput } from '../../api/input.js';
import type { Phase } from '../../api/types.js';
import { LABEL_LLMD_ROLE, LABEL_SERVING } from '../../k8s/labels.js';
import { PORT_BOUNDS, PORT_FLAGS, quoteValue, readIntegerFlag } from '../flags.js';
import {
  remoteMeta,
  sortedMap,
  type ComposedManifest,
  type Container,
  type EnvVar,
  type Manifest,
  type PodTemplateSpec,
} from '../manifests.js';
import { KEY_POOL, KEY_ROUTE, endpointPickerName, poolName, replicaPath, servingName } from '../names.js';
import { servingMember, type EngineView, type ReplicaView } from '../replica.js';
import {
  ENGINE_CONTAINER,
  SERVING_PORT,
  SERVING_PORT_NAME,
  httpReadinessProbe,
  servingPortWarning,
} from '../workloads/pod.js';
import { editPodTemplates, type ComposedWorkload, type PodPlace } from '../workloads/workload.js';
import { EPP_GRPC_PORT, POOL_GROUP, endpointPicker } from './endpoint-picker.js';
import { chooseKvBlockSize, endpointPickerConfig } from './epp-config.js';
import { httpRoute } from './http-route.js';
import type { RoutingOutcome, RoutingWarning } from './routing.js';

/** Where the decode engine is taken to listen when its flags do not say: the sidecar holds 8000. */
export const DEFAULT_DECODE_PORT = 8001;
export const SIDECAR_CONTAINER = 'pd-sidecar';
export const DECODE_ENGINE_PORT_NAME = 'engine';

const NIXL_ENV: readonly EnvVar[] = Object.freeze([
  { name: 'VLLM_NIXL_SIDE_CHANNEL_HOST', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
  { name: 'VLLM_NIXL_SIDE_CHANNEL_PORT', value: '5557' },
]);

const ROLE_LABEL: Record<Phase, string> = { Prefill: 'prefill', Decode: 'decode' };

type DecodePort = { ok: true; port: number; warning?: string } | { ok: false; message: string };

/** The decode engine's --port: what the sidecar forwards to, and where its probe moves. */
export function decodePort(decode: EngineView): DecodePort {
  const flag = readIntegerFlag(servingMember(decode).container, PORT_FLAGS, PORT_BOUNDS);
  const engine = `engine "${decode.name}" (phase Decode)`;
  if (flag.kind === 'absent') {
    return {
      ok: true,
      port: DEFAULT_DECODE_PORT,
      warning:
        `${engine} sets no --port: the pd-sidecar holds port ${SERVING_PORT} and forwards to ${DEFAULT_DECODE_PORT}, ` +
        `so the decode engine must listen on ${DEFAULT_DECODE_PORT}; add --port ${DEFAULT_DECODE_PORT} to its args`,
    };
  }
  if (flag.kind === 'invalid') {
    return {
      ok: false,
      message:
        `${engine} sets --port ${quoteValue(flag.raw)}, which is not a port number: set --port to a number ` +
        `other than ${SERVING_PORT}, e.g. --port ${DEFAULT_DECODE_PORT}`,
    };
  }
  if (flag.value === SERVING_PORT) {
    return {
      ok: false,
      message:
        `${engine} sets --port ${SERVING_PORT}, which the pd-sidecar holds on the decode pods: ` +
        `change the decode engine's --port to another port, e.g. --port ${DEFAULT_DECODE_PORT}`,
    };
  }
  return { ok: true, port: flag.value };
}

/** NIXL side-channel env on the engine container, except entries the user set themselves. */
function withNixlEnv(container: Container): Container {
  const present = new Set((container.env ?? []).map((entry) => entry.name));
  const added = NIXL_ENV.filter((entry) => !present.has(entry.name)).map((entry) => ({ ...entry }));
  return added.length === 0 ? container : { ...container, env: [...(container.env ?? []), ...added] };
}

function sidecar(image: string, enginePort: number): Container {
  return {
    name: SIDECAR_CONTAINER,
    image,
    // Plain HTTP so the gateway's HTTP path reaches it; NIXL v2 to pull KV blocks from prefill.
    args: ['--secure-proxy=false', '--kv-connector=nixlv2', `--vllm-port=${enginePort}`],
    ports: [{ name: SERVING_PORT_NAME, containerPort: SERVING_PORT }],
    readinessProbe: httpReadinessProbe(SERVING_PORT),
  };
}

interface PodDecoration {
  phase: Phase;
  /** Set on the decode engine: its engine port and the sidecar's image. */
  decode?: { port: number; sidecarImage: string };
}

function decoratePod(template: PodTemplateSpec, place: PodPlace, decoration: PodDecoration): PodTemplateSpec {
  const containers = template.spec.containers.map((c) => (c.name === ENGINE_CONTAINER ? withNixlEnv(c) : c));
  if (place === 'worker') return { ...template, spec: { ...template.spec, containers } };
  const labels = sortedMap({ ...template.metadata.labels, [LABEL_LLMD_ROLE]: ROLE_LABEL[decoration.phase] });
  const metadata = { ...template.metadata, labels };
  const { decode } = decoration;
  if (decode === undefined) return { metadata, spec: { ...template.spec, containers } };
  const moved = containers.map((c) =>
    c.name === ENGINE_CONTAINER
      ? {
          ...c,
          ports: [{ name: DECODE_ENGINE_PORT_NAME, containerPort: decode.port }],
          readinessProbe: httpReadinessProbe(decode.port),
        }
      : c,
  );
  return { metadata, spec: { ...template.spec, containers: [...moved, sidecar(decode.sidecarImage, decode.port)] } };
}

function inferencePool(name: string, namespace: string, serving: string, picker: string): Manifest {
  return {
    apiVersion: `${POOL_GROUP}/v1`,
    kind: 'InferencePool',
    metadata: remoteMeta(name, namespace),
    spec: {
      selector: { matchLabels: { [LABEL_SERVING]: serving } },
      targetPorts: [{ number: SERVING_PORT }],
      endpointPickerRef: { name: picker, port: { number: EPP_GRPC_PORT }, failureMode: 'FailOpen' },
    },
  };
}

/** The XRD guarantees exactly one engine of each phase (read-replica.ts checks it). */
function enginesByPhase(replica: ReplicaView): { prefill: EngineView; decode: EngineView } {
  const prefill = replica.engines.find((e) => e.phase === 'Prefill');
  const decode = replica.engines.find((e) => e.phase === 'Decode');
  if (prefill === undefined || decode === undefined) {
    throw new Error('PrefillDecode replica without a Prefill and a Decode engine passed the reader');
  }
  return { prefill, decode };
}

export function composePrefillDecodeRouting(
  replica: ReplicaView,
  workloads: ComposedWorkload[],
  input: FunctionInput,
): RoutingOutcome {
  const { prefill, decode } = enginesByPhase(replica);
  const port = decodePort(decode);
  if (!port.ok) return port;
  const warnings: RoutingWarning[] = [];
  const prefillPortWarning = servingPortWarning(prefill.name, servingMember(prefill));
  if (prefillPortWarning !== undefined) warnings.push({ reason: 'ServingPort', message: prefillPortWarning });
  if (port.warning !== undefined) warnings.push({ reason: 'DecodePort', message: port.warning });
  const blockSize = chooseKvBlockSize(replica.kvBlockSize, decode);
  if (blockSize.warning !== undefined) warnings.push({ reason: 'KvBlockSize', message: blockSize.warning });

  const decorated = workloads.map((workload) => {
    const isDecode = workload.engine.name === decode.name;
    const decoration: PodDecoration = isDecode
      ? { phase: 'Decode', decode: { port: port.port, sidecarImage: input.images.pdSidecar } }
      : { phase: 'Prefill' };
    return editPodTemplates(workload, (template, place) => decoratePod(template, place, decoration));
  });

  const namespace = input.remoteNamespace;
  const pool = poolName(replica);
  const picker = endpointPickerName(replica);
  const serving = servingName(replica);
  const resources: ComposedManifest[] = [
    { key: KEY_POOL, manifest: inferencePool(pool, namespace, serving, picker), readiness: 'Created' },
    ...endpointPicker({ name: picker, poolName: pool, config: endpointPickerConfig(blockSize.value), input }),
    {
      key: KEY_ROUTE,
      manifest: httpRoute(remoteMeta(serving, namespace), input.gateway, replicaPath(replica), {
        group: POOL_GROUP,
        kind: 'InferencePool',
        name: pool,
      }),
      readiness: 'Created',
    },
  ];
  return { ok: true, workloads: decorated, resources, warnings };
}
