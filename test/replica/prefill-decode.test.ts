import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import YAML from 'yaml';
import { DEFAULT_INPUT } from '../../src/api/input.js';
import type { KubeObject } from '../../src/api/types.js';
import type { Container, DeploymentManifest, LeaderWorkerSetManifest, Manifest, PodTemplateSpec } from '../../src/replica/manifests.js';
import { endpointPickerName, poolName, servingName } from '../../src/replica/names.js';
import { readReplica } from '../../src/replica/read-replica.js';
import { chooseKvBlockSize, endpointPickerConfig } from '../../src/replica/routing/epp-config.js';
import { composePrefillDecodeRouting, decodePort } from '../../src/replica/routing/prefill-decode.js';
import type { RoutingOutcome } from '../../src/replica/routing/routing.js';
import { composeWorkloads } from '../../src/replica/workloads/compose.js';
import { gangEngine, prefillDecodeXR, standaloneEngine } from './fixtures.js';

function read(composite: KubeObject) {
  const reading = readReplica(composite);
  if (!reading.ok) throw new Error(reading.problems.join('; '));
  return reading.replica;
}

function outcomeOf(composite: KubeObject): RoutingOutcome {
  const replica = read(composite);
  return composePrefillDecodeRouting(replica, composeWorkloads(replica, DEFAULT_INPUT).workloads, DEFAULT_INPUT);
}

function routed(composite: KubeObject) {
  const outcome = outcomeOf(composite);
  if (!outcome.ok) throw new Error(outcome.message);
  return outcome;
}

const resource = (outcome: { resources: { key: string; manifest: Manifest }[] }, key: string): any =>
  outcome.resources.find((r) => r.key === key)!.manifest;
const workload = (outcome: { workloads: { key: string; manifest: unknown }[] }, engine: string) =>
  outcome.workloads.find((w) => w.key === `workload-${engine}`)!.manifest;
const container = (template: PodTemplateSpec, name: string): Container | undefined =>
  template.spec.containers.find((c) => c.name === name);
const deploymentTemplate = (manifest: unknown) => (manifest as DeploymentManifest).spec.template;
const lwsTemplates = (manifest: unknown) => (manifest as LeaderWorkerSetManifest).spec.leaderWorkerTemplate;

