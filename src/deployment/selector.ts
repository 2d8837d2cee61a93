// The deployment's clusterSelector, applied by the function itself (scheduling.md, "Inputs"), with
// Kubernetes LabelSelector semantics: every matchLabels entry and every matchExpressions requirement
// must hold; an omitted or empty selector selects every cluster.
import type { LabelSelector, LabelSelectorRequirement } from '../api/types.js';
import { compareStrings, describeValue } from '../values.js';

export type LabelMatcher = (labels: Readonly<Record<string, unknown>> | undefined) => boolean;

export type CompiledClusterSelector = { ok: true; matches: LabelMatcher } | { ok: false; problems: string[] };

const OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;
const PATH = 'spec.clusterSelector.matchExpressions';

/** Kubernetes' rules for a requirement: In/NotIn need values, Exists/DoesNotExist take none. */
function requirementProblems(requirement: LabelSelectorRequirement, index: number): string[] {
  const at = `${PATH}[${index}]`;
  // The operator arrives from untrusted input: its declared type is not a guarantee.
  const operator: string = requirement.operator;
  if (!(OPERATORS as readonly string[]).includes(operator)) {
    return [`${at}.operator: ${describeValue(operator)} is not one of "In", "NotIn", "Exists", "DoesNotExist"`];
  }
  const count = requirement.values?.length ?? 0;
  if ((operator === 'In' || operator === 'NotIn') && count === 0) {
    return [`${at}.values: must be non-empty when operator is ${operator}`];
  }
  if ((operator === 'Exists' || operator === 'DoesNotExist') && count > 0) {
    return [`${at}.values: must be empty when operator is ${operator}`];
  }
  return [];
}

function labelOf(labels: Readonly<Record<string, unknown>> | undefined, key: string): string | undefined {
  const value = labels !== undefined && Object.hasOwn(labels, key) ? labels[key] : undefined;
  return typeof value === 'string' ? value : undefined;
}

function requirementHolds(requirement: LabelSelectorRequirement, labels: Readonly<Record<string, unknown>> | undefined): boolean {
  const value = labelOf(labels, requirement.key);
  const values = requirement.values ?? [];
  switch (requirement.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
  }
}

/** Checks the selector once and returns a matcher for cluster labels, or the problems found. */
export function compileClusterSelector(selector: LabelSelector | undefined): CompiledClusterSelector {
  const matchLabels = Object.entries(selector?.matchLabels ?? {});
  const expressions = selector?.matchExpressions ?? [];
  const problems = expressions.flatMap((requirement, i) => requirementProblems(requirement, i));
  if (problems.length > 0) return { ok: false, problems };
  // Runs once per cluster of the fleet: plain loops, nothing allocated per call.
  const matches: LabelMatcher = (labels) => {
    for (const [key, value] of matchLabels) if (labelOf(labels, key) !== value) return false;
    for (const requirement of expressions) if (!requirementHolds(requirement, labels)) return false;
    return true;
  };
  return { ok: true, matches };
}

/** The selector in kubectl's notation, in braces: `{tier=prod,zone in (a,b),!legacy}`; `{}` selects all. */
export function formatClusterSelector(selector: LabelSelector | undefined): string {
  const labels = Object.entries(selector?.matchLabels ?? {})
    .sort(([a], [b]) => compareStrings(a, b))
    .map(([key, value]) => `${key}=${value}`);
  const expressions = (selector?.matchExpressions ?? []).map((r) => {
    const values = `(${(r.values ?? []).join(',')})`;
    switch (r.operator) {
      case 'In':
        return `${r.key} in ${values}`;
      case 'NotIn':
        return `${r.key} notin ${values}`;
      case 'Exists':
        return r.key;
      case 'DoesNotExist':
        return `!${r.key}`;
    }
  });
  return `{${[...labels, ...expressions].join(',')}}`;
}
