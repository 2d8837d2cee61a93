// Property tests over random fleets and deployments: the non-negotiables of placement hold for every
// input, and the output depends on nothing but the content of the input.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { DeploymentEngine, DeploymentMember, GpuPool, KubeObject, ModelDeploymentSpec } from '../../src/api/types.js';
import { composeSchedule } from '../../src/deployment/compose.js';
import { readObservedReplicas } from '../../src/deployment/existing.js';
import { replicaCharges } from '../../src/deployment/scheduler/cost.js';
import { Ledger } from '../../src/deployment/scheduler/ledger.js';
import { MatchCache, type EngineAnalysis } from '../../src/deployment/scheduler/matching.js';
import { planDeployment } from '../../src/deployment/scheduler/plan.js';
import { placeReplica, type PlacementRefusal } from '../../src/deployment/scheduler/placement.js';
import { refusalDetail } from '../../src/deployment/scheduler/explain.js';
import { schedule } from '../../src/deployment/scheduler/schedule.js';
import type { Charge, ClusterView, ExistingReplica, ScheduleInput, ScheduleOutput } from '../../src/deployment/scheduler/types.js';
import { DEPLOYMENT, SEL, cluster, fabric, gpu, member, pool, request } from './fixtures.js';

const RUNS = 150;
const CLUSTER_NAMES = ['a', 'b', 'c', 'd', 'e', 'f'];

// ---- arbitraries ---------------------------------------------------------------------------------

const devicesArb = fc
  .record({
    architecture: fc.constantFrom('Hopper', 'Hopper', 'Ampere'),
    count: fc.constantFrom(0, 1, 2, 8, 8, 8),
    fabric: fc.boolean(),
    synthetic: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
  })
  .map(({ architecture, count, fabric: withFabric, synthetic }) => {
    const g = gpu({ architecture, count });
    if (synthetic) g.claim = 'Synthetic';
    return withFabric ? [g, fabric()] : [g];
  });

const poolsArb = fc
  .array(fc.record({ nodes: fc.integer({ min: 0, max: 8 }), devices: devicesArb }), { minLength: 1, maxLength: 4 })
  .map((ps) => ps.map((p, i): GpuPool => pool(`p${i}`, p.nodes, p.devices)));

const clusterArb = (name: string) =>
  fc
    .record({
      pools: poolsArb,
      selected: fc.integer({ min: 0, max: 9 }).map((n) => n > 0),
      ready: fc.integer({ min: 0, max: 9 }).map((n) => n > 1),
      gateway: fc.integer({ min: 0, max: 9 }).map((n) => n > 0),
      terminating: fc.integer({ min: 0, max: 19 }).map((n) => n === 0),
      malformed: fc.integer({ min: 0, max: 19 }).map((n) => n === 0),
    })
    .map(({ pools, selected, ready, gateway, terminating, malformed }) =>
      cluster(name, malformed ? [] : pools, {
        selected,
        ready,
        gatewayAddress: gateway ? '10.0.0.1' : undefined,
        terminating,
        ...(malformed && { malformed: 'status.gpuPools: 3 is not a list' }),
      }),
    );

const fleetArb = fc
  .subarray(CLUSTER_NAMES, { minLength: 1 })
  .chain((names) => fc.tuple(...names.map(clusterArb)));

const requestsArb = fc.array(
  fc.record({
    count: fc.constantFrom(1, 1, 2, 4),
    selector: fc.constantFrom(SEL.nvidia, SEL.nvidia, SEL.hopper, SEL.ampere, SEL.fabric, 'device.driver != ""'),
  }),
  { minLength: 1, maxLength: 2 },
);

const memberRequests = (rs: { count: number; selector: string }[]) => rs.map((r, i) => request(`r${i}`, r.count, r.selector));

