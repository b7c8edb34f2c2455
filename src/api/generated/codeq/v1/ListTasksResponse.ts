// Original file: proto/codeq/v1/codeq.proto

import type { Task as _codeq_v1_Task, Task__Output as _codeq_v1_Task__Output } from '../../codeq/v1/Task.js';

export interface ListTasksResponse {
  'tasks'?: (_codeq_v1_Task)[];
  /**
   * Empty when this was the last page.
   */
  'nextCursor'?: (string);
}

export interface ListTasksResponse__Output {
  'tasks': (_codeq_v1_Task__Output)[];
  /**
   * Empty when this was the last page.
   */
  'nextCursor'?: (string);
}
