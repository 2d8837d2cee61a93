import { describe, expect, it } from '@jest/globals';
import { RunFunctionRequest } from '@crossplane-org/function-sdk-typescript';
import { decodeRunFunctionRequest, MAX_DECODE_DEPTH } from '../../src/decode.js';

function nested(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: 'here', list: [1, { x: true }] };
  for (let i = 0; i < levels; i++) value = { n: value };
  return value;
}

function encoded(spec: unknown): Uint8Array {
  const req = RunFunctionRequest.fromPartial({ meta: { tag: 't' }, observed: { composite: { resource: { apiVersion: 'v', kind: 'K', spec } } } });
  return RunFunctionRequest.encode(req).finish();
}

describe('request decoding', () => {
  it('decodes JSON nested far deeper than the generated decoder allows, unchanged', () => {
    const spec = nested(200);
    expect(() => RunFunctionRequest.decode(encoded(spec))).toThrow('recursion limit');
    const req = decodeRunFunctionRequest(encoded(spec));
    expect(req.observed?.composite?.resource?.spec).toEqual(spec);
    expect(req.meta?.tag).toBe('t');
  });

  it('decodes ordinary requests exactly as the generated decoder does', () => {
    const bytes = encoded({ replicas: 2, engines: [{ name: 'a', members: [] }], labels: { a: 'b' } });
    expect(decodeRunFunctionRequest(bytes)).toEqual(RunFunctionRequest.decode(bytes));
  });

  it('still refuses absurd nesting, with its own limit', () => {
    // Each JSON level is three messages (Struct, its field entry's Value, …).
    expect(() => decodeRunFunctionRequest(encoded(nested(MAX_DECODE_DEPTH / 3 - 20)))).not.toThrow();
    expect(() => decodeRunFunctionRequest(encoded(nested(MAX_DECODE_DEPTH / 3 + 10)))).toThrow(`request nests more than ${MAX_DECODE_DEPTH} messages deep`);
  });
});
