// Validation of Modelplane manifests against the XRDs in apis/ and the function's Input schema, as
// the API server would admit them: the XRD's schema wrapped the way Crossplane generates the CRD,
// structural defaults applied, then the XRD's CEL rules.
//
// The XRDs are read from apis/ at first use (the path resolves the same from src/api and from
// dist/api), so what is validated is exactly what the package ships.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { INPUT_API_VERSION, INPUT_KIND, inputSchemaValidator } from './input.js';
import { contentKey, cut, describeValue } from '../values.js';
import { LruCache } from '../lru.js';
import {
  compileStructuralSchema,
  FIELD_NOT_DECLARED,
  RULES_NOT_CHECKED,
  type SchemaNode,
  type StructuralValidator,
  type Violation,
} from './structural.js';

export { formatViolation, type Violation } from './structural.js';

export interface ManifestCheck {
  /** The manifest with null fields dropped and schema defaults applied (a copy). */
  object: unknown;
  violations: Violation[];
}

interface KindSchema {
  validator: StructuralValidator;
  /** Composite resources are API objects and need a name; the Input is not and does not. */
  isApiObject: boolean;
}

const APIS_DIR = new URL('../../apis/', import.meta.url);

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

let registry: Map<string, KindSchema> | undefined;

/** `<apiVersion> <kind>`; undefined unless both are strings, since no schema is for anything else. */
function kindKey(apiVersion: unknown, kind: unknown): string | undefined {
  return typeof apiVersion === 'string' && typeof kind === 'string' ? `${apiVersion} ${kind}` : undefined;
}

