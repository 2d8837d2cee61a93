// The benchmark: `npm run bench [-- --quick] [-- --json <file>]`.
//
// 1. In-process ModelDeployment scheduling (runModelDeployment on a prepared request) at 10, 100,
//    1,000 and 5,000 clusters, each size in its own process (bench/worker.ts) so its peak RSS is
//    its own; the growth exponent across sizes.
// 2. In-process ModelReplica composition (runModelReplica) for the largest and a small example.
// 3. RunFunction over gRPC on loopback against two server processes (bench/server.ts): the product
//    and the floor (bench/floor.ts), called alternately with the same payloads; ratio product ÷ floor.
// 4. Throughput of small ModelReplica calls, many in flight from one client.
// Then every target side by side with what was measured, PASS or MISS. Loopback only; it stops by
// itself (a watchdog ends it and its children if anything hangs).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { killChildren, runWorker, startServer } from './children.js';
import { deploymentRequest, gangDeployment, generateFleet, generateForeignReplicas, prefillDecodeDeployment, SeededRandom, shuffledKeys } from './fleet.js';
import { measureGrpc, throughput, type GrpcResult, type ThroughputResult } from './grpc.js';
import { largestExampleReplica, smallExampleReplica } from './replicas.js';
import { toRunFunctionRequest } from './requests.js';
import { elapsedMs, growthExponent, summarize } from './stats.js';
import type { MeasureOptions, WorkerReport } from './worker.js';

const MB = 1024 * 1024;
const RSS_LIMIT = 300 * MB;

interface Settings extends MeasureOptions {
  /** Per gRPC case: longer, as every call is followed by a pause (bench/grpc.ts). */
  grpcBudgetMs: number;
  /** Per gRPC case: pairs of calls go on at least this long, however many that makes. */
  grpcMinMs: number;
  sizes: number[];
  grpcSizes: number[];
  /** The largest fleet sent over gRPC, a few calls only, for the server's peak RSS. */
  grpcRssSize: number;
  grpcRssCalls: number;
  replicaIterations: number;
  throughputSeconds: number;
  concurrency: number;
  json?: string;
}

function measureOptions(s: Settings): MeasureOptions {
  return { iterations: s.iterations, warmup: s.warmup, warmupMs: s.warmupMs, budgetMs: s.budgetMs };
}

function parseSettings(argv: string[]): Settings {
  const quick = argv.includes('--quick');
  const jsonAt = argv.indexOf('--json');
  return {
    iterations: quick ? 10 : 50,
    warmup: quick ? 3 : 10,
    warmupMs: quick ? 300 : 2_000,
    budgetMs: quick ? 10_000 : 45_000,
    grpcBudgetMs: quick ? 10_000 : 75_000,
    grpcMinMs: quick ? 1_000 : 10_000,
    sizes: quick ? [10, 100, 1000] : [10, 100, 1000, 5000],
    grpcSizes: [50, 1000],
    grpcRssSize: quick ? 1000 : 5000,
    grpcRssCalls: quick ? 1 : 5,
    replicaIterations: quick ? 100 : 500,
    throughputSeconds: quick ? 1 : 4,
    concurrency: 32,
    json: jsonAt >= 0 ? argv[jsonAt + 1] : undefined,
  };
}

// ---- output --------------------------------------------------------------------------------------

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function ms(v: number): string {
  if (Number.isNaN(v)) return '-';
  return v < 1 ? `${v.toFixed(3)} ms` : v < 100 ? `${v.toFixed(2)} ms` : `${v.toFixed(0)} ms`;
}

const mb = (bytes: number): string => (Number.isNaN(bytes) ? '-' : `${(bytes / MB).toFixed(0)} MB`);
const count = (n: number): string => n.toLocaleString('en-US');
const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');

interface Target {
  name: string;
  goal: string;
  measured: string;
  /** undefined when it could not be measured. */
  pass: boolean | undefined;
}

