// In-process measurements, one task per process so each task's peak RSS is its own. Started by
// bench/main.ts with an IPC channel; argv: `fixtures <clusters> <dir>` (generate the fleet and write
// the ModelDeployment requests to dir, as Crossplane would send them), `schedule <clusters> <dir>
// <MeasureOptions as JSON>` (decode each request as the server does and measure the pipeline on
// it) or `replica <MeasureOptions as JSON>`. Sends one WorkerReport and exits.
//
// Generating a fleet allocates far more than decoding it, so it runs in a process of its own:
// the measuring process's peak RSS is then what a function process holding that request needs.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RunFunctionRequest } from '@crossplane-org/function-sdk-typescript';
import type { KubeObject } from '../src/api/types.js';
import { decodeRunFunctionRequest } from '../src/codec.js';
import type { CompositionRequest, CompositionResponse } from '../src/composition.js';
import {
  deploymentRequest,
  gangDeployment,
  generateFleet,
  generateForeignReplicas,
  observeReady,
  prefillDecodeDeployment,
  SeededRandom,
  shuffledKeys,
} from './fleet.js';
import { largestExampleReplica, smallExampleReplica } from './replicas.js';
import { toRunFunctionRequest } from './requests.js';
import { elapsedMs } from './stats.js';

export interface MeasureOptions {
  iterations: number;
  /** Warm-up lasts at least this many calls and at least warmupMs, so the JIT has settled. */
  warmup: number;
  warmupMs: number;
  /** Stop measuring after this long even if fewer than `iterations` samples were taken. */
  budgetMs: number;
}

export interface CaseReport {
  label: string;
  /** Wall-clock time per call. */
  samplesMs: number[];
  /**
   * CPU time per call (user + system, all threads of the process, so parallel GC work counts). It
   * leaves out time spent waiting for a core while other processes run, not their other effects.
   */
  cpuSamplesMs: number[];
  /** What the pipeline decided, so a fast answer that placed nothing is not mistaken for a fast one. */
  outcome: string;
}

export interface WorkerReport {
  task: string;
  clusters?: number;
  foreignReplicas?: number;
  /** fixtures: generating the fleet; schedule: decoding the request (the longest of its cases). */
  setupMs: number;
  /** RSS with the first request decoded and garbage collected, before the first pipeline call: the request's own share. */
  fixtureRssBytes: number;
  cases: CaseReport[];
  maxRssBytes: number;
  error?: string;
}

/** RSS after a full collection (the worker runs with --expose-gc). */
function settledRss(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().rss;
}

type Pipeline = (req: CompositionRequest) => CompositionResponse;

export function measure(run: () => void, options: MeasureOptions): Pick<CaseReport, 'samplesMs' | 'cpuSamplesMs'> {
  const warmupStarted = process.hrtime.bigint();
  for (let i = 0; i < options.warmup || elapsedMs(warmupStarted) < options.warmupMs; i++) run();
  const started = process.hrtime.bigint();
  const samplesMs: number[] = [];
  const cpuSamplesMs: number[] = [];
  while (samplesMs.length < options.iterations && elapsedMs(started) < options.budgetMs) {
    const cpu = process.cpuUsage();
    const t = process.hrtime.bigint();
    run();
    samplesMs.push(elapsedMs(t));
    const used = process.cpuUsage(cpu);
    cpuSamplesMs.push((used.user + used.system) / 1000);
  }
  return { samplesMs, cpuSamplesMs };
}

function condition(out: CompositionResponse, type: string): string {
  const c = out.conditions.find((x) => x.type === type);
  return c ? `${type}=${c.status} ${c.reason}` : `no ${type}`;
}

function deploymentOutcome(out: CompositionResponse): string {
  const replicas = Object.values(out.desired).filter((d) => d.resource.kind === 'ModelReplica').length;
  const endpoints = Object.values(out.desired).filter((d) => d.resource.kind === 'ModelEndpoint').length;
  return `${replicas} replicas, ${endpoints} endpoints; ${condition(out, 'ReplicasScheduled')}`;
}

function replicaOutcome(out: CompositionResponse): string {
  return `${Object.keys(out.desired).length} composed; ${condition(out, 'ModelAccepted')}`;
}

/** The request of the steady state: the first answer applied, observed Ready, and reconciled again. */
function steadyRequest(pipeline: Pipeline, first: CompositionRequest): CompositionRequest {
  let req = first;
  for (let round = 0; round < 2; round++) {
    const out = pipeline(req);
    const composite: KubeObject = { ...first.composite, status: { ...out.status, conditions: out.conditions } };
    req = { ...first, composite, observed: observeReady(out.desired) };
  }
  return req;
}

/** The ModelDeployment cases of one fleet size, each written to `<dir>/<file>` by the fixtures task. */
const SCHEDULE_CASES = [
  { label: 'gang', file: 'gang.bin' },
  { label: 'gang (steady state)', file: 'gang-steady.bin' },
  { label: 'prefill-decode', file: 'prefill-decode.bin' },
  { label: 'prefill-decode (steady state)', file: 'prefill-decode-steady.bin' },
  { label: 'gang, keys in random order', file: 'gang-shuffled.bin' },
] as const;

