// Original file: proto/codeq/v1/codeq.proto


export interface GetQueueStatsRequest {
  'queue'?: (string);
}

export interface GetQueueStatsRequest__Output {
  'queue'?: (string);
}
