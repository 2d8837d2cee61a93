// What a selector may cost: the static estimate that refuses expensive selectors at compile time,
// and the runtime iteration budget behind it.
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from '@bufbuild/cel';
import { parseAllDocuments } from 'yaml';
import { estimateCost } from '../../src/cel/cost.js';
import { MIN_ITERATION_COST } from '../../src/cel/limits.js';
import type { ValidationScope } from '../../src/cel/validate.js';
import { compileSelector, deviceActivation, evaluate, MAX_ITERATIONS, MAX_SELECTOR_COST } from '../../src/cel/index.js';

const DEVICE_SCOPE: ValidationScope = {
  variables: new Set(['device']),
  deviceFields: new Set(['driver', 'attributes', 'capacity']),
};

function costOf(expression: string): number {
  return estimateCost(parse(expression).expr, DEVICE_SCOPE);
}

function invalidReason(expression: string): string {
  const compiled = compileSelector(expression);
  if (compiled.ok) throw new Error(`${expression} compiled`);
  return compiled.message;
}

function isValid(expression: string): boolean {
  const compiled = compileSelector(expression);
  if (!compiled.ok) throw new Error(`${expression} is invalid: ${compiled.message}`);
  return true;
}

/** `[0,1,...,n-1]` */
function range(n: number): string {
  return `[${Array.from({ length: n }, (_, i) => i).join(',')}]`;
}

/** `levels` comprehensions nested in one another, each over `over`, around `body`. */
function nested(levels: number, over: string, body: string, macro = 'all'): string {
  return levels === 0 ? body : `${over}.${macro}(x${levels}, ${nested(levels - 1, over, body, macro)})`;
}

