// The protobuf codec of RunFunction: requests decoded, responses encoded, with
// google.protobuf.Struct/Value/ListValue read straight into plain JS values and written straight
// from them.
//
// The SDK's generated code decodes every Struct into Value and FieldsEntry messages and then
// unwraps them into plain objects, and wraps every plain value into those messages to encode it;
// on a large fleet that is most of a call's cost. This codec produces the same objects the
// generated `RunFunctionRequest.decode` produces (camelCase fields, maps as objects, enums as
// numbers, bytes as Buffer, absent messages as undefined) and the same bytes
// `RunFunctionResponse.encode` writes. It follows the generated code field by field, including how
// it treats malformed input: the last occurrence of a field wins, unknown fields are skipped, an
// end-group or zero tag ends a message, and a Value carrying several kinds resolves in the order
// the generated `Value.unwrap` checks them.
//
// Identical objects and lists are decoded once per request and shared (see `sharedValue`), and
// equal ones whose bytes differ, because their keys were written in other orders, are found by
// content once decoded (see `Interner`): a fleet repeats the same device lists and engine specs
// thousands of times, and one copy of each keeps a 5,000-cluster request in a seventh of the
// memory (13 MB instead of 106 MB) and decodes it faster. Decoded requests are
// therefore read-only; the pipelines never write to their input (test/server/shared-values.test.ts).
//
// Two deliberate differences. A Struct's keys come out in code-unit order rather than in the order
// of the wire (see readStruct), so equal objects are equal down to their key order. And a map or
// Struct key "__proto__" is dropped without the side effect the generated code has, where
// assigning it replaces the prototype of the object being filled; the generated code drops the key
// as well, so the decoded objects compare equal.
//
// Nesting is bounded. The generated decoder stops at 100 nested messages (about 33 levels of JSON)
// while Crossplane's Go encoder sends up to 10,000, so an InferenceCluster's open `spec` could
// break every ModelDeployment call of the fleet; this codec allows MAX_MESSAGE_DEPTH instead,
// which stays well within the stack, and refuses deeper input with the path to it.
import { BinaryReader, BinaryWriter } from '@bufbuild/protobuf/wire';
import type {
  Condition,
  CredentialData,
  Credentials,
  Requirements,
  Resource,
  ResourceSelector,
  Resources,
  Result,
  RunFunctionRequest,
  RunFunctionResponse,
  Schema,
  SchemaSelector,
  State,
} from '@crossplane-org/function-sdk-typescript';

/**
 * Nested messages accepted, counted as the generated code counts them: each JSON object level is
 * three (Struct, its field entry, the entry's Value), each list level two. About 500 levels of JSON.
 */
export const MAX_MESSAGE_DEPTH = 1500;

type RequestMeta = NonNullable<RunFunctionRequest['meta']>;
type ResponseMeta = NonNullable<RunFunctionResponse['meta']>;
type Duration = NonNullable<ResponseMeta['ttl']>;
type MatchLabels = NonNullable<ResourceSelector['matchLabels']>;
type JsonObject = Record<string, unknown>;

// ---- where a problem is ----------------------------------------------------------------------------

const PATH_LIMIT = 300;

/** A problem inside the message tree; each level it passes through adds its own path segment. */
class LocatedError extends Error {
  private readonly segmentsInnermostFirst: string[] = [];

  constructor(readonly problem: string) {
    super(problem);
  }

  /** Add the segment of the level the error is leaving, and pass the error on. */
  static through(error: unknown, segment: string): unknown {
    if (error instanceof LocatedError) error.segmentsInnermostFirst.push(segment);
    return error;
  }

  /** The path from the message's top, cut after the last whole segment that fits PATH_LIMIT. */
  path(): string {
    const segments = this.segmentsInnermostFirst;
    let path = '';
    for (let i = segments.length - 1; i >= 0; i--) {
      const segment = segments[i]!;
      if (path.length + segment.length > PATH_LIMIT) {
        path += '…';
        break;
      }
      path += segment;
    }
    return path.replace(/^\./, '');
  }
}

function tooDeep(): LocatedError {
  return new LocatedError(`nests more than ${MAX_MESSAGE_DEPTH} messages deep`);
}

function fieldSegment(name: string): string {
  return `.${name}`;
}

/** A map key, quoted: keys are arbitrary strings (dots and slashes in annotation keys, for one). */
function mapKeySegment(key: string): string {
  return `[${JSON.stringify(key.length > 60 ? `${key.slice(0, 60)}…` : key)}]`;
}

/** A Struct key: as a property when it reads as one, quoted otherwise. */
function keySegment(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : mapKeySegment(key);
}

function indexSegment(index: number): string {
  return `[${index}]`;
}

function located(error: unknown, what: 'request' | 'response'): unknown {
  return error instanceof LocatedError ? new Error(`${what} ${error.problem} at ${error.path()}`) : error;
}

// ---- decoding ------------------------------------------------------------------------------------
//
// Tags are matched whole, as the generated code matches them: field number << 3 | wire type, where
// wire type 0 is a varint, 1 a 64-bit value and 2 a length-delimited value. A known field number
// with another wire type is an unknown field.

/** Decode a RunFunctionRequest into the objects the SDK's generated decoder produces. */
export function decodeRunFunctionRequest(bytes: Uint8Array): RunFunctionRequest {
  const reader = new RequestReader(bytes);
  try {
    return readRequest(reader, reader.len, 1);
  } catch (error) {
    throw located(error, 'request');
  } finally {
    entryTop = 0;
    entryKeys.length = 0;
    entryValues.length = 0;
  }
}

// Most strings in a request are the same few hundred object keys and enum-like values, repeated
// for every object of the fleet. Short ASCII strings are looked up by content in a small table
// before they are decoded: a hit costs no allocation, where decoding allocates the string and a
// scratch array of its characters for each of the hundreds of thousands of occurrences.
const STRING_CACHE_SIZE = 4096;
const MAX_CACHED_LENGTH = 32;
const cachedStrings: string[] = new Array<string>(STRING_CACHE_SIZE).fill('');

