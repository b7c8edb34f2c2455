// Original file: proto/codeq/v1/codeq.proto


export interface ResumeQueueResponse {
  /**
   * Whether the queue was paused before this call: false means it was not, and the call
   * changed nothing.
   */
  'wasPaused'?: (boolean);
}

export interface ResumeQueueResponse__Output {
  /**
   * Whether the queue was paused before this call: false means it was not, and the call
   * changed nothing.
   */
  'wasPaused'?: (boolean);
}