const verdict = (pass: boolean | undefined): string => (pass === undefined ? 'n/a' : pass ? 'PASS' : 'MISS');

function print(text: string): void {
  process.stdout.write(`${text}\n`);
}

function section(title: string): void {
  print(`\n== ${title}\n`);
}

// ---- the four parts ------------------------------------------------------------------------------

async function inProcessScheduling(s: Settings, targets: Target[]): Promise<WorkerReport[]> {
  section('In-process ModelDeployment scheduling: runModelDeployment on a prepared request (own process per fleet size)');
  print('Fleet: 8 pools per cluster, 3 device kinds per pool (L4, A100, H100/H200 + InfiniBand, MI300X, CPU-only), 2 replicas of');
  print('other deployments pinned per cluster. "gang": 10 replicas of a Leader/Worker engine; "prefill-decode": 10 replicas of a');
  print('PrefillDecode deployment. First reconcile: nothing observed yet; steady state: all replicas observed Ready.');
  print('Times are wall clock; "CPU median" is the process CPU time per call (all threads, so GC threads count), which');
  print('leaves out time spent waiting for a core while other processes run.\n');
  const reports: WorkerReport[] = [];
  const generated = new Map<number, WorkerReport>();
  for (const size of s.sizes) {
    const dir = mkdtempSync(join(tmpdir(), 'modelplane-bench-'));
    const fixtures = await runWorker(['fixtures', String(size), dir]);
    const report = fixtures.error ? fixtures : await runWorker(['schedule', String(size), dir, JSON.stringify(measureOptions(s))]);
    rmSync(dir, { recursive: true, force: true });
    generated.set(size, fixtures);
    if (report.error) {
      print(`${count(size)} clusters: ${report.error}`);
      const limit = size === 1000 ? 20 : size === 5000 ? 100 : undefined;
      if (limit !== undefined) targets.push({ name: `schedule ${count(size)} clusters`, goal: `median < ${limit} ms`, measured: 'failed', pass: undefined });
    }
    reports.push({ ...report, clusters: size });
  }
  const rows: string[][] = [];
  const points = new Map<string, { median: { x: number; y: number }[]; min: { x: number; y: number }[] }>();
  for (const report of reports) {
    const clusters = report.clusters!;
    for (const c of report.cases) {
      const sum = summarize(c.samplesMs);
      const cpu = summarize(c.cpuSamplesMs);
      rows.push([count(clusters), c.label, String(sum.n), ms(sum.medianMs), ms(sum.p99Ms), ms(sum.minMs), ms(cpu.medianMs), c.outcome]);
      const series = points.get(c.label) ?? { median: [], min: [] };
      series.median.push({ x: clusters, y: sum.medianMs });
      series.min.push({ x: clusters, y: sum.minMs });
      points.set(c.label, series);
      const limit = clusters === 1000 ? 20 : clusters === 5000 ? 100 : undefined;
      if (limit !== undefined) {
        targets.push({ name: `schedule ${count(clusters)} clusters, ${c.label}`, goal: `median < ${limit} ms`, measured: ms(sum.medianMs), pass: sum.medianMs < limit });
      }
    }
  }
  print(table(['clusters', 'deployment', 'n', 'median', 'p99', 'min', 'CPU median', 'outcome'], rows));

  const growth: string[][] = [];
  for (const [label, series] of points) {
    const k = growthExponent(series.median);
    // Between the two largest sizes alone, where fixed per-call costs no longer hide the growth.
    const largestTwo = series.median.slice(-2);
    growth.push([
      label,
      series.median.map((p) => count(p.x)).join(', '),
      k.toFixed(2),
      growthExponent(series.min).toFixed(2),
      largestTwo.length === 2 ? growthExponent(largestTwo).toFixed(2) : '-',
    ]);
    targets.push({ name: `growth exponent, ${label}`, goal: '≤ 1.1', measured: k.toFixed(2), pass: series.median.length >= 3 ? k <= 1.1 : undefined });
  }
  print('\nGrowth with fleet size: exponent k of time ≈ c·clusters^k, least squares on log-log');
  print(table(['deployment', 'sizes', 'k (medians)', 'k (minimums)', 'k (two largest sizes, medians)'], growth));

  print('\nMemory per measuring process. The fleet is generated in a process of its own and written out as the');
  print('RunFunctionRequests Crossplane sends; the measuring process decodes each with the server\'s codec, as the server does:');
  print(
    table(
      ['clusters', 'foreign replicas', 'fleet generated in', 'request decoded in', 'RSS with the request, settled', 'peak RSS'],
      reports.map((r) => {
        const fixtures = generated.get(r.clusters!);
        return [count(r.clusters!), count(fixtures?.foreignReplicas ?? 0), ms(fixtures?.setupMs ?? Number.NaN), ms(r.setupMs), mb(r.fixtureRssBytes), mb(r.maxRssBytes)];
      }),
    ),
  );
  const largest = reports.find((r) => r.clusters === Math.max(...s.sizes));
  if (largest) {
    targets.push({
      name: `peak RSS, in-process at ${count(largest.clusters!)} clusters`,
      goal: '< 300 MB',
      measured: mb(largest.maxRssBytes),
      pass: largest.error ? undefined : largest.maxRssBytes < RSS_LIMIT,
    });
  }
  return reports;
}

