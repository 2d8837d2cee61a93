// Small builders for scheduler tests: fleets, deployments and existing replicas, with the defaults
// the pipeline applies before scheduling (copies 1, count 1, role Standalone) written out.
import type {
  DeploymentEngine,
  DeploymentMember,
  DeviceRequestSpec,
  GpuPool,
  ModelDeploymentSpec,
  ModelReplicaSpec,
  PublishedDevice,
  Role,
} from '../../src/api/types.js';
import type {
  Charge,
  ClusterView,
  ExistingReplica,
  ScheduleInput,
  ScheduleOutput,
} from '../../src/deployment/scheduler/types.js';
import { composeSchedule, replicaKey } from '../../src/deployment/compose.js';
import { hashName } from '../../src/k8s/names.js';

export const NVIDIA = 'gpu.nvidia.com';

/** A DRA GPU with the attributes the reference selectors read. */
export function gpu(options: { name?: string; count?: number; memory?: string; architecture?: string; deviceClassName?: string } = {}): PublishedDevice {
  return {
    name: options.name ?? 'gpu',
    claim: 'DRA',
    driver: NVIDIA,
    deviceClassName: options.deviceClassName ?? NVIDIA,
    count: options.count ?? 8,
    attributes: { architecture: { string: options.architecture ?? 'Hopper' } },
    capacity: { memory: { value: options.memory ?? '80Gi' } },
  };
}

/** A Synthetic device: matters for placement, never claimed. */
export function fabric(options: { name?: string; count?: number; kind?: string } = {}): PublishedDevice {
  return {
    name: options.name ?? 'ib',
    claim: 'Synthetic',
    driver: 'fabric.modelplane.ai',
    count: options.count ?? 1,
    attributes: { kind: { string: options.kind ?? 'infiniband' } },
  };
}

export function pool(name: string, nodes: number, devices: PublishedDevice[] = [gpu()]): GpuPool {
  return { name, nodes, devices };
}

export function cluster(name: string, pools: GpuPool[], options: Partial<Omit<ClusterView, 'name' | 'pools'>> = {}): ClusterView {
  return {
    name,
    selected: true,
    ready: true,
    gatewayAddress: '10.0.0.1',
    terminating: false,
    pools,
    ...options,
  };
}

/** A cluster that is selected but degraded: not Ready (its pools still published). */
export function notReady(view: ClusterView): ClusterView {
  return { ...view, ready: false };
}

export const SEL = {
  nvidia: `device.driver == "${NVIDIA}"`,
  hopper: `device.attributes["${NVIDIA}"].architecture == "Hopper"`,
  ampere: `device.attributes["${NVIDIA}"].architecture == "Ampere"`,
  memoryAtLeast: (q: string) => `device.capacity["${NVIDIA}"].memory.compareTo(quantity("${q}")) >= 0`,
  fabric: 'device.driver == "fabric.modelplane.ai"',
};

export function request(name: string, count: number, ...cel: string[]): DeviceRequestSpec {
  return { name, count, selectors: cel.map((c) => ({ cel: c })) };
}

const TEMPLATE = (role: string) => ({ spec: { containers: [{ name: 'engine' as const, image: `vllm/vllm-openai:${role}` }] } });

export function member(role: Role, requests: DeviceRequestSpec[] | undefined, workerNodes?: number): DeploymentMember {
  return {
    role,
    ...(requests !== undefined && { nodeSelector: { devices: requests } }),
    ...(workerNodes !== undefined && { worker: { nodes: workerNodes } }),
    template: TEMPLATE(role.toLowerCase()),
  };
}

/** One Standalone member asking for `count` NVIDIA GPUs. */
export function standalone(count = 1, ...cel: string[]): DeploymentMember {
  return member('Standalone', [request('gpu', count, SEL.nvidia, ...cel)]);
}

export function engine(name: string, members: DeploymentMember[], copies = 1): DeploymentEngine {
  return { name, copies, members };
}

export function deployment(replicas: number, engines: DeploymentEngine[]): ModelDeploymentSpec {
  return { replicas, engines };
}

