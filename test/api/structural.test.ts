// The structural-schema validator on its own, with schemas that use what CRDs in the wild use.
import { describe, expect, it } from '@jest/globals';
import { compileStructuralSchema, formatViolation, kubePath, toAjvSchema, type SchemaNode } from '../../src/api/structural.js';

function check(schema: SchemaNode, value: unknown): string[] {
  return compileStructuralSchema(schema).check(value).violations.map(formatViolation);
}

const object = (properties: Record<string, SchemaNode>, extra: SchemaNode = {}): SchemaNode => ({ type: 'object', properties, ...extra });

describe('OpenAPI v3.0 schemas', () => {
  it('rewrites boolean exclusive bounds to numeric ones', () => {
    expect(toAjvSchema({ type: 'integer', minimum: 0, exclusiveMinimum: true, maximum: 10, exclusiveMaximum: false })).toEqual({
      type: 'integer',
      exclusiveMinimum: 0,
      maximum: 10,
    });
    const schema = object({ weight: { type: 'integer', minimum: 0, exclusiveMinimum: true } });
    expect(check(schema, { weight: 0 })).toEqual(['weight: Invalid value: 0: must be greater than 0']);
    expect(check(schema, { weight: 1 })).toEqual([]);
  });

  it('checks int-or-string fields and their quantity pattern', () => {
    const schema = object({
      size: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }], pattern: '^[0-9]+(Gi|Mi)?$' },
    });
    expect(check(schema, { size: 5 })).toEqual([]);
    expect(check(schema, { size: '5Gi' })).toEqual([]);
    expect(check(schema, { size: '5 GB' })).toEqual([`size: Invalid value: "5 GB": must match '^[0-9]+(Gi|Mi)?$'`]);
    expect(check(schema, { size: 1.5 })).toEqual([
      'size: Invalid value: 1.5: must be an integer or a string',
      'some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
    ]);
  });

  it('reports a failed oneOf once, not once per alternative', () => {
    const schema = object({ target: object({ a: { type: 'string' }, b: { type: 'string' } }, { oneOf: [{ required: ['a'] }, { required: ['b'] }] }) });
    expect(check(schema, { target: { a: 'x' } })).toEqual([]);
    expect(check(schema, { target: {} })).toEqual(['target: Invalid value: "object": must validate one and only one schema (oneOf)']);
  });

  it('accepts nullable fields and drops nulls from the others', () => {
    const schema = object({ note: { type: 'string', nullable: true }, count: { type: 'integer', default: 3 } });
    const result = compileStructuralSchema(schema).check({ note: null, count: null });
    expect(result).toEqual({ value: { note: null, count: 3 }, violations: [] });
  });

  it('rejects undeclared fields except under preserve-unknown-fields and embedded resources', () => {
    const schema = object({
      known: { type: 'string' },
      open: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      manifest: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true, properties: { spec: { type: 'object' } } },
      strictEmbedded: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: { spec: { type: 'object' } } },
    });
    const value = {
      known: 'x',
      open: { anything: 1 },
      manifest: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: {} },
      strictEmbedded: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: {} },
      extra: true,
    };
    expect(check(schema, value)).toEqual(['extra: field not declared in schema', 'strictEmbedded.data: field not declared in schema']);
  });
});

describe('list types', () => {
  it('finds duplicate keys of a list map, with several keys shown as an object', () => {
    const schema = object({
      ports: {
        type: 'array',
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['port', 'protocol'],
        items: object({ port: { type: 'integer' }, protocol: { type: 'string', default: 'TCP' } }, { required: ['port'] }),
      },
    });
    expect(check(schema, { ports: [{ port: 80 }, { port: 80, protocol: 'UDP' }] })).toEqual([]);
    // protocol is defaulted before the keys are compared, as the API server does.
    expect(check(schema, { ports: [{ port: 80 }, { port: 443 }, { port: 80, protocol: 'TCP' }] })).toEqual([
      'ports[2]: Duplicate value: [80,"TCP"]',
    ]);
  });

  it('finds duplicate items of a set', () => {
    const schema = object({ tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } } });
    expect(check(schema, { tags: ['a', 'b', 'a'] })).toEqual(['tags[2]: Duplicate value: "a"']);
  });
});

