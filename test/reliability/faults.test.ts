// Faults beyond test/server (which covers refusing clients without a certificate, the message limit
// with a trivial handler, draining in-process, deadlines and the process's start-up): the real
// process stopped with calls in flight, broken TLS files, fleet-sized requests at the default
// limit, requests nested deeper than usual, and requests built to be expensive.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { RunFunctionRequest } from '@crossplane-org/function-sdk-typescript';
import { connectFunction } from '../../src/render/client.js';
import { DEFAULT_MAX_RECV_MESSAGE_SIZE } from '../../src/server.js';
import { makeTestPki, type TestPki } from '../helpers/certs.js';
import {
  fleetDeploymentRequest,
  functionRequest,
  inferenceCluster,
  modelDeployment,
  standaloneEngine,
  type Json,
  type JsonObject,
} from '../helpers/reliability-fleet.js';
import { call, connectClients, grpcStatusName, runConcurrently, startFunctionProcess, startLoopbackServer, type LoopbackServer } from '../helpers/reliability-harness.js';

const MiB = 2 ** 20;

function encodedSize(req: RunFunctionRequest): number {
  return RunFunctionRequest.encode(req).finish().length;
}

function logLines(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('SIGTERM with many calls in flight (the real process)', () => {
  it('completes every call in flight, refuses new ones, and exits 0', async () => {
    const proc = startFunctionProcess(['--insecure', '--address', '127.0.0.1:0']);
    try {
      const port = await proc.listening;
      const target = `127.0.0.1:${port}`;
      const clients = connectClients(target, 8);
      // Medium fleet requests: enough work that most calls are still queued when the signal lands.
      const request = fleetDeploymentRequest({ clusters: 60, foreignReplicas: 120, ownReplicas: 4 }, 'in-flight');
      await clients[0]!.runFunction(request); // warm up, so the burst below is all steady-state work
      let signalledAt = 0;
      const finishedAt: number[] = [];
      const inFlight = runConcurrently(Array.from({ length: 64 }, (_, i) => i), 64, async (i) => {
        const outcome = await call(clients[i % clients.length]!, request, 60_000);
        finishedAt.push(performance.now());
        if (finishedAt.length === 1) {
          // The server is working through the burst: stop it now.
          proc.child.kill('SIGTERM');
          signalledAt = performance.now();
        }
        return outcome;
      });
      const outcomes = await inFlight;
      const late = connectFunction(target);
      const refused = await call(late, request, 5_000);
      late.close();
      for (const c of clients) c.close();

      expect(outcomes.filter((o) => !o.ok).map((o) => (o.ok ? '' : `${grpcStatusName(o.code)} ${o.details}`))).toEqual([]);
      expect(outcomes.every((o) => o.ok && Object.keys(o.response.desired?.resources ?? {}).length > 0)).toBe(true);
      // Most of the burst was answered after the signal: those calls were in flight when it came.
      expect(finishedAt.filter((t) => t > signalledAt).length).toBeGreaterThan(32);
      expect(refused.ok ? 'served' : grpcStatusName(refused.code)).toBe('UNAVAILABLE');
      expect(await proc.exited).toBe(0);
      expect(logLines(proc.output().stdout).map((l) => l.msg)).toEqual(expect.arrayContaining(['draining in-flight calls', 'stopped']));
    } finally {
      proc.child.kill('SIGKILL');
    }
  }, 60_000);
});

describe('invalid TLS files', () => {
  let pki: TestPki;
  beforeAll(() => {
    pki = makeTestPki();
  });

  /** A copy of the valid server directory with one file broken. */
  function certsDirWith(file: 'tls.key' | 'tls.crt' | 'ca.crt', content: string): string {
    const dir = mkdtempSync(join(tmpdir(), 'modelplane-bad-tls-'));
    for (const f of ['tls.key', 'tls.crt', 'ca.crt']) copyFileSync(join(pki.serverDir, f), join(dir, f));
    writeFileSync(join(dir, file), content);
    return dir;
  }

  it.each<[string, 'tls.key' | 'tls.crt' | 'ca.crt', () => string]>([
    ['a private key that is not PEM', 'tls.key', () => 'not a key'],
    ['a certificate with a corrupt body', 'tls.crt', () => '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'],
    ['a key that does not belong to the certificate', 'tls.key', () => pki.client.key],
    ['a CA bundle that holds no certificate', 'ca.crt', () => 'hello'],
  ])('%s: exits non-zero with an error naming the file', async (_, file, content) => {
    const dir = certsDirWith(file, content());
    const proc = startFunctionProcess(['--address', '127.0.0.1:0', '--tls-server-certs-dir', dir]);
    const stillRunning = setTimeout(() => proc.child.kill('SIGKILL'), 8_000);
    try {
      const code = await proc.exited;
      const fatal = logLines(proc.output().stdout).find((l) => l.severity === 'FATAL');
      expect({ code, listening: proc.output().stdout.includes('function server listening') }).toEqual({ code: 1, listening: false });
      expect(fatal).toMatchObject({ msg: 'cannot start the function server' });
      expect(String(fatal?.error)).toContain(join(dir, file));
    } finally {
      clearTimeout(stillRunning);
      proc.child.kill('SIGKILL');
    }
  }, 30_000);
});

describe('fleet-sized requests at the default 64 MiB limit', () => {
  let loop: LoopbackServer;
  beforeAll(async () => {
    loop = await startLoopbackServer();
  });
  afterAll(() => loop.server.drain(5_000));

  it('accepts a 10 MiB request for a 2,500-cluster fleet, rejects 65 MiB, and keeps serving', async () => {
    expect(DEFAULT_MAX_RECV_MESSAGE_SIZE).toBe(64 * MiB);
    const client = connectFunction(loop.target);
    const fleet = fleetDeploymentRequest({ clusters: 2_500, foreignReplicas: 5_000, ownReplicas: 20 }, 'fleet');
    const size = encodedSize(fleet);
    expect(size).toBeGreaterThan(10 * MiB);
    expect(size).toBeLessThan(12 * MiB);
    const served = await call(client, fleet, 60_000);
    expect(served.ok && served.response.conditions.find((c) => c.type === 'ReplicasScheduled')?.reason).toBe('Scheduled');

    const oversized = fleetDeploymentRequest({ clusters: 20, foreignReplicas: 0 }, 'oversized');
    (oversized.observed!.composite!.resource as JsonObject).metadata = { name: 'fleet-model', namespace: 'ml-team', annotations: { padding: 'x'.repeat(65 * MiB) } };
    expect(encodedSize(oversized)).toBeGreaterThan(65 * MiB);
    const rejected = await call(client, oversized, 60_000);
    expect(rejected.ok ? 'served' : grpcStatusName(rejected.code)).toBe('RESOURCE_EXHAUSTED');

    const after = await call(client, fleetDeploymentRequest({ clusters: 3, foreignReplicas: 3, ownReplicas: 1 }, 'after'), 10_000);
    expect(after.ok).toBe(true);
    client.close();
  }, 120_000);

  it('answers the largest ModelDeployment the XRD allows over a 1,000-cluster fleet in bounded time', async () => {
    // 8 gang engines of 1 + 8 nodes each and 256 replicas: the scheduler's worst case is bounded.
    const member = (role: string): JsonObject => ({
      role,
      ...(role === 'Worker' ? { worker: { nodes: 8 } } : {}),
      nodeSelector: { devices: [{ name: 'gpu', count: 8, selectors: [{ cel: 'device.driver == "gpu.nvidia.com"' }] }] },
      template: { spec: { containers: [{ name: 'engine', image: 'vllm/vllm-openai:v0.11.0' }] } },
    });
    const engines: Json = Array.from({ length: 8 }, (_, i) => ({ name: `e${i}`, copies: 1, members: [member('Leader'), member('Worker')] }));
    const pools: JsonObject[] = Array.from({ length: 8 }, (_, i) => ({
      name: `p${i}`,
      nodes: 20,
      devices: [{ name: 'gpu', driver: 'gpu.nvidia.com', deviceClassName: 'gpu.nvidia.com', count: 8 }],
    }));
    const clusters = Array.from({ length: 1_000 }, (_, i) => inferenceCluster(`c-${i}`, { pools }));
    const req = functionRequest({ composite: modelDeployment('big', 'ml-team', { replicas: 256, engines }), required: { clusters, replicas: [] } });
    const client = connectFunction(loop.target);
    const outcome = await call(client, req, 20_000);
    client.close();
    expect(outcome.ok ? outcome.ms : grpcStatusName(outcome.code)).toBeLessThan(20_000);
    expect(outcome.ok && Object.keys(outcome.response.desired?.resources ?? {}).length).toBe(256);
  }, 60_000);

  it('answers a request whose InferenceCluster nests 64 levels deep in its open spec', async () => {
    // The InferenceCluster's spec preserves unknown fields, so the API server accepts any depth
    // (its own JSON limit is 10,000 levels) and Crossplane forwards it.
    let deep: Json = 'leaf';
    for (let i = 0; i < 64; i++) deep = { nested: deep };
    const cluster = inferenceCluster('us-east-1');
    cluster.spec = { agentConfig: deep };
    const req = functionRequest({
      composite: modelDeployment('chat', 'ml-team', { replicas: 1, engines: [standaloneEngine('main')] }),
      required: { clusters: [cluster], replicas: [] },
    });
    const client = connectFunction(loop.target);
    const outcome = await call(client, req, 10_000);
    client.close();
    expect(outcome.ok ? 'answered' : `${grpcStatusName(outcome.code)}: ${outcome.details}`).toBe('answered');
  });
});

describe('a selector built to be expensive (the real process)', () => {
  it('is answered within a reconcile deadline instead of stalling the function', async () => {
    // Seven nested comprehensions over ten elements: 10^7 evaluations, 250 characters, well within
    // the XRD's 10,240. The function serves every XR of the control plane from one thread.
    const nest = (levels: number): string =>
      levels === 0 ? 'device.driver == "gpu.nvidia.com"' : `[0,1,2,3,4,5,6,7,8,9].all(x${levels}, ${nest(levels - 1)})`;
    const req = functionRequest({
      composite: modelDeployment('costly', 'ml-team', { replicas: 1, engines: [standaloneEngine('main', { selector: nest(7) })] }),
      required: { clusters: [inferenceCluster('us-east-1')], replicas: [] },
    });
    const proc = startFunctionProcess(['--insecure', '--address', '127.0.0.1:0']);
    try {
      const client = connectFunction(`127.0.0.1:${await proc.listening}`, grpc.credentials.createInsecure());
      const outcome = await call(client, req, 5_000);
      client.close();
      expect(outcome.ok ? 'answered' : grpcStatusName(outcome.code)).toBe('answered');
    } finally {
      proc.child.kill('SIGKILL');
    }
  }, 30_000);
});
