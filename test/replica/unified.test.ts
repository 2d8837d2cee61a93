import { describe, expect, it } from '@jest/globals';
import { DEFAULT_INPUT, type FunctionInput } from '../../src/api/input.js';
import type { KubeObject } from '../../src/api/types.js';
import { servingName } from '../../src/replica/names.js';
import { readReplica } from '../../src/replica/read-replica.js';
import { composeUnifiedRouting } from '../../src/replica/routing/unified.js';
import { composeWorkloads } from '../../src/replica/workloads/compose.js';
import { gangEngine, replicaXR, standaloneEngine } from './fixtures.js';

function route(composite: KubeObject, input: FunctionInput = DEFAULT_INPUT) {
  const reading = readReplica(composite);
  if (!reading.ok) throw new Error(reading.problems.join('; '));
  const { workloads } = composeWorkloads(reading.replica, input);
  const outcome = composeUnifiedRouting(reading.replica, workloads, input);
  if (!outcome.ok) throw new Error(outcome.message);
  return { replica: reading.replica, ...outcome };
}

const byKey = (resources: { key: string; manifest: unknown }[], key: string) => resources.find((r) => r.key === key)!.manifest;

describe('Unified serving', () => {
  const composite = replicaXR({ name: 'chat-1', namespace: 'team-a', engines: [standaloneEngine('a'), gangEngine('b')] });
  const outcome = route(composite);
  const name = servingName(outcome.replica);

  it('leaves the workloads as composed', () => {
    expect(outcome.workloads.map((w) => w.manifest)).toEqual(composeWorkloads(outcome.replica, DEFAULT_INPUT).workloads.map((w) => w.manifest));
  });

  it('adds exactly a Service and an HTTPRoute, both named with the serving name', () => {
    expect(outcome.resources.map((r) => [r.key, r.manifest.kind, r.manifest.metadata.name, r.readiness])).toEqual([
      ['service', 'Service', name, 'Created'],
      ['route', 'HTTPRoute', name, 'Created'],
    ]);
  });

  it('fronts every serving pod with one ClusterIP Service, 80 → 8000 `http`', () => {
    expect(byKey(outcome.resources, 'service')).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: 'default', labels: { 'app.kubernetes.io/managed-by': 'modelplane' } },
      spec: {
        type: 'ClusterIP',
        selector: { 'modelplane.ai/serving': name },
        ports: [{ name: 'http', port: 80, targetPort: 8000 }],
      },
    });
  });

  it('exposes the Service on the Input gateway under /<namespace>/<name>/, rewritten to /, with no timeout', () => {
    const input = { ...DEFAULT_INPUT, gateway: { name: 'edge', namespace: 'gw-system' } };
    expect(byKey(route(composite, input).resources, 'route')).toEqual({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name, namespace: 'default', labels: { 'app.kubernetes.io/managed-by': 'modelplane' } },
      spec: {
        parentRefs: [{ name: 'edge', namespace: 'gw-system' }],
        rules: [
          {
            matches: [{ path: { type: 'PathPrefix', value: '/team-a/chat-1/' } }],
            filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } }],
            timeouts: { request: '0s' },
            backendRefs: [{ name, port: 80 }],
          },
        ],
      },
    });
  });

  it('warns about each serving member whose flags say another --port, and only those', () => {
    const warned = route(
      replicaXR({
        engines: [
          standaloneEngine('a', { args: ['--port', '9000'] }),
          standaloneEngine('b', { args: ['--port', '8000'] }),
          gangEngine('c', { leader: { command: ['sh', '-c', 'exec vllm serve --port=7000'] } }),
          gangEngine('d', { worker: { args: ['--port', '6000'] } }),
        ],
      }),
    );
    expect(warned.warnings.map((w) => [w.reason, w.message.split(' sets ')[0]])).toEqual([
      ['ServingPort', 'engine "a"'],
      ['ServingPort', 'engine "c"'],
    ]);
    expect(outcome.warnings).toEqual([]);
  });
});
