import { describe, expect, it } from '@jest/globals';
import type { ModelDeploymentSpec } from '../../src/api/types.js';
import type { ComposedReplica } from '../../src/deployment/compose.js';
import type { ClusterView, ScheduleOutput } from '../../src/deployment/scheduler/types.js';
import {
  heldStatus,
  holdReport,
  invalidSpecMessage,
  malformedClusterWarnings,
  malformedReplicaWarnings,
  noClustersMessage,
  scheduleReport,
} from '../../src/deployment/status.js';
import { deployment } from './fixtures.js';

function specFor(replicas: number): ModelDeploymentSpec {
  return { replicas, serving: { mode: 'Unified' }, engines: [] };
}

function output(overrides: Partial<ScheduleOutput> = {}): ScheduleOutput {
  return { replicas: [], shortfall: 0, unschedulable: [], condensedReasons: '', staleNotReplaced: [], overcommitted: [], ...overrides };
}

function composed(cluster: string, index: number, observed: boolean, ready: boolean): ComposedReplica {
  return { name: `r-${cluster}-${index}`, cluster, index, engines: [{ name: 'main', pool: 'p', nodes: 2 }], observed, ready };
}

function conditionsOf(spec: ModelDeploymentSpec, out: ScheduleOutput, replicas: ComposedReplica[]) {
  const [scheduled, ready] = scheduleReport(spec, out, replicas, []).conditions;
  return { scheduled, ready };
}

describe('ReplicasScheduled', () => {
  it('is True Scheduled once every placed replica is observed, including replicas: 0', () => {
    expect(conditionsOf(specFor(2), output(), [composed('a', 0, true, false), composed('b', 0, true, true)]).scheduled).toEqual({
      type: 'ReplicasScheduled',
      status: 'True',
      reason: 'Scheduled',
      message: '2 of 2 replicas scheduled',
    });
    expect(conditionsOf(specFor(0), output(), []).scheduled).toMatchObject({ status: 'True', message: '0 of 0 replicas scheduled' });
  });

  it('is False Scheduling while some placed replica is not observed yet', () => {
    expect(conditionsOf(specFor(3), output(), [composed('a', 0, true, true), composed('a', 1, false, false), composed('b', 0, false, false)]).scheduled).toEqual({
      type: 'ReplicasScheduled',
      status: 'False',
      reason: 'Scheduling',
      message: '3 of 3 replicas scheduled; waiting for 2 to be created',
    });
  });

  it('is False Overcommitted ahead of Scheduling, naming replica, pool, cluster, need and free', () => {
    const out = output({
      overcommitted: [
        { replica: 'r-a-0', cluster: 'a', pool: 'h100', need: 8, free: 4 },
        { replica: 'r-b-0', cluster: 'b', pool: 'l4', need: 2, free: 0 },
      ],
    });
    expect(conditionsOf(specFor(2), out, [composed('a', 0, false, false), composed('b', 0, true, true)]).scheduled).toEqual({
      type: 'ReplicasScheduled',
      status: 'False',
      reason: 'Overcommitted',
      message: 'replica r-a-0: pool h100 on a needs 8 nodes, 4 free; replica r-b-0: pool l4 on b needs 2 nodes, 0 free',
    });
  });

  it('is False InsufficientCapacity ahead of Overcommitted, with stale replicas named and condensed reasons', () => {
    const out = output({
      shortfall: 1,
      condensedReasons: '2 clusters not Ready; c: engine "main": pool p has 1 free nodes, needs 2',
      staleNotReplaced: [{ replica: 'r-a-0', cluster: 'a', reason: 'its pool no longer matches; no cluster has room' }],
      overcommitted: [{ replica: 'r-b-0', cluster: 'b', pool: 'p', need: 3, free: 1 }],
    });
    expect(conditionsOf(specFor(3), out, [composed('a', 0, true, true), composed('b', 0, true, true)]).scheduled).toEqual({
      type: 'ReplicasScheduled',
      status: 'False',
      reason: 'InsufficientCapacity',
      message:
        '2 of 3 replicas scheduled; replica r-a-0 on a could not be re-placed: its pool no longer matches; no cluster has room; ' +
        '2 clusters not Ready; c: engine "main": pool p has 1 free nodes, needs 2',
    });
  });
});

describe('ReplicasReady', () => {
  it('distinguishes all ready, none composed and some not ready', () => {
    expect(conditionsOf(specFor(2), output(), [composed('a', 0, true, true), composed('b', 0, true, true)]).ready).toEqual({
      type: 'ReplicasReady',
      status: 'True',
      reason: 'AllReplicasReady',
      message: '2 of 2 ready',
    });
    expect(conditionsOf(specFor(0), output(), []).ready).toEqual({
      type: 'ReplicasReady',
      status: 'True',
      reason: 'AllReplicasReady',
      message: '0 of 0 ready',
    });
    expect(conditionsOf(specFor(2), output({ shortfall: 2 }), []).ready).toEqual({
      type: 'ReplicasReady',
      status: 'False',
      reason: 'NoReplicasScheduled',
      message: '0 of 0 ready',
    });
    expect(conditionsOf(specFor(2), output(), [composed('a', 0, true, true), composed('b', 0, true, false)]).ready).toEqual({
      type: 'ReplicasReady',
      status: 'False',
      reason: 'ReplicasNotReady',
      message: '1 of 2 ready',
    });
  });
});

