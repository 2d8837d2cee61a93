// Stage 1: read the observed ModelReplica. The pipeline has already checked it against its XRD;
// this reader still checks everything the composition relies on, with the XRD's own messages where
// the XRD has a rule, so that it never composes from a half-understood spec whatever reaches it, and
// fills in the defaults the XRD would have applied. Anything wrong is reported by field path and
// value; the caller then keeps what exists.
import type { KubeObject, Phase, ResolvedDeviceRequest, Role, ServingMode } from '../api/types.js';
import { isValidLabelValue } from '../k8s/names.js';
import { describeValue, isRecord } from '../values.js';
import type { EnvVar, StringMap } from './manifests.js';
import type { EngineContainerView, EngineView, MemberView, ReplicaView } from './replica.js';

export type ReplicaReading = { ok: true; replica: ReplicaView } | { ok: false; problems: string[] };

const ROLES: readonly Role[] = ['Standalone', 'Leader', 'Worker'];
const MODES: readonly ServingMode[] = ['Unified', 'PrefillDecode'];
const PHASES: readonly Phase[] = ['Prefill', 'Decode'];
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

const MSG_KEY = 'must be a valid Kubernetes key (optional DNS prefix, a name of at most 63 characters)';
const MSG_LABEL_VALUE = 'must be a valid label value (at most 63 characters: alphanumerics, "-", "_", ".")';
const MSG_DNS_LABEL = 'must be a DNS label (lowercase alphanumerics and "-", at most 63)';
const MSG_MEMBERS = 'an engine must be either a single Standalone member or one Leader and one Worker member';
const MSG_WORKER_ONLY = 'worker may only be set on a Worker member';
const MSG_PD_TWO = 'PrefillDecode serving requires exactly two engines (one Prefill, one Decode)';
const MSG_PD_PREFILL = 'PrefillDecode serving requires exactly one engine with phase Prefill';
const MSG_PD_DECODE = 'PrefillDecode serving requires exactly one engine with phase Decode';
const MSG_PHASE_MODE = 'engine phase may only be set when serving.mode is PrefillDecode';

type Problems = string[];


const requiredValue = (path: string): string => `${path}: Required value`;
const invalidValue = (path: string, value: unknown, why: string): string => `${path}: Invalid value: ${describeValue(value)}: ${why}`;
const unsupportedValue = (path: string, value: unknown, supported: readonly string[]): string =>
  `${path}: Unsupported value: ${describeValue(value)}: supported values: ${supported.map((s) => `"${s}"`).join(', ')}`;

/** A required object field: reports it missing or of the wrong type. */
function readObject(value: unknown, path: string, problems: Problems): Record<string, unknown> | undefined {
  if (isRecord(value)) return value;
  problems.push(value === undefined ? requiredValue(path) : invalidValue(path, value, 'must be an object'));
  return undefined;
}

function readNonEmptyString(value: unknown, path: string, problems: Problems): string | undefined {
  if (value === undefined) {
    problems.push(requiredValue(path));
    return undefined;
  }
  if (typeof value !== 'string' || value === '') {
    problems.push(invalidValue(path, value, 'must be a non-empty string'));
    return undefined;
  }
  return value;
}

function readInteger(
  value: unknown,
  path: string,
  bounds: { min: number; max: number; byDefault?: number },
  problems: Problems,
): number | undefined {
  if (value === undefined && bounds.byDefault !== undefined) return bounds.byDefault;
  if (value === undefined) {
    problems.push(requiredValue(path));
    return undefined;
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < bounds.min || value > bounds.max) {
    problems.push(invalidValue(path, value, `must be an integer from ${bounds.min} to ${bounds.max}`));
    return undefined;
  }
  return value;
}

function readEnum<T extends string>(
  value: unknown,
  path: string,
  allowed: readonly T[],
  problems: Problems,
): T | undefined {
  if ((allowed as readonly unknown[]).includes(value)) return value as T;
  problems.push(unsupportedValue(path, value, allowed));
  return undefined;
}

function readStringList(value: unknown, path: string, problems: Problems): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    problems.push(invalidValue(path, value, 'must be a list of strings'));
    return undefined;
  }
  return [...(value as string[])];
}

function isQualifiedKey(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  const prefixOk = prefix === undefined || (prefix.length <= 253 && DNS_SUBDOMAIN.test(prefix));
  return prefixOk && name.length <= 63 && QUALIFIED_NAME.test(name);
}

