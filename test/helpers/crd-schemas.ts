// Validates manifests against the real upstream CRDs (LeaderWorkerSet, InferencePool, HTTPRoute,
// provider-kubernetes Object) the way the API server would: structural schema with defaults
// applied first, then the CRD's x-kubernetes-validations CEL rules. The CRDs live beside the
// checkout (../shared/crds) or in $MODELPLANE_CRDS_DIR; they are never copied into the repo.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type AnySchemaObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { celEnv, isCelError, parse, plan } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import YAML from 'yaml';

const REPO_ROOT = path.resolve(fileURLToPath(new URL('../../', import.meta.url)));

/** Where the CRDs are looked for: $MODELPLANE_CRDS_DIR, else ../shared/crds beside the checkout. */
export function expectedCrdsDir(): string {
  return process.env.MODELPLANE_CRDS_DIR ?? path.resolve(REPO_ROOT, '../shared/crds');
}

/** The CRD directory when it exists and holds YAML files; undefined means CRD tests must skip. */
export function crdsDir(): string | undefined {
  const dir = expectedCrdsDir();
  return existsSync(dir) && readdirSync(dir).some((f) => /\.ya?ml$/.test(f)) ? dir : undefined;
}

export const CRD_FILES = {
  LeaderWorkerSet: 'leaderworkerset.x-k8s.io_leaderworkersets.yaml',
  InferencePool: 'inference.networking.k8s.io_inferencepools.yaml',
  HTTPRoute: 'gateway.networking.k8s.io_httproutes.yaml',
  Object: 'kubernetes.m.crossplane.io_objects.yaml',
} as const;

export type CrdKind = keyof typeof CRD_FILES;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * OpenAPI v3.0 → what ajv (draft-07) accepts: boolean exclusiveMinimum/Maximum become the numeric
 * form. Example values are data, not schema, so they are left alone.
 */
function toAjvSchema(schema: Json): Json {
  if (Array.isArray(schema)) return schema.map(toAjvSchema);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: { [key: string]: Json } = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'default' || key === 'enum' || key === 'example') out[key] = value;
    else if (key === 'exclusiveMinimum' && typeof value === 'boolean') {
      if (value) out.exclusiveMinimum = schema.minimum ?? 0;
    } else if (key === 'exclusiveMaximum' && typeof value === 'boolean') {
      if (value) out.exclusiveMaximum = schema.maximum ?? 0;
    } else out[key] = toAjvSchema(value);
  }
  if (typeof schema.exclusiveMinimum === 'boolean' && schema.exclusiveMinimum) delete out.minimum;
  if (typeof schema.exclusiveMaximum === 'boolean' && schema.exclusiveMaximum) delete out.maximum;
  return out;
}

/** JSON → CEL input: integers are CEL ints (bigint); JSON numbers are otherwise doubles. */
function toCel(value: unknown): unknown {
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (Array.isArray(value)) return value.map(toCel);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toCel(v)]));
  }
  return value;
}

interface CelRule {
  rule: string;
  message?: string;
}

const celEnvironment = celEnv({ funcs: [...strings] });

function newAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, useDefaults: true, strictTypes: false });
  ajv.addVocabulary([
    'x-kubernetes-preserve-unknown-fields',
    'x-kubernetes-embedded-resource',
    'x-kubernetes-list-type',
    'x-kubernetes-list-map-keys',
    'x-kubernetes-map-type',
  ]);
  // ajv-formats is CommonJS: the default import is module.exports, whose `default` is the plugin.
  addFormatsModule.default(ajv);
  for (const format of ['int32', 'int64', 'float', 'double', 'byte', 'quantity']) ajv.addFormat(format, true);
  ajv.addKeyword({
    keyword: 'x-kubernetes-int-or-string',
    schemaType: 'boolean',
    validate: (on: boolean, data: unknown) => !on || typeof data === 'string' || Number.isInteger(data),
    errors: false,
  });
  ajv.addKeyword({
    keyword: 'x-kubernetes-validations',
    schemaType: 'array',
    // After properties, so the rules see the object with its defaults applied, as the API server does.
    post: true,
    compile(rules: CelRule[]) {
      const programs = rules.map((r) => ({ ...r, run: plan(celEnvironment, parse(r.rule)) }));
      const validate = (data: unknown): boolean => {
        const self = toCel(data);
        const failed = programs.filter((p) => {
          const result = p.run({ self } as never);
          return isCelError(result) || result !== true;
        });
        validate.errors = failed.map((p) => ({
          keyword: 'x-kubernetes-validations',
          message: p.message ?? `failed rule: ${p.rule}`,
          params: { rule: p.rule },
        }));
        return failed.length === 0;
      };
      validate.errors = [] as object[];
      return validate;
    },
  });
  return ajv;
}

let sharedAjv: Ajv | undefined;
const compiled = new Map<string, ValidateFunction>();

function validatorFor(kind: CrdKind, version: string): ValidateFunction {
  const dir = crdsDir();
  if (dir === undefined) throw new Error(`no CRDs at ${expectedCrdsDir()} (set MODELPLANE_CRDS_DIR)`);
  const cacheKey = `${kind}/${version}`;
  const cached = compiled.get(cacheKey);
  if (cached !== undefined) return cached;
  const crd = YAML.parse(readFileSync(path.join(dir, CRD_FILES[kind]), 'utf8')) as {
    spec: { versions: { name: string; schema: { openAPIV3Schema: Json } }[] };
  };
  const served = crd.spec.versions.find((v) => v.name === version);
  if (served === undefined) throw new Error(`${CRD_FILES[kind]} has no version ${version}`);
  sharedAjv ??= newAjv();
  const validate = sharedAjv.compile(toAjvSchema(served.schema.openAPIV3Schema) as AnySchemaObject);
  compiled.set(cacheKey, validate);
  return validate;
}

/**
 * Schema and CEL violations of `manifest` against the CRD of `kind` at `version`, as
 * `<instance path>: <message>` lines; empty when valid. The manifest itself is not modified
 * (defaults are applied to a copy).
 */
export function crdViolations(kind: CrdKind, version: string, manifest: unknown): string[] {
  const validate = validatorFor(kind, version);
  const copy = structuredClone(manifest);
  if (validate(copy)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'}: ${e.message ?? e.keyword}`);
}

