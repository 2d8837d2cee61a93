import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { DEFAULT_INPUT, type FunctionInput } from '../../src/api/input.js';
import type { KubeObject } from '../../src/api/types.js';
import type { CompositionResponse } from '../../src/composition.js';
import { stripObserved } from '../../src/k8s/observed.js';
import { runModelReplica } from '../../src/replica/pipeline.js';
import {
  CLUSTER,
  IMAGE,
  clusterObject,
  conditionOf,
  gangEngine,
  manifestOf,
  observeAll,
  prefillDecodeXR,
  replicaXR,
  request,
  standaloneEngine,
} from './fixtures.js';

const twoEngines = () =>
  replicaXR({ engines: [standaloneEngine('a'), gangEngine('b', { leader: { image: 'sglang/sglang:v0.5' } })] });

const REQUIREMENT = { cluster: { apiVersion: 'modelplane.ai/v1alpha1', kind: 'InferenceCluster', matchName: CLUSTER } };

/** The remote name of the manifest under `key`. */
const remoteNameOf = (rsp: CompositionResponse, key: string): string =>
  (manifestOf(rsp, key) as { metadata: { name: string } }).metadata.name;

function conditions(rsp: CompositionResponse) {
  return rsp.conditions.map((c) => [c.type, c.status, c.reason, c.message]);
}

describe('waiting for the cluster', () => {
  const cases: [string, Record<string, KubeObject[]>, string][] = [
    ['unresolved', {}, 'not yet resolved'],
    ['missing', { cluster: [] }, 'not found'],
    ['without providerConfigRef', { cluster: [clusterObject(CLUSTER, null)] }, 'has no providerConfigRef'],
    ['with an empty providerConfigRef name', { cluster: [clusterObject(CLUSTER, '')] }, 'has no providerConfigRef'],
    ['answered with another cluster', { cluster: [clusterObject('cluster-b')] }, 'not found'],
  ];

  it.each(cases)('%s: composes nothing new, declares the requirement and says which', (_name, required, which) => {
    const rsp = runModelReplica(request(twoEngines(), { required }));
    const message = `cluster ${CLUSTER} ${which}; keeping what exists`;
    expect(rsp.desired).toEqual({});
    expect(rsp.requirements).toEqual(REQUIREMENT);
    expect(conditions(rsp)).toEqual([
      ['ModelAccepted', 'False', 'WaitingForCluster', message],
      ['ModelReady', 'False', 'WaitingForModel', 'waiting for the workloads to be accepted'],
    ]);
    expect(rsp.results).toEqual([{ severity: 'Normal', reason: 'WaitingForCluster', message }]);
  });

  it('keeps exactly what is observed, in stripped form, with its readiness', () => {
    const composed = runModelReplica(request(twoEngines()));
    const observed = observeAll(composed, { accepted: true, ready: true }, { route: { accepted: true, ready: false } });
    const rsp = runModelReplica(request(twoEngines(), { observed, required: { cluster: [] } }));
    expect(Object.keys(rsp.desired)).toEqual(Object.keys(observed).sort());
    for (const [key, object] of Object.entries(observed)) {
      expect(rsp.desired[key]!.resource).toEqual(stripObserved(object));
    }
    expect(rsp.desired['workload-a']!.ready).toBe(true);
    expect(rsp.desired.route!.ready).toBe(false);
    expect(rsp.status.engines).toEqual([
      { name: 'a', workload: remoteNameOf(composed, 'workload-a'), ready: true },
      { name: 'b', workload: remoteNameOf(composed, 'workload-b'), ready: true },
    ]);
  });
});

