// Device selectors: compiling (what is invalid and why), matching against published devices, the
// device binding, the content key and the compile cache.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { PublishedDevice } from '../../src/api/types.js';
import {
  compileSelector,
  deviceActivation,
  deviceContentKey,
  evaluate,
  MAX_EXPRESSION_LENGTH,
  type DeviceActivation,
} from '../../src/cel/index.js';

const GPU_DEVICE: PublishedDevice = {
  name: 'gpu',
  driver: 'gpu.nvidia.com',
  attributes: {
    architecture: { string: 'Hopper' },
    cudaComputeCapability: { version: '9.0.0' },
    productName: { string: 'NVIDIA H200 141GB HBM3e' },
  },
  capacity: { memory: { value: '141Gi' } },
};
const GPU = deviceActivation(GPU_DEVICE);

function matches(expression: string, device: DeviceActivation = GPU): boolean {
  const compiled = compileSelector(expression);
  if (!compiled.ok) throw new Error(`${expression} is invalid: ${compiled.message}`);
  return compiled.selector.matches(device);
}

function invalidReason(expression: string): string {
  const compiled = compileSelector(expression);
  if (compiled.ok) throw new Error(`${expression} compiled`);
  return compiled.message;
}

describe('device matching reference cases', () => {
  it.each<[string, boolean]>([
    ['device.driver == "gpu.nvidia.com"', true],
    ['device.capacity["gpu.nvidia.com"].memory.compareTo(quantity("141Gi")) >= 0', true],
    ['device.capacity["gpu.nvidia.com"].memory.compareTo(quantity("200Gi")) >= 0', false],
    ['device.attributes["gpu.nvidia.com"].architecture == "Hopper"', true],
    ['device.attributes["gpu.nvidia.com"].cudaComputeCapability.isGreaterThan(semver("8.9.0"))', true],
    ['"other.com" in device.attributes', false],
    ['device.attributes["other.com"].x == "y"', false],
    ['device.attributes["gpu.nvidia.com"].missing == "x"', false],
    ['"5"', false],
  ])('%s matches: %p', (expression, expected) => {
    expect(matches(expression)).toBe(expected);
  });

  it('fails to evaluate (rather than crash) on a missing domain or attribute', () => {
    expect(evaluate('device.attributes["other.com"].x == "y"', { device: GPU })).toEqual({ ok: false, message: 'field not found: x' });
    expect(evaluate('device.attributes["gpu.nvidia.com"].missing == "x"', { device: GPU })).toEqual({
      ok: false,
      message: 'field not found: missing',
    });
  });

  it('rejects a syntax error', () => {
    expect(invalidReason('this is ) not valid (')).toMatch(/^syntax error at line 1, column 6: /);
  });

  it('rejects a method the environment does not define', () => {
    expect(invalidReason('device.capacity["gpu.nvidia.com"].memory.biggerThan(quantity("1Gi"))')).toBe('undeclared method "biggerThan"');
  });
});