function readStringMap(
  value: unknown,
  path: string,
  checkValue: ((v: string) => boolean) | undefined,
  problems: Problems,
): StringMap {
  if (value === undefined) return {};
  if (!isRecord(value)) {
    problems.push(invalidValue(path, value, 'must be a map of strings'));
    return {};
  }
  const out: StringMap = {};
  for (const key of Object.keys(value).sort()) {
    const entry = value[key];
    const at = `${path}[${JSON.stringify(key)}]`;
    if (!isQualifiedKey(key)) {
      problems.push(invalidValue(at, key, MSG_KEY));
    } else if (typeof entry !== 'string') {
      problems.push(invalidValue(at, entry, 'must be a string'));
    } else if (checkValue !== undefined && !checkValue(entry)) {
      problems.push(invalidValue(at, entry, MSG_LABEL_VALUE));
    } else {
      out[key] = entry;
    }
  }
  return out;
}

/** An optional list field: absent reads as empty; anything but a list is a problem, read as empty. */
function optionalList(value: unknown, path: string, problems: Problems): unknown[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value;
  problems.push(invalidValue(path, value, 'must be a list'));
  return [];
}

function readEnv(value: unknown, path: string, problems: Problems): EnvVar[] {
  const items = optionalList(value, path, problems);
  const env: EnvVar[] = [];
  items.forEach((item: unknown, i) => {
    const at = `${path}[${i}]`;
    if (!isRecord(item)) {
      problems.push(invalidValue(at, item, 'must be an object'));
      return;
    }
    const name = readNonEmptyString(item.name, `${at}.name`, problems);
    if (item.value !== undefined && typeof item.value !== 'string') {
      problems.push(invalidValue(`${at}.value`, item.value, 'must be a string'));
      return;
    }
    if (item.valueFrom !== undefined && !isRecord(item.valueFrom)) {
      problems.push(invalidValue(`${at}.valueFrom`, item.valueFrom, 'must be an object'));
      return;
    }
    if (name === undefined) return;
    const entry: EnvVar = { name };
    if (item.value !== undefined) entry.value = item.value;
    if (item.valueFrom !== undefined) entry.valueFrom = item.valueFrom;
    env.push(entry);
  });
  return env;
}

function readContainer(spec: Record<string, unknown>, path: string, problems: Problems): EngineContainerView | undefined {
  const containers = spec.containers;
  if (containers === undefined) {
    problems.push(requiredValue(`${path}.containers`));
    return undefined;
  }
  if (!Array.isArray(containers) || containers.length !== 1) {
    problems.push(invalidValue(`${path}.containers`, containers, 'must hold exactly one container, named engine'));
    return undefined;
  }
  const at = `${path}.containers[0]`;
  const raw: unknown = containers[0];
  if (!isRecord(raw)) {
    problems.push(invalidValue(at, raw, 'must be an object'));
    return undefined;
  }
  if (raw.name !== 'engine') problems.push(unsupportedValue(`${at}.name`, raw.name, ['engine']));
  const image = readNonEmptyString(raw.image, `${at}.image`, problems);
  const command = readStringList(raw.command, `${at}.command`, problems);
  const args = readStringList(raw.args, `${at}.args`, problems);
  const env = readEnv(raw.env, `${at}.env`, problems);
  if (image === undefined || raw.name !== 'engine') return undefined;
  const container: EngineContainerView = { image, env };
  if (command !== undefined) container.command = command;
  if (args !== undefined) container.args = args;
  return container;
}

function readPullSecrets(value: unknown, path: string, problems: Problems): { name: string }[] {
  const items = optionalList(value, path, problems);
  const secrets: { name: string }[] = [];
  items.forEach((item: unknown, i) => {
    const name = readNonEmptyString(isRecord(item) ? item.name : undefined, `${path}[${i}].name`, problems);
    if (name !== undefined) secrets.push({ name });
  });
  return secrets;
}

