// Synthetic fleets, deployments and replicas for the benchmark (and for tests that need a large,
// realistic fleet). Everything is a pure function of its arguments and a seed: the same call gives
// the same objects, byte for byte, on every machine.
//
// The fleet is shaped like a real one: every pool is drawn from a handful of hardware classes
// (single-L4 nodes, 8×A100 on RoCE, 8×H100 and 8×H200 on InfiniBand, 8×MI300X on RoCE, CPU-only
// nodes), each class publishing three kinds of device with the attributes and capacities a DRA
// driver publishes, with some spread in node counts and driver versions. A few clusters are not
// Ready, have no gateway address yet, or are terminating, as in any fleet of that size.
import { API_VERSION, type DeviceAttributeValue, type GpuPool, type KubeObject, type ModelDeploymentSpec, type ModelReplicaSpec, type PublishedDevice, type ReplicaEngine } from '../src/api/types.js';
import { DEFAULT_INPUT } from '../src/api/input.js';
import type { CompositionRequest, DesiredResource } from '../src/composition.js';
import { LABEL_CLUSTER, LABEL_DEPLOYMENT, LABEL_REPLICA_INDEX } from '../src/k8s/labels.js';
import { hashName, labelValue } from '../src/k8s/names.js';

// ---- seeded randomness ---------------------------------------------------------------------------

/** A small seeded generator (mulberry32): deterministic, uniform enough for picking fixtures. */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** Pick by weight; weights need not sum to 1. */
  weighted<T>(items: readonly { value: T; weight: number }[]): T {
    const total = items.reduce((sum, item) => sum + item.weight, 0);
    let r = this.next() * total;
    for (const item of items) {
      r -= item.weight;
      if (r < 0) return item.value;
    }
    return items[items.length - 1]!.value;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }
}

/**
 * A copy of a JSON value with every object's keys in a random order, as Crossplane's Go encoder
 * writes them (it writes a map in Go's randomised iteration order): equal objects of a fleet then
 * reach the function with different key orders and different bytes.
 */
export function shuffledKeys<T>(value: T, rng: SeededRandom): T {
  if (Array.isArray(value)) return value.map((item: unknown) => shuffledKeys(item, rng)) as T;
  if (typeof value !== 'object' || value === null) return value;
  const keys = Object.keys(value);
  for (let i = keys.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [keys[i], keys[j]] = [keys[j]!, keys[i]!];
  }
  const out: Record<string, unknown> = {};
  for (const key of keys) out[key] = shuffledKeys((value as Record<string, unknown>)[key], rng);
  return out as T;
}

// ---- hardware classes ----------------------------------------------------------------------------

export type PoolClass = 'l4' | 'a100' | 'h100' | 'h200' | 'mi300x' | 'cpu';

const NVIDIA_DRIVERS = ['550.90.7', '565.57.1', '570.172.8', '580.82.7'];
const AMD_DRIVERS = ['6.10.5', '6.12.12'];

function nvidiaGpu(count: number, productName: string, architecture: string, cc: string, memory: string, driverVersion: string): PublishedDevice {
  return {
    name: 'gpu',
    driver: 'gpu.nvidia.com',
    deviceClassName: 'gpu.nvidia.com',
    count,
    attributes: {
      productName: { string: productName },
      architecture: { string: architecture },
      cudaComputeCapability: { version: cc },
      driverVersion: { version: driverVersion },
      'resource.kubernetes.io/pcieRoot': { string: 'pci0000:00' },
    },
    capacity: { memory: { value: memory } },
  };
}

function fabric(count: number, linkType: 'InfiniBand' | 'Ethernet', rate: string, productName: string, bandwidth: string): PublishedDevice {
  return {
    name: linkType === 'InfiniBand' ? 'infiniband' : 'ethernet',
    claim: 'Synthetic',
    driver: 'fabric.modelplane.ai',
    count,
    attributes: { linkType: { string: linkType }, rate: { string: rate }, productName: { string: productName } },
    capacity: { bandwidth: { value: bandwidth } },
  };
}

