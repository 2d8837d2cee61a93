// The regex engine of XRD rules: anchored patterns take the fast whole-text path and mean exactly
// what RE2 means by them.
import { describe, expect, it } from '@jest/globals';
import { RE2JS } from '@bufbuild/re2';
import fc from 'fast-check';
import { wholeTextBody, xrdRegexEngine } from '../../src/api/regex.js';

// The patterns the XRDs in apis/ match with, and some that must not take the fast path.
const LABEL_KEY = '^([a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$';
const LABEL_VALUE = '^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$';
const PATTERNS = [LABEL_KEY, LABEL_VALUE, '^[^/]{1,253}/', '^a|b$', '^(a|b)$', '^[|]$', '^a\\$', '^(?m)a$', '^[]a]$', '^\\Qa|b\\E$', 'a.b', '^$'];

describe('wholeTextBody', () => {
  it('strips the anchors of a pattern that is anchored as a whole', () => {
    expect(wholeTextBody(LABEL_VALUE)).toBe('(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?');
    expect(wholeTextBody('^(a|b)$')).toBe('(a|b)');
    expect(wholeTextBody('^[|]$')).toBe('[|]');
    expect(wholeTextBody('^[]|]$')).toBe('[]|]');
    expect(wholeTextBody('^(?:a|b)c$')).toBe('(?:a|b)c');
    expect(wholeTextBody('^$')).toBe('');
  });

  it('leaves alone what would change meaning without the anchors', () => {
    expect(wholeTextBody('^a|b$')).toBeUndefined(); // (^a)|(b$)
    expect(wholeTextBody('^a\\$')).toBeUndefined(); // a literal $, not an anchor
    expect(wholeTextBody('^(?m)a$')).toBeUndefined(); // $ at end of line
    expect(wholeTextBody('^\\Qa|b\\E$')).toBeUndefined();
    expect(wholeTextBody('^[^/]{1,253}/')).toBeUndefined();
    expect(wholeTextBody('a$')).toBeUndefined();
  });
});

describe('xrdRegexEngine', () => {
  it('matches as RE2 does, for every pattern and any text', () => {
    const text = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.stringMatching(/^[a-z0-9.\-_/|]{0,70}$/),
      fc.constantFrom('', 'a', 'b', 'ab', 'a\nb', 'a|b', '|', ']', '$', 'example.com/name', 'app.kubernetes.io/part-of', '-x'),
    );
    fc.assert(
      fc.property(fc.constantFrom(...PATTERNS), text, (pattern, input) => {
        expect([pattern, input, xrdRegexEngine.compile(pattern).test(input)]).toEqual([pattern, input, RE2JS.compile(pattern).test(input)]);
      }),
      { numRuns: 3000 },
    );
  });

  it('rejects an invalid pattern as RE2 does', () => {
    expect(() => xrdRegexEngine.compile('^(a$')).toThrow();
    expect(() => xrdRegexEngine.compile('^a(?<=b)$')).toThrow();
  });
});
