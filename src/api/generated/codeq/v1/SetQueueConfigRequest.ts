// Original file: proto/codeq/v1/codeq.proto

import type { QueueConfig as _codeq_v1_QueueConfig, QueueConfig__Output as _codeq_v1_QueueConfig__Output } from '../../codeq/v1/QueueConfig.js';

export interface SetQueueConfigRequest {
  'queue'?: (string);
  /**
   * The new limits; its queue field is ignored.
   */
  'config'?: (_codeq_v1_QueueConfig | null);
}

export interface SetQueueConfigRequest__Output {
  'queue'?: (string);
  /**
   * The new limits; its queue field is ignored.
   */
  'config'?: (_codeq_v1_QueueConfig__Output);
}
