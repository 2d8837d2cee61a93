// Stage 2: one workload per engine, plus a ResourceClaimTemplate per claiming member. Knows nothing
// of routing: serving pods are marked and given the serving port; routing decorates the rest.
import type { FunctionInput } from '../../api/input.js';
import { remoteMeta, type ComposedManifest, type EnvVar, type PodTemplateSpec } from '../manifests.js';
import { claimKey, claimTemplateName, servingName, workloadKey, workloadName, type ReplicaIdentity } from '../names.js';
import type { EngineView, MemberView, ReplicaView } from '../replica.js';
import { resourceClaimTemplate } from './claims.js';
import { standaloneDeployment } from './deployment.js';
import { GANG_ENV, gangLeaderWorkerSet } from './leaderworkerset.js';
import { enginePodTemplate } from './pod.js';
import type { ComposedWorkload } from './workload.js';

export interface ComposedWorkloads {
  /** In engine order. */
  workloads: ComposedWorkload[];
  /** In engine order, serving member first. */
  claims: ComposedManifest[];
}

interface EngineContext {
  id: ReplicaIdentity;
  input: FunctionInput;
  engine: EngineView;
  workloadName: string;
}

interface MemberPods {
  template: PodTemplateSpec;
  claim?: ComposedManifest;
}

/** The member's pod template, and its claim template when it has device requests. */
function memberPods(ctx: EngineContext, member: MemberView, serving: boolean, managedEnv: EnvVar[]): MemberPods {
  const claimName = member.deviceRequests.length > 0 ? claimTemplateName(ctx.id, ctx.engine.name, member.role) : undefined;
  const template = enginePodTemplate({
    engineName: ctx.engine.name,
    member,
    workloadName: ctx.workloadName,
    ...(serving ? { servingName: servingName(ctx.id) } : {}),
    ...(claimName === undefined ? {} : { claimTemplateName: claimName }),
    managedEnv,
    tolerations: ctx.input.gpuTolerations,
  });
  if (claimName === undefined) return { template };
  const claim: ComposedManifest = {
    key: claimKey(ctx.engine.name, member.role),
    manifest: resourceClaimTemplate(remoteMeta(claimName, ctx.input.remoteNamespace), member.deviceRequests),
    readiness: 'Created',
  };
  return { template, claim };
}

function claimsOf(pods: MemberPods[]): ComposedManifest[] {
  return pods.flatMap((p) => (p.claim === undefined ? [] : [p.claim]));
}

function composeEngine(ctx: EngineContext): ComposedWorkloads {
  const { engine } = ctx;
  const metadata = remoteMeta(ctx.workloadName, ctx.input.remoteNamespace);
  const key = workloadKey(engine.name);
  if (engine.shape === 'Standalone') {
    const pods = memberPods(ctx, engine.member, true, []);
    const manifest = standaloneDeployment(metadata, engine.copies, pods.template);
    return { workloads: [{ engine, key, manifest }], claims: claimsOf([pods]) };
  }
  const leader = memberPods(ctx, engine.leader, true, GANG_ENV.map((entry) => ({ ...entry })));
  const worker = memberPods(ctx, engine.worker, false, GANG_ENV.map((entry) => ({ ...entry })));
  const manifest = gangLeaderWorkerSet(metadata, {
    copies: engine.copies,
    workerNodes: engine.workerNodes,
    leaderTemplate: leader.template,
    workerTemplate: worker.template,
  });
  return { workloads: [{ engine, key, manifest }], claims: claimsOf([leader, worker]) };
}

export function composeWorkloads(replica: ReplicaView, input: FunctionInput): ComposedWorkloads {
  const composed = replica.engines.map((engine) =>
    composeEngine({ id: replica, input, engine, workloadName: workloadName(replica, engine) }),
  );
  return {
    workloads: composed.flatMap((c) => c.workloads),
    claims: composed.flatMap((c) => c.claims),
  };
}