const engineArb = (name: string): fc.Arbitrary<DeploymentEngine> =>
  fc
    .record({
      gang: fc.boolean(),
      leaderClaims: fc.boolean(),
      leader: requestsArb,
      worker: requestsArb,
      workerNodes: fc.integer({ min: 1, max: 2 }),
      copies: fc.constantFrom(1, 1, 2),
    })
    .map(({ gang, leaderClaims, leader, worker, workerNodes, copies }) => {
      const members: DeploymentMember[] = gang
        ? [member('Leader', leaderClaims ? memberRequests(leader) : undefined), member('Worker', memberRequests(worker), workerNodes)]
        : [member('Standalone', memberRequests(leader))];
      return { name, copies, members };
    });

const specArb: fc.Arbitrary<ModelDeploymentSpec> = fc
  .record({
    replicas: fc.integer({ min: 0, max: 6 }),
    engines: fc.constantFrom(1, 1, 2, 3).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => engineArb(`e${i}`)))),
  })
  .map(({ replicas, engines }) => ({ replicas, engines }));

const foreignArb = (fleet: ClusterView[]) =>
  fc.array(
    fc.record({ cluster: fc.constantFrom(...fleet.map((c) => c.name), 'gone'), pool: fc.constantFrom('p0', 'p1', 'p2'), nodes: fc.integer({ min: 1, max: 4 }) }),
    { maxLength: 4 },
  );

/** A schedule input together with the observed composed resources its existing replicas come from. */
type Scenario = ScheduleInput & { observed: Record<string, KubeObject> };

/**
 * What Crossplane observes once the pipeline has composed `output` (with `observed` as the resources
 * observed before): each desired ModelReplica under its key, with the given readiness. The objects
 * are copies, so damaging them does not touch the schedule's specs.
 */
function observeComposed(
  input: ScheduleInput,
  output: ScheduleOutput,
  observed: Record<string, KubeObject>,
  ready: (position: number) => boolean,
): Record<string, KubeObject> {
  const { desired } = composeSchedule(DEPLOYMENT, output.replicas, input.clusters, observed, input.existing);
  const keys = Object.keys(desired).filter((key) => desired[key]!.resource.kind === 'ModelReplica').sort();
  return Object.fromEntries(
    keys.map((key, position) => {
      const status = { conditions: [{ type: 'Ready', status: ready(position) ? 'True' : 'False' }] };
      return [key, { ...structuredClone(desired[key]!.resource), status }];
    }),
  );
}

/** Hand edits and accidents on observed replicas. `at` picks a replica by position in key order. */
const damageArb = fc.record({
  // The index label removed (undefined) or not in the form the function writes.
  indexLabels: fc.array(fc.record({ at: fc.nat(11), label: fc.constantFrom(undefined, 'zero', '01', '-1') }), { maxLength: 2 }),
  missingClusterName: fc.option(fc.nat(11), { nil: undefined }),
  // spec.clusterName edited to another cluster (or the same one).
  movedTo: fc.option(fc.record({ at: fc.nat(11), cluster: fc.constantFrom(...CLUSTER_NAMES) }), { nil: undefined }),
  // A copy with the same labels and spec under another key: a second object whose name sorts before
  // or after the original's (a duplicate (cluster, index)), or the same object listed twice.
  twins: fc.array(fc.record({ at: fc.nat(11), name: fc.constantFrom('sortsFirst', 'sortsLast', 'same') }), { maxLength: 2 }),
});

function damage(observed: Record<string, KubeObject>, edits: typeof damageArb extends fc.Arbitrary<infer T> ? T : never): void {
  const keys = Object.keys(observed).sort();
  if (keys.length === 0) return;
  const pick = (at: number): KubeObject => observed[keys[at % keys.length]!]!;
  const specOf = (object: KubeObject) => object.spec as Record<string, unknown>;
  for (const { at, label } of edits.indexLabels) {
    const labels = pick(at).metadata!.labels!;
    if (label === undefined) delete labels['modelplane.ai/replica-index'];
    else labels['modelplane.ai/replica-index'] = label;
  }
  if (edits.missingClusterName !== undefined) delete specOf(pick(edits.missingClusterName)).clusterName;
  if (edits.movedTo !== undefined) specOf(pick(edits.movedTo.at)).clusterName = edits.movedTo.cluster;
  edits.twins.forEach(({ at, name }, n) => {
    const twin = structuredClone(pick(at));
    if (name !== 'same') twin.metadata!.name = `${name === 'sortsFirst' ? 'a' : 'z'}-twin-${n}`;
    observed[`twin-${n}`] = twin;
  });
}