describe('readiness and conditions as the Objects come up', () => {
  const xr = twoEngines();
  const first = runModelReplica(request(xr));

  it('first composes everything, not ready, announcing the images once', () => {
    expect(Object.keys(first.desired)).toEqual(['claim-a-standalone', 'claim-b-leader', 'claim-b-worker', 'route', 'service', 'workload-a', 'workload-b']);
    expect(Object.values(first.desired).every((d) => d.ready === false)).toBe(true);
    expect(conditions(first)).toEqual([
      ['ModelAccepted', 'False', 'Deploying', '0 of 2 workloads accepted'],
      ['ModelReady', 'False', 'WaitingForModel', 'waiting for the workloads to be accepted'],
    ]);
    expect(first.results).toEqual([
      { severity: 'Normal', reason: 'Composing', message: `Composing ${IMAGE}, sglang/sglang:v0.5 on ${CLUSTER}` },
    ]);
    expect(first.requirements).toEqual(REQUIREMENT);
    expect(first.status).toEqual({
      path: '/ml-team/qwen3-8b-5ab63/',
      engines: [
        { name: 'a', workload: remoteNameOf(first, 'workload-a'), ready: false },
        { name: 'b', workload: remoteNameOf(first, 'workload-b'), ready: false },
      ],
    });
  });

  it('counts accepted workloads, and stops announcing once any workload is observed', () => {
    const observed = observeAll(first, { accepted: false, ready: false }, { 'workload-a': { accepted: true, ready: false }, 'workload-b': 'absent' });
    const rsp = runModelReplica(request(xr, { observed }));
    expect(conditions(rsp)).toEqual([
      ['ModelAccepted', 'False', 'Deploying', '1 of 2 workloads accepted'],
      ['ModelReady', 'False', 'WaitingForModel', 'waiting for the workloads to be accepted'],
    ]);
    expect(rsp.results).toEqual([]);
    // Observed non-workloads are ready as soon as they exist; workloads only when Ready.
    expect(rsp.desired.service!.ready).toBe(true);
    expect(rsp.desired['workload-a']!.ready).toBe(false);
    expect(rsp.desired['workload-b']!.ready).toBe(false);
  });

  it('is Accepted and ModelStarting, listing what is not ready, once all are accepted', () => {
    const observed = observeAll(first, { accepted: true, ready: false }, { 'workload-a': { accepted: true, ready: true } });
    const rsp = runModelReplica(request(xr, { observed }));
    expect(conditions(rsp)).toEqual([
      ['ModelAccepted', 'True', 'Accepted', 'all 2 workloads accepted'],
      ['ModelReady', 'False', 'ModelStarting', 'waiting for engine "b"'],
    ]);
    expect(rsp.desired['workload-a']!.ready).toBe(true);
    expect(rsp.status.engines).toEqual([
      expect.objectContaining({ name: 'a', ready: true }),
      expect.objectContaining({ name: 'b', ready: false }),
    ]);
  });

  it('is Serving when every workload is ready, with everything marked ready', () => {
    const rsp = runModelReplica(request(xr, { observed: observeAll(first, { accepted: true, ready: true }) }));
    expect(conditions(rsp)).toEqual([
      ['ModelAccepted', 'True', 'Accepted', 'all 2 workloads accepted'],
      ['ModelReady', 'True', 'Serving', 'serving'],
    ]);
    expect(Object.values(rsp.desired).every((d) => d.ready === true)).toBe(true);
    expect(rsp.results).toEqual([]);
  });

  it('falls back to ModelStarting when a workload stops being ready', () => {
    const observed = observeAll(first, { accepted: true, ready: true }, { 'workload-a': { accepted: true, ready: false } });
    expect(conditionOf(runModelReplica(request(xr, { observed })), 'ModelReady')).toEqual({
      type: 'ModelReady',
      status: 'False',
      reason: 'ModelStarting',
      message: 'waiting for engine "a"',
    });
  });
});

describe('PrefillDecode readiness includes the endpoint picker', () => {
  const xr = prefillDecodeXR();
  const first = runModelReplica(request(xr));

  it('waits for the picker after the engines are ready', () => {
    const observed = observeAll(first, { accepted: true, ready: true }, { 'epp-deployment': { accepted: true, ready: false } });
    const rsp = runModelReplica(request(xr, { observed }));
    expect(conditions(rsp)).toEqual([
      ['ModelAccepted', 'True', 'Accepted', 'all 2 workloads accepted'],
      ['ModelReady', 'False', 'ModelStarting', 'waiting for the endpoint picker'],
    ]);
    expect(rsp.desired['epp-deployment']!.ready).toBe(false);
    expect(rsp.desired['epp-config']!.ready).toBe(true);
  });

  it('lists the engines and the picker together', () => {
    const observed = observeAll(first, { accepted: true, ready: false });
    expect(conditionOf(runModelReplica(request(xr, { observed })), 'ModelReady')!.message).toBe(
      'waiting for engine "prefill", engine "decode", the endpoint picker',
    );
  });

  it('serves when the picker is ready too', () => {
    const rsp = runModelReplica(request(xr, { observed: observeAll(first, { accepted: true, ready: true }) }));
    expect(conditionOf(rsp, 'ModelReady')!.reason).toBe('Serving');
  });
});

