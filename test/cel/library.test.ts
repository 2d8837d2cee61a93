// The Kubernetes quantity and semver libraries as CEL sees them: every reference case of the spec,
// then this environment's own cases.
import { describe, expect, it } from '@jest/globals';
import { evaluate } from '../../src/cel/index.js';

function valueOf(expression: string): unknown {
  const result = evaluate(expression, {});
  if (!result.ok) throw new Error(`${expression}: ${result.message}`);
  return result.value;
}

function errorOf(expression: string): string {
  const result = evaluate(expression, {});
  if (result.ok) throw new Error(`${expression} evaluated to ${String(result.value)}`);
  return result.message;
}

describe('quantity reference cases', () => {
  it.each<[string, boolean]>([
    ['quantity("1.5Gi").compareTo(quantity("1610612736")) == 0', true],
    ['quantity("1Gi") == quantity("1024Mi")', true],
    ['quantity("200M") == quantity("0.2G")', true],
    ['quantity("2000k") == quantity("2M")', true],
    ['quantity("200M") == quantity("0.3G")', false],
    ['quantity("50M").isLessThan(quantity("50Mi"))', true],
    ['quantity("50Mi").compareTo(quantity("50M")) == 1', true],
    ['quantity("256e3").compareTo(quantity("256000")) == 0', true],
    ['isQuantity("1E3")', true],
    ['quantity("0.0000000004").compareTo(quantity("0.000000001")) == 0', true],
    ['quantity("50k").add(20) == quantity("50.02k")', true],
    ['quantity("50k").sub(20) == quantity("49980")', true],
    ['quantity("50k").add(20).sub(quantity("100k")).asInteger() == -49980', true],
    ['quantity("50.703k").asApproximateFloat() == 50703.0', true],
    ['quantity("8Ei") == quantity("10Ei")', true],
    ['quantity("256E").isGreaterThan(quantity("1Ei"))', true],
    ['quantity("9999999999999999999999999999999999999G").isInteger()', false],
    ['isQuantity("20Mo")', false],
    ['isQuantity("10Mm")', false],
    ['isQuantity("200K")', false],
    ['isQuantity("1,3G")', false],
    ['isQuantity("Three")', false],
    ['isQuantity(" 5Gi")', false],
    ['isQuantity("5Gi ")', false],
    ['isQuantity("")', false],
  ])('%s is %p', (expression, expected) => {
    expect(valueOf(expression)).toBe(expected);
  });
});

describe('semver reference cases', () => {
  it.each<[string, boolean]>([
    ['isSemver("1.2.3-beta.1+build.1")', true],
    ['isSemver("v1.0.0")', false],
    ['isSemver("1")', false],
    ['isSemver("1.1")', false],
    ['isSemver("01.01.01")', false],
    ['isSemver(" 1.0.0")', false],
    ['isSemver("1.0.0 ")', false],
    ['isSemver("")', false],
    ['isSemver("1.0.0-")', false],
    ['isSemver("1.0.0+")', false],
    ['isSemver("v1.0.0", true)', true],
    ['isSemver("01.01.01", true)', true],
    ['isSemver("1", true)', true],
    ['semver("v01.01", true) == semver("1.1.0")', true],
    ['semver("1.10.0").isGreaterThan(semver("1.9.0"))', true],
    ['semver("1.0.0+b1") == semver("1.0.0+b2")', true],
  ])('%s is %p', (expression, expected) => {
    expect(valueOf(expression)).toBe(expected);
  });

  it('orders the reference chain', () => {
    const chain = ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0'];
    for (let i = 0; i + 1 < chain.length; i++) {
      expect(valueOf(`semver("${chain[i]}").isLessThan(semver("${chain[i + 1]}"))`)).toBe(true);
      expect(valueOf(`semver("${chain[i + 1]}").compareTo(semver("${chain[i]}"))`)).toBe(1n);
    }
  });
});