async function fixturesTask(clusters: number, dir: string): Promise<WorkerReport> {
  const { runModelDeployment } = await import('../src/deployment/pipeline.js');
  const setupStart = process.hrtime.bigint();
  const fleet = generateFleet({ clusters, seed: 1 });
  const foreign = generateForeignReplicas(fleet, 2, 2);
  const setupMs = elapsedMs(setupStart);
  const write = (file: string, req: CompositionRequest): void => writeFileSync(join(dir, file), RunFunctionRequest.encode(toRunFunctionRequest(req)).finish());
  for (const [label, deployment] of [
    ['gang', gangDeployment(10)],
    ['prefill-decode', prefillDecodeDeployment(10)],
  ] as const) {
    const first = deploymentRequest({ deployment, clusters: fleet, replicas: foreign });
    write(`${label}.bin`, first);
    write(`${label}-steady.bin`, steadyRequest(runModelDeployment, first));
    if (label === 'gang') write('gang-shuffled.bin', shuffledKeys(first, new SeededRandom(3)));
  }
  return { task: 'fixtures', clusters, foreignReplicas: foreign.length, setupMs, fixtureRssBytes: 0, cases: [], maxRssBytes: 0 };
}

async function scheduleTask(clusters: number, dir: string, options: MeasureOptions): Promise<WorkerReport> {
  const { runModelDeployment } = await import('../src/deployment/pipeline.js');
  const { toCompositionRequest } = await import('../src/function.js');
  const { DEFAULT_INPUT } = await import('../src/api/input.js');
  const cases: CaseReport[] = [];
  let decodeMs = 0;
  let fixtureRssBytes = 0;
  // As in the server: the bytes are dropped once decoded, and the request lives for its calls.
  const decodedRequest = (file: string): CompositionRequest => {
    const bytes = readFileSync(join(dir, file));
    const decodeStart = process.hrtime.bigint();
    const decoded = decodeRunFunctionRequest(bytes);
    decodeMs = Math.max(decodeMs, elapsedMs(decodeStart));
    return toCompositionRequest(decoded, decoded.observed!.composite!.resource as KubeObject, DEFAULT_INPUT);
  };
  for (const { label, file } of SCHEDULE_CASES) {
    const req = decodedRequest(file);
    if (fixtureRssBytes === 0) fixtureRssBytes = settledRss();
    const outcome = deploymentOutcome(runModelDeployment(req));
    cases.push({ label, ...measure(() => runModelDeployment(req), options), outcome });
  }
  return { task: 'schedule', clusters, setupMs: decodeMs, fixtureRssBytes, cases, maxRssBytes: 0 };
}

async function replicaTask(options: MeasureOptions): Promise<WorkerReport> {
  const { runModelReplica } = await import('../src/replica/pipeline.js');
  const requests = [
    ['largest example (disaggregated-gang-decode)', largestExampleReplica()],
    ['small example (single-gpu)', smallExampleReplica()],
  ] as const;
  const fixtureRssBytes = settledRss();
  const cases: CaseReport[] = [];
  for (const [label, req] of requests) {
    const first = runModelReplica(req);
    cases.push({ label, ...measure(() => runModelReplica(req), options), outcome: replicaOutcome(first) });
    const steady = steadyRequest(runModelReplica, req);
    cases.push({ label: `${label} (steady state)`, ...measure(() => runModelReplica(steady), options), outcome: replicaOutcome(runModelReplica(steady)) });
    // A composite the function has not seen, as after every write of the XR (a new
    // resourceVersion): nothing remembered by content applies, so this is the first call's cost.
    let version = 0;
    const unseen = (): CompositionResponse => {
      const metadata = { ...req.composite.metadata, resourceVersion: String(++version) };
      return runModelReplica({ ...req, composite: { ...req.composite, metadata } });
    };
    cases.push({ label: `${label} (composite not seen before)`, ...measure(unseen, options), outcome: replicaOutcome(unseen()) });
  }
  return { task: 'replica', setupMs: 0, fixtureRssBytes, cases, maxRssBytes: 0 };
}

async function main(): Promise<void> {
  const [task, ...rest] = process.argv.slice(2);
  let report: WorkerReport;
  try {
    if (task === 'fixtures') {
      report = await fixturesTask(Number(rest[0]), rest[1]!);
    } else if (task === 'schedule') {
      report = await scheduleTask(Number(rest[0]), rest[1]!, JSON.parse(rest[2]!) as MeasureOptions);
    } else if (task === 'replica') {
      report = await replicaTask(JSON.parse(rest[0]!) as MeasureOptions);
    } else {
      throw new Error(`unknown task ${String(task)}`);
    }
  } catch (error) {
    report = { task: String(task), setupMs: 0, fixtureRssBytes: 0, cases: [], maxRssBytes: 0, error: error instanceof Error ? error.message : String(error) };
  }
  report.maxRssBytes = process.resourceUsage().maxRSS * 1024;
  process.send?.(report, () => process.exit(0));
}

void main();
