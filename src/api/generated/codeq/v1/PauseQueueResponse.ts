// Original file: proto/codeq/v1/codeq.proto


export interface PauseQueueResponse {
  /**
   * Whether the queue was paused before this call: true means it already was, and the
   * call changed nothing.
   */
  'wasPaused'?: (boolean);
}

export interface PauseQueueResponse__Output {
  /**
   * Whether the queue was paused before this call: true means it already was, and the
   * call changed nothing.
   */
  'wasPaused'?: (boolean);
}
