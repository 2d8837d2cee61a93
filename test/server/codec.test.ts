// The direct RunFunction codec against the SDK's generated one: the same objects from the same
// request bytes, the same bytes from the same response, whatever the content; and a nesting limit
// far above the generated decoder's, enforced with the path to the offending value.
import { deepStrictEqual } from 'node:assert/strict';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as grpc from '@grpc/grpc-js';
import fc from 'fast-check';
import { pino } from 'pino';
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import {
  Capability,
  Ready,
  RunFunctionRequest,
  RunFunctionResponse,
  Severity,
  Status,
  Target,
  type Resource,
  type ResourceSelector,
  type State,
} from '@crossplane-org/function-sdk-typescript';
import { decodeRunFunctionRequest, encodeRunFunctionResponse, MAX_MESSAGE_DEPTH } from '../../src/codec.js';
import { connectFunction, type FunctionClient } from '../../src/render/client.js';
import { startFunctionServer, type FunctionServer } from '../../src/server.js';

const RUNS = 200;

// ---- arbitraries ---------------------------------------------------------------------------------

const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }), // any code point, lone surrogates included
  fc.string({ minLength: 33, maxLength: 80 }),
  // Around the length where the encoder stops copying ASCII itself, with a character above 0x7f
  // anywhere, or none.
  fc.tuple(fc.string({ minLength: 55, maxLength: 70 }), fc.nat(70), fc.constantFrom('é', '🚀', '\ud800')).map(([ascii, at, wide]) => `${ascii.slice(0, at)}${wide}${ascii.slice(at)}`),
  fc.constantFrom('', 'name', 'apiVersion', 'True', 'gpu.nvidia.com', 'ünïcødé', '🚀 rocket', 'a'.repeat(64), 'b'.repeat(65), `${'c'.repeat(64)}é`, `${'d'.repeat(40)}é`),
);

/**
 * Keys of maps. "__proto__" (which fast-check's strings favour) is left to its own test: the
 * generated decoder makes a map's entry "__proto__" the map's prototype, this codec drops it.
 */
const mapKey = fc.oneof(text, fc.constantFrom('constructor', 'toString', 'hasOwnProperty', '0', '10', 'a.b/c')).filter((key) => key !== '__proto__');

/** Keys of Structs: the generated encoder drops "__proto__", which the encoders must agree on. */
const structKey = fc.oneof({ weight: 9, arbitrary: mapKey }, { weight: 1, arbitrary: fc.constant('__proto__') });

const number = fc.oneof(
  fc.double(), // NaN, ±Infinity and -0 included
  fc.integer(),
  fc.constantFrom(0, -0, 2 ** 53, -(2 ** 53), 2 ** 53 + 2, 1e21, Number.MAX_VALUE, Number.MIN_VALUE),
);

const { json } = fc.letrec((tie) => ({
  json: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    number,
    text,
    tie('list'),
    tie('struct'),
  ),
  // A list may hold undefined (a hole): the generated encoder writes it as an empty Value.
  list: fc.array(fc.oneof({ weight: 9, arbitrary: tie('json') }, { weight: 1, arbitrary: fc.constant(undefined) }), { maxLength: 4 }),
  // A Struct may hold undefined values: both encoders leave them out.
  struct: fc.dictionary(structKey, fc.oneof({ weight: 9, arbitrary: tie('json') }, { weight: 1, arbitrary: fc.constant(undefined) }), { maxKeys: 4 }),
}));

const struct = fc.dictionary(structKey, json, { maxKeys: 6 });
const optional = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined });
const map = <T>(value: fc.Arbitrary<T>) => fc.dictionary(mapKey, value, { maxKeys: 3 });
const bytes = fc.uint8Array({ maxLength: 12 }).map((array) => Buffer.from(array));

/** Every value of an enum, one it does not know yet and a negative one. */
const enumValue = (values: object) => fc.constantFrom(...Object.values(values).filter((v): v is number => typeof v === 'number'), 99, -7);