// Objects and lists of a size between these bounds (in bytes on the wire) are shared between their
// identical occurrences in one request. Smaller ones cost more to look up than to decode; larger
// ones are rarely repeated whole (their repeated parts are shared instead), and hashing them at
// every level would cost more than it saves.
const MIN_SHARED_BYTES = 64;
const MAX_SHARED_BYTES = 2048;
/** A request smaller than this is decoded without sharing: it repeats too little to pay for the lookups. */
const MIN_REQUEST_BYTES_FOR_SHARING = 64 * 1024;
// Sharing pays only when identical bytes recur. An encoder that writes the keys of equal objects in
// different orders (Go's, for one: it writes a map in its random iteration order) makes them differ,
// and looking up every object would then cost more than the decoding it saves. So lookups are
// judged in windows: after a window whose hits skipped less than a quarter of the bytes its lookups
// read, the next stretch of objects is decoded without lookup, and then a new window is tried,
// since one part of a request may repeat where another does not. While lookups pause, equal objects
// are found by content instead (Interner). The figures are in design/performance.md.
const LOOKUP_WINDOW = 512;
const OBJECTS_SKIPPED_AFTER_POOR_WINDOW = 8 * LOOKUP_WINDOW;
const SKIPPED_PER_READ = 0.25;

/** A decoded object or list and where its bytes are, so a later occurrence can be compared with them. */
interface SharedEntry {
  depth: number;
  from: number;
  length: number;
  value: unknown;
  /** An earlier entry of the same hash. */
  next: SharedEntry | undefined;
}

/** The library's reader, with the bytes it reads kept at hand for the string cache and sharing. */
class RequestReader extends BinaryReader {
  /** A hash of the bytes of the last string `text()` read. */
  textHash = 0;
  /**
   * Decoded objects and lists by a hash of their nesting depth and wire bytes, each hash's values
   * chained; lives as long as one request's decoding. Entries point into the request's bytes
   * instead of copying them, so a large fleet's table costs a few MB, not a copy of the fleet.
   */
  private readonly sharedValues = new Map<number, SharedEntry>();
  /** Replaces equal objects and lists by one; only for requests large enough to repeat much. */
  readonly interner: Interner | undefined;
  private readonly wire: Buffer;
  private candidates = 0;
  private skipUntilCandidate = 0;
  private lookupsInWindow = 0;
  private bytesReadInWindow = 0;
  private bytesSkippedInWindow = 0;

  constructor(private readonly source: Uint8Array) {
    super(source);
    this.wire = Buffer.from(source.buffer, source.byteOffset, source.byteLength);
    this.interner = source.byteLength >= MIN_REQUEST_BYTES_FOR_SHARING ? new Interner() : undefined;
  }

  /**
   * Whether objects are being interned: while lookups by bytes are paused because equal objects
   * stopped having equal bytes. Where bytes repeat, their lookups find the repeats for less.
   */
  interning(): boolean {
    return this.interner !== undefined && this.candidates <= this.skipUntilCandidate;
  }

  /** Whether to look the next object or list of a shareable size up (see LOOKUP_WINDOW). */
  worthLookingUp(): boolean {
    return this.len >= MIN_REQUEST_BYTES_FOR_SHARING && ++this.candidates > this.skipUntilCandidate;
  }

  countLookup(length: number, hit: boolean): void {
    this.bytesReadInWindow += length;
    if (hit) this.bytesSkippedInWindow += length;
    if (++this.lookupsInWindow < LOOKUP_WINDOW) return;
    if (this.bytesSkippedInWindow < this.bytesReadInWindow * SKIPPED_PER_READ) this.skipUntilCandidate = this.candidates + OBJECTS_SKIPPED_AFTER_POOR_WINDOW;
    this.lookupsInWindow = 0;
    this.bytesReadInWindow = 0;
    this.bytesSkippedInWindow = 0;
  }

  /** The value decoded earlier from the same `length` bytes at `from`, at the same depth. */
  sharedValue(depth: number, from: number, length: number): SharedEntry | undefined {
    const hash = this.contentHash(depth, from, length);
    for (let entry = this.sharedValues.get(hash); entry !== undefined; entry = entry.next) {
      if (entry.depth === depth && entry.length === length && this.wire.compare(this.wire, entry.from, entry.from + length, from, from + length) === 0) return entry;
    }
    return undefined;
  }

  share(depth: number, from: number, length: number, value: unknown): void {
    const hash = this.contentHash(depth, from, length);
    this.sharedValues.set(hash, { depth, from, length, value, next: this.sharedValues.get(hash) });
  }

  private contentHash(depth: number, from: number, length: number): number {
    const bytes = this.source;
    let hash = Math.imul(0x811c9dc5 ^ depth, 0x01000193); // FNV-1a
    for (let i = from, end = from + length; i < end; i++) hash = Math.imul(hash ^ bytes[i]!, 0x01000193);
    return hash;
  }

  /** A string field, as `string()` reads it, from the cache when it holds the same characters. */
  text(): string {
    const start = this.pos;
    const length = this.uint32();
    const from = this.pos;
    const to = from + length;
    const bytes = this.source;
    if (length > MAX_CACHED_LENGTH || to > this.len) {
      // Interning needs a hash of every key; of a long one, its length and its two ends do.
      let hash = mix(0x811c9dc5, length);
      if (to <= this.len) for (let i = 0; i < 16; i++) hash = mix(mix(hash, bytes[from + i]!), bytes[to - 1 - i]!);
      this.textHash = hash;
      return this.stringFrom(start);
    }
    let hash = 0x811c9dc5; // FNV-1a
    let ascii = true;
    for (let i = from; i < to; i++) {
      const byte = bytes[i]!;
      if (byte > 0x7f) ascii = false;
      hash = Math.imul(hash ^ byte, 0x01000193);
    }
    this.textHash = hash;
    if (!ascii) return this.stringFrom(start);
    const slot = hash & (STRING_CACHE_SIZE - 1);
    const cached = cachedStrings[slot]!;
    if (cached.length === length && sameAscii(cached, bytes, from)) {
      this.pos = to;
      return cached;
    }
    const text = this.stringFrom(start);
    cachedStrings[slot] = text;
    return text;
  }

