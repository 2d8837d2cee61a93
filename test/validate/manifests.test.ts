import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { formatViolation, validateManifest } from '../../src/api/schema.js';
import { INPUT_SCHEMA } from '../../src/api/input.js';
import { INVALID_DIR, readFixtures, VALID_DIR } from './fixtures.js';

const invalid = readFixtures(INVALID_DIR);
const valid = readFixtures(VALID_DIR);

function ruleMessages(schema: unknown): string[] {
  const out: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (typeof node === 'object' && node !== null) {
      for (const [key, value] of Object.entries(node)) {
        if (key === 'x-kubernetes-validations') out.push(...(value as { message: string }[]).map((r) => r.message));
        walk(value);
      }
    }
  };
  walk(schema);
  return out;
}

function xrdRuleMessages(dir: string): string[] {
  return ruleMessages(parse(readFileSync(new URL(`../../apis/${dir}/definition.yaml`, import.meta.url), 'utf8')));
}

describe('invalid manifests', () => {
  it('has a fixture per rule and bound', () => {
    expect(invalid.length).toBeGreaterThanOrEqual(30);
  });

  it.each(invalid.map((f) => [f.file, f] as const))('%s is rejected with exactly the expected violations', (_file, fixture) => {
    expect(fixture.expected.length).toBeGreaterThan(0);
    expect(validateManifest(fixture.manifest).map(formatViolation)).toEqual(fixture.expected);
  });

  it.each([
    ['ModelDeployment', 'modeldeployment', 'md-'],
    ['ModelReplica', 'modelreplica', 'mr-'],
  ])('exercises every CEL rule of the %s XRD', (_kind, dir, prefix) => {
    const expectations = invalid.filter((f) => f.file.startsWith(prefix)).flatMap((f) => f.expected);
    const messages = [...new Set(xrdRuleMessages(dir))];
    expect(messages.length).toBeGreaterThanOrEqual(10);
    for (const message of messages) {
      expect(expectations.filter((line) => line.endsWith(`: ${message}`))).not.toHaveLength(0);
    }
  });

  it('exercises every CEL rule of the Input', () => {
    const expectations = invalid.filter((f) => f.file.startsWith('input-')).flatMap((f) => f.expected);
    for (const message of ruleMessages(INPUT_SCHEMA)) {
      expect(expectations.filter((line) => line.endsWith(`: ${message}`))).not.toHaveLength(0);
    }
  });
});

describe('valid manifests', () => {
  it.each(valid.map((f) => [f.file, f] as const))('%s passes', (_file, fixture) => {
    expect(validateManifest(fixture.manifest)).toEqual([]);
  });

  it('accepts a selector of exactly 10240 characters and rejects one of 10241', () => {
    const withSelector = (cel: string): unknown => {
      const manifest = structuredClone(valid.find((f) => f.file === 'md-minimal.yaml')?.manifest) as {
        spec: { engines: { members: { nodeSelector: { devices: { selectors?: { cel: string }[] }[] } }[] }[] };
      };
      const device = manifest.spec.engines[0]?.members[0]?.nodeSelector.devices[0];
      if (!device) throw new Error('md-minimal.yaml changed shape');
      device.selectors = [{ cel }];
      return manifest;
    };
    const padded = (length: number): string => `device.driver == "${'x'.repeat(length - 'device.driver == ""'.length)}"`;
    expect(validateManifest(withSelector(padded(10240)))).toEqual([]);
    expect(validateManifest(withSelector(padded(10241))).map(formatViolation)).toEqual([
      'spec.engines[0].members[0].nodeSelector.devices[0].selectors[0].cel: Too long: may not be more than 10240 bytes',
    ]);
  });
});
