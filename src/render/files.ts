// Reading the YAML files the render and validate commands take. Every failure is one line that
// names the path, so a typo in a command line is obvious.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../api/types.js';

export class InputFileError extends Error {}

export interface LoadedDocument {
  file: string;
  object: KubeObject;
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputFileError(`${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : `cannot read (${code ?? String(error)})`}`);
  }
}

/** Every non-empty YAML document of a file, each required to be a mapping. */
export function loadDocuments(path: string): LoadedDocument[] {
  const text = readText(path);
  const docs = parseAllDocuments(text);
  const out: LoadedDocument[] = [];
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    const error = doc.errors[0];
    if (error) {
      const where = error.linePos?.[0] ? ` (line ${error.linePos[0].line}, column ${error.linePos[0].col})` : '';
      throw new InputFileError(`${path}: malformed YAML${where}: ${error.message.split('\n')[0]}`);
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw new InputFileError(`${path}: each YAML document must be a Kubernetes object (a mapping)`);
    }
    out.push({ file: path, object: value as KubeObject });
  }
  return out;
}

/** Files under a directory (recursively, .yaml/.yml, sorted) or the file itself. */
export function expandPaths(paths: string[]): string[] {
  const out: string[] = [];
  for (const path of paths) {
    let stat;
    try {
      stat = statSync(path);
    } catch {
      throw new InputFileError(`${path}: no such file or directory`);
    }
    if (stat.isDirectory()) {
      const entries = readdirSync(path, { withFileTypes: true })
        .map((e) => e.name)
        .sort();
      const nested = entries.map((name) => join(path, name)).filter((p) => statSync(p).isDirectory() || /\.ya?ml$/.test(p));
      out.push(...expandPaths(nested));
    } else {
      out.push(path);
    }
  }
  return out;
}

export function loadAll(paths: string[]): LoadedDocument[] {
  return expandPaths(paths).flatMap(loadDocuments);
}
