#!/usr/bin/env node
// The function's process: flags, logger, server lifecycle. Flags follow Crossplane's function
// conventions so the package runtime can start it unchanged.
import { knownKinds } from './api/schema.js';
import { createLogger } from './log.js';
import { runFunction } from './function.js';
import { startFunctionServer, type FunctionServer } from './server.js';
import { parseCli, USAGE, type CliOptions } from './options.js';

async function main(): Promise<void> {
  let options: CliOptions | 'help';
  try {
    options = parseCli(process.argv.slice(2), process.env);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (options === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  const logger = createLogger(options.debug);
  // Signal handlers go in before the server listens: a SIGTERM that arrives as soon as the
  // "listening" line is out must still drain and exit 0, not kill the process.
  let server: FunctionServer | undefined;
  const stop = (signal: string): void => {
    logger.info({ signal }, 'draining in-flight calls');
    void (server?.drain() ?? Promise.resolve()).then(() => {
      logger.info('stopped');
      process.exit(0);
    });
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  try {
    // Compile the XRD schemas every call validates against now: the first reconcile does not pay
    // for it, and an image without apis/ fails at start-up instead of on every call.
    knownKinds();
    server = await startFunctionServer(runFunction, options, logger);
  } catch (error) {
    logger.fatal({ error: (error as Error).message }, 'cannot start the function server');
    process.exit(1);
  }
}

void main();
