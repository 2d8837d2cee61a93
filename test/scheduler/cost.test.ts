import { describe, expect, it } from '@jest/globals';
import { engineCost, memberNodeCost, memberPods, replicaCharges, shapePlacements } from '../../src/deployment/scheduler/cost.js';
import { readReplicaShape } from '../../src/deployment/scheduler/replica-shape.js';
import { pinnedSpec } from './fixtures.js';

describe('memberPods', () => {
  it('is 1 for Standalone and Leader, worker.nodes for Worker, 1 for a Worker without worker', () => {
    expect(memberPods({ role: 'Standalone' })).toBe(1);
    expect(memberPods({ role: 'Leader' })).toBe(1);
    expect(memberPods({ role: 'Worker', worker: { nodes: 3 } })).toBe(3);
    expect(memberPods({ role: 'Worker' })).toBe(1);
    expect(memberPods({})).toBe(1);
  });
});

describe('memberNodeCost and engineCost', () => {
  it('charges pods × copies only for a claiming member', () => {
    expect(memberNodeCost(3, 2, true)).toBe(6);
    expect(memberNodeCost(3, 2, false)).toBe(0);
  });

  it('reproduces the spec example: Leader + Worker(3), copies 2 = 8 nodes; claimless Leader = 6', () => {
    expect(engineCost(2, [{ pods: 1, claims: true }, { pods: 3, claims: true }])).toBe(8);
    expect(engineCost(2, [{ pods: 1, claims: false }, { pods: 3, claims: true }])).toBe(6);
  });
});

const claiming = [{ name: 'gpu', deviceClassName: 'gpu.nvidia.com', count: 1 }];

describe('replicaCharges', () => {
  it('charges a Standalone replica at its copies on its pool', () => {
    expect(replicaCharges(pinnedSpec('a', 'p1', 'main', 3), 'a')).toEqual({ charges: [{ cluster: 'a', pool: 'p1', nodes: 3 }], problems: [] });
  });

  it('charges a gang at (1 + worker.nodes) × copies and sums engines per pool, pools sorted', () => {
    const spec = {
      clusterName: 'a',
      engines: [
        {
          name: 'decode',
          copies: 2,
          members: [
            { role: 'Leader', nodePoolName: 'z', deviceRequests: claiming, template: {} },
            { role: 'Worker', worker: { nodes: 3 }, nodePoolName: 'z', deviceRequests: claiming, template: {} },
          ],
        },
        { name: 'prefill', members: [{ role: 'Standalone', nodePoolName: 'b', deviceRequests: claiming, template: {} }] },
        { name: 'more', copies: 1, members: [{ nodePoolName: 'z', deviceRequests: claiming, template: {} }] },
      ],
    };
    expect(replicaCharges(spec, 'a')).toEqual({
      charges: [
        { cluster: 'a', pool: 'b', nodes: 1 },
        { cluster: 'a', pool: 'z', nodes: 9 },
      ],
      problems: [],
    });
  });

  it('charges nothing for members without deviceRequests (or with an empty list)', () => {
    const spec = {
      engines: [
        {
          name: 'main',
          copies: 4,
          members: [
            { role: 'Leader', nodePoolName: 'p', template: {} },
            { role: 'Worker', worker: { nodes: 2 }, nodePoolName: 'p', deviceRequests: [], template: {} },
          ],
        },
      ],
    };
    expect(replicaCharges(spec, 'a')).toEqual({ charges: [], problems: [] });
  });

  it('names each unreadable field with its value and charges what can be read', () => {
    const spec = {
      engines: [
        {
          name: 'main',
          copies: 'two',
          members: [
            { role: 'Captain', nodePoolName: 'p', deviceRequests: claiming },
            { role: 'Worker', worker: { nodes: -1 }, nodePoolName: 'p', deviceRequests: claiming },
            { role: 'Worker', nodePoolName: 7, deviceRequests: claiming },
            { role: 'Worker', nodePoolName: 'q', deviceRequests: 'gpu' },
            'not a member',
          ],
        },
        { copies: 2, members: [{ nodePoolName: 'p', deviceRequests: claiming }] },
        { name: 'x', members: 'none' },
      ],
    };
    const { charges, problems } = replicaCharges(spec, 'c');
    expect(charges).toEqual([{ cluster: 'c', pool: 'p', nodes: 4 }]);
    expect(problems).toEqual([
      'spec.engines[0].copies: "two" is not a positive integer; read as 1',
      'spec.engines[0].members[0].role: "Captain" is not one of Standalone, Leader, Worker',
      'spec.engines[0].members[1].worker.nodes: -1 is not a positive integer; read as 1',
      'spec.engines[0].members[2].nodePoolName: 7 is not a non-empty string; not charged',
      'spec.engines[0].members[3].deviceRequests: "gpu" is not a list; not charged',
      'spec.engines[0].members[4]: "not a member" is not an object',
      'spec.engines[1].name: missing',
      'spec.engines[2].members: "none" is not a list',
    ]);
  });

  it('reports a spec that is not an object, or engines that are not a list, and charges nothing', () => {
    expect(replicaCharges('garbage', 'a')).toEqual({ charges: [], problems: ['spec: "garbage" is not an object'] });
    expect(replicaCharges(undefined, 'a')).toEqual({ charges: [], problems: ['spec: missing'] });
    expect(replicaCharges({ engines: { main: {} } }, 'a')).toEqual({ charges: [], problems: ['spec.engines: {"main":{}} is not a list'] });
  });

  it('cuts long offending values in messages', () => {
    const { problems } = replicaCharges({ engines: [{ name: 'x'.repeat(300), copies: 'y'.repeat(300), members: [] }] }, 'a');
    expect(problems).toHaveLength(1);
    expect(problems[0]!.length).toBeLessThan(140);
    expect(problems[0]).toMatch(/^spec\.engines\[0\]\.copies: "yyy.*\.\.\. is not a positive integer; read as 1$/);
  });
});

describe('shapePlacements', () => {
  it('reports each engine at its claiming member’s pool with its node cost', () => {
    const shape = readReplicaShape({
      engines: [
        {
          name: 'gang',
          copies: 2,
          members: [
            { role: 'Leader', nodePoolName: 'p' },
            { role: 'Worker', worker: { nodes: 2 }, nodePoolName: 'q', deviceRequests: claiming },
          ],
        },
        { name: 'idle', members: [{ nodePoolName: 'r' }] },
        { name: 'lost', members: [{ deviceRequests: claiming }] },
      ],
    });
    expect(shapePlacements(shape)).toEqual([
      { name: 'gang', pool: 'q', nodes: 4 },
      { name: 'idle', pool: 'r', nodes: 0 },
    ]);
  });
});