async function inProcessReplica(s: Settings, targets: Target[]): Promise<WorkerReport> {
  section('In-process ModelReplica composition: runModelReplica');
  print('Per example: the same request again and again, as Crossplane sends one composite on every call of a reconcile (the');
  print('check and reading of the composite are remembered by its content); the steady state (everything observed Ready); and');
  print('a composite not seen before (a new resourceVersion on every call), which is what the first call of a reconcile costs.\n');
  const report = await runWorker(['replica', JSON.stringify({ ...measureOptions(s), iterations: s.replicaIterations })]);
  if (report.error) {
    print(report.error);
    targets.push({ name: 'ModelReplica in-process', goal: 'median < 1 ms', measured: 'failed', pass: undefined });
  }
  const rows = report.cases.map((c) => {
    const sum = summarize(c.samplesMs);
    targets.push({ name: `ModelReplica in-process, ${c.label}`, goal: 'median < 1 ms', measured: ms(sum.medianMs), pass: sum.medianMs < 1 });
    return [c.label, String(sum.n), ms(sum.medianMs), ms(sum.p99Ms), ms(sum.minMs), ms(summarize(c.cpuSamplesMs).medianMs), c.outcome];
  });
  print(table(['replica', 'n', 'median', 'p99', 'min', 'CPU median', 'outcome'], rows));
  print(`peak RSS ${mb(report.maxRssBytes)}`);
  return report;
}

interface GrpcPart {
  results: GrpcResult[];
  throughput: ThroughputResult[];
  rss: { afterSmall: number; product: number; floor: number };
}

