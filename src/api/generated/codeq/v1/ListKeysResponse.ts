// Original file: proto/codeq/v1/codeq.proto

import type { KeyStats as _codeq_v1_KeyStats, KeyStats__Output as _codeq_v1_KeyStats__Output } from '../../codeq/v1/KeyStats.js';

export interface ListKeysResponse {
  'keys'?: (_codeq_v1_KeyStats)[];
  /**
   * Pass as page_token for the next page; empty on the last.
   */
  'nextPageToken'?: (string);
}

export interface ListKeysResponse__Output {
  'keys': (_codeq_v1_KeyStats__Output)[];
  /**
   * Pass as page_token for the next page; empty on the last.
   */
  'nextPageToken'?: (string);
}
