// Original file: proto/codeq/v1/codeq.proto


export interface EnqueueResponse {
  'taskId'?: (string);
  /**
   * True when idempotency_key matched an earlier task; task_id is that task's.
   */
  'duplicate'?: (boolean);
}

export interface EnqueueResponse__Output {
  'taskId'?: (string);
  /**
   * True when idempotency_key matched an earlier task; task_id is that task's.
   */
  'duplicate'?: (boolean);
}
