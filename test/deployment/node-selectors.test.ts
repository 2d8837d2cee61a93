import { describe, expect, it } from '@jest/globals';
import type { ModelDeploymentSpec } from '../../src/api/types.js';
import { compileSelector } from '../../src/cel/index.js';
import { describeInvalidNodeSelector, findInvalidNodeSelectors } from '../../src/deployment/node-selectors.js';

const template = { spec: { containers: [{ name: 'engine' as const, image: 'img' }] } };

function specWith(selectors: string[][]): ModelDeploymentSpec {
  return {
    replicas: 1,
    serving: { mode: 'Unified' },
    engines: [
      {
        name: 'decode',
        copies: 1,
        members: [
          {
            role: 'Leader',
            nodeSelector: { devices: selectors.map((cels, i) => ({ name: `req${i}`, count: 1, selectors: cels.map((cel) => ({ cel })) })) },
            template,
          },
          { role: 'Worker', template },
        ],
      },
    ],
  };
}

describe('findInvalidNodeSelectors', () => {
  it('finds nothing when every selector compiles', () => {
    expect(findInvalidNodeSelectors(specWith([['device.driver == "gpu.nvidia.com"'], []]))).toEqual([]);
  });

  it('locates each selector that does not compile, with the compiler message', () => {
    const broken = 'device.driver ==';
    const invalid = findInvalidNodeSelectors(specWith([['true'], ['true', broken]]));
    const compiled = compileSelector(broken);
    if (compiled.ok) throw new Error('expected a compile error');
    expect(invalid).toEqual([{ engine: 'decode', role: 'Leader', request: 'req1', index: 1, message: compiled.message }]);
    expect(describeInvalidNodeSelector(invalid[0]!)).toBe(
      `engine "decode" member Leader request "req1" selector 1 (0-based): ${compiled.message}`,
    );
  });
});
