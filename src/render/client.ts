// A gRPC client of the function, as Crossplane talks to it.
import * as grpc from '@grpc/grpc-js';
import {
  FunctionRunnerServiceService,
  type RunFunctionRequest,
  type RunFunctionResponse,
} from '@crossplane-org/function-sdk-typescript';

export interface FunctionClient {
  runFunction(req: RunFunctionRequest, options?: { deadlineMs?: number }): Promise<RunFunctionResponse>;
  close(): void;
}

const FunctionRunnerClient = grpc.makeGenericClientConstructor(FunctionRunnerServiceService, 'FunctionRunnerService');

export function connectFunction(
  target: string,
  credentials: grpc.ChannelCredentials = grpc.credentials.createInsecure(),
  channelOptions: grpc.ChannelOptions = {},
): FunctionClient {
  const client = new FunctionRunnerClient(target, credentials, {
    'grpc.max_receive_message_length': -1,
    'grpc.max_send_message_length': -1,
    ...channelOptions,
  }) as unknown as grpc.Client & {
    runFunction(
      req: RunFunctionRequest,
      metadata: grpc.Metadata,
      options: grpc.CallOptions,
      callback: (error: grpc.ServiceError | null, rsp?: RunFunctionResponse) => void,
    ): grpc.ClientUnaryCall;
  };
  return {
    runFunction(req, options = {}) {
      const callOptions: grpc.CallOptions = options.deadlineMs ? { deadline: Date.now() + options.deadlineMs } : {};
      return new Promise((resolve, reject) => {
        client.runFunction(req, new grpc.Metadata(), callOptions, (error, rsp) => (error ? reject(error) : resolve(rsp!)));
      });
    },
    close: () => client.close(),
  };
}
