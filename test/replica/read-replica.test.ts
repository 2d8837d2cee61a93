import { describe, expect, it } from '@jest/globals';
import type { KubeObject } from '../../src/api/types.js';
import { clusterNameOf, readReplica } from '../../src/replica/read-replica.js';
import { gangEngine, member, replicaXR, standaloneEngine } from './fixtures.js';

function problemsOf(composite: KubeObject): string[] {
  const reading = readReplica(composite);
  if (reading.ok) throw new Error('expected the replica to be rejected');
  return reading.problems;
}

function replicaOf(composite: KubeObject) {
  const reading = readReplica(composite);
  if (!reading.ok) throw new Error(`expected a valid replica, got ${reading.problems.join('; ')}`);
  return reading.replica;
}

/** The XR with `edit` applied to a deep copy of its spec. */
function withSpec(edit: (spec: Record<string, any>) => void, base: KubeObject = replicaXR()): KubeObject {
  const copy = structuredClone(base);
  edit(copy.spec as Record<string, any>);
  return copy;
}

describe('readReplica defaults', () => {
  it('applies copies 1, role Standalone and serving mode Unified', () => {
    const composite = withSpec((spec) => {
      delete spec.engines[0].members[0].role;
    });
    const replica = replicaOf(composite);
    expect(replica.mode).toBe('Unified');
    expect(replica.kvBlockSize).toBeUndefined();
    const engine = replica.engines[0]!;
    expect(engine.copies).toBe(1);
    expect(engine.shape).toBe('Standalone');
    if (engine.shape !== 'Standalone') return;
    expect(engine.member.role).toBe('Standalone');
    expect(engine.member.container.env).toEqual([]);
    expect(engine.member.labels).toEqual({});
  });

  it('reads a Worker without `worker` as one worker node', () => {
    const replica = replicaOf(replicaXR({ engines: [gangEngine('big')] }));
    const engine = replica.engines[0]!;
    expect(engine.shape === 'Gang' && engine.workerNodes).toBe(1);
  });

  it('reads worker.nodes, copies and a device request without count (count 1)', () => {
    const replica = replicaOf(
      replicaXR({ engines: [gangEngine('big', { nodes: 3, copies: 2, leader: { deviceRequests: [{ name: 'gpu', deviceClassName: 'gpu.nvidia.com' }] } })] }),
    );
    const engine = replica.engines[0]!;
    if (engine.shape !== 'Gang') throw new Error('expected a gang');
    expect(engine.workerNodes).toBe(3);
    expect(engine.copies).toBe(2);
    expect(engine.leader.deviceRequests).toEqual([{ name: 'gpu', deviceClassName: 'gpu.nvidia.com', count: 1 }]);
  });

  it('keeps a claimless member claimless and the engine order as written', () => {
    const replica = replicaOf(
      replicaXR({ engines: [standaloneEngine('b', { deviceRequests: [] }), standaloneEngine('a')] }),
    );
    expect(replica.engines.map((e) => e.name)).toEqual(['b', 'a']);
    const first = replica.engines[0]!;
    expect(first.shape === 'Standalone' && first.member.deviceRequests).toEqual([]);
  });

  it('reads PrefillDecode with kvBlockSize', () => {
    const replica = replicaOf(
      replicaXR({
        serving: { mode: 'PrefillDecode', kvBlockSize: 64 },
        engines: [standaloneEngine('p', { phase: 'Prefill' }), standaloneEngine('d', { phase: 'Decode' })],
      }),
    );
    expect(replica.mode).toBe('PrefillDecode');
    expect(replica.kvBlockSize).toBe(64);
    expect(replica.engines.map((e) => e.phase)).toEqual(['Prefill', 'Decode']);
  });
});

