// Original file: proto/codeq/v1/codeq.proto


export interface CompleteResponse {
}

export interface CompleteResponse__Output {
}