  private stringFrom(start: number): string {
    this.pos = start;
    return this.string();
  }
}

function sameAscii(text: string, bytes: Uint8Array, from: number): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) !== bytes[from + i]) return false;
  return true;
}

/**
 * After a tag no case claimed: false if it ends the message (end-group or zero tag, where the
 * generated code stops reading this message), otherwise the field is skipped.
 */
function skipUnknown(reader: RequestReader, tag: number): boolean {
  const wireType = tag & 7;
  if (wireType === 4 || tag === 0) return false;
  reader.skip(wireType);
  return true;
}

function readRequest(reader: RequestReader, length: number, depth: number): RunFunctionRequest {
  if (depth > MAX_MESSAGE_DEPTH) throw tooDeep();
  const end = reader.pos + length;
  const request: RunFunctionRequest = {
    meta: undefined,
    observed: undefined,
    desired: undefined,
    input: undefined,
    context: undefined,
    extraResources: {},
    credentials: {},
    requiredResources: {},
    requiredSchemas: {},
  };
  let field = '';
  try {
    while (reader.pos < end) {
      const tag = reader.uint32();
      switch (tag) {
        case 10: // meta = 1
          field = 'meta';
          request.meta = readRequestMeta(reader, reader.uint32(), depth + 1);
          continue;
        case 18: // observed = 2
          field = 'observed';
          request.observed = readState(reader, reader.uint32(), depth + 1);
          continue;
        case 26: // desired = 3
          field = 'desired';
          request.desired = readState(reader, reader.uint32(), depth + 1);
          continue;
        case 34: // input = 4
          field = 'input';
          request.input = readStruct(reader, reader.uint32(), depth + 1);
          continue;
        case 42: // context = 5
          field = 'context';
          request.context = readStruct(reader, reader.uint32(), depth + 1);
          continue;
        case 50: // extra_resources = 6
          field = 'extraResources';
          readMessageEntry(reader, reader.uint32(), depth + 1, request.extraResources, readResources);
          continue;
        case 58: // credentials = 7
          field = 'credentials';
          readMessageEntry(reader, reader.uint32(), depth + 1, request.credentials, readCredentials);
          continue;
        case 66: // required_resources = 8
          field = 'requiredResources';
          readMessageEntry(reader, reader.uint32(), depth + 1, request.requiredResources, readResources);
          continue;
        case 74: // required_schemas = 9
          field = 'requiredSchemas';
          readMessageEntry(reader, reader.uint32(), depth + 1, request.requiredSchemas, readSchema);
          continue;
      }
      if (!skipUnknown(reader, tag)) break;
    }
  } catch (error) {
    throw LocatedError.through(error, fieldSegment(field));
  }
  return request;
}

function readRequestMeta(reader: RequestReader, length: number, depth: number): RequestMeta {
  if (depth > MAX_MESSAGE_DEPTH) throw tooDeep();
  const end = reader.pos + length;
  const meta: RequestMeta = { tag: '', capabilities: [] };
  while (reader.pos < end) {
    const tag = reader.uint32();
    switch (tag) {
      case 10: // tag = 1
        meta.tag = reader.text();
        continue;
      case 16: // capabilities = 2, one value
        meta.capabilities.push(reader.int32());
        continue;
      case 18: {
        // capabilities = 2, packed
        const packedEnd = reader.uint32() + reader.pos;
        while (reader.pos < packedEnd) meta.capabilities.push(reader.int32());
        continue;
      }
    }
    if (!skipUnknown(reader, tag)) break;
  }
  return meta;
}

function readState(reader: RequestReader, length: number, depth: number): State {
  if (depth > MAX_MESSAGE_DEPTH) throw tooDeep();
  const end = reader.pos + length;
  const state: State = { composite: undefined, resources: {} };
  let field = '';
  try {
    while (reader.pos < end) {
      const tag = reader.uint32();
      switch (tag) {
        case 10: // composite = 1
          field = 'composite';
          state.composite = readResource(reader, reader.uint32(), depth + 1);
          continue;
        case 18: // resources = 2
          field = 'resources';
          readMessageEntry(reader, reader.uint32(), depth + 1, state.resources, readResource);
          continue;
      }
      if (!skipUnknown(reader, tag)) break;
    }
  } catch (error) {
    throw LocatedError.through(error, fieldSegment(field));
  }
  return state;
}

function readResource(reader: RequestReader, length: number, depth: number): Resource {
  if (depth > MAX_MESSAGE_DEPTH) throw tooDeep();
  const end = reader.pos + length;
  const resource: Resource = { resource: undefined, connectionDetails: {}, ready: 0 };
  let field = '';
  try {
    while (reader.pos < end) {
      const tag = reader.uint32();
      switch (tag) {
        case 10: // resource = 1
          field = 'resource';
          resource.resource = readStruct(reader, reader.uint32(), depth + 1);
          continue;
        case 18: // connection_details = 2
          field = 'connectionDetails';
          readBytesEntry(reader, reader.uint32(), depth + 1, resource.connectionDetails);
          continue;
        case 24: // ready = 3
          resource.ready = reader.int32();
          continue;
      }
      if (!skipUnknown(reader, tag)) break;
    }
  } catch (error) {
    throw LocatedError.through(error, fieldSegment(field));
  }
  return resource;
}

function readResources(reader: RequestReader, length: number, depth: number): Resources {
  if (depth > MAX_MESSAGE_DEPTH) throw tooDeep();
  const end = reader.pos + length;
  const resources: Resources = { items: [] };
  try {
    while (reader.pos < end) {
      const tag = reader.uint32();
      if (tag === 10) {
        // items = 1
        resources.items.push(readResource(reader, reader.uint32(), depth + 1));
        continue;
      }
      if (!skipUnknown(reader, tag)) break;
    }
  } catch (error) {
    throw LocatedError.through(error, `.items${indexSegment(resources.items.length)}`);
  }
  return resources;
}

