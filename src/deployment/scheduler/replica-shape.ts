// Reads the shape of an observed ModelReplica spec: engines, copies, members, their pinned pools and
// whether they claim devices. The spec is untrusted (hand-written or hand-edited replicas are legal),
// so every field is checked and each problem is named with its path and value; whatever can be read
// is still returned.
import type { Role } from '../../api/types.js';
import { describeValue, isRecord } from '../../values.js';

const ROLES: readonly Role[] = ['Standalone', 'Leader', 'Worker'];

export interface ShapeMember {
  /** The role as written (schema default Standalone); undefined when it is not a known role. */
  role: Role | undefined;
  /** nodePoolName, when a non-empty string. */
  pool: string | undefined;
  /** Carries a non-empty deviceRequests list: it occupies nodes of its own. */
  claims: boolean;
  /** worker.nodes when a positive integer (unreadable values are reported and read as absent). */
  worker: { nodes: number } | undefined;
}

export interface ShapeEngine {
  /** undefined when missing or not a non-empty string. */
  name: string | undefined;
  copies: number;
  members: ShapeMember[];
}

export interface ReplicaShape {
  engines: ShapeEngine[];
  /** One entry per unreadable field: `<path>: <value> <problem>`. */
  problems: string[];
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1;
}

function problem(path: string, value: unknown, what: string): string {
  return `${path}: ${value === undefined ? 'missing' : `${describeValue(value)} ${what}`}`;
}

/** `spec.engines[engine]`, then `.members[member]` and `.field` when given: built only for a problem. */
function enginePath(engine: number, member?: number, field?: string): string {
  const memberPart = member === undefined ? '' : `.members[${member}]`;
  return `spec.engines[${engine}]${memberPart}${field === undefined ? '' : `.${field}`}`;
}

function readMember(raw: unknown, engine: number, index: number, problems: string[]): ShapeMember | undefined {
  if (!isRecord(raw)) {
    problems.push(problem(enginePath(engine, index), raw, 'is not an object'));
    return undefined;
  }
  let role: Role | undefined = 'Standalone';
  if (raw.role !== undefined) {
    role = ROLES.includes(raw.role as Role) ? (raw.role as Role) : undefined;
    if (role === undefined) problems.push(problem(enginePath(engine, index, 'role'), raw.role, `is not one of ${ROLES.join(', ')}`));
  }
  let worker: { nodes: number } | undefined;
  if (raw.worker !== undefined) {
    const nodes = isRecord(raw.worker) ? raw.worker.nodes : undefined;
    if (isPositiveInteger(nodes)) worker = { nodes };
    else problems.push(problem(enginePath(engine, index, 'worker.nodes'), nodes, 'is not a positive integer; read as 1'));
  }

  let claims = false;
  if (raw.deviceRequests !== undefined) {
    if (Array.isArray(raw.deviceRequests)) claims = raw.deviceRequests.length > 0;
    else problems.push(problem(enginePath(engine, index, 'deviceRequests'), raw.deviceRequests, 'is not a list; not charged'));
  }
  const pool = typeof raw.nodePoolName === 'string' && raw.nodePoolName !== '' ? raw.nodePoolName : undefined;
  if (pool === undefined) {
    const consequence = claims ? '; not charged' : '';
    problems.push(problem(enginePath(engine, index, 'nodePoolName'), raw.nodePoolName, `is not a non-empty string${consequence}`));
  }
  return { role, pool, claims, worker };
}

function readEngine(raw: unknown, index: number, problems: string[]): ShapeEngine | undefined {
  if (!isRecord(raw)) {
    problems.push(problem(enginePath(index), raw, 'is not an object'));
    return undefined;
  }
  let name: string | undefined;
  if (typeof raw.name === 'string' && raw.name !== '') name = raw.name;
  else problems.push(problem(enginePath(index, undefined, 'name'), raw.name, 'is not a non-empty string'));
  let copies = 1;
  if (raw.copies !== undefined) {
    if (isPositiveInteger(raw.copies)) copies = raw.copies;
    else problems.push(problem(enginePath(index, undefined, 'copies'), raw.copies, 'is not a positive integer; read as 1'));
  }
  let members: ShapeMember[] = [];
  if (Array.isArray(raw.members)) {
    members = readable(raw.members.map((m: unknown, j) => readMember(m, index, j, problems)));
  } else {
    problems.push(problem(enginePath(index, undefined, 'members'), raw.members, 'is not a list'));
  }
  return { name, copies, members };
}

/**
 * The items that could be read, in order. Shapes are read for every ModelReplica of the fleet, so
 * the usual case (all read) keeps the list `map` sized exactly instead of growing another.
 */
function readable<T>(items: (T | undefined)[]): T[] {
  return items.includes(undefined) ? items.filter((item): item is T => item !== undefined) : (items as T[]);
}

export function readReplicaShape(spec: unknown): ReplicaShape {
  const problems: string[] = [];
  if (!isRecord(spec)) {
    problems.push(problem('spec', spec, 'is not an object'));
    return { engines: [], problems };
  }
  if (!Array.isArray(spec.engines)) {
    problems.push(problem('spec.engines', spec.engines, 'is not a list'));
    return { engines: [], problems };
  }
  const engines = readable(spec.engines.map((e: unknown, i) => readEngine(e, i, problems)));
  return { engines, problems };
}