describe('InvalidServing keeps what exists', () => {
  const valid = prefillDecodeXR();
  const observed = observeAll(runModelReplica(request(valid)), { accepted: true, ready: true });

  it('when the decode engine is set to 8000', () => {
    const bad = prefillDecodeXR({ decode: standaloneEngine('decode', { phase: 'Decode', args: ['--port', '8000'] }) });
    const rsp = runModelReplica(request(bad, { observed }));
    const message =
      'engine "decode" (phase Decode) sets --port 8000, which the pd-sidecar holds on the decode pods: ' +
      "change the decode engine's --port to another port, e.g. --port 8001; keeping what exists";
    expect(Object.keys(rsp.desired)).toEqual(Object.keys(observed).sort());
    expect(rsp.desired['workload-decode']!.resource).toEqual(stripObserved(observed['workload-decode']!));
    expect(conditions(rsp)).toEqual([
      ['ModelAccepted', 'False', 'InvalidServing', message],
      ['ModelReady', 'False', 'WaitingForModel', 'waiting for the workloads to be accepted'],
    ]);
    expect(rsp.results).toEqual([{ severity: 'Warning', reason: 'InvalidServing', message }]);
    expect(rsp.requirements).toEqual(REQUIREMENT);
  });

  it('when the decode --port is unparseable, even while the cluster is unresolved', () => {
    const bad = prefillDecodeXR({ decode: standaloneEngine('decode', { phase: 'Decode', args: ['--port=auto'] }) });
    const rsp = runModelReplica(request(bad, { observed, required: {} }));
    expect(conditionOf(rsp, 'ModelAccepted')).toMatchObject({ reason: 'InvalidServing' });
    expect(conditionOf(rsp, 'ModelAccepted')!.message).toContain('--port "auto"');
  });

  it('for a hand-written replica the XRD would reject, naming the field', () => {
    const bad = replicaXR({ engines: [{ name: 'x', members: [{ role: 'Boss', template: {} }] }] });
    const rsp = runModelReplica(request(bad, { observed }));
    expect(rsp.desired).toEqual(runModelReplica(request(valid, { observed, required: {} })).desired);
    expect(conditionOf(rsp, 'ModelAccepted')).toEqual({
      type: 'ModelAccepted',
      status: 'False',
      reason: 'InvalidServing',
      message:
        'invalid ModelReplica: spec.engines[0].members[0].nodePoolName: Required value; ' +
        'spec.engines[0].members[0].role: Unsupported value: "Boss": supported values: "Standalone", "Leader", "Worker"; ' +
        'spec.engines[0].members[0].template.spec: Required value; keeping what exists',
    });
    expect(rsp.results.map((r) => r.severity)).toEqual(['Warning']);
    expect(rsp.status).toEqual({ path: '/ml-team/qwen3-8b-5ab63/' });
    expect(rsp.requirements).toEqual(REQUIREMENT);
  });

  it("for worker pods carrying a reserved label, which would join another replica's Service", () => {
    const serving = 'chat-abcde-f0e1d';
    const bad = replicaXR({ engines: [gangEngine('big', { worker: { labels: { 'modelplane.ai/serving': serving } } })] });
    const rsp = runModelReplica(request(bad, { observed }));
    expect(rsp.desired).toEqual(runModelReplica(request(valid, { observed, required: {} })).desired);
    const message =
      'invalid ModelReplica: spec.engines[0].members[1].template.metadata.labels: Invalid value: {"modelplane.ai/serving":"chat-abcde-f0e1d"}: ' +
      'label keys under modelplane.ai/ are reserved for the labels Modelplane manages; keeping what exists';
    expect(conditions(rsp)).toEqual([
      ['ModelAccepted', 'False', 'InvalidServing', message],
      ['ModelReady', 'False', 'WaitingForModel', 'waiting for the workloads to be accepted'],
    ]);
    expect(rsp.results).toEqual([{ severity: 'Warning', reason: 'InvalidServing', message }]);
    expect(JSON.stringify(rsp.desired)).not.toContain(serving);
  });

  it('for a pool name no node label can carry', () => {
    const pool = 'p'.repeat(64);
    const rsp = runModelReplica(request(replicaXR({ engines: [standaloneEngine('main', { nodePoolName: pool })] })));
    expect(rsp.desired).toEqual({});
    expect(conditionOf(rsp, 'ModelAccepted')).toMatchObject({
      reason: 'InvalidServing',
      message: 'invalid ModelReplica: spec.engines[0].members[0].nodePoolName: Too long: may not be more than 63 bytes; keeping what exists',
    });
  });

  it('but not for fields the XRD does not declare, which the API server prunes', () => {
    const xr = prefillDecodeXR();
    (xr.spec as Record<string, unknown>).retired = 'field';
    const rsp = runModelReplica(request(xr, { observed }));
    expect(rsp).toEqual(runModelReplica(request(valid, { observed })));
    expect(conditionOf(rsp, 'ModelAccepted')!.reason).toBe('Accepted');
  });

  it('counts problems beyond the first five', () => {
    // Each engine has two problems: its member lacks a template, and no member carries deviceRequests.
    const engines = Array.from({ length: 7 }, (_, i) => ({ name: `e${i}`, members: [{ nodePoolName: 'p' }] }));
    const message = conditionOf(runModelReplica(request(replicaXR({ engines }))), 'ModelAccepted')!.message!;
    expect(message).toMatch(/\(and 9 more\); keeping what exists$/);
    expect(message.split('; ')).toHaveLength(6);
  });

  it('declares no requirement when there is no cluster name to select', () => {
    const rsp = runModelReplica(request(replicaXR({ clusterName: '' })));
    expect(rsp.requirements).toEqual({});
    expect(conditionOf(rsp, 'ModelAccepted')!.message).toContain('spec.clusterName: Invalid value: "": must be at least 1 chars long');
  });
});

