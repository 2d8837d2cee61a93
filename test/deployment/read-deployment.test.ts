import { describe, expect, it } from '@jest/globals';
import type { KubeObject } from '../../src/api/types.js';
import { readDeployment, type DeploymentReading } from '../../src/deployment/read-deployment.js';
import { deployment, standaloneEngine } from './fixtures.js';

function problemsOf(reading: DeploymentReading): string[] {
  if (reading.kind !== 'invalidSpec') throw new Error(`expected invalidSpec, got ${reading.kind}`);
  return reading.problems;
}

function withSpec(spec: unknown): KubeObject {
  return { ...deployment(), spec };
}

const template = { spec: { containers: [{ name: 'engine', image: 'img' }] } };
const claiming = { nodeSelector: { devices: [{ name: 'gpu' }] }, template };

describe('readDeployment', () => {
  it('reads identity and applies the schema defaults (an absent serving stays absent)', () => {
    const reading = readDeployment(withSpec({ replicas: 2, engines: [{ name: 'main', members: [claiming] }] }));
    expect(reading).toEqual({
      kind: 'ok',
      identity: { name: 'qwen3-8b', namespace: 'ml-team' },
      spec: {
        replicas: 2,
        engines: [
          {
            name: 'main',
            copies: 1,
            members: [{ role: 'Standalone', nodeSelector: { devices: [{ name: 'gpu', count: 1 }] }, template }],
          },
        ],
      },
    });
  });

  it('keeps what the user set, including the selector, kvBlockSize and the template verbatim', () => {
    const engines = [
      {
        name: 'decode',
        copies: 2,
        phase: 'Decode',
        members: [
          { role: 'Leader', nodeSelector: { devices: [{ name: 'gpu', count: 8, selectors: [{ cel: 'true' }] }] }, template },
          { role: 'Worker', worker: { nodes: 3 }, template },
        ],
      },
      { name: 'prefill', phase: 'Prefill', members: [claiming] },
    ];
    const clusterSelector = { matchLabels: { tier: 'prod' }, matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] };
    const reading = readDeployment(
      withSpec({ replicas: 0, clusterSelector, serving: { mode: 'PrefillDecode', kvBlockSize: 64 }, engines }),
    );
    if (reading.kind !== 'ok') throw new Error(JSON.stringify(reading));
    expect(reading.spec.clusterSelector).toEqual(clusterSelector);
    expect(reading.spec.serving).toEqual({ mode: 'PrefillDecode', kvBlockSize: 64 });
    expect(reading.spec.engines[0]).toEqual({
      name: 'decode',
      copies: 2,
      phase: 'Decode',
      members: [
        { role: 'Leader', nodeSelector: { devices: [{ name: 'gpu', count: 8, selectors: [{ cel: 'true' }] }] }, template },
        { role: 'Worker', worker: { nodes: 3 }, template },
      ],
    });
    expect(reading.spec.engines[0]!.members[0]!.template).toBe(template);
  });

  it('is fatal only when the identity cannot be read', () => {
    expect(readDeployment({ ...deployment(), metadata: { namespace: 'ns' } })).toEqual({ kind: 'fatal', problem: 'metadata.name: missing' });
    expect(readDeployment({ ...deployment(), metadata: { name: 'x', namespace: 7 as unknown as string } })).toEqual({
      kind: 'fatal',
      problem: 'metadata.namespace: 7 is not a string',
    });
    expect(readDeployment({ ...deployment(), spec: undefined }).kind).toBe('invalidSpec');
  });

  it('names field and value for a bad replicas count', () => {
    expect(problemsOf(readDeployment(withSpec({ engines: [standaloneEngine()] })))).toEqual(['spec.replicas: missing']);
    expect(problemsOf(readDeployment(withSpec({ replicas: 300, engines: [standaloneEngine()] })))).toEqual([
      'spec.replicas: 300 is out of range 0..256',
    ]);
    expect(problemsOf(readDeployment(withSpec({ replicas: '2', engines: [standaloneEngine()] })))).toEqual([
      'spec.replicas: "2" is not an integer',
    ]);
  });

  it('rejects a missing spec and malformed engines with their paths', () => {
    expect(problemsOf(readDeployment(withSpec(undefined)))).toContain('spec: missing');
    expect(problemsOf(readDeployment(withSpec({ replicas: 1, engines: [] })))).toEqual(['spec.engines: has 0 items, must have 1..8']);
    const problems = problemsOf(
      readDeployment(
        withSpec({
          replicas: 1,
          engines: [
            { name: 'Main_1', copies: 0, members: [{ role: 'Boss', nodeSelector: { devices: [{ name: 'gpu', count: 'one' }] }, template }] },
          ],
        }),
      ),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        'spec.engines[0].name: "Main_1" is not a DNS label',
        'spec.engines[0].copies: 0 is out of range 1..64',
        'spec.engines[0].members[0].role: "Boss" is not one of "Standalone", "Leader", "Worker"',
        'spec.engines[0].members[0].nodeSelector.devices[0].count: "one" is not an integer',
      ]),
    );
  });

  it('enforces the member shape, the worker rule and the claiming rule', () => {
    const leaderOnly = { name: 'main', members: [{ role: 'Leader', ...claiming }] };
    expect(problemsOf(readDeployment(withSpec({ replicas: 1, engines: [leaderOnly] })))).toEqual([
      'spec.engines[0].members: an engine must be either a single Standalone member or one Leader and one Worker member',
    ]);
    const workerOnStandalone = { name: 'main', members: [{ ...claiming, worker: { nodes: 2 } }] };
    expect(problemsOf(readDeployment(withSpec({ replicas: 1, engines: [workerOnStandalone] })))).toEqual([
      'spec.engines[0].members[0].worker: worker may only be set on a Worker member',
    ]);
    const noSelector = { name: 'main', members: [{ template }] };
    expect(problemsOf(readDeployment(withSpec({ replicas: 1, engines: [noSelector] })))).toEqual([
      'spec.engines[0].members: at least one member of an engine must carry a nodeSelector requesting devices',
    ]);
  });

  it('reports duplicate engine and device names', () => {
    const device = { name: 'gpu' };
    const engine = { name: 'main', members: [{ nodeSelector: { devices: [device, device] }, template }] };
    expect(problemsOf(readDeployment(withSpec({ replicas: 1, engines: [engine, { ...engine, members: [claiming] }] })))).toEqual([
      'spec.engines[0].members[0].nodeSelector.devices[1].name: duplicate value "gpu"',
      'spec.engines[1].name: duplicate value "main"',
    ]);
  });

  it('checks the serving rules', () => {
    expect(problemsOf(readDeployment(withSpec({ replicas: 1, serving: { mode: 'Split' }, engines: [standaloneEngine()] })))).toEqual([
      'spec.serving.mode: "Split" is not one of "Unified", "PrefillDecode"',
    ]);
    const phased = { ...standaloneEngine(), phase: 'Prefill' };
    expect(problemsOf(readDeployment(withSpec({ replicas: 1, engines: [phased] })))).toEqual([
      'spec.engines[0].phase: engine phase may only be set when serving.mode is PrefillDecode',
    ]);
    const twoPrefill = [phased, { ...standaloneEngine('other'), phase: 'Prefill' }];
    expect(problemsOf(readDeployment(withSpec({ replicas: 1, serving: { mode: 'PrefillDecode' }, engines: twoPrefill })))).toEqual([
      'spec.engines: PrefillDecode serving requires exactly one engine with phase Prefill',
      'spec.engines: PrefillDecode serving requires exactly one engine with phase Decode',
    ]);
  });

  it('checks the clusterSelector shape (its operators are the selector stage\'s concern)', () => {
    const problems = problemsOf(
      readDeployment(
        withSpec({
          replicas: 1,
          engines: [standaloneEngine()],
          clusterSelector: { matchLabels: { tier: 3 }, matchExpressions: [{ key: '', operator: 'Gt', values: 'a' }] },
        }),
      ),
    );
    expect(problems).toEqual([
      'spec.clusterSelector.matchLabels["tier"]: 3 is not a string',
      'spec.clusterSelector.matchExpressions[0].key: "" is not a non-empty string',
      'spec.clusterSelector.matchExpressions[0].values: "a" is not a list',
    ]);
  });

  it('reports names and selectors that are objects, whatever they carry, without calling into them', () => {
    // An object with its own toString field makes String() throw: the reader must never use it.
    const hostile = { toString: 'x', valueOf: 1 };
    const engine = {
      name: hostile,
      members: [{ nodeSelector: { devices: [{ name: hostile, selectors: [{ cel: hostile }] }] }, template }],
    };
    expect(problemsOf(readDeployment(withSpec({ replicas: 1, engines: [engine] })))).toEqual([
      'spec.engines[0].name: {"toString":"x","valueOf":1} is not a DNS label',
      'spec.engines[0].members[0].nodeSelector.devices[0].name: {"toString":"x","valueOf":1} is not a DNS label',
      'spec.engines[0].members[0].nodeSelector.devices[0].selectors[0].cel: {"toString":"x","valueOf":1} is not a non-empty string',
    ]);
  });

  it('truncates long values in messages', () => {
    const problems = problemsOf(readDeployment(withSpec({ replicas: 'x'.repeat(500), engines: [standaloneEngine()] })));
    expect(problems[0]!.length).toBeLessThan(120);
    expect(problems[0]).toMatch(/^spec\.replicas: "x+\.\.\. is not an integer$/);
  });
});
