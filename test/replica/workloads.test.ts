import { describe, expect, it } from '@jest/globals';
import { DEFAULT_INPUT, type FunctionInput } from '../../src/api/input.js';
import type { KubeObject } from '../../src/api/types.js';
import type { DeploymentManifest, LeaderWorkerSetManifest, PodTemplateSpec } from '../../src/replica/manifests.js';
import { claimTemplateName, servingName, workloadName } from '../../src/replica/names.js';
import { readReplica } from '../../src/replica/read-replica.js';
import type { ReplicaView } from '../../src/replica/replica.js';
import { composeWorkloads } from '../../src/replica/workloads/compose.js';
import { servingPortWarning } from '../../src/replica/workloads/pod.js';
import { editPodTemplates } from '../../src/replica/workloads/workload.js';
import { gangEngine, gpuRequest, replicaXR, standaloneEngine } from './fixtures.js';

function read(composite: KubeObject): ReplicaView {
  const reading = readReplica(composite);
  if (!reading.ok) throw new Error(reading.problems.join('; '));
  return reading.replica;
}

function compose(composite: KubeObject, input: FunctionInput = DEFAULT_INPUT) {
  const replica = read(composite);
  return { replica, ...composeWorkloads(replica, input) };
}

function deploymentOf(composite: KubeObject): DeploymentManifest {
  const manifest = compose(composite).workloads[0]!.manifest;
  if (manifest.kind !== 'Deployment') throw new Error(`expected a Deployment, got ${manifest.kind}`);
  return manifest;
}

function lwsOf(composite: KubeObject): LeaderWorkerSetManifest {
  const manifest = compose(composite).workloads[0]!.manifest;
  if (manifest.kind !== 'LeaderWorkerSet') throw new Error(`expected a LeaderWorkerSet, got ${manifest.kind}`);
  return manifest;
}

const engineContainer = (template: PodTemplateSpec) => template.spec.containers.find((c) => c.name === 'engine')!;

describe('Standalone engine → Deployment', () => {
  const composite = replicaXR({ engines: [standaloneEngine('main', { copies: 3, args: ['--model=Qwen/Qwen3-8B'] })] });
  const replica = read(composite);
  const deployment = deploymentOf(composite);
  const name = workloadName(replica, replica.engines[0]!);

  it('is named, namespaced and marked as managed', () => {
    expect(deployment.apiVersion).toBe('apps/v1');
    expect(deployment.metadata).toEqual({ name, namespace: 'default', labels: { 'app.kubernetes.io/managed-by': 'modelplane' } });
  });

  it('runs `copies` replicas, selects on its workload label and replaces one pod at a time', () => {
    expect(deployment.spec.replicas).toBe(3);
    expect(deployment.spec.selector).toEqual({ matchLabels: { 'modelplane.ai/workload': name } });
    expect(deployment.spec.template.metadata.labels['modelplane.ai/workload']).toBe(name);
    expect(deployment.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } });
  });

  it('serves: port 8000 `http`, readiness GET /health on 8000 (30/10/5), serving label', () => {
    const container = engineContainer(deployment.spec.template);
    expect(container.ports).toEqual([{ name: 'http', containerPort: 8000 }]);
    expect(container.readinessProbe).toEqual({
      httpGet: { path: '/health', port: 8000 },
      initialDelaySeconds: 30,
      periodSeconds: 10,
      timeoutSeconds: 5,
    });
    expect(deployment.spec.template.metadata.labels['modelplane.ai/serving']).toBe(servingName(replica));
    expect(deployment.spec.template.metadata.labels['modelplane.ai/engine']).toBe('main');
  });

  it('lands in the Input remote namespace', () => {
    const other = compose(composite, { ...DEFAULT_INPUT, remoteNamespace: 'inference' });
    expect(other.workloads[0]!.manifest.metadata.namespace).toBe('inference');
    expect(other.claims[0]!.manifest.metadata.namespace).toBe('inference');
  });
});

