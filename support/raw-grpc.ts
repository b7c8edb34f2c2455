import * as grpc from '@grpc/grpc-js';

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

/** Like codeQ's access control: checks each call's metadata asynchronously before the handler reads it. */
export const checksMetadata: grpc.ServerInterceptor = (_method, call) =>
  new grpc.ServerInterceptingCall(call, {
    start: (next) =>
      next(
        new grpc.ServerListenerBuilder()
          .withOnReceiveMetadata((metadata, pass) => void Promise.resolve().then(() => pass(metadata)))
          .build(),
      ),
  });

/** The two ways codeQ's server runs a call: as grpc-js does, and behind access control's interceptor. */
export const SERVER_SETUPS: { server: string; interceptors: grpc.ServerInterceptor[] }[] = [
  { server: 'without interceptors', interceptors: [] },
  { server: 'behind an interceptor', interceptors: [checksMetadata] },
];

/** Binds `server` to a free loopback port and returns a client of it (insecure, for tests). */
export async function listenAndConnect(server: grpc.Server): Promise<grpc.Client> {
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
}
