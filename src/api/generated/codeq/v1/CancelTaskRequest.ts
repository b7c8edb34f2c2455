// Original file: proto/codeq/v1/codeq.proto


export interface CancelTaskRequest {
  'queue'?: (string);
  'taskId'?: (string);
}

export interface CancelTaskRequest__Output {
  'queue'?: (string);
  'taskId'?: (string);
}
