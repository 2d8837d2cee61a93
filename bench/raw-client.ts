// A gRPC client of RunFunction that sends a request encoded once up front and receives the response
// as raw bytes. Timings then measure what the function process does (decode, compose, encode) plus
// loopback transport, not this client's own protobuf work: Crossplane's client is Go, whose codec
// costs differ from ours, and a JS client re-encoding a 12 MiB request on every call would inflate
// the product and the floor alike and hide their difference.
import { connect as connectHttp2, type ClientHttp2Session } from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { FunctionRunnerServiceService, RunFunctionRequest, RunFunctionResponse } from '@crossplane-org/function-sdk-typescript';

const passThrough = (bytes: Buffer): Buffer => bytes;

const RawService: grpc.ServiceDefinition = {
  runFunction: {
    path: FunctionRunnerServiceService.runFunction.path,
    requestStream: false,
    responseStream: false,
    requestSerialize: passThrough,
    requestDeserialize: passThrough,
    responseSerialize: passThrough,
    responseDeserialize: passThrough,
  },
};

const RawClient = grpc.makeGenericClientConstructor(RawService, 'FunctionRunnerService');

type UnaryCall = (req: Buffer, metadata: grpc.Metadata, options: grpc.CallOptions, callback: (error: grpc.ServiceError | null, rsp?: Buffer) => void) => void;

export interface RawFunctionClient {
  /** One call; resolves with the encoded response. */
  call(encodedRequest: Buffer): Promise<Buffer>;
  close(): void;
}

export function encodeRequest(req: RunFunctionRequest): Buffer {
  return Buffer.from(RunFunctionRequest.encode(req).finish());
}

export function decodeResponse(bytes: Buffer): RunFunctionResponse {
  return RunFunctionResponse.decode(bytes);
}

export function connectRaw(target: string): RawFunctionClient {
  const client = new RawClient(target, grpc.credentials.createInsecure(), {
    'grpc.max_receive_message_length': -1,
    'grpc.max_send_message_length': -1,
  }) as unknown as grpc.Client & { runFunction: UnaryCall };
  return {
    call: (encodedRequest) =>
      new Promise((resolve, reject) => {
        client.runFunction(encodedRequest, new grpc.Metadata(), {}, (error, rsp) => (error ? reject(error) : resolve(rsp!)));
      }),
    close: () => client.close(),
  };
}

/**
 * The cheapest client of RunFunction this benchmark can be: one HTTP/2 session, a gRPC frame built
 * per call around the encoded request, the response's frame header cut off. It exists for the
 * throughput measurement: on two cores the load generator's own work competes with the server it
 * measures, and grpc-js as a client spends about as much per call as the floor server does. It
 * checks what a gRPC client must (the status in the trailers) and nothing more.
 */
export function connectLean(target: string): RawFunctionClient {
  const session: ClientHttp2Session = connectHttp2(`http://${target}`);
  const headers = {
    ':method': 'POST',
    ':path': FunctionRunnerServiceService.runFunction.path,
    'content-type': 'application/grpc',
    te: 'trailers',
  };
  return {
    call: (encodedRequest) =>
      new Promise((resolve, reject) => {
        const framed = Buffer.allocUnsafe(encodedRequest.length + 5);
        framed[0] = 0; // not compressed
        framed.writeUInt32BE(encodedRequest.length, 1);
        framed.set(encodedRequest, 5);
        const stream = session.request(headers);
        const chunks: Buffer[] = [];
        let status: unknown;
        // A failing call may answer with headers only ("trailers-only"), the status among them.
        stream.on('response', (responseHeaders) => (status = responseHeaders['grpc-status']));
        stream.on('trailers', (trailers) => (status = trailers['grpc-status']));
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('error', reject);
        stream.on('end', () => {
          if (status === '0') resolve(Buffer.concat(chunks).subarray(5));
          else reject(new Error(`RunFunction answered grpc-status ${String(status)}`));
        });
        stream.end(framed);
      }),
    close: () => session.close(),
  };
}
