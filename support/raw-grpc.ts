import type * as grpc from '@grpc/grpc-js';

const same = (b: Buffer): Buffer => b;

/** A gRPC method whose messages are raw bytes, passed through as they are (no protobuf). */
export function rawBytesMethod(
  path: string,
  requestStream: boolean,
  responseStream: boolean,
): grpc.MethodDefinition<Buffer, Buffer> {
  return {
    path,
    requestStream,
    responseStream,
    requestSerialize: same,
    requestDeserialize: same,
    responseSerialize: same,
    responseDeserialize: same,
  };
}
