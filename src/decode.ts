// Decoding requests deeper than the SDK allows. The SDK's generated Struct decoder stops at 100
// nested Struct/Value/ListValue messages (about 33 levels of JSON) and the whole call fails, while
// Crossplane's Go encoder sends up to 10,000. An InferenceCluster's open `spec` could then break
// every ModelDeployment call of the fleet. The decoder keeps its depth count on the reader object;
// this reader keeps the real depth itself and enforces a far higher, stack-safe limit.
import { BinaryReader } from '@bufbuild/protobuf/wire';
import { RunFunctionRequest } from '@crossplane-org/function-sdk-typescript';

/** Nested Struct/Value/ListValue messages accepted: about 500 levels of JSON, well within the stack. */
export const MAX_DECODE_DEPTH = 1500;

class DeepReader extends BinaryReader {
  private depth = 0;

  // The generated decoder reads this before each nested message (and throws at 100), writes
  // `read + 1` on entry and writes back what it read on exit. Reporting 0 makes every entry a write
  // of 1 and every exit a write of 0, which counts the real depth here.
  get __tsProtoDecodeDepth(): number {
    return 0;
  }

  set __tsProtoDecodeDepth(value: number) {
    if (value === 0) {
      this.depth--;
      return;
    }
    if (++this.depth > MAX_DECODE_DEPTH) throw new Error(`request nests more than ${MAX_DECODE_DEPTH} messages deep`);
  }
}

export function decodeRunFunctionRequest(bytes: Uint8Array): RunFunctionRequest {
  return RunFunctionRequest.decode(new DeepReader(bytes));
}
