// A static estimate of what evaluating a selector against one device can cost, after Kubernetes' CEL
// cost estimation (cel-go's checker/cost.go with the DRA environment's size bounds). Kubernetes
// refuses a selector whose estimate exceeds its limit; so does this scheduler, before an expensive
// selector can stall the one thread that serves every composite resource.
//
// Without a type checker the walk reasons about sizes only: every value gets an upper bound on its
// size (characters of a string, elements of a list, entries of a map), literals have their own size,
// what a device publishes is bounded as Kubernetes bounds it, and a comprehension costs the cost of
// one iteration times the size of its range, so nested comprehensions multiply. See design/cel.md.
import type { parse } from '@bufbuild/cel';
import { environment } from './environment.js';
import { MAX_SELECTOR_COST } from './limits.js';
import { dottedName, stringLiteral, type ValidationScope } from './validate.js';

type Expr = ReturnType<typeof parse>['expr'];
type Call = Extract<Expr['exprKind'], { case: 'callExpr' }>['value'];
type Comprehension = Extract<Expr['exprKind'], { case: 'comprehensionExpr' }>['value'];
type Constant = Extract<Expr['exprKind'], { case: 'constExpr' }>['value'];

// What Kubernetes lets a device publish (resource.k8s.io validation), as its DRA cost estimate uses.
const MAX_ATTRIBUTES_PER_DEVICE = 32; // attributes and capacities together
const MAX_DOMAIN_LENGTH = 63;
const MAX_ID_LENGTH = 32;
const MAX_ATTRIBUTE_VALUE_LENGTH = 64;
const MAX_DRIVER_LENGTH = 63;

/**
 * The size of a string or collection the walk cannot bound (a variable other than `device`, an
 * element of something unknown): as long as the longest literal a selector can hold.
 */
const UNKNOWN_SIZE = 10_240;
/** The longest text `string()` or `format()` makes of a scalar (an int, a double, a timestamp). */
const SCALAR_TEXT_LENGTH = 32;

// cel-go's cost factors: reading a string costs 0.1 per character; a regular expression is taken to
// hold one operation per 4 characters of its pattern; building a list or map has a base cost.
const STRING_TRAVERSAL_FACTOR = 0.1;
const REGEX_LENGTH_FACTOR = 0.25;
const LIST_LITERAL_COST = 10;
const MAP_LITERAL_COST = 30;

/** What the walk knows of a value: bounds on its size and on the sizes of what it contains. */
interface Shape {
  /** Characters of a string, bytes, elements of a list, entries of a map; 1 for a scalar. */
  readonly size: number;
  /** What a comprehension over the value binds: a list's elements, a map's keys. */
  readonly item?: Shape;
  /** What indexing the value yields: a list's elements, a map's values. */
  readonly value?: Shape;
  /** Named fields with their own shapes (the `device` variable). */
  readonly fields?: ReadonlyMap<string, Shape>;
}

const SCALAR: Shape = { size: 1 };
const UNKNOWN: Shape = { size: UNKNOWN_SIZE };
/** The elements of an empty list: what any element shape absorbs in a union. */
const NOTHING: Shape = { size: 0 };

function text(length: number): Shape {
  return { size: length };
}

function listOf(size: number, element: Shape): Shape {
  return { size, item: element, value: element };
}

function mapOf(size: number, key: Shape, value: Shape): Shape {
  return { size, item: key, value };
}

const DOMAIN = text(MAX_DOMAIN_LENGTH);
const ID = text(MAX_ID_LENGTH);
const DEVICE: Shape = {
  size: 3,
  fields: new Map([
    ['driver', text(MAX_DRIVER_LENGTH)],
    ['attributes', mapOf(MAX_ATTRIBUTES_PER_DEVICE, DOMAIN, mapOf(MAX_ATTRIBUTES_PER_DEVICE, ID, text(MAX_ATTRIBUTE_VALUE_LENGTH)))],
    ['capacity', mapOf(MAX_ATTRIBUTES_PER_DEVICE, DOMAIN, mapOf(MAX_ATTRIBUTES_PER_DEVICE, ID, SCALAR))],
  ]),
};