function hostCpu(productName: string, cores: string, memory: string): PublishedDevice {
  const attributes: Record<string, DeviceAttributeValue> = {
    architecture: { string: 'x86_64' },
    productName: { string: productName },
  };
  return { name: 'cpu', claim: 'Synthetic', driver: 'cpu.modelplane.ai', count: 1, attributes, capacity: { cores: { value: cores }, memory: { value: memory } } };
}

/** The three device kinds one node of a pool of this class publishes. */
function poolDevices(poolClass: PoolClass, rng: SeededRandom): PublishedDevice[] {
  const nvidiaDriver = rng.pick(NVIDIA_DRIVERS);
  switch (poolClass) {
    case 'l4':
      return [
        nvidiaGpu(1, 'NVIDIA L4', 'Ada Lovelace', '8.9.0', '24Gi', nvidiaDriver),
        fabric(1, 'Ethernet', '25G', 'ConnectX-6 Lx', '25G'),
        hostCpu('AMD EPYC 9124', '16', '192Gi'),
      ];
    case 'a100':
      return [
        nvidiaGpu(8, 'NVIDIA A100-SXM4-80GB', 'Ampere', '8.0.0', '80Gi', nvidiaDriver),
        fabric(8, 'Ethernet', '200G', 'ConnectX-6 Dx', '200G'),
        hostCpu('AMD EPYC 7763', '128', '2Ti'),
      ];
    case 'h100':
      return [
        nvidiaGpu(8, 'NVIDIA H100 80GB HBM3', 'Hopper', '9.0.0', '80Gi', nvidiaDriver),
        fabric(8, 'InfiniBand', 'NDR', 'ConnectX-7', '400G'),
        hostCpu('Intel Xeon Platinum 8480+', '112', '2Ti'),
      ];
    case 'h200':
      return [
        nvidiaGpu(8, 'NVIDIA H200 141GB HBM3e', 'Hopper', '9.0.0', '141Gi', nvidiaDriver),
        fabric(8, 'InfiniBand', 'NDR', 'ConnectX-7', '400G'),
        hostCpu('Intel Xeon Platinum 8480+', '112', '2Ti'),
      ];
    case 'mi300x':
      return [
        {
          name: 'gpu',
          driver: 'gpu.amd.com',
          deviceClassName: 'gpu.amd.com',
          count: 8,
          attributes: {
            productName: { string: 'AMD Instinct MI300X' },
            family: { string: 'CDNA3' },
            driverVersion: { version: rng.pick(AMD_DRIVERS) },
          },
          capacity: { memory: { value: '192Gi' } },
        },
        fabric(8, 'Ethernet', '400G', 'Pollara 400', '400G'),
        hostCpu('AMD EPYC 9654', '192', '2304Gi'),
      ];
    case 'cpu':
      return [
        hostCpu('AMD EPYC 9454', '96', '768Gi'),
        fabric(2, 'Ethernet', '100G', 'ConnectX-6 Dx', '100G'),
        { name: 'nvme', claim: 'Synthetic', driver: 'storage.modelplane.ai', count: 4, attributes: { model: { string: 'Samsung PM9A3' } }, capacity: { size: { value: '3840G' } } },
      ];
  }
}

const NODE_RANGE: Record<PoolClass, [number, number]> = {
  l4: [8, 48],
  a100: [4, 16],
  h100: [4, 32],
  h200: [4, 16],
  mi300x: [4, 16],
  cpu: [4, 24],
};

const NVIDIA_POOL_MIX = [
  { value: 'l4' as const, weight: 3 },
  { value: 'a100' as const, weight: 1 },
  { value: 'h100' as const, weight: 3 },
  { value: 'h200' as const, weight: 2 },
  { value: 'cpu' as const, weight: 1 },
];

