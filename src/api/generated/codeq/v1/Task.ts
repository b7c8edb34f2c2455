// Original file: proto/codeq/v1/codeq.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp.js';
import type { TaskState as _codeq_v1_TaskState, TaskState__Output as _codeq_v1_TaskState__Output } from '../../codeq/v1/TaskState.js';

export interface Task {
  'id'?: (string);
  'queue'?: (string);
  'payload'?: (Buffer | Uint8Array | string);
  'priority'?: (number);
  /**
   * 1 on first delivery; a released lease does not count.
   */
  'attempt'?: (number);
  'maxAttempts'?: (number);
  'headers'?: ({[key: string]: string});
  'enqueueTime'?: (_google_protobuf_Timestamp | null);
  'state'?: (_codeq_v1_TaskState);
  'lastError'?: (string);
  /**
   * The result given by the completing worker.
   */
  'result'?: (Buffer | Uint8Array | string);
  /**
   * Notes of what operators did to the task (a redrive from DEAD), oldest first; the
   * last 20.
   */
  'history'?: (string)[];
  /**
   * True when payload is a preview: ListTasks shows the first 1 KiB of each payload;
   * GetTask returns the whole task.
   */
  'payloadTruncated'?: (boolean);
  /**
   * True when result is a preview, as for payload_truncated.
   */
  'resultTruncated'?: (boolean);
  /**
   * The fairness key the task was enqueued with; empty for the default key.
   */
  'fairnessKey'?: (string);
  /**
   * When a SCHEDULED task falls due (its delay or retry backoff ends); set by GetTask and
   * ListTasks, unset in other states.
   */
  'dueTime'?: (_google_protobuf_Timestamp | null);
}

export interface Task__Output {
  'id'?: (string);
  'queue'?: (string);
  'payload'?: (Buffer);
  'priority'?: (number);
  /**
   * 1 on first delivery; a released lease does not count.
   */
  'attempt'?: (number);
  'maxAttempts'?: (number);
  'headers'?: ({[key: string]: string});
  'enqueueTime'?: (_google_protobuf_Timestamp__Output);
  'state'?: (_codeq_v1_TaskState__Output);
  'lastError'?: (string);
  /**
   * The result given by the completing worker.
   */
  'result'?: (Buffer);
  /**
   * Notes of what operators did to the task (a redrive from DEAD), oldest first; the
   * last 20.
   */
  'history': (string)[];
  /**
   * True when payload is a preview: ListTasks shows the first 1 KiB of each payload;
   * GetTask returns the whole task.
   */
  'payloadTruncated'?: (boolean);
  /**
   * True when result is a preview, as for payload_truncated.
   */
  'resultTruncated'?: (boolean);
  /**
   * The fairness key the task was enqueued with; empty for the default key.
   */
  'fairnessKey'?: (string);
  /**
   * When a SCHEDULED task falls due (its delay or retry backoff ends); set by GetTask and
   * ListTasks, unset in other states.
   */
  'dueTime'?: (_google_protobuf_Timestamp__Output);
}