describe('scheduleReport', () => {
  it('reports totals, placements and unschedulable entries', () => {
    const out = output({ shortfall: 1, unschedulable: [{ cluster: 'b', reason: 'not Ready' }] });
    const report = scheduleReport(specFor(2), out, [composed('a', 0, true, true)], []);
    expect(report.status).toEqual({
      replicas: { total: 1, ready: 1 },
      placements: [{ replica: 'r-a-0', cluster: 'a', index: 0, ready: true, engines: [{ name: 'main', pool: 'p', nodes: 2 }] }],
      unschedulable: [{ cluster: 'b', reason: 'not Ready' }],
    });
    expect(scheduleReport(specFor(1), output(), [composed('a', 0, true, true)], []).status.unschedulable).toBeUndefined();
  });

  it('emits the Normal event only while none of the scheduled replicas is observed', () => {
    const fresh = [composed('b', 0, false, false), composed('a', 0, false, false), composed('a', 1, false, false)];
    expect(scheduleReport(specFor(3), output(), fresh, []).results).toEqual([
      { severity: 'Normal', reason: 'Scheduled', message: 'Scheduled 3 replicas across 2 clusters: a, b' },
    ]);
    expect(scheduleReport(specFor(1), output(), [composed('a', 0, false, false)], []).results[0]!.message).toBe(
      'Scheduled 1 replicas across 1 clusters: a',
    );
    expect(scheduleReport(specFor(2), output(), [composed('a', 0, true, false), composed('b', 0, false, false)], []).results).toEqual([]);
    expect(scheduleReport(specFor(0), output(), [], []).results).toEqual([]);
  });

  it('appends the problems it is given after the progress event', () => {
    const problem = { severity: 'Warning' as const, reason: 'MalformedReplica', message: 'm' };
    expect(scheduleReport(specFor(1), output(), [composed('a', 0, false, false)], [problem]).results.map((r) => r.severity)).toEqual([
      'Normal',
      'Warning',
    ]);
  });
});

describe('warnings', () => {
  const base: ClusterView = { name: 'x', selected: true, ready: true, terminating: false, pools: [] };

  it('warns about malformed status of selected clusters only', () => {
    const clusters: ClusterView[] = [
      { ...base, name: 'a', malformed: 'status.gpuPools: 3 is not a list' },
      { ...base, name: 'b', selected: false, malformed: 'status: "x" is not an object' },
      { ...base, name: 'c' },
    ];
    expect(malformedClusterWarnings(clusters)).toEqual([
      {
        severity: 'Warning',
        reason: 'MalformedCluster',
        message:
          'InferenceCluster a has a malformed status: status.gpuPools: 3 is not a list; keeping its replicas as they are and placing nothing new there',
      },
    ]);
  });

  it('caps warnings of one kind and counts the rest', () => {
    const messages = Array.from({ length: 13 }, (_, i) => `m${i}`);
    const results = malformedReplicaWarnings(messages);
    expect(results).toHaveLength(11);
    expect(results[10]).toEqual({ severity: 'Warning', reason: 'MalformedReplica', message: '3 more malformed ModelReplicas not listed' });
  });
});

describe('hold paths', () => {
  it('re-emits the owned status fields as observed, leaving out hand-edited wrong types', () => {
    const status = {
      replicas: { total: 2, ready: 1 },
      placements: [{ replica: 'r', cluster: 'a', index: 0, ready: true, engines: [] }],
      unschedulable: [{ cluster: 'b', reason: 'not Ready' }],
      conditions: [{ type: 'Ready', status: 'True' }],
      other: 'not ours',
    };
    expect(heldStatus(deployment({ status }))).toEqual({
      replicas: status.replicas,
      placements: status.placements,
      unschedulable: status.unschedulable,
    });
    expect(heldStatus(deployment({ status: { replicas: 'two', placements: [1], unschedulable: {} } }))).toEqual({});
    expect(heldStatus(deployment())).toEqual({});
  });

  it('leaves out the owned status fields the XRD rejects, and only those', () => {
    const status = {
      replicas: { total: 2, ready: 1 },
      placements: [{ replica: 'r', cluster: 'a', index: 'zero', ready: true, engines: [] }],
      unschedulable: [{ cluster: 'b', reason: 'not Ready' }],
    };
    const invalid = ['status.placements[0].index', 'spec.replicas', 'status.placementsOld'];
    expect(heldStatus(deployment({ status }), invalid)).toEqual({ replicas: status.replicas, unschedulable: status.unschedulable });
    expect(holdReport(deployment({ status }), 'InvalidSpec', 'bad', [], ['status.replicas']).status).toEqual({
      placements: status.placements,
      unschedulable: status.unschedulable,
    });
  });

  it('sets ReplicasScheduled with the hold reason and repeats it as a Warning', () => {
    const message = noClustersMessage('{tier=prod}', 3, 2);
    expect(message).toBe('no InferenceCluster matches the clusterSelector {tier=prod} (3 exist); keeping 2 existing replicas');
    expect(holdReport(deployment(), 'NoClusters', message)).toEqual({
      status: {},
      conditions: [{ type: 'ReplicasScheduled', status: 'False', reason: 'NoClusters', message }],
      results: [{ severity: 'Warning', reason: 'NoClusters', message }],
    });
  });

  it('words counts of one in the singular', () => {
    expect(noClustersMessage('{}', 1, 1)).toBe('no InferenceCluster matches the clusterSelector {} (1 exist); keeping 1 existing replicas');
    expect(invalidSpecMessage(['spec.replicas: missing'], 0)).toBe('spec.replicas: missing; keeping 0 existing replicas');
  });
});
