// Original file: proto/codeq/v1/codeq.proto


export interface ResumeQueueResponse {
}

export interface ResumeQueueResponse__Output {
}
