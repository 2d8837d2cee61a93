// Reads the ModelDeployment XR: its identity and its spec with the XRD's schema defaults applied.
// The pipeline has already checked the XR against its XRD, but this reader does not rely on that:
// every field the pipeline relies on is checked here, never trusting a value's type, and a problem
// is reported with its field path and value instead of crashing later.
import type {
  CelSelector,
  DeploymentEngine,
  DeploymentMember,
  DeviceRequestSpec,
  KubeObject,
  LabelSelector,
  LabelSelectorRequirement,
  ModelDeploymentSpec,
  Phase,
  PodTemplate,
  Role,
  ServingMode,
  ServingSpec,
} from '../api/types.js';
import { describeValue, isRecord } from '../values.js';

export interface DeploymentIdentity {
  name: string;
  namespace: string;
}

export type DeploymentReading =
  /** Identity and spec are usable. */
  | { kind: 'ok'; identity: DeploymentIdentity; spec: ModelDeploymentSpec }
  /** Identity is usable but the spec is not: hold what exists and report `problems`. */
  | { kind: 'invalidSpec'; identity: DeploymentIdentity; problems: string[] }
  /** Not even the identity can be read: nothing sensible can be done. */
  | { kind: 'fatal'; problem: string };

const MAX_REPLICAS = 256;
const MAX_ENGINES = 8;
const MAX_COPIES = 64;
const MAX_DEVICES = 16;
const MAX_DEVICE_COUNT = 64;
const MAX_SELECTORS = 8;
const MAX_WORKER_NODES = 63;
const MAX_KV_BLOCK_SIZE = 4096;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const ROLES: readonly Role[] = ['Standalone', 'Leader', 'Worker'];
const SERVING_MODES: readonly ServingMode[] = ['Unified', 'PrefillDecode'];
const PHASES: readonly Phase[] = ['Prefill', 'Decode'];

/** Collects problems while a reader walks the spec; each names the field path and the value. */
class Problems {
  readonly list: string[] = [];
  add(path: string, problem: string): void {
    this.list.push(`${path}: ${problem}`);
  }
}

function quoted(values: readonly string[]): string {
  return values.map((v) => `"${v}"`).join(', ');
}

/**
 * A value as text, for fields whose problem is already reported: the reading is then rejected, so
 * the text only has to be safe to produce. String() is not: it calls an object's own toString.
 */
function asText(value: unknown): string {
  return typeof value === 'string' ? value : describeValue(value);
}

function readName(meta: unknown, field: 'name' | 'namespace'): string | { problem: string } {
  const value = isRecord(meta) ? meta[field] : undefined;
  if (typeof value === 'string' && value !== '') return value;
  const problem = value === undefined || value === '' ? 'missing' : `${describeValue(value)} is not a string`;
  return { problem: `metadata.${field}: ${problem}` };
}

/** An integer within [min, max]; undefined when absent (a problem if `required`) or invalid. */
function readInteger(
  problems: Problems,
  path: string,
  value: unknown,
  min: number,
  max: number,
  required = false,
): number | undefined {
  if (value === undefined) {
    if (required) problems.add(path, 'missing');
    return undefined;
  }
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    problems.add(path, `${describeValue(value)} is not an integer`);
    return undefined;
  }
  if (value < min || value > max) {
    problems.add(path, `${value} is out of range ${min}..${max}`);
    return undefined;
  }
  return value;
}

function readEnum<T extends string>(
  problems: Problems,
  path: string,
  value: unknown,
  allowed: readonly T[],
): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  problems.add(path, `${describeValue(value)} is not one of ${quoted(allowed)}`);
  return undefined;
}

function readList(problems: Problems, path: string, value: unknown, min: number, max: number): unknown[] | undefined {
  if (value === undefined) {
    if (min > 0) problems.add(path, 'missing');
    return undefined;
  }
  if (!Array.isArray(value)) {
    problems.add(path, `${describeValue(value)} is not a list`);
    return undefined;
  }
  if (value.length < min || value.length > max) {
    problems.add(path, `has ${value.length} items, must have ${min}..${max}`);
    return undefined;
  }
  return value;
}

function readObject(problems: Problems, path: string, value: unknown): Record<string, unknown> | undefined {
  if (isRecord(value)) return value;
  problems.add(path, value === undefined ? 'missing' : `${describeValue(value)} is not an object`);
  return undefined;
}

function readStringMap(problems: Problems, path: string, value: unknown): Record<string, string> | undefined {
  const map = readObject(problems, path, value);
  if (map === undefined) return undefined;
  for (const [key, entry] of Object.entries(map)) {
    if (typeof entry !== 'string') problems.add(`${path}[${JSON.stringify(key)}]`, `${describeValue(entry)} is not a string`);
  }
  return map as Record<string, string>;
}