/** A shape covering both (the branches of `?:`, the elements of a literal list). */
function union(a: Shape, b: Shape): Shape {
  if (a === b || b === NOTHING) return a;
  if (a === NOTHING) return b;
  return { size: Math.max(a.size, b.size), item: unionOrUnknown(a.item, b.item), value: unionOrUnknown(a.value, b.value) };
}

function unionOrUnknown(a: Shape | undefined, b: Shape | undefined): Shape | undefined {
  return a === undefined || b === undefined ? undefined : union(a, b);
}

function itemOf(shape: Shape): Shape {
  return shape.item ?? UNKNOWN;
}

function valueOf(shape: Shape, key: string | undefined): Shape {
  return (key === undefined ? undefined : shape.fields?.get(key)) ?? shape.value ?? UNKNOWN;
}

/** `+` on strings or lists: the sizes add up. */
function concatenation(a: Shape, b: Shape): Shape {
  return { size: a.size + b.size, item: unionOrUnknown(a.item, b.item), value: unionOrUnknown(a.value, b.value) };
}

function traversal(size: number): number {
  return Math.ceil(size * STRING_TRAVERSAL_FACTOR);
}

function constantShape(constant: Constant): Shape {
  switch (constant.constantKind.case) {
    case 'stringValue':
      return text(constant.constantKind.value.length);
    case 'bytesValue':
      return text(constant.constantKind.value.length);
    default:
      return SCALAR;
  }
}

// Type names whose values have a size; a function none of whose overloads returns one of these
// returns a scalar. Read from the environment, so a function added later is not taken for one.
const SIZED_TYPES = new Set(['string', 'bytes', 'list', 'map', 'dyn']);

function scalarResultFunctions(): ReadonlySet<string> {
  const sized = new Set<string>();
  const all = new Set<string>();
  for (const func of environment.funcs) {
    all.add(func.name);
    if (SIZED_TYPES.has(func.result.name)) sized.add(func.name);
  }
  return new Set([...all].filter((name) => !sized.has(name)));
}

const SCALAR_RESULTS = scalarResultFunctions();

interface Estimate {
  readonly cost: number;
  readonly shape: Shape;
}

