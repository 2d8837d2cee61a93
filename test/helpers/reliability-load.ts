// The load run shared by the CI load test and scripts/soak.ts: many concurrent clients making a
// mixed stream of calls against the in-process server, every call checked, latencies collected,
// and the process's memory sampled after a forced collection so a leak shows as a growth trend.
import type { RunFunctionRequest } from '@crossplane-org/function-sdk-typescript';
import type { RunFunctionHandler } from '../../src/server.js';
import { fleetDeploymentRequest, smallReplicaRequest } from './reliability-fleet.js';
import { call, connectClients, garbageCollector, percentile, runConcurrently, slope, startLoopbackServer } from './reliability-harness.js';

export interface LoadOptions {
  calls: number;
  clients: number;
  /** Out of every 20 calls: how many are small ModelReplica, medium and large ModelDeployment requests. */
  mix: { small: number; medium: number; large: number };
  /** Memory samples taken over the run. */
  samples: number;
  /** The share of the run before memory is trusted (caches, JIT and pools fill up first). */
  warmup: number;
  deadlineMs: number;
  /** Serve this instead of the real RunFunction (to check that the leak detector detects). */
  handler?: RunFunctionHandler;
}

export interface MemorySample {
  calls: number;
  rssMb: number;
  heapMb: number;
}

export interface LoadReport {
  calls: number;
  clients: number;
  seconds: number;
  errors: string[];
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  samples: MemorySample[];
  /** Fitted growth over the measured part of the run (after warm-up), in MiB. */
  rssGrowthMb: number;
  heapGrowthMb: number;
}

interface Workload {
  kind: 'small' | 'medium' | 'large';
  request: RunFunctionRequest;
  /** What a correct answer contains, checked on every call. */
  expectKeys: (keys: string[]) => boolean;
}

function workloads(): Record<Workload['kind'], Workload[]> {
  const composes = (prefix: string) => (keys: string[]) => keys.some((k) => k.startsWith(prefix));
  return {
    small: [
      { kind: 'small', request: smallReplicaRequest('load-small'), expectKeys: composes('workload-main') },
      { kind: 'small', request: smallReplicaRequest('load-small-pd', { pd: true }), expectKeys: composes('epp-deployment') },
    ],
    medium: [{ kind: 'medium', request: fleetDeploymentRequest({ clusters: 20, foreignReplicas: 40, ownReplicas: 3 }, 'load-medium'), expectKeys: composes('replica-') }],
    large: [{ kind: 'large', request: fleetDeploymentRequest({ clusters: 200, foreignReplicas: 400, ownReplicas: 10 }, 'load-large'), expectKeys: composes('replica-') }],
  };
}

/** Call i's workload: a fixed, interleaved pattern, so every run sends the same stream. */
function schedule(opts: LoadOptions): Workload[] {
  const pool = workloads();
  const pattern: Workload['kind'][] = [];
  for (const kind of ['small', 'medium', 'large'] as const) for (let i = 0; i < opts.mix[kind]; i++) pattern.push(kind);
  if (pattern.length === 0) throw new Error('the load mix is empty');
  // Interleave, so a large call is never followed by a run of more large calls.
  const spread = pattern.map((kind, i) => ({ kind, at: (i * 7) % pattern.length })).sort((a, b) => a.at - b.at);
  return Array.from({ length: opts.calls }, (_, i) => {
    const kind = spread[i % spread.length]!.kind;
    const choices = pool[kind];
    return choices[Math.floor(i / spread.length) % choices.length]!;
  });
}

