// Original file: proto/codeq/v1/codeq.proto

import type { TaskState as _codeq_v1_TaskState, TaskState__Output as _codeq_v1_TaskState__Output } from '../../codeq/v1/TaskState';

export interface ListTasksRequest {
  'queue'?: (string);
  /**
   * PENDING, SCHEDULED, LEASED or DEAD (the states the store keeps an index of).
   */
  'state'?: (_codeq_v1_TaskState);
  /**
   * At most this many tasks, 1-1000. Unset means 100.
   */
  'pageSize'?: (number);
  /**
   * The next_cursor of the previous page; empty for the first page.
   */
  'cursor'?: (string);
}

export interface ListTasksRequest__Output {
  'queue'?: (string);
  /**
   * PENDING, SCHEDULED, LEASED or DEAD (the states the store keeps an index of).
   */
  'state'?: (_codeq_v1_TaskState__Output);
  /**
   * At most this many tasks, 1-1000. Unset means 100.
   */
  'pageSize'?: (number);
  /**
   * The next_cursor of the previous page; empty for the first page.
   */
  'cursor'?: (string);
}