export const DEPLOYMENT = { name: 'llm', namespace: 'team-a' };

export function scheduleInput(
  spec: ModelDeploymentSpec,
  clusters: ClusterView[],
  existing: ExistingReplica[] = [],
  foreignCharges: Charge[] = [],
): ScheduleInput {
  return { deployment: DEPLOYMENT, spec, clusters, existing, foreignCharges };
}

/** An observed ModelReplica of this deployment carrying `spec`. */
export function existingReplica(name: string, clusterName: string, index: number | undefined, spec: unknown, ready = true): ExistingReplica {
  const labels: Record<string, string> = index === undefined ? {} : { 'modelplane.ai/replica-index': String(index) };
  return {
    name,
    cluster: clusterName,
    ...(index !== undefined && { index }),
    ready,
    spec,
    observed: {
      apiVersion: 'modelplane.ai/v1alpha1',
      kind: 'ModelReplica',
      metadata: { name, namespace: DEPLOYMENT.namespace, labels },
      spec,
      status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
    },
  };
}

export function replicaName(clusterName: string, index: number): string {
  return `${DEPLOYMENT.name}-${clusterName}-${index}`;
}

/** The name the pipeline composes this deployment's replica at (cluster, index) under. */
export function composedName(clusterName: string, index: number): string {
  return hashName(DEPLOYMENT.name, clusterName, String(index));
}

/**
 * An observed ModelReplica named and keyed as the pipeline composed it at `composedAt`, whose
 * `spec.clusterName` and index label may have changed since (`clusterName`, `index`).
 */
export function composedReplica(
  composedAt: [cluster: string, index: number],
  clusterName: string,
  index: number | undefined,
  spec: unknown,
  ready = true,
): ExistingReplica {
  const [c, i] = composedAt;
  return { ...existingReplica(composedName(c, i), clusterName, index, spec, ready), key: replicaKey(c, i) };
}

/** The ModelReplicas the pipeline composes for a schedule (observed: the existing replicas that have a key). */
export function composedReplicas(input: ScheduleInput, output: ScheduleOutput): { key: string; name: string }[] {
  const observed = Object.fromEntries(input.existing.flatMap((r) => (r.key === undefined ? [] : [[r.key, r.observed]])));
  const { desired } = composeSchedule(input.deployment, output.replicas, input.clusters, observed, input.existing);
  return Object.entries(desired)
    .filter(([, d]) => d.resource.kind === 'ModelReplica')
    .map(([key, d]) => ({ key, name: String(d.resource.metadata?.name) }));
}

/** The output of a schedule, observed as if Crossplane had created it (all Ready unless told). */
export function observe(output: ScheduleOutput, ready: (cluster: string, index: number) => boolean = () => true): ExistingReplica[] {
  return output.replicas.map((r) =>
    existingReplica(r.from?.name ?? replicaName(r.cluster, r.index), r.cluster, r.index, r.spec, ready(r.cluster, r.index)),
  );
}

/** A minimal composed replica spec: one Standalone engine pinned to `poolName`. */
export function pinnedSpec(clusterName: string, poolName: string, engineName = 'main', copies = 1): ModelReplicaSpec {
  return {
    clusterName,
    engines: [
      {
        name: engineName,
        copies,
        members: [
          {
            role: 'Standalone',
            nodePoolName: poolName,
            deviceRequests: [{ name: 'gpu', deviceClassName: NVIDIA, count: 1, selectors: [{ cel: SEL.nvidia }] }],
            template: TEMPLATE('standalone'),
          },
        ],
      },
    ],
  };
}

/** (cluster, index) of each output replica, e.g. ["a/0", "b/0"]. */
export function slots(output: ScheduleOutput): string[] {
  return output.replicas.map((r) => `${r.cluster}/${r.index}`);
}

/** Pool of each engine per output replica, e.g. ["a/0 main@p1"]. */
export function pools(output: ScheduleOutput): string[] {
  return output.replicas.map((r) => `${r.cluster}/${r.index} ${r.engines.map((e) => `${e.name}@${e.pool}`).join(' ')}`);
}
