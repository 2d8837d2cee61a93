import { describe, expect, it } from '@jest/globals';
import {
  addQuantities,
  compareQuantities,
  formatQuantity,
  isQuantity,
  parseQuantity,
  QuantityError,
  quantityAsApproximateFloat,
  quantityAsInteger,
  quantityFromInteger,
  quantityIsInteger,
  quantitySign,
  subtractQuantities,
} from '../../src/cel/quantity.js';

const NANO = 1_000_000_000n;
const INT64_MAX = 9_223_372_036_854_775_807n;

describe('parseQuantity', () => {
  // [text, exact value in nano units]
  const valid: [string, bigint][] = [
    ['0', 0n],
    ['-0', 0n],
    ['1', NANO],
    ['+1', NANO],
    ['-1', -NANO],
    ['007', 7n * NANO],
    ['1.5', 1_500_000_000n],
    ['1.', NANO],
    ['.5', 500_000_000n],
    ['100m', 100_000_000n],
    ['1u', 1_000n],
    ['1n', 1n],
    ['1k', 1_000n * NANO],
    ['2M', 2_000_000n * NANO],
    ['1G', 1_000_000_000n * NANO],
    ['1T', 10n ** 12n * NANO],
    ['1P', 10n ** 15n * NANO],
    ['1E', 10n ** 18n * NANO],
    ['256E', 256n * 10n ** 18n * NANO],
    ['1Ki', 1_024n * NANO],
    ['1Mi', 1_048_576n * NANO],
    ['1.5Gi', 1_610_612_736n * NANO],
    ['0.5Ki', 512n * NANO],
    ['1Ti', 2n ** 40n * NANO],
    ['1Pi', 2n ** 50n * NANO],
    ['7Ei', 7n * 2n ** 60n * NANO],
    ['1e3', 1_000n * NANO],
    ['1E3', 1_000n * NANO],
    ['1e+3', 1_000n * NANO],
    ['1e-3', 1_000_000n],
    ['1.5e2', 150n * NANO],
    ['256e3', 256_000n * NANO],
    ['-2.5e-1', -250_000_000n],
    ['1e003', 1_000n * NANO],
  ];
  it.each(valid)('reads %s exactly', (text, nano) => {
    expect(parseQuantity(text)).toBe(nano);
    expect(isQuantity(text)).toBe(true);
  });

  it.each<[string, bigint]>([
    ['0.0000000004', 1n],
    ['0.0000000015', 2n],
    ['-0.0000000004', -1n],
    ['0.0000000000', 0n],
    ['1e-12', 1n],
    ['3e-20000', 1n],
    ['0e-20000', 0n],
    ['0.1n', 1n],
    ['0.0000000001Ki', 103n],
  ])('rounds %s away from zero to nano precision (%p)', (text, nano) => {
    expect(parseQuantity(text)).toBe(nano);
  });

  it.each(['8Ei', '10Ei', '100000Pi', '9999999999999999999Ki'])('saturates binary %s at the int64 maximum', (text) => {
    expect(parseQuantity(text)).toBe(INT64_MAX * NANO);
    expect(parseQuantity(`-${text}`)).toBe(-INT64_MAX * NANO);
  });

  it('does not saturate decimal suffixes or exponents', () => {
    expect(parseQuantity('9999999999999999999999999999999999999G')).toBe(9999999999999999999999999999999999999n * NANO * NANO);
    expect(parseQuantity('1e30')).toBe(10n ** 39n);
  });

  it.each([
    '',
    ' 5Gi',
    '5Gi ',
    '20Mo',
    '10Mm',
    '200K',
    '1,3G',
    'Three',
    '-',
    '+',
    '.',
    'M',
    'e3',
    '1e',
    '1e3.5',
    '1.5.5',
    '1ki',
    '1KiB',
    '--1',
    '1e3k',
    '1ke3',
    '1Ee3',
    '1e+',
    '1e99999999999999999999',
    '1e20000',
    '0x10',
    '1_000',
    '１',
  ])('rejects %p', (text) => {
    expect(isQuantity(text)).toBe(false);
    expect(() => parseQuantity(text)).toThrow(QuantityError);
  });

  it('names the offending text in its error', () => {
    expect(() => parseQuantity('80GB')).toThrow(/invalid quantity "80GB"/);
  });
});

describe('quantity arithmetic', () => {
  it('compares exactly across suffixes', () => {
    expect(compareQuantities(parseQuantity('50M'), parseQuantity('50Mi'))).toBe(-1);
    expect(compareQuantities(parseQuantity('50Mi'), parseQuantity('50M'))).toBe(1);
    expect(compareQuantities(parseQuantity('1Gi'), parseQuantity('1024Mi'))).toBe(0);
    expect(compareQuantities(parseQuantity('200M'), parseQuantity('0.2G'))).toBe(0);
    expect(compareQuantities(parseQuantity('-1'), parseQuantity('-1m'))).toBe(-1);
  });

  it('adds and subtracts quantities and whole units', () => {
    const fiftyK = parseQuantity('50k');
    expect(addQuantities(fiftyK, quantityFromInteger(20n))).toBe(parseQuantity('50.02k'));
    expect(subtractQuantities(fiftyK, quantityFromInteger(20n))).toBe(parseQuantity('49980'));
    expect(subtractQuantities(parseQuantity('1'), parseQuantity('1.5'))).toBe(parseQuantity('-0.5'));
    expect(addQuantities(parseQuantity('8Ei'), parseQuantity('8Ei'))).toBe(2n * INT64_MAX * NANO);
  });

  it.each<[string, bigint | undefined]>([
    ['1', 1n],
    ['-49980', -49980n],
    ['1.5Gi', 1_610_612_736n],
    ['1k', 1000n],
    ['8Ei', INT64_MAX],
    ['9223372036854775807', INT64_MAX],
    ['-9223372036854775808', -INT64_MAX - 1n],
    ['9223372036854775808', undefined],
    ['-9223372036854775809', undefined],
    ['1.5', undefined],
    ['1m', undefined],
    ['9999999999999999999999999999999999999G', undefined],
  ])('asInteger(%s) is %p', (text, expected) => {
    const nano = parseQuantity(text);
    expect(quantityIsInteger(nano)).toBe(expected !== undefined);
    if (expected === undefined) expect(() => quantityAsInteger(nano)).toThrow(QuantityError);
    else expect(quantityAsInteger(nano)).toBe(expected);
  });

  it.each<[string, number]>([
    ['50.703k', 50703],
    ['1n', 1e-9],
    ['-1.5', -1.5],
    ['1Ki', 1024],
    ['1e30', 1e30],
  ])('asApproximateFloat(%s) is %p', (text, expected) => {
    expect(quantityAsApproximateFloat(parseQuantity(text))).toBe(expected);
  });

  it.each<[string, number]>([
    ['0', 0],
    ['-0', 0],
    ['5m', 1],
    ['-1n', -1],
  ])('sign(%s) is %p', (text, expected) => {
    expect(quantitySign(parseQuantity(text))).toBe(expected);
  });

  it.each<[string, string]>([
    ['1.5Gi', '1610612736'],
    ['0.5', '0.5'],
    ['-1n', '-0.000000001'],
    ['0', '0'],
    ['100m', '0.1'],
  ])('formats %s as %s', (text, formatted) => {
    expect(formatQuantity(parseQuantity(text))).toBe(formatted);
  });
});
