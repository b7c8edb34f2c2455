// Original file: proto/codeq/v1/codeq.proto


export interface PauseQueueRequest {
  'queue'?: (string);
}

export interface PauseQueueRequest__Output {
  'queue'?: (string);
}
