// The codec decodes identical objects and lists of one request once and shares them, so nothing may
// write to a decoded request: a write through one occurrence would change every other. These tests
// show the sharing happens, that it never changes what a request decodes to or whether it decodes,
// and that both pipelines leave a frozen request untouched and answer it exactly as an unfrozen one.
import { afterAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { RunFunctionRequest, Severity, type RunFunctionResponse } from '@crossplane-org/function-sdk-typescript';
import type { KubeObject } from '../../src/api/types.js';
import { decodeRunFunctionRequest, MAX_MESSAGE_DEPTH } from '../../src/codec.js';
import type { CompositionRequest } from '../../src/composition.js';
import { runModelDeployment } from '../../src/deployment/pipeline.js';
import { runFunction } from '../../src/function.js';
import { deploymentRequest, gangDeployment, generateFleet, generateForeignReplicas, observeReady, prefillDecodeDeployment, SeededRandom, shuffledKeys } from '../../bench/fleet.js';
import { largestExampleReplica, smallExampleReplica } from '../../bench/replicas.js';
import { toRunFunctionRequest } from '../../bench/requests.js';
import { anyCase } from '../helpers/reliability-generators.js';

function wire(req: RunFunctionRequest): Uint8Array {
  return RunFunctionRequest.encode(req).finish();
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** The cluster objects of a decoded ModelDeployment request, as the pipeline receives them. */
function decodedClusters(req: RunFunctionRequest): KubeObject[] {
  return req.requiredResources['clusters']!.items.map((item) => item.resource as KubeObject);
}

const devices = (cluster: KubeObject, pool: number): unknown => (cluster.status as { gpuPools: { devices: unknown }[] }).gpuPools[pool]!.devices;

describe('sharing identical values within one request', () => {
  const fleet = generateFleet({ clusters: 20, seed: 1 });
  const request = toRunFunctionRequest(deploymentRequest({ deployment: gangDeployment(2), clusters: fleet, replicas: [] }));

  it('decodes the identical device lists of two clusters into one array', () => {
    // Two clusters whose first pools publish the same devices (the generator repeats hardware classes).
    const key = (c: KubeObject): string => JSON.stringify(devices(c, 0));
    const first = fleet.findIndex((c, i) => fleet.some((d, j) => j > i && key(d) === key(c)));
    const second = fleet.findIndex((d, j) => j > first && key(d) === key(fleet[first]!));
    expect(first).toBeGreaterThanOrEqual(0);
    const decoded = decodedClusters(decodeRunFunctionRequest(wire(request)));
    expect(devices(decoded[first]!, 0)).toBe(devices(decoded[second]!, 0));
    expect(devices(decoded[first]!, 0)).toEqual(devices(fleet[first]!, 0));
  });

  it('shares equal objects whose keys arrive in different orders, as Go writes them', () => {
    // 300 clusters with every object's keys shuffled: equal device lists no longer have equal bytes.
    const big = generateFleet({ clusters: 300, seed: 1 });
    const shuffled = shuffledKeys(big, new SeededRandom(5));
    const bytes = wire(toRunFunctionRequest(deploymentRequest({ deployment: gangDeployment(2), clusters: shuffled, replicas: [] })));
    const decoded = decodedClusters(decodeRunFunctionRequest(bytes));
    const contents = new Set(big.map((c) => JSON.stringify(devices(c, 0))));
    const objects = new Set(decoded.map((c) => devices(c, 0)));
    const distinctBytes = new Set(shuffled.map((c) => JSON.stringify(devices(c, 0))));
    expect(distinctBytes.size).toBeGreaterThan(big.length / 2);
    // Byte lookups still run in short windows (objects decoded there are not found by content);
    // between them equal objects are found by content: a few copies per content, not one per cluster.
    expect(objects.size).toBeLessThan(contents.size * 4);
    expect(objects.size).toBeLessThan(big.length / 4);
    expect(decodeRunFunctionRequest(bytes)).toEqual(RunFunctionRequest.decode(bytes));
  });

  it('does not look up the objects of a small request', () => {
    const small = toRunFunctionRequest(deploymentRequest({ deployment: gangDeployment(2), clusters: fleet.slice(0, 1), replicas: [] }));
    const twice = decodeRunFunctionRequest(wire({ ...small, input: { a: devices(fleet[0]!, 0), b: devices(fleet[0]!, 0) } })).input as Record<string, unknown>;
    expect(wire(small).length).toBeLessThan(64 * 1024);
    expect(twice['a']).toEqual(twice['b']);
    expect(twice['a']).not.toBe(twice['b']);
  });

  it('shares nothing between two requests', () => {
    const bytes = wire(request);
    expect(devices(decodedClusters(decodeRunFunctionRequest(bytes))[0]!, 0)).not.toBe(devices(decodedClusters(decodeRunFunctionRequest(bytes))[0]!, 0));
  });

  it('decodes to what the generated decoder gives', () => {
    expect(decodeRunFunctionRequest(wire(request))).toEqual(RunFunctionRequest.decode(wire(request)));
  });

  it('refuses a value repeated deeper than the nesting limit although its first occurrence was within it', () => {
    // A list of 40 levels, once near the top and once under enough levels to cross the limit.
    let repeated: unknown = ['x'.repeat(80)];
    for (let i = 0; i < 40; i++) repeated = [repeated];
    let deep: unknown = repeated;
    for (let levels = 0; levels < MAX_MESSAGE_DEPTH / 2; levels++) deep = [deep];
    const req = toRunFunctionRequest(deploymentRequest({ deployment: gangDeployment(1), clusters: [], replicas: [] }));
    // Large enough to be decoded with sharing at all.
    req.input = { ...req.input, padding: 'p'.repeat(70_000), shallow: repeated, deep };
    expect(() => decodeRunFunctionRequest(wire(req))).toThrow(/request nests more than 1500 messages deep at input\.deep/);
    req.input = { ...req.input, deep: repeated };
    const decoded = decodeRunFunctionRequest(wire(req)).input as { shallow: unknown; deep: unknown };
    expect(decoded.deep).toEqual(repeated);
    expect(decoded.deep).toBe(decoded.shallow);
  });
});

describe('the pipelines never write to their request', () => {
  /** Both answers, to a frozen decoded request and to a fresh decoding of the same bytes. */
  function answers(req: RunFunctionRequest): { frozen: RunFunctionResponse; fresh: RunFunctionResponse } {
    const bytes = wire(req);
    return { frozen: runFunction(deepFreeze(decodeRunFunctionRequest(bytes))), fresh: runFunction(decodeRunFunctionRequest(bytes)) };
  }

  /** The reconcile after `first` was applied and every replica became Ready. */
  function steadyState(first: CompositionRequest): CompositionRequest {
    const out = runModelDeployment(first);
    const composite: KubeObject = { ...first.composite, status: { ...out.status, conditions: out.conditions } };
    return { ...first, composite, observed: observeReady(out.desired) };
  }

  const fleet = generateFleet({ clusters: 30, seed: 3 });
  const foreign = generateForeignReplicas(fleet, 2, 4);
  const cases: [string, CompositionRequest][] = [];
  for (const [label, deployment] of [
    ['gang', gangDeployment(6)],
    ['prefill-decode', prefillDecodeDeployment(6)],
  ] as const) {
    const first = deploymentRequest({ deployment, clusters: fleet, replicas: foreign });
    cases.push([`${label}, first reconcile`, first], [`${label}, steady state`, steadyState(first)]);
  }
  cases.push(['largest example ModelReplica', largestExampleReplica()], ['small example ModelReplica', smallExampleReplica()]);

  it.each(cases)('%s: a frozen request gets the same answer', (_label, req) => {
    const { frozen, fresh } = answers(toRunFunctionRequest(req));
    expect(frozen).toEqual(fresh);
    expect(fresh.results.filter((r) => r.severity === Severity.SEVERITY_FATAL)).toEqual([]);
    expect(Object.keys(fresh.desired?.resources ?? {}).length).toBeGreaterThan(0);
  });

  let checked = 0;
  afterAll(() => {
    if (checked > 0) console.log(`frozen-request property: ${checked} generated requests`);
  });

  it('generated requests, valid and hostile: a frozen request gets the same answer', () => {
    fc.assert(
      fc.property(anyCase, (c) => {
        checked++;
        const { frozen, fresh } = answers(c.request);
        expect(frozen).toEqual(fresh);
      }),
      { numRuns: 400 },
    );
  });
});

describe('sharing judged by what it saves', () => {
  /** `count` objects of about 100 bytes on the wire, no two alike. */
  const unique = (count: number): unknown[] => Array.from({ length: count }, (_, i) => ({ id: `object-${i}`, padding: 'u'.repeat(80) }));
  const repeated = (): unknown => ({ name: 'the same object', padding: 'r'.repeat(80) });

  function decodedInput(input: Record<string, unknown>): Record<string, unknown[]> {
    const req = toRunFunctionRequest(deploymentRequest({ deployment: gangDeployment(1), clusters: [], replicas: [] }));
    // Large enough to be decoded with sharing at all.
    req.input = { padding: 'p'.repeat(70_000), ...input };
    return decodeRunFunctionRequest(wire(req)).input as Record<string, unknown[]>;
  }

  it('after a stretch where nothing repeats, finds equal objects by content instead of bytes', () => {
    // 600 unique objects make a poor window; the pair right after them is matched by content.
    const early = decodedInput({ a: unique(600), b: [repeated(), repeated()] }).b!;
    expect(early[0]).toBe(early[1]);
    // After the 4,096 objects skipped, lookups resume, and the pair is shared again.
    const late = decodedInput({ a: unique(4800), b: [repeated(), repeated()] }).b!;
    expect(late[0]).toBe(late[1]);
  });

  it('keeps looking up while objects repeat', () => {
    const items = decodedInput({ a: Array.from({ length: 3000 }, repeated) }).a!;
    expect(new Set(items).size).toBe(1);
  });
});
