// Original file: proto/codeq/v1/codeq.proto

import type { Long } from '@grpc/proto-loader';

/**
 * One fairness key of a queue and its tasks.
 */
export interface KeyStats {
  /**
   * Empty for the default key.
   */
  'fairnessKey'?: (string);
  'ready'?: (number | string | Long);
  'leased'?: (number | string | Long);
}

/**
 * One fairness key of a queue and its tasks.
 */
export interface KeyStats__Output {
  /**
   * Empty for the default key.
   */
  'fairnessKey'?: (string);
  'ready'?: (number);
  'leased'?: (number);
}