describe('every engine pod', () => {
  const composite = replicaXR({
    engines: [
      standaloneEngine('main', {
        nodePoolName: 'pool-h100',
        image: 'registry.example/vllm:1',
        command: ['python3', '-m', 'vllm.entrypoints.openai.api_server'],
        args: ['--model', 'Qwen/Qwen3-8B', '--tensor-parallel-size', '2'],
        env: [
          { name: 'HF_TOKEN', valueFrom: { secretKeyRef: { name: 'hf', key: 'token' } } },
          { name: 'A', value: '1' },
        ],
        imagePullSecrets: [{ name: 'regcred' }],
        labels: { team: 'ml', 'llm-d.ai/role': 'user-value', 'modelplane.ai/workload': 'spoofed' },
        annotations: { 'example.com/owner': 'ml-team' },
      }),
    ],
  });
  const template = deploymentOf(composite).spec.template;
  const container = engineContainer(template);

  it('has one container `engine` with the user image, command, args and env verbatim', () => {
    expect(template.spec.containers).toHaveLength(1);
    expect(container.image).toBe('registry.example/vllm:1');
    expect(container.command).toEqual(['python3', '-m', 'vllm.entrypoints.openai.api_server']);
    expect(container.args).toEqual(['--model', 'Qwen/Qwen3-8B', '--tensor-parallel-size', '2']);
    expect(container.env).toEqual([
      { name: 'HF_TOKEN', valueFrom: { secretKeyRef: { name: 'hf', key: 'token' } } },
      { name: 'A', value: '1' },
    ]);
    expect(template.spec.imagePullSecrets).toEqual([{ name: 'regcred' }]);
  });

  it('carries the template labels and annotations, with the managed labels winning', () => {
    const labels = template.metadata.labels;
    expect(labels.team).toBe('ml');
    expect(labels['llm-d.ai/role']).toBe('user-value'); // not managed under Unified
    expect(labels['modelplane.ai/workload']).not.toBe('spoofed');
    expect(labels['modelplane.ai/workload']).toBe(deploymentOf(composite).metadata.name);
    expect(template.metadata.annotations).toEqual({ 'example.com/owner': 'ml-team' });
  });

  it('mounts a memory-backed /dev/shm, pins the pool and tolerates the Input GPU taints', () => {
    expect(template.spec.volumes).toEqual([{ name: 'dshm', emptyDir: { medium: 'Memory' } }]);
    expect(container.volumeMounts).toEqual([{ name: 'dshm', mountPath: '/dev/shm' }]);
    expect(template.spec.nodeSelector).toEqual({ 'modelplane.ai/pool': 'pool-h100' });
    expect(template.spec.tolerations).toEqual(DEFAULT_INPUT.gpuTolerations);
    const custom = [{ key: 'amd.com/gpu', operator: 'Exists' as const }];
    const other = compose(composite, { ...DEFAULT_INPUT, gpuTolerations: custom }).workloads[0]!.manifest;
    expect(other.kind === 'Deployment' && other.spec.template.spec.tolerations).toEqual(custom);
  });

  it('claims its devices through its own ResourceClaimTemplate', () => {
    const replica = read(composite);
    expect(template.spec.resourceClaims).toEqual([
      { name: 'devices', resourceClaimTemplateName: claimTemplateName(replica, 'main', 'Standalone') },
    ]);
    expect(container.resources).toEqual({ claims: [{ name: 'devices' }] });
  });

  it('gives a claimless member neither resourceClaims nor resources.claims, and no claim template', () => {
    const claimless = replicaXR({ engines: [standaloneEngine('cpu', { deviceRequests: [] })] });
    const { workloads, claims } = compose(claimless);
    const manifest = workloads[0]!.manifest as DeploymentManifest;
    expect(manifest.spec.template.spec.resourceClaims).toBeUndefined();
    expect(engineContainer(manifest.spec.template).resources).toBeUndefined();
    expect(claims).toEqual([]);
  });

  it('omits what the user did not set (no empty env, no pull secrets, no annotations)', () => {
    const plain = deploymentOf(replicaXR()).spec.template;
    expect(engineContainer(plain).env).toBeUndefined();
    expect(engineContainer(plain).command).toBeUndefined();
    expect(plain.spec.imagePullSecrets).toBeUndefined();
    expect(plain.metadata.annotations).toBeUndefined();
  });

  it('emits labels in key order whatever the order they were written in', () => {
    const a = deploymentOf(replicaXR({ engines: [standaloneEngine('main', { labels: { z: '1', a: '2' } })] }));
    expect(Object.keys(a.spec.template.metadata.labels)).toEqual([...Object.keys(a.spec.template.metadata.labels)].sort());
  });
});

