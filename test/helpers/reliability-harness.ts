// Running the real function server on loopback and driving it with many concurrent gRPC calls:
// the in-process server, the real process, outcomes with timings, and the statistics the load
// tests report (percentiles, memory samples and their trend).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import type { RunFunctionRequest, RunFunctionResponse } from '@crossplane-org/function-sdk-typescript';
import { runFunction } from '../../src/function.js';
import { DEFAULT_MAX_RECV_MESSAGE_SIZE, startFunctionServer, type FunctionServer, type RunFunctionHandler } from '../../src/server.js';
import { connectFunction, type FunctionClient } from '../../src/render/client.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface LoopbackServer {
  server: FunctionServer;
  target: string;
}

/** The real RunFunction on an insecure loopback port, as `--insecure` serves it. */
export async function startLoopbackServer(
  opts: { maxRecvMessageSize?: number; handler?: RunFunctionHandler } = {},
): Promise<LoopbackServer> {
  const server = await startFunctionServer(
    opts.handler ?? runFunction,
    { address: '127.0.0.1:0', insecure: true, maxRecvMessageSize: opts.maxRecvMessageSize ?? DEFAULT_MAX_RECV_MESSAGE_SIZE },
    pino({ level: 'silent' }),
  );
  return { server, target: `127.0.0.1:${server.port}` };
}

/** `count` clients, each on its own channel (its own HTTP/2 connection), as separate callers would be. */
export function connectClients(target: string, count: number): FunctionClient[] {
  // A distinct channel option keeps grpc-js from sharing one subchannel among the clients.
  return Array.from({ length: count }, (_, i) => connectFunction(target, grpc.credentials.createInsecure(), { 'grpc.client_id': i } as grpc.ChannelOptions));
}

export type CallOutcome =
  | { ok: true; response: RunFunctionResponse; ms: number }
  | { ok: false; code: number; details: string; ms: number };

export async function call(client: FunctionClient, req: RunFunctionRequest, deadlineMs: number): Promise<CallOutcome> {
  const started = performance.now();
  try {
    const response = await client.runFunction(req, { deadlineMs });
    return { ok: true, response, ms: performance.now() - started };
  } catch (error) {
    const e = error as grpc.ServiceError;
    return { ok: false, code: e.code ?? -1, details: e.details ?? String(error), ms: performance.now() - started };
  }
}

/**
 * Runs `work(item, worker)` over every item with `workers` callers at a time; worker `w` always
 * uses the same client, as one caller per connection would.
 */
export async function runConcurrently<T, R>(items: readonly T[], workers: number, work: (item: T, worker: number, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const loop = async (worker: number): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) results[i] = await work(items[i]!, worker, i);
  };
  await Promise.all(Array.from({ length: Math.min(workers, items.length) }, (_, w) => loop(w)));
  return results;
}

export function grpcStatusName(code: number): string {
  return (grpc.status as unknown as Record<number, string>)[code] ?? String(code);
}

// ---- The real process -------------------------------------------------------------------------

export interface FunctionProcess {
  child: ChildProcessWithoutNullStreams;
  /** Resolves with the bound port once the server logs that it listens; rejects if it exits first. */
  listening: Promise<number>;
  exited: Promise<number | null>;
  output(): { stdout: string; stderr: string };
}

/** `node src/main.ts <args>` through tsx, as the package runtime starts the built dist/main.js. */
export function startFunctionProcess(args: string[], env: NodeJS.ProcessEnv = {}): FunctionProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: '', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const listening = new Promise<number>((resolve, reject) => {
    child.stdout.on('data', () => {
      const line = stdout.split('\n').find((l) => l.includes('function server listening'));
      if (line) resolve(JSON.parse(line).port as number);
    });
    void exited.then((code) => reject(new Error(`function process exited ${code}: ${stderr}${stdout}`)));
  });
  listening.catch(() => undefined);
  return { child, listening, exited, output: () => ({ stdout, stderr }) };
}

// ---- Statistics -------------------------------------------------------------------------------

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Least-squares slope of y over x. */
export function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/**
 * A way to force a full garbage collection: `global.gc` when node runs with --expose-gc, else the
 * same function obtained at run time (jest does not pass node flags through to its workers).
 */
export function garbageCollector(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}
