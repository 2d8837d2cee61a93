// Command-line flags of the function process, kept apart from main.ts so they can be tested.
import { parseArgs } from 'node:util';
import { DEFAULT_MAX_RECV_MESSAGE_SIZE, type ServerOptions } from './server.js';

export const USAGE = `Usage: function-modelplane [flags]

Flags:
  --address ADDR                 listen address (default 0.0.0.0:9443)
  --tls-server-certs-dir DIR     directory with tls.key, tls.crt and ca.crt (default $TLS_SERVER_CERTS_DIR or /tls/server)
  --insecure                     serve without TLS (local development only)
  --max-recv-message-size BYTES  largest request accepted (default ${DEFAULT_MAX_RECV_MESSAGE_SIZE}); the
                                 JavaScript heap must grow with it (NODE_OPTIONS=--max-old-space-size=MiB)
  -d, --debug                    log every call
  -h, --help                     show this help
`;

export interface CliOptions extends ServerOptions {
  debug: boolean;
}

/** Parse flags; throws an Error whose message is fit for a person. */
export function parseCli(argv: string[], env: NodeJS.ProcessEnv): CliOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      address: { type: 'string', default: '0.0.0.0:9443' },
      'tls-server-certs-dir': { type: 'string' },
      insecure: { type: 'boolean', default: false },
      'max-recv-message-size': { type: 'string' },
      debug: { type: 'boolean', short: 'd', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';
  let maxRecvMessageSize = DEFAULT_MAX_RECV_MESSAGE_SIZE;
  const rawMax = values['max-recv-message-size'];
  if (rawMax !== undefined) {
    if (!/^[1-9][0-9]*$/.test(rawMax) || !Number.isSafeInteger(Number(rawMax)) || Number(rawMax) > 2 ** 31 - 1) {
      throw new Error(`--max-recv-message-size: ${JSON.stringify(rawMax)} is not a positive number of bytes below 2 GiB`);
    }
    maxRecvMessageSize = Number(rawMax);
  }
  return {
    address: values.address,
    tlsServerCertsDir: values['tls-server-certs-dir'] ?? (env.TLS_SERVER_CERTS_DIR || '/tls/server'),
    insecure: values.insecure,
    maxRecvMessageSize,
    debug: values.debug,
  };
}


const MIB = 1024 * 1024;

/**
 * The JavaScript heap the largest accepted request needs: its decoded objects take up to twice its
 * size on the wire (when nothing in it repeats), decoding needs as much again while it runs, and a
 * call's own work and the process itself take the rest. Measured at 5,000 clusters (59 MiB): 118 MiB
 * of live heap with every object's keys shuffled, and calls as fast under a 192 MiB heap as under
 * none.
 */
export function heapNeeded(maxRecvMessageSize: number): number {
  return 3 * maxRecvMessageSize + 64 * MIB;
}