describe('CEL rules', () => {
  it('binds JSON integers as CEL ints and numbers as doubles, so arithmetic type-checks', () => {
    const schema = object(
      { replicas: { type: 'integer' }, ratio: { type: 'number' } },
      { 'x-kubernetes-validations': [{ rule: 'self.replicas + 1 > 2', message: 'int arithmetic' }, { rule: 'self.ratio * 2.0 < 3.0', message: 'double arithmetic' }] },
    );
    expect(check(schema, { replicas: 2, ratio: 1 })).toEqual([]);
    expect(check(schema, { replicas: 1, ratio: 2 })).toEqual(['int arithmetic', 'double arithmetic']);
  });

  it('reports at the fieldPath and evaluates messageExpression', () => {
    const schema = object(
      { spec: object({ min: { type: 'integer' }, max: { type: 'integer' } }) },
      {
        'x-kubernetes-validations': [
          { rule: 'self.spec.min <= self.spec.max', messageExpression: "'min ' + string(self.spec.min) + ' exceeds max ' + string(self.spec.max)", fieldPath: '.spec.min' },
        ],
      },
    );
    expect(check(schema, { spec: { min: 5, max: 2 } })).toEqual(['spec.min: min 5 exceeds max 2']);
  });

  it('sees defaults applied anywhere in the object, including by ancestors', () => {
    const schema = object({
      spec: object(
        { mode: { type: 'string', default: 'A' }, nested: object({ value: { type: 'integer', default: 7 } }, { default: {} }) },
        { 'x-kubernetes-validations': [{ rule: "self.mode == 'A' && self.nested.value == 7", message: 'defaults missing' }] },
      ),
    });
    expect(check(schema, { spec: {} })).toEqual([]);
  });

  it('skips transition rules, which need the stored object', () => {
    const schema = object({ name: { type: 'string' } }, { 'x-kubernetes-validations': [{ rule: 'self.name == oldSelf.name', message: 'immutable' }] });
    expect(check(schema, { name: 'a' })).toEqual([]);
  });

  it('reports a rule that cannot be evaluated, unless a schema error already explains why', () => {
    const schema = object(
      { items: { type: 'array', items: { type: 'string' } }, count: { type: 'integer' } },
      { required: ['items'], 'x-kubernetes-validations': [{ rule: 'size(self.items) > 0', message: 'need items' }] },
    );
    expect(check(schema, {})).toEqual(['items: Required value']);
    const lenient = object({ items: { type: 'array', items: { type: 'string' } } }, { 'x-kubernetes-validations': [{ rule: 'size(self.items) > 0', message: 'need items' }] });
    expect(check(lenient, {})).toEqual(['field not found: items evaluating rule: size(self.items) > 0']);
  });

  it('gives a rule violation the value at its field path, which its message does not quote', () => {
    const schema = object(
      { labels: { type: 'object', additionalProperties: { type: 'string' } } },
      { 'x-kubernetes-validations': [{ rule: "self.labels.all(k, !k.startsWith('x/'))", message: 'reserved', fieldPath: '.labels' }] },
    );
    expect(compileStructuralSchema(schema).check({ labels: { 'x/a': 'b' } }).violations).toEqual([
      { path: 'labels', message: 'reserved', value: { 'x/a': 'b' } },
    ]);
  });

  it('binds the same integers as CEL ints for rules at every depth', () => {
    // The parent's rule and each child's rule read the same values, converted once for both.
    const child = object({ n: { type: 'integer' } }, { 'x-kubernetes-validations': [{ rule: 'self.n + 1 > 1', message: 'child n' }] });
    const schema = object(
      { items: { type: 'array', items: child } },
      { 'x-kubernetes-validations': [{ rule: 'self.items.all(i, i.n + 1 > 1)', message: 'all n' }] },
    );
    const validator = compileStructuralSchema(schema);
    expect(validator.check({ items: [{ n: 1 }, { n: 2 }] }).violations).toEqual([]);
    expect(validator.check({ items: [{ n: 1 }, { n: 0 }] }).violations.map(formatViolation)).toEqual(['all n', 'items[1]: child n']);
  });

  it('keeps a __proto__ key as data, without touching any prototype', () => {
    const schema = object({ labels: { type: 'object', additionalProperties: { type: 'string' } } }, {
      'x-kubernetes-validations': [{ rule: "!('__proto__' in self.labels)", message: 'no __proto__' }],
    });
    const input = JSON.parse('{"labels":{"__proto__":"x","a":"b"}}') as unknown;
    const { value, violations } = compileStructuralSchema(schema).check(input);
    expect(violations.map(formatViolation)).toEqual(['no __proto__']);
    expect(Object.keys((value as { labels: object }).labels)).toEqual(['__proto__', 'a']);
    expect(Object.getPrototypeOf((value as { labels: object }).labels)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('does not run rules after a type or enum error', () => {
    const schema = object(
      { mode: { type: 'string', enum: ['A', 'B'] }, n: { type: 'integer', maximum: 3 } },
      { 'x-kubernetes-validations': [{ rule: "self.mode == 'A'", message: 'must be A' }] },
    );
    // A rule on the root reports at the empty path, which sorts first.
    expect(check(schema, { mode: 'B', n: 4 })).toEqual(['must be A', 'n: Invalid value: 4: must be less than or equal to 3']);
    expect(check(schema, { mode: 'C' })).toEqual([
      'mode: Unsupported value: "C": supported values: "A", "B"',
      'some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
    ]);
  });
});

describe('field paths', () => {
  const schema = object({
    spec: object({
      list: { type: 'array', items: object({ labels: { type: 'object', additionalProperties: { type: 'string' } } }) },
    }),
  });

  it('dots declared fields and brackets indices and map keys', () => {
    const value = { spec: { list: [{ labels: { 'example.com/a': 'x' } }] } };
    expect(kubePath('/spec/list/0/labels/example.com~1a', schema, value)).toBe('spec.list[0].labels[example.com/a]');
    expect(kubePath('', schema, value)).toBe('');
  });

  it('orders violations by path, list indices numerically', () => {
    const limited = object({ xs: { type: 'array', items: { type: 'integer', maximum: 1 } }, a: { type: 'integer', maximum: 1 } });
    const xs = Array.from({ length: 12 }, (_, i) => (i === 2 || i === 10 ? 5 : 0));
    expect(check(limited, { xs, a: 9 })).toEqual([
      'a: Invalid value: 9: must be less than or equal to 1',
      'xs[2]: Invalid value: 5: must be less than or equal to 1',
      'xs[10]: Invalid value: 5: must be less than or equal to 1',
    ]);
  });

  it('cuts long values short in messages', () => {
    const limited = object({ name: { type: 'string', pattern: '^a+$' } });
    const [message] = check(limited, { name: 'b'.repeat(500) });
    expect(message).toBe(`name: Invalid value: "${'b'.repeat(100)}...": must match '^a+$'`);
  });
});
