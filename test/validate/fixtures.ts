// Reading the manifest fixtures: each file is one manifest, headed by `# expect: <path>: <message>`
// lines giving, in order, every violation the validator must report for it.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const INVALID_DIR = fileURLToPath(new URL('./invalid/', import.meta.url));
export const VALID_DIR = fileURLToPath(new URL('./valid/', import.meta.url));

export interface Fixture {
  file: string;
  path: string;
  expected: string[];
  manifest: unknown;
}

export function readFixtures(dir: string): Fixture[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.yaml'))
    .sort()
    .map((file) => {
      const path = `${dir}${file}`;
      const text = readFileSync(path, 'utf8');
      const expected = [...text.matchAll(/^# expect: (.*)$/gm)].map((match) => match[1] ?? '');
      return { file, path, expected, manifest: parse(text) as unknown };
    });
}