/**
 * A fleet with replicas already running: an earlier spec scheduled on an earlier state of the fleet,
 * composed and observed with random readiness, some damaged (see damageArb); then the current spec
 * and fleet.
 */
const scenarioArb: fc.Arbitrary<Scenario> = fleetArb.chain((fleet) =>
  fc
    .record({
      before: fc.oneof(fc.constant(fleet), fc.tuple(...fleet.map((c) => clusterArb(c.name)))),
      oldSpec: specArb,
      spec: fc.oneof(specArb, fc.constant(undefined)),
      foreign: foreignArb(fleet),
      readiness: fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
      edits: damageArb,
      deleteFirstCluster: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
    })
    .map(({ before, oldSpec, spec, foreign, readiness, edits, deleteFirstCluster }) => {
      const earlierInput = { deployment: DEPLOYMENT, spec: { ...oldSpec, replicas: Math.max(oldSpec.replicas, 3) }, clusters: before, existing: [], foreignCharges: [] };
      const observed = observeComposed(earlierInput, schedule(earlierInput), {}, (position) => readiness[position] ?? true);
      damage(observed, edits);
      const clusters = deleteFirstCluster && fleet.length > 1 ? fleet.slice(1) : fleet;
      return { deployment: DEPLOYMENT, spec: spec ?? oldSpec, clusters, existing: readObservedReplicas(observed), foreignCharges: foreign, observed };
    }),
);

// ---- helpers -------------------------------------------------------------------------------------

function chargesOf(output: ScheduleOutput, origins: string[]): Charge[] {
  return output.replicas.filter((r) => origins.includes(r.origin)).flatMap((r) => replicaCharges(r.spec, r.cluster).charges);
}

function sumByPool(charges: Charge[]): Map<string, number> {
  const sums = new Map<string, number>();
  for (const c of charges) {
    const key = `${c.cluster}/${c.pool}`;
    sums.set(key, (sums.get(key) ?? 0) + c.nodes);
  }
  return sums;
}

function analysisOf(input: ScheduleInput, clusterName: string): EngineAnalysis[] {
  const view = input.clusters.find((c) => c.name === clusterName)!;
  return new MatchCache(planDeployment(input.spec)).analyze(view).engines;
}

const placedOrigins = ['placed', 'replaced', 'retained'];

// ---- properties ----------------------------------------------------------------------------------