function readDeviceRequests(value: unknown, path: string, problems: Problems): ResolvedDeviceRequest[] {
  const items = optionalList(value, path, problems);
  const requests: ResolvedDeviceRequest[] = [];
  const seen = new Set<string>();
  items.forEach((item: unknown, i) => {
    const at = `${path}[${i}]`;
    if (!isRecord(item)) {
      problems.push(invalidValue(at, item, 'must be an object'));
      return;
    }
    const name = readNonEmptyString(item.name, `${at}.name`, problems);
    if (name !== undefined && !(name.length <= 63 && DNS_LABEL.test(name))) {
      problems.push(invalidValue(`${at}.name`, name, MSG_DNS_LABEL));
    } else if (name !== undefined && seen.has(name)) {
      problems.push(`${at}.name: Duplicate value: ${describeValue(name)}`);
    }
    if (name !== undefined) seen.add(name);
    const deviceClassName = readNonEmptyString(item.deviceClassName, `${at}.deviceClassName`, problems);
    const count = readInteger(item.count, `${at}.count`, { min: 1, max: 64, byDefault: 1 }, problems);
    const selectors = readSelectors(item.selectors, `${at}.selectors`, problems);
    if (name === undefined || deviceClassName === undefined || count === undefined || selectors === undefined) return;
    const request: ResolvedDeviceRequest = { name, deviceClassName, count };
    if (selectors.length > 0) request.selectors = selectors;
    requests.push(request);
  });
  return requests;
}

function readSelectors(value: unknown, path: string, problems: Problems): { cel: string }[] | undefined {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    problems.push(invalidValue(path, value, 'must be a list'));
    return undefined;
  }
  const selectors: { cel: string }[] = [];
  let ok = true;
  value.forEach((item: unknown, i) => {
    const cel = readNonEmptyString(isRecord(item) ? item.cel : undefined, `${path}[${i}].cel`, problems);
    if (cel === undefined) ok = false;
    else selectors.push({ cel });
  });
  return ok ? selectors : undefined;
}

interface MemberReading {
  view: MemberView;
  workerNodes?: number;
}

function readMember(raw: unknown, path: string, problems: Problems): MemberReading | undefined {
  if (!isRecord(raw)) {
    problems.push(invalidValue(path, raw, 'must be an object'));
    return undefined;
  }
  const role = raw.role === undefined ? 'Standalone' : readEnum(raw.role, `${path}.role`, ROLES, problems);
  const nodePoolName = readNonEmptyString(raw.nodePoolName, `${path}.nodePoolName`, problems);
  const deviceRequests = readDeviceRequests(raw.deviceRequests, `${path}.deviceRequests`, problems);
  let workerNodes: number | undefined;
  if (raw.worker !== undefined) {
    if (role !== undefined && role !== 'Worker') problems.push(`${path}.worker: ${MSG_WORKER_ONLY}`);
    else if (!isRecord(raw.worker)) problems.push(invalidValue(`${path}.worker`, raw.worker, 'must be an object'));
    else workerNodes = readInteger(raw.worker.nodes, `${path}.worker.nodes`, { min: 1, max: 63 }, problems);
  }
  const template = readObject(raw.template, `${path}.template`, problems);
  if (template === undefined) return undefined;
  const metadata = template.metadata === undefined ? {} : template.metadata;
  if (!isRecord(metadata)) problems.push(invalidValue(`${path}.template.metadata`, metadata, 'must be an object'));
  const meta = isRecord(metadata) ? metadata : {};
  const labels = readStringMap(meta.labels, `${path}.template.metadata.labels`, isValidLabelValue, problems);
  const annotations = readStringMap(meta.annotations, `${path}.template.metadata.annotations`, undefined, problems);
  const podSpec = readObject(template.spec, `${path}.template.spec`, problems);
  if (podSpec === undefined) return undefined;
  const container = readContainer(podSpec, `${path}.template.spec`, problems);
  const imagePullSecrets = readPullSecrets(podSpec.imagePullSecrets, `${path}.template.spec.imagePullSecrets`, problems);
  if (role === undefined || nodePoolName === undefined || container === undefined) return undefined;
  const view: MemberView = { role, nodePoolName, deviceRequests, labels, annotations, container, imagePullSecrets };
  return workerNodes === undefined ? { view } : { view, workerNodes };
}