describe('device binding', () => {
  it.each<[string, boolean]>([
    ['"gpu.nvidia.com" in device.attributes', true],
    ['"gpu.nvidia.com" in device.capacity', true],
    ['size(device.attributes) == 1', true],
    // An unpublished domain reads as an empty map.
    ['size(device.attributes["other.com"]) == 0', true],
    ['!has(device.attributes["other.com"].x)', true],
    ['has(device.attributes["gpu.nvidia.com"].architecture)', true],
    ['device.attributes["gpu.nvidia.com"].exists(k, k == "productName")', true],
    ['device.attributes["gpu.nvidia.com"].all(k, k.size() > 5)', true],
    ['device.attributes["gpu.nvidia.com"].productName.lowerAscii().contains("h200")', true],
    ['device.attributes["gpu.nvidia.com"].productName.matches("H[0-9]{3}")', true],
    ['device.attributes["gpu.nvidia.com"].architecture in ["Hopper", "Blackwell"]', true],
    ['device.capacity["gpu.nvidia.com"].memory == quantity("141Gi")', true],
    ['device.capacity["gpu.nvidia.com"].memory.isGreaterThan(quantity("140Gi"))', true],
    ['device.attributes["gpu.nvidia.com"].cudaComputeCapability == semver("9.0.0+anything")', true],
    ['device.attributes["gpu.nvidia.com"].cudaComputeCapability.major() >= 9', true],
    // CEL's commutative error handling: an erroring side of || does not spoil a true one.
    ['device.attributes["gpu.nvidia.com"].missing == "x" || device.driver == "gpu.nvidia.com"', true],
    ['device.attributes["gpu.nvidia.com"].missing == "x" && false', false],
  ])('%s matches: %p', (expression, expected) => {
    expect(matches(expression)).toBe(expected);
  });

  it.each(['1', 'device.driver', 'device.attributes["gpu.nvidia.com"]', 'null', '[true]'])('does not match on the non-bool %s', (expression) => {
    expect(matches(expression)).toBe(false);
  });

  const typed = deviceActivation({
    name: 'typed',
    driver: 'example.com',
    attributes: {
      cores: { int: 8 },
      fast: { bool: true },
      'example.com/slot': { string: 'a' },
      'vendor.io/region': { string: 'eu' },
      'a/b/c': { string: 'deep' },
      model: { string: 'bare' },
      'example.com/model': { string: 'qualified' },
    },
    capacity: { 'example.com/cache': { value: '1.5Mi' } },
  });

  it.each<[string, boolean]>([
    // Published JSON integers are CEL ints, so int arithmetic works.
    ['device.attributes["example.com"].cores + 1 == 9', true],
    ['device.attributes["example.com"].cores * 2 == 16', true],
    ['device.attributes["example.com"].fast', true],
    ['device.attributes["example.com"].slot == "a"', true],
    ['device.attributes["vendor.io"].region == "eu"', true],
    ['"region" in device.attributes["example.com"]', false],
    ['device.attributes["a"]["b/c"] == "deep"', true],
    // An explicitly qualified key wins over the bare key for the same attribute.
    ['device.attributes["example.com"].model == "qualified"', true],
    ['device.capacity["example.com"].cache.asInteger() == 1572864', true],
  ])('%s matches: %p', (expression, expected) => {
    expect(matches(expression, typed)).toBe(expected);
  });

  it('groups bare keys under an empty domain when the device has no driver', () => {
    const driverless = deviceActivation({ name: 'd', attributes: { x: { string: 'y' } } });
    expect(matches('device.driver == "" && device.attributes[""].x == "y"', driverless)).toBe(true);
  });

  const malformed = deviceActivation({
    name: 'malformed',
    driver: 'example.com',
    attributes: {
      version: { version: 'v1' },
      empty: {},
      both: { int: 1, string: 'x' },
      fraction: { int: 1.5 },
      wrongType: { string: 5 },
      good: { string: 'ok' },
    } as unknown as PublishedDevice['attributes'],
    capacity: { memory: { value: '80Gx' }, count: { value: 4 } } as unknown as PublishedDevice['capacity'],
  });

  it.each([
    'device.attributes["example.com"].version.isGreaterThan(semver("0.1.0"))',
    '!device.attributes["example.com"].version.isGreaterThan(semver("0.1.0"))',
    'device.capacity["example.com"].memory.compareTo(quantity("1Gi")) >= 0',
    'device.capacity["example.com"].memory.compareTo(quantity("1Gi")) < 0',
    'device.attributes["example.com"].empty.size() >= 0',
    'device.attributes["example.com"].both.startsWith("x")',
    'device.attributes["example.com"].fraction + 1 > 0',
    'device.attributes["example.com"].wrongType.startsWith("5")',
  ])('a malformed published value makes %s fail to evaluate', (expression) => {
    expect(matches(expression, malformed)).toBe(false);
    const result = evaluate(expression, { device: malformed });
    expect(result.ok).toBe(false);
  });

  it('keeps the readable values of a device with malformed ones', () => {
    expect(matches('device.attributes["example.com"].good == "ok"', malformed)).toBe(true);
    expect(matches('device.capacity["example.com"].count == quantity("4")', malformed)).toBe(true);
  });

  it('never throws on garbage input', () => {
    for (const garbage of [null, 5, 'text', { name: 'x', attributes: 5, capacity: [1] }, { name: 'x', driver: 7 }]) {
      const activation = deviceActivation(garbage as unknown as PublishedDevice);
      expect(matches('device.driver == ""', activation)).toBe(true);
      expect(matches('size(device.attributes) == 0', activation)).toBe(true);
    }
  });
});

