// Validation of an object against a Kubernetes structural schema (a CRD's openAPIV3Schema), done the
// way the API server does it, so that `validate` and the tests reject exactly what admission would:
//
//   1. null values of non-nullable fields are dropped (the API server prunes them before defaulting);
//   2. the schema is checked with ajv, structural defaults applied on the way (useDefaults);
//   3. x-kubernetes-list-type map/set lists are checked for duplicate keys;
//   4. x-kubernetes-validations CEL rules run last, on the defaulted object, unless step 2 found a
//      type or enum error (the API server skips CEL then too: rules could not be evaluated safely).
//
// Errors come back as Kubernetes field paths (`spec.engines[0].members[1].worker.nodes`) with
// messages worded like the API server's (`Invalid value: 65: must be less than or equal to 64`).
import { Ajv, type ErrorObject, type AnySchemaObject } from 'ajv';
import { celEnv, celList, celMap, isCelError, parse, plan, type CelInput } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { xrdRegexEngine } from './regex.js';

export interface Violation {
  /** Kubernetes field path, e.g. `spec.engines[0].name`; empty for the object as a whole. */
  path: string;
  message: string;
  /**
   * The offending value, for a validation rule's violation: a rule's message says what is wrong but,
   * unlike the schema's messages, not with which value.
   */
  value?: unknown;
}

export interface CheckResult {
  /** A copy of the input with null fields dropped and structural defaults applied. */
  value: unknown;
  violations: Violation[];
}

export interface StructuralValidator {
  check(value: unknown): CheckResult;
}

/** A JSON-schema node as it appears in a CRD. */
export type SchemaNode = Record<string, unknown>;

interface ValidationRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  fieldPath?: string;
}

type Program = ReturnType<typeof plan>;

interface CompiledRule {
  rule: string;
  message?: string;
  messageProgram?: Program;
  /** JSON-pointer segments of the rule's fieldPath, relative to the node carrying the rule. */
  fieldPath: string[];
  program: Program;
}

/** A node whose rules run once the whole object has been checked and defaulted. */
interface PendingRules {
  pointer: string;
  schema: SchemaNode;
  data: unknown;
  rules: CompiledRule[];
}

/** `<path>: <message>`, or just the message when it is about the object as a whole. */
export function formatViolation(violation: Violation): string {
  return violation.path === '' ? violation.message : `${violation.path}: ${violation.message}`;
}

/** The message of a field the schema does not declare (which the API server would prune). */
export const FIELD_NOT_DECLARED = 'field not declared in schema';

export const RULES_NOT_CHECKED =
  'some validation rules were not checked because the object was invalid; correct the existing errors to complete validation';

const MAX_SHOWN_CHARS = 100;

// Rules like `labels.all(k, k.matches(...))` match once per entry on every check: patterns are
// compiled once (compiling costs about 50 times a match) and anchored ones run the fast way.
const celEnvironment = celEnv({ funcs: [...strings], re2: xrdRegexEngine });
const programs = new Map<string, Program>();

/** Each distinct rule text is parsed and planned once per process. */
function compileCel(text: string): Program {
  let program = programs.get(text);
  if (!program) {
    program = plan(celEnvironment, parse(text));
    programs.set(text, program);
  }
  return program;
}

// Rules found while ajv walks an object, keyed by the object being validated: a rule must see the
// fully defaulted object, and ajv applies a parent's defaults only after its children's rules ran.
const pendingByRoot = new WeakMap<object, PendingRules[]>();

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function childSchema(schema: SchemaNode | undefined, key: string): SchemaNode | undefined {
  if (!schema) return undefined;
  const properties = schema.properties;
  if (isObject(properties) && isObject(properties[key])) return properties[key];
  const additional = schema.additionalProperties;
  return isObject(additional) ? additional : undefined;
}

function itemSchema(schema: SchemaNode | undefined): SchemaNode | undefined {
  return schema && isObject(schema.items) ? schema.items : undefined;
}

/**
 * Converts a JSON value for CEL: JSON integers become CEL ints (bigint) unless the schema says
 * number; objects and lists become CEL maps and lists up front, which CEL takes as they are instead
 * of wrapping each one again on every access. Nested nodes with rules each need their value, so
 * conversions are memoised per object within one check: every part of the object is converted
 * once, not once per enclosing rule.
 */
