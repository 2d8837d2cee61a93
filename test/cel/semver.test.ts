import { describe, expect, it } from '@jest/globals';
import { compareSemver, formatSemver, isSemver, parseSemver, precedenceKey, SemverError } from '../../src/cel/semver.js';

describe('parseSemver (strict)', () => {
  it('reads every part', () => {
    expect(parseSemver('1.2.3-beta.1+build.1')).toEqual({
      major: 1n,
      minor: 2n,
      patch: 3n,
      prerelease: ['beta', 1n],
      build: ['build', '1'],
    });
  });

  it.each([
    '0.0.0',
    '1.2.3',
    '1.0.0-alpha-1',
    '1.0.0-0',
    '1.0.0-x.7.z.92',
    '1.0.0+build-1.2',
    '1.0.0-rc.1+001',
    '18446744073709551615.0.0',
  ])('accepts %p', (text) => {
    expect(isSemver(text)).toBe(true);
    expect(formatSemver(parseSemver(text))).toBe(text);
  });

  it.each([
    'v1.0.0',
    '1',
    '1.1',
    '01.01.01',
    '1.01.0',
    '1.0.01',
    ' 1.0.0',
    '1.0.0 ',
    '',
    '1.0.0-',
    '1.0.0+',
    '1.0.0-01',
    '1.0.0-a..b',
    '1.0.0+a..b',
    '1.0.0-a_b',
    '1.2.3.4',
    '1.-1.0',
    '18446744073709551616.0.0',
    '1.0.0-18446744073709551616',
  ])('rejects %p', (text) => {
    expect(isSemver(text)).toBe(false);
    expect(() => parseSemver(text)).toThrow(SemverError);
  });
});

describe('parseSemver (normalize)', () => {
  it.each<[string, string]>([
    ['v1.0.0', '1.0.0'],
    ['01.01.01', '1.1.1'],
    ['1', '1.0.0'],
    ['1.1', '1.1.0'],
    ['v01.01', '1.1.0'],
    ['1.2.00', '1.2.0'],
    ['1.2.0-alpha', '1.2.0-alpha'],
    ['1.2.03-alpha+b', '1.2.3-alpha+b'],
  ])('normalizes %p to %p', (text, normalized) => {
    expect(isSemver(text, true)).toBe(true);
    expect(formatSemver(parseSemver(text, true))).toBe(normalized);
  });

  it.each(['vv1.0.0', '1-alpha', '1.2+b', '1.02.3-rc.01', '', ' 1.0.0', 'V1.0.0'])('rejects %p', (text) => {
    expect(isSemver(text, true)).toBe(false);
  });

  it('names the text the user wrote in its error', () => {
    expect(() => parseSemver('v01.x', true)).toThrow(/"v01\.x"/);
  });
});

describe('compareSemver', () => {
  const ordered = [
    '0.9.9',
    '1.0.0-alpha',
    '1.0.0-alpha.1',
    '1.0.0-alpha.beta',
    '1.0.0-beta',
    '1.0.0-beta.2',
    '1.0.0-beta.11',
    '1.0.0-rc.1',
    '1.0.0',
    '1.0.1',
    '1.9.0',
    '1.10.0',
    '2.0.0',
  ];
  it('orders by semver precedence', () => {
    for (let i = 0; i < ordered.length; i++) {
      for (let j = 0; j < ordered.length; j++) {
        const a = parseSemver(ordered[i] as string);
        const b = parseSemver(ordered[j] as string);
        expect(compareSemver(a, b)).toBe(i < j ? -1 : i > j ? 1 : 0);
      }
    }
  });

  it('ignores build metadata', () => {
    expect(compareSemver(parseSemver('1.0.0+b1'), parseSemver('1.0.0+b2'))).toBe(0);
    expect(precedenceKey(parseSemver('1.0.0-rc.1+b1'))).toBe('1.0.0-rc.1');
  });

  it('ranks numeric prerelease identifiers below alphanumeric ones', () => {
    expect(compareSemver(parseSemver('1.0.0-1'), parseSemver('1.0.0-a'))).toBe(-1);
    expect(compareSemver(parseSemver('1.0.0-a-2'), parseSemver('1.0.0-a-10'))).toBe(1);
  });
});
