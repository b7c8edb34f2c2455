// Original file: proto/codeq/v1/codeq.proto

import type { EnqueueResponse as _codeq_v1_EnqueueResponse, EnqueueResponse__Output as _codeq_v1_EnqueueResponse__Output } from '../../codeq/v1/EnqueueResponse';

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
}
