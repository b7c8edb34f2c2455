// Original file: proto/codeq/v1/codeq.proto


export interface RedriveDeadTasksRequest {
  'queue'?: (string);
  /**
   * The DEAD tasks to redrive; empty redrives every DEAD task of the queue.
   */
  'taskIds'?: (string)[];
}

export interface RedriveDeadTasksRequest__Output {
  'queue'?: (string);
  /**
   * The DEAD tasks to redrive; empty redrives every DEAD task of the queue.
   */
  'taskIds': (string)[];
}
