/**
 * Child process of the `floor` scenario: a grpc-js server that does nothing but echo, so
 * the transport's own cost (per unary call, per stream message) can be measured apart
 * from codeQ. Bytes pass through untouched (no protobuf), which makes it a lower bound.
 */
import * as grpc from '@grpc/grpc-js';
import { serveParent } from '../core/child-process.js';
import { ProcessWatch } from '../core/process-stats.js';
import { ECHO_SERVICE } from './echo-service.js';

const watch = new ProcessWatch();
const server = new grpc.Server();
server.addService(ECHO_SERVICE, {
  Unary: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) =>
    callback(null, call.request),
  Stream: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
    call.on('data', (b: Buffer) => call.write(b));
    call.on('end', () => call.end());
    call.on('error', () => {});
  },
});

serveParent({
  start: () =>
    new Promise<{ address: string }>((resolve, reject) => {
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) =>
        err ? reject(err) : resolve({ address: `127.0.0.1:${port}` }),
      );
    }),
  processStats: () => watch.read(),
  resetStats: () => watch.reset(),
  shutdown: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
});
