// Semantic versions as Kubernetes' CEL `semver` library reads them: blang/semver v4 strict parsing,
// an optional normalize mode (Kubernetes' normalizeAndParse), and semver 2.0 precedence.

const UINT64_MAX = 18_446_744_073_709_551_615n;
const DIGITS = /^[0-9]*$/;
const IDENTIFIER = /^[0-9A-Za-z-]*$/;

/** A prerelease identifier: numeric identifiers as bigint, alphanumeric ones as string. */
export type PrereleaseIdentifier = bigint | string;

export interface Semver {
  readonly major: bigint;
  readonly minor: bigint;
  readonly patch: bigint;
  readonly prerelease: readonly PrereleaseIdentifier[];
  readonly build: readonly string[];
}

export class SemverError extends Error {
  override readonly name = 'SemverError';
}

function truncate(text: string): string {
  return text.length > 64 ? `${text.slice(0, 61)}...` : text;
}

function semverError(text: string, reason: string): SemverError {
  return new SemverError(`invalid semantic version ${JSON.stringify(truncate(text))}: ${reason}`);
}

function hasLeadingZero(digits: string): boolean {
  return digits.length > 1 && digits.startsWith('0');
}

function parseNumber(shown: string, part: string, what: string): bigint {
  if (!DIGITS.test(part)) throw semverError(shown, `invalid character(s) in ${what} ${JSON.stringify(part)}`);
  if (hasLeadingZero(part)) throw semverError(shown, `${what} must not have leading zeroes`);
  if (part === '') throw semverError(shown, `${what} is empty`);
  const value = BigInt(part);
  if (value > UINT64_MAX) throw semverError(shown, `${what} is out of range`);
  return value;
}

function parsePrerelease(shown: string, identifier: string): PrereleaseIdentifier {
  if (identifier === '') throw semverError(shown, 'prerelease identifier is empty');
  if (DIGITS.test(identifier)) {
    if (hasLeadingZero(identifier)) throw semverError(shown, 'numeric prerelease identifier must not have leading zeroes');
    const value = BigInt(identifier);
    if (value > UINT64_MAX) throw semverError(shown, 'numeric prerelease identifier is out of range');
    return value;
  }
  if (!IDENTIFIER.test(identifier)) {
    throw semverError(shown, `invalid character(s) in prerelease identifier ${JSON.stringify(identifier)}`);
  }
  return identifier;
}

/** blang/semver v4 `Parse`: exactly MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD], no `v`, no leading zeros. */
function parseStrict(text: string, shown: string): Semver {
  if (text === '') throw semverError(shown, 'version is empty');
  const parts = splitN(text, '.', 3);
  if (parts.length !== 3) throw semverError(shown, 'expected MAJOR.MINOR.PATCH');
  const [majorText = '', minorText = '', rest = ''] = parts;
  const major = parseNumber(shown, majorText, 'major version');
  const minor = parseNumber(shown, minorText, 'minor version');

  let patchText = rest;
  let build: string[] = [];
  const buildStart = patchText.indexOf('+');
  if (buildStart !== -1) {
    build = patchText.slice(buildStart + 1).split('.');
    patchText = patchText.slice(0, buildStart);
  }
  let prereleaseTexts: string[] = [];
  const prereleaseStart = patchText.indexOf('-');
  if (prereleaseStart !== -1) {
    prereleaseTexts = patchText.slice(prereleaseStart + 1).split('.');
    patchText = patchText.slice(0, prereleaseStart);
  }
  const patch = parseNumber(shown, patchText, 'patch version');
  const prerelease = prereleaseTexts.map((identifier) => parsePrerelease(shown, identifier));
  for (const identifier of build) {
    if (identifier === '') throw semverError(shown, 'build metadata identifier is empty');
    if (!IDENTIFIER.test(identifier)) {
      throw semverError(shown, `invalid character(s) in build metadata ${JSON.stringify(identifier)}`);
    }
  }
  return { major, minor, patch, prerelease, build };
}

