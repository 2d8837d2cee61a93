// A runtime bound on comprehension iterations. The static estimate (cost.ts) assumes devices within
// Kubernetes' bounds, but devices are read from a cluster's published status, which need not keep to
// every one of them (the length of an attribute string, say), so a selector that is cheap by estimate
// could still split a long string into more pieces than the estimate allowed for. @bufbuild/cel has no cost
// tracking and no interrupt hook, so the compiler routes each comprehension's loop condition through
// a hidden function that counts iterations. Once an evaluation has run out of iterations, the
// condition of every running comprehension fails, which ends each of them at its next iteration, and
// the evaluation as a whole counts as failed, whatever it returned.
//
// The count lives in this module and is reset per evaluation: evaluation is synchronous and the
// process has one thread, so evaluations never interleave.
import { CelScalar, celFunc, type CelFunc, type parse } from '@bufbuild/cel';
import { MAX_ITERATIONS } from './limits.js';

type Expr = ReturnType<typeof parse>['expr'];

// Not an identifier, so no expression can call it: the parser cannot produce the name from source.
const BUDGETED_CONDITION = '@budgeted_condition';

const EXCEEDED = `evaluation stopped after ${MAX_ITERATIONS} comprehension iterations`;

let remaining = MAX_ITERATIONS;

/** Passes a comprehension's loop condition through, counting one iteration against the budget. */
export const budgetedCondition: CelFunc = celFunc(BUDGETED_CONDITION, [CelScalar.DYN], CelScalar.DYN, (condition) => {
  remaining -= 1;
  if (remaining < 0) throw new Error(EXCEEDED);
  return condition;
});

function children(expr: Expr): Array<Expr | undefined> {
  const kind = expr.exprKind;
  switch (kind.case) {
    case 'selectExpr':
      return [kind.value.operand];
    case 'callExpr':
      return [kind.value.target, ...kind.value.args];
    case 'listExpr':
      return kind.value.elements;
    case 'structExpr':
      return kind.value.entries.flatMap((entry) => [entry.keyKind.case === 'mapKey' ? entry.keyKind.value : undefined, entry.value]);
    case 'comprehensionExpr': {
      const c = kind.value;
      return [c.iterRange, c.accuInit, c.loopCondition, c.loopStep, c.result];
    }
    default:
      return [];
  }
}

/** Routes the loop condition of every comprehension in the (freshly parsed, unshared) expression through the budget. */
export function budgetComprehensions(expr: Expr): void {
  for (const child of children(expr)) {
    if (child !== undefined) budgetComprehensions(child);
  }
  if (expr.exprKind.case !== 'comprehensionExpr') return;
  const comprehension = expr.exprKind.value;
  const condition = comprehension.loopCondition;
  if (condition === undefined) return;
  comprehension.loopCondition = {
    $typeName: 'cel.expr.Expr',
    id: condition.id,
    exprKind: { case: 'callExpr', value: { $typeName: 'cel.expr.Expr.Call', function: BUDGETED_CONDITION, args: [condition] } },
  };
}

export type BudgetedResult<T> = { ok: true; value: T } | { ok: false; message: string };

/** Runs one evaluation with a fresh budget; an evaluation that exhausted it failed, whatever it returned. */
export function withinBudget<T>(evaluate: () => T): BudgetedResult<T> {
  remaining = MAX_ITERATIONS;
  const value = evaluate();
  return remaining < 0 ? { ok: false, message: EXCEEDED } : { ok: true, value };
}
