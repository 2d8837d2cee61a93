// The RE2 engine behind `matches` in XRD validation rules.
//
// CEL's `matches` finds a pattern anywhere in the text, so rules anchor their patterns: `^X$`.
// RE2JS's lazy DFA resolves those anchors at every character it steps over, which makes anchored
// patterns several times slower than the same pattern matched against the whole text. A pattern
// that is exactly `^X$` therefore runs as X matched against the whole text: the same language, a
// third of the cost. Anything else runs as written.
import { RE2JS } from '@bufbuild/re2';
import { LruCache } from '../lru.js';

export interface CompiledPattern {
  test(text: string): boolean;
}

/**
 * X when `pattern` is `^X$` and matching X against the whole text means the same as searching for
 * `^X$`: X has no top-level alternation (`^a|b$` is `(^a)|(b$)`), the final `$` is not escaped, and
 * X sets no flags (`(?m)` would turn the final `$` into end of line). Undefined otherwise.
 */
export function wholeTextBody(pattern: string): string | undefined {
  if (pattern.length < 2 || !pattern.startsWith('^') || !pattern.endsWith('$')) return undefined;
  const body = pattern.slice(1, -1);
  let depth = 0;
  let inClass = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '\\') {
      // \Q...\E quotes a run of text; rare enough not to be worth following.
      if (body[i + 1] === 'Q' || i + 1 === body.length) return undefined;
      i++;
    } else if (inClass) {
      if (c === ']') inClass = false;
    } else if (c === '[') {
      inClass = true;
      // A `]` right after `[` or `[^` is a literal member of the class.
      if (body[i + 1] === '^') i++;
      if (body[i + 1] === ']') i++;
    } else if (c === '(') {
      if (body[i + 1] === '?' && body[i + 2] !== ':') return undefined;
      depth++;
    } else if (c === ')') {
      depth--;
    } else if (c === '|' && depth === 0) {
      return undefined;
    }
  }
  return depth === 0 && !inClass ? body : undefined;
}

function compile(pattern: string): CompiledPattern {
  // Compiling the pattern as written first rejects an invalid one exactly as RE2 would.
  const asWritten = RE2JS.compile(pattern);
  const body = wholeTextBody(pattern);
  if (body === undefined) return asWritten;
  const whole = RE2JS.compile(body);
  return { test: (text) => whole.testExact(text) };
}

// Compiling costs far more than matching; rules match the same few patterns on every call.
const compiled = new LruCache<string, CompiledPattern>(1_000);

/** The engine handed to the CEL environment of XRD rules. Throws on an invalid pattern. */
export const xrdRegexEngine = {
  compile(pattern: string): CompiledPattern {
    let entry = compiled.get(pattern);
    if (entry === undefined) {
      entry = compile(pattern);
      compiled.set(pattern, entry);
    }
    return entry;
  },
};
