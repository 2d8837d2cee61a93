// Small utilities for reading untrusted JSON and quoting it back in messages.

const MAX_QUOTED = 64;

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Text cut to `max` characters, marked when cut, so a hostile value cannot flood a message. */
export function cut(text: string, max = MAX_QUOTED): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

/** A value as it appears in a message: JSON, cut to a sane length. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  let text: string;
  try {
    text = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? String(value);
  } catch {
    text = String(value);
  }
  return cut(text);
}

/** Plain code-unit order, never locale order, so output does not depend on the machine. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** At most `limit` items, then a line saying how many were left out. */
export function capList(items: string[], limit: number): string[] {
  if (items.length <= limit) return items;
  return [...items.slice(0, limit), `and ${items.length - limit} more`];
}

/**
 * A string equal for equal JSON-like values (same key order), to key caches of checks by content;
 * undefined when the value must not be cached. JSON writes NaN and ±Infinity as null, so a value
 * whose text holds "null" anywhere is left uncached rather than confused with another.
 */
export function contentKey(value: unknown): string | undefined {
  const text = JSON.stringify(value);
  return text === undefined || text.includes('null') ? undefined : text;
}

/**
 * The value with every object and list in it frozen: for what a cache hands to many calls, so that
 * a call changing it throws instead of changing what the next call gets.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