export async function runLoad(opts: LoadOptions, progress?: (line: string) => void): Promise<LoadReport> {
  const gc = garbageCollector();
  const { server, target } = await startLoopbackServer({ handler: opts.handler });
  const clients = connectClients(target, opts.clients);
  const stream = schedule(opts);
  const latencies: number[] = [];
  const errors: string[] = [];
  const samples: MemorySample[] = [];
  const sampleEvery = Math.max(1, Math.floor(opts.calls / opts.samples));
  let done = 0;
  const sample = (): void => {
    gc();
    const m = process.memoryUsage();
    samples.push({ calls: done, rssMb: m.rss / 2 ** 20, heapMb: m.heapUsed / 2 ** 20 });
  };
  const started = performance.now();
  try {
    sample();
    await runConcurrently(stream, opts.clients, async (work, worker) => {
      const outcome = await call(clients[worker]!, work.request, opts.deadlineMs);
      latencies.push(outcome.ms);
      if (!outcome.ok) errors.push(`${work.kind}: gRPC status ${outcome.code} ${outcome.details}`);
      else if (!work.expectKeys(Object.keys(outcome.response.desired?.resources ?? {}))) errors.push(`${work.kind}: unexpected response`);
      done++;
      if (done % sampleEvery === 0) {
        sample();
        if (progress && samples.length % 10 === 0) progress(`${done}/${opts.calls} calls, rss ${samples.at(-1)!.rssMb.toFixed(0)} MiB`);
      }
    });
  } finally {
    for (const c of clients) c.close();
    await server.drain(5_000);
  }
  const seconds = (performance.now() - started) / 1000;
  const measured = samples.filter((s) => s.calls >= opts.calls * opts.warmup);
  const span = measured.length > 1 ? measured.at(-1)!.calls - measured[0]!.calls : 0;
  const growth = (pick: (s: MemorySample) => number): number =>
    measured.length > 2 ? slope(measured.map((s) => s.calls), measured.map(pick)) * span : 0;
  return {
    calls: opts.calls,
    clients: opts.clients,
    seconds,
    errors,
    latencyMs: { p50: percentile(latencies, 50), p90: percentile(latencies, 90), p99: percentile(latencies, 99), max: Math.max(...latencies) },
    samples,
    rssGrowthMb: growth((s) => s.rssMb),
    heapGrowthMb: growth((s) => s.heapMb),
  };
}

export function formatReport(r: LoadReport): string {
  const first = r.samples[0];
  const last = r.samples.at(-1);
  return [
    `${r.calls} calls from ${r.clients} clients in ${r.seconds.toFixed(1)} s (${(r.calls / r.seconds).toFixed(0)} calls/s), ${r.errors.length} errors`,
    `latency ms: p50 ${r.latencyMs.p50.toFixed(1)}, p90 ${r.latencyMs.p90.toFixed(1)}, p99 ${r.latencyMs.p99.toFixed(1)}, max ${r.latencyMs.max.toFixed(1)}`,
    `memory after GC: rss ${first?.rssMb.toFixed(0)} -> ${last?.rssMb.toFixed(0)} MiB, heap ${first?.heapMb.toFixed(1)} -> ${last?.heapMb.toFixed(1)} MiB; ` +
      `fitted growth after warm-up: rss ${r.rssGrowthMb.toFixed(1)} MiB, heap ${r.heapGrowthMb.toFixed(1)} MiB`,
  ].join('\n');
}

/**
 * A sustained growth trend, or undefined. The thresholds are tolerant on purpose: allocator pages
 * and JIT code make RSS noisy, but a leak of a few kilobytes per call over thousands of calls
 * still crosses them; the heap after a forced collection is far steadier, so its bound is tighter.
 */
export function leakVerdict(r: LoadReport, limits = { rssMb: 64, heapMb: 24 }): string | undefined {
  const problems: string[] = [];
  if (r.rssGrowthMb > limits.rssMb) problems.push(`RSS grows ${r.rssGrowthMb.toFixed(1)} MiB over the measured run (limit ${limits.rssMb})`);
  if (r.heapGrowthMb > limits.heapMb) problems.push(`the heap grows ${r.heapGrowthMb.toFixed(1)} MiB over the measured run (limit ${limits.heapMb})`);
  return problems.length > 0 ? problems.join('; ') : undefined;
}