const NIXL = [
  { name: 'VLLM_NIXL_SIDE_CHANNEL_HOST', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
  { name: 'VLLM_NIXL_SIDE_CHANNEL_PORT', value: '5557' },
];

describe('PrefillDecode: the pods', () => {
  const outcome = routed(prefillDecodeXR());
  const prefill = deploymentTemplate(workload(outcome, 'prefill'));
  const decode = deploymentTemplate(workload(outcome, 'decode'));

  it('labels serving pods with their llm-d role and keeps the serving label for the pool', () => {
    const replica = read(prefillDecodeXR());
    expect(prefill.metadata.labels['llm-d.ai/role']).toBe('prefill');
    expect(decode.metadata.labels['llm-d.ai/role']).toBe('decode');
    expect(prefill.metadata.labels['modelplane.ai/serving']).toBe(servingName(replica));
    expect(decode.metadata.labels['modelplane.ai/serving']).toBe(servingName(replica));
  });

  it('role labels win over user labels of the same key', () => {
    const spoofed = routed(
      prefillDecodeXR({ prefill: standaloneEngine('prefill', { phase: 'Prefill', labels: { 'llm-d.ai/role': 'decode' } }) }),
    );
    expect(deploymentTemplate(workload(spoofed, 'prefill')).metadata.labels['llm-d.ai/role']).toBe('prefill');
  });

  it('leaves the prefill engine on 8000 `http` with no sidecar', () => {
    expect(prefill.spec.containers.map((c) => c.name)).toEqual(['engine']);
    expect(container(prefill, 'engine')!.ports).toEqual([{ name: 'http', containerPort: 8000 }]);
  });

  it('puts the pd-sidecar on the decode serving pod, on 8000 `http`, forwarding to the engine port', () => {
    expect(decode.spec.containers.map((c) => c.name)).toEqual(['engine', 'pd-sidecar']);
    expect(container(decode, 'pd-sidecar')).toEqual({
      name: 'pd-sidecar',
      image: DEFAULT_INPUT.images.pdSidecar,
      args: ['--secure-proxy=false', '--kv-connector=nixlv2', '--vllm-port=8200'],
      ports: [{ name: 'http', containerPort: 8000 }],
      readinessProbe: { httpGet: { path: '/health', port: 8000 }, initialDelaySeconds: 30, periodSeconds: 10, timeoutSeconds: 5 },
    });
  });

  it('moves the decode engine port and probe to its --port, named `engine`, and never adds a flag', () => {
    const engine = container(decode, 'engine')!;
    expect(engine.ports).toEqual([{ name: 'engine', containerPort: 8200 }]);
    expect(engine.readinessProbe?.httpGet).toEqual({ path: '/health', port: 8200 });
    expect(engine.args).toEqual(['--model=Qwen/Qwen3-8B', '--port', '8200']);
  });

  it('adds the NIXL side channel to every engine pod, after the user env', () => {
    expect(container(prefill, 'engine')!.env).toEqual(NIXL);
    expect(container(decode, 'engine')!.env).toEqual(NIXL);
    expect(container(decode, 'pd-sidecar')!.env).toBeUndefined();
  });

  it('keeps the user NIXL entries instead of adding its own', () => {
    const user = routed(
      prefillDecodeXR({
        prefill: standaloneEngine('prefill', { phase: 'Prefill', env: [{ name: 'VLLM_NIXL_SIDE_CHANNEL_PORT', value: '6000' }] }),
      }),
    );
    expect(container(deploymentTemplate(workload(user, 'prefill')), 'engine')!.env).toEqual([
      { name: 'VLLM_NIXL_SIDE_CHANNEL_PORT', value: '6000' },
      NIXL[0],
    ]);
  });

  it('decorates gangs: leader gets role, sidecar and NIXL; workers get NIXL after the gang env, nothing else', () => {
    const gang = routed(
      prefillDecodeXR({
        decode: gangEngine('decode', {
          phase: 'Decode',
          leader: { command: ['sh', '-c', 'ray start --head --port=6379 && exec vllm serve --port 8300'] },
          worker: { env: [{ name: 'W', value: '1' }] },
        }),
      }),
    );
    const { leaderTemplate, workerTemplate } = lwsTemplates(workload(gang, 'decode'));
    expect(leaderTemplate.metadata.labels['llm-d.ai/role']).toBe('decode');
    expect(leaderTemplate.spec.containers.map((c) => c.name)).toEqual(['engine', 'pd-sidecar']);
    expect(container(leaderTemplate, 'pd-sidecar')!.args).toContain('--vllm-port=8300');
    expect(container(leaderTemplate, 'engine')!.ports).toEqual([{ name: 'engine', containerPort: 8300 }]);
    expect(workerTemplate.metadata.labels['llm-d.ai/role']).toBeUndefined();
    expect(workerTemplate.spec.containers.map((c) => c.name)).toEqual(['engine']);
    expect(container(workerTemplate, 'engine')!.env!.map((e) => e.name)).toEqual([
      'MODELPLANE_LEADER_ADDRESS',
      'MODELPLANE_RANK',
      'W',
      'VLLM_NIXL_SIDE_CHANNEL_HOST',
      'VLLM_NIXL_SIDE_CHANNEL_PORT',
    ]);
  });

  it('finds the engines by phase, not by name or position', () => {
    const swapped = routed(
      prefillDecodeXR({
        prefill: standaloneEngine('alpha', { phase: 'Decode', args: ['--port=8100'] }),
        decode: standaloneEngine('beta', { phase: 'Prefill' }),
      }),
    );
    expect(deploymentTemplate(workload(swapped, 'alpha')).spec.containers.map((c) => c.name)).toEqual(['engine', 'pd-sidecar']);
    expect(deploymentTemplate(workload(swapped, 'beta')).metadata.labels['llm-d.ai/role']).toBe('prefill');
  });
});

describe('PrefillDecode: the decode engine port', () => {
  const decodeWith = (options: { args?: string[]; command?: string[] }) =>
    prefillDecodeXR({ decode: standaloneEngine('decode', { phase: 'Decode', ...options }) });
  const portOf = (composite: KubeObject) => {
    const replica = read(composite);
    return decodePort(replica.engines.find((e) => e.phase === 'Decode')!);
  };

  it('reads --port N and --port=N from args, last one winning', () => {
    expect(portOf(decodeWith({ args: ['--port', '9000'] }))).toEqual({ ok: true, port: 9000 });
    expect(portOf(decodeWith({ args: ['--port=9000', '--port=9100'] }))).toEqual({ ok: true, port: 9100 });
  });

  it('reads a shell command, where the final exec wins over ray start', () => {
    const command = ['sh', '-c', 'ray start --port=6379 && exec vllm serve --port 9000'];
    expect(portOf(decodeWith({ command }))).toEqual({ ok: true, port: 9000 });
    const outcome = routed(decodeWith({ command }));
    expect(container(deploymentTemplate(workload(outcome, 'decode')), 'pd-sidecar')!.args).toContain('--vllm-port=9000');
  });

  it('takes 8001 with a Warning when absent', () => {
    const outcome = routed(decodeWith({ args: ['--model=x'] }));
    expect(container(deploymentTemplate(workload(outcome, 'decode')), 'engine')!.ports).toEqual([{ name: 'engine', containerPort: 8001 }]);
    expect(container(deploymentTemplate(workload(outcome, 'decode')), 'engine')!.args).toEqual(['--model=x']);
    expect(outcome.warnings).toEqual([
      {
        reason: 'DecodePort',
        message:
          'engine "decode" (phase Decode) sets no --port: the pd-sidecar holds port 8000 and forwards to 8001, ' +
          'so the decode engine must listen on 8001; add --port 8001 to its args',
      },
    ]);
  });

  it('refuses 8000, naming the flag to change', () => {
    expect(outcomeOf(decodeWith({ args: ['--port', '8000'] }))).toEqual({
      ok: false,
      message:
        'engine "decode" (phase Decode) sets --port 8000, which the pd-sidecar holds on the decode pods: ' +
        "change the decode engine's --port to another port, e.g. --port 8001",
    });
  });

  it('refuses an unparseable --port, quoting it', () => {
    const outcome = outcomeOf(decodeWith({ command: ['sh', '-c', 'exec vllm serve --port $PORT'] }));
    expect(outcome).toEqual({
      ok: false,
      message:
        'engine "decode" (phase Decode) sets --port "$PORT", which is not a port number: set --port to a number other than 8000, e.g. --port 8001',
    });
  });

  it("reads a gang's leader container, not the worker's", () => {
    const gang = prefillDecodeXR({
      decode: gangEngine('decode', { phase: 'Decode', leader: { args: ['--port=8500'] }, worker: { args: ['--port=8000'] } }),
    });
    expect(portOf(gang)).toEqual({ ok: true, port: 8500 });
  });

  it('warns about a prefill engine on another port, but not about the decode engine port', () => {
    const outcome = routed(
      prefillDecodeXR({ prefill: standaloneEngine('prefill', { phase: 'Prefill', args: ['--port', '9100'] }) }),
    );
    expect(outcome.warnings.map((w) => w.reason)).toEqual(['ServingPort']);
    expect(outcome.warnings[0]!.message).toContain('engine "prefill" sets --port 9100');
  });
});

describe('PrefillDecode: pool, endpoint picker and route', () => {
  const composite = prefillDecodeXR({ name: 'pd-1', namespace: 'team-a' });
  const replica = read(composite);
  const outcome = routed(composite);
  const epp = endpointPickerName(replica);
  const pool = poolName(replica);

  it('composes the pool, the six endpoint picker objects and the route, and no serving Service', () => {
    expect(outcome.resources.map((r) => [r.key, r.manifest.kind, r.manifest.metadata.name])).toEqual([
      ['pool', 'InferencePool', pool],
      ['epp-serviceaccount', 'ServiceAccount', epp],
      ['epp-role', 'Role', epp],
      ['epp-rolebinding', 'RoleBinding', epp],
      ['epp-config', 'ConfigMap', epp],
      ['epp-deployment', 'Deployment', epp],
      ['epp-service', 'Service', epp],
      ['route', 'HTTPRoute', servingName(replica)],
    ]);
    expect(outcome.resources.filter((r) => r.readiness === 'Available').map((r) => [r.key, r.title])).toEqual([
      ['epp-deployment', 'the endpoint picker'],
    ]);
  });

  it('pools the serving pods on 8000 behind the endpoint picker, failing open', () => {
    expect(resource(outcome, 'pool').spec).toEqual({
      selector: { matchLabels: { 'modelplane.ai/serving': servingName(replica) } },
      targetPorts: [{ number: 8000 }],
      endpointPickerRef: { name: epp, port: { number: 9002 }, failureMode: 'FailOpen' },
    });
  });

  it('routes the replica path to the pool', () => {
    const rule = resource(outcome, 'route').spec.rules[0];
    expect(rule.matches).toEqual([{ path: { type: 'PathPrefix', value: '/team-a/pd-1/' } }]);
    expect(rule.timeouts).toEqual({ request: '0s' });
    expect(rule.backendRefs).toEqual([{ group: 'inference.networking.k8s.io', kind: 'InferencePool', name: pool }]);
  });

  it('lets the picker read pods, pools and objectives, bound to its ServiceAccount', () => {
    expect(resource(outcome, 'epp-role').rules).toEqual([
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['inference.networking.k8s.io'], resources: ['inferencepools'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['inference.networking.x-k8s.io'], resources: ['inferenceobjectives'], verbs: ['get', 'list', 'watch'] },
    ]);
    const binding = resource(outcome, 'epp-rolebinding');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: epp });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: epp, namespace: 'default' }]);
  });

  it('runs one picker with the pool flags, ports 9002/9003 and the config mounted at /config', () => {
    const deployment = resource(outcome, 'epp-deployment');
    expect(deployment.spec.replicas).toBe(1);
    const pod = deployment.spec.template;
    expect(pod.spec.serviceAccountName).toBe(epp);
    expect(pod.spec.containers).toEqual([
      {
        name: 'epp',
        image: DEFAULT_INPUT.images.endpointPicker,
        args: [
          `--pool-name=${pool}`,
          '--pool-namespace=default',
          '--pool-group=inference.networking.k8s.io',
          '--config-file=/config/epp-config.yaml',
          '--grpc-port=9002',
        ],
        ports: [
          { name: 'grpc', containerPort: 9002 },
          { name: 'grpc-health', containerPort: 9003 },
        ],
        volumeMounts: [{ name: 'config', mountPath: '/config' }],
      },
    ]);
    expect(pod.spec.volumes).toEqual([{ name: 'config', configMap: { name: epp } }]);
    expect(deployment.spec.selector.matchLabels).toEqual(pod.metadata.labels);
  });

  it('annotates the picker pod with the sha256 of the exact config text', () => {
    const text: string = resource(outcome, 'epp-config').data['epp-config.yaml'];
    const annotation = resource(outcome, 'epp-deployment').spec.template.metadata.annotations['modelplane.ai/epp-config-checksum'];
    expect(annotation).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
    expect(text).toBe(endpointPickerConfig(16).text);
    expect(endpointPickerConfig(16).checksum).toBe(annotation);
    const other = routed(prefillDecodeXR({ name: 'pd-1', namespace: 'team-a', kvBlockSize: 64 }));
    expect(resource(other, 'epp-deployment').spec.template.metadata.annotations['modelplane.ai/epp-config-checksum']).not.toBe(annotation);
  });

  it('serves the picker on 9002 with appProtocol http2', () => {
    const service = resource(outcome, 'epp-service');
    expect(service.spec.ports).toEqual([{ name: 'grpc', port: 9002, targetPort: 9002, appProtocol: 'http2' }]);
    expect(service.spec.selector).toEqual(resource(outcome, 'epp-deployment').spec.template.metadata.labels);
  });
});

