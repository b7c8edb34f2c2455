// Original file: proto/codeq/v1/codeq.proto

import type { EnqueueRequest as _codeq_v1_EnqueueRequest, EnqueueRequest__Output as _codeq_v1_EnqueueRequest__Output } from '../../codeq/v1/EnqueueRequest.js';

export interface EnqueueBatchRequest {
  'tasks'?: (_codeq_v1_EnqueueRequest)[];
}

export interface EnqueueBatchRequest__Output {
  'tasks': (_codeq_v1_EnqueueRequest__Output)[];
}
