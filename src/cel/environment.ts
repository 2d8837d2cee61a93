// The CEL environment selectors run in: the standard library, the strings extension, and
// Kubernetes' quantity and semver libraries. The table of declared functions that the selector
// validator checks calls against is read from the environment itself, so the two cannot drift. It
// also holds the hidden function that counts comprehension iterations (budget.ts).
import { celEnv, type CelEnv } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { budgetedCondition } from './budget.js';
import { cachedRe2, globalMatches, quantityLibrary, semverLibrary } from './library.js';
import { kubernetesTypes } from './values.js';

export const environment: CelEnv = celEnv({
  funcs: [...strings, ...quantityLibrary, ...semverLibrary, globalMatches, budgetedCondition],
  registry: kubernetesTypes,
  re2: cachedRe2,
});

/** The argument counts a function name accepts, as a global function and as a method. */
export interface Overloads {
  readonly functionArities: ReadonlySet<number>;
  readonly methodArities: ReadonlySet<number>;
}

function collectOverloads(env: CelEnv): ReadonlyMap<string, Overloads> {
  const collected = new Map<string, { functionArities: Set<number>; methodArities: Set<number> }>();
  for (const func of env.funcs) {
    let entry = collected.get(func.name);
    if (entry === undefined) {
      entry = { functionArities: new Set(), methodArities: new Set() };
      collected.set(func.name, entry);
    }
    (func.target === undefined ? entry.functionArities : entry.methodArities).add(func.arguments.length);
  }
  return collected;
}

/** Every function and method the environment declares, by name (`strings.quote` for namespaced ones). */
export const declaredOverloads: ReadonlyMap<string, Overloads> = collectOverloads(environment);
