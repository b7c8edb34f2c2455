// Original file: proto/codeq/v1/codeq.proto


export interface ListQueuesRequest {
  /**
   * At most this many queues, 1-5000. Unset means 1000, so a reply stays far under
   * gRPC's 4 MiB default however many queues there are.
   */
  'pageSize'?: (number);
  /**
   * The next_page_token of the previous page; empty for the first page.
   */
  'pageToken'?: (string);
}

export interface ListQueuesRequest__Output {
  /**
   * At most this many queues, 1-5000. Unset means 1000, so a reply stays far under
   * gRPC's 4 MiB default however many queues there are.
   */
  'pageSize'?: (number);
  /**
   * The next_page_token of the previous page; empty for the first page.
   */
  'pageToken'?: (string);
}
