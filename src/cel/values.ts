// The CEL values behind Kubernetes' opaque types. @bufbuild/cel only accepts scalars, lists, maps and
// protobuf messages as values, so Quantity and Semver are tiny protobuf messages minted at runtime.
// Each holds one canonical string, and CEL's `==` on messages compares fields, so equality is by
// value: a Quantity holds its exact nano value, a Semver its precedence key (build metadata left out).
import { create, createFileRegistry, type DescMessage, type Registry } from '@bufbuild/protobuf';
import { reflect, type ReflectMessage } from '@bufbuild/protobuf/reflect';
import {
  FieldDescriptorProto_Label,
  FieldDescriptorProto_Type,
  FileDescriptorProtoSchema,
} from '@bufbuild/protobuf/wkt';
import { objectType, type CelObjectType } from '@bufbuild/cel';
import { parseSemver, precedenceKey, type Semver } from './semver.js';

const PACKAGE = 'kubernetes';
const CANONICAL_FIELD = 'canonical';

function messageWithOneString(name: string) {
  return {
    name,
    field: [
      {
        name: CANONICAL_FIELD,
        jsonName: CANONICAL_FIELD,
        number: 1,
        type: FieldDescriptorProto_Type.STRING,
        label: FieldDescriptorProto_Label.OPTIONAL,
      },
    ],
  };
}

/** Registry holding the Kubernetes CEL types; the environment needs it to compare messages. */
export const kubernetesTypes: Registry = createFileRegistry(
  create(FileDescriptorProtoSchema, {
    name: 'kubernetes/cel_types.proto',
    package: PACKAGE,
    syntax: 'proto3',
    // MalformedDeviceValue stands in for a published value that cannot be read (an unparsable
    // quantity or version): it has no methods, so any expression that uses it fails to evaluate.
    messageType: ['Quantity', 'Semver', 'MalformedDeviceValue'].map(messageWithOneString),
  }),
  () => undefined,
);

function message(name: string): DescMessage {
  const desc = kubernetesTypes.getMessage(`${PACKAGE}.${name}`);
  if (desc === undefined) throw new Error(`CEL type ${PACKAGE}.${name} is missing from its registry`);
  return desc;
}

const quantityDesc = message('Quantity');
const semverDesc = message('Semver');
const malformedDesc = message('MalformedDeviceValue');

export const QUANTITY_TYPE: CelObjectType = objectType(quantityDesc);
export const SEMVER_TYPE: CelObjectType = objectType(semverDesc);

function canonicalOf(value: ReflectMessage): string {
  const field = value.desc.fields[0];
  const text = field === undefined ? undefined : value.get(field);
  if (typeof text !== 'string') throw new Error(`${value.desc.typeName} value has no canonical text`);
  return text;
}

function wrap(desc: DescMessage, canonical: string): ReflectMessage {
  return reflect(desc, create(desc, { [CANONICAL_FIELD]: canonical }));
}

export function quantityValue(nano: bigint): ReflectMessage {
  return wrap(quantityDesc, nano.toString());
}

/** The exact nano value of a Quantity value. */
export function nanoOf(value: ReflectMessage): bigint {
  return BigInt(canonicalOf(value));
}

// Parsed versions, keyed by the message each Semver value wraps, so methods do not re-parse.
const parsedVersions = new WeakMap<object, Semver>();

export function semverValue(version: Semver): ReflectMessage {
  const value = wrap(semverDesc, precedenceKey(version));
  parsedVersions.set(value.message, version);
  return value;
}

export function versionOf(value: ReflectMessage): Semver {
  const cached = parsedVersions.get(value.message);
  if (cached !== undefined) return cached;
  const version = parseSemver(canonicalOf(value));
  parsedVersions.set(value.message, version);
  return version;
}

export function malformedValue(reason: string): ReflectMessage {
  return wrap(malformedDesc, reason);
}

export function isQuantityValue(value: unknown): value is ReflectMessage {
  return isKubernetesValue(value, quantityDesc);
}

export function isSemverValue(value: unknown): value is ReflectMessage {
  return isKubernetesValue(value, semverDesc);
}

export function isMalformedValue(value: unknown): value is ReflectMessage {
  return isKubernetesValue(value, malformedDesc);
}

export function malformedReason(value: ReflectMessage): string {
  return canonicalOf(value);
}

function isKubernetesValue(value: unknown, desc: DescMessage): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    'desc' in value &&
    (value as { desc: unknown }).desc === desc &&
    'message' in value
  );
}