/** The cost of a call itself (its operands excluded) and the shape of its result. */
function callCost(name: string, target: Shape | undefined, args: readonly Shape[]): Estimate {
  const first = args[0] ?? UNKNOWN;
  const second = args[1] ?? UNKNOWN;
  // String functions read their receiver, or their first argument when called as a function.
  const subject = target ?? first;
  switch (name) {
    case '_&&_':
    case '_||_':
      return { cost: 0, shape: SCALAR };
    case '_==_':
    case '_!=_':
    case '_<_':
    case '_<=_':
    case '_>_':
    case '_>=_':
      return { cost: Math.max(1, traversal(Math.min(first.size, second.size))), shape: SCALAR };
    case '_+_': {
      const sum = concatenation(first, second);
      return { cost: 1 + traversal(sum.size), shape: sum };
    }
    case '@in':
      return { cost: Math.max(1, second.size), shape: SCALAR };
    case 'startsWith':
    case 'endsWith':
      return { cost: 1 + traversal(first.size), shape: SCALAR };
    case 'contains':
    case 'indexOf':
    case 'lastIndexOf':
      return { cost: 1 + traversal(subject.size) * traversal(first.size), shape: SCALAR };
    case 'matches': {
      const pattern = target === undefined ? second : first;
      return { cost: 1 + traversal(subject.size + 1) * Math.ceil(pattern.size * REGEX_LENGTH_FACTOR), shape: SCALAR };
    }
    case 'quantity':
    case 'isQuantity':
    case 'semver':
    case 'isSemver':
      return { cost: 1 + traversal(first.size), shape: SCALAR };
    case 'lowerAscii':
    case 'upperAscii':
    case 'trim':
    case 'substring':
      return { cost: 1 + traversal(subject.size), shape: text(subject.size) };
    case 'charAt':
      return { cost: 1, shape: text(1) };
    case 'replace': {
      // Worst case: an empty pattern puts the replacement around every character.
      const size = subject.size + (subject.size + 1) * second.size;
      return { cost: 1 + 2 * traversal(subject.size), shape: text(size) };
    }
    case 'split':
      // Worst case: an empty separator makes one element per character.
      return { cost: 1 + 2 * traversal(subject.size), shape: listOf(subject.size + 1, text(subject.size)) };
    case 'join': {
      const separator = args.length > 0 ? first.size : 0;
      const size = subject.size * (itemOf(subject).size + separator);
      return { cost: 1 + traversal(size), shape: text(size) };
    }
    case 'format': {
      const size = subject.size + first.size * Math.max(itemOf(first).size, SCALAR_TEXT_LENGTH);
      return { cost: 1 + traversal(size), shape: text(size) };
    }
    case 'strings.quote':
      return { cost: 1 + traversal(first.size), shape: text(2 * first.size + 2) };
    case 'string':
      return { cost: 1 + traversal(first.size), shape: text(Math.max(first.size, SCALAR_TEXT_LENGTH)) };
    case 'bytes':
      return { cost: 1 + traversal(first.size), shape: text(4 * first.size) };
    case 'dyn':
      return { cost: 1, shape: first };
    default:
      return { cost: 1, shape: SCALAR_RESULTS.has(name) ? SCALAR : UNKNOWN };
  }
}

function sumOf(estimates: readonly Estimate[]): number {
  return estimates.reduce((total, estimate) => total + estimate.cost, 0);
}

class CostWalker {
  // Comprehension variables in scope, innermost last.
  private readonly bound: Array<{ name: string; shape: Shape }> = [];

  constructor(private readonly scope: ValidationScope) {}

  private isBound(name: string): boolean {
    return this.bound.some((variable) => variable.name === name);
  }

  private variable(name: string): Shape {
    for (let i = this.bound.length - 1; i >= 0; i--) {
      const variable = this.bound[i];
      if (variable?.name === name) return variable.shape;
    }
    return name === 'device' && this.scope.deviceFields !== undefined ? DEVICE : UNKNOWN;
  }

  estimate(expr: Expr | undefined): Estimate {
    if (expr === undefined) return { cost: 0, shape: UNKNOWN };
    const kind = expr.exprKind;
    switch (kind.case) {
      case 'constExpr':
        return { cost: 0, shape: constantShape(kind.value) };
      case 'identExpr':
        return { cost: 1, shape: this.variable(kind.value.name) };
      case 'selectExpr': {
        const operand = this.estimate(kind.value.operand);
        // A presence test (`has(...)`) yields a bool.
        const shape = kind.value.testOnly ? SCALAR : valueOf(operand.shape, kind.value.field);
        return { cost: operand.cost + 1, shape };
      }
      case 'callExpr':
        return this.call(kind.value);
      case 'listExpr': {
        const elements = kind.value.elements.map((element) => this.estimate(element));
        const element = elements.reduce((shape, estimate) => union(shape, estimate.shape), NOTHING);
        return { cost: LIST_LITERAL_COST + sumOf(elements), shape: listOf(elements.length, element) };
      }
      case 'structExpr': {
        // A map literal: validation refuses message construction before any estimate is made.
        const struct = kind.value;
        let cost = MAP_LITERAL_COST;
        let key = NOTHING;
        let value = NOTHING;
        for (const entry of struct.entries) {
          if (entry.keyKind.case === 'mapKey') {
            const keyEstimate = this.estimate(entry.keyKind.value);
            cost += keyEstimate.cost;
            key = union(key, keyEstimate.shape);
          }
          const valueEstimate = this.estimate(entry.value);
          cost += valueEstimate.cost;
          value = union(value, valueEstimate.shape);
        }
        return { cost, shape: mapOf(struct.entries.length, key, value) };
      }
      case 'comprehensionExpr':
        return this.comprehension(kind.value);
      default:
        return { cost: 0, shape: UNKNOWN };
    }
  }

