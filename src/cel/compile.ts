// Compiling an expression: parse, reject what Kubernetes would reject (see validate.ts and cost.ts),
// then plan it once, with every comprehension counted against a per-evaluation budget (budget.ts).
// Evaluation of the planned program never throws out of this module.
import { celMap, isCelError, isCelList, isCelMap, isCelUint, parse, plan, type CelInput, type CelResult } from '@bufbuild/cel';
import { isReflectMessage } from '@bufbuild/protobuf/reflect';
import { budgetComprehensions, withinBudget } from './budget.js';
import { costProblem } from './cost.js';
import { deviceBinding, isDeviceActivation, type DeviceActivation } from './device.js';
import { environment } from './environment.js';
import { LruCache } from '../lru.js';
import { formatQuantity } from './quantity.js';
import { formatSemver } from './semver.js';
import { findProblems, type ValidationScope } from './validate.js';
import { isMalformedValue, isQuantityValue, isSemverValue, malformedReason, nanoOf, versionOf } from './values.js';

/** Kubernetes' limit on the length of a DRA device selector expression. */
export const MAX_EXPRESSION_LENGTH = 10 * 1024;
const SELECTOR_CACHE_SIZE = 10_000;
/**
 * Verdicts remembered across calls. A fleet publishes a few hundred distinct device contents and a
 * deployment has a handful of selectors, so this holds every pair of a large fleet many times over;
 * each entry is a key of a few hundred characters.
 */
const VERDICT_CACHE_SIZE = 20_000;

const DEVICE_SCOPE: ValidationScope = {
  variables: new Set(['device']),
  deviceFields: new Set(['driver', 'attributes', 'capacity']),
};

type Program = (bindings: Record<string, CelInput>) => CelResult;

type CompileResult = { ok: true; program: Program } | { ok: false; message: string };

export interface CompiledSelector {
  readonly expression: string;
  matches(device: DeviceActivation): boolean;
  /**
   * The verdict on a device identified by its content key (`deviceContentKey`): remembered per
   * process, so `activate` is called only for content this selector has not judged before.
   */
  matchesContent(contentKey: string, activate: () => DeviceActivation): boolean;
}

export type SelectorCompileResult = { ok: true; selector: CompiledSelector } | { ok: false; message: string };