describe('readReplica rejects what the XRD would, naming the field', () => {
  const cases: [string, KubeObject, string][] = [
    ['no engines', withSpec((s) => (s.engines = [])), 'spec.engines: Invalid value: []: must list 1 to 8 engines'],
    ['engines missing', withSpec((s) => delete s.engines), 'spec.engines: Required value'],
    ['no spec', { ...replicaXR(), spec: undefined }, 'spec: Required value'],
    ['missing clusterName', withSpec((s) => delete s.clusterName), 'spec.clusterName: Required value'],
    [
      'a bad role',
      withSpec((s) => (s.engines[0].members[0].role = 'Boss')),
      'spec.engines[0].members[0].role: Unsupported value: "Boss": supported values: "Standalone", "Leader", "Worker"',
    ],
    [
      'two Leaders',
      withSpec((s) => (s.engines[0].members = [member({ role: 'Leader' }), member({ role: 'Leader' })])),
      'spec.engines[0].members: Invalid value: ["Leader","Leader"]: an engine must be either a single Standalone member or one Leader and one Worker member',
    ],
    [
      'a lone Leader',
      withSpec((s) => (s.engines[0].members = [member({ role: 'Leader' })])),
      'spec.engines[0].members: Invalid value: ["Leader"]: an engine must be either a single Standalone member or one Leader and one Worker member',
    ],
    ['no members', withSpec((s) => delete s.engines[0].members), 'spec.engines[0].members: Required value'],
    ['a missing nodePoolName', withSpec((s) => delete s.engines[0].members[0].nodePoolName), 'spec.engines[0].members[0].nodePoolName: Required value'],
    [
      'an empty nodePoolName',
      withSpec((s) => (s.engines[0].members[0].nodePoolName = '')),
      'spec.engines[0].members[0].nodePoolName: Invalid value: "": must be a non-empty string',
    ],
    [
      'zero copies',
      withSpec((s) => (s.engines[0].copies = 0)),
      'spec.engines[0].copies: Invalid value: 0: must be an integer from 1 to 64',
    ],
    [
      'fractional worker nodes',
      withSpec((s) => (s.engines[0] = gangEngine('g', { nodes: 1.5 }))),
      'spec.engines[0].members[1].worker.nodes: Invalid value: 1.5: must be an integer from 1 to 63',
    ],
    [
      'a bad engine name',
      withSpec((s) => (s.engines[0].name = 'Main_Engine')),
      'spec.engines[0].name: Invalid value: "Main_Engine": must be a DNS label (lowercase alphanumerics and "-", at most 63)',
    ],
    [
      'duplicate engine names',
      withSpec((s) => (s.engines = [standaloneEngine('a'), standaloneEngine('a')])),
      'spec.engines[1].name: Duplicate value: "a"',
    ],
    [
      'no containers',
      withSpec((s) => (s.engines[0].members[0].template.spec.containers = [])),
      'spec.engines[0].members[0].template.spec.containers: Invalid value: []: must hold exactly one container, named engine',
    ],
    [
      'a container not named engine',
      withSpec((s) => (s.engines[0].members[0].template.spec.containers[0].name = 'vllm')),
      'spec.engines[0].members[0].template.spec.containers[0].name: Unsupported value: "vllm": supported values: "engine"',
    ],
    ['no image', withSpec((s) => delete s.engines[0].members[0].template.spec.containers[0].image), 'spec.engines[0].members[0].template.spec.containers[0].image: Required value'],
    [
      'args not strings',
      withSpec((s) => (s.engines[0].members[0].template.spec.containers[0].args = ['--port', 8000])),
      'spec.engines[0].members[0].template.spec.containers[0].args: Invalid value: ["--port",8000]: must be a list of strings',
    ],
    [
      'an env entry without a name',
      withSpec((s) => (s.engines[0].members[0].template.spec.containers[0].env = [{ value: 'x' }])),
      'spec.engines[0].members[0].template.spec.containers[0].env[0].name: Required value',
    ],
    [
      'an invalid label value',
      withSpec((s) => (s.engines[0].members[0].template.metadata = { labels: { team: 'has spaces' } })),
      'spec.engines[0].members[0].template.metadata.labels["team"]: Invalid value: "has spaces": must be a valid label value (at most 63 characters: alphanumerics, "-", "_", ".")',
    ],
    [
      'a device request without a class',
      withSpec((s) => (s.engines[0].members[0].deviceRequests = [{ name: 'gpu', count: 1 }])),
      'spec.engines[0].members[0].deviceRequests[0].deviceClassName: Required value',
    ],
    [
      'an empty selector',
      withSpec((s) => (s.engines[0].members[0].deviceRequests = [{ name: 'gpu', deviceClassName: 'c', selectors: [{ cel: '' }] }])),
      'spec.engines[0].members[0].deviceRequests[0].selectors[0].cel: Invalid value: "": must be a non-empty string',
    ],
    [
      'an unknown serving mode',
      withSpec((s) => (s.serving = { mode: 'Split' })),
      'spec.serving.mode: Unsupported value: "Split": supported values: "Unified", "PrefillDecode"',
    ],
    [
      'kvBlockSize out of range',
      withSpec((s) => (s.serving = { kvBlockSize: 0 })),
      'spec.serving.kvBlockSize: Invalid value: 0: must be an integer from 1 to 4096',
    ],
    [
      'phase under Unified',
      withSpec((s) => (s.engines[0].phase = 'Decode')),
      'spec.engines[0].phase: engine phase may only be set when serving.mode is PrefillDecode',
    ],
    [
      'PrefillDecode with one engine',
      withSpec((s) => {
        s.serving = { mode: 'PrefillDecode' };
        s.engines[0].phase = 'Prefill';
      }),
      'spec.engines: PrefillDecode serving requires exactly two engines (one Prefill, one Decode)',
    ],
    [
      'PrefillDecode with two Prefill engines',
      withSpec((s) => {
        s.serving = { mode: 'PrefillDecode' };
        s.engines = [standaloneEngine('a', { phase: 'Prefill' }), standaloneEngine('b', { phase: 'Prefill' })];
      }),
      'spec.engines: PrefillDecode serving requires exactly one engine with phase Decode',
    ],
    [
      'no metadata.namespace',
      { ...replicaXR(), metadata: { name: 'x' } },
      'metadata.namespace: Required value',
    ],
  ];

  it.each(cases)('%s', (_name, composite, expected) => {
    expect(problemsOf(composite)).toContain(expected);
  });

  it('rejects worker on a non-Worker member with the XRD message', () => {
    const composite = withSpec((s) => {
      s.engines[0] = gangEngine('g');
      s.engines[0].members[0].worker = { nodes: 2 };
    });
    expect(problemsOf(composite)).toContain('spec.engines[0].members[0].worker: worker may only be set on a Worker member');
  });

  it('cuts long offending values so messages stay readable', () => {
    const composite = withSpec((s) => (s.engines[0].members[0].role = 'x'.repeat(500)));
    const [problem] = problemsOf(composite);
    expect(problem!.length).toBeLessThan(200);
    expect(problem).toContain('xxx...: supported values');
  });

  it('reports every problem, not just the first', () => {
    const composite = withSpec((s) => {
      delete s.engines[0].members[0].nodePoolName;
      s.engines[0].members[0].role = 'Boss';
    });
    expect(problemsOf(composite)).toHaveLength(2);
  });
});

describe('clusterNameOf', () => {
  it('is spec.clusterName when usable, even if the rest of the spec is not', () => {
    expect(clusterNameOf(withSpec((s) => (s.engines = [])))).toBe('cluster-a');
    expect(clusterNameOf(withSpec((s) => (s.clusterName = '')))).toBeUndefined();
    expect(clusterNameOf({ metadata: {} })).toBeUndefined();
  });
});