describe('endpoint picker configuration', () => {
  const config = YAML.parse(endpointPickerConfig(32).text);

  it('is an llm-d EndpointPickerConfig', () => {
    expect(config.apiVersion).toBe('llm-d.ai/v1alpha1');
    expect(config.kind).toBe('EndpointPickerConfig');
    expect(Object.keys(config)).toEqual(['apiVersion', 'kind', 'plugins', 'schedulingProfiles']);
  });

  it('lists the plugins in order, each with only type and the given parameters', () => {
    expect(config.plugins).toEqual([
      {
        type: 'approx-prefix-cache-producer',
        parameters: { autoTune: false, blockSizeTokens: 32, maxPrefixBlocksToMatch: 256, lruCapacityPerServer: 31250 },
      },
      { type: 'prefix-cache-scorer' },
      { type: 'disagg-headers-handler' },
      { type: 'queue-scorer' },
      { type: 'prefill-filter' },
      { type: 'decode-filter' },
      { type: 'max-score-picker' },
      { type: 'prefix-based-pd-decider', parameters: { nonCachedTokens: 16 } },
      { type: 'disagg-profile-handler', parameters: { deciders: { prefill: 'prefix-based-pd-decider' } } },
    ]);
  });

  it('schedules a prefill profile and a decode profile referring to plugins by type', () => {
    const profile = (filter: string) => [
      { pluginRef: filter },
      { pluginRef: 'max-score-picker' },
      { pluginRef: 'prefix-cache-scorer', weight: 2 },
      { pluginRef: 'queue-scorer', weight: 1 },
    ];
    expect(config.schedulingProfiles).toEqual([
      { name: 'prefill', plugins: profile('prefill-filter') },
      { name: 'decode', plugins: profile('decode-filter') },
    ]);
    const types = new Set(config.plugins.map((p: { type: string }) => p.type));
    for (const { plugins } of config.schedulingProfiles) for (const { pluginRef } of plugins) expect(types.has(pluginRef)).toBe(true);
  });

  it('is made once per block size', () => {
    expect(endpointPickerConfig(32)).toBe(endpointPickerConfig(32));
    expect(Object.isFrozen(endpointPickerConfig(32))).toBe(true);
  });

  it('differs only in the block size', () => {
    expect(endpointPickerConfig(64).text).toBe(endpointPickerConfig(32).text.replace('blockSizeTokens: 32', 'blockSizeTokens: 64'));
  });
});

