// The deployment spec compiled once per schedule into what matching and placement consume: every
// member's pods and device requests with their selectors compiled. Nothing here depends on a
// cluster, so one plan serves every cluster of the fleet.
import type { CelSelector, DeploymentMember, ModelDeploymentSpec, Role } from '../../api/types.js';
import { compileSelector, type CompiledSelector } from '../../cel/index.js';
import { memberPods } from './cost.js';

export interface RequestPlan {
  /** The request name; becomes the DRA request name. */
  name: string;
  /** Devices of this kind needed on one node (schema default 1). */
  count: number;
  /** As the user wrote them, copied verbatim into a resolved deviceRequest. */
  selectors: CelSelector[] | undefined;
  /**
   * One per selector, in order. A selector that does not compile is undefined and matches no
   * device: the pipeline refuses such a deployment before scheduling, so this is only a guard.
   */
  compiled: (CompiledSelector | undefined)[];
}

export interface MemberPlan {
  /** Position among all members of the deployment, engines in order (indexes per-pool match vectors). */
  slot: number;
  role: Role;
  /** Pods of one gang copy: 1 for Standalone and Leader, worker.nodes for Worker. */
  pods: number;
  /** Empty when the member has no nodeSelector: it then matches every pool and claims nothing. */
  requests: RequestPlan[];
  source: DeploymentMember;
}

export interface EnginePlan {
  name: string;
  copies: number;
  members: MemberPlan[];
}

export interface DeploymentPlan {
  engines: EnginePlan[];
  /** Every member of every engine, indexed by slot. */
  members: MemberPlan[];
}

function positiveIntegerOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 ? value : fallback;
}

function compileOrUndefined(selector: CelSelector): CompiledSelector | undefined {
  const result = compileSelector(selector.cel);
  return result.ok ? result.selector : undefined;
}

function planMember(member: DeploymentMember, slot: number): MemberPlan {
  const requests = (member.nodeSelector?.devices ?? []).map((request) => ({
    name: request.name,
    count: positiveIntegerOr(request.count, 1),
    selectors: request.selectors,
    compiled: (request.selectors ?? []).map(compileOrUndefined),
  }));
  return { slot, role: member.role ?? 'Standalone', pods: memberPods(member), requests, source: member };
}

export function planDeployment(spec: ModelDeploymentSpec): DeploymentPlan {
  let slot = 0;
  const engines = spec.engines.map((engine) => ({
    name: engine.name,
    copies: positiveIntegerOr(engine.copies, 1),
    members: engine.members.map((member) => planMember(member, slot++)),
  }));
  return { engines, members: engines.flatMap((engine) => engine.members) };
}
