// Original file: proto/codeq/v1/codeq.proto

import type { EnqueueResponse as _codeq_v1_EnqueueResponse, EnqueueResponse__Output as _codeq_v1_EnqueueResponse__Output } from '../../codeq/v1/EnqueueResponse.js';

export interface EnqueueBatchResponse {
  /**
   * One result per request task, in order.
   */
  'results'?: (_codeq_v1_EnqueueResponse)[];
}

export interface EnqueueBatchResponse__Output {
  /**
   * One result per request task, in order.
   */
  'results': (_codeq_v1_EnqueueResponse__Output)[];
}
