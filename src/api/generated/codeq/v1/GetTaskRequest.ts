// Original file: proto/codeq/v1/codeq.proto


export interface GetTaskRequest {
  'queue'?: (string);
  'taskId'?: (string);
}

export interface GetTaskRequest__Output {
  'queue'?: (string);
  'taskId'?: (string);
}
