// Original file: proto/codeq/v1/codeq.proto


export interface RedriveDeadTasksResponse {
  /**
   * How many tasks became PENDING (named tasks that are not DEAD are skipped).
   */
  'redriven'?: (number);
}

export interface RedriveDeadTasksResponse__Output {
  /**
   * How many tasks became PENDING (named tasks that are not DEAD are skipped).
   */
  'redriven'?: (number);
}