const TOO_EXPENSIVE = /^estimated cost [\d,.e+]+ exceeds the limit of 1,000,000 Kubernetes sets for a DRA device selector \(/;

const GPU = deviceActivation({
  name: 'gpu',
  driver: 'gpu.nvidia.com',
  attributes: {
    architecture: { string: 'Hopper' },
    productName: { string: 'NVIDIA H200 141GB HBM3e' },
    cores: { int: 132 },
  },
  capacity: { memory: { value: '141Gi' } },
});

describe('selectors built to be expensive', () => {
  const SEVEN_NESTED = nested(7, range(10), 'device.driver == "gpu.nvidia.com"');

  it('rejects the seven nested comprehensions over ten elements (250 characters, 10^7 evaluations)', () => {
    expect(SEVEN_NESTED.length).toBe(250);
    expect(invalidReason(SEVEN_NESTED)).toBe(
      'estimated cost 85,555,551 exceeds the limit of 1,000,000 Kubernetes sets for a DRA device selector ' +
        '(a comprehension multiplies the cost of its body by the size of its range)',
    );
  });

  it.each<[string, string]>([
    ['eight levels', nested(8, range(10), 'device.driver == "gpu.nvidia.com"')],
    ['six levels', nested(6, range(10), 'device.driver == "gpu.nvidia.com"')],
    ['exists instead of all', nested(6, range(10), 'device.driver == "x"', 'exists')],
    ['exists_one', nested(6, range(10), 'true', 'exists_one')],
    ['map', nested(6, range(10), '1', 'map')],
    ['filter', nested(6, range(10), 'true', 'filter')],
    ['three levels over a hundred elements', nested(3, range(100), 'true')],
    ['four levels over the device attribute domains', nested(4, 'device.attributes', 'true')],
    ['four levels over the device capacity domains', nested(4, 'device.capacity', 'true')],
    [
      'three levels over the characters of an attribute',
      nested(3, 'device.attributes["gpu.nvidia.com"].productName.split("")', 'x1 != x2 || x2 != x3'),
    ],
    [
      'a long regular expression in two nested comprehensions',
      `device.attributes.all(d, device.attributes[d].all(k, k.matches("${'(a|b)'.repeat(200)}")))`,
    ],
    ['an expensive comprehension on one side of ||', `device.driver == "x" || ${nested(6, range(10), 'true')}`],
  ])('rejects %s', (_what, expression) => {
    expect(invalidReason(expression)).toMatch(TOO_EXPENSIVE);
  });

  it('reports estimates too large to print in full in exponent form', () => {
    expect(invalidReason(nested(40, range(10), 'true'))).toMatch(/^estimated cost \d\.\de\+\d+ exceeds the limit of 1,000,000 /);
  });

  it('multiplies the cost of a body by the size of its range, level by level', () => {
    const costs = [1, 2, 3, 4].map((levels) => costOf(nested(levels, range(10), 'device.driver == "gpu.nvidia.com"')));
    for (let i = 1; i < costs.length; i++) {
      expect(costs[i]! / costs[i - 1]!).toBeGreaterThan(10);
      expect(costs[i]! / costs[i - 1]!).toBeLessThan(11);
    }
  });

  it('adds the cost of a regular expression by the length of its pattern and of the text it reads', () => {
    const short = costOf('device.attributes["gpu.nvidia.com"].productName.matches("H[0-9]+")');
    const long = costOf(`device.attributes["gpu.nvidia.com"].productName.matches("${'H[0-9]+'.repeat(10)}")`);
    expect(long).toBeGreaterThan(5 * short);
  });
});

describe('ordinary selectors stay valid', () => {
  const ROOT = fileURLToPath(new URL('../../', import.meta.url));
  const DEPLOYMENTS = `${ROOT}examples/deployments/`;

  function selectorsIn(node: unknown): string[] {
    if (Array.isArray(node)) return node.flatMap(selectorsIn);
    if (typeof node !== 'object' || node === null) return [];
    return Object.entries(node).flatMap(([key, value]) => (key === 'cel' && typeof value === 'string' ? [value] : selectorsIn(value)));
  }

  const exampleSelectors = readdirSync(DEPLOYMENTS)
    .filter((file) => file.endsWith('.yaml'))
    .sort()
    .flatMap((file) => parseAllDocuments(readFileSync(`${DEPLOYMENTS}${file}`, 'utf8')).flatMap((doc) => selectorsIn(doc.toJS())));

  it('finds the selectors of the example deployments', () => {
    expect(exampleSelectors.length).toBeGreaterThan(5);
  });

  it.each([...new Set(exampleSelectors)])('example selector %s is valid and cheap', (expression) => {
    expect(isValid(expression)).toBe(true);
    expect(costOf(expression)).toBeLessThan(100);
  });

  it.each([
    'device.attributes["gpu.nvidia.com"].exists(k, k == "productName")',
    'device.attributes["gpu.nvidia.com"].all(k, k.size() > 5)',
    'device.attributes.exists(d, d.endsWith(".nvidia.com"))',
    'device.attributes.all(d, size(device.attributes[d]) <= 32)',
    'device.capacity["gpu.nvidia.com"].exists(k, device.capacity["gpu.nvidia.com"][k].isGreaterThan(quantity("1Gi")))',
    'device.attributes["gpu.nvidia.com"].exists_one(k, k.startsWith("arch"))',
    'device.attributes["gpu.nvidia.com"].productName.split(" ").exists(w, w == "H200")',
    'device.attributes["gpu.nvidia.com"].filter(k, k.matches("^[a-z]+$")).size() > 1',
    'device.attributes["gpu.nvidia.com"].map(k, k.lowerAscii()).exists(k, k.contains("name"))',
    'device.attributes.exists(d, device.attributes[d].exists(k, k == "architecture"))',
    nested(3, 'device.attributes', 'true'),
  ])('%s is valid', (expression) => {
    expect(isValid(expression)).toBe(true);
  });

  it('matches with a typical comprehension over attributes', () => {
    const compiled = compileSelector('device.attributes["gpu.nvidia.com"].exists(k, k == "productName")');
    expect(compiled.ok && compiled.selector.matches(GPU)).toBe(true);
  });

  it('accepts a comprehension over a list literal of moderate size, and nested ones of moderate size', () => {
    const inList = `${range(500)}.exists(n, n == device.attributes["gpu.nvidia.com"].cores)`;
    expect(isValid(inList)).toBe(true);
    const compiled = compileSelector(inList);
    expect(compiled.ok && compiled.selector.matches(GPU)).toBe(true);
    expect(isValid(nested(3, range(20), 'true'))).toBe(true);
  });

  it('sizes a map literal by its entries', () => {
    const entries = (n: number): string => `{${Array.from({ length: n }, (_, i) => `"k${i}": ${i}`).join(', ')}}`;
    expect(isValid(`${entries(100)}.exists(k, k == device.driver)`)).toBe(true);
    expect(costOf(`${entries(100)}.all(k, true)`) - costOf(`${entries(50)}.all(k, true)`)).toBeGreaterThanOrEqual(50 * MIN_ITERATION_COST);
    expect(invalidReason(nested(3, entries(100), 'true'))).toMatch(TOO_EXPENSIVE);
  });

  it('rejects a list-literal comprehension once nesting makes it huge', () => {
    expect(invalidReason(nested(3, range(100), 'true'))).toMatch(TOO_EXPENSIVE);
    expect(invalidReason(nested(2, range(1000), 'true'))).toMatch(TOO_EXPENSIVE);
  });
});

describe('runtime iteration budget', () => {
  it('is never reached by a selector within the cost limit', () => {
    // The most iterations three nested comprehensions over one list literal can have within the limit.
    const threeLevels = (n: number): string => nested(3, range(n), 'true');
    let n = 1;
    while (costOf(threeLevels(n + 1)) <= MAX_SELECTOR_COST) n++;
    expect(n).toBeGreaterThan(50);
    const iterations = n ** 3 + n ** 2 + n;
    expect(iterations).toBeLessThanOrEqual(MAX_ITERATIONS);
    const compiled = compileSelector(threeLevels(n));
    expect(compiled.ok && compiled.selector.matches(GPU)).toBe(true);
    expect(invalidReason(threeLevels(n + 1))).toMatch(TOO_EXPENSIVE);
  });

  it.each([
    ['all', 'true'],
    ['exists', 'false'],
    ['exists_one', 'true'],
    ['map', '1'],
    ['filter', 'true'],
  ])('counts at least the minimum iteration cost for each element of %s', (macro, body) => {
    const oneElement = costOf(`[1].${macro}(x, ${body})`);
    const twoElements = costOf(`[1, 2].${macro}(x, ${body})`);
    expect(twoElements - oneElement).toBeGreaterThanOrEqual(MIN_ITERATION_COST);
  });

  // A device far outside Kubernetes' bounds: an attribute string of 1,000 characters, where
  // Kubernetes allows 64. The selector is cheap by estimate and iterates 10^6 times on this device.
  const oversized = deviceActivation({ name: 'odd', driver: 'example.com', attributes: { text: { string: 'x'.repeat(1_000) } } });
  const characters = 'device.attributes["example.com"].text.split("")';
  const quadratic = `${characters}.all(a, ${characters}.all(b, a == b))`;

  it('stops an evaluation that runs out of iterations, and the device does not match', () => {
    expect(isValid(quadratic)).toBe(true);
    const compiled = compileSelector(quadratic);
    expect(compiled.ok && compiled.selector.matches(oversized)).toBe(false);
  });

  it('reports the exhausted budget from a general evaluation', () => {
    // A variable's size is unknown to the estimate, which assumes 10,240 elements.
    const elements = Array.from({ length: MAX_ITERATIONS + 1 }, () => 1);
    expect(evaluate('list.all(x, x == 1)', { list: elements })).toEqual({
      ok: false,
      message: `evaluation stopped after ${MAX_ITERATIONS} comprehension iterations`,
    });
    expect(evaluate('list.all(x, x == 1)', { list: elements.slice(1) })).toEqual({ ok: true, value: true });
  });

  it('fails the evaluation even where || would absorb the comprehension error', () => {
    const absorbed = `${characters}.all(a, ${characters}.all(b, true)) || true`;
    const compiled = compileSelector(absorbed);
    expect(compiled.ok && compiled.selector.matches(oversized)).toBe(false);
    const small = deviceActivation({ name: 'small', driver: 'example.com', attributes: { text: { string: 'xyz' } } });
    expect(compiled.ok && compiled.selector.matches(small)).toBe(true);
  });

  it('gives every evaluation a fresh budget', () => {
    const compiled = compileSelector(`${characters}.all(a, ${characters}.all(b, true))`);
    if (!compiled.ok) throw new Error(compiled.message);
    const length = 450;
    const withinBudget = deviceActivation({ name: 'w', driver: 'example.com', attributes: { text: { string: 'x'.repeat(length) } } });
    // More than half the budget, so two evaluations in a row would exhaust a shared one.
    const iterations = length + length * length;
    expect(iterations).toBeLessThanOrEqual(MAX_ITERATIONS);
    expect(2 * iterations).toBeGreaterThan(MAX_ITERATIONS);
    expect(compiled.selector.matches(withinBudget)).toBe(true);
    expect(compiled.selector.matches(oversized)).toBe(false);
    expect(compiled.selector.matches(withinBudget)).toBe(true);
    expect(compiled.selector.matches(withinBudget)).toBe(true);
  });
});