  private call(call: Call): Estimate {
    const args = call.args.map((arg) => this.estimate(arg));
    if (call.function === '_?_:_') {
      const [condition, ifTrue, ifFalse] = args;
      return {
        cost: (condition?.cost ?? 0) + Math.max(ifTrue?.cost ?? 0, ifFalse?.cost ?? 0),
        shape: union(ifTrue?.shape ?? UNKNOWN, ifFalse?.shape ?? UNKNOWN),
      };
    }
    if (call.function === '_[_]') {
      const operand = args[0]?.shape ?? UNKNOWN;
      return { cost: 1 + sumOf(args), shape: valueOf(operand, stringLiteral(call.args[1])) };
    }
    // `strings.quote(x)` is a namespaced function, not a method of a variable `strings`.
    const namespace = call.target === undefined ? undefined : dottedName(call.target);
    const root = namespace?.split('.')[0];
    if (namespace !== undefined && root !== undefined && !this.isBound(root) && !this.scope.variables.has(root)) {
      const own = callCost(`${namespace}.${call.function}`, undefined, args.map((arg) => arg.shape));
      return { cost: own.cost + sumOf(args), shape: own.shape };
    }
    const target = call.target === undefined ? undefined : this.estimate(call.target);
    const own = callCost(call.function, target?.shape, args.map((arg) => arg.shape));
    return { cost: own.cost + (target?.cost ?? 0) + sumOf(args), shape: own.shape };
  }

  private comprehension(comprehension: Comprehension): Estimate {
    const range = this.estimate(comprehension.iterRange);
    const init = this.estimate(comprehension.accuInit);
    this.bound.push({ name: comprehension.accuVar, shape: init.shape }, { name: comprehension.iterVar, shape: itemOf(range.shape) });
    const condition = this.estimate(comprehension.loopCondition);
    const step = this.estimate(comprehension.loopStep);
    this.bound.length -= 2;
    // A comprehension that builds a list (`map`, `filter`) adds at most one element per iteration.
    const initKind = comprehension.accuInit?.exprKind.case;
    const accumulated =
      initKind === 'listExpr' || initKind === 'structExpr'
        ? { size: range.shape.size, item: step.shape.item, value: step.shape.value }
        : init.shape;
    this.bound.push({ name: comprehension.accuVar, shape: accumulated });
    const result = this.estimate(comprehension.result);
    this.bound.length -= 1;
    const iterations = range.shape.size * (condition.cost + step.cost);
    return { cost: range.cost + init.cost + result.cost + iterations, shape: result.shape };
  }
}

/** The estimated worst-case cost of evaluating the expression once, in Kubernetes' cost units. */
export function estimateCost(expr: Expr, scope: ValidationScope): number {
  return new CostWalker(scope).estimate(expr).cost;
}

/** `1,234,567`; very large estimates in exponent form. */
function formatCost(cost: number): string {
  if (cost >= 1e15) return Math.min(cost, Number.MAX_VALUE).toExponential(1);
  return String(Math.ceil(cost)).replace(/\B(?=(\d{3})+$)/g, ',');
}

/** Why an expression is too expensive, or undefined when its estimate is within the limit. */
export function costProblem(expr: Expr, scope: ValidationScope): string | undefined {
  const cost = estimateCost(expr, scope);
  if (cost <= MAX_SELECTOR_COST) return undefined;
  return (
    `estimated cost ${formatCost(cost)} exceeds the limit of ${formatCost(MAX_SELECTOR_COST)} Kubernetes sets for a ` +
    'DRA device selector (a comprehension multiplies the cost of its body by the size of its range)'
  );
}
