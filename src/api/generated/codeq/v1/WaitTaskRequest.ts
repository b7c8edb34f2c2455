// Original file: proto/codeq/v1/codeq.proto

import type { Duration as _google_protobuf_Duration, Duration__Output as _google_protobuf_Duration__Output } from '../../google/protobuf/Duration.js';

export interface WaitTaskRequest {
  'queue'?: (string);
  'taskId'?: (string);
  /**
   * How long to wait, at most 1 h. Unset means 30 s.
   */
  'timeout'?: (_google_protobuf_Duration | null);
}

export interface WaitTaskRequest__Output {
  'queue'?: (string);
  'taskId'?: (string);
  /**
   * How long to wait, at most 1 h. Unset means 30 s.
   */
  'timeout'?: (_google_protobuf_Duration__Output);
}