function toCel(value: unknown, schema: SchemaNode | undefined, memo: Map<object, CelInput>): CelInput {
  if (typeof value === 'object' && value !== null) {
    const known = memo.get(value);
    if (known !== undefined) return known;
    let converted: CelInput;
    if (Array.isArray(value)) {
      const items = itemSchema(schema);
      converted = celList(value.map((item) => toCel(item, items, memo)));
    } else {
      const entries = new Map<string, CelInput>();
      for (const key of Object.keys(value)) {
        entries.set(key, toCel((value as Record<string, unknown>)[key], childSchema(schema, key), memo));
      }
      converted = celMap(entries);
    }
    memo.set(value, converted);
    return converted;
  }
  if (typeof value === 'number' && Number.isInteger(value) && schema?.type !== 'number') return BigInt(value);
  // What is left is what JSON holds: strings, doubles, booleans and null.
  return value as CelInput;
}

/** Sets a property as an own data property, even `__proto__` (a legal JSON key). */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

function compileRules(rules: ValidationRule[]): CompiledRule[] {
  // Transition rules compare with the stored object; validating a manifest is always a create.
  return rules
    .filter((r) => !/\boldSelf\b/.test(r.rule))
    .map((r) => ({
      rule: r.rule,
      ...(r.message !== undefined ? { message: r.message } : {}),
      ...(r.messageExpression !== undefined ? { messageProgram: compileCel(r.messageExpression) } : {}),
      fieldPath: parseFieldPath(r.fieldPath),
      program: compileCel(r.rule),
    }));
}

/** A rule's fieldPath in its simple dotted form (`.labels`, `.worker.nodes`). */
function parseFieldPath(fieldPath: string | undefined): string[] {
  if (!fieldPath || !/^(\.[A-Za-z_][A-Za-z0-9_]*)+$/.test(fieldPath)) return [];
  return fieldPath.slice(1).split('.');
}

function newAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, useDefaults: true, strictTypes: false, validateFormats: false });
  ajv.addVocabulary([
    'x-kubernetes-preserve-unknown-fields',
    'x-kubernetes-embedded-resource',
    'x-kubernetes-list-map-keys',
    'x-kubernetes-map-type',
    'example',
    'externalDocs',
  ]);
  ajv.addKeyword({
    keyword: 'x-kubernetes-int-or-string',
    schemaType: 'boolean',
    errors: true,
    validate: function intOrString(enabled: boolean, data: unknown) {
      return !enabled || typeof data === 'string' || (typeof data === 'number' && Number.isInteger(data));
    },
  });
  ajv.addKeyword({
    keyword: 'x-kubernetes-list-type',
    schemaType: 'string',
    // After items, so that key fields with defaults are compared defaulted.
    post: true,
    compile(listType: string, parentSchema: AnySchemaObject) {
      const mapKeys = Array.isArray(parentSchema['x-kubernetes-list-map-keys'])
        ? (parentSchema['x-kubernetes-list-map-keys'] as string[])
        : [];
      const check = Object.assign(
        (data: unknown): boolean => {
          check.errors = [];
          if (!Array.isArray(data) || (listType !== 'map' && listType !== 'set')) return true;
          const seen = new Set<string>();
          data.forEach((item: unknown, index) => {
            const key = listType === 'map' ? listMapKey(item, mapKeys) : JSON.stringify(item);
            if (key === undefined) return;
            if (seen.has(key)) check.errors.push({ keyword: 'x-kubernetes-list-type', params: { index, key } });
            seen.add(key);
          });
          return check.errors.length === 0;
        },
        { errors: [] as Partial<ErrorObject>[] },
      );
      return check;
    },
  });
  ajv.addKeyword({
    keyword: 'x-kubernetes-validations',
    schemaType: 'array',
    // Runs after the node's properties, so the node's own defaults are in place.
    post: true,
    compile(rules: ValidationRule[], parentSchema: AnySchemaObject) {
      const compiled = compileRules(rules);
      return (data: unknown, context?: { instancePath: string; rootData: unknown }) => {
        const root = context?.rootData;
        if (compiled.length > 0 && typeof root === 'object' && root !== null) {
          pendingByRoot.get(root)?.push({ pointer: context?.instancePath ?? '', schema: parentSchema, data, rules: compiled });
        }
        return true;
      };
    },
  });
  return ajv;
}

/** The duplicate-detection key of a list-map item: its key fields, or undefined when one is missing. */
function listMapKey(item: unknown, keys: string[]): string | undefined {
  if (!isObject(item) || keys.some((k) => item[k] === undefined)) return undefined;
  return JSON.stringify(keys.map((k) => item[k]));
}

let sharedAjv: Ajv | undefined;