const resource: fc.Arbitrary<Resource> = fc.record({ resource: optional(struct), connectionDetails: map(bytes), ready: enumValue(Ready) });
const state: fc.Arbitrary<State> = fc.record({ composite: optional(resource), resources: map(resource) });
const resources = fc.record({ items: fc.array(resource, { maxLength: 3 }) });

const request: fc.Arbitrary<RunFunctionRequest> = fc.record({
  meta: optional(fc.record({ tag: text, capabilities: fc.array(enumValue(Capability), { maxLength: 8 }) })),
  observed: optional(state),
  desired: optional(state),
  input: optional(struct),
  context: optional(struct),
  extraResources: map(resources),
  credentials: map(fc.record({ credentialData: optional(fc.record({ data: map(bytes) })) })),
  requiredResources: map(resources),
  requiredSchemas: map(fc.record({ openapiV3: optional(struct) })),
});

const selector: fc.Arbitrary<ResourceSelector> = fc.record(
  {
    apiVersion: text,
    kind: text,
    matchName: text,
    matchLabels: fc.record({ labels: map(text) }),
    namespace: text,
  },
  { requiredKeys: ['apiVersion', 'kind'] },
);

const response: fc.Arbitrary<RunFunctionResponse> = fc.record({
  meta: optional(
    fc.record({
      tag: text,
      ttl: optional(fc.record({ seconds: fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.maxSafeNat()), nanos: fc.integer({ min: -999_999_999, max: 999_999_999 }) })),
    }),
  ),
  desired: optional(state),
  results: fc.array(fc.record({ severity: enumValue(Severity), message: text, reason: optional(text), target: optional(enumValue(Target)) }), { maxLength: 3 }),
  context: optional(struct),
  requirements: optional(fc.record({ extraResources: map(selector), resources: map(selector), schemas: map(fc.record({ apiVersion: text, kind: text })) })),
  conditions: fc.array(
    fc.record({ type: text, status: enumValue(Status), reason: text, message: optional(text), target: optional(enumValue(Target)) }),
    { maxLength: 3 },
  ),
  output: optional(struct),
});

// ---- helpers ------------------------------------------------------------------------------------

/**
 * Same own keys, values and prototypes, NaN equal to NaN and -0 apart from 0. Jest's toStrictEqual
 * compares `.constructor`, which a map key "constructor" shadows.
 */
function expectSameObjects(actual: unknown, expected: unknown): void {
  deepStrictEqual(actual, expected);
}

function sdkBytes(req: RunFunctionRequest): Uint8Array {
  return RunFunctionRequest.encode(req).finish();
}

function sdkResponseHex(rsp: RunFunctionResponse): string {
  return Buffer.from(RunFunctionResponse.encode(rsp).finish()).toString('hex');
}

type Outcome = { decoded: RunFunctionRequest } | { threw: true };

function outcome(decode: (bytes: Uint8Array) => RunFunctionRequest, bytes: Uint8Array): Outcome {
  try {
    return { decoded: decode(bytes) };
  } catch {
    return { threw: true };
  }
}

function nested(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: 'here', list: [1, { x: true }] };
  for (let i = 0; i < levels; i++) value = { n: value };
  return value;
}

/**
 * The deepest nested(k) a request's XR spec may hold: the XR's Struct is the fourth message
 * (request, State, Resource), spec's Struct the seventh, each level three more, and the innermost
 * object's list holds a Struct whose Value is seven messages below that object: 14 + 3k in all.
 */
const deepestLevels = Math.floor((MAX_MESSAGE_DEPTH - 14) / 3);

function nestedLists(levels: number): unknown[] {
  let value: unknown[] = ['leaf'];
  for (let i = 0; i < levels; i++) value = [value];
  return value;
}

function requestWithSpec(spec: unknown): RunFunctionRequest {
  return RunFunctionRequest.fromPartial({ meta: { tag: 't' }, observed: { composite: { resource: { apiVersion: 'v', kind: 'K', spec } } } });
}