const AMD_POOL_MIX = [
  { value: 'mi300x' as const, weight: 4 },
  { value: 'h100' as const, weight: 1 },
  { value: 'cpu' as const, weight: 1 },
];

// ---- clusters ------------------------------------------------------------------------------------

const REGIONS = ['us-east', 'us-west', 'eu-west', 'eu-central', 'ap-northeast', 'ap-south'];

export interface FleetOptions {
  clusters: number;
  /** Pools per cluster (the InferenceCluster contract allows at most 8). */
  poolsPerCluster?: number;
  seed?: number;
}

function clusterName(region: string, i: number): string {
  return `${region}-${String(i).padStart(5, '0')}`;
}

/** Pool names are unique within a cluster: the class, then a letter per repeat (`h100`, `h100-b`). */
function poolName(poolClass: PoolClass, seen: Map<PoolClass, number>): string {
  const n = seen.get(poolClass) ?? 0;
  seen.set(poolClass, n + 1);
  return n === 0 ? poolClass : `${poolClass}-${String.fromCharCode(97 + n)}`;
}

/** One InferenceCluster as the platform publishes it. */
function generateCluster(i: number, poolsPerCluster: number, rng: SeededRandom): KubeObject {
  const region = rng.pick(REGIONS);
  const name = clusterName(region, i);
  const vendor = rng.chance(0.12) ? 'amd' : 'nvidia';
  const tier = rng.chance(0.85) ? 'production' : 'staging';
  const seen = new Map<PoolClass, number>();
  const gpuPools: GpuPool[] = [];
  for (let p = 0; p < poolsPerCluster; p++) {
    const poolClass = rng.weighted(vendor === 'amd' ? AMD_POOL_MIX : NVIDIA_POOL_MIX);
    const [min, max] = NODE_RANGE[poolClass];
    gpuPools.push({ name: poolName(poolClass, seen), nodes: rng.int(min, max), devices: poolDevices(poolClass, rng) });
  }
  // Roughly: 94% healthy, 3% not Ready, 2% without a gateway address yet, 1% terminating.
  const health = rng.next();
  const ready = health >= 0.03;
  const hasGateway = health < 0.03 || health >= 0.05;
  const terminating = health >= 0.05 && health < 0.06;
  const metadata: KubeObject['metadata'] = {
    name,
    labels: {
      'modelplane.ai/tier': tier,
      'topology.modelplane.ai/region': region,
      'gpu.modelplane.ai/vendor': vendor,
    },
  };
  if (terminating) metadata.deletionTimestamp = '2025-11-02T08:00:00Z';
  const status: Record<string, unknown> = {
    conditions: [
      ready
        ? { type: 'Ready', status: 'True', reason: 'Available', message: `cluster agent connected; ${poolsPerCluster} GPU pools registered`, lastTransitionTime: '2025-10-01T08:00:00Z' }
        : { type: 'Ready', status: 'False', reason: 'AgentDisconnected', message: 'cluster agent has not reported for 5m', lastTransitionTime: '2025-10-30T17:45:00Z' },
    ],
    providerConfigRef: { name },
    gpuPools,
  };
  if (hasGateway) status.gateway = { address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` };
  return { apiVersion: API_VERSION, kind: 'InferenceCluster', metadata, spec: {}, status };
}

/** A fleet of InferenceClusters, sorted by name as the API server lists them. */
export function generateFleet(options: FleetOptions): KubeObject[] {
  const rng = new SeededRandom(options.seed ?? 1);
  const poolsPerCluster = options.poolsPerCluster ?? 8;
  const clusters: KubeObject[] = [];
  for (let i = 0; i < options.clusters; i++) clusters.push(generateCluster(i, poolsPerCluster, rng));
  return clusters.sort((a, b) => (a.metadata!.name! < b.metadata!.name! ? -1 : a.metadata!.name! > b.metadata!.name! ? 1 : 0));
}

/** The pools a cluster publishes (for callers that pin replicas to them). */
export function clusterPools(cluster: KubeObject): GpuPool[] {
  return ((cluster.status as { gpuPools?: GpuPool[] } | undefined)?.gpuPools ?? []).slice();
}

// ---- ModelReplicas of other teams -----------------------------------------------------------------

const FOREIGN_MODELS = [
  { name: 'qwen3-8b', model: 'Qwen/Qwen3-8B', gpus: 1 },
  { name: 'llama-3-1-8b', model: 'meta-llama/Llama-3.1-8B-Instruct', gpus: 1 },
  { name: 'llama-3-3-70b', model: 'meta-llama/Llama-3.3-70B-Instruct', gpus: 4 },
  { name: 'qwen3-235b', model: 'Qwen/Qwen3-235B-A22B', gpus: 8 },
  { name: 'mixtral-8x22b', model: 'mistralai/Mixtral-8x22B-Instruct-v0.1', gpus: 8 },
];

function gpuSelector(gpu: PublishedDevice): string {
  const domain = gpu.driver ?? 'gpu.nvidia.com';
  const memory = gpu.capacity?.memory?.value ?? '16Gi';
  return `device.capacity["${domain}"].memory.compareTo(quantity("${memory}")) >= 0`;
}

function engineTemplate(model: string, gpus: number, extraArgs: string[] = []) {
  return {
    spec: {
      containers: [
        {
          name: 'engine' as const,
          image: 'vllm/vllm-openai:v0.11.0',
          args: [`--model=${model}`, `--tensor-parallel-size=${gpus}`, '--max-model-len=32768', ...extraArgs],
          env: [{ name: 'HF_TOKEN', valueFrom: { secretKeyRef: { name: 'huggingface', key: 'token' } } }],
        },
      ],
    },
  };
}

/**
 * ModelReplicas of other deployments (other namespaces), `perCluster` pinned to every cluster on
 * one of its GPU pools, as the `replicas` required resource carries them: full objects with status.
 * Each consumes a small share of its pool so the ledger has real work and the pool still has room.
 */
export function generateForeignReplicas(clusters: readonly KubeObject[], perCluster = 2, seed = 2): KubeObject[] {
  const rng = new SeededRandom(seed);
  const replicas: KubeObject[] = [];
  for (const cluster of clusters) {
    const name = cluster.metadata!.name!;
    const pools = clusterPools(cluster).filter((pool) => pool.devices?.[0]?.claim !== 'Synthetic');
    if (pools.length === 0) continue;
    for (let k = 0; k < perCluster; k++) {
      const pool = rng.pick(pools);
      const gpu = pool.devices![0]!;
      const perNode = gpu.count ?? 1;
      const fitting = FOREIGN_MODELS.filter((m) => m.gpus <= perNode);
      const model = rng.pick(fitting);
      const namespace = `team-${String(rng.int(0, 39)).padStart(2, '0')}`;
      const deployment = `${model.name}-${rng.int(0, 9)}`;
      const index = k;
      const copies = Math.max(1, Math.min(2, Math.floor((pool.nodes ?? 0) / 4)));
      const spec: ModelReplicaSpec = {
        clusterName: name,
        engines: [
          {
            name: model.name,
            copies,
            members: [
              {
                role: 'Standalone',
                nodePoolName: pool.name,
                deviceRequests: [{ name: 'gpu', deviceClassName: gpu.deviceClassName ?? gpu.driver ?? 'gpu', count: model.gpus, selectors: [{ cel: gpuSelector(gpu) }] }],
                template: engineTemplate(model.model, model.gpus),
              },
            ],
          },
        ],
      };
      const replicaName = hashName(deployment, name, String(index));
      replicas.push({
        apiVersion: API_VERSION,
        kind: 'ModelReplica',
        metadata: {
          name: replicaName,
          namespace,
          labels: {
            'crossplane.io/composite': deployment,
            [LABEL_DEPLOYMENT]: labelValue(deployment),
            [LABEL_CLUSTER]: labelValue(name),
            [LABEL_REPLICA_INDEX]: String(index),
          },
          annotations: { 'crossplane.io/composition-resource-name': `replica-${name}-${index}` },
        },
        spec,
        status: readyReplicaStatus(namespace, replicaName, model.name),
      });
    }
  }
  return replicas;
}

function readyReplicaStatus(namespace: string, name: string, engine: string) {
  return {
    conditions: [
      { type: 'Synced', status: 'True', reason: 'ReconcileSuccess', lastTransitionTime: '2025-10-21T09:14:05Z' },
      { type: 'Ready', status: 'True', reason: 'Available', lastTransitionTime: '2025-10-21T09:21:47Z' },
      { type: 'ModelAccepted', status: 'True', reason: 'Accepted', message: 'all 1 workloads accepted', lastTransitionTime: '2025-10-21T09:14:09Z' },
      { type: 'ModelReady', status: 'True', reason: 'Serving', message: 'serving', lastTransitionTime: '2025-10-21T09:21:47Z' },
    ],
    engines: [{ name: engine, workload: `${name}-${engine}`, ready: true }],
    path: `/${namespace}/${name}/`,
  };
}

// ---- the deployments being scheduled ------------------------------------------------------------

const HOPPER_GPU = [
  { cel: 'device.attributes["gpu.nvidia.com"].architecture == "Hopper"' },
  { cel: 'device.capacity["gpu.nvidia.com"].memory.compareTo(quantity("80Gi")) >= 0' },
  { cel: 'device.attributes["gpu.nvidia.com"].driverVersion.isGreaterThan(semver("550.0.0"))' },
];
const INFINIBAND = [{ cel: 'device.driver == "fabric.modelplane.ai" && device.attributes["fabric.modelplane.ai"].linkType == "InfiniBand"' }];

function gangMember(role: 'Leader' | 'Worker', script: string) {
  return {
    role,
    ...(role === 'Worker' ? { worker: { nodes: 1 } } : {}),
    nodeSelector: { devices: [{ name: 'gpu', count: 8, selectors: HOPPER_GPU }, { name: 'fabric', count: 8, selectors: INFINIBAND }] },
    template: {
      spec: {
        containers: [
          {
            name: 'engine' as const,
            image: 'vllm/vllm-openai:v0.11.0',
            command: ['sh', '-c', script],
            env: [{ name: 'HF_TOKEN', valueFrom: { secretKeyRef: { name: 'huggingface', key: 'token' } } }],
          },
        ],
      },
    },
  };
}

function modelDeployment(namespace: string, name: string, spec: ModelDeploymentSpec): KubeObject {
  return {
    apiVersion: API_VERSION,
    kind: 'ModelDeployment',
    metadata: { name, namespace, uid: '3b0a5c1e-7d2f-4e8a-9c6b-1f0e2d3c4b5a', generation: 1 },
    spec,
    status: {},
  };
}

/** A multi-node gang: `replicas` replicas of one Leader/Worker engine on 8-GPU Hopper nodes with InfiniBand. */
export function gangDeployment(replicas = 10): KubeObject {
  return modelDeployment('ml-platform', 'llama-3-1-405b', {
    replicas,
    clusterSelector: { matchLabels: { 'modelplane.ai/tier': 'production' } },
    engines: [
      {
        name: 'llama-405b',
        copies: 1,
        members: [
          gangMember(
            'Leader',
            'ray start --head --port=6379 --num-gpus=8 && exec vllm serve meta-llama/Llama-3.1-405B-Instruct --port=8000 ' +
              '--tensor-parallel-size=8 --pipeline-parallel-size=2 --distributed-executor-backend=ray --max-model-len=32768',
          ),
          gangMember('Worker', 'exec ray start --address="${MODELPLANE_LEADER_ADDRESS}:6379" --num-gpus=8 --block'),
        ],
      },
    ],
  });
}

/**
 * Disaggregated serving: a Standalone prefill engine with two copies and a Leader/Worker decode
 * gang, all on 8-GPU Hopper nodes with InfiniBand (4 nodes per replica), on NVIDIA production clusters.
 */
export function prefillDecodeDeployment(replicas = 10): KubeObject {
  const model = 'deepseek-ai/DeepSeek-R1-0528';
  const decodeFlags =
    '--tensor-parallel-size=1 --data-parallel-size=16 --data-parallel-size-local=8 --data-parallel-rpc-port=13345 ' +
    `--enable-expert-parallel --block-size=64 --max-model-len=32768 --kv-transfer-config='{"kv_connector":"NixlConnector","kv_role":"kv_consumer"}'`;
  return modelDeployment('ml-research', 'deepseek-r1-pd', {
    replicas,
    clusterSelector: {
      matchLabels: { 'modelplane.ai/tier': 'production' },
      matchExpressions: [{ key: 'gpu.modelplane.ai/vendor', operator: 'In', values: ['nvidia'] }],
    },
    serving: { mode: 'PrefillDecode', kvBlockSize: 64 },
    engines: [
      {
        name: 'prefill',
        phase: 'Prefill',
        copies: 2,
        members: [
          {
            role: 'Standalone',
            nodeSelector: { devices: [{ name: 'gpu', count: 8, selectors: HOPPER_GPU }, { name: 'fabric', count: 8, selectors: INFINIBAND }] },
            template: engineTemplate(model, 1, [
              '--data-parallel-size=8',
              '--enable-expert-parallel',
              '--block-size=64',
              '--kv-transfer-config={"kv_connector":"NixlConnector","kv_role":"kv_producer"}',
            ]),
          },
        ],
      },
      {
        name: 'decode',
        phase: 'Decode',
        copies: 1,
        members: [
          gangMember('Leader', `exec vllm serve ${model} --port=8001 ${decodeFlags} --data-parallel-address="\${MODELPLANE_LEADER_ADDRESS}"`),
          gangMember(
            'Worker',
            `exec vllm serve ${model} --headless ${decodeFlags} --data-parallel-start-rank=$((MODELPLANE_RANK * 8)) --data-parallel-address="\${MODELPLANE_LEADER_ADDRESS}"`,
          ),
        ],
      },
    ],
  });
}

// ---- requests ------------------------------------------------------------------------------------

export interface DeploymentRequestOptions {
  deployment: KubeObject;
  clusters: KubeObject[];
  /** Every ModelReplica of the fleet (the `replicas` required resource). */
  replicas: KubeObject[];
  /** This deployment's observed composed resources by key (none on the first reconcile). */
  observed?: Record<string, KubeObject>;
}

/** The CompositionRequest Crossplane's second call carries: both requirements resolved. */
export function deploymentRequest(options: DeploymentRequestOptions): CompositionRequest {
  return {
    composite: options.deployment,
    observed: options.observed ?? {},
    required: { clusters: options.clusters, replicas: options.replicas },
    input: DEFAULT_INPUT,
  };
}

/**
 * The observed state after a reconcile has been applied and has settled: every desired
 * ModelReplica exists and is Ready. Feeding it back gives the steady-state reconcile, the one
 * Crossplane runs every poll interval.
 */
export function observeReady(desired: Record<string, DesiredResource>): Record<string, KubeObject> {
  const observed: Record<string, KubeObject> = {};
  for (const key of Object.keys(desired).sort()) {
    const resource = desired[key]!.resource;
    const meta = resource.metadata ?? {};
    const engines = ((resource.spec as { engines?: ReplicaEngine[] } | undefined)?.engines ?? []).map((e) => e.name);
    const ready = [
      { type: 'Synced', status: 'True', reason: 'ReconcileSuccess', lastTransitionTime: '2025-10-21T09:14:05Z' },
      { type: 'Ready', status: 'True', reason: 'Available', lastTransitionTime: '2025-10-21T09:21:47Z' },
    ];
    let status: unknown = { conditions: ready };
    if (resource.kind === 'ModelReplica') status = readyReplicaStatus(meta.namespace ?? '', meta.name ?? '', engines[0] ?? '');
    // A provider-kubernetes Object reports the remote object it applied under atProvider.
    const manifest = (resource.spec as { forProvider?: { manifest?: unknown } } | undefined)?.forProvider?.manifest;
    if (resource.kind === 'Object' && manifest !== undefined) status = { atProvider: { manifest }, conditions: ready };
    observed[key] = {
      ...resource,
      metadata: { ...meta, uid: `uid-${key}`, resourceVersion: '1', generation: 1, annotations: { ...(meta.annotations ?? {}), 'crossplane.io/composition-resource-name': key } },
      status,
    };
  }
  return observed;
}

// ---- ModelReplicas built directly from a deployment -----------------------------------------------

export interface EnginePlacementChoice {
  pool: string;
  /** Device request name → the DRA device class it resolved to; requests not listed matched Synthetic devices. */
  claims: Record<string, string>;
}

/**
 * The ModelReplica the scheduler composes for `deployment` on `cluster` with the given pools: the
 * spec with clusterName, each member's nodePoolName and its DRA deviceRequests resolved on, as
 * api.md describes. Used to benchmark the ModelReplica step without running the scheduler first.
 */
export function replicaFromDeployment(deployment: KubeObject, cluster: string, index: number, placement: Record<string, EnginePlacementChoice>): KubeObject {
  const spec = deployment.spec as ModelDeploymentSpec;
  const namespace = deployment.metadata!.namespace!;
  const deploymentName = deployment.metadata!.name!;
  const engines: ReplicaEngine[] = spec.engines.map((engine) => {
    const choice = placement[engine.name];
    if (!choice) throw new Error(`no placement given for engine ${engine.name}`);
    return {
      name: engine.name,
      copies: engine.copies ?? 1,
      ...(engine.phase ? { phase: engine.phase } : {}),
      members: engine.members.map((member) => {
        const deviceRequests = (member.nodeSelector?.devices ?? [])
          .filter((request) => choice.claims[request.name] !== undefined)
          .map((request) => ({
            name: request.name,
            deviceClassName: choice.claims[request.name]!,
            count: request.count ?? 1,
            ...(request.selectors && request.selectors.length > 0 ? { selectors: request.selectors } : {}),
          }));
        return {
          role: member.role ?? 'Standalone',
          nodePoolName: choice.pool,
          ...(deviceRequests.length > 0 ? { deviceRequests } : {}),
          ...(member.worker ? { worker: member.worker } : {}),
          template: member.template,
        };
      }),
    };
  });
  const name = hashName(deploymentName, cluster, String(index));
  return {
    apiVersion: API_VERSION,
    kind: 'ModelReplica',
    metadata: {
      name,
      namespace,
      uid: '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a',
      generation: 1,
      labels: {
        'crossplane.io/composite': deploymentName,
        [LABEL_DEPLOYMENT]: labelValue(deploymentName),
        [LABEL_CLUSTER]: labelValue(cluster),
        [LABEL_REPLICA_INDEX]: String(index),
      },
    },
    spec: { clusterName: cluster, ...(spec.serving ? { serving: spec.serving } : {}), engines },
    status: {},
  };
}

/** The CompositionRequest of a ModelReplica whose `cluster` requirement is resolved. */
export function replicaRequest(replica: KubeObject, cluster: KubeObject, observed: Record<string, KubeObject> = {}): CompositionRequest {
  return { composite: replica, observed, required: { cluster: [cluster] }, input: DEFAULT_INPUT };
}
