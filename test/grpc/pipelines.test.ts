// The function-level paths of both compositions over the wire, against the example fleet: a real
// gRPC client, the real server, requests shaped as Crossplane sends them, and the responses fed
// back as Crossplane would observe them on the next reconcile.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import { Ready, Severity, Status, type RunFunctionResponse } from '@crossplane-org/function-sdk-typescript';
import type { KubeObject } from '../../src/api/types.js';
import { loadAll, loadDocuments } from '../../src/render/files.js';
import { functionRequest, startWire, type Wire } from '../helpers/grpc.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const fleet = loadAll([`${ROOT}examples/fleet`]).map((d) => d.object);
const example = (name: string): KubeObject => loadDocuments(`${ROOT}examples/deployments/${name}.yaml`)[0]!.object;

let wire: Wire;
beforeAll(async () => (wire = await startWire()));
afterAll(() => wire.stop());

function condition(rsp: RunFunctionResponse, type: string): { status: string; reason: string; message: string } {
  const c = rsp.conditions.find((x) => x.type === type);
  const status = c?.status === Status.STATUS_CONDITION_TRUE ? 'True' : c?.status === Status.STATUS_CONDITION_FALSE ? 'False' : String(c?.status);
  return { status, reason: c?.reason ?? '', message: c?.message ?? '' };
}

function desired(rsp: RunFunctionResponse): Record<string, KubeObject> {
  return Object.fromEntries(Object.entries(rsp.desired?.resources ?? {}).map(([k, r]) => [k, r.resource as KubeObject]));
}

function warnings(rsp: RunFunctionResponse): string[] {
  return rsp.results.filter((r) => r.severity === Severity.SEVERITY_WARNING).map((r) => r.message);
}

