// Original file: proto/codeq/v1/codeq.proto


export interface CompleteRequest {
  'leaseId'?: (string);
  'result'?: (Buffer | Uint8Array | string);
}

export interface CompleteRequest__Output {
  'leaseId'?: (string);
  'result'?: (Buffer);
}