function readCredentials(reader: RequestReader, length: number, depth: number): Credentials {
  if (depth > MAX_MESSAGE_DEPTH) throw tooDeep();
  const end = reader.pos + length;
  const credentials: Credentials = { credentialData: undefined };
  try {
    while (reader.pos < end) {
      const tag = reader.uint32();
      if (tag === 10) {
        // credential_data = 1
        credentials.credentialData = readCredentialData(reader, reader.uint32(), depth + 1);
        continue;
      }
      if (!skipUnknown(reader, tag)) break;
    }
  } catch (error) {
    throw LocatedError.through(error, fieldSegment('credentialData'));
  }
  return credentials;
}

function readCredentialData(reader: RequestReader, length: number, depth: number): CredentialData {
  if (depth > MAX_MESSAGE_DEPTH) throw tooDeep();
  const end = reader.pos + length;
  const credentialData: CredentialData = { data: {} };
  try {
    while (reader.pos < end) {
      const tag = reader.uint32();
      if (tag === 10) {
        // data = 1
        readBytesEntry(reader, reader.uint32(), depth + 1, credentialData.data);
        continue;
      }
      if (!skipUnknown(reader, tag)) break;
    }
  } catch (error) {
    throw LocatedError.through(error, fieldSegment('data'));
  }
  return credentialData;
}

function readSchema(reader: RequestReader, length: number, depth: number): Schema {
  if (depth > MAX_MESSAGE_DEPTH) throw tooDeep();
  const end = reader.pos + length;
  const schema: Schema = { openapiV3: undefined };
  try {
    while (reader.pos < end) {
      const tag = reader.uint32();
      if (tag === 10) {
        // openapi_v3 = 1
        schema.openapiV3 = readStruct(reader, reader.uint32(), depth + 1);
        continue;
      }
      if (!skipUnknown(reader, tag)) break;
    }
  } catch (error) {
    throw LocatedError.through(error, fieldSegment('openapiV3'));
  }
  return schema;
}

/**
 * A map entry (key = 1, value = 2) whose value is a message. As in the generated code, an entry
 * without a value adds nothing.
 */
function readMessageEntry<V>(
  reader: RequestReader,
  length: number,
  depth: number,
  map: Record<string, V>,
  readValue: (reader: RequestReader, length: number, depth: number) => V,
): void {
  if (depth > MAX_MESSAGE_DEPTH) throw tooDeep();
  const end = reader.pos + length;
  let key = '';
  let value: V | undefined;
  try {
    while (reader.pos < end) {
      const tag = reader.uint32();
      if (tag === 10) {
        key = reader.text();
        continue;
      }
      if (tag === 18) {
        value = readValue(reader, reader.uint32(), depth + 1);
        continue;
      }
      if (!skipUnknown(reader, tag)) break;
    }
  } catch (error) {
    throw LocatedError.through(error, mapKeySegment(key));
  }
  if (value !== undefined && key !== '__proto__') map[key] = value;
}

/** A map entry (key = 1, value = 2) whose value is bytes: an entry without a value maps to no bytes. */
function readBytesEntry(reader: RequestReader, length: number, depth: number, map: Record<string, Buffer>): void {
  if (depth > MAX_MESSAGE_DEPTH) throw tooDeep();
  const end = reader.pos + length;
  let key = '';
  let value = Buffer.alloc(0);
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag === 10) {
      key = reader.text();
      continue;
    }
    if (tag === 18) {
      // A copy, so the decoded request does not hold on to the whole message's buffer.
      value = Buffer.from(reader.bytes());
      continue;
    }
    if (!skipUnknown(reader, tag)) break;
  }
  if (key !== '__proto__') map[key] = value;
}

// Equal objects whose bytes differ (their keys were written in other orders, as Go's encoder
// does) are not caught by sharedValue. Each small object and list is therefore also looked up by
// content once built, its keys already in sorted order and its children already replaced: equal
// content then means the same keys with identical children, a shallow comparison. A fleet encoded
// in random key order keeps one copy of each repeated device list, as an ordered one does.
const MAX_INTERNED_KEYS = 16;
const MAX_INTERNED_ITEMS = 64;

const numberScratch = new Float64Array(1);
const numberWords = new Uint32Array(numberScratch.buffer);

function mix(hash: number, value: number): number {
  return Math.imul(hash ^ value, 0x01000193);
}

/** A hash of a string's length and at most its first and last 16 characters. */
function stringHash(text: string): number {
  const length = text.length;
  let hash = mix(0x811c9dc5, length);
  if (length <= 32) {
    for (let i = 0; i < length; i++) hash = mix(hash, text.charCodeAt(i));
  } else {
    for (let i = 0; i < 16; i++) hash = mix(hash, text.charCodeAt(i));
    for (let i = length - 16; i < length; i++) hash = mix(hash, text.charCodeAt(i));
  }
  return hash;
}

interface Interned {
  value: object;
  /** Keys of an object, items of a list. */
  size: number;
}

class Interner {
  private readonly byHash = new Map<number, Interned[]>();
  /** The hash of every interned object and list: a parent's hash is built from its children's. */
  private readonly hashes = new Map<object, number>();

  /**
   * The first object equal to `object`, whose entries are entryKeys/entryValues from `base`, sorted,
   * and whose entries' hashes add up to `entriesHash`.
   */
  struct(object: JsonObject, base: number, entriesHash: number): JsonObject {
    const end = entryTop;
    if (end - base > MAX_INTERNED_KEYS) return object;
    // A repeated key (allowed on the wire, the last value kept) leaves fewer keys than entries.
    for (let i = base + 1; i < end; i++) if (entryKeys[i] === entryKeys[i - 1]) return object;
    const hash = mix(entriesHash, end - base);
    const bucket = this.byHash.get(hash);
    if (bucket !== undefined) {
      for (const known of bucket) {
        if (known.size !== end - base || Array.isArray(known.value)) continue;
        const fields = known.value as JsonObject;
        let equal = true;
        for (let i = base; i < end && equal; i++) equal = Object.is(fields[entryKeys[i]!], entryValues[i]);
        if (equal) return fields;
      }
    }
    this.remember(object, end - base, hash, bucket);
    return object;
  }