describe('Leader + Worker engine → LeaderWorkerSet', () => {
  const composite = replicaXR({
    engines: [
      gangEngine('big', {
        copies: 2,
        nodes: 3,
        leader: {
          nodePoolName: 'gb200',
          args: ['--model=DeepSeek'],
          env: [
            { name: 'USER_FIRST', value: 'u' },
            { name: 'MODELPLANE_RANK', value: 'user-rank' },
            { name: 'MODELPLANE_LEADER_ADDRESS', value: 'user-leader' },
          ],
        },
        worker: { nodePoolName: 'gb200', env: [{ name: 'W', value: 'w' }] },
      }),
    ],
  });
  const replica = read(composite);
  const lws = lwsOf(composite);
  const { leaderTemplate, workerTemplate } = lws.spec.leaderWorkerTemplate;

  it('is a LeaderWorkerSet of `copies` groups of 1 + worker.nodes, with LWS defaults otherwise', () => {
    expect(lws.apiVersion).toBe('leaderworkerset.x-k8s.io/v1');
    expect(lws.metadata.name).toBe(workloadName(replica, replica.engines[0]!));
    expect(lws.metadata.name.length).toBeLessThanOrEqual(49);
    expect(lws.spec.replicas).toBe(2);
    expect(lws.spec.leaderWorkerTemplate.size).toBe(4);
    expect(Object.keys(lws.spec)).toEqual(['replicas', 'leaderWorkerTemplate']);
    expect(Object.keys(lws.spec.leaderWorkerTemplate)).toEqual(['size', 'leaderTemplate', 'workerTemplate']);
  });

  it('is size 2 for a Worker without `worker`', () => {
    expect(lwsOf(replicaXR({ engines: [gangEngine('g')] })).spec.leaderWorkerTemplate.size).toBe(2);
  });

  it('puts MODELPLANE_LEADER_ADDRESS and MODELPLANE_RANK first in both templates, dropping user entries of those names', () => {
    const managed = [
      { name: 'MODELPLANE_LEADER_ADDRESS', value: '$(LWS_LEADER_ADDRESS)' },
      { name: 'MODELPLANE_RANK', value: '$(LWS_WORKER_INDEX)' },
    ];
    expect(engineContainer(leaderTemplate).env).toEqual([...managed, { name: 'USER_FIRST', value: 'u' }]);
    expect(engineContainer(workerTemplate).env).toEqual([...managed, { name: 'W', value: 'w' }]);
  });

  it('serves from the leader only', () => {
    expect(engineContainer(leaderTemplate).ports).toEqual([{ name: 'http', containerPort: 8000 }]);
    expect(engineContainer(leaderTemplate).readinessProbe?.httpGet.port).toBe(8000);
    expect(leaderTemplate.metadata.labels['modelplane.ai/serving']).toBe(servingName(replica));
    expect(engineContainer(workerTemplate).ports).toBeUndefined();
    expect(engineContainer(workerTemplate).readinessProbe).toBeUndefined();
    expect(workerTemplate.metadata.labels['modelplane.ai/serving']).toBeUndefined();
  });

  it('labels every pod with its workload and engine, and pins both templates to the pool', () => {
    for (const template of [leaderTemplate, workerTemplate]) {
      expect(template.metadata.labels['modelplane.ai/workload']).toBe(lws.metadata.name);
      expect(template.metadata.labels['modelplane.ai/engine']).toBe('big');
      expect(template.spec.nodeSelector).toEqual({ 'modelplane.ai/pool': 'gb200' });
    }
  });

  it('gives each claiming member its own claim template', () => {
    const { claims } = compose(composite);
    expect(claims.map((c) => c.key)).toEqual(['claim-big-leader', 'claim-big-worker']);
    expect(leaderTemplate.spec.resourceClaims).toEqual([
      { name: 'devices', resourceClaimTemplateName: claimTemplateName(replica, 'big', 'Leader') },
    ]);
    expect(workerTemplate.spec.resourceClaims).toEqual([
      { name: 'devices', resourceClaimTemplateName: claimTemplateName(replica, 'big', 'Worker') },
    ]);
  });

  it('claims nothing for a claimless leader while its worker still claims', () => {
    const mixed = replicaXR({ engines: [gangEngine('g', { leader: { deviceRequests: [] } })] });
    const { workloads, claims } = compose(mixed);
    const manifest = workloads[0]!.manifest as LeaderWorkerSetManifest;
    expect(manifest.spec.leaderWorkerTemplate.leaderTemplate.spec.resourceClaims).toBeUndefined();
    expect(engineContainer(manifest.spec.leaderWorkerTemplate.leaderTemplate).resources).toBeUndefined();
    expect(manifest.spec.leaderWorkerTemplate.workerTemplate.spec.resourceClaims).toHaveLength(1);
    expect(claims.map((c) => c.key)).toEqual(['claim-g-worker']);
  });
});

