// Kubernetes resource.Quantity arithmetic for the CEL `quantity` library. A quantity is held as its
// exact value in nano units (1 = 10^-9) as a bigint, so every comparison and sum is exact. Parsing
// follows apimachinery's ParseQuantity: values are rounded away from zero to nano precision, and
// values written with a binary suffix saturate at the int64 maximum.

const NANO_PER_UNIT = 1_000_000_000n;
const INT64_MAX = 9_223_372_036_854_775_807n;
const INT64_MIN = -9_223_372_036_854_775_808n;

/** Exponents beyond this magnitude are refused rather than expanded into enormous integers. */
const MAX_EXPONENT = 10_000;

const DECIMAL_SUFFIX_EXPONENTS: ReadonlyMap<string, number> = new Map([
  ['n', -9],
  ['u', -6],
  ['m', -3],
  ['', 0],
  ['k', 3],
  ['M', 6],
  ['G', 9],
  ['T', 12],
  ['P', 15],
  ['E', 18],
]);

const BINARY_SUFFIX_EXPONENTS: ReadonlyMap<string, number> = new Map([
  ['Ki', 10],
  ['Mi', 20],
  ['Gi', 30],
  ['Ti', 40],
  ['Pi', 50],
  ['Ei', 60],
]);

// Sign, integer digits, optional fraction, then whatever follows (the suffix, checked separately).
const NUMBER_PART = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(.*)$/s;
const EXPONENT_SUFFIX = /^[eE]([+-]?[0-9]+)$/;

const FORMAT_HINT =
  'a quantity is an optional sign, digits with an optional fraction, then one suffix ' +
  '(Ki Mi Gi Ti Pi Ei, n u m k M G T P E, or e/E and an integer exponent)';

export class QuantityError extends Error {
  override readonly name = 'QuantityError';
}

function truncate(text: string): string {
  return text.length > 64 ? `${text.slice(0, 61)}...` : text;
}

function formatError(text: string): QuantityError {
  return new QuantityError(`invalid quantity ${JSON.stringify(truncate(text))}: ${FORMAT_HINT}`);
}

/** `numerator / denominator` rounded up, for non-negative numerator and positive denominator. */
function divideRoundingUp(numerator: bigint, denominator: bigint): bigint {
  return (numerator + denominator - 1n) / denominator;
}

interface Suffix {
  readonly base: 2 | 10;
  readonly exponent: number;
}

function interpretSuffix(suffix: string): Suffix | undefined {
  const decimal = DECIMAL_SUFFIX_EXPONENTS.get(suffix);
  if (decimal !== undefined) return { base: 10, exponent: decimal };
  const binary = BINARY_SUFFIX_EXPONENTS.get(suffix);
  if (binary !== undefined) return { base: 2, exponent: binary };
  const exponent = EXPONENT_SUFFIX.exec(suffix);
  if (exponent?.[1] === undefined) return undefined;
  const value = BigInt(exponent[1]);
  // Kubernetes reads the exponent as an int64; anything outside that is a format error there too.
  if (value > INT64_MAX || value < INT64_MIN) return undefined;
  return { base: 10, exponent: Number(value) };
}

/**
 * Parses a Kubernetes quantity to its exact value in nano units. Throws QuantityError when the text
 * is not a quantity. Degenerate forms that apimachinery reads as zero although they carry no digit
 * (`"-"`, `"."`, `"M"`) are refused: they only ever appear as typos.
 */
export function parseQuantity(text: string): bigint {
  const parts = NUMBER_PART.exec(text);
  if (parts === null) throw formatError(text);
  const [, sign = '', integerDigits = '', fractionDigits = '', suffixText = ''] = parts;
  if (integerDigits.length + fractionDigits.length === 0) throw formatError(text);
  const suffix = interpretSuffix(suffixText);
  if (suffix === undefined) throw formatError(text);

  const digits = BigInt(integerDigits + fractionDigits);
  const fractionLength = fractionDigits.length;
  let magnitude: bigint;
  if (suffix.base === 10) {
    if (Math.abs(suffix.exponent) > MAX_EXPONENT) {
      // A tiny non-zero value still rounds up to one nano unit; a huge one is refused.
      if (suffix.exponent < 0) magnitude = digits === 0n ? 0n : 1n;
      else throw new QuantityError(`invalid quantity ${JSON.stringify(truncate(text))}: exponent out of range`);
    } else {
      const shift = suffix.exponent + 9 - fractionLength;
      magnitude = shift >= 0 ? digits * 10n ** BigInt(shift) : divideRoundingUp(digits, 10n ** BigInt(-shift));
    }
  } else {
    const scaled = digits * 2n ** BigInt(suffix.exponent);
    const shift = 9 - fractionLength;
    magnitude = shift >= 0 ? scaled * 10n ** BigInt(shift) : divideRoundingUp(scaled, 10n ** BigInt(-shift));
    // Kubernetes caps binary-suffixed quantities at the int64 maximum (in units, not nano units).
    const cap = INT64_MAX * NANO_PER_UNIT;
    if (magnitude > cap) magnitude = cap;
  }
  return sign === '-' ? -magnitude : magnitude;
}

export function isQuantity(text: string): boolean {
  try {
    parseQuantity(text);
    return true;
  } catch {
    return false;
  }
}

/** -1, 0 or 1 as `a` is less than, equal to or greater than `b`. */
export function compareQuantities(a: bigint, b: bigint): -1 | 0 | 1 {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function addQuantities(a: bigint, b: bigint): bigint {
  return a + b;
}

export function subtractQuantities(a: bigint, b: bigint): bigint {
  return a - b;
}

/** The quantity holding the integer `units` (CEL `q.add(20)` adds 20 units, not 20 nano units). */
export function quantityFromInteger(units: bigint): bigint {
  return units * NANO_PER_UNIT;
}

/**
 * Whether the value is a whole number of units within int64. Value-based: Kubernetes answers from
 * its internal representation and may say false for a whole value written with a fraction (`1.5Gi`).
 */
export function quantityIsInteger(nano: bigint): boolean {
  if (nano % NANO_PER_UNIT !== 0n) return false;
  const units = nano / NANO_PER_UNIT;
  return units >= INT64_MIN && units <= INT64_MAX;
}

/** The value in units; throws QuantityError when it is not a whole number or is outside int64. */
export function quantityAsInteger(nano: bigint): bigint {
  if (!quantityIsInteger(nano)) {
    throw new QuantityError(`cannot convert quantity ${formatQuantity(nano)} to an integer: not a whole number within int64`);
  }
  return nano / NANO_PER_UNIT;
}

/** The nearest double to the exact value. */
export function quantityAsApproximateFloat(nano: bigint): number {
  return Number(formatQuantity(nano));
}

export function quantitySign(nano: bigint): -1 | 0 | 1 {
  return compareQuantities(nano, 0n);
}

/** Plain decimal text of the exact value in units: `1610612736`, `0.5`, `-0.000000001`. */
export function formatQuantity(nano: bigint): string {
  const negative = nano < 0n;
  const magnitude = negative ? -nano : nano;
  const units = magnitude / NANO_PER_UNIT;
  const fraction = (magnitude % NANO_PER_UNIT).toString().padStart(9, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${units}${fraction === '' ? '' : `.${fraction}`}`;
}
