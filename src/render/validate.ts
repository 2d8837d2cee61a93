// `npm run validate -- <files or directories>`: checks manifests against the XRDs in apis/ (schema,
// defaults, CEL rules) and prints every violation as `<file>: <field path>: <message>`, the error
// the API server would give at admission, before anything is applied.
import { formatViolation, validateManifest } from '../api/schema.js';
import { expandPaths, InputFileError, loadDocuments, type LoadedDocument } from './files.js';

export interface TextSink {
  write(text: string): unknown;
}

/** The files named, directories expanded; a path that does not exist is reported and skipped. */
function filesOf(paths: string[], err: TextSink): { files: string[]; failed: boolean } {
  const files: string[] = [];
  let failed = false;
  for (const path of paths) {
    try {
      files.push(...expandPaths([path]));
    } catch (error) {
      if (!(error instanceof InputFileError)) throw error;
      err.write(`${error.message}\n`);
      failed = true;
    }
  }
  return { files, failed };
}

/**
 * Validates every document of every file. Violations go to `out`, one per line; a file that cannot
 * be read or parsed is one line on `err`. Returns the exit code: 1 when anything is wrong, else 0.
 * In a file with several documents, the file is shown with the document's position: `fleet.yaml[2]`.
 */
export async function runValidate(paths: string[], out: TextSink, err: TextSink): Promise<number> {
  const { files, failed: missing } = filesOf(paths, err);
  let failed = missing;
  let documents = 0;
  let violations = 0;
  for (const file of files) {
    let loaded: LoadedDocument[];
    try {
      loaded = loadDocuments(file);
    } catch (error) {
      if (!(error instanceof InputFileError)) throw error;
      err.write(`${error.message}\n`);
      failed = true;
      continue;
    }
    loaded.forEach((document, index) => {
      const where = loaded.length > 1 ? `${file}[${index}]` : file;
      documents += 1;
      for (const violation of validateManifest(document.object)) {
        out.write(`${where}: ${formatViolation(violation)}\n`);
        violations += 1;
      }
    });
  }
  err.write(`${documents} document${documents === 1 ? '' : 's'} checked, ${violations} violation${violations === 1 ? '' : 's'}\n`);
  return failed || violations > 0 ? 1 : 0;
}
