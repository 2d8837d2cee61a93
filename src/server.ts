// The gRPC server: credentials, message limits, call handling and graceful shutdown. It only
// decodes, calls the handler and encodes; what the handler does is none of its business.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import {
  FunctionRunnerServiceService,
  type RunFunctionRequest,
  type RunFunctionResponse,
} from '@crossplane-org/function-sdk-typescript';
import type { Logger } from 'pino';
import { decodeRunFunctionRequest, encodeRunFunctionResponse } from './codec.js';

export type RunFunctionHandler = (req: RunFunctionRequest) => RunFunctionResponse | Promise<RunFunctionResponse>;

export const DEFAULT_MAX_RECV_MESSAGE_SIZE = 64 * 1024 * 1024;

export interface ServerOptions {
  address: string;
  /** Directory holding tls.key, tls.crt and ca.crt; ignored when insecure. */
  tlsServerCertsDir?: string;
  insecure: boolean;
  maxRecvMessageSize: number;
}

/**
 * Strict mutual TLS: the server presents tls.crt and refuses any client whose certificate is not
 * signed by ca.crt, including clients that present none (Crossplane always presents one).
 */
export function serverCredentials(opts: ServerOptions): grpc.ServerCredentials {
  if (opts.insecure) return grpc.ServerCredentials.createInsecure();
  const dir = opts.tlsServerCertsDir;
  if (!dir) throw new Error('TLS is required: pass --tls-server-certs-dir (or set TLS_SERVER_CERTS_DIR), or --insecure for local development');
  const read = (file: string): Buffer => {
    const path = join(dir, file);
    try {
      return readFileSync(path);
    } catch (error) {
      throw new Error(`cannot read TLS file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  };
  const privateKey = read('tls.key');
  const certChain = read('tls.crt');
  const rootCerts = read('ca.crt');
  checkTlsMaterial(dir, privateKey, certChain, rootCerts);
  return grpc.ServerCredentials.createSsl(rootCerts, [{ private_key: privateKey, cert_chain: certChain }], true);
}

function tlsError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * grpc-js accepts a CA file with no certificate in it (and then refuses every client, Crossplane
 * included) and reports a bad key only as an OpenSSL code. Check the files up front so start-up
 * fails with the file named.
 */
function checkTlsMaterial(dir: string, key: Buffer, cert: Buffer, ca: Buffer): void {
  const where = (file: string): string => join(dir, file);
  try {
    new X509Certificate(cert);
  } catch (error) {
    throw new Error(`invalid TLS file ${where('tls.crt')}: not a PEM certificate (${tlsError(error)})`);
  }
  const caCertificates = ca.toString('utf8').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (caCertificates.length === 0) throw new Error(`invalid TLS file ${where('ca.crt')}: no PEM certificate in it`);
  for (const pem of caCertificates) {
    try {
      new X509Certificate(pem);
    } catch (error) {
      throw new Error(`invalid TLS file ${where('ca.crt')}: ${tlsError(error)}`);
    }
  }
  try {
    createSecureContext({ key, cert });
  } catch (error) {
    throw new Error(`invalid TLS file ${where('tls.key')}: it does not load as the private key of ${where('tls.crt')} (${tlsError(error)})`);
  }
}

export interface FunctionServer {
  /** The bound port (useful with port 0). */
  port: number;
  /** Stop accepting calls, let in-flight calls finish, then resolve. Forces after graceMs. */
  drain(graceMs?: number): Promise<void>;
}

export async function startFunctionServer(
  handler: RunFunctionHandler,
  opts: ServerOptions,
  logger: Logger,
): Promise<FunctionServer> {
  const credentials = serverCredentials(opts);
  const server = new grpc.Server({
    'grpc.max_receive_message_length': opts.maxRecvMessageSize,
    'grpc.max_send_message_length': opts.maxRecvMessageSize,
  });
  // grpc-js answers a message it cannot decode or encode with a bare INTERNAL status; log why.
  const logFailure = <A, R>(convert: (a: A) => R, what: string) => (a: A): R => {
    try {
      return convert(a);
    } catch (error) {
      logger.error({ error: String(error) }, what);
      throw error;
    }
  };
  const service = {
    ...FunctionRunnerServiceService,
    runFunction: {
      ...FunctionRunnerServiceService.runFunction,
      requestDeserialize: logFailure(decodeRunFunctionRequest, 'cannot decode the RunFunctionRequest'),
      responseSerialize: logFailure(encodeRunFunctionResponse, 'cannot encode the RunFunctionResponse'),
    },
  };
  server.addService(service, {
    runFunction: (
      call: grpc.ServerUnaryCall<RunFunctionRequest, RunFunctionResponse>,
      callback: grpc.sendUnaryData<RunFunctionResponse>,
    ) => {
      const started = process.hrtime.bigint();
      const composite = call.request.observed?.composite?.resource as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } } | undefined;
      const respond = (rsp: RunFunctionResponse): void => {
        if (call.cancelled) {
          // The client gave up (deadline or cancel); nothing to send, nothing else affected.
          logger.debug({ kind: composite?.kind, tag: call.request.meta?.tag }, 'call cancelled before the response was ready');
          return;
        }
        callback(null, rsp);
        logger.debug(
          {
            kind: composite?.kind,
            name: composite?.metadata?.name,
            namespace: composite?.metadata?.namespace,
            tag: call.request.meta?.tag,
            durationMs: Number(process.hrtime.bigint() - started) / 1e6,
            results: rsp.results.length,
          },
          'RunFunction',
        );
      };
      const fail = (error: unknown): void => {
        logger.error({ error: String(error) }, 'RunFunction handler failed');
        callback({ code: grpc.status.INTERNAL, details: 'internal error' });
      };
      try {
        const rsp = handler(call.request);
        if (rsp instanceof Promise) rsp.then(respond, fail);
        else respond(rsp);
      } catch (error) {
        fail(error);
      }
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(opts.address, credentials, (error, boundPort) => (error ? reject(error) : resolve(boundPort)));
  });
  logger.info({ address: opts.address, port, tls: !opts.insecure, maxRecvMessageSize: opts.maxRecvMessageSize }, 'function server listening');

  let draining: Promise<void> | undefined;
  const drain = (graceMs = 30_000): Promise<void> => {
    draining ??= new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        logger.warn({ graceMs }, 'in-flight calls did not finish in time; closing');
        server.forceShutdown();
        resolve();
      }, graceMs);
      force.unref();
      server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
    return draining;
  };
  return { port, drain };
}