describe('invalid selectors', () => {
  it.each<[string, string]>([
    ['foo(1)', 'undeclared function "foo"'],
    ['device.driver.foo()', 'undeclared method "foo"'],
    ['quantity("1", "2")', 'function "quantity" takes 1 argument, called with 2'],
    ['semver("1.0.0", true, 1)', 'function "semver" takes 1 or 2 arguments, called with 3'],
    ['device.driver.startsWith()', 'method "startsWith" takes 1 argument, called with 0'],
    ['size(device.attributes, 1)', 'function "size" takes 1 argument, called with 2'],
    ['semver("1.0.0").major(1)', 'method "major" takes 0 arguments, called with 1'],
    ['matches("a")', 'function "matches" takes 2 arguments, called with 1'],
    ['strings.quote("a", "b")', 'function "strings.quote" takes 1 argument, called with 2'],
    ['quantity("1Gi").sign() == 1', '"sign" is a function, not a method: call it as sign(...)'],
    ['device.driver.quantity()', '"quantity" is a function, not a method: call it as quantity(...)'],
    ['startsWith(device.driver, "gpu")', '"startsWith" is a method, not a function: call it as value.startsWith(...)'],
    ['devices.driver == "x"', 'undeclared reference to "devices"'],
    ['self.x == 1', 'undeclared reference to "self"'],
    ['device.attribute["x"].y == 1', 'device has no field "attribute" (its fields are driver, attributes, capacity)'],
    ['has(device)', 'has() needs a field selection, as in has(device.attributes["example.com"].model)'],
    ['device.attributes.all(1, true)', 'macro "all" needs an identifier and an expression, as in list.all(x, x > 0)'],
    ['google.protobuf.Duration{seconds: 1} == duration("1s")', 'message construction "google.protobuf.Duration{...}" is not supported in selectors'],
    ['foo(1) || bar(2)', 'undeclared function "foo"; undeclared function "bar"'],
  ])('%s: %s', (expression, message) => {
    expect(invalidReason(expression)).toBe(message);
  });

  it.each<[string, RegExp]>([
    ['device.capacity["gpu.nvidia.com"].memory.isGreaterThan(quantity("80GB"))', /^quantity\(\): invalid quantity "80GB"/],
    ['device.attributes["gpu.nvidia.com"].cudaComputeCapability.isGreaterThan(semver("8.9"))', /^semver\(\): invalid semantic version "8\.9"/],
    ['device.driver.matches("[")', /^matches\(\): /],
    ['matches(device.driver, "(")', /^matches\(\): /],
    ['1 +', /^syntax error at line 1, column 3/],
  ])('%s is invalid (%p)', (expression, message) => {
    expect(invalidReason(expression)).toMatch(message);
  });

  it('accepts a literal that is valid once normalized', () => {
    expect(matches('device.attributes["gpu.nvidia.com"].cudaComputeCapability.isGreaterThan(semver("v8.9", true))')).toBe(true);
  });

  it.each<[string, string]>([
    ['device.driver.find("nvidia") == "nvidia"', 'find'],
    ['device.driver.findAll("a").size() > 0', 'findAll'],
    ['url("https://x").getHost() == "x"', 'url'],
    ['isURL(device.driver)', 'isURL'],
    ['ip("10.0.0.1").family() == 4', 'ip'],
    ['isIP(device.driver)', 'isIP'],
    ['ip.isCanonical("10.0.0.1")', 'ip.isCanonical'],
    ['cidr("10.0.0.0/8").containsIP("10.0.0.1")', 'cidr'],
    ['[1, 2].sum() == 3', 'sum'],
    ['[3, 1].isSorted()', 'isSorted'],
    ['sets.contains([1], [1])', 'sets.contains'],
    ['optional.of(1).hasValue()', 'optional.of'],
    ['[1, 2].all(i, v, v > 0)', 'all'],
    ['[1, 2].exists(i, v, v > 1)', 'exists'],
    ['[1].transformList(i, v, v * 2) == [2]', 'transformList'],
    ['format.dns1123Label().validate("x") == null', 'format.dns1123Label'],
    ['math.greatest(1, 2) == 2', 'math.greatest'],
    ['cel.bind(x, 1, x == 1)', 'cel.bind'],
  ])('names the unsupported function in %s', (expression, name) => {
    const message = invalidReason(expression);
    expect(message).toContain(`unsupported function "${name}"`);
    expect(message).toContain("not available in this scheduler's CEL environment");
  });

  it.each(['device.attributes["gpu.nvidia.com"].?architecture == "Hopper"', 'device.attributes[?"gpu.nvidia.com"].hasValue()'])(
    'names optional syntax as unsupported in %s',
    (expression) => {
      expect(invalidReason(expression)).toMatch(/^unsupported syntax "\.\?field" \/ "\[\?key\]": CEL optional types/);
    },
  );

  it('does not mistake optional syntax inside a string for the real thing', () => {
    expect(invalidReason('device.driver == ".?x" &&')).toMatch(/^syntax error/);
  });

  it('rejects expressions over the Kubernetes length limit', () => {
    const long = `device.driver == "${'x'.repeat(MAX_EXPRESSION_LENGTH)}"`;
    expect(invalidReason(long)).toBe(`expression is ${long.length} characters long; the limit is ${MAX_EXPRESSION_LENGTH}`);
  });

  it('rejects absurd nesting without throwing', () => {
    const nested = `${'('.repeat(5000)}true${')'.repeat(5000)}`;
    expect(nested.length).toBeLessThanOrEqual(MAX_EXPRESSION_LENGTH);
    expect(invalidReason(nested)).toBe('expression is nested too deeply');
  });

  it('allows comprehension variables and type names as identifiers', () => {
    expect(matches('device.attributes["gpu.nvidia.com"].exists(key, key.startsWith("arch")) && type(device.driver) == string')).toBe(true);
  });
});

