// The `device` variable a selector sees, built once per published device. Attribute and capacity
// keys are qualified names grouped by domain, as Kubernetes' DRA CEL environment does: the domain is
// the text before the first '/', and a key without '/' belongs to the device's driver domain.
import { celMap, type CelInput, type CelMap } from '@bufbuild/cel';
import type { PublishedDevice } from '../api/types.js';
import { parseQuantity } from './quantity.js';
import { parseSemver } from './semver.js';
import { describeValue, isRecord } from '../values.js';
import { malformedValue, quantityValue, semverValue } from './values.js';

const INT64_MAX = 9_223_372_036_854_775_807n;
const INT64_MIN = -9_223_372_036_854_775_808n;

const binding: unique symbol = Symbol('DeviceActivation.binding');

/** Opaque, immutable binding of one published device, ready to evaluate selectors against. */
export interface DeviceActivation {
  readonly [binding]: CelMap;
}

/** The CEL value of the `device` variable. */
export function deviceBinding(activation: DeviceActivation): CelMap {
  return activation[binding];
}

export function isDeviceActivation(value: unknown): value is DeviceActivation {
  return typeof value === 'object' && value !== null && binding in value;
}

const EMPTY_DOMAIN: CelMap = celMap(new Map());

/**
 * Domains of one device. Looking up a domain the device does not publish gives an empty map, so
 * `device.attributes["other.com"].x` is a missing-key error while `"other.com" in device.attributes`
 * stays false.
 */
class DomainLookup implements ReadonlyMap<string, CelMap> {
  constructor(private readonly domains: ReadonlyMap<string, CelMap>) {}

  get size(): number {
    return this.domains.size;
  }

  get(domain: string): CelMap | undefined {
    return this.domains.get(domain) ?? (typeof domain === 'string' ? EMPTY_DOMAIN : undefined);
  }

  has(domain: unknown): boolean {
    return typeof domain === 'string' && this.domains.has(domain);
  }

  forEach(callback: (value: CelMap, key: string, map: ReadonlyMap<string, CelMap>) => void): void {
    this.domains.forEach((value, key) => callback(value, key, this));
  }

  entries(): MapIterator<[string, CelMap]> {
    return this.domains.entries();
  }

  keys(): MapIterator<string> {
    return this.domains.keys();
  }

  values(): MapIterator<CelMap> {
    return this.domains.values();
  }

  [Symbol.iterator](): MapIterator<[string, CelMap]> {
    return this.domains.entries();
  }
}

function domainMap(domains: ReadonlyMap<string, CelMap>): CelMap {
  const lookup = new DomainLookup(domains);
  const map = celMap(lookup);
  // @bufbuild/cel answers `in` and has() through the map's own `has`, which it derives from `get`;
  // the empty-map fallback of `get` must not make every domain present.
  Object.defineProperty(map, 'has', { value: (domain: unknown) => lookup.has(domain) });
  return map;
}


function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const ATTRIBUTE_KINDS = ['string', 'bool', 'int', 'version'] as const;

function attributeValue(key: string, value: unknown): CelInput {
  const malformed = (reason: string) => malformedValue(`attribute "${key}": ${reason}`);
  if (!isRecord(value)) return malformed(`expected an object with one of string, bool, int, version; got ${describeValue(value)}`);
  const kinds = ATTRIBUTE_KINDS.filter((kind) => value[kind] !== undefined && value[kind] !== null);
  if (kinds.length !== 1) return malformed(`expected exactly one of string, bool, int, version; got ${describeValue(value)}`);
  const kind = kinds[0];
  const content = value[kind as string];
  switch (kind) {
    case 'string':
      return typeof content === 'string' ? content : malformed(`string value ${describeValue(content)} is not a string`);
    case 'bool':
      return typeof content === 'boolean' ? content : malformed(`bool value ${describeValue(content)} is not a boolean`);
    case 'int': {
      const int = typeof content === 'bigint' ? content : typeof content === 'number' && Number.isInteger(content) ? BigInt(content) : undefined;
      return int !== undefined && int >= INT64_MIN && int <= INT64_MAX ? int : malformed(`int value ${describeValue(content)} is not an int64`);
    }
    case 'version':
      if (typeof content !== 'string') return malformed(`version value ${describeValue(content)} is not a string`);
      try {
        return semverValue(parseSemver(content));
      } catch (error) {
        return malformed(errorMessage(error));
      }
    default:
      return malformed(`unknown attribute kind in ${describeValue(value)}`);
  }
}