function responseWithSpec(spec: unknown): RunFunctionResponse {
  return RunFunctionResponse.fromPartial({ meta: { tag: 't' }, desired: { resources: { deep: { resource: { apiVersion: 'v', kind: 'K', spec } } } } });
}

/** Length-delimited field `field` holding what `write` writes. */
function message(writer: BinaryWriter, field: number, write: (writer: BinaryWriter) => void): BinaryWriter {
  writer.uint32((field << 3) | 2).fork();
  write(writer);
  return writer.join();
}

/** A Struct field entry: key, then a Value written by `value`. */
function field(struct: BinaryWriter, key: string, value: (value: BinaryWriter) => void): BinaryWriter {
  return message(struct, 1, (entry) => message(entry.uint32(10).string(key), 2, value));
}

/** One of each kind of field no message here declares. */
function unknownFields(writer: BinaryWriter): BinaryWriter {
  return writer
    .uint32((12 << 3) | 0)
    .uint64(2n ** 63n)
    .uint32((13 << 3) | 1)
    .fixed64(7)
    .uint32((14 << 3) | 2)
    .bytes(new Uint8Array([1, 2, 3]))
    .uint32((15 << 3) | 5)
    .fixed32(9)
    .uint32((16 << 3) | 3) // a group, with a field inside
    .uint32((1 << 3) | 0)
    .int32(5)
    .uint32((16 << 3) | 4);
}

describe('key order of decoded objects', () => {
  /** The Input of a request whose Input Struct has `entries` written in that order. */
  function inputWith(entries: [string, string][]): Record<string, unknown> {
    const writer = new BinaryWriter();
    message(writer, 4, (struct) => {
      for (const [key, value] of entries) field(struct, key, (v) => v.uint32(26).string(value));
    });
    return decodeRunFunctionRequest(writer.finish()).input!;
  }

  it('puts keys in code-unit order whatever order the wire has them in', () => {
    const decoded = inputWith([['name', 'a'], ['image', 'b'], ['Args', 'c'], ['env', 'd']]);
    expect(Object.keys(decoded)).toEqual(['Args', 'env', 'image', 'name']);
    expect(decoded).toEqual({ name: 'a', image: 'b', Args: 'c', env: 'd' });
  });

  it('keeps the last value of a repeated key, as the generated decoder does', () => {
    const entries: [string, string][] = [['b', 'first'], ['a', 'x'], ['b', 'last']];
    expect(inputWith(entries)).toEqual({ a: 'x', b: 'last' });
    const writer = new BinaryWriter();
    message(writer, 4, (struct) => {
      for (const [key, value] of entries) field(struct, key, (v) => v.uint32(26).string(value));
    });
    const bytes = writer.finish();
    expectSameObjects(decodeRunFunctionRequest(bytes).input, RunFunctionRequest.decode(bytes).input);
  });

  it('sorts a large object written in reverse order', () => {
    const keys = Array.from({ length: 50_000 }, (_, i) => `key-${String(i).padStart(6, '0')}`);
    const decoded = inputWith(keys.map((key): [string, string] => [key, key]).reverse());
    expect(Object.keys(decoded)).toEqual(keys);
  });
});

// ---- properties ---------------------------------------------------------------------------------

