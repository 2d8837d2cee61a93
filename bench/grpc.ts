// Measurements over gRPC: latency of one request against the product and the floor, called
// alternately, and throughput of many concurrent calls.
import { setTimeout as sleep } from 'node:timers/promises';
import { Severity, type RunFunctionRequest, type RunFunctionResponse } from '@crossplane-org/function-sdk-typescript';
import type { ServerHandle } from './children.js';
import { decodeResponse, encodeRequest } from './raw-client.js';
import type { ServerKind } from './server.js';
import { elapsedMs, percentile, summarize, type Summary } from './stats.js';
import type { MeasureOptions } from './worker.js';

export interface GrpcResult {
  label: string;
  clusters?: number;
  requestBytes: number;
  product: Summary;
  /** The product's handler (runFunction) alone, timed inside the server: no protobuf, no transport. */
  productHandler: Summary;
  floor: Summary;
  /** Median of the per-iteration ratios product ÷ floor (each pair measured back to back). */
  ratio: number;
  outcome: string;
}

/** One line on what a response says: composed count and conditions, or the Fatal message. */
export function describeResponse(rsp: RunFunctionResponse): string {
  const fatal = rsp.results.find((r) => r.severity === Severity.SEVERITY_FATAL);
  if (fatal) return `FATAL: ${fatal.message}`;
  const composed = Object.keys(rsp.desired?.resources ?? {}).length;
  const conditions = rsp.conditions.map((c) => `${c.type}:${c.reason}`).join(', ');
  return `${composed} composed; ${conditions}`;
}

/**
 * One timed call, then a pause as long as the call (at most 100 ms): a server keeps collecting the
 * garbage of a large request on its GC threads after answering, and on two cores that work would
 * otherwise land on the other server's next call.
 */
async function timedCall(server: ServerHandle, encoded: Buffer): Promise<number> {
  const t = process.hrtime.bigint();
  await server.raw.call(encoded);
  const ms = elapsedMs(t);
  await sleep(Math.min(100, ms));
  return ms;
}

export interface GrpcMeasureOptions extends MeasureOptions {
  /**
   * Pairs go on at least this long: a small request's 50 pairs take a second or two, and a passing
   * burst of load on this shared machine would then decide its median.
   */
  minMs: number;
}

export async function measureGrpc(
  c: { label: string; clusters?: number; request: RunFunctionRequest },
  product: ServerHandle,
  floor: ServerHandle,
  options: GrpcMeasureOptions,
): Promise<GrpcResult> {
  // One call through the project's own client, to check the answer is the real one.
  const outcome = describeResponse(await product.client.runFunction(c.request));
  const encoded = encodeRequest(c.request);
  const warmupStarted = process.hrtime.bigint();
  for (let i = 0; i < options.warmup || elapsedMs(warmupStarted) < options.warmupMs; i++) {
    await timedCall(product, encoded);
    await timedCall(floor, encoded);
  }
  await product.handlerTimes(); // drop the warm-up's
  // Alternate the two servers call by call, so drift in machine load hits both alike.
  const started = process.hrtime.bigint();
  const productMs: number[] = [];
  const floorMs: number[] = [];
  const measuring = (): boolean => {
    const elapsed = elapsedMs(started);
    return (productMs.length < options.iterations || elapsed < options.minMs) && elapsed < options.budgetMs;
  };
  while (measuring()) {
    productMs.push(await timedCall(product, encoded));
    floorMs.push(await timedCall(floor, encoded));
  }
  const ratios = productMs.map((p, i) => p / floorMs[i]!).sort((a, b) => a - b);
  return {
    label: c.label,
    clusters: c.clusters,
    requestBytes: encoded.length,
    product: summarize(productMs),
    productHandler: summarize(await product.handlerTimes()),
    floor: summarize(floorMs),
    ratio: percentile(ratios, 50),
    outcome,
  };
}

export interface ThroughputResult {
  kind: ServerKind;
  callsPerSecond: number;
  calls: number;
  errors: number;
  /** CPU time the server spent per call, all its threads (GC included). */
  serverCpuMsPerCall: number;
  /** CPU time this process, the load generator, spent per call. */
  clientCpuMsPerCall: number;
  outcome: string;
}

/**
 * Calls per second with `concurrency` calls in flight on one HTTP/2 session of the lean client,
 * after a one-second warm-up, with the CPU time each side spent per call.
 */
export async function throughput(server: ServerHandle, request: RunFunctionRequest, seconds: number, concurrency: number): Promise<ThroughputResult> {
  const encoded = encodeRequest(request);
  const first = await server.lean.call(encoded);
  const run = async (duration: number): Promise<{ calls: number; errors: number; ms: number }> => {
    let calls = 0;
    let errors = 0;
    const started = process.hrtime.bigint();
    const deadline = started + BigInt(Math.round(duration * 1e9));
    const loop = async (): Promise<void> => {
      while (process.hrtime.bigint() < deadline) {
        try {
          // The function is deterministic: an answer of another length is a different answer.
          if ((await server.lean.call(encoded)).length === first.length) calls++;
          else errors++;
        } catch {
          errors++;
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, loop));
    return { calls, errors, ms: elapsedMs(started) };
  };
  await run(Math.min(1, seconds));
  const serverCpuBefore = await server.cpuMs();
  const clientCpuBefore = process.cpuUsage();
  const measured = await run(seconds);
  const clientCpu = process.cpuUsage(clientCpuBefore);
  const serverCpuMs = (await server.cpuMs()) - serverCpuBefore;
  const answered = Math.max(1, measured.calls + measured.errors);
  return {
    kind: server.kind,
    callsPerSecond: (measured.calls / measured.ms) * 1000,
    calls: measured.calls,
    errors: measured.errors,
    serverCpuMsPerCall: serverCpuMs / answered,
    clientCpuMsPerCall: (clientCpu.user + clientCpu.system) / 1000 / answered,
    outcome: describeResponse(decodeResponse(first)),
  };
}
