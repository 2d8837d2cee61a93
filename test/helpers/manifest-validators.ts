// Which validator checks which composed kind: kubernetes-models for core kinds, the upstream CRDs
// (test/helpers/crd-schemas.ts) for the rest.
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { ResourceClaimTemplate } from 'kubernetes-models/resource.k8s.io/v1/ResourceClaimTemplate';
import type { CrdKind } from './crd-schemas.js';

/** Core kinds by "apiVersion kind"; `validate()` throws on a violation. */
export const CORE_VALIDATORS: Record<string, (manifest: unknown) => void> = {
  'apps/v1 Deployment': (m) => new Deployment(m as never).validate(),
  'v1 Service': (m) => new Service(m as never).validate(),
  'v1 ServiceAccount': (m) => new ServiceAccount(m as never).validate(),
  'v1 ConfigMap': (m) => new ConfigMap(m as never).validate(),
  'rbac.authorization.k8s.io/v1 Role': (m) => new Role(m as never).validate(),
  'rbac.authorization.k8s.io/v1 RoleBinding': (m) => new RoleBinding(m as never).validate(),
  'resource.k8s.io/v1 ResourceClaimTemplate': (m) => new ResourceClaimTemplate(m as never).validate(),
};

/** Kinds checked against an upstream CRD, by "apiVersion kind". */
export const CRD_VERSIONS: Record<string, { kind: CrdKind; version: string }> = {
  'leaderworkerset.x-k8s.io/v1 LeaderWorkerSet': { kind: 'LeaderWorkerSet', version: 'v1' },
  'inference.networking.k8s.io/v1 InferencePool': { kind: 'InferencePool', version: 'v1' },
  'gateway.networking.k8s.io/v1 HTTPRoute': { kind: 'HTTPRoute', version: 'v1' },
  'kubernetes.m.crossplane.io/v1alpha1 Object': { kind: 'Object', version: 'v1alpha1' },
};
