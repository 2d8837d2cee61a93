// Fuzzing RunFunction end to end: generated hostile requests through a real gRPC client against the
// in-process server. Whatever arrives, the server answers every call in time, never loses an
// observed composed resource the spec says to keep, and uses Fatal only where conventions.md allows.
// FUZZ_SEED reproduces a run; FUZZ_REQUESTS changes how many requests are sent (default 10,000).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { RunFunctionResponse } from '@crossplane-org/function-sdk-typescript';
import type { FunctionClient } from '../../src/render/client.js';
import { functionRequest, inferenceCluster, modelDeployment, standaloneEngine } from '../helpers/reliability-fleet.js';
import { anyCase, deploymentCase, replicaCase, type FuzzCase } from '../helpers/reliability-generators.js';
import { call, connectClients, grpcStatusName, runConcurrently, startLoopbackServer, type LoopbackServer } from '../helpers/reliability-harness.js';
import { judge } from '../helpers/reliability-oracle.js';

const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 10_000);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
/** Requests in flight together. Small, so that a failing batch shrinks quickly to the one culprit. */
const BATCH = 8;
const CLIENTS = 8;
/** Far above any honest call (a few milliseconds); a call that needs this long is a hang. */
const DEADLINE_MS = 10_000;

let loop: LoopbackServer;
let clients: FunctionClient[];

beforeAll(async () => {
  loop = await startLoopbackServer();
  clients = connectClients(loop.target, CLIENTS);
});

afterAll(async () => {
  for (const c of clients) c.close();
  await loop.server.drain(5_000);
});

function describeCase(c: FuzzCase): string {
  const body = JSON.stringify({ observed: c.request.observed, requiredResources: c.request.requiredResources, input: c.request.input });
  return `${c.label} (input ${c.inputClass}): ${body.length > 4000 ? `${body.slice(0, 4000)}…` : body}`;
}

/** Sends a batch concurrently and returns every problem: failed calls and oracle findings. */
async function sendAndJudge(batch: readonly FuzzCase[], tally: Map<string, number>): Promise<string[]> {
  const outcomes = await runConcurrently(batch, CLIENTS, (c, worker) => call(clients[worker]!, c.request, DEADLINE_MS));
  const problems: string[] = [];
  outcomes.forEach((outcome, i) => {
    const c = batch[i]!;
    if (!outcome.ok) {
      problems.push(`call failed with ${grpcStatusName(outcome.code)} (${outcome.details}) after ${outcome.ms.toFixed(0)} ms for ${describeCase(c)}`);
      return;
    }
    const verdict = judge(c, outcome.response);
    tally.set(verdict.path, (tally.get(verdict.path) ?? 0) + 1);
    if (verdict.findings.length > 0) problems.push(`${verdict.findings.join('; ')}\n  for ${describeCase(c)}`);
  });
  return problems;
}

function report(title: string, tally: Map<string, number>): void {
  const lines = [...tally.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([path, n]) => `  ${path}: ${n}`);
  console.log(`${title}\n${lines.join('\n')}`);
}

describe('fuzzing RunFunction over gRPC', () => {
  it(`answers ${REQUESTS} hostile requests in time, loses nothing observed, and is Fatal only where allowed`, async () => {
    const tally = new Map<string, number>();
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(anyCase, { minLength: BATCH, maxLength: BATCH }), async (batch) => {
        sent += batch.length;
        const problems = await sendAndJudge(batch, tally);
        if (problems.length > 0) throw new Error(`${problems.length} problem(s):\n${problems.slice(0, 3).join('\n')}`);
      }),
      { numRuns: Math.ceil(REQUESTS / BATCH), seed: SEED, interruptAfterTimeLimit: 180_000, markInterruptAsFailure: true },
    );
    report(`fuzz: ${sent} requests by path`, tally);
    expect(sent).toBeGreaterThanOrEqual(REQUESTS);
    // The generators must reach the interesting paths, or the run proves little.
    const reached = (prefix: string): number => [...tally].filter(([p]) => p.startsWith(prefix)).reduce((n, [, c]) => n + c, 0);
    expect(reached('ModelDeployment:Scheduled') + reached('ModelDeployment:Scheduling') + reached('ModelDeployment:InsufficientCapacity')).toBeGreaterThan(REQUESTS / 20);
    expect(reached('ModelReplica:Deploying') + reached('ModelReplica:Accepted')).toBeGreaterThan(REQUESTS / 20);
    expect(reached('ModelReplica:WaitingForCluster')).toBeGreaterThan(0);
    expect(reached('fatal:invalidInput')).toBeGreaterThan(0);
  }, 300_000);

  it('answers byte for byte the same whatever the order of the required resources and observed resources', async () => {
    const reversed = (c: FuzzCase): FuzzCase => {
      const req = structuredClone(c.request);
      for (const entry of Object.values(req.requiredResources)) entry.items.reverse();
      if (req.observed) req.observed.resources = Object.fromEntries(Object.entries(req.observed.resources).reverse());
      return { ...c, request: req };
    };
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(deploymentCase, replicaCase), { minLength: BATCH, maxLength: BATCH }), async (batch) => {
        const pairs = await runConcurrently(batch, CLIENTS, async (c, worker) => {
          const client = clients[worker]!;
          return [await call(client, c.request, DEADLINE_MS), await call(client, reversed(c).request, DEADLINE_MS)] as const;
        });
        pairs.forEach(([a, b], i) => {
          if (!a.ok || !b.ok) throw new Error(`call failed for ${describeCase(batch[i]!)}`);
          const bytes = (r: RunFunctionResponse): string => Buffer.from(RunFunctionResponse.encode(r).finish()).toString('base64');
          if (bytes(a.response) !== bytes(b.response)) {
            throw new Error(`responses differ with the lists reversed for ${describeCase(batch[i]!)}`);
          }
        });
      }),
      { numRuns: 40, seed: SEED, interruptAfterTimeLimit: 60_000, markInterruptAsFailure: true },
    );
  }, 120_000);

  it('still composes normally after the storm', async () => {
    const rsp = await clients[0]!.runFunction(
      functionRequest({
        composite: modelDeployment('after', 'ml-team', { replicas: 1, engines: [standaloneEngine('main')] }),
        required: { clusters: [inferenceCluster('us-east-1')], replicas: [] },
      }),
      { deadlineMs: DEADLINE_MS },
    );
    expect(Object.keys(rsp.desired?.resources ?? {})).toEqual(['replica-us-east-1-0']);
    expect(rsp.conditions.map((c) => c.reason)).toContain('Scheduling');
  });
});