describe('warnings reach the results', () => {
  it('as Warning results next to progress', () => {
    const rsp = runModelReplica(request(replicaXR({ engines: [standaloneEngine('a', { args: ['--port', '9000'] })] })));
    expect(rsp.results.map((r) => [r.severity, r.reason])).toEqual([
      ['Normal', 'Composing'],
      ['Warning', 'ServingPort'],
    ]);
  });
});

describe('two same-named replicas from different namespaces on one cluster', () => {
  const a = runModelReplica(request(prefillDecodeXR({ name: 'chat', namespace: 'team-a' })));
  const b = runModelReplica(request(prefillDecodeXR({ name: 'chat', namespace: 'team-b' })));
  const ua = runModelReplica(request(replicaXR({ name: 'chat', namespace: 'team-a', engines: [standaloneEngine('main'), gangEngine('big')] })));
  const ub = runModelReplica(request(replicaXR({ name: 'chat', namespace: 'team-b', engines: [standaloneEngine('main'), gangEngine('big')] })));

  const remoteNames = (rsp: CompositionResponse) =>
    Object.keys(rsp.desired).map((k) => {
      const m = manifestOf(rsp, k) as { kind: string; metadata: { name: string } };
      return `${m.kind}/${m.metadata.name}`;
    });

  /** Every label selector value the replica's objects select pods by. */
  function selectorValues(rsp: CompositionResponse): string[] {
    return Object.keys(rsp.desired).flatMap((k) => {
      const m = manifestOf(rsp, k) as { kind: string; spec?: any };
      if (m.kind === 'Deployment') return Object.values<string>(m.spec.selector.matchLabels);
      if (m.kind === 'Service') return Object.values<string>(m.spec.selector);
      if (m.kind === 'InferencePool') return Object.values<string>(m.spec.selector.matchLabels);
      return [];
    });
  }

  it.each([
    ['Unified', ua, ub],
    ['PrefillDecode', a, b],
  ])('%s: compose disjoint names and selectors', (_mode, x, y) => {
    const [namesX, namesY] = [remoteNames(x), remoteNames(y)];
    expect(namesX.filter((n) => namesY.includes(n))).toEqual([]);
    const [selX, selY] = [selectorValues(x), selectorValues(y)];
    expect(selX.length).toBeGreaterThan(0);
    expect(selX.filter((s) => selY.includes(s))).toEqual([]);
  });

  it('never name a workload like a Service of the same replica', () => {
    for (const rsp of [a, b, ua, ub]) {
      const manifests = Object.keys(rsp.desired).map((k) => manifestOf(rsp, k) as { kind: string; metadata: { name: string } });
      const services = manifests.filter((m) => m.kind === 'Service').map((m) => m.metadata.name);
      const workloads = Object.keys(rsp.desired).filter((k) => k.startsWith('workload-')).map((k) => remoteNameOf(rsp, k));
      expect(workloads.filter((w) => services.includes(w))).toEqual([]);
    }
  });
});

