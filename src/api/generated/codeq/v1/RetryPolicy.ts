// Original file: proto/codeq/v1/codeq.proto

import type { Duration as _google_protobuf_Duration, Duration__Output as _google_protobuf_Duration__Output } from '../../google/protobuf/Duration.js';

/**
 * RetryPolicy is the backoff between attempts: exponential with full jitter, capped.
 */
export interface RetryPolicy {
  /**
   * Delay bound before the second attempt. Default 1 s.
   */
  'initialBackoff'?: (_google_protobuf_Duration | null);
  /**
   * Upper bound of any delay. Default 5 min.
   */
  'maxBackoff'?: (_google_protobuf_Duration | null);
  /**
   * Growth factor per attempt, at least 1. Default 2.
   */
  'multiplier'?: (number | string);
}

/**
 * RetryPolicy is the backoff between attempts: exponential with full jitter, capped.
 */
export interface RetryPolicy__Output {
  /**
   * Delay bound before the second attempt. Default 1 s.
   */
  'initialBackoff'?: (_google_protobuf_Duration__Output);
  /**
   * Upper bound of any delay. Default 5 min.
   */
  'maxBackoff'?: (_google_protobuf_Duration__Output);
  /**
   * Growth factor per attempt, at least 1. Default 2.
   */
  'multiplier'?: (number);
}
