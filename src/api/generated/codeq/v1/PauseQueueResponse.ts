// Original file: proto/codeq/v1/codeq.proto


export interface PauseQueueResponse {
}

export interface PauseQueueResponse__Output {
}