describe('very long names', () => {
  it('keep every remote name within 63 and every LeaderWorkerSet within 49', () => {
    const engineName = `e${'x'.repeat(62)}`;
    const xr = prefillDecodeXR({
      name: 'n'.repeat(253),
      namespace: 'm'.repeat(63),
      decode: gangEngine(engineName, { phase: 'Decode', leader: { args: ['--port=8200'] } }),
      prefill: gangEngine(`p${'y'.repeat(62)}`, { phase: 'Prefill' }),
    });
    const rsp = runModelReplica(request(xr));
    expect(conditionOf(rsp, 'ModelAccepted')!.reason).toBe('Deploying');
    for (const key of Object.keys(rsp.desired)) {
      const m = manifestOf(rsp, key) as { kind: string; metadata: { name: string; labels: Record<string, string> }; spec?: any };
      expect(m.metadata.name.length).toBeLessThanOrEqual(m.kind === 'LeaderWorkerSet' ? 49 : 63);
      const templates = m.kind === 'LeaderWorkerSet' ? [m.spec.leaderWorkerTemplate.leaderTemplate, m.spec.leaderWorkerTemplate.workerTemplate] : [];
      for (const t of templates) for (const value of Object.values<string>(t.metadata.labels)) expect(value.length).toBeLessThanOrEqual(63);
    }
  });
});

describe('determinism', () => {
  it('gives byte-identical output for the same request', () => {
    const req = request(prefillDecodeXR());
    expect(JSON.stringify(runModelReplica(req))).toBe(JSON.stringify(runModelReplica(structuredClone(req))));
  });

  it('does not depend on the order of required resources, observed keys or template map keys', () => {
    const labels = { b: '2', a: '1', c: '3' };
    const reversedLabels = Object.fromEntries(Object.entries(labels).reverse());
    const xr1 = replicaXR({ engines: [standaloneEngine('main', { labels, annotations: labels })] });
    const xr2 = replicaXR({ engines: [standaloneEngine('main', { labels: reversedLabels, annotations: reversedLabels })] });
    const first = runModelReplica(request(xr1));
    const observed = observeAll(first, { accepted: true, ready: false });
    const reversedObserved = Object.fromEntries(Object.entries(observed).reverse());
    const others = [clusterObject('cluster-z'), clusterObject(CLUSTER), clusterObject('cluster-0')];
    const x = runModelReplica(request(xr1, { observed, required: { cluster: others } }));
    const y = runModelReplica(request(xr2, { observed: reversedObserved, required: { cluster: [...others].reverse() } }));
    expect(JSON.stringify(x)).toBe(JSON.stringify(y));
  });
});

describe('never throws', () => {
  it('answers any composite with conditions, keeping the observed resources', () => {
    const observed = { 'workload-a': { apiVersion: 'kubernetes.m.crossplane.io/v1alpha1', kind: 'Object', metadata: { name: 'o' }, spec: {} } };
    fc.assert(
      fc.property(fc.anything(), fc.anything(), (spec, metadata) => {
        const composite = { apiVersion: 'modelplane.ai/v1alpha1', kind: 'ModelReplica', metadata, spec } as KubeObject;
        const rsp = runModelReplica(request(composite, { observed }));
        expect(rsp.conditions.length + rsp.results.length).toBeGreaterThan(0);
        expect(Object.keys(rsp.desired)).toContain('workload-a');
      }),
      { numRuns: 300 },
    );
  });

  it('answers garbage in observed Objects and cluster status', () => {
    const first = runModelReplica(request(twoEngines()));
    const observed: Record<string, KubeObject> = {};
    for (const key of Object.keys(first.desired)) observed[key] = { status: { atProvider: 'x', conditions: 'nope' } } as KubeObject;
    const cluster = { metadata: { name: CLUSTER }, status: { providerConfigRef: 'pc' } } as KubeObject;
    const rsp = runModelReplica(request(twoEngines(), { observed, required: { cluster: [cluster] } }));
    expect(conditionOf(rsp, 'ModelAccepted')!.reason).toBe('WaitingForCluster');
    const composed = runModelReplica(request(twoEngines(), { observed }));
    expect(conditions(composed)[0]).toEqual(['ModelAccepted', 'False', 'Deploying', '0 of 2 workloads accepted']);
  });

  it('turns an unexpected failure into a Fatal result that keeps what exists', () => {
    const observed = observeAll(runModelReplica(request(twoEngines())), { accepted: true, ready: true });
    const broken = { ...DEFAULT_INPUT, gpuTolerations: null } as unknown as FunctionInput;
    const rsp = runModelReplica(request(twoEngines(), { observed, input: broken }));
    expect(rsp.results).toHaveLength(1);
    expect(rsp.results[0]!.severity).toBe('Fatal');
    expect(rsp.results[0]!.message).toMatch(/^internal error composing ModelReplica: /);
    expect(Object.keys(rsp.desired)).toEqual(Object.keys(observed).sort());
    expect(rsp.requirements).toEqual(REQUIREMENT);
  });
});
