import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runValidate } from '../../src/render/validate.js';
import { INVALID_DIR, readFixtures, VALID_DIR } from './fixtures.js';

class Capture {
  text = '';
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
  lines(): string[] {
    return this.text.split('\n').filter((line) => line !== '');
  }
}

async function validate(paths: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out = new Capture();
  const err = new Capture();
  const code = await runValidate(paths, out, err);
  return { code, out: out.lines(), err: err.lines() };
}

describe('runValidate', () => {
  let scratch: string;
  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'modelplane-validate-'));
  });
  afterAll(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  it('prints nothing on stdout and exits 0 for valid manifests', async () => {
    const files = readFixtures(VALID_DIR).map((f) => f.path);
    const result = await validate(files);
    expect(result).toEqual({ code: 0, out: [], err: [`${files.length} documents checked, 0 violations`] });
  });

  it('prints every violation as <file>: <path>: <message> and exits 1', async () => {
    const fixtures = readFixtures(INVALID_DIR);
    const result = await validate(fixtures.map((f) => f.path));
    expect(result.code).toBe(1);
    expect(result.out).toEqual(fixtures.flatMap((f) => f.expected.map((line) => `${f.path}: ${line}`)));
  });

  it('expands a directory into its YAML files', async () => {
    const fixtures = readFixtures(INVALID_DIR);
    const result = await validate([INVALID_DIR]);
    expect(result.out).toHaveLength(fixtures.reduce((n, f) => n + f.expected.length, 0));
  });

  it('names the document of a multi-document file by its position', async () => {
    const file = join(scratch, 'two.yaml');
    const good = readFileSync(join(VALID_DIR, 'md-minimal.yaml'), 'utf8');
    writeFileSync(file, `${good}---\n${good.replace('replicas: 1', 'replicas: 300')}`);
    const result = await validate([file]);
    expect(result.code).toBe(1);
    expect(result.out).toEqual([`${file}[1]: spec.replicas: Invalid value: 300: must be less than or equal to 256`]);
  });

  it('reports a missing file in one line naming it, and still checks the others', async () => {
    const missing = join(scratch, 'nope.yaml');
    const result = await validate([missing, join(VALID_DIR, 'md-minimal.yaml')]);
    expect(result.code).toBe(1);
    expect(result.out).toEqual([]);
    expect(result.err).toHaveLength(2);
    expect(result.err[0]).toContain(missing);
    expect(result.err[1]).toBe('1 document checked, 0 violations');
  });

  it('reports malformed YAML in one line naming the file', async () => {
    const file = join(scratch, 'broken.yaml');
    writeFileSync(file, 'apiVersion: modelplane.ai/v1alpha1\nkind: [ModelDeployment\n');
    const result = await validate([file]);
    expect(result.code).toBe(1);
    expect(result.out).toEqual([]);
    expect(result.err[0]).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
    expect(result.err).toHaveLength(2);
  });
});