  /** The first list equal to `list`, item by item. */
  list(list: unknown[]): unknown[] {
    if (list.length > MAX_INTERNED_ITEMS) return list;
    let hash = 0x5a17c0de;
    for (const item of list) {
      const itemHash = this.hashOf(item);
      if (itemHash === undefined) return list;
      hash = mix(hash, itemHash);
    }
    const bucket = this.byHash.get(hash);
    if (bucket !== undefined) {
      for (const known of bucket) {
        if (known.size !== list.length || !Array.isArray(known.value)) continue;
        const items = known.value as unknown[];
        let equal = true;
        for (let i = 0; i < list.length && equal; i++) equal = Object.is(items[i], list[i]);
        if (equal) return items;
      }
    }
    this.remember(list, list.length, hash, bucket);
    return list;
  }

  private remember(value: object, size: number, hash: number, bucket: Interned[] | undefined): void {
    if (bucket === undefined) this.byHash.set(hash, [{ value, size }]);
    else bucket.push({ value, size });
    this.hashes.set(value, hash);
  }

  /** undefined for an object or list that was not interned (too large): its parent is not either. */
  hashOf(value: unknown): number | undefined {
    switch (typeof value) {
      case 'string':
        return stringHash(value);
      case 'number':
        numberScratch[0] = value;
        return mix(mix(0x6e756d62, numberWords[0]!), numberWords[1]!);
      case 'boolean':
        return value ? 0x74727565 : 0x66616c73;
      case 'object':
        return value === null ? 0x6e756c6c : this.hashes.get(value);
      default:
        return undefined;
    }
  }
}

// The entries of the Structs being read, innermost last, up to entryTop: each readStruct works on
// the part from where it started, so nested Structs share these two arrays instead of allocating
// their own. Cleared after each request, so they keep none of its values alive.
const entryKeys: string[] = [];
const entryValues: unknown[] = [];
let entryTop = 0;

/**
 * A google.protobuf.Struct (fields = 1, entries of key = 1 and Value = 2) as a plain object, its
 * keys in code-unit order. Go's encoder writes a map's entries in random order, so equal objects of
 * one fleet would otherwise be built in many key orders; V8 gives each order its own hidden class,
 * and every function reading thousands of them (a cluster's devices, say) would go megamorphic:
 * 5,000 clusters with shuffled keys took 129 ms to schedule against 25 ms in one order.
 */
function readStruct(reader: RequestReader, length: number, depth: number): JsonObject {
  if (depth > MAX_MESSAGE_DEPTH) throw tooDeep();
  const end = reader.pos + length;
  const base = entryTop;
  let inOrder = true;
  let key = '';
  let keyHash = 0;
  // The entries' hashes, added up so that their order does not matter (see Interner).
  let hash = 0;
  let hashed = true;
  try {
    while (reader.pos < end) {
      const tag = reader.uint32();
      if (tag === 10) {
        // A field entry, one message deeper: key = 1, value = 2.
        key = '';
        // (The entry's own depth needs no check: only its Value can nest further, and it checks.)
        const entryEnd = reader.uint32() + reader.pos;
        let value: unknown;
        while (reader.pos < entryEnd) {
          const entryTag = reader.uint32();
          if (entryTag === 10) {
            key = reader.text();
            keyHash = reader.textHash;
            continue;
          }
          if (entryTag === 18) {
            value = readValue(reader, reader.uint32(), depth + 2);
            continue;
          }
          if (!skipUnknown(reader, entryTag)) break;
        }
        // An empty Value unwraps to undefined, and the generated code then leaves the key out.
        if (value !== undefined && key !== '__proto__') {
          if (entryTop > base && !(entryKeys[entryTop - 1]! < key)) inOrder = false;
          entryKeys[entryTop] = key;
          entryValues[entryTop++] = value;
          if (hashed) {
            const valueHash = reader.interning() ? reader.interner!.hashOf(value) : undefined;
            if (valueHash === undefined) hashed = false;
            else hash = (hash + mix(key === '' ? 0 : keyHash, valueHash)) | 0;
          }
        }
        continue;
      }
      if (!skipUnknown(reader, tag)) break;
    }
  } catch (error) {
    entryTop = base;
    throw LocatedError.through(error, keySegment(key));
  }
  let object = inOrder ? objectInOrder(base) : objectSorted(base);
  if (hashed && reader.interning()) object = reader.interner!.struct(object, base, hash);
  entryTop = base;
  return object;
}

function objectInOrder(base: number): JsonObject {
  const object: JsonObject = {};
  for (let i = base; i < entryTop; i++) object[entryKeys[i]!] = entryValues[i];
  return object;
}

/** Above this many entries an object is sorted in O(n log n); below it, in place without allocating. */
const INSERTION_SORT_LIMIT = 16;

/** Entries out of order or repeated: sorted by key, stably, so that a repeated key's last value wins. */
function objectSorted(base: number): JsonObject {
  if (entryTop - base > INSERTION_SORT_LIMIT) {
    const order: number[] = [];
    for (let i = base; i < entryTop; i++) order.push(i);
    order.sort((a, b) => (entryKeys[a]! < entryKeys[b]! ? -1 : entryKeys[a]! > entryKeys[b]! ? 1 : a - b));
    const object: JsonObject = {};
    for (const i of order) object[entryKeys[i]!] = entryValues[i];
    return object;
  }
  for (let i = base + 1; i < entryTop; i++) {
    const key = entryKeys[i]!;
    const value = entryValues[i];
    let j = i - 1;
    for (; j >= base && entryKeys[j]! > key; j--) {
      entryKeys[j + 1] = entryKeys[j]!;
      entryValues[j + 1] = entryValues[j];
    }
    entryKeys[j + 1] = key;
    entryValues[j + 1] = value;
  }
  return objectInOrder(base);
}

// Which kind a Value unwraps to when the wire sets several: the order the generated Value.unwrap
// checks them in. A later field of the same kind replaces an earlier one.
const STRING_RANK = 0;
const NUMBER_RANK = 1;
const BOOL_RANK = 2;
const STRUCT_RANK = 3;
const LIST_RANK = 4;
const NULL_RANK = 5;
const NO_KIND = 6;

