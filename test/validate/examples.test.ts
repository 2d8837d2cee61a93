// Every example the project ships must be admissible: the deployments and the fleet they run on.
import { describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { formatViolation, validateManifest } from '../../src/api/schema.js';
import { loadDocuments } from '../../src/render/files.js';

const EXAMPLES = ['deployments', 'fleet'].map((dir) => fileURLToPath(new URL(`../../examples/${dir}/`, import.meta.url)));

const files = EXAMPLES.flatMap((dir) =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((file) => /\.ya?ml$/.test(file))
        .sort()
        .map((file) => `${dir}${file}`)
    : [],
);

describe('examples', () => {
  it('has deployments and a fleet', () => {
    expect(files.filter((f) => f.includes('/examples/deployments/'))).not.toHaveLength(0);
    expect(files.filter((f) => f.includes('/examples/fleet/'))).not.toHaveLength(0);
  });

  it.each(files)('%s is valid', (file) => {
    const documents = loadDocuments(file);
    expect(documents).not.toHaveLength(0);
    const problems = documents.flatMap((d, i) => validateManifest(d.object).map((v) => `[${i}] ${formatViolation(v)}`));
    expect(problems).toEqual([]);
  });
});
