// Kubernetes' CEL `quantity` and `semver` libraries (k8s.io/apiserver/pkg/cel/library), plus the
// global form of `matches` that cel-go's standard library has and @bufbuild/cel lacks.
import { CelScalar, celFunc, celMethod, type CelFunc } from '@bufbuild/cel';
import type { ReflectMessage } from '@bufbuild/protobuf/reflect';
import { RE2JS } from '@bufbuild/re2';
import { LruCache } from '../lru.js';
import {
  addQuantities,
  compareQuantities,
  isQuantity,
  parseQuantity,
  quantityAsApproximateFloat,
  quantityAsInteger,
  quantityFromInteger,
  quantityIsInteger,
  quantitySign,
  subtractQuantities,
} from './quantity.js';
import { compareSemver, isSemver, parseSemver } from './semver.js';
import { QUANTITY_TYPE, SEMVER_TYPE, nanoOf, quantityValue, semverValue, versionOf } from './values.js';

const { BOOL, DOUBLE, INT, STRING } = CelScalar;

function toInt(order: -1 | 0 | 1): bigint {
  return BigInt(order);
}

/** Go converts the uint64 version parts to int64 by wrapping; do the same. */
function versionPart(part: bigint): bigint {
  return BigInt.asIntN(64, part);
}

// Selectors construct the same literal quantities and versions on every evaluation; the values are
// immutable, so one instance per text is shared.
const quantityLiterals = new LruCache<string, ReflectMessage>(1_000);
const semverLiterals = new LruCache<string, ReflectMessage>(1_000);

function quantityFromText(text: string): ReflectMessage {
  let value = quantityLiterals.get(text);
  if (value === undefined) {
    value = quantityValue(parseQuantity(text));
    quantityLiterals.set(text, value);
  }
  return value;
}

function semverFromText(text: string, normalize: boolean): ReflectMessage {
  const key = `${normalize ? 'normalize' : 'strict'}:${text}`;
  let value = semverLiterals.get(key);
  if (value === undefined) {
    value = semverValue(parseSemver(text, normalize));
    semverLiterals.set(key, value);
  }
  return value;
}

export const quantityLibrary: readonly CelFunc[] = [
  celFunc('quantity', [STRING], QUANTITY_TYPE, (text) => quantityFromText(text)),
  celFunc('isQuantity', [STRING], BOOL, (text) => isQuantity(text)),
  celFunc('sign', [QUANTITY_TYPE], INT, (q) => toInt(quantitySign(nanoOf(q)))),
  celMethod('compareTo', QUANTITY_TYPE, [QUANTITY_TYPE], INT, function (other) {
    return toInt(compareQuantities(nanoOf(this), nanoOf(other)));
  }),
  celMethod('isGreaterThan', QUANTITY_TYPE, [QUANTITY_TYPE], BOOL, function (other) {
    return compareQuantities(nanoOf(this), nanoOf(other)) > 0;
  }),
  celMethod('isLessThan', QUANTITY_TYPE, [QUANTITY_TYPE], BOOL, function (other) {
    return compareQuantities(nanoOf(this), nanoOf(other)) < 0;
  }),
  celMethod('add', QUANTITY_TYPE, [QUANTITY_TYPE], QUANTITY_TYPE, function (other) {
    return quantityValue(addQuantities(nanoOf(this), nanoOf(other)));
  }),
  celMethod('add', QUANTITY_TYPE, [INT], QUANTITY_TYPE, function (units) {
    return quantityValue(addQuantities(nanoOf(this), quantityFromInteger(units)));
  }),
  celMethod('sub', QUANTITY_TYPE, [QUANTITY_TYPE], QUANTITY_TYPE, function (other) {
    return quantityValue(subtractQuantities(nanoOf(this), nanoOf(other)));
  }),
  celMethod('sub', QUANTITY_TYPE, [INT], QUANTITY_TYPE, function (units) {
    return quantityValue(subtractQuantities(nanoOf(this), quantityFromInteger(units)));
  }),
  celMethod('asInteger', QUANTITY_TYPE, [], INT, function () {
    return quantityAsInteger(nanoOf(this));
  }),
  celMethod('isInteger', QUANTITY_TYPE, [], BOOL, function () {
    return quantityIsInteger(nanoOf(this));
  }),
  celMethod('asApproximateFloat', QUANTITY_TYPE, [], DOUBLE, function () {
    return quantityAsApproximateFloat(nanoOf(this));
  }),
];

export const semverLibrary: readonly CelFunc[] = [
  celFunc('semver', [STRING], SEMVER_TYPE, (text) => semverFromText(text, false)),
  celFunc('semver', [STRING, BOOL], SEMVER_TYPE, (text, normalize) => semverFromText(text, normalize)),
  celFunc('isSemver', [STRING], BOOL, (text) => isSemver(text)),
  celFunc('isSemver', [STRING, BOOL], BOOL, (text, normalize) => isSemver(text, normalize)),
  celMethod('compareTo', SEMVER_TYPE, [SEMVER_TYPE], INT, function (other) {
    return toInt(compareSemver(versionOf(this), versionOf(other)));
  }),
  celMethod('isGreaterThan', SEMVER_TYPE, [SEMVER_TYPE], BOOL, function (other) {
    return compareSemver(versionOf(this), versionOf(other)) > 0;
  }),
  celMethod('isLessThan', SEMVER_TYPE, [SEMVER_TYPE], BOOL, function (other) {
    return compareSemver(versionOf(this), versionOf(other)) < 0;
  }),
  celMethod('major', SEMVER_TYPE, [], INT, function () {
    return versionPart(versionOf(this).major);
  }),
  celMethod('minor', SEMVER_TYPE, [], INT, function () {
    return versionPart(versionOf(this).minor);
  }),
  celMethod('patch', SEMVER_TYPE, [], INT, function () {
    return versionPart(versionOf(this).patch);
  }),
];

interface CompiledPattern {
  test(text: string): boolean;
}

// RE2 compilation costs far more than matching, and a selector evaluates the same pattern against
// every device, so compiled patterns are kept.
const compiledPatterns = new LruCache<string, CompiledPattern>(1_000);

/** Compiles an RE2 pattern (cached); throws when the pattern is invalid. */
export function compilePattern(pattern: string): CompiledPattern {
  const cached = compiledPatterns.get(pattern);
  if (cached !== undefined) return cached;
  const compiled: CompiledPattern = RE2JS.compile(pattern);
  compiledPatterns.set(pattern, compiled);
  return compiled;
}

/** The RE2 engine handed to the environment: the standard `matches` method then uses the cache. */
export const cachedRe2 = { compile: compilePattern };

export const globalMatches: CelFunc = celFunc('matches', [STRING, STRING], BOOL, (text, pattern) =>
  compilePattern(pattern).test(text),
);
