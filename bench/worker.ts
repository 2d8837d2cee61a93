// In-process measurements, one task per process so each task's peak RSS is its own. Started by
// bench/main.ts with an IPC channel; argv: `schedule <clusters> <MeasureOptions as JSON>` or
// `replica <MeasureOptions as JSON>`. Sends one WorkerReport and exits.
import type { KubeObject } from '../src/api/types.js';
import type { CompositionRequest, CompositionResponse } from '../src/composition.js';
import {
  deploymentRequest,
  gangDeployment,
  generateFleet,
  generateForeignReplicas,
  observeReady,
  prefillDecodeDeployment,
} from './fleet.js';
import { largestExampleReplica, smallExampleReplica } from './replicas.js';
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
  setupMs: number;
  /** RSS once the requests are built and garbage is collected, before the first pipeline call: the fixture's own share. */
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

async function scheduleTask(clusters: number, options: MeasureOptions): Promise<WorkerReport> {
  const { runModelDeployment } = await import('../src/deployment/pipeline.js');
  const setupStart = process.hrtime.bigint();
  const fleet = generateFleet({ clusters, seed: 1 });
  const foreign = generateForeignReplicas(fleet, 2, 2);
  const requests = [
    ['gang', deploymentRequest({ deployment: gangDeployment(10), clusters: fleet, replicas: foreign })],
    ['prefill-decode', deploymentRequest({ deployment: prefillDecodeDeployment(10), clusters: fleet, replicas: foreign })],
  ] as const;
  const setupMs = elapsedMs(setupStart);
  const fixtureRssBytes = settledRss();
  const cases: CaseReport[] = [];
  for (const [label, first] of requests) {
    const firstOut = runModelDeployment(first);
    cases.push({ label, ...measure(() => runModelDeployment(first), options), outcome: deploymentOutcome(firstOut) });
    const steady = steadyRequest(runModelDeployment, first);
    cases.push({
      label: `${label} (steady state)`,
      ...measure(() => runModelDeployment(steady), options),
      outcome: deploymentOutcome(runModelDeployment(steady)),
    });
  }
  return { task: 'schedule', clusters, foreignReplicas: foreign.length, setupMs, fixtureRssBytes, cases, maxRssBytes: 0 };
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
  }
  return { task: 'replica', setupMs: 0, fixtureRssBytes, cases, maxRssBytes: 0 };
}

async function main(): Promise<void> {
  const [task, ...rest] = process.argv.slice(2);
  let report: WorkerReport;
  try {
    if (task === 'schedule') {
      report = await scheduleTask(Number(rest[0]), JSON.parse(rest[1]!) as MeasureOptions);
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
