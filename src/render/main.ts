#!/usr/bin/env node
// `npm run render` and `npm run validate`: the local preview tools.
import { InputFileError } from './files.js';
import { render, RENDER_USAGE } from './render.js';
import { runValidate } from './validate.js';

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'render') {
    const out = await render(rest);
    process.stdout.write(out.stdout);
    process.stderr.write(out.stderr);
    return out.exitCode;
  }
  if (command === 'validate') {
    if (rest.length === 0) {
      process.stderr.write('Usage: npm run validate -- <file.yaml>...\n');
      return 2;
    }
    return runValidate(rest, process.stdout, process.stderr);
  }
  process.stderr.write(`${RENDER_USAGE}\n       npm run validate -- <file.yaml>...\n`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // Expected problems (a missing file, a bad flag) are one line; anything else is a bug worth a trace.
    const known = error instanceof InputFileError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`${known ? (error as Error).message : String((error as Error).stack ?? error)}\n`);
    process.exitCode = 1;
  },
);