/** A google.protobuf.Value as a plain value; undefined when no kind is set. */
function readValue(reader: RequestReader, length: number, depth: number): unknown {
  if (depth > MAX_MESSAGE_DEPTH) throw tooDeep();
  const end = reader.pos + length;
  let value: unknown;
  let rank = NO_KIND;
  while (reader.pos < end) {
    const tag = reader.uint32();
    switch (tag) {
      case 26: // string_value = 3
        value = reader.text();
        rank = STRING_RANK;
        continue;
      case 17: {
        // number_value = 2
        const number = reader.double();
        if (rank >= NUMBER_RANK) {
          value = number;
          rank = NUMBER_RANK;
        }
        continue;
      }
      case 32: {
        // bool_value = 4
        const bool = reader.bool();
        if (rank >= BOOL_RANK) {
          value = bool;
          rank = BOOL_RANK;
        }
        continue;
      }
      case 42: {
        // struct_value = 5
        const struct = sharedValue(reader, depth + 1, readStruct);
        if (rank >= STRUCT_RANK) {
          value = struct;
          rank = STRUCT_RANK;
        }
        continue;
      }
      case 50: {
        // list_value = 6
        const list = sharedValue(reader, depth + 1, readList);
        if (rank >= LIST_RANK) {
          value = list;
          rank = LIST_RANK;
        }
        continue;
      }
      case 8: // null_value = 1, whatever number it carries
        reader.int32();
        if (rank >= NULL_RANK) {
          value = null;
          rank = NULL_RANK;
        }
        continue;
    }
    if (!skipUnknown(reader, tag)) break;
  }
  return value;
}

/**
 * A length-delimited object or list, decoded by `read` or, if the same bytes were already decoded
 * at the same depth in this request, the value decoded then. Equal bytes at equal depth decode to
 * equal values and pass or fail the same depth limit, so sharing changes nothing but identity.
 */
function sharedValue<T>(reader: RequestReader, depth: number, read: (reader: RequestReader, length: number, depth: number) => T): T {
  const length = reader.uint32();
  if (length < MIN_SHARED_BYTES || length > MAX_SHARED_BYTES || !reader.worthLookingUp()) return read(reader, length, depth);
  const from = reader.pos;
  const known = reader.sharedValue(depth, from, length);
  reader.countLookup(length, known !== undefined);
  if (known !== undefined) {
    reader.pos = from + length;
    return known.value as T;
  }
  const value = read(reader, length, depth);
  reader.share(depth, from, length, value);
  return value;
}

/** A google.protobuf.ListValue (values = 1) as an array; an empty Value is kept as undefined. */
function readList(reader: RequestReader, length: number, depth: number): unknown[] {
  if (depth > MAX_MESSAGE_DEPTH) throw tooDeep();
  const end = reader.pos + length;
  const values: unknown[] = [];
  try {
    while (reader.pos < end) {
      const tag = reader.uint32();
      if (tag === 10) {
        values.push(readValue(reader, reader.uint32(), depth + 1));
        continue;
      }
      if (!skipUnknown(reader, tag)) break;
    }
  } catch (error) {
    throw LocatedError.through(error, indexSegment(values.length));
  }
  return reader.interning() ? reader.interner!.list(values) : values;
}

// ---- encoding ------------------------------------------------------------------------------------
//
// A response is written back to front, in one pass, into one buffer kept between responses: each
// field's content goes in before its length prefix, which is then known. The generated encoder
// (and the library's writer behind it) instead reserves a byte for each prefix and moves the
// payload whenever it turns out longer, once per nesting level, and wraps every plain value in
// Value and FieldsEntry messages first; a composed ModelReplica's response spent most of its time
// there. Writing backwards means visiting every list, map and Struct in reverse, so the bytes come
// out in the order the generated code writes them: fields by ascending number, entries in
// insertion order.

const INITIAL_CAPACITY = 64 * 1024;
// A buffer that grew for an unusually large response is let go rather than kept at that size.
const KEPT_CAPACITY = 1024 * 1024;

// The encoder's state lives in constant objects, not in module-level `let`s: V8 checks a `let` for
// its temporal dead zone on every read from another function, and these are read for every byte
// written (about a tenth of the time to encode the largest example's response).

/** The bytes written so far are output.bytes[output.at, output.bytes.length). */
const output = { bytes: Buffer.allocUnsafe(INITIAL_CAPACITY), at: INITIAL_CAPACITY };

// The entries of the Structs being written, collected front to back with for-in (the cheapest way
// to read an object's values) and written from the top down; nested Structs stack above their
// parent's entries. Kept between responses, and emptied as they are written.
const structFields = { keys: [] as string[], values: [] as unknown[], top: 0 };

/** Encode a RunFunctionResponse to exactly the bytes the SDK's generated encoder writes. */
export function encodeRunFunctionResponse(rsp: RunFunctionResponse): Buffer {
  output.at = output.bytes.length;
  try {
    putResponse(rsp);
  } catch (error) {
    structFields.keys.length = 0;
    structFields.values.length = 0;
    structFields.top = 0;
    throw located(error, 'response');
  }
  const bytes = Buffer.allocUnsafe(output.bytes.length - output.at);
  output.bytes.copy(bytes, 0, output.at);
  if (output.bytes.length > KEPT_CAPACITY) output.bytes = Buffer.allocUnsafe(INITIAL_CAPACITY);
  output.at = output.bytes.length;
  return bytes;
}

/** Room for `size` more bytes in front of what is written. */
function reserve(size: number): void {
  if (output.at < size) grow(size);
}

function grow(size: number): void {
  const used = written();
  const next = Buffer.allocUnsafe(Math.max(output.bytes.length * 2, used + size + INITIAL_CAPACITY));
  output.bytes.copy(next, next.length - used, output.at);
  output.bytes = next;
  output.at = next.length - used;
}

function varintSize(value: number): number {
  return value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x200000 ? 3 : value < 0x10000000 ? 4 : 5;
}