async function overGrpc(s: Settings, targets: Target[]): Promise<GrpcPart> {
  section('RunFunction over gRPC on loopback');
  print('Client: this process (grpc-js, insecure, one channel per server; requests encoded once, responses read as bytes).');
  print('Servers: two child processes, each src/server.ts with the project logger: the product (src/function.ts) and the');
  print('floor (baseResponse + the same requirements). Calls alternate product, floor, product, ..., each followed by a pause');
  print('as long as the call (at most 100 ms) so one server\'s garbage collection does not land on the other\'s call; ratio =');
  print('median of the per-pair ratios. "in handler": median time inside runFunction, timed in the server (no protobuf, no');
  print('transport).\n');
  const product = await startServer('function');
  const floor = await startServer('floor');
  const results: GrpcResult[] = [];
  let throughputResults: ThroughputResult[] = [];
  const rss = { afterSmall: Number.NaN, product: Number.NaN, floor: Number.NaN };
  try {
    const options = { ...measureOptions(s), budgetMs: s.grpcBudgetMs, minMs: s.grpcMinMs };
    results.push(await measureGrpc({ label: 'ModelReplica, largest example', request: toRunFunctionRequest(largestExampleReplica()) }, product, floor, options));
    const small = toRunFunctionRequest(smallExampleReplica());
    throughputResults = [await throughput(product, small, s.throughputSeconds, s.concurrency), await throughput(floor, small, s.throughputSeconds, s.concurrency)];
    for (const size of s.grpcSizes) {
      const fleet = generateFleet({ clusters: size, seed: 1 });
      const foreign = generateForeignReplicas(fleet, 2, 2);
      for (const [label, deployment] of [
        ['gang', gangDeployment(10)],
        ['prefill-decode', prefillDecodeDeployment(10)],
      ] as const) {
        const request = toRunFunctionRequest(deploymentRequest({ deployment, clusters: fleet, replicas: foreign }));
        results.push(await measureGrpc({ label: `ModelDeployment ${label}`, clusters: size, request }, product, floor, options));
      }
      // As Crossplane's Go encoder sends it: every object's keys in a random order.
      const shuffled = shuffledKeys(deploymentRequest({ deployment: gangDeployment(10), clusters: fleet, replicas: foreign }), new SeededRandom(3));
      results.push(await measureGrpc({ label: 'ModelDeployment gang, keys in random order', clusters: size, request: toRunFunctionRequest(shuffled) }, product, floor, options));
    }
    rss.afterSmall = await product.maxRssBytes();
    // A few calls at the largest fleet, for the server's peak memory with the biggest request.
    const fleet = generateFleet({ clusters: s.grpcRssSize, seed: 1 });
    const request = toRunFunctionRequest(deploymentRequest({ deployment: gangDeployment(10), clusters: fleet, replicas: generateForeignReplicas(fleet, 2, 2) }));
    results.push(
      await measureGrpc({ label: 'ModelDeployment gang', clusters: s.grpcRssSize, request }, product, floor, {
        ...options,
        warmup: 0,
        warmupMs: 0,
        iterations: s.grpcRssCalls,
        minMs: 0,
      }),
    );
    rss.product = await product.maxRssBytes();
    rss.floor = await floor.maxRssBytes();
  } finally {
    await Promise.all([product.stop(), floor.stop()]);
  }

  print(
    table(
      ['request', 'clusters', 'wire size', 'n', 'median', 'p99', 'min', 'in handler', 'floor median', 'floor p99', 'ratio', 'outcome'],
      results.map((r) => [
        r.label,
        r.clusters === undefined ? '-' : count(r.clusters),
        `${(r.requestBytes / MB).toFixed(2)} MiB`,
        String(r.product.n),
        ms(r.product.medianMs),
        ms(r.product.p99Ms),
        ms(r.product.minMs),
        ms(r.productHandler.medianMs),
        ms(r.floor.medianMs),
        ms(r.floor.p99Ms),
        `${r.ratio.toFixed(2)}×`,
        r.outcome,
      ]),
    ),
  );
  for (const r of results) {
    if (r.label.startsWith('ModelReplica') || r.clusters === 50) {
      targets.push({ name: `gRPC ${r.label}${r.clusters ? ` at ${r.clusters} clusters` : ''}, ÷ floor`, goal: '≤ 1.5×', measured: `${r.ratio.toFixed(2)}×`, pass: r.ratio <= 1.5 });
    }
  }
  print(
    `\nServer peak RSS: product ${mb(rss.afterSmall)} after the ${count(Math.max(...s.grpcSizes))}-cluster calls; ` +
      `${mb(rss.product)} after ${s.grpcRssCalls} call(s) at ${count(s.grpcRssSize)} clusters (floor: ${mb(rss.floor)})`,
  );
  targets.push({ name: `peak RSS, server process at ${count(s.grpcRssSize)} clusters`, goal: '< 300 MB', measured: mb(rss.product), pass: rss.product < RSS_LIMIT });

  section(`Throughput: small ModelReplica (single-gpu example), ${s.concurrency} calls in flight, ${s.throughputSeconds} s after 1 s warm-up`);
  print('Client: this process, a lean HTTP/2 client (one session, gRPC frames built by hand): grpc-js as a client costs');
  print('about as much CPU per call as the floor server, and on two cores the load generator competes with the server it');
  print('measures. CPU per call counts every thread of a process; "one core" is 1000 ÷ server CPU per call, what the');
  print('server process could answer with a core to itself.\n');
  print(
    table(
      ['server', 'calls/s', 'calls', 'errors', 'server CPU/call', 'one core', 'client CPU/call', 'outcome'],
      throughputResults.map((t) => [
        t.kind,
        t.callsPerSecond.toFixed(0),
        count(t.calls),
        String(t.errors),
        ms(t.serverCpuMsPerCall),
        `${(1000 / t.serverCpuMsPerCall).toFixed(0)}/s`,
        ms(t.clientCpuMsPerCall),
        t.outcome,
      ]),
    ),
  );
  const productThroughput = throughputResults.find((t) => t.kind === 'function');
  if (productThroughput) {
    const answered = productThroughput.errors === 0 && !productThroughput.outcome.startsWith('FATAL');
    targets.push({ name: 'small ModelReplica calls per second', goal: '≥ 2,000/s', measured: productThroughput.callsPerSecond.toFixed(0), pass: answered && productThroughput.callsPerSecond >= 2000 });
  }
  return { results, throughput: throughputResults, rss };
}