/** Go's strings.SplitN: at most `limit` pieces, the last one holding the rest. */
function splitN(text: string, separator: string, limit: number): string[] {
  const pieces: string[] = [];
  let rest = text;
  while (pieces.length < limit - 1) {
    const at = rest.indexOf(separator);
    if (at === -1) break;
    pieces.push(rest.slice(0, at));
    rest = rest.slice(at + separator.length);
  }
  pieces.push(rest);
  return pieces;
}

/**
 * Kubernetes' normalizeAndParse: strip one leading `v`, drop leading zeros of each dotted part, pad
 * a missing minor or patch with 0 (a shortened version may not carry prerelease or build), then parse
 * strictly.
 */
function normalize(text: string): string {
  const withoutV = text.startsWith('v') ? text.slice(1) : text;
  const parts = splitN(withoutV, '.', 3).map((part) => {
    if (part.length <= 1) return part;
    const trimmed = part.replace(/^0+/, '');
    return trimmed === '' || !/^[0-9]/.test(trimmed) ? `0${trimmed}` : trimmed;
  });
  if (parts.length < 3) {
    if (/[+-]/.test(parts[parts.length - 1] ?? '')) {
      throw semverError(text, 'a shortened version cannot carry prerelease or build metadata');
    }
    while (parts.length < 3) parts.push('0');
  }
  return parts.join('.');
}

/** Parses a version; throws SemverError when it is not one. */
export function parseSemver(text: string, normalizeFirst = false): Semver {
  // Errors name the text the user wrote, not the normalized intermediate form.
  return normalizeFirst ? parseStrict(normalize(text), text) : parseStrict(text, text);
}

export function isSemver(text: string, normalizeFirst = false): boolean {
  try {
    parseSemver(text, normalizeFirst);
    return true;
  } catch {
    return false;
  }
}

function compareNumbers(a: bigint, b: bigint): -1 | 0 | 1 {
  return a < b ? -1 : a > b ? 1 : 0;
}

function comparePrereleaseIdentifiers(a: PrereleaseIdentifier, b: PrereleaseIdentifier): -1 | 0 | 1 {
  const aNumeric = typeof a === 'bigint';
  const bNumeric = typeof b === 'bigint';
  // Numeric identifiers have lower precedence than alphanumeric ones.
  if (aNumeric !== bNumeric) return aNumeric ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Semver 2.0 precedence: -1, 0 or 1. Build metadata does not take part. */
export function compareSemver(a: Semver, b: Semver): -1 | 0 | 1 {
  const core = compareNumbers(a.major, b.major) || compareNumbers(a.minor, b.minor) || compareNumbers(a.patch, b.patch);
  if (core !== 0) return core;
  // A version without prerelease has higher precedence than one with.
  const aIsRelease = a.prerelease.length === 0;
  const bIsRelease = b.prerelease.length === 0;
  if (aIsRelease || bIsRelease) return aIsRelease && bIsRelease ? 0 : aIsRelease ? 1 : -1;
  const shared = Math.min(a.prerelease.length, b.prerelease.length);
  for (let i = 0; i < shared; i++) {
    const order = comparePrereleaseIdentifiers(a.prerelease[i] as PrereleaseIdentifier, b.prerelease[i] as PrereleaseIdentifier);
    if (order !== 0) return order;
  }
  // A larger set of prerelease fields has higher precedence when all preceding ones are equal.
  return compareNumbers(BigInt(a.prerelease.length), BigInt(b.prerelease.length));
}

/** MAJOR.MINOR.PATCH[-PRERELEASE]: equal for exactly the versions of equal precedence. */
export function precedenceKey(version: Semver): string {
  const core = `${version.major}.${version.minor}.${version.patch}`;
  return version.prerelease.length === 0 ? core : `${core}-${version.prerelease.join('.')}`;
}

/** The version's canonical text, with build metadata. */
export function formatSemver(version: Semver): string {
  const key = precedenceKey(version);
  return version.build.length === 0 ? key : `${key}+${version.build.join('.')}`;
}
