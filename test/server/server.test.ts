// The gRPC server's own behaviour, with a trivial handler: credentials, message limits, drain.
// Nothing here knows what the function composes.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import type { RunFunctionRequest, RunFunctionResponse } from '@crossplane-org/function-sdk-typescript';
import { baseResponse } from '../../src/response.js';
import { serverCredentials, startFunctionServer, type FunctionServer, type RunFunctionHandler } from '../../src/server.js';
import { connectFunction } from '../../src/render/client.js';
import { makeTestPki, type TestPki } from '../helpers/certs.js';
import { functionRequest } from '../helpers/grpc.js';

const silent = pino({ level: 'silent' });

const echo: RunFunctionHandler = (req) => {
  const rsp = baseResponse(req);
  rsp.results.push({ severity: 3, message: `echo ${req.meta?.tag ?? ''}` });
  return rsp;
};

function request(tag: string, padding = 0): RunFunctionRequest {
  return functionRequest({ tag, xr: { apiVersion: 'example.org/v1', kind: 'X', pad: 'x'.repeat(padding) } });
}

function grpcCode(promise: Promise<unknown>): Promise<number | 'ok'> {
  return promise.then(
    () => 'ok' as const,
    (e: grpc.ServiceError) => e.code,
  );
}

describe('mutual TLS', () => {
  let pki: TestPki;
  let server: FunctionServer;
  beforeAll(async () => {
    pki = makeTestPki();
    server = await startFunctionServer(echo, { address: '127.0.0.1:0', tlsServerCertsDir: pki.serverDir, insecure: false, maxRecvMessageSize: 1 << 20 }, silent);
  });
  afterAll(() => server.drain(1000));
  const target = () => `localhost:${server.port}`;

  it('serves a client whose certificate the CA signed', async () => {
    const client = connectFunction(target(), grpc.credentials.createSsl(Buffer.from(pki.ca.cert), Buffer.from(pki.client.key), Buffer.from(pki.client.cert)));
    const rsp = await client.runFunction(request('mtls'));
    expect(rsp.results[0]?.message).toBe('echo mtls');
    client.close();
  });

  it('refuses a TLS client that presents no certificate', async () => {
    const client = connectFunction(target(), grpc.credentials.createSsl(Buffer.from(pki.ca.cert)));
    expect(await grpcCode(client.runFunction(request('anonymous'), { deadlineMs: 5000 }))).toBe(grpc.status.UNAVAILABLE);
    client.close();
  });

  it('refuses a client certificate signed by another CA', async () => {
    const client = connectFunction(target(), grpc.credentials.createSsl(Buffer.from(pki.ca.cert), Buffer.from(pki.rogueClient.key), Buffer.from(pki.rogueClient.cert)));
    expect(await grpcCode(client.runFunction(request('rogue'), { deadlineMs: 5000 }))).toBe(grpc.status.UNAVAILABLE);
    client.close();
  });

  it('refuses a plaintext client', async () => {
    const client = connectFunction(target());
    expect(await grpcCode(client.runFunction(request('plain'), { deadlineMs: 5000 }))).toBe(grpc.status.UNAVAILABLE);
    client.close();
  });
});

describe('server credentials', () => {
  it('names the missing TLS file', () => {
    expect(() => serverCredentials({ address: 'x', tlsServerCertsDir: '/nonexistent/certs', insecure: false, maxRecvMessageSize: 1 })).toThrow(
      'cannot read TLS file /nonexistent/certs/tls.key: ENOENT',
    );
  });
  it('needs a directory unless insecure', () => {
    expect(() => serverCredentials({ address: 'x', insecure: false, maxRecvMessageSize: 1 })).toThrow(/TLS is required/);
  });
});

describe('message size limit', () => {
  let server: FunctionServer;
  beforeAll(async () => {
    server = await startFunctionServer(echo, { address: '127.0.0.1:0', insecure: true, maxRecvMessageSize: 64 * 1024 }, silent);
  });
  afterAll(() => server.drain(1000));

  it('rejects an oversized request with RESOURCE_EXHAUSTED and keeps serving', async () => {
    const client = connectFunction(`127.0.0.1:${server.port}`);
    expect(await grpcCode(client.runFunction(request('big', 100 * 1024)))).toBe(grpc.status.RESOURCE_EXHAUSTED);
    const rsp = await client.runFunction(request('small', 1024));
    expect(rsp.results[0]?.message).toBe('echo small');
    client.close();
  });
});

describe('drain', () => {
  it('lets in-flight calls finish, refuses new ones, then resolves', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const inFlight = new Promise<void>((resolve) => (started = resolve));
    const slow: RunFunctionHandler = async (req) => {
      started();
      await gate;
      return echo(req) as RunFunctionResponse;
    };
    const server = await startFunctionServer(slow, { address: '127.0.0.1:0', insecure: true, maxRecvMessageSize: 1 << 20 }, silent);
    const client = connectFunction(`127.0.0.1:${server.port}`);
    const first = client.runFunction(request('in-flight'));
    await inFlight;
    let drained = false;
    const draining = server.drain(10_000).then(() => (drained = true));
    const late = connectFunction(`127.0.0.1:${server.port}`);
    expect(await grpcCode(late.runFunction(request('late'), { deadlineMs: 2000 }))).not.toBe('ok');
    expect(drained).toBe(false);
    release();
    expect((await first).results[0]?.message).toBe('echo in-flight');
    await draining;
    expect(drained).toBe(true);
    client.close();
    late.close();
  });

  it('a call whose deadline passes is abandoned without affecting the others', async () => {
    const slowOnce: RunFunctionHandler = async (req) => {
      if (req.meta?.tag === 'slow') await new Promise((r) => setTimeout(r, 300));
      return echo(req) as RunFunctionResponse;
    };
    const server = await startFunctionServer(slowOnce, { address: '127.0.0.1:0', insecure: true, maxRecvMessageSize: 1 << 20 }, silent);
    const client = connectFunction(`127.0.0.1:${server.port}`);
    const slow = grpcCode(client.runFunction(request('slow'), { deadlineMs: 50 }));
    const fast = client.runFunction(request('fast'));
    expect((await fast).results[0]?.message).toBe('echo fast');
    expect(await slow).toBe(grpc.status.DEADLINE_EXCEEDED);
    await new Promise((r) => setTimeout(r, 350));
    expect((await client.runFunction(request('after'))).results[0]?.message).toBe('echo after');
    client.close();
    await server.drain(1000);
  });
});