// ---- main ----------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const s = parseSettings(process.argv.slice(2));
  const startedAt = process.hrtime.bigint();
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const loadAtStart = load();
  print('function-modelplane benchmark');
  print(`node ${process.version}; ${availableParallelism()} cores (${cpu}); ${(totalmem() / 1024 ** 3).toFixed(1)} GiB; load average ${loadAtStart}`);
  print(
    `${s.iterations} measured iterations per case after a warm-up of at least ${s.warmup} calls and ${s.warmupMs / 1000} s ` +
      `(fewer if a case passes ${s.budgetMs / 1000} s); over gRPC, pairs of calls go on for at least ${s.grpcMinMs / 1000} s, so a ` +
      `small request gets far more; p99 is nearest-rank (the maximum at 50 samples)`,
  );

  const targets: Target[] = [];
  const schedule = await inProcessScheduling(s, targets);
  const replica = await inProcessReplica(s, targets);
  const grpc = await overGrpc(s, targets);

  section('Targets');
  print(table(['target', 'goal', 'measured', 'verdict'], targets.map((t) => [t.name, t.goal, t.measured, verdict(t.pass)])));
  const misses = targets.filter((t) => t.pass === false).length;
  print(`\n${targets.length - misses} of ${targets.length} targets met; finished in ${(elapsedMs(startedAt) / 1000).toFixed(0)} s; load average ${loadAtStart} at the start, ${load()} at the end`);

  if (s.json) {
    const machine = { node: process.version, cores: availableParallelism(), cpu, loadAtStart, loadAtEnd: load() };
    writeFileSync(s.json, `${JSON.stringify({ machine, settings: s, schedule, replica, grpc, targets }, null, 2)}\n`);
  }
}

// The benchmark must end by itself whatever happens to a child.
const HARD_LIMIT_MS = 12 * 60 * 1000;
setTimeout(() => {
  process.stderr.write(`benchmark exceeded ${HARD_LIMIT_MS / 60_000} minutes; stopping\n`);
  killChildren();
  process.exit(2);
}, HARD_LIMIT_MS).unref();

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    killChildren();
    process.exit(1);
  },
);