function readEngine(raw: unknown, path: string, problems: Problems): EngineView | undefined {
  if (!isRecord(raw)) {
    problems.push(invalidValue(path, raw, 'must be an object'));
    return undefined;
  }
  const name = readNonEmptyString(raw.name, `${path}.name`, problems);
  if (name !== undefined && !(name.length <= 63 && DNS_LABEL.test(name))) {
    problems.push(invalidValue(`${path}.name`, name, MSG_DNS_LABEL));
  }
  const copies = readInteger(raw.copies, `${path}.copies`, { min: 1, max: 64, byDefault: 1 }, problems);
  const phase = raw.phase === undefined ? undefined : readEnum(raw.phase, `${path}.phase`, PHASES, problems);
  const members = raw.members;
  if (members === undefined) {
    problems.push(requiredValue(`${path}.members`));
    return undefined;
  }
  if (!Array.isArray(members) || members.length === 0) {
    problems.push(invalidValue(`${path}.members`, members, MSG_MEMBERS));
    return undefined;
  }
  const problemsBefore = problems.length;
  const readings = members.map((member: unknown, i) => readMember(member, `${path}.members[${i}]`, problems));
  if (problems.length > problemsBefore || name === undefined || copies === undefined) return undefined;
  const read = readings as MemberReading[];
  const roles = read.map((r) => r.view.role);
  const common = { name, copies, ...(phase === undefined ? {} : { phase }) };
  if (roles.length === 1 && roles[0] === 'Standalone') {
    return { ...common, shape: 'Standalone', member: read[0]!.view };
  }
  const leader = read.find((r) => r.view.role === 'Leader');
  const worker = read.find((r) => r.view.role === 'Worker');
  if (roles.length !== 2 || leader === undefined || worker === undefined) {
    problems.push(invalidValue(`${path}.members`, roles, MSG_MEMBERS));
    return undefined;
  }
  // A Worker without `worker` is one worker node (a gang of two); the XRD has no default for it.
  return { ...common, shape: 'Gang', leader: leader.view, worker: worker.view, workerNodes: worker.workerNodes ?? 1 };
}

function readServingRules(mode: ServingMode, engines: EngineView[], problems: Problems): void {
  if (mode !== 'PrefillDecode') {
    engines.forEach((engine, i) => {
      if (engine.phase !== undefined) problems.push(`spec.engines[${i}].phase: ${MSG_PHASE_MODE}`);
    });
    return;
  }
  if (engines.length !== 2) problems.push(`spec.engines: ${MSG_PD_TWO}`);
  if (engines.filter((e) => e.phase === 'Prefill').length !== 1) problems.push(`spec.engines: ${MSG_PD_PREFILL}`);
  if (engines.filter((e) => e.phase === 'Decode').length !== 1) problems.push(`spec.engines: ${MSG_PD_DECODE}`);
}

/** spec.clusterName when it is a non-empty string: what the `cluster` requirement selects. */
export function clusterNameOf(composite: KubeObject): string | undefined {
  const spec = composite.spec;
  const name = isRecord(spec) ? spec.clusterName : undefined;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

export function readReplica(composite: KubeObject): ReplicaReading {
  const problems: Problems = [];
  const metadata = composite.metadata ?? {};
  const namespace = readNonEmptyString(metadata.namespace, 'metadata.namespace', problems);
  const name = readNonEmptyString(metadata.name, 'metadata.name', problems);
  const spec = readObject(composite.spec, 'spec', problems);
  if (spec === undefined) return { ok: false, problems };
  const clusterName = readNonEmptyString(spec.clusterName, 'spec.clusterName', problems);
  const serving = spec.serving === undefined ? {} : spec.serving;
  if (!isRecord(serving)) problems.push(invalidValue('spec.serving', serving, 'must be an object'));
  const servingSpec = isRecord(serving) ? serving : {};
  const mode = servingSpec.mode === undefined ? 'Unified' : readEnum(servingSpec.mode, 'spec.serving.mode', MODES, problems);
  const kvBlockSize =
    servingSpec.kvBlockSize === undefined
      ? undefined
      : readInteger(servingSpec.kvBlockSize, 'spec.serving.kvBlockSize', { min: 1, max: 4096 }, problems);

  const rawEngines = spec.engines;
  if (!Array.isArray(rawEngines) || rawEngines.length < 1 || rawEngines.length > 8) {
    problems.push(
      rawEngines === undefined
        ? requiredValue('spec.engines')
        : invalidValue('spec.engines', rawEngines, 'must list 1 to 8 engines'),
    );
    return { ok: false, problems };
  }
  const engines: EngineView[] = [];
  const names = new Set<string>();
  rawEngines.forEach((raw: unknown, i) => {
    const engine = readEngine(raw, `spec.engines[${i}]`, problems);
    if (engine === undefined) return;
    if (names.has(engine.name)) problems.push(`spec.engines[${i}].name: Duplicate value: ${describeValue(engine.name)}`);
    names.add(engine.name);
    engines.push(engine);
  });
  if (mode !== undefined && engines.length === rawEngines.length) readServingRules(mode, engines, problems);

  if (problems.length > 0 || namespace === undefined || name === undefined || clusterName === undefined || mode === undefined) {
    return { ok: false, problems };
  }
  const replica: ReplicaView = { namespace, name, clusterName, mode, engines };
  if (kvBlockSize !== undefined) replica.kvBlockSize = kvBlockSize;
  return { ok: true, replica };
}
