// `render`: run the real function server on a loopback port and drive it as Crossplane would, then
// print the desired composed resources (stdout) and a short explanation (stderr).
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { stringify } from 'yaml';
import { Severity, type RunFunctionRequest, type RunFunctionResponse } from '@crossplane-org/function-sdk-typescript';
import type { KubeObject } from '../api/types.js';
import { ANNOTATION_COMPOSITION_RESOURCE_NAME } from '../k8s/labels.js';
import { runFunction } from '../function.js';
import { startFunctionServer } from '../server.js';
import { connectFunction, type FunctionClient } from './client.js';
import { InputFileError, loadAll, loadDocuments } from './files.js';
import { runWithRequirements, type LoopOutcome } from './requirements-loop.js';
import { summarise } from './summary.js';

const PACKAGE_ROOT = new URL('../../', import.meta.url);
export const DEFAULT_FLEET = fileURLToPath(new URL('examples/fleet/', PACKAGE_ROOT));

export interface RenderArgs {
  xr: string;
  fleet: string[];
  observed: string[];
  functionInput?: string;
  tree: boolean;
}

export const RENDER_USAGE = `Usage: npm run render -- <xr.yaml> [--fleet <dir or file>]... [--observed <file>]... [--function-input <file>] [--tree]`;

export function parseRenderArgs(argv: string[]): RenderArgs {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      fleet: { type: 'string', multiple: true },
      observed: { type: 'string', multiple: true },
      'function-input': { type: 'string' },
      tree: { type: 'boolean', default: false },
    },
  });
  if (positionals.length !== 1) throw new InputFileError(`expected exactly one XR file\n${RENDER_USAGE}`);
  return {
    xr: positionals[0]!,
    fleet: values.fleet ?? [DEFAULT_FLEET],
    observed: values.observed ?? [],
    functionInput: values['function-input'],
    tree: values.tree,
  };
}

/** The Input of the Composition shipped in apis/ for this kind, as an installed package would use. */
function compositionInput(kind: string): unknown {
  const path = fileURLToPath(new URL(`apis/${kind.toLowerCase()}/composition.yaml`, PACKAGE_ROOT));
  const composition = loadDocuments(path)[0]?.object as { spec?: { pipeline?: { input?: unknown }[] } } | undefined;
  return composition?.spec?.pipeline?.[0]?.input;
}

function readFunctionInput(path: string): unknown {
  const doc = loadDocuments(path)[0];
  if (!doc) throw new InputFileError(`${path}: no Input document`);
  return doc.object;
}

function observedByKey(paths: string[]): Record<string, KubeObject> {
  const observed: Record<string, KubeObject> = {};
  for (const { file, object } of loadAll(paths)) {
    const key = object.metadata?.annotations?.[ANNOTATION_COMPOSITION_RESOURCE_NAME];
    if (!key) throw new InputFileError(`${file}: observed resource ${object.kind ?? '?'}/${object.metadata?.name ?? '?'} has no ${ANNOTATION_COMPOSITION_RESOURCE_NAME} annotation`);
    observed[key] = object;
  }
  return observed;
}

function requestFor(xr: KubeObject, observed: Record<string, KubeObject>, input: unknown): RunFunctionRequest {
  const resources: NonNullable<RunFunctionRequest['observed']>['resources'] = {};
  for (const [key, resource] of Object.entries(observed)) resources[key] = { resource, connectionDetails: {}, ready: 0 };
  return {
    meta: { tag: '', capabilities: [] },
    observed: { composite: { resource: xr, connectionDetails: {}, ready: 0 }, resources },
    desired: { composite: undefined, resources: {} },
    input: input as RunFunctionRequest['input'],
    context: undefined,
    extraResources: {},
    credentials: {},
    requiredResources: {},
    requiredSchemas: {},
  };
}

/** Desired composed resources as Crossplane would create them, annotated with their keys. */
export function composedObjects(rsp: RunFunctionResponse): KubeObject[] {
  const desired = rsp.desired?.resources ?? {};
  return Object.keys(desired)
    .sort()
    .map((key) => {
      const obj = structuredClone(desired[key]!.resource) as KubeObject;
      obj.metadata = { ...(obj.metadata ?? {}) };
      obj.metadata.annotations = { ...(obj.metadata.annotations ?? {}), [ANNOTATION_COMPOSITION_RESOURCE_NAME]: key };
      return obj;
    });
}

function hasFatal(rsp: RunFunctionResponse): boolean {
  return rsp.results.some((r) => r.severity === Severity.SEVERITY_FATAL);
}

export interface RenderOutput {
  stdout: string;
  stderr: string;
  exitCode: number;
}

async function renderOne(client: FunctionClient, xr: KubeObject, observed: Record<string, KubeObject>, input: unknown, pool: KubeObject[]): Promise<LoopOutcome> {
  return runWithRequirements((req) => client.runFunction(req), requestFor(xr, observed, input), pool);
}

/** Render with already-parsed arguments against an already-running function. */
export async function renderWith(client: FunctionClient, args: RenderArgs): Promise<RenderOutput> {
  const xrDoc = loadDocuments(args.xr)[0];
  if (!xrDoc) throw new InputFileError(`${args.xr}: no XR document`);
  const xr = xrDoc.object;
  if (typeof xr.kind !== 'string' || typeof xr.apiVersion !== 'string') throw new InputFileError(`${args.xr}: the XR has no apiVersion or kind`);
  const fleet = loadAll(args.fleet).map((d) => d.object);
  const observed = observedByKey(args.observed);
  const input = (kind: string): unknown => (args.functionInput ? readFunctionInput(args.functionInput) : compositionInput(kind));
  // As in a control plane, what exists (the fleet and the observed resources) answers requirements.
  const pool = [...fleet, ...Object.values(observed)];

  const top = await renderOne(client, xr, observed, input(xr.kind), pool);
  const docs: string[] = [];
  const summaries: string[] = [summarise(xr, top)];
  let exitCode = hasFatal(top.response) ? 1 : 0;
  for (const obj of composedObjects(top.response)) {
    docs.push(stringify(obj, { lineWidth: 0 }));
    if (args.tree && obj.kind === 'ModelReplica' && obj.apiVersion === xr.apiVersion) {
      const child = await renderOne(client, obj, {}, input('ModelReplica'), fleet);
      summaries.push(summarise(obj, child));
      if (hasFatal(child.response)) exitCode = 1;
      for (const nested of composedObjects(child.response)) {
        docs.push(`# composed by ModelReplica ${obj.metadata?.namespace}/${obj.metadata?.name}\n${stringify(nested, { lineWidth: 0 })}`);
      }
    }
  }
  return { stdout: docs.map((d) => `---\n${d}`).join(''), stderr: summaries.join('\n'), exitCode };
}

/** `render` end to end: start the real server on loopback, render, stop the server. */
export async function render(argv: string[]): Promise<RenderOutput> {
  const args = parseRenderArgs(argv);
  const server = await startFunctionServer(
    runFunction,
    { address: '127.0.0.1:0', insecure: true, maxRecvMessageSize: 256 * 1024 * 1024 },
    pino({ level: 'silent' }),
  );
  const client = connectFunction(`127.0.0.1:${server.port}`);
  try {
    return await renderWith(client, args);
  } finally {
    client.close();
    await server.drain(1000);
  }
}
