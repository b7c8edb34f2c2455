// Original file: proto/codeq/v1/codeq.proto

import type { EnqueueResponse as _codeq_v1_EnqueueResponse, EnqueueResponse__Output as _codeq_v1_EnqueueResponse__Output } from '../../codeq/v1/EnqueueResponse.js';
import type { Duration as _google_protobuf_Duration, Duration__Output as _google_protobuf_Duration__Output } from '../../google/protobuf/Duration.js';

export interface EnqueueStreamResponse {
  /**
   * One result per task of the request, in order; empty when code is not 0.
   */
  'results'?: (_codeq_v1_EnqueueResponse)[];
  /**
   * gRPC status code of the request: 0 OK, 3 INVALID_ARGUMENT, 8 RESOURCE_EXHAUSTED,
   * 14 UNAVAILABLE, ... as the unary EnqueueBatch would have answered it.
   */
  'code'?: (number);
  /**
   * Why the request was refused; names the field for INVALID_ARGUMENT.
   */
  'message'?: (string);
  /**
   * For RESOURCE_EXHAUSTED from a rate limit: how long to wait before sending again
   * (the unary calls carry it as the `retry-after-ms` trailer).
   */
  'retryAfter'?: (_google_protobuf_Duration | null);
}

export interface EnqueueStreamResponse__Output {
  /**
   * One result per task of the request, in order; empty when code is not 0.
   */
  'results': (_codeq_v1_EnqueueResponse__Output)[];
  /**
   * gRPC status code of the request: 0 OK, 3 INVALID_ARGUMENT, 8 RESOURCE_EXHAUSTED,
   * 14 UNAVAILABLE, ... as the unary EnqueueBatch would have answered it.
   */
  'code'?: (number);
  /**
   * Why the request was refused; names the field for INVALID_ARGUMENT.
   */
  'message'?: (string);
  /**
   * For RESOURCE_EXHAUSTED from a rate limit: how long to wait before sending again
   * (the unary calls carry it as the `retry-after-ms` trailer).
   */
  'retryAfter'?: (_google_protobuf_Duration__Output);
}
