// Reading an integer flag the user gave their engine (--port, --block-size, --page-size). The step
// never injects or rewrites engine flags; it only reads them to match its plumbing to the engine.
//
// Where: `args` first; only when no element of `args` carries the flag, `command`. Every element is
// split on whitespace and stripped of quotes, so a `sh -c "… --port 9000"` string is searched too.
// Which: `--flag N` or `--flag=N`; the last occurrence wins (argparse semantics, and in a shell
// string the serving process is the final `exec`, after e.g. `ray start --port=6379`).

export interface FlagSource {
  command?: readonly string[];
  args?: readonly string[];
}

export type FlagReading =
  | { kind: 'absent' }
  | { kind: 'value'; flag: string; value: number }
  /** The flag is there but its value is not an integer within bounds; `raw` is what was given. */
  | { kind: 'invalid'; flag: string; raw: string };

// A container's args are read for several flags per call (the port by the pod and by the
// sidecar, the block size by the endpoint picker): each list is split once.
const tokensOf = new WeakMap<readonly string[], readonly string[]>();
const NONE: readonly string[] = [];

function tokens(elements: readonly string[]): readonly string[] {
  let list = tokensOf.get(elements);
  if (list !== undefined) return list;
  const split: string[] = [];
  for (const element of elements) {
    for (const part of element.split(/\s+/)) {
      const token = part.includes('"') || part.includes("'") ? part.replace(/["']/g, '') : part;
      if (token !== '') split.push(token);
    }
  }
  list = split;
  tokensOf.set(elements, list);
  return list;
}

function lastOccurrence(elements: readonly string[], flags: readonly string[]): { flag: string; raw: string } | undefined {
  const list = tokens(elements);
  // From the end: the first match found is the last occurrence.
  for (let i = list.length - 1; i >= 0; i--) {
    const token = list[i]!;
    for (let f = flags.length - 1; f >= 0; f--) {
      const flag = flags[f]!;
      if (token === flag) return { flag, raw: list[i + 1] ?? '' };
      if (token.length > flag.length && token.startsWith(flag) && token[flag.length] === '=') return { flag, raw: token.slice(flag.length + 1) };
    }
  }
  return undefined;
}

/** The integer value of the last of `flags` in the container's args (else command). */
export function readIntegerFlag(
  source: FlagSource,
  flags: readonly string[],
  bounds: { min: number; max: number },
): FlagReading {
  const occurrence = lastOccurrence(source.args ?? NONE, flags) ?? lastOccurrence(source.command ?? NONE, flags);
  if (occurrence === undefined) return { kind: 'absent' };
  const value = /^[0-9]+$/.test(occurrence.raw) ? Number(occurrence.raw) : NaN;
  if (Number.isSafeInteger(value) && value >= bounds.min && value <= bounds.max) {
    return { kind: 'value', flag: occurrence.flag, value };
  }
  return { kind: 'invalid', flag: occurrence.flag, raw: occurrence.raw };
}

export const PORT_FLAGS = ['--port'] as const;
export const PORT_BOUNDS = { min: 1, max: 65535 };

/** vLLM's --block-size and SGLang's --page-size: the engine's KV-cache block size in tokens. */
export const BLOCK_SIZE_FLAGS = ['--block-size', '--page-size'] as const;
/** The bounds of spec.serving.kvBlockSize, so a value read from flags is one the user could set. */
export const BLOCK_SIZE_BOUNDS = { min: 1, max: 4096 };

/** A value quoted for a message, cut so one bad input cannot flood an event or condition. */
export function quoteValue(raw: string, limit = 64): string {
  return JSON.stringify(raw.length > limit ? `${raw.slice(0, limit)}…` : raw);
}
