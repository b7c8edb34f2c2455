// Original file: proto/codeq/v1/codeq.proto


export interface GetQueueConfigRequest {
  'queue'?: (string);
}

export interface GetQueueConfigRequest__Output {
  'queue'?: (string);
}