/** A desired object as Crossplane would observe it once applied, with a Ready condition. */
function observedAs(obj: KubeObject, ready: boolean, extraStatus: Record<string, unknown> = {}): KubeObject {
  return { ...obj, metadata: { ...obj.metadata, uid: 'u-1', resourceVersion: '7' }, status: { ...extraStatus, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', reason: ready ? 'Available' : 'Creating' }] } };
}

describe('ModelDeployment over gRPC', () => {
  const xr = example('single-gpu');

  it('first schedule: places the replica and asks to be called again while it is created', async () => {
    const rsp = await wire.call(functionRequest({ xr, required: { clusters: fleet, replicas: [] } }));
    const replicas = Object.entries(desired(rsp)).filter(([, o]) => o.kind === 'ModelReplica');
    expect(replicas.map(([k]) => k)).toEqual(['replica-eu-west-1-0']);
    expect(condition(rsp, 'ReplicasScheduled')).toEqual({ status: 'False', reason: 'Scheduling', message: '1 of 1 replicas scheduled; waiting for 1 to be created' });
    expect(rsp.results.map((r) => r.message)).toEqual(['Scheduled 1 replicas across 1 clusters: eu-west-1']);
    expect(Object.keys(rsp.requirements?.resources ?? {}).sort()).toEqual(['clusters', 'replicas']);
  });

  it('a Ready replica gets its endpoint; when it stops being Ready the endpoint is withdrawn and the replica kept', async () => {
    const first = await wire.call(functionRequest({ xr, required: { clusters: fleet, replicas: [] } }));
    const replica = desired(first)['replica-eu-west-1-0']!;
    const ready = observedAs(replica, true);
    const day2 = await wire.call(functionRequest({ xr, observed: { 'replica-eu-west-1-0': ready }, required: { clusters: fleet, replicas: [ready] } }));
    const endpoint = desired(day2)['endpoint-eu-west-1-0']!;
    expect(endpoint).toMatchObject({ kind: 'ModelEndpoint', metadata: { name: replica.metadata!.name, labels: { 'modelplane.ai/api': 'OpenAI' } } });
    expect((endpoint.spec as { url: string }).url).toBe(`http://gw.eu-west-1.inference.example.com/ml-team/${replica.metadata!.name}/v1`);
    expect(condition(day2, 'ReplicasScheduled').reason).toBe('Scheduled');
    expect(condition(day2, 'ReplicasReady')).toMatchObject({ status: 'True', reason: 'AllReplicasReady', message: '1 of 1 ready' });
    expect(day2.desired?.resources['replica-eu-west-1-0']?.ready).toBe(Ready.READY_TRUE);
    expect(day2.results).toEqual([]);

    const notReady = observedAs(replica, false);
    const endpointObserved = observedAs(endpoint, true);
    const day3 = await wire.call(
      functionRequest({ xr, observed: { 'replica-eu-west-1-0': notReady, 'endpoint-eu-west-1-0': endpointObserved }, required: { clusters: fleet, replicas: [notReady] } }),
    );
    expect(Object.keys(desired(day3))).toEqual(['replica-eu-west-1-0']);
    expect(condition(day3, 'ReplicasReady')).toMatchObject({ status: 'False', reason: 'ReplicasNotReady', message: '0 of 1 ready' });
  });

  it('shortfall: says per cluster why, in status and in the condition', async () => {
    const big = structuredClone(xr) as { spec: { replicas: number } } & KubeObject;
    big.spec.replicas = 100;
    const rsp = await wire.call(functionRequest({ xr: big, required: { clusters: fleet, replicas: [] } }));
    const scheduled = condition(rsp, 'ReplicasScheduled');
    expect(scheduled.status).toBe('False');
    expect(scheduled.reason).toBe('InsufficientCapacity');
    expect(scheduled.message).toMatch(/^\d+ of 100 replicas scheduled; /);
    const status = (rsp.desired?.composite?.resource as { status: { unschedulable: { cluster: string; reason: string }[] } }).status;
    expect(status.unschedulable).toContainEqual({ cluster: 'eu-west-2', reason: 'not Ready' });
  });

  it('no cluster matches: keeps the observed replica and names the selector', async () => {
    const elsewhere = structuredClone(xr) as { spec: { clusterSelector: unknown } } & KubeObject;
    elsewhere.spec.clusterSelector = { matchLabels: { 'modelplane.ai/tier': 'nowhere' } };
    const running = observedAs((desired(await wire.call(functionRequest({ xr, required: { clusters: fleet, replicas: [] } }))))['replica-eu-west-1-0']!, true);
    const rsp = await wire.call(functionRequest({ xr: elsewhere, observed: { 'replica-eu-west-1-0': running }, required: { clusters: fleet, replicas: [running] } }));
    expect(condition(rsp, 'ReplicasScheduled')).toEqual({
      status: 'False',
      reason: 'NoClusters',
      message: `no InferenceCluster matches the clusterSelector {modelplane.ai/tier=nowhere} (${fleet.length} exist); keeping 1 existing replicas`,
    });
    const kept = desired(rsp)['replica-eu-west-1-0']!;
    expect(kept.spec).toEqual(running.spec);
    expect(kept.status).toBeUndefined();
    expect(kept.metadata).not.toHaveProperty('uid');
    expect(warnings(rsp)).toHaveLength(1);
  });

  it('an invalid selector: keeps the observed replica unchanged and names engine, member, request and selector', async () => {
    const running = observedAs((desired(await wire.call(functionRequest({ xr, required: { clusters: fleet, replicas: [] } }))))['replica-eu-west-1-0']!, true);
    const typo = structuredClone(xr) as { spec: { engines: { members: { nodeSelector: { devices: { selectors: { cel: string }[] }[] } }[] }[] } } & KubeObject;
    typo.spec.engines[0]!.members[0]!.nodeSelector.devices[0]!.selectors[0]!.cel = 'device.capacity["gpu.nvidia.com"].memory.biggerThan(quantity("16Gi"))';
    const rsp = await wire.call(functionRequest({ xr: typo, observed: { 'replica-eu-west-1-0': running }, required: { clusters: fleet, replicas: [running] } }));
    const scheduled = condition(rsp, 'ReplicasScheduled');
    expect(scheduled.reason).toBe('InvalidNodeSelector');
    expect(scheduled.message).toMatch(/^engine "qwen3-8b" member Standalone request "gpu" selector 0 \(0-based\): .*biggerThan.*; keeping 1 existing replicas$/);
    expect(desired(rsp)['replica-eu-west-1-0']!.spec).toEqual(running.spec);
  });

  it('no clusters fetched yet: only the requirements, nothing reported, nothing lost', async () => {
    const running = observedAs(loadDocuments(`${ROOT}examples/observed/qwen3-8b-replica.yaml`)[0]!.object, true);
    const rsp = await wire.call(functionRequest({ xr, observed: { 'replica-eu-west-1-0': running } }));
    expect(Object.keys(desired(rsp))).toEqual(['replica-eu-west-1-0']);
    expect(rsp.results).toEqual([]);
    expect(Object.keys(rsp.requirements?.resources ?? {}).sort()).toEqual(['clusters', 'replicas']);
  });
});

describe('ModelReplica over gRPC: readiness follows the observed Objects', () => {
  async function firstReplica(name: string): Promise<KubeObject> {
    const rsp = await wire.call(functionRequest({ xr: example(name), required: { clusters: fleet, replicas: [] } }));
    return Object.values(desired(rsp)).find((o) => o.kind === 'ModelReplica')!;
  }

  it('waits for its cluster, then deploys, then serves as the Objects are accepted and become Ready', async () => {
    const replica = await firstReplica('disaggregated');
    const cluster = fleet.filter((c) => c.metadata?.name === (replica.spec as { clusterName: string }).clusterName);

    const unresolved = await wire.call(functionRequest({ xr: replica }));
    expect(condition(unresolved, 'ModelAccepted')).toMatchObject({ status: 'False', reason: 'WaitingForCluster' });
    expect(desired(unresolved)).toEqual({});

    const first = await wire.call(functionRequest({ xr: replica, required: { cluster } }));
    expect(condition(first, 'ModelAccepted')).toMatchObject({ status: 'False', reason: 'Deploying', message: '0 of 2 workloads accepted' });
    expect(condition(first, 'ModelReady')).toMatchObject({ status: 'False', reason: 'WaitingForModel' });
    const keys = Object.keys(desired(first));
    expect(keys).toEqual(expect.arrayContaining(['workload-prefill', 'workload-decode', 'pool', 'epp-deployment', 'route']));

    const accepted = (ready: (key: string) => boolean) =>
      Object.fromEntries(Object.entries(desired(first)).map(([k, o]) => [k, observedAs(o, ready(k), { atProvider: { manifest: (o.spec as { forProvider: { manifest: unknown } }).forProvider.manifest } })]));
    const starting = await wire.call(functionRequest({ xr: replica, observed: accepted((k) => k !== 'epp-deployment'), required: { cluster } }));
    expect(condition(starting, 'ModelAccepted')).toMatchObject({ status: 'True', reason: 'Accepted', message: 'all 2 workloads accepted' });
    expect(condition(starting, 'ModelReady')).toMatchObject({ status: 'False', reason: 'ModelStarting' });
    expect(condition(starting, 'ModelReady').message).toContain('endpoint picker');
    expect(starting.desired?.resources['epp-deployment']?.ready).toBe(Ready.READY_FALSE);

    const serving = await wire.call(functionRequest({ xr: replica, observed: accepted(() => true), required: { cluster } }));
    expect(condition(serving, 'ModelReady')).toEqual({ status: 'True', reason: 'Serving', message: 'serving' });
    expect(Object.values(serving.desired?.resources ?? {}).every((r) => r.ready === Ready.READY_TRUE)).toBe(true);
    expect(serving.results).toEqual([]);

    // The cluster's status blinks: everything observed is kept, nothing is deleted.
    const blink = structuredClone(cluster);
    delete (blink[0]!.status as { providerConfigRef?: unknown }).providerConfigRef;
    const held = await wire.call(functionRequest({ xr: replica, observed: accepted(() => true), required: { cluster: blink } }));
    expect(condition(held, 'ModelAccepted')).toMatchObject({ status: 'False', reason: 'WaitingForCluster' });
    expect(Object.keys(desired(held)).sort()).toEqual(keys.sort());
  });
});
