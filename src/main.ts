#!/usr/bin/env node
// The function's process: flags, logger, server lifecycle. Flags follow Crossplane's function
// conventions so the package runtime can start it unchanged.
import { knownKinds } from './api/schema.js';
import { createLogger } from './log.js';
import { runFunction } from './function.js';
import { startFunctionServer, type FunctionServer } from './server.js';
import { getHeapStatistics } from 'node:v8';
import { heapNeeded, parseCli, USAGE, type CliOptions } from './options.js';

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
  // The image caps the heap (NODE_OPTIONS in the Dockerfile) so garbage is collected long before the
  // pod's memory is gone; a larger --max-recv-message-size needs a larger cap, or a large fleet's
  // request would run the process out of heap.
  const heapLimit = getHeapStatistics().heap_size_limit;
  if (heapLimit < heapNeeded(options.maxRecvMessageSize)) {
    const mib = (bytes: number): number => Math.ceil(bytes / (1024 * 1024));
    logger.warn(
      { heapLimitMiB: mib(heapLimit), maxRecvMessageSize: options.maxRecvMessageSize, heapNeededMiB: mib(heapNeeded(options.maxRecvMessageSize)) },
      'the JavaScript heap is too small for the largest request accepted; set NODE_OPTIONS=--max-old-space-size to at least heapNeededMiB',
    );
  }
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
