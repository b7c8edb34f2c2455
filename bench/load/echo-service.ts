import type * as grpc from '@grpc/grpc-js';
import { rawBytesMethod } from '../../support/raw-grpc.js';

/** The echo service: one unary method and one bidi stream, both of raw bytes. */
export const ECHO_SERVICE: grpc.ServiceDefinition = {
  Unary: rawBytesMethod('/bench.Echo/Unary', false, false),
  Stream: rawBytesMethod('/bench.Echo/Stream', true, true),
};
