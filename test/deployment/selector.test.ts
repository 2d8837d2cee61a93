import { describe, expect, it } from '@jest/globals';
import type { LabelSelector } from '../../src/api/types.js';
import { compileClusterSelector, formatClusterSelector } from '../../src/deployment/selector.js';

function matcher(selector: LabelSelector | undefined): (labels: Record<string, string> | undefined) => boolean {
  const compiled = compileClusterSelector(selector);
  if (!compiled.ok) throw new Error(compiled.problems.join('; '));
  return compiled.matches;
}

describe('compileClusterSelector', () => {
  it('selects everything when omitted or empty', () => {
    expect(matcher(undefined)({ any: 'x' })).toBe(true);
    expect(matcher({})(undefined)).toBe(true);
    expect(matcher({ matchLabels: {}, matchExpressions: [] })({})).toBe(true);
  });

  it('requires every matchLabels entry to be equal', () => {
    const matches = matcher({ matchLabels: { tier: 'prod', region: 'eu' } });
    expect(matches({ tier: 'prod', region: 'eu', extra: 'y' })).toBe(true);
    expect(matches({ tier: 'prod' })).toBe(false);
    expect(matches({ tier: 'prod', region: 'us' })).toBe(false);
    expect(matches(undefined)).toBe(false);
  });

  it('follows Kubernetes semantics for each operator', () => {
    const inZone = matcher({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] });
    expect(inZone({ zone: 'a' })).toBe(true);
    expect(inZone({ zone: 'c' })).toBe(false);
    expect(inZone({})).toBe(false);

    const notInZone = matcher({ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] });
    expect(notInZone({ zone: 'b' })).toBe(true);
    expect(notInZone({})).toBe(true); // an absent label is not in any set
    expect(notInZone({ zone: 'a' })).toBe(false);

    const exists = matcher({ matchExpressions: [{ key: 'gpu', operator: 'Exists' }] });
    expect(exists({ gpu: '' })).toBe(true);
    expect(exists({ other: 'x' })).toBe(false);

    const absent = matcher({ matchExpressions: [{ key: 'legacy', operator: 'DoesNotExist' }] });
    expect(absent({})).toBe(true);
    expect(absent({ legacy: 'true' })).toBe(false);
  });

  it('ANDs labels and expressions, and ignores inherited keys', () => {
    const matches = matcher({ matchLabels: { tier: 'prod' }, matchExpressions: [{ key: 'toString', operator: 'Exists' }] });
    expect(matches({ tier: 'prod' })).toBe(false);
    expect(matches({ tier: 'prod', toString: 'yes' })).toBe(true);
  });

  it('names the field of an invalid operator or value list', () => {
    const selector = {
      matchExpressions: [
        { key: 'zone', operator: 'Gt', values: ['1'] },
        { key: 'zone', operator: 'In', values: [] },
        { key: 'zone', operator: 'Exists', values: ['a'] },
      ],
    } as unknown as LabelSelector;
    expect(compileClusterSelector(selector)).toEqual({
      ok: false,
      problems: [
        'spec.clusterSelector.matchExpressions[0].operator: "Gt" is not one of "In", "NotIn", "Exists", "DoesNotExist"',
        'spec.clusterSelector.matchExpressions[1].values: must be non-empty when operator is In',
        'spec.clusterSelector.matchExpressions[2].values: must be empty when operator is Exists',
      ],
    });
  });
});

describe('formatClusterSelector', () => {
  it('uses kubectl notation with sorted matchLabels', () => {
    expect(
      formatClusterSelector({
        matchLabels: { 'modelplane.ai/tier': 'production', a: 'b' },
        matchExpressions: [
          { key: 'zone', operator: 'In', values: ['x', 'y'] },
          { key: 'region', operator: 'NotIn', values: ['us'] },
          { key: 'gpu', operator: 'Exists' },
          { key: 'legacy', operator: 'DoesNotExist' },
        ],
      }),
    ).toBe('{a=b,modelplane.ai/tier=production,zone in (x,y),region notin (us),gpu,!legacy}');
    expect(formatClusterSelector(undefined)).toBe('{}');
  });
});