/** An apiVersion or kind as a message shows it: a string as it is, anything else as JSON; cut short. */
function shownName(value: unknown): string {
  return typeof value === 'string' ? cut(value) : describeValue(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The CRD schema Crossplane generates from an XRD: the XRD's schema plus apiVersion, kind and
 * metadata, Crossplane's own spec.crossplane and status.crossplane, and status.conditions.
 */
export function compositeSchema(xrdSchema: SchemaNode): SchemaNode {
  const schema = structuredClone(xrdSchema);
  const properties = (isObject(schema.properties) ? schema.properties : {}) as Record<string, SchemaNode>;
  const crossplaneField = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  const spec = properties.spec ?? { type: 'object' };
  spec.properties = { ...(isObject(spec.properties) ? spec.properties : {}), crossplane: crossplaneField };
  const status = properties.status ?? { type: 'object' };
  status.properties = {
    ...(isObject(status.properties) ? status.properties : {}),
    crossplane: crossplaneField,
    conditions: {
      type: 'array',
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
      items: {
        type: 'object',
        required: ['type', 'status'],
        properties: {
          type: { type: 'string' },
          status: { type: 'string' },
          reason: { type: 'string' },
          message: { type: 'string' },
          lastTransitionTime: { type: 'string' },
          observedGeneration: { type: 'integer' },
        },
      },
    },
  };
  schema.properties = {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    ...properties,
    spec,
    status,
  };
  return schema;
}

interface XrdVersion {
  name: string;
  served?: boolean;
  schema?: { openAPIV3Schema?: SchemaNode };
}

/** Reads every apis/<name>/definition.yaml. Throws when one is malformed: that is a packaging bug. */
function loadRegistry(): Map<string, KindSchema> {
  const kinds = new Map<string, KindSchema>();
  const dirs = readdirSync(APIS_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  for (const dir of dirs) {
    const file = new URL(`${dir}/definition.yaml`, APIS_DIR);
    if (!existsSync(file)) continue;
    const xrd = parseYaml(readFileSync(file, 'utf8')) as { spec: { group: string; names: { kind: string }; versions: XrdVersion[] } };
    for (const version of xrd.spec.versions) {
      const schema = version.schema?.openAPIV3Schema;
      if (version.served === false || !schema) continue;
      kinds.set(`${xrd.spec.group}/${version.name} ${xrd.spec.names.kind}`, {
        validator: compileStructuralSchema(compositeSchema(schema)),
        isApiObject: true,
      });
    }
  }
  kinds.set(`${INPUT_API_VERSION} ${INPUT_KIND}`, { validator: inputSchemaValidator(), isApiObject: false });
  return kinds;
}

function schemas(): Map<string, KindSchema> {
  registry ??= loadRegistry();
  return registry;
}

/** `<apiVersion> <kind>` of everything this module validates, sorted. */
export function knownKinds(): string[] {
  return [...schemas().keys()].sort();
}

function metadataViolations(manifest: Record<string, unknown>): Violation[] {
  const metadata = isObject(manifest.metadata) ? manifest.metadata : {};
  const { name, generateName } = metadata;
  if (name === undefined || name === '') {
    return generateName === undefined || generateName === ''
      ? [{ path: 'metadata.name', message: 'Required value: name or generateName is required' }]
      : [];
  }
  if (typeof name !== 'string' || name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
    const shown = typeof name === 'string' ? JSON.stringify(name.length > 100 ? `${name.slice(0, 100)}...` : name) : JSON.stringify(name);
    return [
      {
        path: 'metadata.name',
        message:
          `Invalid value: ${shown}: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, ` +
          "'-' or '.', must start and end with an alphanumeric character, and be at most 253 characters",
      },
    ];
  }
  return [];
}

/**
 * Checks one manifest and returns it defaulted. A manifest of a kind no schema here describes is
 * one violation naming the kinds that are known.
 */
export function checkManifest(manifest: unknown): ManifestCheck {
  if (!isObject(manifest)) {
    return { object: manifest, violations: [{ path: '', message: 'must be a Kubernetes object (a mapping with apiVersion and kind)' }] };
  }
  const key = kindKey(manifest.apiVersion, manifest.kind);
  const schema = key === undefined ? undefined : schemas().get(key);
  if (!schema) {
    const known = knownKinds().join(', ');
    return {
      object: manifest,
      violations: [
        {
          path: 'kind',
          message: `no schema for ${shownName(manifest.apiVersion)} ${shownName(manifest.kind)}: known kinds are ${known}`,
        },
      ],
    };
  }
  const { value, violations } = schema.validator.check(manifest);
  return { object: value, violations: schema.isApiObject ? [...metadataViolations(manifest), ...violations] : violations };
}

/** The violations of one manifest; empty when the API server would admit it. */
export function validateManifest(manifest: unknown): Violation[] {
  return checkManifest(manifest).violations;
}

/**
 * A copy of the manifest with its schema's defaults applied (role Standalone, copies 1, ...), as
 * the API server would store it. Manifests of unknown kinds come back unchanged.
 */
export function withDefaults<T>(manifest: T): T {
  return checkManifest(manifest).object as T;
}

/**
 * Why the API server would not admit an observed composite resource as it is: every violation of
 * its XRD's schema, bounds and validation rules, except fields the schema does not declare, which
 * the API server prunes on admission instead of rejecting. Empty when it would be admitted. Not
 * remembered: compositeViolations is this with a cache.
 */
export function checkComposite(composite: unknown): readonly Violation[] {
  // The notice that rules were skipped always comes with the schema errors that caused it.
  return Object.freeze(validateManifest(composite).filter((v) => v.message !== FIELD_NOT_DECLARED && v.message !== RULES_NOT_CHECKED));
}

/** checkComposite, remembered by the composite's content. */
export function compositeViolations(composite: unknown): readonly Violation[] {
  // Crossplane sends the same composite on every reconcile until its spec or status changes, so the
  // verdict is remembered by content: serialising it costs a tenth of checking it.
  const key = contentKey(composite);
  let violations = key === undefined ? undefined : checkedComposites.get(key);
  if (violations === undefined) {
    violations = checkComposite(composite);
    if (key !== undefined) checkedComposites.set(key, violations);
  }
  return violations;
}

const CHECKED_COMPOSITES_KEPT = 1024;
const checkedComposites = new LruCache<string, readonly Violation[]>(CHECKED_COMPOSITES_KEPT);

/**
 * A violation as a condition message states it: field path, the offending value (cut short) where
 * the message does not quote it already, and what is wrong.
 */
export function describeViolation(violation: Violation): string {
  const message = violation.value === undefined ? violation.message : `Invalid value: ${describeValue(violation.value)}: ${violation.message}`;
  return violation.path === '' ? message : `${violation.path}: ${message}`;
}
