// Original file: proto/codeq/v1/codeq.proto

import type { QueueStats as _codeq_v1_QueueStats, QueueStats__Output as _codeq_v1_QueueStats__Output } from '../../codeq/v1/QueueStats';

export interface ListQueuesResponse {
  /**
   * Every known queue, by name.
   */
  'queues'?: (_codeq_v1_QueueStats)[];
}

export interface ListQueuesResponse__Output {
  /**
   * Every known queue, by name.
   */
  'queues': (_codeq_v1_QueueStats__Output)[];
}
