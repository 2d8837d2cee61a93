// Kubernetes' limit on what a DRA device selector may cost, and the runtime bound derived from it.

/** Kubernetes' limit on the estimated cost of one DRA device selector (CELSelectorExpressionMaxCost). */
export const MAX_SELECTOR_COST = 1_000_000;

/**
 * The least one comprehension iteration adds to the static estimate (cost.ts): every macro's loop
 * condition and step read the accumulator and call at least one function between them.
 */
export const MIN_ITERATION_COST = 3;

/**
 * Comprehension iterations one evaluation may run (budget.ts). A selector within the cost limit
 * cannot need more on a device within Kubernetes' bounds.
 */
export const MAX_ITERATIONS = Math.floor(MAX_SELECTOR_COST / MIN_ITERATION_COST);
