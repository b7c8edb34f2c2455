// Original file: proto/codeq/v1/codeq.proto

import type { EnqueueRequest as _codeq_v1_EnqueueRequest, EnqueueRequest__Output as _codeq_v1_EnqueueRequest__Output } from '../../codeq/v1/EnqueueRequest.js';

export interface EnqueueStreamRequest {
  /**
   * Tasks stored together; if any is invalid, none of them is stored.
   */
  'tasks'?: (_codeq_v1_EnqueueRequest)[];
}

export interface EnqueueStreamRequest__Output {
  /**
   * Tasks stored together; if any is invalid, none of them is stored.
   */
  'tasks': (_codeq_v1_EnqueueRequest__Output)[];
}
