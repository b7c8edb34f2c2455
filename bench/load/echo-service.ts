import type * as grpc from '@grpc/grpc-js';

const same = (b: Buffer): Buffer => b;

/** The echo service: one unary method and one bidi stream, both of raw bytes. */
export const ECHO_SERVICE: grpc.ServiceDefinition = {
  Unary: {
    path: '/bench.Echo/Unary',
    requestStream: false,
    responseStream: false,
    requestSerialize: same,
    requestDeserialize: same,
    responseSerialize: same,
    responseDeserialize: same,
  },
  Stream: {
    path: '/bench.Echo/Stream',
    requestStream: true,
    responseStream: true,
    requestSerialize: same,
    requestDeserialize: same,
    responseSerialize: same,
    responseDeserialize: same,
  },
};
