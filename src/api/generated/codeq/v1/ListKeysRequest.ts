// Original file: proto/codeq/v1/codeq.proto


export interface ListKeysRequest {
  'queue'?: (string);
  /**
   * Keys per page, 1-1000; 0 means 100.
   */
  'pageSize'?: (number);
  /**
   * next_page_token of the previous page; empty for the first.
   */
  'pageToken'?: (string);
}

export interface ListKeysRequest__Output {
  'queue'?: (string);
  /**
   * Keys per page, 1-1000; 0 means 100.
   */
  'pageSize'?: (number);
  /**
   * next_page_token of the previous page; empty for the first.
   */
  'pageToken'?: (string);
}
