// Static checks on a parsed expression. @bufbuild/cel has no type checker and reports an undefined
// function only when a call is evaluated, while Kubernetes rejects such a selector when the claim is
// created. Walking the parsed expression finds what Kubernetes' checker would reject and can be
// known without types: calls of undeclared functions or methods, wrong argument counts, undeclared
// variables, unknown fields of `device`, and literal arguments that can never be valid. Calls into
// the Kubernetes libraries this environment does not provide are named as unsupported, so the user
// can tell this scheduler's limit from their own mistake.
import type { parse } from '@bufbuild/cel';
import { declaredOverloads } from './environment.js';
import { compilePattern } from './library.js';
import { parseQuantity } from './quantity.js';
import { parseSemver } from './semver.js';

type Expr = ReturnType<typeof parse>['expr'];
type Call = Extract<Expr['exprKind'], { case: 'callExpr' }>['value'];

export interface ValidationScope {
  /** Top-level variables the expression may reference. */
  readonly variables: ReadonlySet<string>;
  /** When set, `device` is the DRA device and these are its only fields. */
  readonly deviceFields?: ReadonlySet<string>;
}

const REGEX = 'the Kubernetes regex library';
const LISTS = 'the Kubernetes lists library';
const URLS = 'the Kubernetes URL library';
const IPS = 'the Kubernetes IP address library';
const CIDRS = 'the Kubernetes CIDR library';
const OPTIONALS = 'CEL optional types';
const FORMATS = 'the Kubernetes format library';
const TWO_VARIABLE = 'two-variable comprehensions';

const UNSUPPORTED_FUNCTIONS: ReadonlyMap<string, string> = new Map([
  ['url', URLS],
  ['isURL', URLS],
  ['ip', IPS],
  ['isIP', IPS],
  ['cidr', CIDRS],
  ['isCIDR', CIDRS],
]);

const UNSUPPORTED_METHODS: ReadonlyMap<string, string> = new Map([
  ['find', REGEX],
  ['findAll', REGEX],
  ['isSorted', LISTS],
  ['sum', LISTS],
  ['min', LISTS],
  ['max', LISTS],
  ['getScheme', URLS],
  ['getHost', URLS],
  ['getHostname', URLS],
  ['getPort', URLS],
  ['getEscapedPath', URLS],
  ['getQuery', URLS],
  ['family', IPS],
  ['isUnspecified', IPS],
  ['isLoopback', IPS],
  ['isLinkLocalMulticast', IPS],
  ['isLinkLocalUnicast', IPS],
  ['isGlobalUnicast', IPS],
  ['containsIP', CIDRS],
  ['containsCIDR', CIDRS],
  ['prefixLength', CIDRS],
  ['masked', CIDRS],
  ['ip', CIDRS],
  ['hasValue', OPTIONALS],
  ['value', OPTIONALS],
  ['orValue', OPTIONALS],
  ['or', OPTIONALS],
  ['optMap', OPTIONALS],
  ['optFlatMap', OPTIONALS],
  ['validate', FORMATS],
]);

/** Namespaced functions (`sets.contains(...)`) by namespace. */
const UNSUPPORTED_NAMESPACES: ReadonlyMap<string, string> = new Map([
  ['sets', 'the CEL sets extension'],
  ['optional', OPTIONALS],
  ['format', FORMATS],
  ['ip', IPS],
  ['lists', 'the CEL lists extension'],
  ['math', 'the CEL math extension'],
  ['cel', 'the CEL bindings extension'],
]);

const COMPREHENSION_MACROS = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);
const TWO_VARIABLE_MACROS = new Set(['transformList', 'transformMap', 'transformMapEntry']);

/** Type names CEL lets an expression use as values (`type(x) == int`). */
const TYPE_IDENTIFIERS = new Set(['int', 'uint', 'double', 'bool', 'string', 'bytes', 'list', 'map', 'null_type', 'type']);

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_PROBLEMS = 5;

function arityList(arities: ReadonlySet<number>): string {
  const sorted = [...arities].sort((a, b) => a - b);
  const words = sorted.map(String);
  const last = words.pop();
  return `${words.length > 0 ? `${words.join(', ')} or ` : ''}${last} argument${last === '1' && words.length === 0 ? '' : 's'}`;
}

function unsupported(name: string, library: string): string {
  return `unsupported function "${name}" (${library}): not available in this scheduler's CEL environment`;
}

