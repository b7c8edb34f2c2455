// Original file: proto/codeq/v1/codeq.proto


export interface CancelTaskResponse {
  /**
   * True when the task will not run (again); false when it had already
   * completed or died.
   */
  'cancelled'?: (boolean);
}

export interface CancelTaskResponse__Output {
  /**
   * True when the task will not run (again); false when it had already
   * completed or died.
   */
  'cancelled'?: (boolean);
}
