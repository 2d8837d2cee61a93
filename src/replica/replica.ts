// The ModelReplica as the rest of the step sees it once read-replica.ts has checked it and applied
// the defaults: every field present, every value within bounds.
import type { Phase, ResolvedDeviceRequest, Role, ServingMode } from '../api/types.js';
import type { EnvVar, StringMap } from './manifests.js';

export interface EngineContainerView {
  image: string;
  command?: string[];
  args?: string[];
  /** The user's env entries in their order; empty when none. */
  env: EnvVar[];
}

export interface MemberView {
  role: Role;
  nodePoolName: string;
  /** Empty for a claimless member (no DRA devices to bind). */
  deviceRequests: ResolvedDeviceRequest[];
  labels: StringMap;
  annotations: StringMap;
  container: EngineContainerView;
  imagePullSecrets: { name: string }[];
}

interface EngineCommon {
  name: string;
  copies: number;
  phase?: Phase;
}

export interface StandaloneEngine extends EngineCommon {
  shape: 'Standalone';
  member: MemberView;
}

export interface GangEngine extends EngineCommon {
  shape: 'Gang';
  leader: MemberView;
  worker: MemberView;
  /** Worker pods besides the leader. */
  workerNodes: number;
}

export type EngineView = StandaloneEngine | GangEngine;

export interface ReplicaView {
  namespace: string;
  name: string;
  clusterName: string;
  mode: ServingMode;
  kvBlockSize?: number;
  engines: EngineView[];
}

/** The member whose pods serve traffic: the Standalone member, or a gang's leader. */
export function servingMember(engine: EngineView): MemberView {
  return engine.shape === 'Standalone' ? engine.member : engine.leader;
}

/** Every member of an engine, serving member first. */
export function membersOf(engine: EngineView): MemberView[] {
  return engine.shape === 'Standalone' ? [engine.member] : [engine.leader, engine.worker];
}
