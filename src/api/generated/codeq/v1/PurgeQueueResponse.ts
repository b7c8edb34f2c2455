// Original file: proto/codeq/v1/codeq.proto

import type { Long } from '@grpc/proto-loader';

export interface PurgeQueueResponse {
  /**
   * How many tasks were deleted.
   */
  'purged'?: (number | string | Long);
}

export interface PurgeQueueResponse__Output {
  /**
   * How many tasks were deleted.
   */
  'purged'?: (number);
}
