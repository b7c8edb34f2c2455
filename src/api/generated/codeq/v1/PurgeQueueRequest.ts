// Original file: proto/codeq/v1/codeq.proto


export interface PurgeQueueRequest {
  'queue'?: (string);
}

export interface PurgeQueueRequest__Output {
  'queue'?: (string);
}