describe('kvBlockSize', () => {
  const decodeEngine = (options: { args?: string[]; command?: string[] }, gang = false) => {
    const decode = gang
      ? gangEngine('decode', { phase: 'Decode', leader: options, worker: { args: ['--block-size=256'] } })
      : standaloneEngine('decode', { phase: 'Decode', ...options });
    return read(prefillDecodeXR({ decode })).engines.find((e) => e.phase === 'Decode')!;
  };

  it('is spec.serving.kvBlockSize when set, whatever the flags say', () => {
    expect(chooseKvBlockSize(64, decodeEngine({ args: ['--block-size=32'] }))).toEqual({ value: 64 });
  });

  it("else the decode engine's --block-size or --page-size, args or shell command, last one winning", () => {
    expect(chooseKvBlockSize(undefined, decodeEngine({ args: ['--block-size', '32'] }))).toEqual({ value: 32 });
    expect(chooseKvBlockSize(undefined, decodeEngine({ args: ['--page-size=128'] }))).toEqual({ value: 128 });
    expect(chooseKvBlockSize(undefined, decodeEngine({ command: ['sh', '-c', 'exec python -m sglang.launch_server --page-size 64 --page-size 32'] }))).toEqual({ value: 32 });
  });

  it("reads a gang's leader", () => {
    expect(chooseKvBlockSize(undefined, decodeEngine({ args: ['--block-size=48'] }, true))).toEqual({ value: 48 });
    expect(chooseKvBlockSize(undefined, decodeEngine({}, true))).toEqual({ value: 16 });
  });

  it('else 16', () => {
    expect(chooseKvBlockSize(undefined, decodeEngine({ args: ['--model=x'] }))).toEqual({ value: 16 });
  });

  it('falls back to 16 and says so when the flag is unparseable', () => {
    const choice = chooseKvBlockSize(undefined, decodeEngine({ args: ['--block-size=big'] }));
    expect(choice.value).toBe(16);
    expect(choice.warning).toBe(
      'engine "decode" sets --block-size "big", which is not a block size from 1 to 4096; the endpoint picker ' +
        'hashes prefixes in blocks of 16 tokens: fix the flag or set spec.serving.kvBlockSize',
    );
    const outcome = routed(prefillDecodeXR({ decode: standaloneEngine('decode', { phase: 'Decode', args: ['--port=8200', '--block-size=big'] }) }));
    expect(outcome.warnings.map((w) => w.reason)).toEqual(['KvBlockSize']);
    expect(resource(outcome, 'epp-config').data['epp-config.yaml']).toContain('blockSizeTokens: 16\n');
  });

  it('reaches the config map', () => {
    const outcome = routed(prefillDecodeXR({ decode: standaloneEngine('decode', { phase: 'Decode', args: ['--port=8200', '--block-size=32'] }) }));
    expect(resource(outcome, 'epp-config').data['epp-config.yaml']).toBe(endpointPickerConfig(32).text);
  });
});