function capacityValue(key: string, value: unknown): CelInput {
  const quantity = isRecord(value) ? value['value'] : undefined;
  const text = typeof quantity === 'number' && Number.isFinite(quantity) ? String(quantity) : quantity;
  if (typeof text !== 'string') return malformedValue(`capacity "${key}": expected {value: <quantity>}, got ${describeValue(value)}`);
  try {
    return quantityValue(parseQuantity(text));
  } catch (error) {
    return malformedValue(`capacity "${key}": ${errorMessage(error)}`);
  }
}

/** Splits a qualified name on its first '/'; a bare name belongs to the driver's domain. */
function splitQualifiedName(key: string, driver: string): [domain: string, id: string] {
  const slash = key.indexOf('/');
  return slash === -1 ? [driver, key] : [key.slice(0, slash), key.slice(slash + 1)];
}

function groupByDomain(
  published: unknown,
  driver: string,
  convert: (key: string, value: unknown) => CelInput,
): CelMap {
  const keys = isRecord(published) ? Object.keys(published).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)) : [];
  // Bare keys first, so an explicitly qualified key for the same attribute wins over a bare one.
  const ordered = [...keys.filter((key) => !key.includes('/')), ...keys.filter((key) => key.includes('/'))];
  const domains = new Map<string, Map<string, CelInput>>();
  for (const key of ordered) {
    const [domain, id] = splitQualifiedName(key, driver);
    let ids = domains.get(domain);
    if (ids === undefined) {
      ids = new Map();
      domains.set(domain, ids);
    }
    ids.set(id, convert(key, (published as Record<string, unknown>)[key]));
  }
  return domainMap(new Map([...domains].map(([domain, ids]) => [domain, celMap(ids)])));
}

/** Binds one published device for selector evaluation. Never throws on malformed input. */
export function deviceActivation(device: PublishedDevice): DeviceActivation {
  const record: Record<string, unknown> = isRecord(device) ? device : {};
  const driver = typeof record['driver'] === 'string' ? record['driver'] : '';
  const value = celMap(
    new Map<string, CelInput>([
      ['driver', driver],
      ['attributes', groupByDomain(record['attributes'], driver, attributeValue)],
      ['capacity', groupByDomain(record['capacity'], driver, capacityValue)],
    ]),
  );
  return Object.freeze({ [binding]: value });
}

/** JSON with object keys in code-unit order, so equal content gives equal text. */
function stableJson(value: unknown): string {
  // Requests are decoded with their keys in code-unit order already, so the usual case is plain JSON.
  if (inStableOrder(value)) return JSON.stringify(value) ?? 'null';
  if (typeof value === 'bigint') return JSON.stringify(`${value}n`);
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (isRecord(value)) {
    const keys = Object.keys(value)
      .filter((key) => value[key] !== undefined)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${keys.map((key) => `${JSON.stringify(key)}:${stableJson(value[key])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Stable key of what a selector can see of a device: driver, attributes and capacity. */
/** Whether JSON.stringify writes `value` exactly as stableJson would: keys sorted, nothing it treats differently. */
function inStableOrder(value: unknown): boolean {
  if (value === null) return true;
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
      return true;
    case 'object':
      if (Array.isArray(value)) {
        // A hole would be skipped by stableJson's map, where JSON writes null.
        for (let i = 0; i < value.length; i++) if (!(i in value) || (value[i] !== undefined && !inStableOrder(value[i]))) return false;
        return true;
      } else {
        let previous: string | undefined;
        for (const key of Object.keys(value)) {
          const item = (value as Record<string, unknown>)[key];
          if (item === undefined || (previous !== undefined && !(previous < key)) || !inStableOrder(item)) return false;
          previous = key;
        }
        return Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null;
      }
    default:
      return false;
  }
}

export function deviceContentKey(device: PublishedDevice): string {
  const record: Record<string, unknown> = isRecord(device) ? device : {};
  return stableJson({ attributes: record['attributes'], capacity: record['capacity'], driver: record['driver'] });
}