describe('ResourceClaimTemplate', () => {
  it('has one exact request per device request, selectors only when given', () => {
    const composite = replicaXR({
      engines: [
        standaloneEngine('main', {
          deviceRequests: [
            gpuRequest({ count: 2, selectors: [{ cel: 'device.attributes["gpu.nvidia.com"].productName == "H100"' }, { cel: 'true' }] }),
            { name: 'nic', deviceClassName: 'rdma.example.com', count: 1 },
          ],
        }),
      ],
    });
    const { claims, replica } = compose(composite);
    expect(claims).toHaveLength(1);
    expect(claims[0]!.readiness).toBe('Created');
    expect(claims[0]!.manifest).toEqual({
      apiVersion: 'resource.k8s.io/v1',
      kind: 'ResourceClaimTemplate',
      metadata: {
        name: claimTemplateName(replica, 'main', 'Standalone'),
        namespace: 'default',
        labels: { 'app.kubernetes.io/managed-by': 'modelplane' },
      },
      spec: {
        spec: {
          devices: {
            requests: [
              {
                name: 'gpu',
                exactly: {
                  deviceClassName: 'gpu.nvidia.com',
                  count: 2,
                  selectors: [
                    { cel: { expression: 'device.attributes["gpu.nvidia.com"].productName == "H100"' } },
                    { cel: { expression: 'true' } },
                  ],
                },
              },
              { name: 'nic', exactly: { deviceClassName: 'rdma.example.com', count: 1 } },
            ],
          },
        },
      },
    });
  });
});

describe('servingPortWarning', () => {
  const memberWith = (args: string[]) => {
    const engine = read(replicaXR({ engines: [standaloneEngine('main', { args })] })).engines[0]!;
    if (engine.shape !== 'Standalone') throw new Error('expected Standalone');
    return engine.member;
  };

  it('is silent without --port or with --port 8000', () => {
    expect(servingPortWarning('main', memberWith(['--model=x']))).toBeUndefined();
    expect(servingPortWarning('main', memberWith(['--port=8000']))).toBeUndefined();
  });

  it('names the engine and the port when the flags say another port', () => {
    expect(servingPortWarning('main', memberWith(['--port', '9000']))).toBe(
      'engine "main" sets --port 9000, but its serving pods are probed and routed on port 8000: remove the flag or set --port 8000',
    );
    expect(servingPortWarning('main', memberWith(['--port=$P']))).toContain('sets --port "$P"');
  });
});

describe('editPodTemplates', () => {
  it('visits the Deployment template as serving, and LWS leader/worker as serving/worker', () => {
    const places: string[] = [];
    const { workloads } = compose(replicaXR({ engines: [standaloneEngine('a'), gangEngine('b')] }));
    for (const workload of workloads) {
      editPodTemplates(workload, (template, place) => {
        places.push(`${workload.engine.name}:${place}`);
        return template;
      });
    }
    expect(places).toEqual(['a:serving', 'b:serving', 'b:worker']);
  });
});