export type EvaluationResult = { ok: true; value: unknown } | { ok: false; message: string };

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// Removes string literals so syntax inside them is not mistaken for expression syntax.
const STRING_LITERALS = /[rR]?("""[\s\S]*?"""|'''[\s\S]*?'''|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')/g;
const OPTIONAL_SYNTAX = /\.\?\s*[A-Za-z_]|\[\?/;

function describeParseError(expression: string, error: unknown): string {
  if (OPTIONAL_SYNTAX.test(expression.replace(STRING_LITERALS, '""'))) {
    return 'unsupported syntax ".?field" / "[?key]": CEL optional types are not available in this scheduler\'s CEL environment';
  }
  // The parser recurses per nesting level; an absurdly nested expression exhausts the stack.
  if (error instanceof RangeError) return 'expression is nested too deeply';
  const message = errorMessage(error);
  const position = /^<input>:(\d+):(\d+): (.*)$/s.exec(message);
  return position === null ? `syntax error: ${message}` : `syntax error at line ${position[1]}, column ${position[2]}: ${position[3]}`;
}

function compile(expression: string, scope: ValidationScope): CompileResult {
  if (expression.length > MAX_EXPRESSION_LENGTH) {
    return { ok: false, message: `expression is ${expression.length} characters long; the limit is ${MAX_EXPRESSION_LENGTH}` };
  }
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(expression);
  } catch (error) {
    return { ok: false, message: describeParseError(expression, error) };
  }
  try {
    const problems = findProblems(parsed.expr, scope);
    if (problems.length > 0) return { ok: false, message: problems.join('; ') };
    const tooExpensive = costProblem(parsed.expr, scope);
    if (tooExpensive !== undefined) return { ok: false, message: tooExpensive };
    budgetComprehensions(parsed.expr);
    return { ok: true, program: plan(environment, parsed) as Program };
  } catch (error) {
    // A pathological expression is invalid, not a crash.
    const message = error instanceof RangeError ? 'expression is nested too deeply' : `cannot compile expression: ${errorMessage(error)}`;
    return { ok: false, message };
  }
}

class Selector implements CompiledSelector {
  constructor(
    readonly expression: string,
    private readonly program: Program,
  ) {}

  matches(device: DeviceActivation): boolean {
    try {
      const evaluated = withinBudget(() => this.program({ device: deviceBinding(device) }));
      return evaluated.ok && evaluated.value === true;
    } catch {
      return false;
    }
  }

  matchesContent(contentKey: string, activate: () => DeviceActivation): boolean {
    // Evaluation depends on nothing but the expression and the device content (the budget is per
    // evaluation), so a verdict holds for every later call that sees the same content: Crossplane
    // reconciles every deployment against the same fleet over and over.
    const key = `${this.expression}\u0000${contentKey}`;
    let verdict = verdicts.get(key);
    if (verdict === undefined) {
      verdict = this.matches(activate());
      verdicts.set(key, verdict);
    }
    return verdict;
  }
}

const verdicts = new LruCache<string, boolean>(VERDICT_CACHE_SIZE);
const selectorCache = new LruCache<string, SelectorCompileResult>(SELECTOR_CACHE_SIZE);

/** Compiles a DRA device selector. Cached per process by expression text. Never throws. */
export function compileSelector(expression: string): SelectorCompileResult {
  const cached = selectorCache.get(expression);
  if (cached !== undefined) return cached;
  let result: SelectorCompileResult;
  try {
    const compiled = compile(expression, DEVICE_SCOPE);
    result = compiled.ok ? { ok: true, selector: new Selector(expression, compiled.program) } : compiled;
  } catch (error) {
    result = { ok: false, message: `cannot compile expression: ${errorMessage(error)}` };
  }
  selectorCache.set(expression, result);
  return result;
}

/**
 * A JS value as CEL input. Integral numbers become CEL ints (JSON has no int/double distinction and
 * CEL does not mix them in arithmetic); device activations bind as the `device` variable does.
 */
function toCelInput(value: unknown): CelInput {
  if (isDeviceActivation(value)) return deviceBinding(value);
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
  if (typeof value === 'string' || typeof value === 'boolean' || typeof value === 'bigint' || value === null) return value;
  if (Array.isArray(value)) return value.map(toCelInput);
  if (value instanceof Map) return celMap(new Map([...value].map(([k, v]) => [k as string, toCelInput(v)])));
  if (typeof value === 'object') {
    return celMap(new Map(Object.entries(value).map(([k, v]) => [k, toCelInput(v)])));
  }
  throw new Error(`cannot bind a ${typeof value} as a CEL value`);
}

/** A CEL result as a plain JS value; Kubernetes types become `{type, value}` with readable text. */
function fromCel(value: unknown): unknown {
  if (isCelList(value)) return [...value].map(fromCel);
  if (isCelMap(value)) return new Map([...value].map(([k, v]) => [isCelUint(k) ? k.value : k, fromCel(v)]));
  if (isCelUint(value)) return value.value;
  if (isQuantityValue(value)) return { type: 'kubernetes.Quantity', value: formatQuantity(nanoOf(value)) };
  if (isSemverValue(value)) return { type: 'kubernetes.Semver', value: formatSemver(versionOf(value)) };
  if (isMalformedValue(value)) return { type: 'kubernetes.MalformedDeviceValue', value: malformedReason(value) };
  if (isReflectMessage(value)) return value.message;
  return value;
}

/** Evaluates an expression with the given variables (for tests and tools). Never throws. */
export function evaluate(expression: string, variables: Record<string, unknown>): EvaluationResult {
  try {
    const names = Object.keys(variables).sort();
    const compiled = compile(expression, { variables: new Set(names) });
    if (!compiled.ok) return compiled;
    const bindings: Record<string, CelInput> = {};
    for (const name of names) bindings[name] = toCelInput(variables[name]);
    const evaluated = withinBudget(() => compiled.program(bindings));
    if (!evaluated.ok) return evaluated;
    if (isCelError(evaluated.value)) return { ok: false, message: evaluated.value.message };
    return { ok: true, value: fromCel(evaluated.value) };
  } catch (error) {
    return { ok: false, message: errorMessage(error) };
  }
}
