import { describe, expect, it } from '@jest/globals';
import { hashName, isValidLabelValue, labelValue, remoteName } from '../../src/k8s/names.js';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

describe('hashName', () => {
  it.each([
    [['my-model', 'cluster-a', '0'], 'my-model-5ab63'],
    [['my-model', 'cluster-b', '0'], 'my-model-f0b76'],
    [['my-model', 'cluster-a', '1'], 'my-model-609c5'],
    [['a'.repeat(70), 'c', '0'], `${'a'.repeat(57)}-6377a`],
  ])('gives the reference value for %j', (args, expected) => {
    const [visible, ...parts] = args as [string, ...string[]];
    expect(hashName(visible, ...parts)).toBe(expected);
  });

  it('never ends the visible part on "-" or "." so the name stays a DNS subdomain', () => {
    for (const visible of [`${'a'.repeat(56)}-bbbb`, `${'a'.repeat(56)}.bbbb`, `${'a'.repeat(55)}.-bb`]) {
      const name = hashName(visible, 'cluster', '0');
      expect(name.length).toBeLessThanOrEqual(63);
      expect(name).toMatch(DNS_SUBDOMAIN);
      expect(name.startsWith('a'.repeat(55))).toBe(true);
    }
  });
});

describe('remoteName', () => {
  it('sanitises the visible part, and hashes the raw parts so sanitising never merges names', () => {
    const a = remoteName('My_Model', 63, 'ns', 'My_Model');
    const b = remoteName('my-model', 63, 'ns', 'my-model');
    expect(a).toMatch(/^my-model-[0-9a-f]{5}$/);
    expect(b).toMatch(/^my-model-[0-9a-f]{5}$/);
    expect(a).not.toBe(b);
  });

  it('starts with a letter and fits its budget whatever the input', () => {
    for (const visible of ['0day', '---', '', 'é'.repeat(100), `${'x'.repeat(80)}-y`]) {
      for (const budget of [49, 63]) {
        const name = remoteName(visible, budget, visible);
        expect(name.length).toBeLessThanOrEqual(budget);
        expect(name).toMatch(DNS_LABEL);
      }
    }
  });
});

describe('labelValue', () => {
  it('keeps a valid label value and hashes anything else into one', () => {
    expect(labelValue('us-east-1')).toBe('us-east-1');
    const long = `cluster.${'x'.repeat(80)}`;
    expect(labelValue(long)).not.toBe(long);
    expect(isValidLabelValue(labelValue(long))).toBe(true);
    expect(isValidLabelValue(labelValue('-bad-'))).toBe(true);
    expect(labelValue(long)).toBe(labelValue(long));
  });
});