describe('compile cache', () => {
  it('returns the same compiled selector for the same text', () => {
    const first = compileSelector('device.driver.startsWith("gpu.")');
    const second = compileSelector('device.driver.startsWith("gpu.")');
    expect(second).toBe(first);
    expect(first.ok && first.selector.expression).toBe('device.driver.startsWith("gpu.")');
    expect(compileSelector('device.driver.startsWith("gpu")')).not.toBe(first);
  });

  it('caches invalid results too', () => {
    expect(compileSelector('nope(')).toBe(compileSelector('nope('));
  });

  it('evicts the least recently used entry beyond 10,000 expressions', () => {
    const kept = compileSelector('device.driver == "kept"');
    const evicted = compileSelector('device.driver == "evicted"');
    for (let i = 0; i < 10_000; i++) {
      if (i % 1000 === 0) expect(compileSelector('device.driver == "kept"')).toBe(kept);
      compileSelector(`${i} == ${i}`);
    }
    expect(compileSelector('device.driver == "kept"')).toBe(kept);
    expect(compileSelector('device.driver == "evicted"')).not.toBe(evicted);
  });
});

describe('deviceContentKey', () => {
  it('is equal for devices a selector cannot tell apart', () => {
    const reordered: PublishedDevice = {
      capacity: { memory: { value: '141Gi' } },
      attributes: {
        productName: { string: 'NVIDIA H200 141GB HBM3e' },
        cudaComputeCapability: { version: '9.0.0' },
        architecture: { string: 'Hopper' },
      },
      driver: 'gpu.nvidia.com',
      name: 'another-name',
      count: 8,
      claim: 'Synthetic',
      deviceClassName: 'other',
    };
    expect(deviceContentKey(reordered)).toBe(deviceContentKey(GPU_DEVICE));
  });

  it('is the same whatever order the keys of the content come in, sorted, reversed or mixed', () => {
    const json = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, fc.constant(null), fc.boolean(), fc.double(), fc.string(), tie('list'), tie('object')),
      list: fc.array(fc.oneof(tie('value'), fc.constant(undefined)), { maxLength: 3 }),
      // No "__proto__" key (fast-check favours it): decoded content never has one, and rebuilding an
      // object with it would set a prototype instead.
      object: fc.dictionary(fc.oneof(fc.string(), fc.constantFrom('9', '10', 'a', 'B')).filter((key) => key !== '__proto__'), tie('value'), { maxKeys: 4 }),
    })).value;
    const reorder = (value: unknown, order: (keys: string[]) => string[]): unknown => {
      if (Array.isArray(value)) return value.map((item) => reorder(item, order));
      if (typeof value !== 'object' || value === null) return value;
      const out: Record<string, unknown> = {};
      for (const key of order(Object.keys(value))) out[key] = reorder((value as Record<string, unknown>)[key], order);
      return out;
    };
    fc.assert(
      fc.property(json, json, fc.string(), (attributes, capacity, driver) => {
        const device = { name: 'd', driver, attributes, capacity } as unknown as PublishedDevice;
        const key = deviceContentKey(device);
        for (const order of [(keys: string[]) => [...keys].sort(), (keys: string[]) => [...keys].reverse()]) {
          const reordered = { name: 'd', driver, attributes: reorder(attributes, order), capacity: reorder(capacity, order) } as unknown as PublishedDevice;
          expect(deviceContentKey(reordered)).toBe(key);
        }
      }),
      { numRuns: 300 },
    );
  });

  it.each<[string, PublishedDevice]>([
    ['driver', { ...GPU_DEVICE, driver: 'gpu.amd.com' }],
    ['attribute value', { ...GPU_DEVICE, attributes: { ...GPU_DEVICE.attributes, architecture: { string: 'Blackwell' } } }],
    ['attribute kind', { ...GPU_DEVICE, attributes: { ...GPU_DEVICE.attributes, architecture: { version: 'Hopper' } } }],
    ['capacity', { ...GPU_DEVICE, capacity: { memory: { value: '80Gi' } } }],
  ])('differs when the %s differs', (_what, other) => {
    expect(deviceContentKey(other)).not.toBe(deviceContentKey(GPU_DEVICE));
  });
});