/** A tag (every tag here is one byte) and a uint32 varint after it, written in front. */
function putTagged(tag: number, value: number): void {
  let size = varintSize(value);
  reserve(size + 1);
  output.at -= size;
  let p = output.at;
  while (--size > 0) {
    output.bytes[p++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  output.bytes[p] = value;
  output.bytes[--output.at] = tag;
}

/** How many bytes are written: a mark that stays true when the buffer grows, unlike `output.at`. */
function written(): number {
  return output.bytes.length - output.at;
}

/** The length prefix and tag of a field whose content is what was written since `mark`. */
function putLength(tag: number, mark: number): void {
  putTagged(tag, written() - mark);
}

/** The longest string copied a character at a time: its length fits a one-byte varint. */
const SHORT_STRING = 64;

function putString(tag: number, value: string): void {
  // The generated code coerces, as TextEncoder does.
  const text = typeof value === 'string' ? value : String(value);
  const length = text.length;
  // Most strings are short and ASCII: copied a character at a time, which costs less than a call
  // into the buffer's encoder, with the one-byte tag and length in front; the first character above
  // 0x7f sends the string to the encoder instead (what was copied is then written over).
  if (length <= SHORT_STRING) {
    reserve(length + 2);
    const bytes = output.bytes;
    const start = output.at - length;
    let c = 0;
    for (; c < length; c++) {
      const code = text.charCodeAt(c);
      if (code > 0x7f) break;
      bytes[start + c] = code;
    }
    if (c === length) {
      bytes[start - 1] = length;
      bytes[start - 2] = tag;
      output.at = start - 2;
      return;
    }
  }
  const size = Buffer.byteLength(text, 'utf8');
  reserve(size);
  output.at -= size;
  output.bytes.write(text, output.at, size, 'utf8');
  putTagged(tag, size);
}

function putBytes(tag: number, bytes: Uint8Array): void {
  reserve(bytes.length);
  output.at -= bytes.length;
  output.bytes.set(bytes, output.at);
  putTagged(tag, bytes.length);
}

/**
 * Fields whose encoding the library's writer knows best (int64, negative and out-of-range int32
 * with their range checks): written forward by it, then copied in. None is on a hot path.
 */
function putWithLibrary(write: (writer: BinaryWriter) => void): void {
  const writer = new BinaryWriter();
  write(writer);
  const bytes = writer.finish();
  reserve(bytes.length);
  output.at -= bytes.length;
  output.bytes.set(bytes, output.at);
}

function putInt32(tag: number, value: number): void {
  if (Number.isInteger(value) && value >= 0 && value <= 0x7fffffff) putTagged(tag, value);
  else putWithLibrary((writer) => writer.uint32(tag).int32(value));
}

/** `tag`, then a message as `put` writes it, length-delimited. */
function putMessage<T>(tag: number, message: T, put: (message: T) => void): void {
  const mark = written();
  put(message);
  putLength(tag, mark);
}

function putResponse(rsp: RunFunctionResponse): void {
  let field = '';
  try {
    if (rsp.output !== undefined) {
      field = 'output';
      putStructField(58, rsp.output, 2);
    }
    field = 'conditions';
    for (let i = rsp.conditions.length - 1; i >= 0; i--) putMessage(50, rsp.conditions[i]!, putCondition);
    if (rsp.requirements !== undefined) {
      field = 'requirements';
      putMessage(42, rsp.requirements, putRequirements);
    }
    if (rsp.context !== undefined) {
      field = 'context';
      putStructField(34, rsp.context, 2);
    }
    field = 'results';
    for (let i = rsp.results.length - 1; i >= 0; i--) putMessage(26, rsp.results[i]!, putResult);
    if (rsp.desired !== undefined) {
      field = 'desired';
      putMessage(18, rsp.desired, putDesiredState);
    }
    if (rsp.meta !== undefined) {
      field = 'meta';
      putMessage(10, rsp.meta, putResponseMeta);
    }
  } catch (error) {
    throw LocatedError.through(error, fieldSegment(field));
  }
}

function putResponseMeta(meta: ResponseMeta): void {
  if (meta.ttl !== undefined) putMessage(18, meta.ttl, putDuration);
  if (meta.tag !== '') putString(10, meta.tag);
}

function putDuration(duration: Duration): void {
  if (duration.nanos !== 0) putInt32(16, duration.nanos);
  const seconds = duration.seconds;
  if (seconds === 0) return;
  // Every response carries a TTL of a few seconds: a small non-negative count is a plain varint.
  if (Number.isInteger(seconds) && seconds >= 0 && seconds <= 0xffffffff) putTagged(8, seconds);
  else putWithLibrary((writer) => writer.uint32(8).int64(seconds));
}

/** The response's desired state, at the depth the generated code counts for it. */
function putDesiredState(state: State): void {
  const depth = 2;
  let field = 'resources';
  try {
    putMessageMap(18, state.resources, depth + 1, putResource);
    if (state.composite !== undefined) {
      field = 'composite';
      const end = written();
      putResource(state.composite, depth + 1);
      putLength(10, end);
    }
  } catch (error) {
    throw LocatedError.through(error, fieldSegment(field));
  }
}

function putResource(resource: Resource, depth: number): void {
  if (resource.ready !== 0) putInt32(24, resource.ready);
  const details = resource.connectionDetails;
  const keys = Object.keys(details);
  for (let i = keys.length - 1; i >= 0; i--) {
    const key = keys[i]!;
    const value = details[key]!;
    const end = written();
    if (value.length !== 0) putBytes(18, value);
    if (key !== '') putString(10, key);
    putLength(18, end);
  }
  if (resource.resource !== undefined) {
    try {
      putStructField(10, resource.resource, depth + 1);
    } catch (error) {
      throw LocatedError.through(error, fieldSegment('resource'));
    }
  }
}

function putResult(result: Result): void {
  if (result.target !== undefined) putInt32(32, result.target);
  if (result.reason !== undefined) putString(26, result.reason);
  if (result.message !== '') putString(18, result.message);
  if (result.severity !== 0) putInt32(8, result.severity);
}

function putCondition(condition: Condition): void {
  if (condition.target !== undefined) putInt32(40, condition.target);
  if (condition.message !== undefined) putString(34, condition.message);
  if (condition.reason !== '') putString(26, condition.reason);
  if (condition.status !== 0) putInt32(16, condition.status);
  if (condition.type !== '') putString(10, condition.type);
}

function putRequirements(requirements: Requirements): void {
  // Selectors hold no Struct, so their depth is never checked: 0 stands for it.
  putMessageMap(26, requirements.schemas, 0, putSchemaSelector);
  putMessageMap(18, requirements.resources, 0, putResourceSelector);
  putMessageMap(10, requirements.extraResources, 0, putResourceSelector);
}

function putResourceSelector(selector: ResourceSelector): void {
  if (selector.namespace !== undefined) putString(42, selector.namespace);
  if (selector.matchLabels !== undefined) putMessage(34, selector.matchLabels, putMatchLabels);
  if (selector.matchName !== undefined) putString(26, selector.matchName);
  if (selector.kind !== '') putString(18, selector.kind);
  if (selector.apiVersion !== '') putString(10, selector.apiVersion);
}

function putMatchLabels(matchLabels: MatchLabels): void {
  const labels = matchLabels.labels;
  const keys = Object.keys(labels);
  for (let i = keys.length - 1; i >= 0; i--) {
    const key = keys[i]!;
    const value = labels[key]!;
    const end = written();
    if (value !== '') putString(18, value);
    if (key !== '') putString(10, key);
    putLength(10, end);
  }
}

function putSchemaSelector(selector: SchemaSelector): void {
  if (selector.kind !== '') putString(18, selector.kind);
  if (selector.apiVersion !== '') putString(10, selector.apiVersion);
}

/**
 * A map field whose values are messages: one entry (key = 1, value = 2) per own key, in key
 * order, the value left out when undefined, as the generated code writes them.
 */
function putMessageMap<V>(tag: number, map: Record<string, V>, depth: number, putValue: (value: V, depth: number) => void): void {
  const keys = Object.keys(map);
  for (let i = keys.length - 1; i >= 0; i--) {
    const key = keys[i]!;
    const value = map[key];
    try {
      const end = written();
      if (value !== undefined) {
        const valueEnd = written();
        putValue(value, depth + 1);
        putLength(18, valueEnd);
      }
      if (key !== '') putString(10, key);
      putLength(tag, end);
    } catch (error) {
      throw LocatedError.through(error, mapKeySegment(key));
    }
  }
}

/** `tag`, then the plain object as a length-delimited google.protobuf.Struct. */
function putStructField(tag: number, object: unknown, depth: number): void {
  const end = written();
  putStruct(object, depth);
  putLength(tag, end);
}

/**
 * A plain object as the entries of a google.protobuf.Struct. Like the generated code (which copies
 * the keys into a fresh object first), it takes own enumerable keys, leaves out undefined values
 * and drops "__proto__".
 */
function putStruct(object: unknown, depth: number): void {
  if (depth > MAX_MESSAGE_DEPTH) throw tooDeep();
  const fields = object as JsonObject;
  const first = structFields.top;
  if (Object.getPrototypeOf(fields) === Object.prototype) {
    // for-in reads the values without a list of keys (Object.keys allocates one per object: six
    // times the garbage per response, which a loaded server collects on every call); on a plain
    // object it enumerates exactly the own keys, in the same order, since Object.prototype has no
    // enumerable ones.
    for (const key in fields) {
      const value = fields[key];
      if (value !== undefined && key !== '__proto__') {
        structFields.keys[structFields.top] = key;
        structFields.values[structFields.top++] = value;
      }
    }
  } else {
    for (const key of Object.keys(fields)) {
      const value = fields[key];
      if (value !== undefined && key !== '__proto__') {
        structFields.keys[structFields.top] = key;
        structFields.values[structFields.top++] = value;
      }
    }
  }
  let i = structFields.top - 1;
  try {
    for (; i >= first; i--) {
      const key = structFields.keys[i]!;
      const value = structFields.values[i];
      structFields.values[i] = undefined;
      // A Struct entry (field 1): the key (field 1, left out when empty) and the Value (field 2).
      const end = written();
      putValue(18, value, depth + 2);
      if (key !== '') putString(10, key);
      putLength(10, end);
    }
  } catch (error) {
    throw LocatedError.through(error, keySegment(structFields.keys[i]!));
  } finally {
    structFields.top = first;
  }
}

/** A tagged google.protobuf.Value holding a plain value; undefined (a hole in a list) is an empty Value. */
function putValue(tag: number, value: unknown, depth: number): void {
  if (depth > MAX_MESSAGE_DEPTH) throw tooDeep();
  const end = written();
  if (value === null) {
    reserve(2);
    output.bytes[--output.at] = 0; // NULL_VALUE
    output.bytes[--output.at] = 8;
  } else {
    switch (typeof value) {
      case 'boolean':
        reserve(2);
        output.bytes[--output.at] = value ? 1 : 0;
        output.bytes[--output.at] = 32;
        break;
      case 'number':
        reserve(9);
        output.at -= 8;
        output.bytes.writeDoubleLE(value, output.at);
        output.bytes[--output.at] = 17;
        break;
      case 'string':
        putString(26, value);
        break;
      case 'object':
        if (Array.isArray(value)) {
          const listEnd = written();
          putList(value, depth + 1);
          putLength(50, listEnd);
        } else {
          const structEnd = written();
          putStruct(value, depth + 1);
          putLength(42, structEnd);
        }
        break;
      case 'undefined':
        break;
      default:
        throw new LocatedError(`holds a ${typeof value}, which is not a JSON value,`);
    }
  }
  putLength(tag, end);
}

function putList(list: readonly unknown[], depth: number): void {
  if (depth > MAX_MESSAGE_DEPTH) throw tooDeep();
  let i = list.length - 1;
  try {
    for (; i >= 0; i--) putValue(10, list[i], depth + 1);
  } catch (error) {
    throw LocatedError.through(error, indexSegment(i));
  }
}