function readClusterSelector(problems: Problems, path: string, value: unknown): LabelSelector | undefined {
  if (value === undefined) return undefined;
  const raw = readObject(problems, path, value);
  if (raw === undefined) return undefined;
  const selector: LabelSelector = {};
  if (raw.matchLabels !== undefined) {
    const matchLabels = readStringMap(problems, `${path}.matchLabels`, raw.matchLabels);
    if (matchLabels !== undefined) selector.matchLabels = { ...matchLabels };
  }
  const expressions = readList(problems, `${path}.matchExpressions`, raw.matchExpressions, 0, Number.MAX_SAFE_INTEGER);
  if (expressions !== undefined) {
    selector.matchExpressions = expressions.map((item, i): LabelSelectorRequirement => {
      const at = `${path}.matchExpressions[${i}]`;
      const expression = readObject(problems, at, item) ?? {};
      if (typeof expression.key !== 'string' || expression.key === '') {
        problems.add(`${at}.key`, expression.key === undefined ? 'missing' : `${describeValue(expression.key)} is not a non-empty string`);
      }
      if (typeof expression.operator !== 'string') {
        problems.add(`${at}.operator`, expression.operator === undefined ? 'missing' : `${describeValue(expression.operator)} is not a string`);
      }
      const values = readList(problems, `${at}.values`, expression.values, 0, Number.MAX_SAFE_INTEGER);
      values?.forEach((v, j) => {
        if (typeof v !== 'string') problems.add(`${at}.values[${j}]`, `${describeValue(v)} is not a string`);
      });
      // The operator's meaning is checked by the selector stage; here only its type.
      const requirement = { key: expression.key, operator: expression.operator } as LabelSelectorRequirement;
      if (values !== undefined) requirement.values = values as string[];
      return requirement;
    });
  }
  return selector;
}

/**
 * `serving` as the API server would store it: absent stays absent (ModelReplicas copy it verbatim),
 * a present object gets its `mode` default.
 */
function readServing(problems: Problems, value: unknown): ServingSpec | undefined {
  if (value === undefined) return undefined;
  const raw = readObject(problems, 'spec.serving', value) ?? {};
  const serving: ServingSpec = { mode: readEnum(problems, 'spec.serving.mode', raw.mode, SERVING_MODES) ?? 'Unified' };
  const kvBlockSize = readInteger(problems, 'spec.serving.kvBlockSize', raw.kvBlockSize, 1, MAX_KV_BLOCK_SIZE);
  if (kvBlockSize !== undefined) serving.kvBlockSize = kvBlockSize;
  return serving;
}

function readDevice(problems: Problems, path: string, value: unknown): DeviceRequestSpec {
  const raw = readObject(problems, path, value) ?? {};
  const name = raw.name;
  if (typeof name !== 'string' || !DNS_LABEL.test(name) || name.length > 63) {
    problems.add(`${path}.name`, name === undefined ? 'missing' : `${describeValue(name)} is not a DNS label`);
  }
  const device: DeviceRequestSpec = {
    name: asText(name),
    count: readInteger(problems, `${path}.count`, raw.count, 1, MAX_DEVICE_COUNT) ?? 1,
  };
  const selectors = readList(problems, `${path}.selectors`, raw.selectors, 0, MAX_SELECTORS);
  if (selectors !== undefined) {
    device.selectors = selectors.map((item, i): CelSelector => {
      const at = `${path}.selectors[${i}]`;
      const cel = readObject(problems, at, item)?.cel;
      if (typeof cel !== 'string' || cel === '') {
        problems.add(`${at}.cel`, cel === undefined ? 'missing' : `${describeValue(cel)} is not a non-empty string`);
      }
      return { cel: asText(cel) };
    });
  }
  return device;
}

function readMember(problems: Problems, path: string, value: unknown): DeploymentMember {
  const raw = readObject(problems, path, value) ?? {};
  const role = readEnum(problems, `${path}.role`, raw.role, ROLES) ?? 'Standalone';
  const member = { role } as DeploymentMember;
  if (raw.nodeSelector !== undefined) {
    const nodeSelector = readObject(problems, `${path}.nodeSelector`, raw.nodeSelector) ?? {};
    const devicesPath = `${path}.nodeSelector.devices`;
    const devices = (readList(problems, devicesPath, nodeSelector.devices, 1, MAX_DEVICES) ?? []).map((d, i) =>
      readDevice(problems, `${devicesPath}[${i}]`, d),
    );
    reportDuplicateNames(problems, devicesPath, devices);
    member.nodeSelector = { devices };
  }
  if (raw.worker !== undefined) {
    if (role !== 'Worker') problems.add(`${path}.worker`, 'worker may only be set on a Worker member');
    const worker = readObject(problems, `${path}.worker`, raw.worker) ?? {};
    const nodes = readInteger(problems, `${path}.worker.nodes`, worker.nodes, 1, MAX_WORKER_NODES, true);
    if (nodes !== undefined) member.worker = { nodes };
  }
  // The pod template passes through verbatim; the ModelReplica step validates what it composes.
  // When it is missing the reading is rejected, so the empty stand-in never leaves this module.
  member.template = (readObject(problems, `${path}.template`, raw.template) ?? {}) as unknown as PodTemplate;
  return member;
}

