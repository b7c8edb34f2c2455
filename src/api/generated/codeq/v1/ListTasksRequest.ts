// Original file: proto/codeq/v1/codeq.proto

import type { TaskState as _codeq_v1_TaskState, TaskState__Output as _codeq_v1_TaskState__Output } from '../../codeq/v1/TaskState.js';

export interface ListTasksRequest {
  'queue'?: (string);
  /**
   * PENDING, SCHEDULED, LEASED or DEAD (the states the store keeps an index of).
   */
  'state'?: (_codeq_v1_TaskState);
  /**
   * At most this many tasks, 1-1000. Unset means 100. A page also ends early, after at
   * least one task, once its tasks' data reaches 2 MiB, so a reply stays far under gRPC's
   * 4 MiB default; payloads and results are 1 KiB previews (payload_truncated).
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
   * At most this many tasks, 1-1000. Unset means 100. A page also ends early, after at
   * least one task, once its tasks' data reaches 2 MiB, so a reply stays far under gRPC's
   * 4 MiB default; payloads and results are 1 KiB previews (payload_truncated).
   */
  'pageSize'?: (number);
  /**
   * The next_cursor of the previous page; empty for the first page.
   */
  'cursor'?: (string);
}
