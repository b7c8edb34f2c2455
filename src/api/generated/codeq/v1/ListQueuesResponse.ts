// Original file: proto/codeq/v1/codeq.proto

import type { QueueStats as _codeq_v1_QueueStats, QueueStats__Output as _codeq_v1_QueueStats__Output } from '../../codeq/v1/QueueStats.js';

export interface ListQueuesResponse {
  /**
   * Known queues the caller may administer, by name.
   */
  'queues'?: (_codeq_v1_QueueStats)[];
  /**
   * Empty when this was the last page.
   */
  'nextPageToken'?: (string);
}

export interface ListQueuesResponse__Output {
  /**
   * Known queues the caller may administer, by name.
   */
  'queues': (_codeq_v1_QueueStats__Output)[];
  /**
   * Empty when this was the last page.
   */
  'nextPageToken'?: (string);
}