describe('request decoding', () => {
  it('gives the objects the generated decoder gives, for any request', () => {
    fc.assert(
      fc.property(request, (req) => {
        const bytes = sdkBytes(req);
        expectSameObjects(decodeRunFunctionRequest(bytes), RunFunctionRequest.decode(bytes));
      }),
      { numRuns: RUNS },
    );
  });

  it('agrees with the generated decoder on damaged bytes: the same objects, or both refuse', () => {
    const damage = fc.array(fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }), insert: fc.boolean() }), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(request, damage, (req, edits) => {
        const bytes = [...sdkBytes(req)];
        for (const { at, byte, insert } of edits) bytes.splice(at % (bytes.length + 1), insert ? 0 : 1, byte);
        const damaged = new Uint8Array(bytes);
        expectSameObjects(outcome(decodeRunFunctionRequest, damaged), outcome((b) => RunFunctionRequest.decode(b), damaged));
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('skips unknown fields at every level, as the generated decoder does', () => {
    const writer = new BinaryWriter();
    unknownFields(writer);
    message(writer, 1, (meta) => unknownFields(meta.uint32(10).string('tag')).uint32(16).int32(Capability.CAPABILITY_CONDITIONS));
    message(writer, 2, (observed) =>
      message(observed, 1, (composite) => {
        unknownFields(composite);
        message(composite, 1, (struct) => {
          unknownFields(struct);
          message(struct, 1, (entry) => {
            unknownFields(entry.uint32(10).string('spec'));
            message(entry, 2, (value) => {
              unknownFields(value);
              message(value, 6, (list) => {
                unknownFields(list);
                message(list, 1, (item) => unknownFields(item.uint32(26).string('item')));
                // A known field number with another wire type is unknown too.
                list.uint32((1 << 3) | 0).int32(4);
              });
            });
          });
        });
        composite.uint32(24).int32(Ready.READY_TRUE);
      }),
    );
    message(writer, 8, (entry) => message(unknownFields(entry.uint32(10).string('clusters')), 2, (items) => unknownFields(items)));
    const bytes = writer.finish();
    const decoded = decodeRunFunctionRequest(bytes);
    expectSameObjects(decoded, RunFunctionRequest.decode(bytes));
    expect(decoded.meta).toStrictEqual({ tag: 'tag', capabilities: [Capability.CAPABILITY_CONDITIONS] });
    expect(decoded.observed?.composite).toStrictEqual({ resource: { spec: ['item'] }, connectionDetails: {}, ready: Ready.READY_TRUE });
    expect(decoded.requiredResources).toStrictEqual({ clusters: { items: [] } });
  });

  it('resolves a Value carrying several kinds as the generated decoder does', () => {
    const kinds: [string, (w: BinaryWriter) => unknown][] = [
      ['string', (w) => w.uint32(26).string('s')],
      ['number', (w) => w.uint32(17).double(1.5)],
      ['bool', (w) => w.uint32(32).bool(true)],
      ['struct', (w) => message(w, 5, (s) => field(s, 'k', (v) => v.uint32(26).string('v')))],
      ['list', (w) => message(w, 6, () => undefined)],
      ['null', (w) => w.uint32(8).int32(3)],
      // A later field of a kind replaces an earlier one.
      ['string again', (w) => w.uint32(26).string('t')],
      ['number again', (w) => w.uint32(17).double(-2)],
      ['bool again', (w) => w.uint32(32).bool(false)],
      ['struct again', (w) => message(w, 5, () => undefined)],
      ['list again', (w) => message(w, 6, (l) => message(l, 1, (v) => v.uint32(32).bool(true)))],
    ];
    const check = (chosen: typeof kinds): void => {
      const writer = new BinaryWriter();
      message(writer, 4, (input) => field(input, 'value', (value) => chosen.forEach(([, write]) => write(value))));
      const bytes = writer.finish();
      expectSameObjects(decodeRunFunctionRequest(bytes), RunFunctionRequest.decode(bytes));
    };
    for (const first of kinds) for (const second of kinds) check([first, second]);
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...kinds), { maxLength: 8 }), check),
      { numRuns: RUNS },
    );
  });

  it('reads thousands of distinct short strings right, whatever shares a cache slot', () => {
    const keys = Array.from({ length: 20_000 }, (_, i) => `k${(i * 7919).toString(36)}`);
    const input = Object.fromEntries(keys.map((key, i) => [key, keys[(i * 31) % keys.length]!]));
    const bytes = sdkBytes(RunFunctionRequest.fromPartial({ input }));
    expect(decodeRunFunctionRequest(bytes).input).toStrictEqual(input);
    expectSameObjects(decodeRunFunctionRequest(bytes), RunFunctionRequest.decode(bytes));
  });
});