describe('verdicts remembered across calls', () => {
  const selector = (expression: string) => {
    const compiled = compileSelector(expression);
    if (!compiled.ok) throw new Error(compiled.message);
    return compiled.selector;
  };

  it('evaluates a selector once per device content, whichever device object carries it', () => {
    const hopper = selector('device.attributes["gpu.nvidia.com"].architecture == "Hopper" && device.driver != "remembered"');
    let activated = 0;
    const activate = (device: PublishedDevice) => () => {
      activated++;
      return deviceActivation(device);
    };
    const copy: PublishedDevice = JSON.parse(JSON.stringify(GPU_DEVICE));
    expect(hopper.matchesContent(deviceContentKey(GPU_DEVICE), activate(GPU_DEVICE))).toBe(true);
    expect(hopper.matchesContent(deviceContentKey(copy), activate(copy))).toBe(true);
    expect(activated).toBe(1);
    const ampere: PublishedDevice = { ...GPU_DEVICE, attributes: { ...GPU_DEVICE.attributes, architecture: { string: 'Ampere' } } };
    expect(hopper.matchesContent(deviceContentKey(ampere), activate(ampere))).toBe(false);
    expect(activated).toBe(2);
  });

  it('keeps the verdicts of different selectors on the same content apart', () => {
    const key = deviceContentKey(GPU_DEVICE);
    const activate = () => deviceActivation(GPU_DEVICE);
    expect(selector('device.capacity["gpu.nvidia.com"].memory.compareTo(quantity("100Gi")) >= 0').matchesContent(key, activate)).toBe(true);
    expect(selector('device.capacity["gpu.nvidia.com"].memory.compareTo(quantity("200Gi")) >= 0').matchesContent(key, activate)).toBe(false);
  });
});