describe('schedule properties', () => {
  it('never overcommits a pool when placing', () => {
    fc.assert(
      fc.property(scenarioArb, (input) => {
        const output = schedule(input);
        const base = sumByPool([...input.foreignCharges, ...chargesOf(output, ['retained', 'keptAsObserved'])]);
        const placed = sumByPool(chargesOf(output, ['placed', 'replaced']));
        for (const [key, nodes] of placed) {
          const [clusterName, poolName] = key.split('/') as [string, string];
          const capacity = input.clusters.find((c) => c.name === clusterName)!.pools.find((p) => p.name === poolName)!.nodes ?? 0;
          expect((base.get(key) ?? 0) + nodes).toBeLessThanOrEqual(capacity);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('places new replicas only on placeable clusters, and never more replicas than asked', () => {
    fc.assert(
      fc.property(scenarioArb, (input) => {
        const output = schedule(input);
        expect(output.replicas.length).toBeLessThanOrEqual(input.spec.replicas);
        expect(output.shortfall).toBe(input.spec.replicas - output.replicas.length);
        for (const r of output.replicas.filter((x) => x.origin === 'placed' || x.origin === 'replaced')) {
          const view = input.clusters.find((c) => c.name === r.cluster)!;
          expect(view.selected && view.ready && view.gatewayAddress !== undefined && !view.terminating && view.malformed === undefined).toBe(true);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('never splits an engine and puts every engine on a published pool of the replica’s cluster', () => {
    fc.assert(
      fc.property(scenarioArb, (input) => {
        const output = schedule(input);
        for (const r of output.replicas.filter((x) => placedOrigins.includes(x.origin))) {
          const published = input.clusters.find((c) => c.name === r.cluster)!.pools.map((p) => p.name);
          expect(r.spec.clusterName).toBe(r.cluster);
          r.spec.engines.forEach((e, i) => {
            expect(r.engines[i]!.name).toBe(e.name);
            expect(published).toContain(r.engines[i]!.pool);
            for (const m of e.members) expect(m.nodePoolName).toBe(r.engines[i]!.pool);
          });
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('gives every claim-capable member a device and every engine a claiming member', () => {
    fc.assert(
      fc.property(scenarioArb, (input) => {
        const output = schedule(input);
        for (const r of output.replicas.filter((x) => placedOrigins.includes(x.origin))) {
          const engines = analysisOf(input, r.cluster);
          r.spec.engines.forEach((e, i) => {
            const claims = e.members.map((m) => (m.deviceRequests ?? []).length > 0);
            expect(claims.some(Boolean)).toBe(true);
            engines[i]!.claimCapable.forEach((capable, m) => {
              if (capable) expect(claims[m]).toBe(true);
            });
            for (const m of e.members) expect(m.deviceRequests).not.toEqual([]);
          });
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('gives identical output under any permutation of the clusters, existing and foreign lists', () => {
    fc.assert(
      fc.property(
        scenarioArb.chain((input) =>
          fc.tuple(
            fc.constant(input),
            fc.shuffledSubarray(input.clusters, { minLength: input.clusters.length }),
            fc.shuffledSubarray(input.existing, { minLength: input.existing.length }),
            fc.shuffledSubarray(input.foreignCharges, { minLength: input.foreignCharges.length }),
          ),
        ),
        ([input, clusters, existing, foreignCharges]) => {
          const a = schedule(input);
          const b = schedule({ ...input, clusters, existing, foreignCharges });
          expect(JSON.stringify(b)).toBe(JSON.stringify(a));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('fills exactly as the obvious round-by-round fill rule does, with the same reasons', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        const input = { ...scenario, existing: [] };
        const output = schedule(input);
        const expected = naiveFill(input);
        expect(output.replicas.map((r) => `${r.cluster}/${r.index}`).sort()).toEqual(expected.slots);
        // On a shortfall, each placeable cluster is explained by the refusal of the last round.
        const explained = output.unschedulable.filter((u) => expected.reasons.has(u.cluster));
        expect(explained.map((u) => u.reason)).toEqual(explained.map((u) => refusalDetail(expected.reasons.get(u.cluster)!)));
        if (output.shortfall > 0) expect(explained.length).toBe(expected.reasons.size);
      }),
      { numRuns: RUNS },
    );
  });

  it('composes every replica as its own ModelReplica: no two share a name or a key', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        const output = schedule(scenario);
        const { desired, replicas } = composeSchedule(DEPLOYMENT, output.replicas, scenario.clusters, scenario.observed, scenario.existing);
        // Desired resources are a map by key: a shared key leaves fewer ModelReplicas than replicas.
        expect(Object.values(desired).filter((d) => d.resource.kind === 'ModelReplica')).toHaveLength(output.replicas.length);
        expect(new Set(replicas.map((r) => r.name)).size).toBe(output.replicas.length);
      }),
      { numRuns: 3 * RUNS },
    );
  });

  it('is stable: feeding its output back as the existing replicas changes nothing', () => {
    fc.assert(
      fc.property(scenarioArb, fc.boolean(), (scenario, fresh) => {
        const start = fresh ? { ...scenario, existing: [], observed: {} } : scenario;
        const first = schedule(start);
        // A stale replica kept as observed is tried again on the next pass by design (its
        // replacement may fit once others have moved); everything else is a fixed point.
        fc.pre(first.staleNotReplaced.length === 0);
        const existing: ExistingReplica[] = readObservedReplicas(observeComposed(start, first, start.observed, () => true));
        const second = schedule({ ...start, existing });
        expect(second.replicas.map((r) => [r.cluster, r.index, r.spec, r.engines])).toEqual(first.replicas.map((r) => [r.cluster, r.index, r.spec, r.engines]));
        expect(second.replicas.every((r) => r.origin === 'retained' || r.origin === 'keptAsObserved')).toBe(true);
        expect(second.shortfall).toBe(first.shortfall);
        expect(second.overcommitted).toEqual(first.overcommitted);
        expect(second.staleNotReplaced).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });
});

/**
 * The fill rule written the slow, obvious way for a fleet with no replicas yet: every round, ask
 * every placeable cluster afresh and take the fitting one with the fewest replicas, then the
 * earliest name.
 */
function naiveFill(input: ScheduleInput): { slots: string[]; reasons: Map<string, PlacementRefusal> } {
  const ledger = new Ledger(input.clusters);
  for (const charge of input.foreignCharges) ledger.charge(charge);
  const cache = new MatchCache(planDeployment(input.spec));
  const placeable = input.clusters
    .filter((c) => c.selected && c.ready && c.gatewayAddress !== undefined && !c.terminating && c.malformed === undefined)
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  const counts = new Map<string, number>();
  const slots: string[] = [];
  const reasons = new Map<string, PlacementRefusal>();
  while (slots.length < input.spec.replicas) {
    let best: { name: string; charges: Charge[] } | undefined;
    for (const view of placeable) {
      const result = placeReplica(cache.analyze(view), ledger.trial(view.name));
      if (!result.fits) {
        reasons.set(view.name, result.refusal);
        continue;
      }
      if (best === undefined || (counts.get(view.name) ?? 0) < (counts.get(best.name) ?? 0)) {
        best = { name: view.name, charges: result.engines.map((a) => ({ cluster: view.name, pool: a.fit.pool, nodes: a.nodes })) };
      }
    }
    if (best === undefined) break;
    reasons.clear();
    for (const charge of best.charges) ledger.charge(charge);
    const index = counts.get(best.name) ?? 0;
    counts.set(best.name, index + 1);
    slots.push(`${best.name}/${index}`);
  }
  return { slots: slots.sort(), reasons };
}

describe('placement search properties', () => {
  /** Plain depth-first search without pruning: the first complete assignment in search order. */
  function naive(engines: EngineAnalysis[], free: number[]): string[] | undefined {
    const chosen: string[] = [];
    const extend = (i: number): boolean => {
      if (i === engines.length) return true;
      const engine = engines[i]!;
      for (const fit of engine.fits) {
        if (free[fit.poolIndex]! < engine.cost) continue;
        free[fit.poolIndex]! -= engine.cost;
        chosen[i] = fit.pool;
        if (extend(i + 1)) return true;
        free[fit.poolIndex]! += engine.cost;
      }
      return false;
    };
    return engines.every((e) => e.problem === undefined) && extend(0) ? chosen : undefined;
  }

  it('finds exactly the first assignment an unpruned depth-first search finds', () => {
    fc.assert(
      fc.property(fleetArb, specArb, (fleet, spec) => {
        const plan = planDeployment(spec);
        for (const view of fleet) {
          const analysis = new MatchCache(plan).analyze(view);
          const result = placeReplica(analysis, new Ledger([view]).trial(view.name), 1_000_000);
          const expected = naive(analysis.engines, view.pools.map((p) => p.nodes ?? 0));
          expect(result.fits ? result.engines.map((a) => a.fit.pool) : undefined).toEqual(expected);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