describe('response encoding', () => {
  it('writes the bytes the generated encoder writes, for any response', () => {
    fc.assert(
      fc.property(response, (rsp) => {
        expect(encodeRunFunctionResponse(rsp).toString('hex')).toBe(sdkResponseHex(rsp));
      }),
      { numRuns: RUNS },
    );
  });

  it('writes the same bytes again after a response it could not encode', () => {
    const good = responseWithSpec({ replicas: 2, text: 'x'.repeat(500) });
    const bad = responseWithSpec({ callback: () => undefined });
    expect(() => encodeRunFunctionResponse(bad)).toThrow('response holds a function, which is not a JSON value, at desired.resources["deep"].resource.spec.callback');
    expect(encodeRunFunctionResponse(good).toString('hex')).toBe(sdkResponseHex(good));
    expect(encodeRunFunctionResponse(good).toString('hex')).toBe(sdkResponseHex(good));
  });

  it('encodes a response after a much larger one, and an empty one', () => {
    const large = responseWithSpec({ items: Array.from({ length: 3000 }, (_, i) => ({ i, text: `${i}`.padEnd(400, '.') })) }); // over 1 MiB
    const small = responseWithSpec({ a: 1 });
    const empty = RunFunctionResponse.fromPartial({});
    expect(encodeRunFunctionResponse(large).byteLength).toBeGreaterThan(1 << 20);
    for (const rsp of [large, small, large, empty, small]) expect(encodeRunFunctionResponse(rsp).toString('hex')).toBe(sdkResponseHex(rsp));
    expect(encodeRunFunctionResponse(empty)).toHaveLength(0);
  });
});

// ---- edge cases ---------------------------------------------------------------------------------

describe('numbers', () => {
  const values = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 2 ** 53 + 2, 5e-324];

  it('NaN, ±Infinity and -0 go through a Value as doubles, as the generated code sends them', () => {
    const bytes = sdkBytes(requestWithSpec({ values }));
    const decoded = decodeRunFunctionRequest(bytes).observed?.composite?.resource?.spec as { values: number[] };
    expectSameObjects(decoded, RunFunctionRequest.decode(bytes).observed?.composite?.resource?.spec);
    expect(decoded.values).toStrictEqual(values);
    expect(Object.is(decoded.values[3], -0)).toBe(true);
  });

  it('are encoded bit for bit as the generated code encodes them', () => {
    const rsp = responseWithSpec({ values });
    expect(encodeRunFunctionResponse(rsp).toString('hex')).toBe(sdkResponseHex(rsp));
  });
});

describe('enums', () => {
  /** An enum value the SDK's enums do not name, as a newer or broken peer could send. */
  const unnamed = (value: number) => value as never;

  it('keeps negative and unknown enum values as numbers', () => {
    const req = RunFunctionRequest.fromPartial({
      meta: { tag: 't', capabilities: [-1, Capability.CAPABILITY_REQUIRED_SCHEMAS, unnamed(42)] },
      observed: { composite: { resource: {}, ready: unnamed(-3) } },
    });
    const decoded = decodeRunFunctionRequest(sdkBytes(req));
    expect(decoded.meta?.capabilities).toStrictEqual([-1, Capability.CAPABILITY_REQUIRED_SCHEMAS, 42]);
    expect(decoded.observed?.composite?.ready).toBe(-3);
    expectSameObjects(decoded, RunFunctionRequest.decode(sdkBytes(req)));
  });

  it('writes negative enum values as ten-byte varints, as the generated code does', () => {
    const rsp = RunFunctionResponse.fromPartial({
      results: [{ severity: -1, message: 'm', target: unnamed(-2) }],
      conditions: [{ type: 'T', status: unnamed(-3), reason: 'R', target: unnamed(-4) }],
      desired: { composite: { resource: {}, ready: unnamed(-5) } },
    });
    const encoded = encodeRunFunctionResponse(rsp);
    expect(encoded.toString('hex')).toBe(sdkResponseHex(rsp));
    expect(encoded.toString('hex')).toContain('08ffffffffffffffffff01'); // severity = -1
  });
});