/**
 * Rewrites a CRD schema into what ajv validates like the API server: boolean exclusiveMinimum/Maximum
 * (OpenAPI v3.0) become numeric, unknown fields are rejected where the schema declares properties
 * (the API server would prune them silently; kubectl's strict field validation rejects them), and
 * int-or-string is checked by its own keyword instead of the structural anyOf.
 */
export function toAjvSchema(schema: SchemaNode): SchemaNode {
  const out: SchemaNode = { ...schema };
  for (const [bound, limit] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    if (out[bound] === true && typeof out[limit] === 'number') {
      out[bound] = out[limit];
      delete out[limit];
    } else if (typeof out[bound] === 'boolean') {
      delete out[bound];
    }
  }
  if (out['x-kubernetes-int-or-string'] === true) delete out.anyOf;
  if (isObject(out.properties)) {
    const properties: Record<string, unknown> = Object.fromEntries(
      Object.entries(out.properties).map(([key, child]) => [key, isObject(child) ? toAjvSchema(child) : child]),
    );
    if (out['x-kubernetes-embedded-resource'] === true) {
      properties.apiVersion ??= { type: 'string' };
      properties.kind ??= { type: 'string' };
      properties.metadata ??= { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
    }
    out.properties = properties;
    if (out.additionalProperties === undefined && out['x-kubernetes-preserve-unknown-fields'] !== true) {
      out.additionalProperties = false;
    }
  }
  if (isObject(out.additionalProperties)) out.additionalProperties = toAjvSchema(out.additionalProperties);
  if (isObject(out.items)) out.items = toAjvSchema(out.items);
  for (const combinator of ['anyOf', 'oneOf', 'allOf'] as const) {
    const branches = out[combinator];
    if (Array.isArray(branches)) out[combinator] = branches.map((b: unknown) => (isObject(b) ? toAjvSchema(b) : b));
  }
  if (isObject(out.not)) out.not = toAjvSchema(out.not);
  return out;
}

/** Compiles a CRD version's openAPIV3Schema into a validator. Throws on a malformed schema or rule. */
export function compileStructuralSchema(schema: SchemaNode): StructuralValidator {
  sharedAjv ??= newAjv();
  const ajvSchema = toAjvSchema(schema);
  const validate = sharedAjv.compile(ajvSchema);
  return {
    check(input: unknown): CheckResult {
      const value = copyWithoutNulls(input, ajvSchema);
      const pending: PendingRules[] = [];
      const isRoot = typeof value === 'object' && value !== null;
      if (isRoot) pendingByRoot.set(value, pending);
      validate(value);
      if (isRoot) pendingByRoot.delete(value);
      const schemaErrors = ajvViolations(validate.errors ?? [], ajvSchema, value);
      if (schemaErrors.blocking) {
        return { value, violations: [...sortByPath(schemaErrors.violations), { path: '', message: RULES_NOT_CHECKED }] };
      }
      const memo = new Map<object, CelInput>();
      const ruleViolations = pending.flatMap((node) => evaluateRules(node, ajvSchema, value, schemaErrors.violations, memo));
      return { value, violations: sortByPath([...schemaErrors.violations, ...ruleViolations]) };
    },
  };
}

/**
 * A copy of a JSON value for ajv to default in place, without the object fields whose value is null
 * unless the schema marks them nullable (the API server prunes those before defaulting). One pass,
 * and cheaper than structuredClone for the objects validated on every call. Where the schema says
 * nothing (below a preserve-unknown-fields node, such as metadata.managedFields) there is nothing to
 * default or drop, so the value is shared rather than copied.
 */
function copyWithoutNulls(value: unknown, schema: SchemaNode | undefined): unknown {
  if (schema === undefined) return value;
  if (Array.isArray(value)) {
    const items = itemSchema(schema);
    return value.map((item: unknown) => copyWithoutNulls(item, items));
  }
  if (!isObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const child = value[key];
    const sub = childSchema(schema, key);
    if (child === null && sub && sub.nullable !== true) continue;
    setOwn(out, key, copyWithoutNulls(child, sub));
  }
  return out;
}

function evaluateRules(
  node: PendingRules,
  rootSchema: SchemaNode,
  root: unknown,
  schemaViolations: Violation[],
  memo: Map<object, CelInput>,
): Violation[] {
  const self = toCel(node.data, node.schema, memo);
  const out: Violation[] = [];
  for (const rule of node.rules) {
    const result = rule.program({ self });
    if (result === true) continue;
    const pointer = [node.pointer, ...rule.fieldPath.map(escapePointer)].join('/');
    const path = kubePath(pointer, rootSchema, root);
    const value = valueAt(root, pointer);
    if (isCelError(result)) {
      // A rule that cannot be evaluated because the node is incomplete (a required field is
      // missing) says nothing the schema error inside the node does not already say better.
      const nodePath = kubePath(node.pointer, rootSchema, root);
      if (!schemaViolations.some((v) => isWithin(v.path, nodePath))) {
        out.push({ path, message: `${result.message} evaluating rule: ${rule.rule}`, value });
      }
    } else if (result === false) {
      out.push({ path, message: ruleMessage(rule, self), value });
    } else {
      out.push({ path, message: `rule did not evaluate to a bool: ${rule.rule}`, value });
    }
  }
  return out;
}

function isWithin(path: string, ancestor: string): boolean {
  return ancestor === '' || path === ancestor || path.startsWith(`${ancestor}.`) || path.startsWith(`${ancestor}[`);
}

function ruleMessage(rule: CompiledRule, self: CelInput): string {
  if (rule.messageProgram) {
    const text = rule.messageProgram({ self });
    if (typeof text === 'string' && text.trim() !== '') return text;
  }
  return rule.message ?? `failed rule: ${rule.rule}`;
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

function unescapePointer(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

/**
 * Turns a JSON pointer into a Kubernetes field path: declared fields are joined with dots, list
 * indices and map keys (additionalProperties) are bracketed: `spec.engines[0].template.metadata.labels[app]`.
 */
export function kubePath(pointer: string, rootSchema: SchemaNode, root: unknown): string {
  const segments = pointer === '' ? [] : pointer.split('/').slice(1).map(unescapePointer);
  let path = '';
  let schema: SchemaNode | undefined = rootSchema;
  let data: unknown = root;
  for (const segment of segments) {
    const declared = schema && isObject(schema.properties) && isObject(schema.properties[segment]);
    if (Array.isArray(data) || (data === undefined && schema?.type === 'array')) {
      path += `[${segment}]`;
      schema = itemSchema(schema);
    } else if (declared || !schema || !isObject(schema.additionalProperties)) {
      path += /^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(segment) ? `${path === '' ? '' : '.'}${segment}` : `[${segment}]`;
      schema = childSchema(schema, segment);
    } else {
      path += `[${segment}]`;
      schema = childSchema(schema, segment);
    }
    data = Array.isArray(data) ? data[Number(segment)] : isObject(data) ? data[segment] : undefined;
  }
  return path;
}

/** The value a message shows: JSON for scalars, cut to a readable length; a placeholder for objects and lists. */
function showValue(value: unknown): string {
  if (Array.isArray(value)) return '"array"';
  if (isObject(value)) return '"object"';
  if (typeof value === 'string') {
    const cut = value.length > MAX_SHOWN_CHARS ? `${value.slice(0, MAX_SHOWN_CHARS)}...` : value;
    return JSON.stringify(cut);
  }
  return value === undefined ? 'null' : JSON.stringify(value);
}

function valueAt(root: unknown, pointer: string): unknown {
  let data = root;
  for (const segment of pointer === '' ? [] : pointer.split('/').slice(1).map(unescapePointer)) {
    data = Array.isArray(data) ? data[Number(segment)] : isObject(data) ? data[segment] : undefined;
  }
  return data;
}

function sizeOf(value: unknown): number {
  if (Array.isArray(value)) return value.length;
  if (isObject(value)) return Object.keys(value).length;
  return typeof value === 'string' ? [...value].length : 0;
}

// Errors after which the API server does not run CEL rules: the rules would see values of the wrong
// type or outside their enum.
const BLOCKING_KEYWORDS = new Set(['type', 'enum', 'x-kubernetes-int-or-string']);

function ajvViolations(errors: ErrorObject[], rootSchema: SchemaNode, root: unknown): { violations: Violation[]; blocking: boolean } {
  // A failed anyOf/oneOf/not is reported once, by the combinator; the branches' own errors only
  // say why each alternative failed and would read as contradictory requirements.
  const combinators = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf' || e.keyword === 'not').map((e) => e.schemaPath);
  const relevant = errors.filter((e) => !combinators.some((c) => e.schemaPath.startsWith(`${c}/`)));
  const typeErrorAt = new Set(relevant.filter((e) => e.keyword === 'type').map((e) => e.instancePath));
  const violations: Violation[] = [];
  const seen = new Set<string>();
  for (const error of relevant) {
    if (error.keyword !== 'type' && typeErrorAt.has(error.instancePath)) continue;
    const { pointer, message } = describe(error, root);
    const violation = { path: kubePath(pointer, rootSchema, root), message };
    const key = `${violation.path}\u0000${violation.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    violations.push(violation);
  }
  return { violations, blocking: relevant.some((e) => BLOCKING_KEYWORDS.has(e.keyword)) };
}

function describe(error: ErrorObject, root: unknown): { pointer: string; message: string } {
  const params = error.params as Record<string, unknown>;
  const pointer = error.instancePath;
  const value = valueAt(root, pointer);
  const shown = showValue(value);
  switch (error.keyword) {
    case 'required':
      return { pointer: `${pointer}/${escapePointer(String(params.missingProperty))}`, message: 'Required value' };
    case 'additionalProperties':
      return { pointer: `${pointer}/${escapePointer(String(params.additionalProperty))}`, message: FIELD_NOT_DECLARED };
    case 'x-kubernetes-list-type': {
      const key = JSON.parse(String(params.key)) as unknown;
      const shownKey = Array.isArray(key) && key.length === 1 ? JSON.stringify(key[0]) : JSON.stringify(key);
      return { pointer: `${pointer}/${String(params.index)}`, message: `Duplicate value: ${shownKey}` };
    }
    case 'type':
      return { pointer, message: `Invalid value: ${shown}: must be of type ${String(params.type)}` };
    case 'x-kubernetes-int-or-string':
      return { pointer, message: `Invalid value: ${shown}: must be an integer or a string` };
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ');
      return { pointer, message: `Unsupported value: ${shown}: supported values: ${allowed}` };
    }
    case 'maximum':
      return { pointer, message: `Invalid value: ${shown}: must be less than or equal to ${String(params.limit)}` };
    case 'exclusiveMaximum':
      return { pointer, message: `Invalid value: ${shown}: must be less than ${String(params.limit)}` };
    case 'minimum':
      return { pointer, message: `Invalid value: ${shown}: must be greater than or equal to ${String(params.limit)}` };
    case 'exclusiveMinimum':
      return { pointer, message: `Invalid value: ${shown}: must be greater than ${String(params.limit)}` };
    case 'maxItems':
    case 'maxProperties':
      return { pointer, message: `Too many: ${sizeOf(value)}: must have at most ${String(params.limit)} items` };
    case 'minItems':
      return { pointer, message: `Invalid value: ${sizeOf(value)}: must have at least ${String(params.limit)} items` };
    case 'minProperties':
      return { pointer, message: `Invalid value: ${sizeOf(value)}: must have at least ${String(params.limit)} properties` };
    case 'maxLength':
      return { pointer, message: `Too long: may not be more than ${String(params.limit)} bytes` };
    case 'minLength':
      return { pointer, message: `Invalid value: ${shown}: must be at least ${String(params.limit)} chars long` };
    case 'pattern':
      return { pointer, message: `Invalid value: ${shown}: must match '${String(params.pattern)}'` };
    case 'oneOf':
      return { pointer, message: `Invalid value: ${shown}: must validate one and only one schema (oneOf)` };
    case 'anyOf':
      return { pointer, message: `Invalid value: ${shown}: must validate at least one schema (anyOf)` };
    case 'not':
      return { pointer, message: `Invalid value: ${shown}: must not validate the schema (not)` };
    default:
      return { pointer, message: `Invalid value: ${shown}: ${error.message ?? error.keyword}` };
  }
}

/**
 * Orders violations by field path (names by code unit, list indices numerically), keeping the
 * order of those on one path: schema errors, then rules. The output does not depend on the order
 * in which the validator happened to visit the object.
 */
function sortByPath(violations: Violation[]): Violation[] {
  const keyed = violations.map((v, i) => ({ v, i, parts: pathParts(v.path) }));
  keyed.sort((a, b) => comparePaths(a.parts, b.parts) || a.i - b.i);
  return keyed.map((k) => k.v);
}

function pathParts(path: string): (string | number)[] {
  const parts: (string | number)[] = [];
  for (const match of path.matchAll(/\[([^\]]*)\]|([^.[\]]+)/g)) {
    const bracketed = match[1];
    parts.push(bracketed !== undefined && /^\d+$/.test(bracketed) ? Number(bracketed) : (bracketed ?? match[2] ?? ''));
  }
  return parts;
}

function comparePaths(a: (string | number)[], b: (string | number)[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i] as string | number;
    const y = b[i] as string | number;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return a.length - b.length;
}