function reportDuplicateNames(problems: Problems, path: string, items: readonly { name: string }[]): void {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    if (seen.has(item.name)) problems.add(`${path}[${i}].name`, `duplicate value ${describeValue(item.name)}`);
    seen.add(item.name);
  });
}

function checkMemberShape(problems: Problems, path: string, members: readonly DeploymentMember[]): void {
  const roles = members.map((m) => m.role).sort().join(',');
  if (roles !== 'Standalone' && roles !== 'Leader,Worker') {
    problems.add(path, 'an engine must be either a single Standalone member or one Leader and one Worker member');
  }
  if (!members.some((m) => m.nodeSelector !== undefined)) {
    problems.add(path, 'at least one member of an engine must carry a nodeSelector requesting devices');
  }
}

function readEngine(problems: Problems, path: string, value: unknown, mode: ServingMode): DeploymentEngine {
  const raw = readObject(problems, path, value) ?? {};
  const name = raw.name;
  if (typeof name !== 'string' || !DNS_LABEL.test(name) || name.length > 63) {
    problems.add(`${path}.name`, name === undefined ? 'missing' : `${describeValue(name)} is not a DNS label`);
  }
  const engine: DeploymentEngine = {
    name: asText(name),
    copies: readInteger(problems, `${path}.copies`, raw.copies, 1, MAX_COPIES) ?? 1,
    members: [],
  };
  const phase = readEnum(problems, `${path}.phase`, raw.phase, PHASES);
  if (phase !== undefined) {
    if (mode !== 'PrefillDecode') problems.add(`${path}.phase`, 'engine phase may only be set when serving.mode is PrefillDecode');
    engine.phase = phase;
  }
  const members = readList(problems, `${path}.members`, raw.members, 1, 2);
  if (members !== undefined) {
    engine.members = members.map((m, i) => readMember(problems, `${path}.members[${i}]`, m));
    checkMemberShape(problems, `${path}.members`, engine.members);
  }
  return engine;
}

function checkPrefillDecode(problems: Problems, engines: readonly DeploymentEngine[]): void {
  if (engines.length !== 2) {
    problems.add('spec.engines', 'PrefillDecode serving requires exactly two engines (one Prefill, one Decode)');
    return;
  }
  for (const phase of PHASES) {
    if (engines.filter((e) => e.phase === phase).length !== 1) {
      problems.add('spec.engines', `PrefillDecode serving requires exactly one engine with phase ${phase}`);
    }
  }
}

function readSpec(problems: Problems, value: unknown): ModelDeploymentSpec {
  const raw = readObject(problems, 'spec', value) ?? {};
  const replicas = readInteger(problems, 'spec.replicas', raw.replicas, 0, MAX_REPLICAS, true) ?? 0;
  const serving = readServing(problems, raw.serving);
  const mode = serving?.mode ?? 'Unified';
  const engines = (readList(problems, 'spec.engines', raw.engines, 1, MAX_ENGINES) ?? []).map((e, i) =>
    readEngine(problems, `spec.engines[${i}]`, e, mode),
  );
  reportDuplicateNames(problems, 'spec.engines', engines);
  if (mode === 'PrefillDecode' && engines.length > 0) checkPrefillDecode(problems, engines);
  const spec: ModelDeploymentSpec = { replicas, engines };
  if (serving !== undefined) spec.serving = serving;
  const clusterSelector = readClusterSelector(problems, 'spec.clusterSelector', raw.clusterSelector);
  if (clusterSelector !== undefined) spec.clusterSelector = clusterSelector;
  return spec;
}

/** Identity, then the spec with schema defaults (copies 1, count 1, role Standalone, mode Unified). */
export function readDeployment(composite: KubeObject): DeploymentReading {
  const name = readName(composite.metadata, 'name');
  if (typeof name !== 'string') return { kind: 'fatal', problem: name.problem };
  const namespace = readName(composite.metadata, 'namespace');
  if (typeof namespace !== 'string') return { kind: 'fatal', problem: namespace.problem };
  const identity = { name, namespace };
  const problems = new Problems();
  const spec = readSpec(problems, composite.spec);
  if (problems.list.length > 0) return { kind: 'invalidSpec', identity, problems: problems.list };
  return { kind: 'ok', identity, spec };
}