describe('the key "__proto__"', () => {
  /** A request whose XR holds "__proto__" twice (an object, then a string) and whose required resources map it too. */
  function protoKeyRequest(): Uint8Array {
    const writer = new BinaryWriter();
    message(writer, 2, (observed) =>
      message(observed, 1, (composite) =>
        message(composite, 1, (xr) => {
          field(xr, '__proto__', (value) => message(value, 5, (object) => field(object, 'polluted', (flag) => flag.uint32(32).bool(true))));
          field(xr, '__proto__', (value) => value.uint32(26).string('text'));
          field(xr, 'kind', (value) => value.uint32(26).string('K'));
        }),
      ),
    );
    message(writer, 8, (entry) => message(entry.uint32(10).string('__proto__'), 2, (items) => message(items, 1, () => undefined)));
    message(writer, 8, (entry) => message(entry.uint32(10).string('clusters'), 2, () => undefined));
    return writer.finish();
  }

  it('is dropped, as the generated decoder drops it, without replacing any prototype', () => {
    const bytes = protoKeyRequest();
    const decoded = decodeRunFunctionRequest(bytes);
    const xr = decoded.observed?.composite?.resource as Record<string, unknown>;
    expect(xr).toStrictEqual({ kind: 'K' });
    expect(Object.getPrototypeOf(xr)).toBe(Object.prototype);
    expect(xr.polluted).toBeUndefined();
    expect(Object.keys(decoded.requiredResources)).toStrictEqual(['clusters']);
    expect(Object.getPrototypeOf(decoded.requiredResources)).toBe(Object.prototype);
    expect(decoded).toEqual(RunFunctionRequest.decode(bytes));
    // The generated decoder assigns the entry, which makes it the map's prototype.
    expect(Object.getPrototypeOf(RunFunctionRequest.decode(bytes).requiredResources)).not.toBe(Object.prototype);
  });

  it('is left out of an encoded Struct and kept as a map key, as the generated encoder does', () => {
    const resource = JSON.parse('{"__proto__": {"polluted": true}, "kind": "K"}') as Record<string, unknown>;
    const resources = JSON.parse('{"__proto__": {"resource": {"kind": "L"}, "connectionDetails": {}, "ready": 0}}') as State['resources'];
    const rsp = RunFunctionResponse.fromPartial({ desired: { composite: { resource } } });
    rsp.desired!.resources = resources;
    const encoded = encodeRunFunctionResponse(rsp);
    expect(encoded.toString('hex')).toBe(sdkResponseHex(rsp));
    expect(encoded.includes(Buffer.from('polluted'))).toBe(false);
    expect(encoded.includes(Buffer.from('__proto__'))).toBe(true);
  });
});

