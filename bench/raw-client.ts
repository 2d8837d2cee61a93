// A gRPC client of RunFunction that sends a request encoded once up front and receives the response
// as raw bytes. Timings then measure what the function process does (decode, compose, encode) plus
// loopback transport, not this client's own protobuf work: Crossplane's client is Go, whose codec
// costs differ from ours, and a JS client re-encoding a 12 MiB request on every call would inflate
// the product and the floor alike and hide their difference.
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
