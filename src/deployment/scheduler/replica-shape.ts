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

function readMember(path: string, raw: unknown, problems: string[]): ShapeMember | undefined {
  if (!isRecord(raw)) {
    problems.push(problem(path, raw, 'is not an object'));
    return undefined;
  }
  let role: Role | undefined = 'Standalone';
  if (raw.role !== undefined) {
    role = ROLES.find((r) => r === raw.role);
    if (role === undefined) problems.push(problem(`${path}.role`, raw.role, `is not one of ${ROLES.join(', ')}`));
  }
  let worker: { nodes: number } | undefined;
  if (raw.worker !== undefined) {
    const nodes = isRecord(raw.worker) ? raw.worker.nodes : undefined;
    if (isPositiveInteger(nodes)) worker = { nodes };
    else problems.push(problem(`${path}.worker.nodes`, nodes, 'is not a positive integer; read as 1'));
  }

  let claims = false;
  if (raw.deviceRequests !== undefined) {
    if (Array.isArray(raw.deviceRequests)) claims = raw.deviceRequests.length > 0;
    else problems.push(problem(`${path}.deviceRequests`, raw.deviceRequests, 'is not a list; not charged'));
  }
  const pool = typeof raw.nodePoolName === 'string' && raw.nodePoolName !== '' ? raw.nodePoolName : undefined;
  if (pool === undefined) {
    const consequence = claims ? '; not charged' : '';
    problems.push(problem(`${path}.nodePoolName`, raw.nodePoolName, `is not a non-empty string${consequence}`));
  }
  return { role, pool, claims, worker };
}

function readEngine(path: string, raw: unknown, problems: string[]): ShapeEngine | undefined {
  if (!isRecord(raw)) {
    problems.push(problem(path, raw, 'is not an object'));
    return undefined;
  }
  let name: string | undefined;
  if (typeof raw.name === 'string' && raw.name !== '') name = raw.name;
  else problems.push(problem(`${path}.name`, raw.name, 'is not a non-empty string'));
  let copies = 1;
  if (raw.copies !== undefined) {
    if (isPositiveInteger(raw.copies)) copies = raw.copies;
    else problems.push(problem(`${path}.copies`, raw.copies, 'is not a positive integer; read as 1'));
  }
  const members: ShapeMember[] = [];
  if (Array.isArray(raw.members)) {
    raw.members.forEach((m, j) => {
      const member = readMember(`${path}.members[${j}]`, m, problems);
      if (member !== undefined) members.push(member);
    });
  } else {
    problems.push(problem(`${path}.members`, raw.members, 'is not a list'));
  }
  return { name, copies, members };
}

export function readReplicaShape(spec: unknown): ReplicaShape {
  const problems: string[] = [];
  const engines: ShapeEngine[] = [];
  if (!isRecord(spec)) {
    problems.push(problem('spec', spec, 'is not an object'));
    return { engines, problems };
  }
  if (!Array.isArray(spec.engines)) {
    problems.push(problem('spec.engines', spec.engines, 'is not a list'));
    return { engines, problems };
  }
  spec.engines.forEach((e, i) => {
    const engine = readEngine(`spec.engines[${i}]`, e, problems);
    if (engine !== undefined) engines.push(engine);
  });
  return { engines, problems };
}