describe('nesting', () => {
  it('decodes JSON nested far deeper than the generated decoder allows, unchanged', () => {
    const spec = { object: nested(200), list: nestedLists(300) };
    const bytes = sdkBytes(requestWithSpec(spec));
    expect(() => RunFunctionRequest.decode(bytes)).toThrow('recursion limit');
    expect(decodeRunFunctionRequest(bytes).observed?.composite?.resource?.spec).toStrictEqual(spec);
  });

  it('refuses absurd nesting with its own limit, naming where', () => {
    expect(() => decodeRunFunctionRequest(sdkBytes(requestWithSpec(nested(deepestLevels))))).not.toThrow();
    expect(() => decodeRunFunctionRequest(sdkBytes(requestWithSpec(nested(deepestLevels + 1))))).toThrow(
      new RegExp(`^request nests more than ${MAX_MESSAGE_DEPTH} messages deep at observed\\.composite\\.resource\\.spec(\\.n)+…$`),
    );
    expect(() => decodeRunFunctionRequest(sdkBytes(requestWithSpec(nestedLists(MAX_MESSAGE_DEPTH))))).toThrow(
      /^request nests more than 1500 messages deep at observed\.composite\.resource\.spec(\[0\])+…$/,
    );
  });

  it('names map keys and list positions on the way to the nesting', () => {
    const req = RunFunctionRequest.fromPartial({ requiredResources: { 'the fleet': { items: [{ resource: {} }, { resource: { spec: nestedLists(MAX_MESSAGE_DEPTH) } }] } } });
    expect(() => decodeRunFunctionRequest(sdkBytes(req))).toThrow(/ at requiredResources\["the fleet"\]\.items\[1\]\.resource\.spec\[0\]\[0\]/);
  });

  it('encodes anything it would decode, byte for byte, and refuses deeper with the path', () => {
    // A composed resource sits one message deeper than the XR (its map entry), and a response's
    // desired state one message shallower than a request's observed one: the same depth in all.
    const rsp = responseWithSpec(nested(deepestLevels));
    expect(encodeRunFunctionResponse(rsp).toString('hex')).toBe(sdkResponseHex(rsp));
    expect(() => encodeRunFunctionResponse(responseWithSpec(nested(deepestLevels + 1)))).toThrow(
      /^response nests more than 1500 messages deep at desired\.resources\["deep"\]\.resource\.spec(\.n)+…$/,
    );
  });

  it('refuses a cyclic response with an error rather than exhausting the stack', () => {
    const spec: Record<string, unknown> = { name: 'loop' };
    spec.self = spec;
    expect(() => encodeRunFunctionResponse(responseWithSpec(spec))).toThrow(/^response nests more than 1500 messages deep at desired\.resources\["deep"\]\.resource\.spec(\.self)+…$/);
  });
});

describe('over gRPC', () => {
  const logged: string[] = [];
  let server: FunctionServer;
  let client: FunctionClient;
  beforeAll(async () => {
    const logger = pino({ level: 'error' }, { write: (line: string) => logged.push(line) });
    // Answers with the depth of the XR's spec, and with a value no codec can encode when asked to.
    const handler = (req: RunFunctionRequest): RunFunctionResponse => {
      const spec = req.observed?.composite?.resource?.spec as Record<string, unknown> | undefined;
      let levels = 0;
      for (let at = spec; at?.n !== undefined; at = at.n as Record<string, unknown>) levels++;
      const output = req.meta?.tag === 'unencodable' ? { callback: () => undefined } : undefined;
      return RunFunctionResponse.fromPartial({ meta: { tag: req.meta?.tag ?? '' }, results: [{ severity: Severity.SEVERITY_NORMAL, message: `${levels} levels` }], output });
    };
    server = await startFunctionServer(handler, { address: '127.0.0.1:0', insecure: true, maxRecvMessageSize: 1 << 24 }, logger);
    client = connectFunction(`127.0.0.1:${server.port}`);
  });
  afterAll(async () => {
    client.close();
    await server.drain(1000);
  });

  const code = (call: Promise<unknown>) => call.then(() => 'ok', (error: grpc.ServiceError) => error.code);

  it('serves a request nested deeper than the generated decoder allows', async () => {
    const rsp = await client.runFunction(requestWithSpec(nested(300)));
    expect(rsp.results.map((r) => r.message)).toStrictEqual(['300 levels']);
  });

  it('refuses a request nested deeper than the limit with INTERNAL, logging where', async () => {
    expect(await code(client.runFunction(requestWithSpec(nested(deepestLevels + 1))))).toBe(grpc.status.INTERNAL);
    expect(logged.join('')).toContain('request nests more than 1500 messages deep at observed.composite.resource.spec.n.n');
  });

  it('fails a call whose response cannot be encoded with INTERNAL, logging why', async () => {
    const req = requestWithSpec({});
    req.meta!.tag = 'unencodable';
    expect(await code(client.runFunction(req))).toBe(grpc.status.INTERNAL);
    expect(logged.join('')).toContain('response holds a function, which is not a JSON value, at output.callback');
    expect((await client.runFunction(requestWithSpec(nested(2)))).results[0]?.message).toBe('2 levels');
  });
});
