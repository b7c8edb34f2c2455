// Original file: proto/codeq/v1/codeq.proto


export interface ResumeQueueRequest {
  'queue'?: (string);
}

export interface ResumeQueueRequest__Output {
  'queue'?: (string);
}
