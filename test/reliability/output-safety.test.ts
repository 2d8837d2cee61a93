// What the function composes is safe to apply whatever the user wrote: valid Kubernetes names and
// labels at any input length, secrets only ever referenced, managed labels that user labels cannot
// override, user text never spliced into a command, and an endpoint picker with least privilege.
// The pipelines are driven as Crossplane drives them: a ModelDeployment is composed, its replicas
// come back Ready, and every composed ModelReplica is composed in turn on its cluster.
import { beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { RunFunctionResponse } from '@crossplane-org/function-sdk-typescript';
import { parseInput } from '../../src/api/input.js';
import type { KubeObject } from '../../src/api/types.js';
import type { CompositionResponse } from '../../src/composition.js';
import { runModelDeployment } from '../../src/deployment/pipeline.js';
import { runFunction } from '../../src/function.js';
import { hashName } from '../../src/k8s/names.js';
import { runModelReplica } from '../../src/replica/pipeline.js';
import { functionRequest, smallReplicaRequest, type JsonObject } from '../helpers/reliability-fleet.js';
import { HIJACK, validWorld, type ValidWorld } from '../helpers/reliability-generators.js';

const RUNS = 300;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const MANAGED_BY = 'app.kubernetes.io/managed-by';

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

// ---- Driving the pipelines --------------------------------------------------------------------

interface Rendered {
  world: ValidWorld;
  deployment: CompositionResponse;
  /** Each composed ModelReplica (as the XR the replica step receives) and what it composed. */
  replicas: Array<{ xr: KubeObject; out: CompositionResponse }>;
}

function render(world: ValidWorld): Rendered {
  const parsed = parseInput(world.input);
  if (!parsed.ok) throw new Error(`generated an invalid Input: ${parsed.message}`);
  const input = parsed.input;
  const clusters = world.clusters as KubeObject[];
  const first = runModelDeployment({ composite: world.deployment as KubeObject, observed: {}, required: { clusters, replicas: [] }, input });
  // Crossplane creates the replicas; they become Ready; the next call composes their endpoints.
  const observed: Record<string, KubeObject> = {};
  for (const [key, d] of Object.entries(first.desired)) {
    observed[key] = { ...structuredClone(d.resource), status: { conditions: [{ type: 'Ready', status: 'True', reason: 'Available' }] } };
  }
  const replicas = Object.values(observed);
  const deployment = runModelDeployment({ composite: world.deployment as KubeObject, observed, required: { clusters, replicas }, input });
  return {
    world,
    deployment,
    replicas: Object.values(deployment.desired)
      .filter((d) => d.resource.kind === 'ModelReplica')
      .map((d) => {
        const xr = structuredClone(d.resource);
        const clusterName = (xr.spec as { clusterName: string }).clusterName;
        const cluster = clusters.filter((c) => c.metadata?.name === clusterName);
        return { xr, out: runModelReplica({ composite: xr, observed: {}, required: { cluster }, input }) };
      }),
  };
}

function everyDesired(r: Rendered): Array<[string, KubeObject]> {
  return [
    ...Object.entries(r.deployment.desired).map(([k, d]): [string, KubeObject] => [`deployment/${k}`, d.resource]),
    ...r.replicas.flatMap(({ xr, out }) => Object.entries(out.desired).map(([k, d]): [string, KubeObject] => [`${xr.metadata?.name}/${k}`, d.resource])),
  ];
}

/** The manifests applied on the inference clusters (inside the provider-kubernetes Objects). */
function remoteManifests(r: Rendered): Array<[string, JsonObject]> {
  return r.replicas.flatMap(({ xr, out }) =>
    Object.entries(out.desired).map(([k, d]): [string, JsonObject] => [`${xr.metadata?.name}/${k}`, (d.resource.spec as { forProvider: { manifest: JsonObject } }).forProvider.manifest]),
  );
}

/** Every object below `root` with the path to it, depth first. */
function* walk(root: unknown, path: string): Generator<[string, JsonObject]> {
  if (Array.isArray(root)) {
    for (let i = 0; i < root.length; i++) yield* walk(root[i], `${path}[${i}]`);
  } else if (isObject(root)) {
    yield [path, root];
    for (const [k, v] of Object.entries(root)) yield* walk(v, `${path}.${k}`);
  }
}

/** The engine workloads among the remote manifests (desired keys `workload-<engine>`). */
function workloads(r: Rendered): Array<[string, JsonObject]> {
  return remoteManifests(r).filter(([key]) => key.slice(key.lastIndexOf('/') + 1).startsWith('workload-'));
}

/** Pod templates of a workload (or any Deployment), with the member role each is for. */
function podTemplates(manifest: JsonObject): Array<{ role: 'Standalone' | 'Leader' | 'Worker'; template: JsonObject }> {
  const spec = manifest.spec as JsonObject | undefined;
  if (manifest.kind === 'Deployment' && isObject(spec?.template)) return [{ role: 'Standalone', template: spec.template }];
  if (manifest.kind === 'LeaderWorkerSet' && isObject(spec?.leaderWorkerTemplate)) {
    const lwt = spec.leaderWorkerTemplate;
    return [
      { role: 'Leader' as const, template: lwt.leaderTemplate as JsonObject },
      { role: 'Worker' as const, template: lwt.workerTemplate as JsonObject },
    ].filter((t) => isObject(t.template));
  }
  return [];
}

const worlds = fc.sample(validWorld, { numRuns: RUNS, seed: Number(process.env.FUZZ_SEED ?? 20_251_129) });
let rendered: Rendered[];

beforeAll(() => {
  rendered = worlds.map(render);
});

describe('composed output over generated ModelDeployments', () => {
  it('schedules and composes the generated worlds (otherwise the checks below prove nothing)', () => {
    const composed = rendered.filter((r) => r.replicas.length > 0 && r.replicas.every(({ out }) => Object.keys(out.desired).length > 0));
    expect(composed.length).toBeGreaterThan(RUNS * 0.9);
    expect(rendered.some((r) => Object.values(r.deployment.desired).some((d) => d.resource.kind === 'ModelEndpoint'))).toBe(true);
  });

  it('names every composed object validly, within 63 characters, whatever the input lengths', () => {
    const problems: string[] = [];
    for (const r of rendered) {
      for (const [key, object] of everyDesired(r)) {
        for (const [path, node] of walk(object, key)) {
          const meta = node.metadata;
          if (!isObject(meta)) continue;
          const { name, namespace } = meta;
          if (name !== undefined && !(typeof name === 'string' && name.length <= 63 && DNS_SUBDOMAIN.test(name))) problems.push(`${path}.metadata.name ${JSON.stringify(name)}`);
          if (name !== undefined && node.kind === 'Service' && !DNS_1035_LABEL.test(String(name))) problems.push(`${path}: Service name ${JSON.stringify(name)} is not a DNS-1035 label`);
          if (namespace !== undefined && !(typeof namespace === 'string' && DNS_LABEL.test(namespace) && namespace.length <= 63)) problems.push(`${path}.metadata.namespace ${JSON.stringify(namespace)}`);
        }
      }
    }
    expect(problems.slice(0, 10)).toEqual([]);
  });

  it('gives every label, selector and node selector a valid key and a value of at most 63 characters', () => {
    const problems: string[] = [];
    const checkMap = (path: string, map: JsonObject): void => {
      for (const [k, v] of Object.entries(map)) {
        const [prefix, name] = k.includes('/') ? [k.slice(0, k.indexOf('/')), k.slice(k.indexOf('/') + 1)] : [undefined, k];
        if (!(QUALIFIED_NAME.test(name) && name.length <= 63 && (prefix === undefined || (DNS_SUBDOMAIN.test(prefix) && prefix.length <= 253)))) problems.push(`${path}: key ${JSON.stringify(k)}`);
        if (!(typeof v === 'string' && v.length <= 63 && LABEL_VALUE.test(v))) problems.push(`${path}: ${k}=${JSON.stringify(v)}`);
      }
    };
    for (const r of rendered) {
      for (const [key, object] of everyDesired(r)) {
        for (const [path, node] of walk(object, key)) {
          for (const field of ['labels', 'matchLabels', 'nodeSelector'] as const) if (isObject(node[field])) checkMap(`${path}.${field}`, node[field]);
          if (node.kind === 'Service' && isObject(node.spec) && isObject(node.spec.selector)) checkMap(`${path}.spec.selector`, node.spec.selector);
        }
      }
    }
    expect(problems.slice(0, 10)).toEqual([]);
  });

  it('keeps the managed labels whatever labels the user puts on the pod template', () => {
    const problems: string[] = [];
    for (const r of rendered) {
      const pd = isObject((r.world.deployment.spec as JsonObject).serving);
      for (const [key, manifest] of remoteManifests(r)) {
        const meta = manifest.metadata as JsonObject;
        if ((meta.labels as JsonObject | undefined)?.[MANAGED_BY] !== 'modelplane') problems.push(`${key}: ${MANAGED_BY} is ${JSON.stringify((meta.labels as JsonObject | undefined)?.[MANAGED_BY])}`);
      }
      for (const [key, manifest] of workloads(r)) {
        for (const { role, template } of podTemplates(manifest)) {
          const labels = ((template.metadata as JsonObject | undefined)?.labels ?? {}) as Record<string, string>;
          for (const managed of ['modelplane.ai/workload', 'modelplane.ai/engine']) {
            if (labels[managed] === undefined || labels[managed] === HIJACK) problems.push(`${key} ${role}: ${managed}=${JSON.stringify(labels[managed])}`);
          }
          const selector = ((manifest.spec as JsonObject).selector as JsonObject | undefined)?.matchLabels as Record<string, string> | undefined;
          if (manifest.kind === 'Deployment' && selector?.['modelplane.ai/workload'] !== labels['modelplane.ai/workload']) problems.push(`${key}: the selector no longer selects the pods`);
          const serving = role !== 'Worker';
          if (serving && pd && !['prefill', 'decode'].includes(labels['llm-d.ai/role'] ?? '')) problems.push(`${key} ${role}: llm-d.ai/role=${JSON.stringify(labels['llm-d.ai/role'])}`);
          if (serving && labels['modelplane.ai/serving'] === undefined) problems.push(`${key} ${role}: no modelplane.ai/serving label`);
        }
      }
    }
    expect(problems.slice(0, 10)).toEqual([]);
  });

  it("passes the user's command, args and env through verbatim, and splices no user text into injected containers", () => {
    const problems: string[] = [];
    /** The user's own args and command strings long enough to recognise anywhere else. */
    const userStrings = (r: Rendered): string[] => {
      const out: string[] = [];
      for (const [, node] of walk(r.world.deployment.spec, 'spec')) {
        for (const field of ['args', 'command'] as const) if (Array.isArray(node[field])) out.push(...(node[field] as string[]).filter((s) => s.length >= 6));
      }
      return out;
    };
    for (const r of rendered) {
      const engines = (r.world.deployment.spec as { engines: JsonObject[] }).engines;
      const forbidden = userStrings(r);
      for (const [key, manifest] of workloads(r)) {
        for (const { role, template } of podTemplates(manifest)) {
          const labels = ((template.metadata as JsonObject | undefined)?.labels ?? {}) as Record<string, string>;
          const engine = engines.find((e) => e.name === labels['modelplane.ai/engine']);
          const member = (engine?.members as JsonObject[] | undefined)?.find((m) => (m.role ?? 'Standalone') === role);
          const userContainer = ((member?.template as JsonObject | undefined)?.spec as { containers: JsonObject[] } | undefined)?.containers[0];
          const containers = ((template.spec as JsonObject).containers ?? []) as JsonObject[];
          const composedEngine = containers.find((c) => c.name === 'engine');
          if (userContainer === undefined || composedEngine === undefined) {
            problems.push(`${key} ${role}: cannot pair the engine container with the user's member`);
            continue;
          }
          for (const field of ['command', 'args'] as const) {
            if (JSON.stringify(composedEngine[field]) !== JSON.stringify(userContainer[field])) problems.push(`${key} ${role}: ${field} changed`);
          }
          for (const env of (userContainer.env ?? []) as JsonObject[]) {
            const composedEnv = ((composedEngine.env ?? []) as JsonObject[]).find((e) => e.name === env.name);
            if (JSON.stringify(composedEnv) !== JSON.stringify(env)) problems.push(`${key} ${role}: env ${JSON.stringify(env.name)} changed to ${JSON.stringify(composedEnv)}`);
          }
          for (const injected of containers.filter((c) => c !== composedEngine)) {
            if (injected.command !== undefined) problems.push(`${key}: injected container ${JSON.stringify(injected.name)} has a command`);
            for (const arg of (injected.args ?? []) as string[]) {
              if (!/^--[a-z-]+=([a-z0-9.-]+|[0-9]+)$/.test(arg)) problems.push(`${key}: injected arg ${JSON.stringify(arg)}`);
            }
          }
        }
      }
      for (const [key, manifest] of remoteManifests(r)) {
        // What the function writes itself: injected containers and the endpoint picker's config.
        const own = [
          ...podTemplates(manifest).flatMap(({ template }) => ((template.spec as JsonObject).containers as JsonObject[]).filter((c) => c.name !== 'engine')),
          ...(manifest.kind === 'ConfigMap' ? [manifest.data as JsonObject] : []),
        ];
        const text = JSON.stringify(own);
        for (const s of forbidden) if (text.includes(JSON.stringify(s).slice(1, -1))) problems.push(`${key}: user text ${JSON.stringify(s)} appears in what the function writes`);
      }
    }
    expect(problems.slice(0, 10)).toEqual([]);
  });

  it("grants the endpoint picker only get/list/watch on pods, inferencepools and inferenceobjectives, in the replica's namespace", () => {
    const problems: string[] = [];
    const allowed: Record<string, string> = { pods: '', inferencepools: 'inference.networking.k8s.io', inferenceobjectives: 'inference.networking.x-k8s.io' };
    let roles = 0;
    for (const r of rendered) {
      const namespace = r.world.input.remoteNamespace;
      for (const [key, manifest] of remoteManifests(r)) {
        const meta = manifest.metadata as JsonObject;
        if (manifest.kind === 'ClusterRole' || manifest.kind === 'ClusterRoleBinding') problems.push(`${key}: a ${manifest.kind}`);
        if (meta.namespace !== namespace) problems.push(`${key}: ${manifest.kind} in namespace ${JSON.stringify(meta.namespace)}, not ${namespace}`);
        if (manifest.kind === 'Role') {
          roles++;
          const granted = ((manifest.rules ?? []) as JsonObject[]).flatMap((rule) =>
            (rule.resources as string[]).flatMap((res) => (rule.apiGroups as string[]).flatMap((g) => (rule.verbs as string[]).map((v) => `${g}/${res}:${v}`))),
          );
          const expected = Object.entries(allowed).flatMap(([res, g]) => ['get', 'list', 'watch'].map((v) => `${g}/${res}:${v}`));
          if (JSON.stringify([...granted].sort()) !== JSON.stringify(expected.sort())) problems.push(`${key}: grants ${JSON.stringify(granted)}`);
          if (((manifest.rules ?? []) as JsonObject[]).some((rule) => rule.resourceNames !== undefined || rule.nonResourceURLs !== undefined)) problems.push(`${key}: unexpected rule fields`);
        }
        if (manifest.kind === 'RoleBinding') {
          const roleRef = manifest.roleRef as JsonObject;
          const subjects = manifest.subjects as JsonObject[];
          if (roleRef.kind !== 'Role' || roleRef.name !== meta.name) problems.push(`${key}: binds ${JSON.stringify(roleRef)}`);
          if (subjects.length !== 1 || subjects[0]!.kind !== 'ServiceAccount' || subjects[0]!.namespace !== namespace || subjects[0]!.name !== meta.name) {
            problems.push(`${key}: subjects ${JSON.stringify(subjects)}`);
          }
        }
      }
    }
    expect(roles).toBeGreaterThan(0);
    expect(problems.slice(0, 10)).toEqual([]);
  });
});

describe('secrets', () => {
  const CANARY = 'canary-7f3e9b2c-secret-material';

  it('never reads the credentials or connection details of the request into the response', () => {
    for (const world of worlds.slice(0, 50)) {
      const request = (composite: JsonObject, required: Record<string, JsonObject[]>) =>
        functionRequest({
          composite,
          required,
          input: world.input,
          observed: { 'replica-x-0': { apiVersion: 'modelplane.ai/v1alpha1', kind: 'ModelReplica', metadata: { name: 'x', namespace: 'y' }, spec: {} } },
          connectionDetails: { '': { password: CANARY }, 'replica-x-0': { token: CANARY } },
          credentials: { vault: { token: CANARY } },
        });
      const first = runFunction(request(world.deployment, { clusters: world.clusters, replicas: [] }));
      const replica = Object.values(first.desired?.resources ?? {}).find((r) => r.resource?.kind === 'ModelReplica')?.resource as JsonObject | undefined;
      const second = replica === undefined ? undefined : runFunction(request(replica, { cluster: world.clusters }));
      for (const rsp of [first, second]) {
        if (rsp === undefined) continue;
        expect(Buffer.from(RunFunctionResponse.encode(rsp).finish()).includes(CANARY)).toBe(false);
      }
    }
  });

  it('passes a secretKeyRef through as a reference, and composes no Secret', () => {
    let references = 0;
    const problems: string[] = [];
    for (const r of rendered) {
      for (const [key, manifest] of remoteManifests(r)) {
        if (manifest.kind === 'Secret') problems.push(`${key}: a Secret`);
        for (const [path, node] of walk(manifest, key)) {
          if (!isObject(node.valueFrom) || !isObject(node.valueFrom.secretKeyRef)) continue;
          references++;
          if (node.value !== undefined) problems.push(`${path}: a value beside the secretKeyRef`);
        }
      }
    }
    expect(references).toBeGreaterThan(0);
    expect(problems.slice(0, 10)).toEqual([]);
  });
});

describe('a hand-written ModelReplica', () => {
  it('cannot widen the pod beyond the fields the XRD defines (host access, privileges, volumes, service account)', () => {
    const req = smallReplicaRequest('widen');
    const xr = req.observed!.composite!.resource as { spec: { engines: Array<{ members: Array<{ template: { spec: JsonObject } }> }> } };
    const podSpec = xr.spec.engines[0]!.members[0]!.template.spec;
    Object.assign(podSpec, {
      hostNetwork: true,
      hostPID: true,
      serviceAccountName: 'cluster-admin',
      automountServiceAccountToken: true,
      volumes: [{ name: 'root', hostPath: { path: '/' } }],
      securityContext: { runAsUser: 0 },
    });
    Object.assign((podSpec.containers as JsonObject[])[0]!, {
      securityContext: { privileged: true, capabilities: { add: ['SYS_ADMIN'] } },
      volumeMounts: [{ name: 'root', mountPath: '/host' }],
    });
    const rsp = runFunction(req);
    const manifest = (rsp.desired?.resources['workload-main']?.resource as { spec: { forProvider: { manifest: JsonObject } } }).spec.forProvider.manifest;
    const text = JSON.stringify(manifest);
    for (const widened of ['hostNetwork', 'hostPID', 'cluster-admin', 'automountServiceAccountToken', 'hostPath', 'privileged', 'SYS_ADMIN', 'runAsUser', '/host']) {
      expect(text).not.toContain(widened);
    }
  });
});

describe('names at the edge of the XRD', () => {
  // A ModelDeployment name is a DNS subdomain of up to 253 characters: dots are allowed, so the
  // cut visible part can end in a dot.
  it.each([`${'a'.repeat(56)}.bbbb`, `${'a'.repeat(55)}.b.c`])('gives deployment %s valid ModelReplica names', (name) => {
    const replicaName = hashName(name, 'us-east-1', '0');
    expect(replicaName.length).toBeLessThanOrEqual(63);
    expect(replicaName).toMatch(DNS_SUBDOMAIN);
  });
});

// The walk helper must reach nested manifests, or the name and label checks above would be hollow.
describe('the walk over composed objects', () => {
  it('reaches pod templates inside the manifests inside provider-kubernetes Objects', () => {
    const r = rendered.find((x) => x.replicas.length > 0)!;
    const paths = everyDesired(r).flatMap(([key, o]) => [...walk(o, key)].map(([p]) => p));
    expect(paths.some((p) => p.endsWith('.spec.forProvider.manifest.spec.template') || p.endsWith('.leaderWorkerTemplate.leaderTemplate'))).toBe(true);
  });
});
