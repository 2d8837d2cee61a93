// A real function server on a loopback port and a real client, for tests that go over the wire.
import { pino } from 'pino';
import type { RunFunctionRequest, RunFunctionResponse } from '@crossplane-org/function-sdk-typescript';
import type { KubeObject } from '../../src/api/types.js';
import { runFunction } from '../../src/function.js';
import { startFunctionServer, type RunFunctionHandler } from '../../src/server.js';
import { connectFunction, type FunctionClient } from '../../src/render/client.js';

export interface Wire {
  client: FunctionClient;
  call(req: RunFunctionRequest): Promise<RunFunctionResponse>;
  stop(): Promise<void>;
}

export async function startWire(handler: RunFunctionHandler = runFunction): Promise<Wire> {
  const server = await startFunctionServer(handler, { address: '127.0.0.1:0', insecure: true, maxRecvMessageSize: 64 * 1024 * 1024 }, pino({ level: 'silent' }));
  const client = connectFunction(`127.0.0.1:${server.port}`);
  return {
    client,
    call: (req) => client.runFunction(req),
    stop: async () => {
      client.close();
      await server.drain(1000);
    },
  };
}

export interface RequestParts {
  xr?: KubeObject;
  observed?: Record<string, KubeObject>;
  /** Required resources by key; a key left out is unresolved. */
  required?: Record<string, KubeObject[]>;
  input?: unknown;
  tag?: string;
}

export function functionRequest(parts: RequestParts): RunFunctionRequest {
  const resources: Record<string, { resource: KubeObject; connectionDetails: Record<string, Buffer>; ready: number }> = {};
  for (const [key, resource] of Object.entries(parts.observed ?? {})) resources[key] = { resource, connectionDetails: {}, ready: 0 };
  const requiredResources: RunFunctionRequest['requiredResources'] = {};
  for (const [key, items] of Object.entries(parts.required ?? {})) {
    requiredResources[key] = { items: items.map((resource) => ({ resource, connectionDetails: {}, ready: 0 })) };
  }
  return {
    meta: { tag: parts.tag ?? 'test', capabilities: [] },
    observed: { composite: parts.xr ? { resource: parts.xr, connectionDetails: {}, ready: 0 } : undefined, resources },
    desired: undefined,
    input: parts.input as RunFunctionRequest['input'],
    context: undefined,
    extraResources: {},
    credentials: {},
    requiredResources,
    requiredSchemas: {},
  };
}