describe('quantity library', () => {
  it.each<[string, unknown]>([
    ['quantity("1.5Gi").isInteger()', true],
    ['quantity("1.5Gi").asInteger()', 1610612736n],
    ['quantity("1.5").isInteger()', false],
    ['quantity("9223372036854775807").asInteger() == 9223372036854775807', true],
    ['quantity("8Ei").asInteger() == 9223372036854775807', true],
    ['quantity("-8Ei").asInteger() == -9223372036854775807', true],
    ['quantity("-1.5").add(quantity("1.5")) == quantity("0")', true],
    ['quantity("1Gi").add(1).sub(1) == quantity("1Gi")', true],
    ['quantity("1k") != quantity("1000")', false],
    ['quantity("1k") != quantity("1001")', true],
    ['sign(quantity("0"))', 0n],
    ['sign(quantity("-5m"))', -1n],
    ['sign(quantity("1n"))', 1n],
    ['quantity("1").compareTo(quantity("1"))', 0n],
    ['quantity("-1").compareTo(quantity("1m"))', -1n],
    ['quantity("1").asApproximateFloat() == 1.0', true],
    ['quantity("1").isGreaterThan(quantity("1"))', false],
    ['quantity("1").isLessThan(quantity("1"))', false],
    ['isQuantity("1e")', false],
    ['isQuantity("-1.5e-3")', true],
    ['[quantity("1Ki"), quantity("2Ki")].exists(q, q == quantity("2048"))', true],
  ])('%s evaluates to %p', (expression, expected) => {
    expect(valueOf(expression)).toEqual(expected);
  });

  it.each<[string, RegExp]>([
    ['quantity("1.5").asInteger()', /cannot convert quantity 1\.5 to an integer/],
    ['quantity("9223372036854775808").asInteger()', /not a whole number within int64/],
    ['quantity("1") < quantity("2")', /no matching overload for '_<_'/],
    ['quantity("1Gi").compareTo(semver("1.0.0"))', /no matching overload for 'compareTo'/],
    ['quantity("1").add(1.5)', /no matching overload for 'add'/],
  ])('%s is an evaluation error', (expression, message) => {
    expect(errorOf(expression)).toMatch(message);
  });

  it('returns quantities as their exact decimal value', () => {
    expect(valueOf('quantity("1.5Gi").add(1)')).toEqual({ type: 'kubernetes.Quantity', value: '1610612737' });
    expect(valueOf('quantity("-1n")')).toEqual({ type: 'kubernetes.Quantity', value: '-0.000000001' });
  });
});

describe('semver library', () => {
  it.each<[string, unknown]>([
    ['semver("1.2.3").major()', 1n],
    ['semver("1.2.3").minor()', 2n],
    ['semver("1.2.3").patch()', 3n],
    // Go converts the uint64 major to int64 by wrapping.
    ['semver("18446744073709551615.0.0").major()', -1n],
    ['semver("1.0.0-rc.1").isLessThan(semver("1.0.0"))', true],
    ['semver("1.0.0-alpha") == semver("1.0.0-alpha+x")', true],
    ['semver("1.0.0-alpha") == semver("1.0.0")', false],
    ['semver("1.0.0-rc.1") == semver("v1.00.0-rc.1", true)', true],
    ['semver("v1.2", true).compareTo(semver("1.2.0"))', 0n],
    ['semver("2.0.0").compareTo(semver("10.0.0"))', -1n],
    ['isSemver("1.0", true)', true],
    ['isSemver("1-rc.1", true)', false],
    // normalize trims leading zeros of the dotted parts only, not of prerelease identifiers
    ['isSemver("1.0.0-01", true)', false],
    ['isSemver("1.0.0", false)', true],
  ])('%s evaluates to %p', (expression, expected) => {
    expect(valueOf(expression)).toEqual(expected);
  });

  it('returns versions with their build metadata', () => {
    expect(valueOf('semver("1.2.3-rc.1+b.7")')).toEqual({ type: 'kubernetes.Semver', value: '1.2.3-rc.1+b.7' });
  });

  it('fails to evaluate a version built from a bad runtime string', () => {
    expect(evaluate('semver(v) == semver("1.0.0")', { v: '1.0' })).toEqual({
      ok: false,
      message: 'invalid semantic version "1.0": expected MAJOR.MINOR.PATCH',
    });
  });
});

describe('standard library and strings extension', () => {
  it.each<[string, unknown]>([
    ['"NVIDIA H200".lowerAscii().contains("h200")', true],
    ['"NVIDIA H200".split(" ")[1]', 'H200'],
    ['"%s-%d".format(["a", 1])', 'a-1'],
    ['strings.quote("a")', '"a"'],
    ['"abc".matches("^a.c$")', true],
    ['matches("abc", "^b")', false],
    ['[1, 2, 3].exists_one(x, x > 2)', true],
    ['[1, 2, 3].map(x, x * 2)', [2n, 4n, 6n]],
    ['[1, 2, 3].filter(x, x % 2 == 1).size()', 2n],
    ['type("a") == string', true],
    ['int("5") + 1', 6n],
  ])('%s evaluates to %p', (expression, expected) => {
    expect(valueOf(expression)).toEqual(expected);
  });

  it('binds integral JS numbers as CEL ints and others as doubles', () => {
    expect(evaluate('self.replicas + 1', { self: { replicas: 3 } })).toEqual({ ok: true, value: 4n });
    expect(evaluate('x * 2.0', { x: 1.5 })).toEqual({ ok: true, value: 3 });
    expect(evaluate('l.size() == 2 && m["k"] == "v"', { l: [1, 2], m: new Map([['k', 'v']]) })).toEqual({ ok: true, value: true });
  });

  it('reports an undeclared variable as invalid', () => {
    expect(evaluate('y + 1', { x: 1 })).toEqual({ ok: false, message: 'undeclared reference to "y"' });
  });
});
