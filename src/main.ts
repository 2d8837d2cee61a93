#!/usr/bin/env node
// The function's process: flags, logger, server lifecycle. Flags follow Crossplane's function
// conventions so the package runtime can start it unchanged.
import { createLogger } from './log.js';
import { runFunction } from './function.js';
import { startFunctionServer } from './server.js';
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
  let server;
  try {
    server = await startFunctionServer(runFunction, options, logger);
  } catch (error) {
    logger.fatal({ error: (error as Error).message }, 'cannot start the function server');
    process.exit(1);
  }
  const stop = (signal: string): void => {
    logger.info({ signal }, 'draining in-flight calls');
    void server.drain().then(() => {
      logger.info('stopped');
      process.exit(0);
    });
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

void main();
