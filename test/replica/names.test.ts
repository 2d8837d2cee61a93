import { describe, expect, it } from '@jest/globals';
import { remoteName } from '../../src/k8s/names.js';
import type { EngineView } from '../../src/replica/replica.js';
import {
  claimKey,
  claimTemplateName,
  endpointPickerName,
  poolName,
  replicaPath,
  servingName,
  workloadKey,
  workloadName,
} from '../../src/replica/names.js';

function engine(name: string, shape: 'Standalone' | 'Gang'): EngineView {
  const member = {
    role: 'Standalone' as const,
    nodePoolName: 'p',
    deviceRequests: [],
    labels: {},
    annotations: {},
    container: { image: 'i', env: [] },
    imagePullSecrets: [],
  };
  return shape === 'Standalone'
    ? { name, copies: 1, shape, member }
    : { name, copies: 1, shape, leader: { ...member, role: 'Leader' }, worker: { ...member, role: 'Worker' }, workerNodes: 1 };
}

const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

describe('remote names', () => {
  const id = { namespace: 'ml-team', name: 'qwen3-8b-5ab63' };

  it('follow conventions.md: remoteName of the visible part, hashing namespace, name and role parts', () => {
    expect(servingName(id)).toBe(remoteName('qwen3-8b-5ab63', 63, 'ml-team', 'qwen3-8b-5ab63', 'serve'));
    expect(poolName(id)).toBe(remoteName('qwen3-8b-5ab63-pool', 63, 'ml-team', 'qwen3-8b-5ab63', 'pool'));
    expect(endpointPickerName(id)).toBe(remoteName('qwen3-8b-5ab63-epp', 63, 'ml-team', 'qwen3-8b-5ab63', 'epp'));
    expect(workloadName(id, engine('main', 'Standalone'))).toBe(remoteName('qwen3-8b-5ab63-main', 63, 'ml-team', 'qwen3-8b-5ab63', 'main'));
    expect(workloadName(id, engine('main', 'Gang'))).toBe(remoteName('qwen3-8b-5ab63-main', 49, 'ml-team', 'qwen3-8b-5ab63', 'main'));
    expect(claimTemplateName(id, 'main', 'Leader')).toBe(
      remoteName('qwen3-8b-5ab63-main-leader', 63, 'ml-team', 'qwen3-8b-5ab63', 'main', 'leader'),
    );
    expect(servingName(id)).toMatch(/^qwen3-8b-5ab63-[0-9a-f]{5}$/);
  });

  it('keys follow conventions.md', () => {
    expect(workloadKey('main')).toBe('workload-main');
    expect(claimKey('main', 'Standalone')).toBe('claim-main-standalone');
    expect(claimKey('main', 'Worker')).toBe('claim-main-worker');
    expect(replicaPath(id)).toBe('/ml-team/qwen3-8b-5ab63/');
  });

  it('stay within 63 characters, and LeaderWorkerSets within 49, for very long inputs', () => {
    const long = { namespace: 'n'.repeat(63), name: `${'r'.repeat(200)}.x` };
    const engineName = 'e'.repeat(63);
    const names = [
      servingName(long),
      poolName(long),
      endpointPickerName(long),
      workloadName(long, engine(engineName, 'Standalone')),
      claimTemplateName(long, engineName, 'Standalone'),
      claimTemplateName(long, engineName, 'Worker'),
    ];
    for (const name of names) {
      expect(name.length).toBeLessThanOrEqual(63);
      expect(name).toMatch(DNS_LABEL);
    }
    const lws = workloadName(long, engine(engineName, 'Gang'));
    expect(lws.length).toBeLessThanOrEqual(49);
    expect(lws).toMatch(DNS_LABEL);
    // The LWS controller's longest derived name: <lws>-<group index>-<10-char revision hash>.
    expect(`${lws}-63-0123456789`.length).toBeLessThanOrEqual(63);
  });

  it('differ between same-named replicas of two namespaces', () => {
    const a = { namespace: 'team-a', name: 'chat' };
    const b = { namespace: 'team-b', name: 'chat' };
    for (const nameOf of [servingName, poolName, endpointPickerName]) expect(nameOf(a)).not.toBe(nameOf(b));
    expect(workloadName(a, engine('main', 'Gang'))).not.toBe(workloadName(b, engine('main', 'Gang')));
    expect(claimTemplateName(a, 'main', 'Leader')).not.toBe(claimTemplateName(b, 'main', 'Leader'));
  });

  it('differ for inputs that sanitise alike', () => {
    expect(servingName({ namespace: 'ns', name: 'a.b' })).not.toBe(servingName({ namespace: 'ns', name: 'a-b' }));
  });

  it('never give a workload the name of a Service the step composes', () => {
    // An engine named `epp` hashes exactly the endpoint picker's parts under the conventional rule.
    expect(remoteName(`${id.name}-epp`, 63, id.namespace, id.name, 'epp')).toBe(endpointPickerName(id));
    for (const shape of ['Standalone', 'Gang'] as const) {
      const name = workloadName(id, engine('epp', shape));
      expect(name).not.toBe(endpointPickerName(id));
      expect(name).not.toBe(servingName(id));
      expect(name).toBe(remoteName(`${id.name}-epp`, shape === 'Gang' ? 49 : 63, id.namespace, id.name, 'epp', 'workload'));
    }
    for (const engineName of ['serve', 'pool', 'main', 'x']) {
      const name = workloadName(id, engine(engineName, 'Gang'));
      expect([servingName(id), endpointPickerName(id)]).not.toContain(name);
    }
  });

  it('are the same whatever was asked before on the same identity', () => {
    const ask = (of: { namespace: string; name: string }, order: number[]): string[] => {
      const questions = [
        () => workloadName(of, engine('epp', 'Gang')),
        () => workloadName(of, engine('epp', 'Standalone')),
        () => workloadName(of, engine('main', 'Gang')),
        () => endpointPickerName(of),
        () => servingName(of),
        () => poolName(of),
        () => claimTemplateName(of, 'main', 'Leader'),
        () => claimTemplateName(of, 'main', 'Worker'),
      ];
      const answers: string[] = [];
      for (const q of order) answers[q] = questions[q]!();
      return answers;
    };
    const forward = ask({ namespace: 'ns', name: 'r' }, [0, 1, 2, 3, 4, 5, 6, 7]);
    const shared = { namespace: 'ns', name: 'r' };
    expect(ask(shared, [7, 6, 5, 4, 3, 2, 1, 0])).toStrictEqual(forward);
    expect(ask(shared, [1, 6, 3, 0, 5, 7, 2, 4])).toStrictEqual(forward);
    // (An engine's shape changes its name only when the name is long enough to be cut.)
    expect(new Set([forward[0], forward[2], forward[3], forward[4], forward[5], forward[6], forward[7]]).size).toBe(7);
    expect(ask({ namespace: 'ns', name: 'r2' }, [0, 1, 2, 3, 4, 5, 6, 7])).not.toContain(forward[4]);
  });
});
