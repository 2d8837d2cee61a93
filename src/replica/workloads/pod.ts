// The engine pod template: what every engine pod gets, and what serving pods add
// (replica.md, "Every engine pod" and "Serving pods").
import type { Toleration } from '../../api/input.js';
import { LABEL_ENGINE, LABEL_POOL, LABEL_SERVING, LABEL_WORKLOAD } from '../../k8s/labels.js';
import { labelValue } from '../../k8s/names.js';
import { PORT_BOUNDS, PORT_FLAGS, quoteValue, readIntegerFlag } from '../flags.js';
import { sortedMap, type Container, type EnvVar, type HttpReadinessProbe, type PodTemplateSpec } from '../manifests.js';
import type { MemberView } from '../replica.js';

export const ENGINE_CONTAINER = 'engine';
/** The port every serving engine is assumed to listen on, and the one its Service or pool targets. */
export const SERVING_PORT = 8000;
export const SERVING_PORT_NAME = 'http';
export const HEALTH_PATH = '/health';
export const CLAIM_NAME = 'devices';
const SHM_VOLUME = 'dshm';

/** Readiness of a serving HTTP endpoint: engines load weights before /health answers. */
export function httpReadinessProbe(port: number): HttpReadinessProbe {
  return { httpGet: { path: HEALTH_PATH, port }, initialDelaySeconds: 30, periodSeconds: 10, timeoutSeconds: 5 };
}

export interface EnginePodRequest {
  engineName: string;
  member: MemberView;
  workloadName: string;
  /** Set on serving pods (Standalone pods and gang leaders): the `modelplane.ai/serving` value. */
  servingName?: string;
  /** The member's ResourceClaimTemplate; set exactly when the member has device requests. */
  claimTemplateName?: string;
  /** Env entries the step manages, placed first; user entries of the same names are dropped. */
  managedEnv: EnvVar[];
  tolerations: readonly Toleration[];
}

function engineEnv(managed: EnvVar[], user: EnvVar[]): EnvVar[] {
  const managedNames = new Set(managed.map((entry) => entry.name));
  return [...managed, ...user.filter((entry) => !managedNames.has(entry.name))];
}

export function enginePodTemplate(request: EnginePodRequest): PodTemplateSpec {
  const { member, servingName, claimTemplateName } = request;
  const container: Container = { name: ENGINE_CONTAINER, image: member.container.image };
  if (member.container.command !== undefined) container.command = [...member.container.command];
  if (member.container.args !== undefined) container.args = [...member.container.args];
  const env = engineEnv(request.managedEnv, member.container.env);
  if (env.length > 0) container.env = env;
  if (servingName !== undefined) {
    container.ports = [{ name: SERVING_PORT_NAME, containerPort: SERVING_PORT }];
    container.readinessProbe = httpReadinessProbe(SERVING_PORT);
  }
  if (claimTemplateName !== undefined) container.resources = { claims: [{ name: CLAIM_NAME }] };
  container.volumeMounts = [{ name: SHM_VOLUME, mountPath: '/dev/shm' }];

  const managedLabels: Record<string, string> = {
    [LABEL_WORKLOAD]: request.workloadName,
    [LABEL_ENGINE]: labelValue(request.engineName),
  };
  if (servingName !== undefined) managedLabels[LABEL_SERVING] = servingName;
  const template: PodTemplateSpec = {
    metadata: { labels: sortedMap({ ...member.labels, ...managedLabels }) },
    spec: { containers: [container] },
  };
  if (Object.keys(member.annotations).length > 0) template.metadata.annotations = sortedMap(member.annotations);
  if (member.imagePullSecrets.length > 0) template.spec.imagePullSecrets = member.imagePullSecrets.map((s) => ({ ...s }));
  template.spec.nodeSelector = { [LABEL_POOL]: member.nodePoolName };
  if (request.tolerations.length > 0) template.spec.tolerations = request.tolerations.map((t) => ({ ...t }));
  if (claimTemplateName !== undefined) {
    template.spec.resourceClaims = [{ name: CLAIM_NAME, resourceClaimTemplateName: claimTemplateName }];
  }
  template.spec.volumes = [{ name: SHM_VOLUME, emptyDir: { medium: 'Memory' } }];
  return template;
}

/**
 * A serving member whose flags set another --port than the one its pods declare would be probed
 * and routed to where nothing listens. The step never rewrites the user's flags, so it warns.
 */
export function servingPortWarning(engineName: string, member: MemberView): string | undefined {
  const port = readIntegerFlag(member.container, PORT_FLAGS, PORT_BOUNDS);
  if (port.kind === 'absent' || (port.kind === 'value' && port.value === SERVING_PORT)) return undefined;
  const given = port.kind === 'value' ? String(port.value) : quoteValue(port.raw);
  return (
    `engine "${engineName}" sets --port ${given}, but its serving pods are probed and routed on port ${SERVING_PORT}: ` +
    `remove the flag or set --port ${SERVING_PORT}`
  );
}