/** `a.b.c` when the expression is a plain dotted name, else undefined. */
export function dottedName(expr: Expr): string | undefined {
  switch (expr.exprKind.case) {
    case 'identExpr':
      return expr.exprKind.value.name;
    case 'selectExpr': {
      const select = expr.exprKind.value;
      if (select.testOnly || select.operand === undefined) return undefined;
      const operand = dottedName(select.operand);
      return operand === undefined ? undefined : `${operand}.${select.field}`;
    }
    default:
      return undefined;
  }
}

export function stringLiteral(expr: Expr | undefined): string | undefined {
  if (expr?.exprKind.case !== 'constExpr') return undefined;
  const constant = expr.exprKind.value.constantKind;
  return constant.case === 'stringValue' ? constant.value : undefined;
}

function boolLiteral(expr: Expr | undefined): boolean | undefined {
  if (expr?.exprKind.case !== 'constExpr') return undefined;
  const constant = expr.exprKind.value.constantKind;
  return constant.case === 'boolValue' ? constant.value : undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

class Walker {
  readonly problems: string[] = [];
  // Comprehension variables in scope, innermost last.
  private readonly bound: string[] = [];

  constructor(private readonly scope: ValidationScope) {}

  private report(problem: string): void {
    if (!this.problems.includes(problem)) this.problems.push(problem);
  }

  private isBound(name: string): boolean {
    return this.bound.includes(name);
  }

  /** Whether a dotted name's root is a value (a variable), as opposed to a function namespace. */
  private rootIsValue(name: string): boolean {
    const root = name.split('.')[0] ?? name;
    return this.isBound(root) || this.scope.variables.has(root);
  }

  walk(expr: Expr | undefined): void {
    if (expr === undefined) return;
    const kind = expr.exprKind;
    switch (kind.case) {
      case 'identExpr': {
        const name = kind.value.name;
        if (!this.isBound(name) && !this.scope.variables.has(name) && !TYPE_IDENTIFIERS.has(name)) {
          this.report(`undeclared reference to "${name}"`);
        }
        return;
      }
      case 'selectExpr': {
        const select = kind.value;
        const operand = select.operand;
        if (
          this.scope.deviceFields !== undefined &&
          operand?.exprKind.case === 'identExpr' &&
          operand.exprKind.value.name === 'device' &&
          !this.isBound('device') &&
          !this.scope.deviceFields.has(select.field)
        ) {
          const fields = [...this.scope.deviceFields].join(', ');
          this.report(`device has no field "${select.field}" (its fields are ${fields})`);
        }
        this.walk(operand);
        return;
      }
      case 'callExpr':
        this.walkCall(kind.value);
        return;
      case 'listExpr':
        for (const element of kind.value.elements) this.walk(element);
        return;
      case 'structExpr': {
        const struct = kind.value;
        if (struct.messageName !== '') {
          this.report(`message construction "${struct.messageName}{...}" is not supported in selectors`);
        }
        for (const entry of struct.entries) {
          if (entry.keyKind.case === 'mapKey') this.walk(entry.keyKind.value);
          this.walk(entry.value);
        }
        return;
      }
      case 'comprehensionExpr': {
        const comprehension = kind.value;
        this.walk(comprehension.iterRange);
        this.walk(comprehension.accuInit);
        const variables = [comprehension.iterVar, comprehension.iterVar2, comprehension.accuVar].filter((v) => v !== '');
        this.bound.push(...variables);
        this.walk(comprehension.loopCondition);
        this.walk(comprehension.loopStep);
        this.walk(comprehension.result);
        this.bound.length -= variables.length;
        return;
      }
      default:
        return;
    }
  }

  private walkCall(call: Call): void {
    const name = call.function;
    // Operators (`_+_`, `@in`, `_[_]`, ...) come from the parser and are always declared.
    if (!IDENTIFIER.test(name)) {
      this.walk(call.target);
      for (const arg of call.args) this.walk(arg);
      return;
    }
    const namespace = call.target === undefined ? undefined : dottedName(call.target);
    let walkArguments: boolean;
    if (namespace !== undefined && !this.rootIsValue(namespace)) {
      walkArguments = this.checkNamespacedCall(`${namespace}.${name}`, namespace, call.args.length);
    } else if (call.target !== undefined) {
      this.walk(call.target);
      walkArguments = this.checkMethodCall(name, call.args.length);
    } else {
      walkArguments = this.checkFunctionCall(name, call.args.length);
    }
    if (!walkArguments) return;
    this.checkLiteralArguments(call);
    for (const arg of call.args) this.walk(arg);
  }

  // The call checks below return whether the call's arguments are worth walking: the arguments of
  // an unsupported or malformed macro-like call may bind variables the walk knows nothing of.

  private checkNamespacedCall(qualified: string, namespace: string, argCount: number): boolean {
    const overloads = declaredOverloads.get(qualified);
    if (overloads !== undefined && overloads.functionArities.size > 0) {
      if (!overloads.functionArities.has(argCount)) {
        this.report(`function "${qualified}" takes ${arityList(overloads.functionArities)}, called with ${argCount}`);
      }
      return true;
    }
    const library = UNSUPPORTED_NAMESPACES.get(namespace);
    if (library !== undefined) {
      this.report(unsupported(qualified, library));
      return false;
    }
    this.report(`undeclared function "${qualified}"`);
    return true;
  }

  private checkMethodCall(name: string, argCount: number): boolean {
    // The parser expands well-formed macro calls; one that survives as a call is malformed.
    if (TWO_VARIABLE_MACROS.has(name) || (COMPREHENSION_MACROS.has(name) && name !== 'map' && name !== 'filter' && argCount === 3)) {
      this.report(unsupported(name, TWO_VARIABLE));
      return false;
    }
    if (COMPREHENSION_MACROS.has(name)) {
      this.report(`macro "${name}" needs an identifier and an expression, as in list.${name}(x, x > 0)`);
      return false;
    }
    const overloads = declaredOverloads.get(name);
    if (overloads !== undefined && overloads.methodArities.size > 0) {
      if (!overloads.methodArities.has(argCount)) {
        this.report(`method "${name}" takes ${arityList(overloads.methodArities)}, called with ${argCount}`);
      }
      return true;
    }
    const library = UNSUPPORTED_METHODS.get(name);
    if (library !== undefined) {
      this.report(unsupported(name, library));
      return false;
    }
    if (overloads !== undefined) {
      this.report(`"${name}" is a function, not a method: call it as ${name}(...)`);
      return true;
    }
    this.report(`undeclared method "${name}"`);
    return true;
  }

  private checkFunctionCall(name: string, argCount: number): boolean {
    if (name === 'has') {
      this.report('has() needs a field selection, as in has(device.attributes["example.com"].model)');
      return false;
    }
    const overloads = declaredOverloads.get(name);
    if (overloads !== undefined && overloads.functionArities.size > 0) {
      if (!overloads.functionArities.has(argCount)) {
        this.report(`function "${name}" takes ${arityList(overloads.functionArities)}, called with ${argCount}`);
      }
      return true;
    }
    const library = UNSUPPORTED_FUNCTIONS.get(name);
    if (library !== undefined) {
      this.report(unsupported(name, library));
      return false;
    }
    if (overloads !== undefined) {
      this.report(`"${name}" is a method, not a function: call it as value.${name}(...)`);
      return true;
    }
    this.report(`undeclared function "${name}"`);
    return true;
  }

  /** Constructor calls whose literal argument can never be valid fail on every device. */
  private checkLiteralArguments(call: Call): void {
    const [first, second] = call.args;
    const target = call.target;
    try {
      if (target === undefined && call.function === 'quantity' && call.args.length === 1) {
        const text = stringLiteral(first);
        if (text !== undefined) parseQuantity(text);
      } else if (target === undefined && call.function === 'semver' && call.args.length <= 2) {
        const text = stringLiteral(first);
        const normalize = call.args.length === 2 ? boolLiteral(second) : false;
        if (text !== undefined && normalize !== undefined) parseSemver(text, normalize);
      } else if (call.function === 'matches') {
        const pattern = target === undefined ? (call.args.length === 2 ? stringLiteral(second) : undefined) : stringLiteral(first);
        if (pattern !== undefined) compilePattern(pattern);
      }
    } catch (error) {
      this.report(`${call.function}(): ${messageOf(error)}`);
    }
  }
}

/** Problems that make the expression invalid, in the order found (at most five); empty when valid. */
export function findProblems(expr: Expr, scope: ValidationScope): string[] {
  const walker = new Walker(scope);
  walker.walk(expr);
  return walker.problems.slice(0, MAX_PROBLEMS);
}
