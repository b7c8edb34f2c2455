// Original file: proto/codeq/v1/codeq.proto


export interface ListQueuesRequest {
}

export interface ListQueuesRequest__Output {
}
